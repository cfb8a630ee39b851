"""Structured test and benchmark meshes as :class:`~femtbr.mesh.TaggedMesh` (VTK order).

``tensor_mesh(xs, ys, zs=None, cell_type=..., region_of_cell=...)`` builds a tensor-product
grid of triangles, quads, tetrahedra (6 Kuhn tetrahedra per cube, conforming) or hexahedra,
with regions from a function of the cell centroids and boundaries ``xmin``, ``xmax``,
``ymin``, ``ymax`` (``zmin``, ``zmax``).  Add interfaces with
:meth:`TaggedMesh.interface_between`.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import permutations

import numpy as np

from femtbr.errors import MeshError
from femtbr.mesh import CELL_FACETS, TaggedMesh


def _grid(*axes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of the grid (x fastest) and the vertex-index array of shape (n_x, n_y[, n_z])."""
    mesh = np.meshgrid(*axes, indexing="ij")
    shape = tuple(a.size for a in axes)
    idx = np.arange(np.prod(shape)).reshape(shape[::-1]).transpose()
    pts = np.stack([m.transpose().ravel() for m in mesh], axis=1)
    return pts, idx


def _cells(idx: np.ndarray, cell_type: str) -> np.ndarray:
    if idx.ndim == 2:
        v00, v10 = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel()
        v11, v01 = idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
        if cell_type == "quad":
            return np.stack([v00, v10, v11, v01], axis=1)
        if cell_type == "triangle":
            t1 = np.stack([v00, v10, v11], axis=1)
            t2 = np.stack([v00, v11, v01], axis=1)
            return np.stack([t1, t2], axis=1).reshape(-1, 3)
    else:
        c = {(a, b, d): idx[a:idx.shape[0] - 1 + a, b:idx.shape[1] - 1 + b,
                            d:idx.shape[2] - 1 + d].transpose(2, 1, 0).ravel()
             for a in (0, 1) for b in (0, 1) for d in (0, 1)}
        if cell_type == "hexahedron":
            order = [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0),
                     (0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)]
            return np.stack([c[o] for o in order], axis=1)
        if cell_type == "tetra":
            tets = []
            for perm in permutations(range(3)):
                path = [np.zeros(3, int)]
                for ax in perm:
                    nxt = path[-1].copy()
                    nxt[ax] = 1
                    path.append(nxt)
                p = np.array(path, float)
                if np.linalg.det(p[1:] - p[0]) < 0:
                    path[1], path[2] = path[2], path[1]
                tets.append(np.stack([c[tuple(v)] for v in path], axis=1))
            return np.stack(tets, axis=1).reshape(-1, 4)
    raise MeshError(f"cell type {cell_type!r} does not fit a {idx.ndim}D grid")


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
    """
    axes = [np.asarray(a, float) for a in (xs, ys) + ((zs,) if zs is not None else ())]
    pts, idx = _grid(*axes)
    cells = _cells(idx, cell_type)
    if region_of_cell is None:
        names = np.full(cells.shape[0], "body")
    else:  # centroids in chunks (a (n_cells, n_vertices, dim) temporary is large)
        step = 1 << 18
        names = np.concatenate([np.asarray(region_of_cell(pts[cells[s:s + step]].mean(axis=1)))
                                for s in range(0, cells.shape[0], step)])
    regions = {str(n): np.flatnonzero(names == n) for n in dict.fromkeys(names.tolist())}
    m = TaggedMesh(pts, cells, cell_type, regions)
    bnd = {}
    for d, ax in enumerate(axes):
        for side, val in (("min", ax[0]), ("max", ax[-1])):
            bnd["xyz"[d] + side] = plane_facets(m, d, val)
    return m.with_boundaries(bnd)


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
