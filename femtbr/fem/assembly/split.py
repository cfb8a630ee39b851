"""Node splitting along conductance interfaces.

Around every vertex of a split interface, the cells containing the vertex are grouped into
connected components, two cells being connected when they share a facet that contains the
vertex and is *not* an interface facet.  Each component gets its own copy of the vertex (the
first keeps the original index).  This one rule handles triple junctions (three components),
interfaces meeting the outer boundary (two), and interfaces ending inside the body (one: the
crack closes at its tip, so the field stays continuous there).  Higher-order DOFs (P2/Q2 edge,
face and interior nodes) follow from the split vertex numbering.

The work is vectorised: one ``lexsort`` over the (vertex, cell, facet) incidences of the cells
around interface vertices and one :func:`scipy.sparse.csgraph.connected_components` call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from femtbr.fem.fast.reference import RefTables


@dataclass(frozen=True)
class SplitResult:
    """Cells on the split vertex numbering and the original vertex of each split vertex.

    Attributes
    ----------
    cells
        ``(n_cells, n_vertices)`` split vertex indices (same local order as the input).
    parent
        ``(n_split_points,)`` original vertex index of every split vertex.
    n_copies
        Number of vertices that were duplicated (extra copies created).
    """

    cells: np.ndarray
    parent: np.ndarray
    n_copies: int


def _sorted_rows(a: np.ndarray) -> np.ndarray:
    """``np.sort(a, axis=1)`` for the 2- and 3-column integer arrays of facet vertices, by a
    min/max sorting network on the columns (several times faster than the row sort)."""
    if a.shape[1] == 2:
        return np.stack([a.min(axis=1), a.max(axis=1)], axis=1)
    if a.shape[1] != 3:
        return np.sort(a, axis=1)
    x, y, z = a[:, 0], a[:, 1], a[:, 2]
    lo, hi = np.minimum(x, y), np.maximum(x, y)
    mid = np.minimum(hi, z)
    return np.stack([np.minimum(lo, mid), np.maximum(lo, mid), np.maximum(hi, z)], axis=1)


def split_vertices(
    cells: np.ndarray,
    n_points: int,
    tab: RefTables,
    cut_cell: np.ndarray,
    cut_facet: np.ndarray,
) -> SplitResult:
    """Duplicate vertices along the cut facets.

    Parameters
    ----------
    cells
        ``(n_cells, n_vertices)`` vertex indices (scikit-fem local order).
    n_points
        Number of vertices.
    tab
        Reference tables of the cell type.
    cut_cell, cut_facet
        Every interface facet from *both* sides: cell index and local facet index.
    """
    if cut_cell.size == 0:
        return SplitResult(cells, np.arange(n_points), 0)
    fv = tab.facet_vertices  # (nf, nfv)
    is_v = np.zeros(n_points, dtype=bool)
    is_v[cells[cut_cell[:, None], fv[cut_facet]]] = True
    ce, cl = np.nonzero(is_v[cells])  # graph nodes: (cell, local vertex)
    v = cells[ce, cl]
    m = ce.size
    # local facets containing each local vertex: (nv, dim)
    nv = cells.shape[1]
    vf = np.array([np.flatnonzero((fv == i).any(axis=1)) for i in range(nv)])
    per = vf.shape[1]
    node = np.repeat(np.arange(m), per)
    k = vf[cl].ravel()
    cell = ce[node]
    key = _sorted_rows(cells[cell[:, None], fv[k]])
    # (vertex, facet) incidences sorted by vertex then facet key; pairs of equal neighbours
    # are the two cells of a facet around the vertex.  The key columns are packed into two
    # int64 words when the vertex numbers allow it (same order, fewer sort passes).
    vn = v[node].astype(np.int64)
    cols = [vn, *key.T.astype(np.int64)]  # sort keys, most significant first
    if n_points < 2**31:
        cols = [c << 31 | cols[i + 1] if i + 1 < len(cols) else c
                for i, c in enumerate(cols) if i % 2 == 0]
    order = np.lexsort(cols[::-1])
    ks = key[order]
    vs = vn[order]
    same = np.all(ks[1:] == ks[:-1], axis=1) & (vs[1:] == vs[:-1])
    i0, i1 = order[:-1][same], order[1:][same]
    # drop the pairs across a cut facet (local facets of each cell as bits)
    cut_bits = np.zeros(cells.shape[0], dtype=np.int64)
    np.bitwise_or.at(cut_bits, cut_cell, np.left_shift(1, cut_facet.astype(np.int64)))
    keep = (cut_bits[cell[i0]] >> k[i0]) & 1 == 0
    a, b = node[i0[keep]], node[i1[keep]]
    g = sp.coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(m, m))
    ncomp, label = connected_components(g, directed=False)
    comp_v = np.empty(ncomp, dtype=np.int64)
    comp_v[label] = v
    order_c = np.lexsort((np.arange(ncomp), comp_v))
    sv = comp_v[order_c]
    first = np.r_[True, sv[1:] != sv[:-1]]
    new_id = np.empty(ncomp, dtype=np.int64)
    new_id[order_c[first]] = sv[first]
    extra = order_c[~first]
    new_id[extra] = n_points + np.arange(extra.size)
    out = cells.copy()
    out[ce, cl] = new_id[label]
    if out.dtype != np.int32 and n_points + extra.size < 2**31 - 1:
        out = out.astype(np.int32)
    parent = np.concatenate([np.arange(n_points), comp_v[extra]])
    return SplitResult(out, parent, int(extra.size))
