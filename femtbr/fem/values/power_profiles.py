"""Time-dependent scalars: source power [W] and ambient temperature [K] as functions of time [s].

Every profile is an immutable value with

* ``value(t)`` — the right-continuous value at time ``t`` (a step at ``t_s`` already holds the
  new value at ``t_s``);
* ``left(t)`` — the left limit at ``t`` (the value *during* the step that ends at ``t``);
* ``discontinuities(t0, t1)`` — the times in ``(t0, t1)`` where the *value* jumps (step and
  pulse edges), so a time integrator can land on them exactly instead of smearing an edge over
  a step, and restart a multistep scheme there;
* ``breakpoints(t0, t1)`` — the jumps and the kinks (changes of slope, e.g. table points).  A
  kink is not a discontinuity: the solution stays C¹ in time across it and a second-order
  scheme stays second order when a step straddles it (the step's local error is O(Δt²)·(jump
  of the slope), once per kink), so integrators do not cut steps there.

Profiles are plain numbers in the unit of whatever they describe (W for a source, K for an
ambient temperature); :func:`as_profile` turns a bare number into a :class:`Constant`.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from femtbr.errors import InputError

#: Relative tolerance (in periods) for classifying a time as a pulse edge.
_TOL = 1e-9


@runtime_checkable
class Profile(Protocol):
    """A scalar function of time with known discontinuities."""

    def value(self, t: float) -> float: ...

    def left(self, t: float) -> float: ...

    def breakpoints(self, t0: float, t1: float) -> list[float]: ...

    def discontinuities(self, t0: float, t1: float) -> list[float]: ...


def _finite(name: str, v: float) -> float:
    v = float(v)
    if not math.isfinite(v):
        raise InputError(f"{name}: must be a finite number, got {v!r}")
    return v


@dataclass(frozen=True)
class Constant:
    """A constant ``level``."""

    level: float

    def __post_init__(self) -> None:
        _finite("level", self.level)

    def value(self, t: float) -> float:
        return float(self.level)

    def left(self, t: float) -> float:
        return float(self.level)

    def breakpoints(self, t0: float, t1: float) -> list[float]:
        return []

    def discontinuities(self, t0: float, t1: float) -> list[float]:
        return []


@dataclass(frozen=True)
class Step:
    """``before`` for t < ``t_step``, ``after`` from ``t_step`` on (Heaviside step)."""

    after: float
    before: float = 0.0
    t_step: float = 0.0

    def __post_init__(self) -> None:
        for k in ("after", "before", "t_step"):
            _finite(k, getattr(self, k))

    def value(self, t: float) -> float:
        return float(self.after if t >= self.t_step else self.before)

    def left(self, t: float) -> float:
        return float(self.after if t > self.t_step else self.before)

    def breakpoints(self, t0: float, t1: float) -> list[float]:
        return [self.t_step] if t0 < self.t_step < t1 else []

    def discontinuities(self, t0: float, t1: float) -> list[float]:
        return self.breakpoints(t0, t1) if self.after != self.before else []


@dataclass(frozen=True)
class PulseTrain:
    """Rectangular pulses: ``high`` for the first ``duty``·``period`` of each period, else ``low``.

    Pulses start at ``t_start`` [s]; before it the level is ``low``.  ``n_pulses`` limits the
    number of pulses (``None``: unlimited).

    Raises
    ------
    InputError
        If ``period`` <= 0, ``duty`` is not in (0, 1] or ``n_pulses`` < 1.
    """

    high: float
    period: float
    duty: float
    low: float = 0.0
    t_start: float = 0.0
    n_pulses: int | None = None

    def __post_init__(self) -> None:
        for k in ("high", "period", "duty", "low", "t_start"):
            _finite(k, getattr(self, k))
        if self.period <= 0:
            raise InputError(f"period: must be > 0 s, got {self.period!r}")
        if not 0 < self.duty <= 1:
            raise InputError(f"duty: must be in (0, 1], got {self.duty!r}")
        if self.n_pulses is not None and int(self.n_pulses) < 1:
            raise InputError(f"n_pulses: must be >= 1, got {self.n_pulses!r}")

    def _on(self, t: float, right: bool) -> bool:
        # phase in periods, snapped to whole periods within 1e-9 so that edge times computed
        # by different round-off (t_start + k·period vs. accumulated steps) classify alike
        x = (t - self.t_start) / self.period
        if abs(x - round(x)) < _TOL:
            x = float(round(x))
        if right:
            if x < 0:
                return False
            k = math.floor(x)
            on = x - k < self.duty - _TOL
        else:
            if x <= 0:
                return False
            k = math.ceil(x) - 1
            on = x - k <= self.duty + _TOL
        return on and (self.n_pulses is None or k < self.n_pulses)

    def value(self, t: float) -> float:
        return float(self.high if self._on(t, True) else self.low)

    def left(self, t: float) -> float:
        return float(self.high if self._on(t, False) else self.low)

    def breakpoints(self, t0: float, t1: float) -> list[float]:
        out: list[float] = []
        k0 = max(0, math.floor((t0 - self.t_start) / self.period))
        k = k0
        while True:
            if self.n_pulses is not None and k >= self.n_pulses:
                break
            base = self.t_start + k * self.period
            if base >= t1:
                break
            for tb in (base, self.t_start + (k + self.duty) * self.period):
                if t0 < tb < t1:
                    out.append(tb)
            k += 1
        return sorted(set(out))

    def discontinuities(self, t0: float, t1: float) -> list[float]:
        return self.breakpoints(t0, t1) if self.high != self.low else []


@dataclass(frozen=True)
class PiecewiseLinear:
    """Linear interpolation in a table ``(times, values)``; held constant outside it.

    Raises
    ------
    InputError
        If the table is empty, has different lengths, or times are not strictly increasing.
    """

    times: tuple[float, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        t = np.asarray(self.times, dtype=float)
        v = np.asarray(self.values, dtype=float)
        if t.ndim != 1 or t.size == 0 or t.shape != v.shape:
            raise InputError(
                f"table: need equally long non-empty times and values, got {t.size} and {v.size}"
            )
        if not (np.all(np.isfinite(t)) and np.all(np.isfinite(v))):
            raise InputError("table: times and values must be finite numbers")
        if np.any(np.diff(t) <= 0):
            raise InputError("table: times must be strictly increasing")
        object.__setattr__(self, "times", tuple(float(x) for x in t))
        object.__setattr__(self, "values", tuple(float(x) for x in v))

    @classmethod
    def from_csv(cls, path: str | Path) -> PiecewiseLinear:
        """Read a two-column CSV ``time, value`` (a non-numeric header line is skipped).

        Raises
        ------
        InputError
            If the file is missing or a row is not two numbers.
        """
        p = Path(path)
        if not p.is_file():
            raise InputError(f"table: CSV file {str(p)!r} not found")
        times: list[float] = []
        values: list[float] = []
        with p.open(newline="") as fh:
            for i, row in enumerate(csv.reader(fh)):
                row = [c.strip() for c in row if c.strip()]
                if not row or row[0].startswith("#"):
                    continue
                try:
                    t, v = float(row[0]), float(row[1])
                except (ValueError, IndexError):
                    if i == 0 and not times:
                        continue  # header
                    raise InputError(
                        f"table: {p.name} line {i + 1}: expected 'time, value'"
                    ) from None
                times.append(t)
                values.append(v)
        return cls(tuple(times), tuple(values))

    def value(self, t: float) -> float:
        return float(np.interp(t, self.times, self.values))

    def left(self, t: float) -> float:
        return self.value(t)

    def breakpoints(self, t0: float, t1: float) -> list[float]:
        return [t for t in self.times if t0 < t < t1]

    def discontinuities(self, t0: float, t1: float) -> list[float]:
        """None: a piecewise-linear table is continuous (its points are kinks only)."""
        return []


def as_profile(x: float | Profile) -> Profile:
    """A number becomes a :class:`Constant`; a profile is returned unchanged.

    Raises
    ------
    InputError
        If ``x`` is neither.
    """
    if isinstance(x, Profile):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return Constant(float(x))
    raise InputError(f"expected a number or a time profile, got {type(x).__name__}")


@dataclass(frozen=True)
class Scaled:
    """``factor`` × ``profile`` (e.g. a dimensionless waveform times a steady power [W])."""

    profile: Profile
    factor: float

    def value(self, t: float) -> float:
        return self.factor * self.profile.value(t)

    def left(self, t: float) -> float:
        return self.factor * self.profile.left(t)

    def breakpoints(self, t0: float, t1: float) -> list[float]:
        return self.profile.breakpoints(t0, t1)

    def discontinuities(self, t0: float, t1: float) -> list[float]:
        return [] if self.factor == 0 else self.profile.discontinuities(t0, t1)
