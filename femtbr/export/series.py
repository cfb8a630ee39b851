"""Time series for ParaView: one VTU per step plus a hand-written ``.pvd`` collection.

Not meshio's XDMF time series (it writes its ``.h5`` into the working directory); one
self-contained VTU per step keeps every step readable on its own and lets a crashed run keep
the steps it finished.  Layout under ``directory``::

    <stem>.pvd              time -> <stem>/<stem>_0000.vtu, ...
    <stem>/<stem>_0000.vtu
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np

from femtbr.errors import FemtbrError
from femtbr.export.vtu import fields_mesh, write_fields_vtu, write_pvd, write_vtu
from femtbr.fem.solution import Solution


def write_series(
    template: Solution,
    steps: Iterable[tuple[float, Solution | np.ndarray]],
    directory: str | os.PathLike[str],
    *,
    stem: str = "fields",
) -> Path:
    """Write each step's field as a VTU and a ``<stem>.pvd`` listing them; return the pvd path.

    Parameters
    ----------
    template
        A solution on the same mesh (gives points, cells, regions, conductivity).
    steps
        ``(time [s], state)`` pairs in time order; ``state`` is a full :class:`Solution`
        (temperature and heat flux of that step) or just the point temperatures [K] — then
        the step's VTU carries ``temperature``, ``region`` and ``conductivity`` but no
        ``heat_flux`` (the template's would be wrong for other times).
    directory
        Where ``<stem>.pvd`` and the ``<stem>/`` folder go (created if missing).
    stem
        Base name of the files.

    Raises
    ------
    FemtbrError
        If a temperature array does not match the mesh or the times are not increasing.
    """
    out = Path(directory)
    (out / stem).mkdir(parents=True, exist_ok=True)
    ids = {f"region:{n}": i for i, n in enumerate(template.region_names)}
    entries: list[tuple[float, str]] = []
    last = -np.inf
    for k, (t, state) in enumerate(steps):
        if not float(t) > last:
            raise FemtbrError(f"write_series: time {t} of step {k} is not after {last}")
        last = float(t)
        rel = f"{stem}/{stem}_{k:04d}.vtu"
        if isinstance(state, Solution):
            write_fields_vtu(state, out / rel)
        else:
            T = np.asarray(state, dtype=float)
            if T.shape != (template.points.shape[0],):
                raise FemtbrError(
                    f"write_series: step {k} temperature has shape {T.shape}, "
                    f"mesh has {template.points.shape[0]} points"
                )
            mesh = fields_mesh(replace(template, temperature=T))
            del mesh.cell_data["heat_flux"]
            write_vtu(mesh, out / rel, ids)
        entries.append((float(t), rel))
    return write_pvd(entries, out / f"{stem}.pvd")
