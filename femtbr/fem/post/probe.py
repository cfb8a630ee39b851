"""Point evaluation of a :class:`Solution`.

A probe exactly on a split interface lies in cells of both sides and returns the value of
whichever containing cell is found first (either T_a or T_b); move the probe off the interface
to choose a side.  :func:`locate` finds the points once; :class:`LocatedProbes` then evaluates
them on any field of the same mesh (every step of a transient run) without searching again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from femtbr.boxes import box_cells
from femtbr.errors import InputError
from femtbr.fem.fast.reference import VTK_TO_SKFEM, eval_basis, tables
from femtbr.fem.values.solution import Solution

TOL = 1e-9
#: Up to this many points are located through their cells' bounding boxes (one pass over the
#: mesh per point, no temporary per cell); more through a k-d tree of the cell centroids.
BOX_POINTS = 16


def _locate(sol: Solution, cells_sk: np.ndarray, x: np.ndarray, cand: np.ndarray):
    """Reference coordinates of points ``x`` (n, d) in candidate cells ``cand`` (n, k)."""
    tab = tables(sol.cell_type, 1)
    X = sol.points[cells_sk[cand]]  # (n, k, nv, d)
    d = x.shape[1]
    xi = np.full(cand.shape + (d,), 0.25 if tab.simplex else 0.5)
    for _ in range(1 if tab.simplex else 25):
        phi, dphi = eval_basis(tab.geom, np.moveaxis(xi, -1, 0))  # (nv, n, k), (nv, d, n, k)
        xx = np.einsum("nkva,vnk->nka", X, phi)
        J = np.einsum("nkva,vbnk->nkab", X, dphi)
        r = x[:, None, :] - xx
        with np.errstate(all="ignore"):
            xi = xi + np.linalg.solve(J, r[..., None])[..., 0]
    if tab.simplex:
        inside = np.all(xi >= -TOL, axis=-1) & (xi.sum(axis=-1) <= 1 + TOL)
    else:
        inside = np.all((xi >= -TOL) & (xi <= 1 + TOL), axis=-1)
    return xi, inside & np.all(np.isfinite(xi), axis=-1)


@dataclass(frozen=True)
class LocatedProbes:
    """Points located once in a mesh: evaluate them on any field of that mesh cheaply.

    A time integrator's probes sit at fixed points of a fixed mesh, so the cell search (a
    k-d tree over cell centroids and a Newton inversion of the geometry map) is done once by
    :func:`locate`; each evaluation is then one small gather and dot product per point.

    Attributes
    ----------
    cells
        Containing cell of each point.
    phi
        Basis function values at each point, shape (n_basis, n_points).
    dofs
        Per point the indices of its cell's values: into ``Solution.temperature`` (order 1)
        or ``Solution.dof_temperature`` (higher order), shape (n_points, n_basis).
    order
        Element order of the solution the points were located in.
    """

    cells: np.ndarray
    phi: np.ndarray
    dofs: np.ndarray
    order: int

    def values(self, solution: Solution) -> np.ndarray:
        """Temperature [K] at the located points of ``solution`` (same mesh and order)."""
        field = solution.temperature if self.order == 1 else solution.dof_temperature
        return np.einsum("in,ni->n", self.phi, field[self.dofs])

    def values_of_dofs(self, T: np.ndarray, n_vertices: int) -> np.ndarray:
        """Temperature [K] at the points from a DOF vector ``T`` whose first ``n_vertices``
        entries are the vertex values (the layout of the FE core's DOF vectors)."""
        field = T[:n_vertices] if self.order == 1 else T
        return np.einsum("in,ni->n", self.phi, field[self.dofs])


def _box_candidates(sol: Solution, x: np.ndarray, tol: float) -> np.ndarray:
    """(n, k) candidate cells of points ``x`` (n, d): the cells whose box holds the point
    (:func:`box_cells`), nearest centroid first as from the k-d tree, rows padded with their
    first entry.  A point in no box lies in no cell: :class:`InputError`."""
    found = []
    for i, xi in enumerate(x):
        c = box_cells(sol.points, sol.cells, xi, tol)
        if c.size == 0:
            raise InputError(f"probe point {i} at {xi.tolist()} lies outside the mesh")
        dist = np.linalg.norm(sol.points[sol.cells[c]].mean(axis=1) - xi, axis=1)
        found.append(c[np.argsort(dist, kind="stable")])
    k = max(c.size for c in found)
    return np.stack([np.pad(c, (0, k - c.size), mode="edge") for c in found])


def _nearest_candidates(sol: Solution, x: np.ndarray) -> np.ndarray:
    """(n, k) candidate cells of points ``x`` (n, d): the k ≤ 32 cells of nearest centroid."""
    cent = sol.points[sol.cells].mean(axis=1)
    tree = cKDTree(cent)
    k = min(32, cent.shape[0])
    _, cand = tree.query(x, k=k)
    return cand.reshape(x.shape[0], k)


def locate(solution: Solution, points: np.ndarray) -> LocatedProbes:
    """Find the cell and reference coordinates of ``points`` (n, dim) [m] in ``solution``'s mesh.

    Raises
    ------
    InputError
        If a point lies outside the mesh (naming its index).
    """
    x = np.atleast_2d(np.asarray(points, dtype=float))
    sol = solution
    lo, hi = sol.points.min(axis=0), sol.points.max(axis=0)
    pad = TOL * float(np.max(hi - lo, initial=0.0))
    out = ~(np.all(np.isfinite(x), axis=1) & np.all((x >= lo - pad) & (x <= hi + pad), axis=1))
    if out.any():  # far outside: Newton on the cells' maps would overflow (LinAlgError)
        i = int(np.flatnonzero(out)[0])
        raise InputError(f"probe point {i} at {x[i].tolist()} lies outside the mesh's bounding "
                         f"box {lo.tolist()}..{hi.tolist()} m")
    cells_sk = sol.cells[:, VTK_TO_SKFEM[sol.cell_type]]
    cand = (_box_candidates(sol, x, pad) if x.shape[0] <= BOX_POINTS
            else _nearest_candidates(sol, x))
    xi, inside = _locate(sol, cells_sk, x, cand)
    miss = ~inside.any(axis=1)
    if miss.any():  # fall back to every cell for the points not found among the nearest
        for i in np.flatnonzero(miss):
            allc = np.arange(sol.cells.shape[0])[None, :]
            xi_i, in_i = _locate(sol, cells_sk, x[i:i + 1], allc)
            if not in_i.any():
                raise InputError(f"probe point {i} at {x[i].tolist()} lies outside the mesh")
            j = int(np.argmax(in_i[0]))
            cand[i, 0], xi[i, 0], inside[i, 0] = j, xi_i[0, j], True
    j = np.argmax(inside, axis=1)
    rows = np.arange(x.shape[0])
    c = cand[rows, j]
    xr = xi[rows, j]
    tab = tables(sol.cell_type, sol.order)
    phi, _ = eval_basis(tab.element, xr.T)  # (nb, n)
    dofs = cells_sk[c] if sol.order == 1 else sol.element_dofs[c]
    return LocatedProbes(cells=c, phi=np.asarray(phi), dofs=np.asarray(dofs), order=sol.order)


def probe(solution: Solution, points: np.ndarray) -> np.ndarray:
    """Temperature [K] at ``points`` (n, dim) [m], interpolated with the solution's elements.

    Locates the points afresh: to evaluate the same points on many fields of one mesh (time
    steps), call :func:`locate` once and :meth:`LocatedProbes.values` per field.

    Raises
    ------
    InputError
        If a point lies outside the mesh (naming its index).
    """
    return locate(solution, points).values(solution)
