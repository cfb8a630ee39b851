"""Tabulated interface conductance h(T) or h(T, p) from inline arrays or a CSV file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from femtbr.errors import ModelError
from femtbr.models._pair import Rebuildable
from femtbr.models._surface import warn_range
from femtbr.models.base import ModelBase, as_arrays, param
from femtbr.models.registry import register

INTERP = ("pchip", "linear")


def _read_csv(path: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Columns ``T`` [K], optional ``p`` [Pa], ``h`` [W/(m² K)] (header row; '#' comments)."""
    try:
        text = Path(path).expanduser().read_text()
    except OSError as exc:
        raise ModelError(f"table.file: cannot read {path!r}: {exc}") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    names = [c.strip() for c in lines[0].split(",")] if lines else []
    if "T" not in names or "h" not in names:
        raise ModelError(f"table.file: {path!r} needs header columns T,h or T,p,h; got {names}")
    try:
        data = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]], dtype=float)
        data = data.reshape(-1, len(names))
    except ValueError as exc:
        raise ModelError(f"table.file: {path!r}: bad number or column count ({exc})") from None
    col = {n: data[:, i] for i, n in enumerate(names)}
    T, h = col["T"], col["h"]
    if "p" not in col:
        order = np.argsort(T)
        return T[order], None, h[order]
    p = col["p"]
    Tu, pu = np.unique(T), np.unique(p)
    grid = np.full((Tu.size, pu.size), np.nan)
    grid[np.searchsorted(Tu, T), np.searchsorted(pu, p)] = h
    if np.isnan(grid).any() or T.size != Tu.size * pu.size:
        raise ModelError(f"table.file: {path!r} must hold every (T, p) pair of a full grid once")
    return Tu, pu, grid


@register("table")
@dataclass(frozen=True)
class Table(Rebuildable, ModelBase):
    """h(T) or h(T, p) interpolated from a table [W/(m² K)].

    In T: monotone cubic Hermite (``pchip``, Fritsch & Carlson, SIAM J. Numer. Anal. 17, 238
    (1980); C¹, no overshoot) or piecewise ``linear``; in p: piecewise linear.  dh/dT is the
    exact derivative of that interpolant.  Outside the table h is clamped (dh/dT = 0 there) and
    a RangeWarning is issued.  Inline: ``T`` (n_T), ``h`` (n_T, or n_T × n_p with ``p``).
    CSV: header ``T,h`` or ``T,p,h`` (a full grid), SI units.
    """

    T: list | None = param(None, unit="K", kind="list", doc="temperatures, increasing")
    h: list | None = param(None, unit="W/(m^2 K)", kind="list", doc="h[T] or h[T][p]")
    p: list | None = param(None, unit="Pa", kind="list", doc="pressures, increasing")
    file: str | None = param(None, kind="str", doc="CSV file with columns T,h or T,p,h")
    interp: str = param("pchip", kind="str", choices=INTERP,
                        doc="interpolation in T: 'pchip' or 'linear'")

    summary: ClassVar[str] = "tabulated h(T) or h(T, p), inline or CSV"
    validity: ClassVar[str] = "inside the table (clamped outside, with a warning)"
    references: ClassVar[tuple[str, ...]] = (
        "F. N. Fritsch, R. E. Carlson, SIAM J. Numer. Anal. 17, 238-246 (1980) (pchip)",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.file is not None:
            if self.T is not None or self.h is not None:
                raise ModelError("table.file: give either file or inline T and h, not both")
            T, p, h = _read_csv(self.file)
        else:
            if self.T is None or self.h is None:
                raise ModelError("table.T: inline T and h (or a CSV file) are required")
            T = np.asarray(self.T, dtype=float)
            p = None if self.p is None else np.asarray(self.p, dtype=float)
            h = np.asarray(self.h, dtype=float)
        h = h.reshape(T.size, -1) if h.size == T.size * (1 if p is None else p.size) else h
        if T.ndim != 1 or T.size < 2 or np.any(np.diff(T) <= 0) or not np.all(np.isfinite(T)):
            raise ModelError("table.T: need >= 2 finite, strictly increasing temperatures [K]")
        np_ = 1 if p is None else p.size
        if p is not None and (p.ndim != 1 or np.any(np.diff(p) <= 0)):
            raise ModelError("table.p: pressures must be strictly increasing [Pa]")
        if h.shape != (T.size, np_):
            raise ModelError(f"table.h: expected shape ({T.size}, {np_}) [T, p], got {h.shape}")
        if not np.all(np.isfinite(h)) or np.any(h < 0):
            raise ModelError("table.h: values must be finite and >= 0 [W/(m^2 K)]")
        # deferred: scipy.interpolate costs ~0.2 s to import (femtbr models / check)
        from scipy.interpolate import PchipInterpolator, make_interp_spline

        if self.interp == "pchip":
            spline = PchipInterpolator(T, h, axis=0, extrapolate=False)
        else:
            spline = make_interp_spline(T, h, k=1, axis=0)
        object.__setattr__(self, "_grid", (T, p, spline, spline.derivative()))
        object.__setattr__(self, "_seen", set())

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h [W/(m² K)] and dh/dT [W/(m² K²)] at T [K], contact pressure p [Pa]."""
        T, p = as_arrays(T, p)
        Tk, pk, spline, dspline = self._grid  # type: ignore[attr-defined]
        warn_range("table: T [K]", T, Tk[0], Tk[-1], "the table", self._seen)  # type: ignore[attr-defined]
        inside = (T >= Tk[0]) & (T <= Tk[-1])
        Tc = np.clip(T, Tk[0], Tk[-1]).ravel()
        H, dH = spline(Tc), np.where(inside.ravel()[:, None], dspline(Tc), 0.0)
        if pk is None or pk.size == 1:
            return H[:, 0].reshape(T.shape), dH[:, 0].reshape(T.shape)
        warn_range("table: p [Pa]", p, pk[0], pk[-1], "the table", self._seen)  # type: ignore[attr-defined]
        pc = np.clip(p, pk[0], pk[-1]).ravel()
        j = np.clip(np.searchsorted(pk, pc, side="right") - 1, 0, pk.size - 2)
        w = (pc - pk[j]) / (pk[j + 1] - pk[j])
        rows = np.arange(pc.size)
        h = (1 - w) * H[rows, j] + w * H[rows, j + 1]
        dh = (1 - w) * dH[rows, j] + w * dH[rows, j + 1]
        return h.reshape(T.shape), dh.reshape(T.shape)
