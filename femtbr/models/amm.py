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
    energy transmission, Z = ρ c, Snell's law sinθ1/c1 = sinθ2/c2 and total reflection past the
    critical angle: longitudinal α = 4 Z1 Z2 cosθ1 cosθ2 / (Z1 cosθ2 + Z2 cosθ1)² (S&P 1989 AMM;
    Little 1959), transverse α = 4 Z1 Z2 cosθ1 cosθ2 / (Z1 cosθ1 + Z2 cosθ2)² (exact for SH
    waves).  Branches pair by polarization (L→L, T→T); mode conversion is neglected, and
    transverse phonons are totally reflected by a liquid (He-4), which carries L phonons only.
    Low T: h = 1.019256e10 · T³ Σ_j Γ_j/c_j² (S&P 1989 low-T limit).  Debye cutoff: see ``_phonon``.
    """

    summary: ClassVar[str] = "acoustic mismatch model (Debye phonons, L,T,T; liquid: L only)"
    validity: ClassVar[str] = ("specular interfaces, T well below Θ_D for quantitative use "
                               "(T ≲ 30 K); Debye DOS, no mode conversion")
    references: ClassVar[tuple[str, ...]] = (
        "E.T. Swartz and R.O. Pohl, Rev. Mod. Phys. 61, 605 (1989), Sec. II (AMM)",
        "W.A. Little, Can. J. Phys. 37, 334 (1959)",
        "I.M. Khalatnikov, Zh. Eksp. Teor. Fiz. 22, 687 (1952)",
    )

    def coefficient(self, from_side: str = "a") -> float:
        """S = Σ_j Γ_j/c_j² [s²/m²], Γ_j = 2∫α_j cosθ sinθ dθ for incidence from ``from_side``."""
        return ph.amm_S(*self.sides(from_side))[0]

    def gammas(self, from_side: str = "a") -> dict[str, float]:
        """Angle-integrated transmission Γ_j [-] per branch for incidence from ``from_side``."""
        return ph.amm_S(*self.sides(from_side))[1]
