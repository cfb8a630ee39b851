"""Temperature tables of a positive property (k(T), cp(T)) and their interpolation.

``interpolation = "linear"`` (default, as the case-file documentation promises): y is
piecewise linear in T between tabulated points, so a 300 → 310 K, 1 → 6 table gives
y(305) = 3.5.  Its derivative is the slope of the segment,

    dy/dT = (y_{i+1} − y_i) / (T_{i+1} − T_i)   on [T_i, T_{i+1}),

and at a breakpoint T_i it is the **right-hand** (upper segment's) slope — the segment
[T_i, T_{i+1}) owns its left end — except at the last point, which takes the last segment's
slope.  (Newton sees the derivative of the interpolant it evaluates; a quadrature point that
lands exactly on a breakpoint is a measure-zero event.)

``interpolation = "power"``: between points y is a power law, ln y linear in ln T
(piecewise-linear in log-log coordinates), dy/dT = y s_i / T with
s_i = ln(y_{i+1}/y_i) / ln(T_{i+1}/T_i); it suits data spanning decades (cryogenic k(T)).

Both interpolants stay between the two neighbouring values (no overshoot), so a monotone table
gives a monotone property and positive data stay positive.  Outside the table the value is held
at the end point (clamped, dy/dT = 0) and a :class:`RangeWarning` is issued.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

INTERPOLATIONS = ("linear", "power")


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
    interpolation
        ``"linear"`` (default) or ``"power"`` (see the module docstring).
    """

    T: tuple[float, ...]
    y: tuple[float, ...]
    label: str = ""
    interpolation: str = "linear"
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
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got "
                             f"{self.interpolation!r}")
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
        Tk = np.asarray(self.T)
        # the segment [T_i, T_{i+1}) owns its left end: right-hand slope at breakpoints
        i = np.clip(np.searchsorted(Tk, Tc, side="right") - 1, 0, len(self.T) - 2)
        if self.interpolation == "linear":
            yk = np.asarray(self.y)
            slope = (yk[i + 1] - yk[i]) / (Tk[i + 1] - Tk[i])
            y = yk[i] + slope * (Tc - Tk[i])
            return y, np.where(outside, 0.0, slope)
        s = self._slope[i]
        y = np.exp(self._lny[i] + s * (np.log(Tc) - self._lnT[i]))
        dy = np.where(outside, 0.0, y * s / Tc)
        return y, dy
