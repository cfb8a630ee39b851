"""Acoustic mismatch model (AMM) of the phonon (Kapitza) boundary conductance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from femtbr.models import _phonon as ph
from femtbr.models._phonon_pair import PhononPair
from femtbr.models.registry import register


@register("amm")
@dataclass(frozen=True)
class AMM(PhononPair):
    """Acoustic mismatch model on Debye phonons (specular, elastic, per polarization).

    h = (1/2) Σ_j ∫ ħω D_j(ω) c_j (∂f/∂T) ∫ α_j(θ) cosθ sinθ dθ dω  [W/(m² K)]
    (Swartz & Pohl, Rev. Mod. Phys. 61, 605 (1989), Sec. II flux integral) with the plane-wave
    energy transmission α_j, Z = ρ c and Snell's law sinθ1/c1 = sinθ2/c2.

    * Solid/solid and liquid/liquid: branches pair by polarization (L→L, T→T), longitudinal
      α = 4 Z1 Z2 cosθ1 cosθ2 / (Z1 cosθ2 + Z2 cosθ1)² (S&P 1989 AMM; Little 1959), transverse
      α = 4 Z1 Z2 cosθ1 cosθ2 / (Z1 cosθ1 + Z2 cosθ2)² (exact for SH waves); mode conversion
      is neglected there.
    * Solid/liquid (e.g. Cu / liquid He-4): the full plane-wave problem with mode conversion
      (Brekhovskikh, Waves in Layered Media (1980), liquid/solid half-spaces; see
      ``femtbr.models._solid_liquid``).  The solid's L and SV (``T1``) phonons transmit into
      the liquid, SH (``T2``) is totally reflected; the liquid's Γ follows by detailed balance.
      At low T this is Khalatnikov's theory (Zh. Eksp. Teor. Fiz. 22, 687 (1952); Challis,
      J. Phys. C 7, 481 (1974)), R_K T³ → 15ħ³ρ_s c_T³/(2π² k_B⁴ ρ_l c_l F) for ρ_l c_l ≪ ρ_s c_T,
      where the SV channel dominates.

    Low T: h_em = 1.019256e10 · T³ Σ_j Γ_j/c_j² (S&P 1989 low-T limit).  Cutoffs: per branch by
    default (``femtbr.models._cutoff``); temperature convention: equilibrium by default
    (``femtbr.models._convention``; identical sides then have no resistance and are refused).
    """

    summary: ClassVar[str] = ("acoustic mismatch model (Debye phonons, L,T,T; solid/liquid with "
                              "L-SV mode conversion)")
    validity: ClassVar[str] = ("specular interfaces, T well below Θ_D for quantitative use "
                               "(T ≲ 30 K); Debye DOS; solid/solid without mode conversion")
    references: ClassVar[tuple[str, ...]] = (
        "E.T. Swartz and R.O. Pohl, Rev. Mod. Phys. 61, 605 (1989), Sec. II (AMM)",
        "W.A. Little, Can. J. Phys. 37, 334 (1959)",
        "I.M. Khalatnikov, Zh. Eksp. Teor. Fiz. 22, 687 (1952)",
        "L.J. Challis, J. Phys. C 7, 481 (1974)",
        "L.M. Brekhovskikh, Waves in Layered Media, 2nd ed. (1980), liquid/solid boundary",
    )

    def coefficient(self, from_side: str = "a") -> float:
        """S = Σ_j Γ_j/c_j² [s²/m²], Γ_j = 2∫α_j cosθ sinθ dθ for incidence from ``from_side``."""
        return ph.amm_S(*self.sides(from_side))[0]

    def gammas(self, from_side: str = "a") -> dict[str, float]:
        """Angle-integrated transmission Γ_j [-] per branch for incidence from ``from_side``."""
        return ph.amm_S(*self.sides(from_side))[1]

    def segments(self, from_side: str = "a") -> list[tuple[float, float, float]]:
        """(Γ_j/c_j², 0, Θ) per branch j: it transmits below the smaller cutoff of j and its
        partner branch (L into a liquid for every solid branch, else the same polarization)."""
        a, b = self.sides(from_side)
        if a.liquid and not b.liquid:  # detailed balance: the solid's channels, seen from here
            return self.segments("b" if from_side == "a" else "a")
        ta, tb = self.cutoffs(from_side)
        out = []
        for j, g in ph.amm_S(a, b)[1].items():
            partner = "L" if b.liquid else j
            if partner in tb:
                out.append((g / a.speeds[j] ** 2, 0.0, min(ta[j], tb[partner])))
        return out
