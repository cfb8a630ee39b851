"""Mesh size of a builder estimated before the mesh is built, and the ``max_dofs`` guard.

One bad length (a thickness of 3 m instead of 3 mm) turns a 50k-node mesh into millions of
cells; allocating them takes minutes and more memory than the machine has.  The grid builders
(``stack``, ``cpu_heatsink``) place their mesh lines on per-axis node arrays
(:func:`~femtbr.geometry.grading.axis_nodes`) and then allocate a
:class:`~femtbr.geometry.grid.LabelGrid`; :func:`estimate` runs a builder only up to that
point (validation and the 1D axes, milliseconds) and returns the grid's size without allocating
it.  :func:`check` compares the estimate with a DOF limit and raises a
:class:`~femtbr.errors.CaseError` naming the parameters that made the mesh large.

Estimates (for grids above :data:`PAINT_LIMIT` cells, upper bounds: the full box):

* cells: the active (labelled) grid cells (× 2 triangles per quad, × 6 tetrahedra per
  hexahedron for simplex meshes), else Π n_i with n_i the cells along axis i; points: the
  vertices of active cells, else Π (n_i + 1);
* DOFs = points for order 1; for order 2 the nodes of the lattice with two intervals per
  cell (Q2: vertices, edge, face and cell nodes; P2 on the Kuhn split of a box uses the same
  lattice, its diagonals' midpoints included), before interface splitting (which duplicates
  the interface nodes);
* memory = DOFs × :data:`BYTES_PER_DOF` × (stored entries per row / 3^d): the design note's
  target of 3 GB peak for the 1.1M-DOF main job (§6) gives ~3 kB per DOF at 27 entries per row
  (Q1 hexahedra); order 2 has 5^d entries per row.

Default limit (:func:`default_max_dofs`): the DOFs whose estimated memory fills a quarter of
the machine's physical memory (``os.sysconf``; deterministic, unlike the momentarily free
memory): the estimate is a typical peak, meshing and export add transient copies, and a machine
is shared with other runs (sweep workers, other users).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

from femtbr.errors import CaseError

#: Peak bytes per DOF of a first-order 3D solve (27 stored entries per row), see the docstring.
BYTES_PER_DOF = 3000
#: Fraction of physical memory the default DOF limit may use.
MEMORY_FRACTION = 0.25
#: Grids up to this many cells are painted during an estimate (4 bytes of label per cell) so
#: that deactivated cells are not counted; larger ones are estimated as full boxes.
PAINT_LIMIT = 20_000_000

_estimating: ContextVar[bool] = ContextVar("femtbr_size_estimating", default=False)


@dataclass(frozen=True)
class MeshSize:
    """Estimated size of a builder's mesh.

    Attributes
    ----------
    axis_cells
        Cells along each axis of the tensor grid.
    axis_extent
        Length of each axis [m].
    cells, points, dofs
        Estimated cells, vertices and unknowns (order as given to :func:`estimate`).
    memory
        Estimated peak memory of a solve [bytes].
    """

    axis_cells: tuple[int, ...]
    axis_extent: tuple[float, ...]
    cells: int
    points: int
    dofs: int
    memory: float


class _GridAxes(Exception):
    """Raised inside a builder run by :func:`estimate` to hand back the grid."""

    def __init__(self, axes: Sequence[np.ndarray], labels: np.ndarray | None = None):
        super().__init__("grid axes")
        self.axes = [np.asarray(a, float) for a in axes]
        self.labels = labels


def grid_hook(axes: Sequence[np.ndarray], labels: np.ndarray | None = None) -> None:
    """Called by :meth:`LabelGrid.empty` (before it allocates the labels) and by
    :func:`~femtbr.geometry.grid.to_mesh` (before meshing, with the painted labels).  In a
    builder run made by :func:`estimate` it stops the run: at the first call when the grid
    has more than :data:`PAINT_LIMIT` cells (the estimate is then the full box, an upper
    bound), else at the second (the estimate counts the active cells).  Otherwise it does
    nothing."""
    if not _estimating.get():
        return
    if labels is not None or math.prod(np.asarray(a).size - 1 for a in axes) > PAINT_LIMIT:
        raise _GridAxes(axes, labels)


@contextlib.contextmanager
def _estimating_mode() -> Iterator[None]:
    token = _estimating.set(True)
    try:
        yield
    finally:
        _estimating.reset(token)


def physical_memory() -> float:
    """Physical memory of the machine [bytes] (``os.sysconf``; 8 GiB where unknown)."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8.0 * 2**30


def bytes_per_dof(dim: int, order: int = 1) -> float:
    """Estimated peak memory per DOF [bytes]: :data:`BYTES_PER_DOF` scaled by the stored
    entries per row, (2·order + 1)^d, relative to 27 (order 1 in 3D)."""
    return BYTES_PER_DOF * (2 * order + 1) ** dim / 27.0


def default_max_dofs(order: int = 1, dim: int = 3) -> int:
    """DOFs whose estimated memory is :data:`MEMORY_FRACTION` of the physical memory."""
    return int(MEMORY_FRACTION * physical_memory() / bytes_per_dof(dim, order))


def size_of_axes(axes: Sequence[np.ndarray], order: int = 1, simplices: bool = False,
                 labels: np.ndarray | None = None) -> MeshSize:
    """:class:`MeshSize` of a tensor grid on node arrays ``axes``; with ``labels`` (one per
    cell, ``-1`` = removed) only active cells and the vertices they use are counted."""
    n = tuple(int(np.asarray(a).size) - 1 for a in axes)
    dim = len(n)
    if labels is None:
        boxes, points = math.prod(n), math.prod(k + 1 for k in n)
        dofs = math.prod(2 * k + 1 for k in n) if order == 2 else points
    else:
        active = labels >= 0
        boxes = int(np.count_nonzero(active))
        points = _lattice_nodes(active, 1)
        dofs = _lattice_nodes(active, 2) if order == 2 else points
    cells = boxes * ((2 if dim == 2 else 6) if simplices else 1)
    extent = tuple(float(a[-1] - a[0]) if np.asarray(a).size else 0.0 for a in axes)
    return MeshSize(n, extent, cells, points, dofs, dofs * bytes_per_dof(dim, order))


def _lattice_nodes(active: np.ndarray, step: int) -> int:
    """Nodes of the lattice with ``step`` intervals per cell (1: vertices; 2: the Q2 nodes, and
    as many as P2 on the Kuhn split) touched by the ``active`` cells."""
    n = active.shape
    used = np.zeros(tuple(step * k + 1 for k in n), dtype=bool)
    for corner in np.ndindex(*(step + 1,) * len(n)):  # each cell marks its (step+1)^d nodes
        used[tuple(slice(c, c + step * k, step) for c, k in zip(corner, n, strict=True))] |= active
    return int(np.count_nonzero(used))


def estimate(builder: Any, params: Mapping[str, Any], order: int = 1) -> MeshSize | None:
    """Size of the mesh ``builder`` (a :class:`femtbr.geometry.base.Builder`, handed in so that
    this module imports no builder registry) would make from ``params`` (unresolved table, as
    for :func:`femtbr.geometry.build`), without building it; ``None`` for a builder that makes
    no tensor grid.

    Raises
    ------
    CaseError
        Bad parameters (the builder's own validation runs).
    """
    b = builder
    resolved = b.resolve(dict(params))
    with _estimating_mode():
        try:
            b.fn(resolved)
        except _GridAxes as got:
            simplices = resolved.get("cell_type") in ("triangle", "tetra")
            return size_of_axes(got.axes, order, simplices, got.labels)
    return None


def _lengths(value: Any, key: str) -> Iterator[tuple[str, float]]:
    """(key path, number) of every positive number in a parameter value (nested tables)."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        if value > 0 and math.isfinite(value):
            yield key, float(value)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _lengths(v, f"{key}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _lengths(v, f"{key}[{i}]")


def _culprits(builder: Any, resolved: Mapping[str, Any], size: MeshSize) -> list[str]:
    """Length parameters that span the most crowded axis, largest first."""
    units = {p.name: p.unit for p in builder.params}
    axis = int(np.argmax(size.axis_cells))
    extent = size.axis_extent[axis]
    found = []
    for name, value in resolved.items():
        if units.get(name) not in ("m", "") or name in ("mesh_size", "edge_size"):
            continue
        for key, v in _lengths(value, f"geometry.{name}"):
            leaf = key.rsplit(".", 1)[-1]
            is_length = units.get(name) == "m" or any(
                w in leaf for w in ("thickness", "size", "width", "depth", "height", "length"))
            if is_length and v <= extent * (1 + 1e-9):
                found.append((v, key))
    found.sort(reverse=True)
    return [f"{k} = {v:.4g} m" for v, k in found[:3]]


def check(builder: Any, params: Mapping[str, Any], max_dofs: int | None = None,
          order: int = 1) -> MeshSize | None:
    """Estimate the builder's mesh and raise if it exceeds ``max_dofs``.

    Parameters
    ----------
    builder, params
        As for :func:`femtbr.geometry.build`.
    max_dofs
        DOF limit (``solver.max_dofs``); ``None``: :func:`default_max_dofs`.
    order
        Element order the mesh will be solved with.

    Raises
    ------
    CaseError
        At the largest length parameter spanning the most crowded axis, naming the estimate,
        the limit and the refinement parameters.
    """
    size = estimate(builder, params, order)
    if size is None:
        return None
    dim = len(size.axis_cells)
    limit = default_max_dofs(order, dim) if max_dofs is None else int(max_dofs)
    if size.dofs <= limit:
        return size
    resolved = builder.resolve(dict(params))
    culprits = _culprits(builder, resolved, size)
    refine = ", ".join(f"{k} = {resolved[k]}" for k in ("mesh_size", "edge_size", "refine",
                                                        "subdivide") if k in resolved)
    names = "xyz"[:dim]
    where = ", ".join(f"{n}: {c} cells over {e:.4g} m" for n, c, e in
                      zip(names, size.axis_cells, size.axis_extent, strict=True))
    source = "solver.max_dofs" if max_dofs is not None else (
        f"the default solver.max_dofs for {physical_memory() / 2**30:.0f} GiB of memory")
    msg = (f"the mesh would have ~{size.cells:.3g} cells and ~{size.dofs:.3g} DOFs (about "
           f"{size.memory / 2**30:.1f} GiB to solve), more than {limit:.3g} DOFs ({source}); "
           f"{where}")
    if culprits:
        msg += f"; largest lengths along {names[int(np.argmax(size.axis_cells))]}: " + \
            ", ".join(culprits)
    msg += f"; mesh parameters: {refine}" if refine else ""
    msg += ". Check the units of those lengths, coarsen the mesh, or raise solver.max_dofs"
    key = culprits[0].split(" = ")[0] if culprits else "geometry"
    raise CaseError([(key, msg)])
