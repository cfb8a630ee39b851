"""Power-law one-way heat flux (fluctuation-dissipation form): q = σ Tⁿ → G = σ n Tⁿ⁻¹."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.models.base import ModelBase, as_arrays, param
from femtbr.models.registry import register


@register("fluctuation_dissipation")
@dataclass(frozen=True)
class FluctuationDissipation(ModelBase):
    """Interface whose one-way flux is q(T) = σ Tⁿ [W/m²]; h = dq/dT = σ n Tⁿ⁻¹ [W/(m² K)].

    By detailed balance (fluctuation-dissipation) the net flux between sides at T_a, T_b is
    q = σ (T_aⁿ − T_bⁿ), whose linearisation at the mean temperature is G = σ n Tⁿ⁻¹ and
    dG/dT = σ n (n − 1) Tⁿ⁻² [W/(m² K²)].  n = 4 is the phonon-radiation (Stefan-Boltzmann-like)
    law of Swartz & Pohl, Rev. Mod. Phys. 61, 605 (1989), low-T limit (G ∝ T³); n = 5 is
    electron-phonon coupling in metals, P = Σ V (T_e⁵ − T_p⁵) (Wellstood, Urbina & Clarke,
    Phys. Rev. B 49, 5942 (1994)).  Fit σ and n to measurements.
    """

    sigma: float = param(unit="W/(m^2 K^n)", positive=True,
                         doc="coefficient of the one-way flux q = sigma T^n")
    n: float = param(4.0, unit="-", positive=True, hi=12.0, doc="power-law exponent")

    summary: ClassVar[str] = "power-law flux q = sigma T^n, G = sigma n T^(n-1)"
    validity: ClassVar[str] = "temperature range of the fit of sigma and n"
    references: ClassVar[tuple[str, ...]] = (
        "E.T. Swartz and R.O. Pohl, Rev. Mod. Phys. 61, 605 (1989), low-T limit",
        "F.C. Wellstood, C. Urbina, J. Clarke, Phys. Rev. B 49, 5942 (1994)",
    )

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """G [W/(m² K)] and dG/dT [W/(m² K²)] at T [K] (> 0); independent of p [Pa]."""
        T, _ = as_arrays(T, p)  # T > 0 and finite: checked by ModelBase
        n = float(self.n)
        G = self.sigma * n * T ** (n - 1.0)
        return G, G * (n - 1.0) / T
