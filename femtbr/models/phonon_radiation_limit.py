"""Phonon radiation limit: the largest conductance elastic phonon transmission allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from femtbr.errors import ModelError
from femtbr.models._phonon_pair import PhononPair
from femtbr.models.base import param
from femtbr.models.registry import register


@register("phonon_radiation_limit")
@dataclass(frozen=True)
class PhononRadiationLimit(PhononPair):
    """Every phonon below ω_c incident from one side is transmitted (Γ_j = 1).

    h_rad,i = P Σ_j c_ij⁻² T³ J(Θ_c/T) [W/(m² K)] (Swartz & Pohl, Rev. Mod. Phys. 61, 605
    (1989), flux integral with α = 1; Stoner & Maris, PRB 48, 16373 (1993)).  ``side = "min"``
    (default) takes the side with the smaller Σ_j c_j⁻² (the stiffer one): by detailed balance
    h_ab = h_ba ≤ min(h_rad,a, h_rad,b), so this bounds AMM, DMM and any elastic model with
    α ≤ 1.  ``side = "a"`` / ``"b"`` gives that side's radiation (Stoner-Maris count the softer
    side, a looser number).  Identical sides: equal to AMM (α = 1).
    """

    side: str = param("min", unit="-", kind=str, doc="'min' (strict bound), 'a' or 'b'")

    summary: ClassVar[str] = "phonon radiation limit (all phonons below the common cutoff pass)"
    validity: ClassVar[str] = "bound on elastic phonon transport; Debye phonons"
    references: ClassVar[tuple[str, ...]] = (
        "E.T. Swartz and R.O. Pohl, Rev. Mod. Phys. 61, 605 (1989), Sec. V",
        "R.J. Stoner and H.J. Maris, Phys. Rev. B 48, 16373 (1993)",
    )

    def __post_init__(self) -> None:
        if self.side not in ("min", "a", "b"):
            raise ModelError(f"{self.name}.side: must be 'min', 'a' or 'b', got {self.side!r}")
        super().__post_init__()

    def coefficient(self, from_side: str = "a") -> float:
        """Σ_j c_j⁻² [s²/m²] of the radiating side chosen by ``side`` (``from_side`` ignored)."""
        if self.side == "min":
            return min(self._a.S_rad, self._b.S_rad)
        return (self._a if self.side == "a" else self._b).S_rad
