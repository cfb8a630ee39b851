"""Conduction through the gas in the microgaps of a rough contact (simple gap model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.errors import FemtbrError, ModelError
from femtbr.models._pair import SurfacePair, _const_k
from femtbr.models._surface import separation_exact
from femtbr.models.base import as_arrays, param
from femtbr.models.registry import register


@register("gas_gap")
@dataclass(frozen=True)
class GasGap(SurfacePair):
    """Gap conductance h_g = k_g / (Y + M) [W/(m² K)] (Yovanovich 2005, IEEE TCPT 28(2) 182).

    M = α β Λ gas rarefaction parameter [m] with α = (2−TAC₁)/TAC₁ + (2−TAC₂)/TAC₂,
    β = 2γ/((γ+1) Pr), Λ = Λ₀ (T/T₀)(p₀/p_gas) (kinetic theory).  Y [m] is the mean-plane
    separation: given, or Y = σ √2 erfc⁻¹(2P/H_c) from the plastic (CMY) model (p → 0 gives
    Y → ∞, h_g → 0).  Vacuum (p_gas = 0) gives h_g = 0.
    dh_g/dT = k_g'/(Y+M) − k_g (M/T)/(Y+M)²  (Λ ∝ T at fixed p_gas; k_g(T) from the gas).
    """

    gas: str | None = param(
        None, kind="str", doc="gas material name (k(T), gamma, Pr, mean free path)"
    )
    k_g: float | None = param(
        None, unit="W/(m K)", positive=True, doc="gas conductivity"
    )
    gamma_gas: float | None = param(None, lo=1.0, hi=5.0 / 3.0, doc="gas heat-capacity ratio")
    Pr: float | None = param(None, positive=True, hi=10.0, doc="gas Prandtl number")
    mfp0: float | None = param(
        None, unit="m", positive=True, doc="gas mean free path at mfp_T0, mfp_p0"
    )
    mfp_T0: float = param(288.15, unit="K", positive=True, doc="reference T of mfp0")
    mfp_p0: float = param(101325.0, unit="Pa", positive=True, doc="reference p of mfp0")
    p_gas: float = param(101325.0, unit="Pa", lo=0, doc="gas pressure (0 = vacuum)")
    tac1: float | None = param(
        None, positive=True, hi=1.0, doc="thermal accommodation coefficient, side a"
    )
    tac2: float | None = param(
        None, positive=True, hi=1.0, doc="thermal accommodation coefficient, side b"
    )
    Y: float | None = param(None, unit="m", positive=True,
                            doc="mean-plane separation (default: from the plastic contact model)")

    summary: ClassVar[str] = "gas conduction across the microgaps, h_g = k_g/(Y+M)"
    validity: ClassVar[str] = (
        "conforming rough surfaces, gap much thinner than lateral scales; simple (not integral) "
        "gap model, continuum to free-molecular through M; Y from the plastic CMY model"
    )
    references: ClassVar[tuple[str, ...]] = (
        "M. M. Yovanovich, IEEE Trans. Compon. Packag. Technol. 28(2), 182-206 (2005)",
        "S. Song, M. M. Yovanovich, F. O. Goodman, J. Heat Transfer 115, 533-540 (1993)",
    )

    @property
    def vacuum(self) -> bool:
        """True when there is no gas (p_gas = 0)."""
        return self.p_gas == 0

    def _needs(self) -> tuple[str, ...]:
        return () if (self.Y is not None or self.vacuum) else ("sigma", "hardness")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.vacuum:
            return
        gas = self._gas_material()
        self._set("_kg", _const_k(self.k_g) if self.k_g is not None else gas.conductivity)
        gam = self._from("gamma_gas", gas, "gamma")
        pr = self._from("Pr", gas, "Pr")
        if self.mfp0 is not None:
            lam = (self.mfp0, self.mfp_T0, self.mfp_p0)
        else:
            lam = tuple(self._from("mfp0", gas, a) for a in ("mfp0", "mfp_T0", "mfp_p0"))
        for key in ("tac1", "tac2"):
            if getattr(self, key) is None:
                raise ModelError(
                    f"{self._label(key)}: thermal accommodation coefficient required (typically "
                    "0.8-0.95 for air/N2/Ar on engineering metal surfaces, 0.1-0.4 for He)"
                )
        alpha = (2.0 - self.tac1) / self.tac1 + (2.0 - self.tac2) / self.tac2  # type: ignore[operator]
        beta = 2.0 * gam / ((gam + 1.0) * pr)
        # M = alpha beta Lambda0 (T/T0)(p0/p_gas) = M_per_T * T
        self._set("_M_per_T", alpha * beta * lam[0] * lam[2] / (lam[1] * self.p_gas))

    def _gas_material(self) -> Any:
        if self.gas is None:
            if self.k_g is None:
                raise ModelError(
                    f"{self._label('gas')}: give a gas name, or k_g (or p_gas = 0 for vacuum)"
                )
            return None
        try:
            from femtbr.materials import get

            mat = get(self.gas)
        except FemtbrError as exc:
            raise ModelError(f"{self._label('gas')}: {exc}") from None
        if getattr(mat, "phase", "gas") != "gas":
            raise ModelError(
                f"{self._label('gas')}: {self.gas!r} is not a gas (phase {mat.phase!r})"
            )
        return mat

    def _from(self, key: str, gas: Any, attr: str) -> float:
        value = getattr(self, key)
        if value is None and gas is not None:
            value = getattr(gas, attr, None)
        if value is None:
            raise ModelError(
                f"{self._label(key)}: required for a gas gap (or a gas material that has it)"
            )
        return float(value)

    def rarefaction(self, T: Any) -> np.ndarray:
        """Gas rarefaction parameter M = α β Λ(T, p_gas) [m]."""
        return self._M_per_T * np.asarray(T, dtype=float)  # type: ignore[attr-defined]

    def separation(self, p: Any) -> np.ndarray:
        """Mean-plane separation Y [m] at contact pressure p [Pa] (inf at p ≤ 0)."""
        if self.Y is not None:
            return np.full(np.shape(p), float(self.Y))
        x = self.relative_pressure(p)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x > 0, self._sigma * separation_exact(x), np.inf)  # type: ignore[attr-defined]

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h_g [W/(m² K)] and dh_g/dT [W/(m² K²)] at T [K], contact pressure p [Pa]."""
        T, p = as_arrays(T, p)
        if self.vacuum:
            return np.zeros_like(T), np.zeros_like(T)
        k, dk = self._kg(T)  # type: ignore[attr-defined]
        M = self.rarefaction(T)
        gap = self.separation(p) + M
        with np.errstate(invalid="ignore"):
            h = k / gap
            dh = dk / gap - k * (M / T) / gap**2
        finite = np.isfinite(gap)
        return np.where(finite, h, 0.0), np.where(finite, dh, 0.0)
