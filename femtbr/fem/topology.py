"""Mesh topology on plain arrays: vertex→cell incidence, facet location, validation.

Everything here is vectorised and linear in the number of cells (no global facet sort), so it
stays cheap at millions of cells.  Cells are in scikit-fem local order (see
:mod:`femtbr.fem.reference`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from femtbr.errors import MeshError
from femtbr.fem.reference import REFDOM, RefTables, eval_basis


def vertex_to_cells(cells: np.ndarray, n_points: int) -> sp.csr_matrix:
    """Incidence matrix ``(n_points, n_cells)``; row *v* lists the cells containing vertex *v*."""
    nc, nv = cells.shape
    ones = np.ones(cells.size, dtype=np.int8)
    cols = np.repeat(np.arange(nc, dtype=np.int32), nv)
    return sp.csr_matrix((ones, (cells.ravel(), cols)), shape=(n_points, nc))


def _ragged(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions into ``indices`` of the entries of ``rows`` and the row each belongs to."""
    start = indptr[rows]
    counts = indptr[rows + 1] - start
    owner = np.repeat(np.arange(rows.size), counts)
    offs = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(start, counts) + offs, owner


@dataclass(frozen=True)
class FacetMatch:
    """Cells containing given facets: ``facet`` index, ``cell``, ``local`` (m, n_facet_vertices)
    local positions in ``cell`` of the facet's vertices (in the facet's given order)."""

    facet: np.ndarray
    cell: np.ndarray
    local: np.ndarray


def match_facets(facets: np.ndarray, cells: np.ndarray, p2c: sp.csr_matrix) -> FacetMatch:
    """Every (facet, cell) pair where the cell contains all vertices of the facet."""
    facets = np.asarray(facets, dtype=np.int64)
    if facets.size and (facets.min() < 0 or facets.max() >= p2c.shape[0]):
        raise MeshError("facet vertex index out of range")
    pos, owner = _ragged(p2c.indptr, facets[:, 0])
    cand = p2c.indices[pos].astype(np.int64)
    cv = cells[cand]  # (m, nv)
    local = np.empty((cand.size, facets.shape[1]), dtype=np.int64)
    ok = np.ones(cand.size, dtype=bool)
    for k in range(facets.shape[1]):
        eq = cv == facets[owner, k][:, None]
        ok &= eq.any(axis=1)
        local[:, k] = np.argmax(eq, axis=1)
    return FacetMatch(owner[ok], cand[ok], local[ok])


def local_facet_index(tab: RefTables, local: np.ndarray) -> np.ndarray:
    """Index of the reference facet made of the local vertices ``local`` (m, k)."""
    nv = REFDOM[tab.cell_type].nnodes
    lut = np.full(1 << nv, -1, dtype=np.int64)
    for i, fv in enumerate(tab.facet_vertices):
        lut[np.sum(1 << fv)] = i
    out = lut[np.sum(1 << local, axis=1)]
    if np.any(out < 0):
        raise MeshError("a facet's vertices do not form a face of its cell")
    return out


def check_cells(points: np.ndarray, cells: np.ndarray, tab: RefTables, region_of: np.ndarray,
                names: list[str]) -> None:
    """Raise :class:`MeshError` naming degenerate or inverted cells (Jacobian ≤ 0 at a corner).

    The determinant of the first-order map is evaluated at every reference vertex, which
    detects inverted and collapsed quadrilaterals / hexahedra as well as simplices.
    """
    ref = REFDOM[tab.cell_type]
    pts = ref.p[:, :1] if tab.simplex else ref.p  # simplices: the Jacobian is constant
    _, dphi = eval_basis(tab.geom, pts)  # (nv, dim, n_points)
    bad = np.zeros(cells.shape[0], dtype=bool)
    chunk = 200_000
    for s in range(0, cells.shape[0], chunk):
        X = points[cells[s:s + chunk]]  # (c, nv, dim)
        J = np.einsum("cva,vbq->cqab", X, dphi)
        det = np.linalg.det(J)  # (c, q)
        size = np.abs(J).max(axis=(1, 2, 3)) ** X.shape[2]  # (longest edge)^dim scale
        bad[s:s + chunk] = np.any(det <= 1e-10 * size[:, None], axis=1)
    if bad.any():
        idx = np.flatnonzero(bad)
        desc = ", ".join(
            f"{i} (region {names[region_of[i]]!r})" if region_of[i] >= 0 else str(i)
            for i in idx[:5]
        )
        raise MeshError(
            f"{idx.size} degenerate or inverted cell(s) (non-positive Jacobian in VTK order): "
            f"cells {desc}{' ...' if idx.size > 5 else ''}"
        )
