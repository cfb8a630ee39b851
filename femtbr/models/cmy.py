"""Cooper–Mikic–Yovanovich plastic contact conductance of conforming rough surfaces."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.models._pair import SurfacePair
from femtbr.models._surface import separation_exact
from femtbr.models.base import as_arrays, param
from femtbr.models.registry import register

FORMS = ("correlation", "theory")


def cmy_dimensionless(x: np.ndarray, form: str = "correlation") -> np.ndarray:
    """Dimensionless plastic contact conductance C_c = h_c σ/(k_s m) [-] at x = P/H_c.

    ``"correlation"``: C_c = 1.25 x^0.95 (Yovanovich 2005, IEEE TCPT 28(2) 182, plastic
    correlation; fits the theory within 1.5 % for 1e-6 ≤ x ≤ 2e-2).
    ``"theory"``: C_c = exp(−λ²/2) / [2√(2π) (1 − √x)^1.5], λ = Y/σ = √2 erfc⁻¹(2x)
    (Cooper, Mikic & Yovanovich 1969, IJHMT 12, 279; as written in Yovanovich 2005).
    x ≤ 0 gives 0.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if form == "correlation":
            c = 1.25 * np.maximum(x, 0.0) ** 0.95
        elif form == "theory":
            lam = separation_exact(x)
            c = np.exp(-0.5 * lam**2) / (2.0 * math.sqrt(2.0 * math.pi) * (1.0 - np.sqrt(x)) ** 1.5)
        else:
            raise ValueError(form)
    return np.where(x > 0, c, 0.0)


@register("cmy")
@dataclass(frozen=True)
class CMY(SurfacePair):
    """Plastic contact conductance h_c = k_s (m/σ) C_c(P/H_c) [W/(m² K)].

    Correlation (default): h_c = 1.25 k_s (m/σ) (P/H_c)^0.95; theory form on request
    (see :func:`cmy_dimensionless`).  P/H_c from a constant ``H_c`` or from the Vickers
    coefficients by the explicit Song–Yovanovich relation.  T enters through k_s(T) only:
    dh/dT = (m/σ) C_c dk_s/dT.
    """

    form: str = param("correlation", kind="str", choices=FORMS,
                      doc="'correlation' (1.25 x^0.95) or 'theory'")

    needs: ClassVar[tuple[str, ...]] = ("k", "sigma", "m", "hardness")
    summary: ClassVar[str] = (
        "Cooper-Mikic-Yovanovich plastic contact conductance (conforming rough)"
    )
    validity: ClassVar[str] = (
        "Gaussian isotropic rough surfaces, plastic asperities "
        "(plasticity index H_c/(E'm) <= 0.33), "
        "1e-6 <= P/H_c <= 2e-2 (warns outside); vacuum (no gas, no radiation)"
    )
    references: ClassVar[tuple[str, ...]] = (
        "M. G. Cooper, B. B. Mikic, M. M. Yovanovich, "
        "Int. J. Heat Mass Transfer 12, 279-300 (1969)",
        "M. M. Yovanovich, IEEE Trans. Compon. Packag. Technol. 28(2), 182-206 (2005)",
        "S. Song, M. M. Yovanovich, J. Thermophys. Heat Transfer 2(1), 43-47 (1988)",
    )

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h_c [W/(m² K)] and dh_c/dT [W/(m² K²)] at T [K], contact pressure p [Pa]."""
        T, p = as_arrays(T, p)
        c = cmy_dimensionless(self.relative_pressure(p), self.form)
        k, dk = self.k_effective(T)
        scale = self._m / self._sigma  # type: ignore[attr-defined]
        return k * scale * c, dk * scale * c
