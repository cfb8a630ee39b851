"""Contact conductance with the deformation regime chosen from the plasticity index."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.errors import ModelError
from femtbr.models._pair import SurfacePair
from femtbr.models._surface import plasticity_index
from femtbr.models.base import as_arrays, param
from femtbr.models.cmy import cmy_dimensionless
from femtbr.models.mikic_elastic import elastic_pressure, mikic_dimensionless
from femtbr.models.registry import register

GAMMA_PLASTIC = 0.33
GAMMA_ELASTIC = 3.0
REGIMES = ("auto", "plastic", "elastic")
BANDS = ("bridge", "error")


@register("contact")
@dataclass(frozen=True)
class Contact(SurfacePair):
    """Conforming rough contact h_c [W/(m² K)], regime from Mikic's plasticity index.

    γ = H_c/(E' m) (Mikic 1974, IJHMT 17, 205; thresholds as in Yovanovich 2005, IEEE TCPT
    28(2) 182): γ ≥ 3 elastic → :func:`~femtbr.models.mikic_elastic.mikic_dimensionless`;
    γ ≤ 0.33 plastic → CMY correlation :func:`~femtbr.models.cmy.cmy_dimensionless`.
    For 0.33 < γ < 3 the Sridhar–Yovanovich elastoplastic model is not available (see
    ``elastoplastic``); with ``elastoplastic_band="bridge"`` (default) femtbr uses its own
    log-linear bridge h = h_p^(1−w) h_e^w, w = ln(γ/0.33)/ln(3/0.33) — continuous in γ, equal to
    each published model at its threshold, NOT a published correlation — and warns.
    H_c here is c₁(1.62σ'/m)^c₂ (or the given H_c).  The chosen regime is
    :attr:`chosen_regime`; the index :attr:`gamma`.  dh/dT = h (dk_s/dT)/k_s.
    """

    regime: str = param("auto", kind="str", choices=REGIMES,
                        doc="'auto' (plasticity index), 'plastic' or 'elastic'")
    elastoplastic_band: str = param("bridge", kind="str", choices=BANDS,
                                    doc="0.33<gamma<3: 'bridge' (log-linear, warns) or 'error'")

    needs: ClassVar[tuple[str, ...]] = ("k", "sigma", "m", "hardness", "E")
    summary: ClassVar[str] = "contact conductance, elastic/plastic regime from the plasticity index"
    validity: ClassVar[str] = (
        "Gaussian isotropic rough surfaces in vacuum; plastic branch 1e-6 <= P/H_c <= 2e-2, "
        "elastic "
        "branch 1e-6 <= sqrt(2)P/(E'm) <= 2e-2; 0.33 < gamma < 3 uses an unpublished bridge"
    )
    references: ClassVar[tuple[str, ...]] = (
        "B. B. Mikic, Int. J. Heat Mass Transfer 17, 205-214 (1974)",
        "M. G. Cooper, B. B. Mikic, M. M. Yovanovich, "
        "Int. J. Heat Mass Transfer 12, 279-300 (1969)",
        "M. M. Yovanovich, IEEE Trans. Compon. Packag. Technol. 28(2), 182-206 (2005)",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        gamma = plasticity_index(self.microhardness(), self._Ep, self._m)  # type: ignore[attr-defined]
        self._set("gamma", gamma)
        if self.regime != "auto":
            chosen = self.regime
        elif gamma >= GAMMA_ELASTIC:
            chosen = "elastic"
        elif gamma <= GAMMA_PLASTIC:
            chosen = "plastic"
        else:
            chosen = "elastoplastic"
            if self.elastoplastic_band == "error":
                raise ModelError(
                    f"contact.regime: plasticity index gamma = {gamma:.3g} is elastoplastic "
                    "(0.33 < gamma < 3) and elastoplastic_band='error'"
                )
            warnings.warn(
                f"contact: plasticity index gamma = {gamma:.3g} is in the elastoplastic band; the "
                "Sridhar-Yovanovich model is not available, using femtbr's log-linear bridge "
                "between Mikic elastic and CMY plastic",
                UserWarning,
                stacklevel=3,
            )
        self._set("chosen_regime", chosen)

    def weight_elastic(self) -> float:
        """Bridge weight w ∈ [0, 1] of the elastic branch (0 plastic, 1 elastic)."""
        if self.chosen_regime == "elastic":  # type: ignore[attr-defined]
            return 1.0
        if self.chosen_regime == "plastic":  # type: ignore[attr-defined]
            return 0.0
        return math.log(self.gamma / GAMMA_PLASTIC) / math.log(GAMMA_ELASTIC / GAMMA_PLASTIC)  # type: ignore[attr-defined]

    def dimensionless(self, p: np.ndarray) -> np.ndarray:
        """h_c σ/(k_s m) [-] at contact pressure p [Pa]."""
        w = self.weight_elastic()
        c_p = cmy_dimensionless(self.relative_pressure(p)) if w < 1 else 1.0
        c_e = (
            mikic_dimensionless(elastic_pressure(p, self._Ep, self._m, self.name, self._seen))
            if w > 0
            else 1.0
        )  # type: ignore[attr-defined]
        return np.asarray(c_p, float) ** (1.0 - w) * np.asarray(c_e, float) ** w

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h_c [W/(m² K)] and dh_c/dT [W/(m² K²)] at T [K], contact pressure p [Pa]."""
        T, p = as_arrays(T, p)
        c = self.dimensionless(p)
        k, dk = self.k_effective(T)
        scale = self._m / self._sigma  # type: ignore[attr-defined]
        return k * scale * c, dk * scale * c
