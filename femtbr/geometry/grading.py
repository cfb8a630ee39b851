"""Graded 1D node distributions for structured tensor-product meshes.

A mesh line is placed at every breakpoint (layer interfaces, source edges).  Between
breakpoints the spacing follows the size function

    s(x) = min(h_max, h_min + (r - 1) |x - p|)   over the refinement points p,

i.e. a geometric progression of ratio ``r`` away from each refinement point (cell sizes
h_min, h_min r, h_min r², ... grow linearly with distance), capped at ``h_max``.  The
number of cells of a segment is ``max(min_cells, ceil(∫ dx / s))`` and the nodes are placed
at equal increments of ``∫ dx / s`` (equidistribution), so every breakpoint is a node.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from femtbr.errors import MeshError

#: Most cells along one axis segment: far beyond any mesh that fits in memory (a 1e7-cell
#: axis alone makes a 1e7-cell mesh), small enough that its 1D node array (80 MB) is cheap.
MAX_AXIS_CELLS = 10_000_000

def merge_breaks(breaks: Sequence[float], rel_tol: float = 1e-9) -> np.ndarray:
    """Sorted breakpoints with near-duplicates (within ``rel_tol`` of the span) merged."""
    b = np.unique(np.asarray(breaks, dtype=float))
    if b.size < 2:
        raise MeshError(f"need at least two distinct breakpoints, got {list(breaks)}")
    tol = rel_tol * (b[-1] - b[0])
    keep = np.concatenate([[True], np.diff(b) > tol])
    b = b[keep]
    if b[-1] != max(breaks):
        b[-1] = max(breaks)
    return b


def size_function(
    x: np.ndarray, h_max: float, points: Sequence[float], h_min: float, ratio: float
) -> np.ndarray:
    """Target cell size s(x) [m] (see module docstring)."""
    s = np.full_like(x, h_max, dtype=float)
    for p in points:
        s = np.minimum(s, h_min + (ratio - 1.0) * np.abs(x - p))
    return s


def axis_nodes(
    breaks: Sequence[float],
    h_max: float,
    refine_points: Sequence[float] = (),
    h_min: float | None = None,
    ratio: float = 1.25,
    min_cells: int | Sequence[int] = 1,
) -> np.ndarray:
    """Node coordinates along one axis.

    Parameters
    ----------
    breaks
        Coordinates that must be nodes [m] (sorted or not; near-duplicates merged).
    h_max
        Largest cell size [m].
    refine_points
        Coordinates toward which the mesh is graded [m].
    h_min
        Cell size at the refinement points [m] (default ``h_max``: no grading).
    ratio
        Geometric growth ratio of neighbouring cells (> 1).
    min_cells
        Minimum number of cells per segment between breakpoints (one value or one per segment).

    Returns
    -------
    ndarray
        Strictly increasing node coordinates including every breakpoint.
    """
    b = merge_breaks(breaks)
    if not h_max > 0:
        raise MeshError(f"mesh size must be > 0, got {h_max}")
    h_min = h_max if h_min is None else min(h_min, h_max)
    if not h_min > 0:
        raise MeshError(f"minimum mesh size must be > 0, got {h_min}")
    if not ratio > 1.0:
        raise MeshError(f"grading ratio must be > 1, got {ratio}")
    nseg = b.size - 1
    mins = np.broadcast_to(np.asarray(min_cells, dtype=int), (nseg,)) if np.ndim(
        min_cells
    ) == 0 else np.asarray(min_cells, dtype=int)
    if mins.size != nseg:
        raise MeshError(f"min_cells has {mins.size} entries for {nseg} segments")
    out = [b[:1]]
    for i in range(nseg):
        x0, x1 = b[i], b[i + 1]
        L = x1 - x0
        m = int(np.clip(40.0 * L / h_min, 256, 200_000))
        x = np.linspace(x0, x1, m + 1)
        inv = 1.0 / size_function(x, h_max, refine_points, h_min, ratio)
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (inv[1:] + inv[:-1]) * np.diff(x))])
        n = max(int(mins[i]), int(np.ceil(cum[-1] - 1e-6)), 1)
        if n > MAX_AXIS_CELLS:  # a length off by a unit factor: say so before allocating
            raise MeshError(f"{n:.3g} cells along one axis between {x0:.6g} and {x1:.6g} m "
                            f"(cell size {h_min:.3g}..{h_max:.3g} m), more than "
                            f"{MAX_AXIS_CELLS:.0e}: check the units of the lengths")
        targets = np.linspace(0.0, cum[-1], n + 1)[1:]
        nodes = np.interp(targets, cum, x)
        nodes[-1] = x1
        out.append(nodes)
    nodes = np.concatenate(out)
    if np.any(np.diff(nodes) <= 0):
        raise MeshError("graded axis nodes are not strictly increasing")
    return nodes


def subdivide(nodes: np.ndarray, parts: int) -> np.ndarray:
    """Split every interval of ``nodes`` into ``parts`` equal ones (nested refinement)."""
    if parts == 1:
        return np.asarray(nodes, dtype=float)
    t = np.arange(parts) / parts
    x0, dx = nodes[:-1, None], np.diff(nodes)[:, None]
    return np.concatenate([(x0 + t[None, :] * dx).ravel(), nodes[-1:]])
