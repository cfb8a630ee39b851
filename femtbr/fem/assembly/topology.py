"""Mesh topology on plain arrays: reference facets of located facets, cell validation.

Facets are located by :mod:`femtbr.facets` (the one facet matcher).  Everything here is
vectorised and linear in the number of cells, so it stays cheap at millions of cells.  Cells
are in scikit-fem local order (see :mod:`femtbr.fem.fast.reference`).
"""

from __future__ import annotations

import numpy as np

from femtbr.errors import MeshError
from femtbr.facets import face_index
from femtbr.fem.fast.kernels import over_halves
from femtbr.fem.fast.reference import REFDOM, RefTables, eval_basis


def local_facet_index(tab: RefTables, local: np.ndarray) -> np.ndarray:
    """Index of the reference facet made of the local vertices ``local`` (m, k)
    (:func:`femtbr.facets.face_index` on the reference facet table).

    Raises
    ------
    MeshError
        If a row's vertices are not a face of the reference cell.
    """
    out = face_index(tab.facet_vertices, local)
    if np.any(out < 0):
        raise MeshError("a facet's vertices do not form a face of its cell")
    return out


def _corner_columns(tab: RefTables) -> list[list[list[tuple[int, float]]]]:
    """For each reference vertex q and axis a, the non-zero terms ``(w, ∂φ̂_w/∂ξ_a(ξ_q))`` of
    the first-order geometric basis: column a of the Jacobian at q is Σ coef · X_w."""
    ref = REFDOM[tab.cell_type]
    pts = ref.p[:, :1] if tab.simplex else ref.p  # simplices: the Jacobian is constant
    _, dphi = eval_basis(tab.geom, pts)  # (nv, dim, n_points)
    return [[[(w, float(dphi[w, a, q])) for w in np.flatnonzero(dphi[:, a, q])]
             for a in range(dphi.shape[1])] for q in range(dphi.shape[2])]


def _combine(terms: list[tuple[int, float]], X: list[np.ndarray]) -> np.ndarray:
    acc = None
    for w, cf in terms:
        t = X[w] if cf == 1.0 else (-X[w] if cf == -1.0 else cf * X[w])
        acc = t if acc is None else acc + t
    return acc


def _check_part(P: list[np.ndarray], cells: np.ndarray, part: slice, cols, used, dim: int,
                bad: np.ndarray) -> None:
    """Flag into ``bad`` the cells of ``part`` with det J ≤ 1e-10·size^dim at a corner."""
    chunk = 1 << 15
    for s in range(part.start, part.stop, chunk):
        cs = cells[s:min(s + chunk, part.stop)]
        X = [[None] * cs.shape[1] for _ in range(dim)]
        for w in used:
            cw = cs[:, w]
            for b in range(dim):
                X[b][w] = P[b][cw]
        size = np.zeros(cs.shape[0])
        worst = np.full(cs.shape[0], np.inf)
        for q in cols:
            J = [[_combine(q[a], X[b]) for a in range(dim)] for b in range(dim)]  # J[b][a]
            if dim == 2:
                det = J[0][0] * J[1][1] - J[0][1] * J[1][0]
            else:
                det = (J[0][0] * (J[1][1] * J[2][2] - J[1][2] * J[2][1])
                       - J[0][1] * (J[1][0] * J[2][2] - J[1][2] * J[2][0])
                       + J[0][2] * (J[1][0] * J[2][1] - J[1][1] * J[2][0]))
            for row in J:
                for v in row:
                    np.maximum(size, np.abs(v), out=size)
            np.minimum(worst, det, out=worst)
        bad[s:s + cs.shape[0]] = worst <= 1e-10 * size**dim


def check_cells(points: np.ndarray, cells: np.ndarray, tab: RefTables, region_of: np.ndarray,
                names: list[str]) -> None:
    """Raise :class:`MeshError` naming degenerate or inverted cells (Jacobian ≤ 0 at a corner).

    The determinant of the first-order map is evaluated at every reference vertex, which
    detects inverted and collapsed quadrilaterals / hexahedra as well as simplices.  A cell is
    flagged when det J ≤ 1e-10 · (max |J_ab| over its corners)^dim.  The Jacobian columns at a
    corner are differences of vertex coordinates (the geometric basis gradients there have a
    few ±1 entries), evaluated on per-component arrays in cache-sized chunks.
    """
    cols = _corner_columns(tab)
    dim = points.shape[1]
    P = [np.ascontiguousarray(points[:, b]) for b in range(dim)]
    used = sorted({w for q in cols for a in q for w, _ in a})
    bad = np.zeros(cells.shape[0], dtype=bool)
    over_halves(lambda part: _check_part(P, cells, part, cols, used, dim, bad), cells.shape[0])
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
