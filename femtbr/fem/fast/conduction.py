"""Conduction with a temperature-dependent conductivity k(T): residual and exact Jacobian.

The discretisation is the standard Galerkin one (Zienkiewicz, Taylor & Zhu, *The Finite
Element Method*, 7th ed., §3), with k evaluated at the quadrature points of the cell rule:

    r_i  = Σ_q w_q |J| k(T_q) ∇φ_i·∇T_q                                   [W]
    J_ij = Σ_q w_q |J| [k(T_q) ∇φ_i·∇φ_j + k'(T_q) φ_j ∇φ_i·∇T_q]          [W/K]

For a cell with an affine map (every simplex; parallelogram / parallelepiped quads and hexes,
e.g. the axis-aligned cells of the tensor-grid builders) J is constant, ∇φ = J⁻ᵀ∇̂φ, and with
the cell's metric M = |det J| J⁻¹J⁻ᵀ (d(d+1)/2 numbers, computed once per mesh):

    r_i  = Σ_q Σ_a ∂̂_a φ_i(ξ_q) · w_q k_q (M ∇̂T_q)_a
    J_ij = Σ_q Σ_{a≤b} w_q k_q M_ab S^q_ab,ij + Σ_q Σ_a w_q k'_q (M ∇̂T_q)_a ∂̂_a φ_i(ξ_q) φ_j(ξ_q)

with S^q_ab,ij = ∂̂_aφ_i ∂̂_bφ_j + ∂̂_bφ_i ∂̂_aφ_j (a < b; one term for a = b).  The element
matrices of a batch of cells are then one matrix product, ``[w k M | w k' M∇̂T] @ table``
(cells × (nq·d(d+1)/2 + nq·d) times a reference table), the same quadrature sum as the general
form term for term.  Cells whose map is not affine use the general per-point geometry.
An axisymmetric (``rule.radial``) rule keeps the affine metric and replaces the weights w_q by
the per-cell w_q 2πr_q (r_q = x₀ at the point; the axisymmetric measure, see
:mod:`femtbr.fem.fast.kernels`): every w_q above is a factor of one (cell, point) coefficient.

A conductivity tensor K(T) = Σ_m k_m(T) r_m r_mᵀ (:mod:`femtbr.fem.values.conductivity_tensor`)
takes the same route with the metric Σ_m k_m(T_q) M_m, M_m = |det J| J⁻¹ r_m r_mᵀ J⁻ᵀ, per point
(:func:`principal_metrics`); its non-affine cells use the per-point geometry.

Each batch's entries are summed (``bincount``) onto the distinct positions in the common
sparsity pattern they hit, found once per mesh, and added there: no COO→CSR sort per
evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from femtbr.errors import ModelError
from femtbr.fem.fast.kernels import (
    CellRule,
    _metric_upper,
    adjugate,
    affine_map,
    affine_stiffness_tables,
    chunks,
    geometry,
    over_halves,
    stiffness_chunk,
    thin_matmul,
)
from femtbr.fem.values.conductivity_tensor import ConductivityTensor

#: Cells whose DOF numbers span more than this many times the region's median span are
#: batched apart (:class:`RegionConduction`).
WIDE_SPAN = 4.0
#: Cells per block of the Jacobian scatter (:class:`Batch`): a block of Q1 hexahedra touches
#: ~30 distinct pattern positions per cell, so 1024 cells keep them below 2**16.
SCATTER_CELLS = 1024
#: Regions with at least this many batches are summed in two threads.
PARALLEL_BATCHES = 16


def check_conductivity(name: str, k: np.ndarray, dk: np.ndarray) -> None:
    """Raise :class:`ModelError` naming region ``name`` unless k > 0 and k, dk/dT are finite."""
    if not (np.all(np.isfinite(k)) and np.all(np.isfinite(dk))):
        raise ModelError(f"conductivity of region {name!r} returned NaN/inf")
    if np.any(k <= 0):
        raise ModelError(f"conductivity of region {name!r} must be > 0, got min {k.min():.4g}")


@dataclass(frozen=True)
class ConductionTables:
    """Reference tables of one (element, cell rule) pair.

    ``phiT`` (nb, nq) basis values; ``D`` (nb, nq·d) reference gradients, column ``q·d + a``
    holding ∂̂_a φ_i(ξ_q); ``table`` (nq·m + nq·d, nb²) the stacked stiffness tables S^q_ab
    (m = d(d+1)/2 upper-triangle components, ``np.triu_indices`` order) and Newton tables
    ∂̂_a φ_i(ξ_q) φ_j(ξ_q), so that the element matrices are ``coefficients @ table``.
    """

    W: np.ndarray
    phiT: np.ndarray
    D: np.ndarray
    DT: np.ndarray
    table: np.ndarray


def conduction_tables(rule: CellRule) -> ConductionTables:
    """:class:`ConductionTables` for the cell rule ``rule`` (shape functions from scikit-fem)."""
    nq, nb, d = rule.dphi.shape
    dphi = rule.dphi  # (nq, nb, d)
    ia, ib = np.triu_indices(d)
    S = np.einsum("qia,qjb->qabij", dphi, dphi)
    Ssym = np.where((ia == ib)[None, :, None, None], S[:, ia, ib],
                    S[:, ia, ib] + S[:, ib, ia])  # (nq, m, nb, nb)
    E = np.einsum("qia,qj->qaij", dphi, rule.phi)  # (nq, d, nb, nb)
    table = np.vstack([Ssym.reshape(nq * ia.size, nb * nb), E.reshape(nq * d, nb * nb)])
    D = dphi.transpose(1, 0, 2).reshape(nb, nq * d)
    return ConductionTables(rule.W.copy(), np.ascontiguousarray(rule.phi.T),
                            np.ascontiguousarray(D), np.ascontiguousarray(D.T),
                            np.ascontiguousarray(table))


@dataclass
class Batch:
    """One batch of a region's cells with its cached geometry and scatter data.

    ``cells`` (c,) cell indices; ``metric`` (m, c) upper triangle of |det J| J⁻¹J⁻ᵀ [m] for
    affine batches, ``None`` for a batch of non-affine cells; ``scatter`` per block of
    :data:`SCATTER_CELLS` cells the sorted distinct positions in the pattern of the block's
    element entries and the index of each entry among them (uint16 when they are few
    enough: 2 bytes per entry instead of 4); ``udof``/``dinv`` the same for the element DOFs;
    ``principal`` the per-direction metrics of the last orthotropic axes used
    (:func:`principal_metrics`: the axes as bytes and the metrics).
    """

    cells: np.ndarray
    metric: np.ndarray | None
    scatter: list[tuple[np.ndarray, np.ndarray]]
    udof: np.ndarray
    dinv: np.ndarray
    principal: tuple[bytes, np.ndarray] | None = None

    @property
    def pos_range(self) -> tuple[int, int]:
        """Lowest and one past the highest pattern position the batch touches."""
        return (min(int(u[0]) for u, _ in self.scatter),
                max(int(u[-1]) for u, _ in self.scatter) + 1)


@dataclass
class RegionConduction:
    """Cached per-region data for :func:`conduction_terms` (built once per mesh and rule).

    ``batches`` hold cells in order of their lowest DOF, so that a contiguous run of batches
    touches a contiguous-ish range of DOFs and pattern positions; ``dof_cut``/``pos_cut``
    (n_batches,) the largest DOF / position any earlier batch touches.  ``wide`` batches hold
    the cells whose DOFs are far apart (e.g. the cells carrying split interface copies,
    numbered after all the others); they are summed in one thread after the others.
    """

    batches: list[Batch]
    dof_cut: np.ndarray
    pos_cut: np.ndarray
    wide: list[Batch]


def _distinct(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of the integers ``x`` and the index of each ``x`` among them,
    ``(u, inv)`` (int32 ``inv``), by a mark over ``x``'s range instead of a sort where that
    range is short (as a batch's DOFs and pattern positions mostly are)."""
    x0 = int(x.min())
    if int(x.max()) - x0 > 16 * x.size:  # a wide range (split copies): sorting is cheaper
        u, inv = np.unique(x, return_inverse=True)
        return u, inv.astype(np.int32).ravel()
    rel = (x - x0).astype(np.int64, copy=False).ravel()
    mark = np.zeros(int(rel.max()) + 1, dtype=bool)
    mark[rel] = True
    u = np.flatnonzero(mark)
    rank = np.empty(mark.size, dtype=np.int32)  # read only where marked
    rank[u] = np.arange(u.size, dtype=np.int32)
    return u + x0, rank[rel]


def _position_lookup(disc) -> sp.csr_array:
    """The common pattern with each entry's position as its value (int32 while they fit),
    so that ``lookup[rows, cols]`` gives the positions of entries (0 for a missing one)."""
    indptr, indices = disc.pattern
    n = disc.n_dofs
    idx = np.int32 if indices.size < 2**31 - 1 else np.int64
    lookup = sp.csr_array((np.arange(indices.size, dtype=idx), indices, indptr), shape=(n, n))
    lookup.has_sorted_indices = True
    return lookup


def _batch(disc, lookup: sp.csr_array, c: np.ndarray, M: np.ndarray | None) -> Batch:
    nb = disc.tab.nb
    ed = disc.edofs[c]
    # positions in the pattern: ``lookup`` holds each entry's position as its value
    r, col = np.repeat(ed, nb, axis=1).ravel(), np.tile(ed, (1, nb)).ravel()
    pos = np.asarray(lookup[r, col])
    zero = pos == 0  # an entry missing from the pattern would read 0 too
    if np.any(r[zero] != 0) or np.any(col[zero] != lookup.indices[0]):
        raise RuntimeError("element entry missing from the sparsity pattern")
    idx = lookup.dtype
    scatter = []
    step = SCATTER_CELLS * nb * nb
    for s in range(0, pos.size, step):
        upos, inv = _distinct(pos[s:s + step])
        scatter.append((upos.astype(idx), inv.astype(np.uint16) if upos.size <= 1 << 16
                        else inv))
    udof, dinv = _distinct(ed)
    return Batch(c, M, scatter, udof, dinv)


def _affine_groups(disc, cells: np.ndarray, rule: CellRule):
    """``(cells, metric or None)`` batches of ``cells``: affine and non-affine cells apart
    (by the cells' maps: a radial rule's weights are applied per point, :func:`_radial_w`)."""
    aff = affine_stiffness_tables(disc.tab, replace(rule, radial=False))
    for s in chunks(cells.size):
        c = cells[s]
        J, bad = affine_map(disc.points, disc.cells[c], disc.tab, aff)
        if bad.all():
            yield c, None
            continue
        M = _metric(J)
        if bad.any():
            yield c[~bad], np.ascontiguousarray(M[:, ~bad])
            yield c[bad], None
        else:
            yield c, M


def _region_batches(disc, name: str, lookup: sp.csr_array) -> RegionConduction:
    """The :class:`RegionConduction` of region ``name`` for the discretization's ``rule_kT``
    (cached by :func:`conduction_terms`); ``lookup`` from :func:`_position_lookup`."""
    rule = disc.rule_kT
    cells = disc.region_cells[name]
    ed = disc.edofs[cells]
    lo = ed.min(axis=1)
    span = ed.max(axis=1) - lo
    wide = span > WIDE_SPAN * max(float(np.median(span)) if span.size else 0.0, 1.0)
    order = np.argsort(lo, kind="stable")
    narrow_cells = cells[order[~wide[order]]]
    groups = list(_affine_groups(disc, narrow_cells, rule))
    # the batches of the two halves in two threads (their lookups and sorts release the GIL)
    halves = over_halves(lambda part: [_batch(disc, lookup, c, M) for c, M in groups[part]],
                         len(groups), PARALLEL_BATCHES)
    batches = [b for half in halves for b in half]
    wide_b = [_batch(disc, lookup, c, M) for c, M in _affine_groups(disc, cells[wide], rule)]
    ends_d = np.array([b.udof[-1] + 1 for b in batches], dtype=np.int64)
    ends_p = np.array([b.pos_range[1] for b in batches], dtype=np.int64)
    dof_cut = np.r_[0, np.maximum.accumulate(ends_d)[:-1]] if batches else ends_d
    pos_cut = np.r_[0, np.maximum.accumulate(ends_p)[:-1]] if batches else ends_p
    return RegionConduction(batches, dof_cut, pos_cut, wide_b)


def _metric(J: list[list[np.ndarray]]) -> np.ndarray:
    """Upper triangle of |det J| J⁻¹J⁻ᵀ [m], ``(d(d+1)/2, c)``, from components ``J[a][b]``."""
    return _metric_upper(J)[0]


def _radial_w(rule: CellRule, points: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Weights w_q 2πr_q ``(c, nq)`` of an axisymmetric rule on ``cells`` (r_q = x₀ [m])."""
    return (2.0 * np.pi * rule.W) * (points[cells, 0] @ rule.gphi.T)


def _affine_batch(tab: ConductionTables, M: np.ndarray, Te: np.ndarray, fun, name: str,
                  jacobian: bool, W: np.ndarray | None = None):
    """Residual ``(c, nb)`` and element matrices ``(c, nb²)`` of affine cells (module doc);
    ``W`` (c, nq) per-cell weights replacing ``tab.W`` (axisymmetric rules)."""
    c, nb = Te.shape
    nq = tab.W.size
    W = tab.W if W is None else W
    m = M.shape[0]
    d = tab.D.shape[1] // nq
    Tq = thin_matmul(Te, tab.phiT)  # (c, nq)
    g = thin_matmul(Te, tab.D).reshape(c, nq, d)  # reference gradient of T
    k, dk = fun(Tq)
    k = np.broadcast_to(np.asarray(k, float), Tq.shape)
    dk = np.broadcast_to(np.asarray(dk, float), Tq.shape)
    check_conductivity(name, k, dk)
    Mg = np.empty_like(g)  # M ∇̂T
    ia, ib = np.triu_indices(d)
    full = np.empty((d, d), dtype=np.int64)
    full[ia, ib] = np.arange(m)
    full[ib, ia] = np.arange(m)
    for a in range(d):
        np.multiply(g[:, :, 0], M[full[a, 0], :, None], out=Mg[:, :, a])
        for b in range(1, d):
            Mg[:, :, a] += g[:, :, b] * M[full[a, b], :, None]
    wk = k * W
    flux = Mg * wk[:, :, None]
    r = thin_matmul(flux.reshape(c, nq * d), tab.DT)
    if not jacobian:
        return r, None
    C = np.empty((c, nq * m + nq * d))
    np.multiply(wk[:, :, None], M.T[:, None, :], out=C[:, :nq * m].reshape(c, nq, m))
    np.multiply(Mg, (dk * W)[:, :, None], out=C[:, nq * m:].reshape(c, nq, d))
    return r, thin_matmul(C, tab.table)


def _general_batch(rule: CellRule, points, cells, Te, fun, name: str, jacobian: bool):
    """:func:`_affine_batch` by the per-point geometry (cells with a non-affine map)."""
    det, G = geometry(points, cells, rule)
    Tq = Te @ rule.phi.T
    gT = np.einsum("cqia,ci->cqa", G, Te)
    k, dk = fun(Tq)
    k = np.broadcast_to(np.asarray(k, float), Tq.shape)
    dk = np.broadcast_to(np.asarray(dk, float), Tq.shape)
    check_conductivity(name, k, dk)
    w = det * rule.W
    r = np.einsum("cq,cqia,cqa->ci", w * k, G, gT)
    if not jacobian:
        return r, None
    K = stiffness_chunk(G, w * k)
    K += np.einsum("cq,cqia,cqa,qj->cij", w * dk, G, gT, rule.phi)
    return r, K.reshape(K.shape[0], -1)


def _tensor_batch(rule: CellRule, points, cells, Te, tensor: ConductivityTensor, name: str,
                  jacobian: bool):
    """:func:`_general_batch` for a conductivity tensor K(T) = Σ_m k_m(T) r_m r_mᵀ
    (:mod:`femtbr.fem.values.conductivity_tensor`), by the per-point geometry on every cell:

        r_i  = Σ_q w_q |J| Σ_m k_m(T_q) (r_m·∇φ_i)(r_m·∇T_q)
        J_ij = Σ_q w_q |J| Σ_m [k_m (r_m·∇φ_i)(r_m·∇φ_j) + k_m' φ_j (r_m·∇φ_i)(r_m·∇T_q)]

    (the Galerkin sums of :func:`femtbr.fem.forms.conduction_tensor_residual` and its
    Jacobian, written in the principal axes)."""
    det, G = geometry(points, cells, rule)
    Tq = Te @ rule.phi.T
    Gp = np.einsum("cqia,ma->cqim", G, tensor.axes)  # r_m·∇φ_i
    gp = np.einsum("cqim,ci->cqm", Gp, Te)  # r_m·∇T
    k, dk = tensor.principal_values(Tq)  # (d, c, nq)
    check_conductivity(name, k, dk)
    w = det * rule.W
    wk = w[:, :, None] * np.moveaxis(k, 0, -1)  # (c, nq, d)
    r = np.einsum("cqim,cqm->ci", Gp, wk * gp)
    if not jacobian:
        return r, None
    K = np.einsum("cqim,cqjm->cij", Gp * wk[:, :, None, :], Gp, optimize=True)
    wdk = w[:, :, None] * np.moveaxis(dk, 0, -1)
    K += np.einsum("cqim,cqm,qj->cij", Gp, wdk * gp, rule.phi, optimize=True)
    return r, K.reshape(K.shape[0], -1)


def principal_metrics(disc, b: Batch, tensor: ConductivityTensor) -> np.ndarray:
    """Per-principal-direction metrics of an affine batch, ``(d, d(d+1)/2, c)``:

        M_m = |det J| (J⁻¹ r_m)(J⁻¹ r_m)ᵀ      [m],   Σ_m M_m = |det J| J⁻¹J⁻ᵀ (the batch metric),

    upper triangles in ``np.triu_indices`` order; cached per batch for the last axes used
    (a sweep over orientations does not pile up one set per angle)."""
    axes = tensor.axes.tobytes()
    if b.principal is not None and b.principal[0] == axes:
        return b.principal[1]
    J, _ = affine_map(disc.points, disc.cells[b.cells], disc.tab,
                      affine_stiffness_tables(disc.tab, disc.rule_kT))
    adj, det = adjugate(J)  # adj[b][a] = det (J⁻¹)_ba
    d = len(J)
    ia, ib = np.triu_indices(d)
    A = tensor.axes
    Mm = np.empty((d, ia.size, det.size))
    for m in range(d):  # det · J⁻¹ r_m
        v = [sum(adj[c][a] * A[m, a] for a in range(d)) for c in range(d)]
        for p, (a, c) in enumerate(zip(ia, ib, strict=True)):
            np.divide(v[a] * v[c], np.abs(det), out=Mm[m, p])
    b.principal = (axes, Mm)
    return Mm


def _affine_tensor_batch(tab: ConductionTables, Mm: np.ndarray, Te: np.ndarray,
                         tensor: ConductivityTensor, name: str, jacobian: bool):
    """:func:`_affine_batch` for a conductivity tensor: the cell metric of every quadrature
    point is Σ_m k_m(T_q) M_m (:func:`principal_metrics`) and the Newton part uses
    Σ_m k_m'(T_q) M_m, so the element matrices are the same one product with ``tab.table``:

        r_i  = Σ_q Σ_a ∂̂_a φ_i · w_q (Σ_m k_m M_m ∇̂T_q)_a
        J_ij = Σ_q Σ_{a≤b} w_q (Σ_m k_m M_m)_ab S^q_ab,ij
               + Σ_q Σ_a w_q (Σ_m k_m' M_m ∇̂T_q)_a ∂̂_a φ_i φ_j."""
    c, nb = Te.shape
    nq = tab.W.size
    d, mc = Mm.shape[:2]
    Tq = thin_matmul(Te, tab.phiT)
    g = thin_matmul(Te, tab.D).reshape(c, nq, d)
    k, dk = tensor.principal_values(Tq)  # (d, c, nq)
    check_conductivity(name, k, dk)
    ia, ib = np.triu_indices(d)
    full = np.empty((d, d), dtype=np.int64)
    full[ia, ib] = np.arange(mc)
    full[ib, ia] = np.arange(mc)

    def apply(Meff):  # (c, nq, mc) metric times ∇̂T -> (c, nq, d)
        out = np.empty_like(g)
        for a in range(d):
            np.multiply(g[:, :, 0], Meff[:, :, full[a, 0]], out=out[:, :, a])
            for e in range(1, d):
                out[:, :, a] += g[:, :, e] * Meff[:, :, full[a, e]]
        return out

    Meff = np.einsum("mcq,mpc->cqp", k, Mm)
    Mg = apply(Meff)
    W = tab.W[None, :, None]
    r = thin_matmul((Mg * W).reshape(c, nq * d), tab.DT)
    if not jacobian:
        return r, None
    C = np.empty((c, nq * mc + nq * d))
    np.multiply(Meff, W, out=C[:, :nq * mc].reshape(c, nq, mc))
    np.multiply(apply(np.einsum("mcq,mpc->cqp", dk, Mm)), W, out=C[:, nq * mc:].reshape(c, nq, d))
    return r, thin_matmul(C, tab.table)


def _add(target: np.ndarray, buf: np.ndarray, buf0: int, cut: int, where: np.ndarray,
         vals: np.ndarray) -> None:
    """``target[where] += vals`` (``where`` sorted, distinct), the part below ``cut`` into
    ``buf`` (which holds the increments of ``target[buf0:buf0 + len(buf)]``).

    By ``np.add.at`` (the same sums, ``where`` being distinct): NumPy ≥ 2 runs it as one
    indexed loop without the GIL (the two threads of :func:`conduction_terms` overlap), where
    ``target[where] += vals`` gathers, adds and scatters through temporaries holding it."""
    k = int(np.searchsorted(where, cut))
    if k:
        np.add.at(buf, where[:k] - buf0, vals[:k])
    np.add.at(target, where[k:], vals[k:])


def conduction_terms(disc, k_fun: dict[str, Callable], T: np.ndarray, jacobian: bool,
                     add_to: np.ndarray | None = None
                     ) -> tuple[np.ndarray, sp.csr_matrix | None]:
    """Residual (n_dofs,) [W] and Jacobian (on ``disc.pattern``) [W/K] of ∫ k(T) ∇T·∇v over
    the regions of ``k_fun`` (region name → ``k(T) -> (k, dk/dT)`` [W/(m K)], [W/(m K²)]),
    or of ∫ (K(T)∇T)·∇v for a region given a :class:`ConductivityTensor`.

    ``add_to`` (nnz,), if given with ``jacobian``, receives the Jacobian data added to it (a
    caller summing several terms on the pattern saves a pattern-sized array), and the
    returned Jacobian is ``None``.

    The sums are in a fixed order for a given number of threads: two threads take the two
    halves of a region's batches, the second adding below the reach of the first into
    private buffers that are added afterwards.

    Raises
    ------
    ModelError
        When a conductivity is not finite or not positive (naming the region).
    """
    rule = disc.rule_kT
    tab = disc.cache.conduction_tables
    if tab is None:
        disc.cache.conduction_tables = tab = conduction_tables(rule)
    n = disc.n_dofs
    R = np.zeros(n)
    data = None
    if jacobian:
        indptr, indices = disc.pattern
        if add_to is not None and add_to.shape != indices.shape:
            raise ValueError(f"add_to: need shape {indices.shape}, got {add_to.shape}")
        data = np.zeros(indices.size) if add_to is None else add_to

    def batch_terms(b: Batch, fun, name: str):
        Te = T[disc.edofs[b.cells]]
        if isinstance(fun, ConductivityTensor) and b.metric is not None and not rule.radial:
            r, K = _affine_tensor_batch(tab, principal_metrics(disc, b, fun), Te, fun, name,
                                        jacobian)
        elif isinstance(fun, ConductivityTensor):  # per point (r–z: geometry() weighs by 2πr)
            r, K = _tensor_batch(rule, disc.points, disc.cells[b.cells], Te, fun, name,
                                 jacobian)
        elif b.metric is not None:
            W = _radial_w(rule, disc.points, disc.cells[b.cells]) if rule.radial else None
            r, K = _affine_batch(tab, b.metric, Te, fun, name, jacobian, W)
        else:
            r, K = _general_batch(rule, disc.points, disc.cells[b.cells], Te, fun, name,
                                  jacobian)
        rs = np.bincount(b.dinv, r.ravel(), minlength=b.udof.size)
        if K is None:
            return rs, None
        Kf = K.ravel()
        step = SCATTER_CELLS * K.shape[1]
        return rs, [(upos, np.bincount(inv, Kf[i * step:(i + 1) * step], minlength=upos.size))
                    for i, (upos, inv) in enumerate(b.scatter)]

    regions = disc.cache.conduction
    new = [name for name in k_fun if name not in regions]
    if new:  # one position lookup for all the regions built now (a pattern-sized array)
        lookup = _position_lookup(disc)
        for name in new:
            regions[name] = _region_batches(disc, name, lookup)
        del lookup
    for name, fun in k_fun.items():
        reg = regions[name]

        def work(part: slice, reg=reg, fun=fun, name=name):
            bs = reg.batches[part]
            if not bs:
                return None
            cut_d, cut_p = int(reg.dof_cut[part.start]), int(reg.pos_cut[part.start])
            d0 = min(int(b.udof[0]) for b in bs)
            p0 = min(b.pos_range[0] for b in bs)
            bufR = np.zeros(max(cut_d - d0, 0))
            bufJ = np.zeros(max(cut_p - p0, 0) if jacobian else 0)
            for b in bs:
                rs, ks = batch_terms(b, fun, name)
                _add(R, bufR, d0, cut_d, b.udof, rs)
                for upos, v in ks or ():
                    _add(data, bufJ, p0, cut_p, upos, v)
            return d0, bufR, p0, bufJ

        for res in over_halves(work, len(reg.batches), PARALLEL_BATCHES):
            if res is not None:
                d0, bufR, p0, bufJ = res
                R[d0:d0 + bufR.size] += bufR
                if bufJ.size:
                    data[p0:p0 + bufJ.size] += bufJ
        for b in reg.wide:
            rs, ks = batch_terms(b, fun, name)
            R[b.udof] += rs
            for upos, v in ks or ():
                data[upos] += v
    if not jacobian or add_to is not None:
        return R, None
    return R, sp.csr_matrix((data, indices, indptr), shape=(n, n))
