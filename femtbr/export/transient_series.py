"""Outputs of a transient run: VTU time series + ``.pvd``, history CSV, Z_th(t) and its plot.

* :class:`SeriesWriter` writes one ``fields_NNNNN.vtu`` and ``interfaces_NNNNN.vtu`` per kept
  step (via :mod:`femtbr.export.vtu`) and the collections ``fields.pvd`` / ``interfaces.pvd``.
* :func:`write_history_csv` writes time series (probes, per-region T_max, energy) as CSV.
* :func:`thermal_impedance` and :func:`plot_thermal_impedance` give Z_th(t) = (T_j(t) −
  T_j(0)) / P for a power step P (JEDEC JESD51-14 definition of the transient thermal
  impedance) and its log-time plot (matplotlib, Agg backend, no display needed).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from femtbr.errors import InputError
from femtbr.export.atomic import atomic_path, atomic_write_text
from femtbr.export.vtu import write_fields_vtu, write_interfaces_vtu, write_pvd
from femtbr.fem.values.solution import Solution


class SeriesWriter:
    """Callback ``(t, T) -> None`` writing one VTU pair per kept step.

    Layout: ``directory/fields.pvd`` and ``directory/interfaces.pvd`` list
    ``directory/<subdir>/fields_NNNNN.vtu`` and ``interfaces_NNNNN.vtu`` by time.

    Parameters
    ----------
    directory
        Where the ``.pvd`` files go (created).
    to_solution
        Turns ``(T, t)`` (a DOF vector [K] and its time [s]) into a
        :class:`~femtbr.fem.Solution` for the writers.
    interfaces
        Also write the interface surfaces (when the solution has interfaces).
    subdir
        Sub-directory of the per-step VTU files.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        to_solution: Callable[[np.ndarray, float], Solution],
        interfaces: bool = True,
        subdir: str = "series",
    ):
        self.dir = Path(directory)
        self.sub = self.dir / subdir
        self.sub.mkdir(parents=True, exist_ok=True)
        self.subdir = subdir
        self.to_solution = to_solution
        self.interfaces = interfaces
        self.fields: list[tuple[float, str]] = []
        self.surfaces: list[tuple[float, str]] = []
        self.last: Solution | None = None

    def __call__(self, t: float, T: np.ndarray) -> None:
        """Write the state ``T`` at time ``t`` [s] (times must increase).

        Raises
        ------
        InputError
            ``t`` is not after the last written time, or the state's temperature does not have
            one value per mesh point.
        """
        if self.fields and not t > self.fields[-1][0]:
            raise InputError(f"series: time {t} of step {len(self.fields)} is not after "
                             f"{self.fields[-1][0]}")
        sol = self.to_solution(T, t)
        if np.shape(sol.temperature) != (len(sol.points),):
            raise InputError(f"series: step {len(self.fields)} temperature has shape "
                             f"{np.shape(sol.temperature)}, the mesh has {len(sol.points)} points")
        self.last = sol
        i = len(self.fields)
        name = f"fields_{i:05d}.vtu"
        write_fields_vtu(sol, self.sub / name)
        self.fields.append((t, f"{self.subdir}/{name}"))
        if self.interfaces and sol.interfaces:
            name = f"interfaces_{i:05d}.vtu"
            write_interfaces_vtu(sol, self.sub / name)
            self.surfaces.append((t, f"{self.subdir}/{name}"))

    def write_collections(self) -> list[Path]:
        """Write ``fields.pvd`` (and ``interfaces.pvd``); returns the paths written."""
        out = [write_pvd(self.fields, self.dir / "fields.pvd")]
        if self.surfaces:
            out.append(write_pvd(self.surfaces, self.dir / "interfaces.pvd"))
        return out


def write_history_csv(
    path: str | os.PathLike[str], time: Sequence[float], columns: Mapping[str, Sequence[float]]
) -> Path:
    """Write ``time`` [s] and equally long ``columns`` to CSV (header row first), atomically.

    Raises
    ------
    InputError
        If a column's length differs from ``time``.
    """
    n = len(time)
    for k, v in columns.items():
        if len(v) != n:
            raise InputError(f"history column {k!r}: {len(v)} values for {n} times")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["time_s", *columns])
    for i in range(n):
        w.writerow([repr(float(time[i])), *(repr(float(v[i])) for v in columns.values())])
    return atomic_write_text(path, buf.getvalue())


def thermal_impedance(T_j: Sequence[float], power: float) -> np.ndarray:
    """Z_th(t) = (T_j(t) − T_j(0)) / P [K/W] for a power step ``power`` [W] at t = 0.

    Raises
    ------
    InputError
        If ``power`` is zero.
    """
    if power == 0:
        raise InputError("power: Z_th needs a non-zero power step")
    T = np.asarray(T_j, dtype=float)
    return (T - T[0]) / float(power)


def plot_thermal_impedance(
    path: str | os.PathLike[str],
    time: Sequence[float],
    z_th: Sequence[float],
    steady: float | None = None,
    title: str = "Transient thermal impedance",
) -> Path:
    """Save a log-time plot of Z_th(t) [K/W] (points with t > 0) as PNG, atomically.

    ``steady`` [K/W], if given, is drawn as the horizontal steady-state asymptote.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    t = np.asarray(time, dtype=float)
    z = np.asarray(z_th, dtype=float)
    keep = t > 0
    fig = Figure(figsize=(6.0, 4.0), dpi=120)
    ax = fig.add_subplot(1, 1, 1)
    ax.semilogx(t[keep], z[keep], "-", lw=1.6, label="Z_th(t)")
    if steady is not None:
        ax.axhline(steady, color="k", ls="--", lw=1.0, label=f"steady R_th = {steady:.4g} K/W")
    ax.set_xlabel("time [s]")
    ax.set_ylabel("Z_th [K/W]")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="center left")
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path
