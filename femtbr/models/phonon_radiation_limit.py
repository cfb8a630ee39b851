"""Phonon radiation limit: the largest conductance elastic phonon transmission allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.models import _cutoff as co
from femtbr.models._phonon_pair import PhononPair
from femtbr.models.base import param
from femtbr.models.registry import register


@register("phonon_radiation_limit")
@dataclass(frozen=True)
class PhononRadiationLimit(PhononPair):
    """Every phonon of one side below its cutoff is transmitted (Γ_j = 1).

    h_rad,i = P T³ Σ_j c_ij⁻² J(Θ_ij/T) [W/(m² K)] (Swartz & Pohl, Rev. Mod. Phys. 61, 605
    (1989), flux integral with α = 1; Stoner & Maris, PRB 48, 16373 (1993)), Θ_ij the branch
    cutoff (per branch by default, ``_cutoff``), limited to the other side's highest cutoff (no
    partner states above it).  ``side = "min"`` (default) takes the smaller of h_rad,a and
    h_rad,b at each T: by detailed balance h_ab = h_ba ≤ min(h_rad,a, h_rad,b), so this bounds
    AMM, DMM and any elastic model with α ≤ 1 (in either temperature convention, since
    h_eq increases with h_em).  ``side = "a"`` / ``"b"`` gives that side's radiation
    (Stoner-Maris count the softer side, a looser number).  Identical sides: equal to AMM (α = 1).
    """

    side: str = param("min", unit="-", kind="str", choices=("min", "a", "b"),
                      doc="'min' (strict bound), 'a' or 'b'")

    summary: ClassVar[str] = "phonon radiation limit (all phonons below the cutoff pass)"
    validity: ClassVar[str] = "bound on elastic phonon transport; Debye phonons"
    references: ClassVar[tuple[str, ...]] = (
        "E.T. Swartz and R.O. Pohl, Rev. Mod. Phys. 61, 605 (1989), Sec. V",
        "R.J. Stoner and H.J. Maris, Phys. Rev. B 48, 16373 (1993)",
    )

    def __post_init__(self) -> None:
        super().__post_init__()

    def coefficient(self, from_side: str = "a") -> float:
        """Σ_j c_j⁻² [s²/m²] of the radiating side chosen by ``side`` (``from_side`` ignored)."""
        return self._radiator()[0].S_rad

    def _radiator(self) -> tuple[Any, str]:
        if self.side == "min":
            key = "a" if self._a.S_rad <= self._b.S_rad else "b"
        else:
            key = self.side
        return (self._a if key == "a" else self._b), key

    def _side_segments(self, key: str) -> list[tuple[float, float, float]]:
        s = self._a if key == "a" else self._b
        other = self._cut["b" if key == "a" else "a"]
        return co.radiation_segments(s, self._cut[key], max(other.values()))

    def segments(self, from_side: str = "a") -> list[tuple[float, float, float]]:
        """Γ_j = 1 for every branch of the radiating side below min(Θ_j, top partner cutoff)."""
        return self._side_segments(self._radiator()[1])

    def emitted(self, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """h_rad [W/(m² K)], dh_rad/dT; ``side = "min"``: the smaller of the two at each T."""
        if self.side != "min":
            return co.h_segments(self._side_segments(self.side), T)
        ha, dha = co.h_segments(self._side_segments("a"), T)
        hb, dhb = co.h_segments(self._side_segments("b"), T)
        return np.where(ha <= hb, ha, hb), np.where(ha <= hb, dha, dhb)
