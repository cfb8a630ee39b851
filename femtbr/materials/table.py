"""Temperature tables of a positive property (k(T), cp(T)) with a monotone-safe interpolant.

Between tabulated points the property is a power law, i.e. ``ln y`` is linear in ``ln T``
(piecewise-linear interpolation in log-log coordinates).  This interpolant never overshoots:
between two points it stays between their values, so a monotone table gives a monotone k(T) and
positive data stay positive.  Its derivative is exact for the interpolant,

    dy/dT = y(T) * s_i / T,   s_i = ln(y_{i+1}/y_i) / ln(T_{i+1}/T_i)   on [T_i, T_{i+1}],

which keeps Newton Jacobians consistent with the residual.  Outside the table the value is held
at the end point (clamped, dy/dT = 0) and a :class:`RangeWarning` is issued.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class RangeWarning(UserWarning):
    """A material property was evaluated outside its tabulated temperature range."""


@dataclass(frozen=True)
class PropertyTable:
    """A positive property ``y(T)`` tabulated at strictly increasing temperatures.

    Parameters
    ----------
    T
        Temperatures [K], strictly increasing, > 0.  A single point means a constant.
    y
        Values (> 0) in the property's SI unit.
    label
        Name used in warnings, e.g. ``"Cu.conductivity"``.
    """

    T: tuple[float, ...]
    y: tuple[float, ...]
    label: str = ""
    _lnT: np.ndarray = field(init=False, repr=False, compare=False)
    _lny: np.ndarray = field(init=False, repr=False, compare=False)
    _slope: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        T = np.asarray(self.T, dtype=float)
        y = np.asarray(self.y, dtype=float)
        if T.ndim != 1 or T.shape != y.shape or T.size == 0:
            raise ValueError(f"T and values must be 1-D of equal length, got {T.shape}, {y.shape}")
        if not (np.all(np.isfinite(T)) and np.all(np.isfinite(y))):
            raise ValueError("T and values must be finite numbers")
        if np.any(T <= 0) or np.any(y <= 0):
            raise ValueError("T and values must be > 0")
        if np.any(np.diff(T) <= 0):
            raise ValueError("T must be strictly increasing")
        lnT, lny = np.log(T), np.log(y)
        slope = np.diff(lny) / np.diff(lnT) if T.size > 1 else np.zeros(0)
        object.__setattr__(self, "_lnT", lnT)
        object.__setattr__(self, "_lny", lny)
        object.__setattr__(self, "_slope", slope)

    @property
    def is_constant(self) -> bool:
        """True for a one-point table (a temperature-independent value)."""
        return len(self.T) == 1

    @property
    def range(self) -> tuple[float, float]:
        """Tabulated temperature range ``(T_min, T_max)`` [K]."""
        return self.T[0], self.T[-1]

    def __call__(self, T: Any) -> tuple[np.ndarray, np.ndarray]:
        """Value and derivative ``(y, dy/dT)`` at temperatures ``T`` [K] (any array shape)."""
        Ta = np.asarray(T, dtype=float)
        if self.is_constant:
            return np.full(Ta.shape, self.y[0]), np.zeros(Ta.shape)
        lo, hi = self.range
        outside = (Ta < lo) | (Ta > hi)
        if np.any(outside):
            # one fixed message per table and side, so that repeated calls warn once
            side = f"below {lo:g} K" if np.any(Ta < lo) else f"above {hi:g} K"
            warnings.warn(
                f"{self.label or 'property'}: T {side}, outside the tabulated range "
                f"[{lo:g}, {hi:g}] K; value held at the end point",
                RangeWarning,
                stacklevel=3,
            )
        Tc = np.clip(Ta, lo, hi)
        lnT = np.log(Tc)
        i = np.clip(np.searchsorted(self._lnT, lnT, side="right") - 1, 0, len(self.T) - 2)
        s = self._slope[i]
        y = np.exp(self._lny[i] + s * (lnT - self._lnT[i]))
        dy = np.where(outside, 0.0, y * s / Tc)
        return y, dy
