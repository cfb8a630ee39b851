"""Vectorised element kernels: geometry, stiffness, loads, facet quadrature.

Shape functions and quadrature rules come from scikit-fem; the mapping and the element loops are
done here in chunked numpy (explicit 2×2 / 3×3 inverses, batched ``matmul``), which is several
times faster and leaner than generic form assembly at millions of cells.

Axisymmetric (r–z) problems: with no θ-dependence the heat equation in cylindrical coordinates is
(1/r)∂_r(r k ∂_r T) + ∂_z(k ∂_z T) + s = 0 (Carslaw & Jaeger, *Conduction of Heat in Solids*, 2nd
ed. (1959), ch. 1), and its weak form over the revolved body is the Cartesian one on the r–z
section with the measures dV = 2πr dr dz, dΓ = 2πr ds, r = x₀ ≥ 0. The factor is folded into the
weights once — ``geometry`` returns 2πr_q |det J_q| for a :class:`CellRule` with ``radial=True``
and ``facet_quad(..., radial=True)`` returns 2πr_q w_q |dS_q| — so every term and integral built on
them (conduction, capacity, sources, fluxes, films, radiation, interfaces, areas, volumes) is the
revolved one, in m³, m², W over the full turn. The constant-weight affine shortcuts (bulk matrix,
region weights: one |det J| per cell times a reference integral) do not hold with a weight that
varies across the cell; a radial rule's tables (:func:`affine_stiffness_tables`) mark every cell as
non-affine so those paths take the per-point geometry. The k(T) kernel
(:mod:`femtbr.fem.fast.conduction`) keeps the affine metric and applies the per-point weights.

The conduction residual and Jacobian (standard Galerkin; e.g. Zienkiewicz, Taylor & Zhu,
*The Finite Element Method*, 7th ed., §3) are

    r_i = Σ_q w_q |J_q| k(T_q) ∇φ_i·∇T_q,
    J_ij = Σ_q w_q |J_q| [k(T_q) ∇φ_i·∇φ_j + k'(T_q) φ_j ∇φ_i·∇T_q].
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from femtbr.fem.fast.reference import (
    FACET_ELEMENT,
    FACET_REFDOM,
    REFDOM,
    RefTables,
    eval_basis,
    quadrature,
)

CHUNK = 8_192  # cells per vectorised batch: temporaries stay in cache


@dataclass(frozen=True)
class CellRule:
    """Quadrature on the reference cell with field and geometric basis values.

    ``W`` (nq,), ``phi`` (nq, nb), ``dphi`` (nq, nb, dim), ``gdphi`` (nq, nv, dim),
    ``gphi`` (nq, nv) geometric basis values.  ``radial``: the measure is the axisymmetric
    2πr dr dz (2D r–z sections, r = x₀), applied by :func:`geometry`.
    """

    W: np.ndarray
    phi: np.ndarray
    dphi: np.ndarray
    gdphi: np.ndarray
    simplex: bool
    gphi: np.ndarray | None = None
    radial: bool = False


def cell_rule(tab: RefTables, order: int, radial: bool = False) -> CellRule:
    """Quadrature exact to ``order`` on the reference cell of ``tab``; ``radial`` weights it by
    2πr (an axisymmetric r–z section)."""
    X, W = quadrature(REFDOM[tab.cell_type], order)
    phi, dphi = eval_basis(tab.element, X)
    gp, gd = eval_basis(tab.geom, X)
    return CellRule(W, phi.T.copy(), dphi.transpose(2, 0, 1).copy(), gd.transpose(2, 0, 1).copy(),
                    tab.simplex, gp.T.copy(), radial)


def _inv_det(J: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse and determinant of stacked 2×2 or 3×3 matrices ``(..., d, d)``."""
    if J.shape[-1] == 2:
        a, b, c, d = J[..., 0, 0], J[..., 0, 1], J[..., 1, 0], J[..., 1, 1]
        det = a * d - b * c
        inv = np.stack([np.stack([d, -b], -1), np.stack([-c, a], -1)], -2) / det[..., None, None]
        return inv, det
    c0, c1, c2 = J[..., :, 0], J[..., :, 1], J[..., :, 2]
    r0, r1, r2 = np.cross(c1, c2), np.cross(c2, c0), np.cross(c0, c1)
    det = np.einsum("...i,...i->...", c0, r0)
    inv = np.stack([r0, r1, r2], axis=-2) / det[..., None, None]
    return inv, det


def geometry(points: np.ndarray, cells: np.ndarray, rule: CellRule):
    """``|det J|`` ``(c, nq)`` and physical gradients ``(c, nq, nb, d)`` of the field basis on
    the cells ``cells`` (c, nv).  For a ``rule.radial`` rule the first is 2πr_q |det J_q| [m³
    per unit reference measure], r_q = x₀ at the point: the axisymmetric volume element."""
    X = points[cells]  # (c, nv, d)
    Xt = X.transpose(0, 2, 1)
    nq = rule.W.size
    if rule.simplex:
        J = (Xt @ rule.gdphi[0])[:, None]  # (c, 1, d, d)
        inv, det = _inv_det(J)
        inv = np.broadcast_to(inv, (X.shape[0], nq) + inv.shape[2:])
        det = np.broadcast_to(det, (X.shape[0], nq))
    else:
        J = Xt[:, None] @ rule.gdphi[None]  # (c, nq, d, d)
        inv, det = _inv_det(J)
    G = rule.dphi[None] @ inv  # (c, nq, nb, d)
    if rule.radial:
        return np.abs(det) * (2.0 * np.pi * (X[:, :, 0] @ rule.gphi.T)), G
    return np.abs(det), G


def stiffness_chunk(G: np.ndarray, wk: np.ndarray) -> np.ndarray:
    """Element matrices Σ_q wk_q ∇φ_i·∇φ_j, ``(c, nb, nb)``; ``wk`` = w |J| k, ``(c, nq)``."""
    c, nq, nb, d = G.shape
    A = G.transpose(0, 2, 1, 3).reshape(c, nb, nq * d)
    Aw = (G * wk[:, :, None, None]).transpose(0, 2, 1, 3).reshape(c, nb, nq * d)
    return Aw @ A.transpose(0, 2, 1)


#: Rows per block of :func:`thin_matmul`.
THIN_ROWS = 64


def thin_matmul(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    """``X @ A`` for a tall ``X`` (n, k) and a small ``A`` (k, m), as a stack of
    :data:`THIN_ROWS`-row products.

    Each block product is below the size at which a threaded BLAS starts its threads, so the
    result comes from one thread in cache-sized pieces: a tall-thin product handed to a
    threaded BLAS whole pays the threads' start-up and synchronisation for little work each,
    and competes with the caller's own threads (:func:`over_halves`).
    """
    n, k = X.shape
    out = np.empty((n, A.shape[1]))
    head = n - n % THIN_ROWS
    if head:
        np.matmul(X[:head].reshape(-1, THIN_ROWS, k), A,
                  out=out[:head].reshape(-1, THIN_ROWS, A.shape[1]))
    if head < n:
        np.matmul(X[head:], A, out=out[head:])
    return out


def chunks(n: int, size: int = CHUNK):
    """Slices covering ``range(n)`` in pieces of ``size``."""
    for s in range(0, n, size):
        yield slice(s, min(s + size, n))


#: Cell loops over at least this many cells run in :func:`threads.n_threads` (≤ 2) threads.
PARALLEL_CELLS = 200_000


def over_halves(fn, n: int, min_n: int | None = None) -> list:
    """``[fn(slice) for each contiguous part of range(n)]``, the parts run in parallel threads
    (two at most, :func:`femtbr.fem.linalg.threads.n_threads` permitting) when ``n`` ≥ ``min_n``
    (default :data:`PARALLEL_CELLS`).  ``fn`` must only write disjoint slices: numpy's
    array loops release the GIL, so chunked cell loops overlap well."""
    from functools import partial

    from femtbr.fem.linalg.threads import reduction_parts, run_parallel

    nt = reduction_parts(n, PARALLEL_CELLS if min_n is None else min_n)  # not thread-dependent
    cuts = [n * i // nt for i in range(nt + 1)]
    return run_parallel([partial(fn, slice(a, b))
                         for a, b in zip(cuts[:-1], cuts[1:], strict=True)])


@dataclass(frozen=True)
class FacetQuad:
    """Quadrature data on a set of facets seen from one side.

    Attributes
    ----------
    dofs
        ``(m, nfb)`` global DOFs of the facet's basis functions.
    phi
        ``(m, nq, nfb)`` basis values at the quadrature points.
    wdS
        ``(m, nq)`` weights times surface Jacobian [m² in 3D, m in 2D].
    phi_c
        ``(m, nfb)`` basis values at the facet centroid.
    centers
        ``(m, dim)`` facet centroids [m].
    area
        ``(m,)`` facet measures.
    normal
        ``(m, dim)`` unit normal at the centroid, pointing out of the side's cell.
    """

    dofs: np.ndarray
    phi: np.ndarray
    wdS: np.ndarray
    phi_c: np.ndarray
    centers: np.ndarray
    area: np.ndarray
    normal: np.ndarray


def facet_quad(
    tab: RefTables,
    points: np.ndarray,
    cells: np.ndarray,
    edofs: np.ndarray,
    cell: np.ndarray,
    local: np.ndarray,
    kf: np.ndarray,
    order: int,
    radial: bool = False,
) -> FacetQuad:
    """Quadrature on facets given by ``cell``, ordered local vertices ``local`` (m, nfv) and local
    facet index ``kf``.  The facet is parametrised by its vertices in the order given, so two
    sides listing the same physical vertices in the same order get coincident points.

    ``points``/``cells`` are the (original, first-order) geometry; ``edofs`` the split element
    DOFs ``(n_cells, nb)``.  ``radial``: the facets are generating lines of an axisymmetric
    body (2D r–z, r = x₀), ``wdS`` = 2πr_q w_q |dS_q| and ``area`` the revolved area [m²].
    Many facets are done in two halves in two threads (every facet's data are its own).
    """
    cell, local, kf = np.asarray(cell), np.asarray(local), np.asarray(kf)
    parts = over_halves(lambda p: _facet_quad(tab, points, cells, edofs, cell[p], local[p],
                                              kf[p], order, radial), cell.shape[0])
    if len(parts) == 1:
        return parts[0]
    return FacetQuad(**{f.name: np.concatenate([getattr(q, f.name) for q in parts])
                        for f in fields(FacetQuad)})


def _facet_quad(tab: RefTables, points: np.ndarray, cells: np.ndarray, edofs: np.ndarray,
                cell: np.ndarray, local: np.ndarray, kf: np.ndarray, order: int,
                radial: bool) -> FacetQuad:
    """:func:`facet_quad` of one part of the facets."""
    fref = FACET_REFDOM[tab.cell_type]
    S, Wf = quadrature(fref, order)
    felem = FACET_ELEMENT[fref]()
    Sc = fref.p.mean(axis=1)[:, None]
    N, dN = eval_basis(felem, np.hstack([S, Sc]))  # (nfv, nq+1), (nfv, fdim, nq+1)
    ref = REFDOM[tab.cell_type].p.T  # (nv, d)
    # the reference points depend only on the ordered local vertices, which take a few dozen
    # distinct values (facet x rotation x reflection): the basis is evaluated on those alone
    local = np.asarray(local)
    key = local.astype(np.int64) @ (ref.shape[0] ** np.arange(local.shape[1], dtype=np.int64))
    _, first, which = np.unique(key, return_index=True, return_inverse=True)
    xi = np.einsum("mva,vq->amq", ref[local[first]], N)  # (d, distinct, nq+1)
    vals, _ = eval_basis(tab.element, xi)  # (nb, distinct, nq+1)
    ldofs = tab.facet_dofs[kf]  # (m, nfb)
    phi = vals[ldofs, which.ravel()[:, None], :].transpose(0, 2, 1)  # (m, nq+1, nfb)
    Xv = points[cells[cell[:, None], local]]  # (m, nfv, d)
    x = np.einsum("mva,vq->mqa", Xv, N)
    T = np.einsum("mva,vsq->mqas", Xv, dN)  # (m, nq+1, d, fdim)
    d = points.shape[1]
    if d == 2:
        tan = T[..., 0]
        meas = np.linalg.norm(tan, axis=-1)
        nrm = np.stack([tan[..., 1], -tan[..., 0]], -1)
    else:
        nrm = np.cross(T[..., 0], T[..., 1])
        meas = np.linalg.norm(nrm, axis=-1)
    nrm = nrm[:, -1] / meas[:, -1:]
    # orient outward: away from the cell centroid
    out = np.einsum("ma,ma->m", nrm, x[:, -1] - points[cells[cell]].mean(axis=1))
    nrm *= np.where(out < 0, -1.0, 1.0)[:, None]
    wdS = meas[:, :-1] * Wf[None, :]
    if radial:
        wdS *= 2.0 * np.pi * x[:, :-1, 0]
    return FacetQuad(
        dofs=edofs[cell[:, None], ldofs],
        phi=np.ascontiguousarray(phi[:, :-1]),
        wdS=wdS,
        phi_c=phi[:, -1],
        centers=x[:, -1],
        area=wdS.sum(axis=1),
        normal=nrm,
    )


def point_rule(tab: RefTables, X: np.ndarray) -> CellRule:
    """A "rule" evaluating at reference points ``X`` (dim, nq) with unit weights."""
    phi, dphi = eval_basis(tab.element, X)
    _, gd = eval_basis(tab.geom, X)
    return CellRule(np.ones(X.shape[1]), phi.T.copy(), dphi.transpose(2, 0, 1).copy(),
                    gd.transpose(2, 0, 1).copy(), tab.simplex)


@dataclass(frozen=True)
class AffineStiffness:
    """Reference integrals for cells with an affine map (all simplices; parallelogram quads,
    parallelepiped hexes): K_e = Σ_ab M_ab S_ab with M = |J| J⁻¹J⁻ᵀ and
    S_ab,ij = ∫ ∂_a φ̂_i ∂_b φ̂_j dξ, one small matrix product per batch of cells."""

    S: np.ndarray  # (d*d, nb*nb)
    fit: np.ndarray  # (d+1, nv): least-squares affine fit of the vertex coordinates
    V: np.ndarray  # (nv, d+1)
    radial: bool = False  # 2πr measure: no cell has a constant weight (all "non-affine")


def affine_stiffness_tables(tab: RefTables, rule: CellRule) -> AffineStiffness:
    """Tables of :class:`AffineStiffness` for ``tab`` with the (exact) rule ``rule``."""
    d = tab.dim
    S = np.einsum("q,qia,qjb->abij", rule.W, rule.dphi, rule.dphi).reshape(d * d, -1)
    V = np.hstack([np.ones((REFDOM[tab.cell_type].nnodes, 1)), REFDOM[tab.cell_type].p.T])
    return AffineStiffness(S, np.linalg.pinv(V), V, rule.radial)


def affine_map(points: np.ndarray, cells: np.ndarray, tab: RefTables, aff: AffineStiffness):
    """Jacobian components ``J[a][b]`` (c,) of the affine fit of each cell's map, and a mask of
    the cells that are not affine (bilinear/trilinear terms > 1e-12 of the cell size; every
    cell for ``aff.radial`` tables, whose measure 2πr dr dz is not constant on any cell).

    Coordinates are handled per component, ``(d, nv, c)``, so every array below is contiguous
    along the cells; the thin products use numpy's own loops, not a threaded BLAS whose thread
    start-up dominates them on a busy machine.
    """
    nc = cells.shape[0]
    d = points.shape[1]
    X = points[cells.T].transpose(2, 0, 1)  # (d, nv, c)
    coef = np.matmul(aff.fit[None], X)  # (d, d+1, c): coef[a, 1+b] = dx_a/dξ_b
    J = [[coef[a, 1 + b] for b in range(d)] for a in range(d)]
    if aff.radial:  # the 2πr weight varies across every cell: per-point geometry for all
        return J, np.ones(nc, dtype=bool)
    if tab.simplex:
        return J, np.zeros(nc, dtype=bool)
    resid = np.matmul(aff.V[None], coef)  # (d, nv, c)
    np.subtract(resid, X, out=resid)
    np.abs(resid, out=resid)
    err = np.maximum.reduce(resid.reshape(-1, nc), axis=0)
    scale = np.maximum.reduce(np.abs(coef[:, 1:]).reshape(-1, nc), axis=0)
    return J, err > 1e-12 * scale


def jacobian_det(J: list[list[np.ndarray]]) -> np.ndarray:
    """det J from component arrays ``J[a][b]`` (c,) (2×2 or 3×3)."""
    if len(J) == 2:
        return J[0][0] * J[1][1] - J[0][1] * J[1][0]
    return (J[0][0] * (J[1][1] * J[2][2] - J[1][2] * J[2][1])
            - J[0][1] * (J[1][0] * J[2][2] - J[1][2] * J[2][0])
            + J[0][2] * (J[1][0] * J[2][1] - J[1][1] * J[2][0]))


def adjugate(J: list[list[np.ndarray]]) -> tuple[list, np.ndarray]:
    """Rows ``r[b][a]`` = det J · (J⁻¹)_ba and det J, from component arrays ``J[a][b]`` (c,)
    (2×2 or 3×3; in 3D the rows are cross products of the Jacobian's columns)."""
    if len(J) == 2:
        det = J[0][0] * J[1][1] - J[0][1] * J[1][0]
        return [(J[1][1], -J[0][1]), (-J[1][0], J[0][0])], det
    c = [(J[0][b], J[1][b], J[2][b]) for b in range(3)]  # columns

    def cross(u, v):
        return (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])

    r = [cross(c[1], c[2]), cross(c[2], c[0]), cross(c[0], c[1])]
    det = c[0][0] * r[0][0] + c[0][1] * r[0][1] + c[0][2] * r[0][2]
    return r, det


def _metric_upper(J: list[list[np.ndarray]], scale: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Upper triangle (``np.triu_indices(d)`` order) of scale·|det J| J⁻¹J⁻ᵀ as ``(d(d+1)/2, c)``
    and det J, from component arrays ``J[a][b]`` (c,)."""
    r, det = adjugate(J)
    d = len(J)
    ad = 1.0 / np.abs(det)
    if scale is not None:
        ad *= scale
    ia, ib = np.triu_indices(d)
    M = np.empty((ia.size, det.size))
    for k, (a, b) in enumerate(zip(ia, ib, strict=True)):
        np.multiply(sum(r[a][i] * r[b][i] for i in range(d)), ad, out=M[k])
    return M, det


def affine_stiffness(points: np.ndarray, cells: np.ndarray, tab: RefTables,
                     aff: AffineStiffness, scale: np.ndarray | None = None,
                     upper: bool = False, absdet: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Unit-conductivity element matrices ``(c, nb, nb)`` and a mask of the cells whose map is
    not affine (their matrices are invalid and must be computed by quadrature).

    ``scale`` (c,) multiplies each cell's matrix (a conductivity [W/(m K)]); ``upper=True``
    returns only the upper triangles ``(c, nb(nb+1)/2)`` in ``np.triu_indices`` order, as a
    transposed (Fortran-ordered) view: the product is formed entry-major, ``(nb(nb+1)/2, c)``,
    contiguous along the cells.  K_e = Σ_{a≤b} M_ab (S_ab + S_ba) by the symmetry of M.
    ``absdet`` (c,), if given, receives |det J| of the affine fit.
    """
    J, bad = affine_map(points, cells, tab, aff)
    M, det = _metric_upper(J, scale)
    if absdet is not None:
        np.abs(det, out=absdet)
    d, nb = len(J), tab.nb
    ia, ib = np.triu_indices(d)
    S = aff.S.reshape(d, d, nb * nb)
    Ssym = np.where((ia == ib)[:, None], S[ia, ib], S[ia, ib] + S[ib, ia])  # (d(d+1)/2, nb²)
    if upper:
        iu, ju = np.triu_indices(nb)
        Ssym = Ssym[:, iu * nb + ju]
        return np.einsum("kj,kc->jc", Ssym, M).T, bad
    return np.einsum("kj,kc->cj", Ssym, M).reshape(-1, nb, nb), bad
