"""Thermal radiation across a thin gap between two grey diffuse surfaces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.models.base import ModelBase, as_arrays, param
from femtbr.models.registry import register

SIGMA_SB = 5.670374419e-8
"""Stefan–Boltzmann constant [W/(m² K⁴)] (CODATA 2018, exact from SI constants)."""


@register("gap_radiation")
@dataclass(frozen=True)
class GapRadiation(ModelBase):
    """Linearised radiation conductance h_r = 4 σ_SB T̄³ / (1/ε₁ + 1/ε₂ − 1) [W/(m² K)].

    Two infinite parallel grey diffuse plates exchange q = σ_SB (T₁⁴ − T₂⁴)/(1/ε₁ + 1/ε₂ − 1)
    (Incropera & DeWitt, Fundamentals of Heat and Mass Transfer, 6th ed., Table 13.3, large
    parallel planes);
    linearised at the mean temperature T̄ (relative error (ΔT/2T̄)² order); as used for joints
    in Yovanovich (2005), IEEE TCPT 28(2) 182.  dh_r/dT = 12 σ_SB T̄² / (1/ε₁ + 1/ε₂ − 1).
    """

    emissivity1: float = param(unit="-", positive=True, hi=1.0, doc="emissivity side a")
    emissivity2: float = param(unit="-", positive=True, hi=1.0, doc="emissivity side b")

    summary: ClassVar[str] = "radiation across the gap (grey parallel plates, linearised)"
    validity: ClassVar[str] = (
        "gap << lateral size, opaque grey diffuse surfaces, gap >> thermal wavelength"
    )
    references: ClassVar[tuple[str, ...]] = (
        "F. P. Incropera, D. P. DeWitt, Fundamentals of Heat and Mass Transfer, 6th ed., "
        "Table 13.3 (large parallel planes)",
        "M. M. Yovanovich, IEEE Trans. Compon. Packag. Technol. 28(2), 182-206 (2005)",
    )

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h_r [W/(m² K)] and dh_r/dT [W/(m² K²)] at mean temperature T [K] (p unused)."""
        T, _ = as_arrays(T, p)
        f = SIGMA_SB / (1.0 / self.emissivity1 + 1.0 / self.emissivity2 - 1.0)
        return 4.0 * f * T**3, 12.0 * f * T**2
