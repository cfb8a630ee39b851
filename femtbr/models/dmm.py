"""Diffuse mismatch model (DMM) of the phonon boundary conductance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from femtbr.models import _cutoff as co
from femtbr.models import _phonon as ph
from femtbr.models._phonon_pair import PhononPair
from femtbr.models.registry import register


@register("dmm")
@dataclass(frozen=True)
class DMM(PhononPair):
    """Diffuse mismatch model on Debye phonons (fully diffuse, elastic scattering).

    Every phonon forgets its origin; the transmission from a to b is the same for all branches,
    angles and frequencies below ω_c:  α_ab = Σ_j c_bj⁻² / (Σ_j c_aj⁻² + Σ_j c_bj⁻²)
    (Swartz & Pohl, Rev. Mod. Phys. 61, 605 (1989), Sec. II DMM), so Γ_j = α_ab and
    h = P · α_ab Σ_j c_aj⁻² · T³ J(Θ_c/T) [W/(m² K)], P = k_B⁴/(8π²ħ³) (S&P 1989 flux integral).
    Identical materials give α = 1/2.  A liquid side contributes its longitudinal branch only.
    With per-branch cutoffs (default) α changes between cutoffs: the branches without states at
    ω drop out of both sums.  Temperature convention: equilibrium by default (``_convention``).
    """

    summary: ClassVar[str] = "diffuse mismatch model (Debye phonons, L,T,T; liquid: L only)"
    validity: ClassVar[str] = ("rough / disordered interfaces; elastic phonon scattering only "
                               "(under-predicts very dissimilar pairs such as Pb/diamond)")
    references: ClassVar[tuple[str, ...]] = (
        "E.T. Swartz and R.O. Pohl, Rev. Mod. Phys. 61, 605 (1989), Sec. II (DMM)",
        "R.J. Stoner and H.J. Maris, Phys. Rev. B 48, 16373 (1993)",
    )

    def coefficient(self, from_side: str = "a") -> float:
        """S = α_ab Σ_j c_aj⁻² [s²/m²] for incidence from ``from_side`` (all branches active)."""
        a, b = self.sides(from_side)
        return ph.dmm_alpha(a, b) * a.S_rad

    def transmission(self, from_side: str = "a") -> float:
        """α from ``from_side`` into the other side [-] where every branch is active."""
        return ph.dmm_alpha(*self.sides(from_side))

    def segments(self, from_side: str = "a") -> list[tuple[float, float, float]]:
        """DMM weights between consecutive branch cutoffs (``_cutoff.dmm_segments``)."""
        a, b = self.sides(from_side)
        return co.dmm_segments(a, b, *self.cutoffs(from_side))
