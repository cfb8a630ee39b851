"""Which cells' bounding boxes hold a point: the cheap first step of locating a point in a
mesh (numpy only, so the case checks use it without the finite-element stack)."""

from __future__ import annotations

import numpy as np


def box_cells(points: np.ndarray, cells: np.ndarray, x: np.ndarray, tol: float) -> np.ndarray:
    """Indices of the cells whose vertices' bounding box, widened by ``tol`` [m], holds the
    point ``x`` [m]: a superset of the cells containing it (a cell with straight edges lies
    in its vertices' box).

    The box of a cell holds ``x`` when along every axis one of its vertices lies at or below
    ``x`` (+ tol) and one at or above it (− tol).  Each vertex gets one bit per (axis, side)
    and a cell ORs its vertices' bits: one byte per cell vertex, not the ``(n_cells, nv, d)``
    coordinates of every cell (~190 MB at a million tetrahedra).
    """
    bits = np.zeros(points.shape[0], dtype=np.uint8)
    for axis in range(points.shape[1]):
        c = points[:, axis]
        bits |= (c <= x[axis] + tol).astype(np.uint8) << np.uint8(2 * axis)
        bits |= (c >= x[axis] - tol).astype(np.uint8) << np.uint8(2 * axis + 1)
    full = np.uint8((1 << 2 * points.shape[1]) - 1)
    return np.flatnonzero(np.bitwise_or.reduce(bits[cells], axis=1) == full)
