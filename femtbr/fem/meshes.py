"""Structured test and benchmark meshes as :class:`~femtbr.mesh.TaggedMesh` (VTK order).

``tensor_mesh(xs, ys, zs=None, cell_type=..., region_of_cell=...)`` builds a tensor-product
grid of triangles, quads, tetrahedra (6 Kuhn tetrahedra per cube, conforming) or hexahedra,
with regions from a function of the cell centroids and boundaries ``xmin``, ``xmax``,
``ymin``, ``ymax`` (``zmin``, ``zmax``).  Add interfaces with
:meth:`TaggedMesh.interface_between`.  The grid itself is femtbr's one tensor-mesh generator,
:func:`femtbr.geometry.grid.to_mesh` (the builders' labelled grids).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from femtbr.errors import MeshError
from femtbr.geometry.grid import FacetSet, LabelGrid, to_mesh
from femtbr.mesh import CELL_FACETS, TaggedMesh

_SIMPLEX = {"triangle": 2, "tetra": 3}
_BOX = {"quad": 2, "hexahedron": 3}


def _side_names(fs: FacetSet) -> np.ndarray:
    """``xmin`` / ``xmax`` / ``ymin`` … of each outer facet of the box."""
    side = np.where(fs.sign > 0, "max", "min")
    return np.char.add(np.array(list("xyz"))[fs.axis], side).astype(object)


def _x_fastest(boxes: tuple[int, ...], cell_type: str) -> np.ndarray:
    """Cell order with x varying fastest over the boxes (:func:`to_mesh` runs the last axis
    fastest); the cells of one box stay together."""
    n = int(np.prod(boxes))
    ijk = np.unravel_index(np.arange(n), boxes)
    x_fast = np.ravel_multi_index(ijk[::-1], boxes[::-1])
    order = np.argsort(x_fast)
    per_box = {"triangle": 2, "tetra": 6}.get(cell_type, 1)
    return (order[:, None] * per_box + np.arange(per_box)).ravel()


def tensor_mesh(
    xs,
    ys,
    zs=None,
    cell_type: str = "quad",
    region_of_cell: Callable[[np.ndarray], np.ndarray] | None = None,
) -> TaggedMesh:
    """Tensor-product mesh on the grid lines ``xs``, ``ys`` (``zs``) [m].

    Parameters
    ----------
    region_of_cell
        Maps cell centroids ``(n, dim)`` to region names; default: one region ``"body"``.

    Raises
    ------
    MeshError
        ``cell_type`` does not fit the grid's dimension.
    """
    axes = [np.asarray(a, float) for a in (xs, ys) + ((zs,) if zs is not None else ())]
    if {**_SIMPLEX, **_BOX}.get(cell_type) != len(axes):
        raise MeshError(f"cell type {cell_type!r} does not fit a {len(axes)}D grid")
    grid = LabelGrid.empty(axes)
    grid.labels[...] = 0
    grid.names.append("body")
    m = to_mesh(grid, {}, _side_names, simplices=cell_type in _SIMPLEX)
    if len(axes) == 3:  # the test meshes' order: x fastest (the builders' grids run z fastest)
        m = replace(m, cells=m.cells[_x_fastest(grid.labels.shape, cell_type)])
    if region_of_cell is None:
        return replace(m, regions={"body": np.arange(m.n_cells)})
    step = 1 << 18  # centroids in chunks (a (n_cells, n_vertices, dim) temporary is large)
    names = np.concatenate(
        [
            np.asarray(region_of_cell(m.points[m.cells[s : s + step]].mean(axis=1)))
            for s in range(0, m.n_cells, step)
        ]
    )
    regions = {str(n): np.flatnonzero(names == n) for n in dict.fromkeys(names.tolist())}
    return replace(m, regions=regions)


def plane_facets(mesh: TaggedMesh, axis: int, value: float, cells: np.ndarray | None = None,
                 atol: float | None = None) -> np.ndarray:
    """Facets of ``cells`` (default: all) lying in the plane ``x[axis] = value``.

    Only cells with a full facet's worth of vertices on the plane are examined, so this is
    cheap on large meshes (no global facet table).
    """
    pts = mesh.points
    if atol is None:
        atol = 1e-12 * float(np.ptp(pts[:, axis]) or 1.0)
    on = np.abs(pts[:, axis] - value) <= atol
    local = CELL_FACETS[mesh.cell_type]
    nfv = len(local[0])
    idx = np.arange(mesh.n_cells) if cells is None else np.asarray(cells)
    cand = idx[on[mesh.cells[idx]].sum(axis=1) >= nfv]
    out = []
    for f in local:
        fac = mesh.cells[cand][:, list(f)]
        out.append(fac[np.all(on[fac], axis=1)])
    return np.concatenate(out, axis=0)
