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

Each batch's entries are added to the Jacobian data at positions in the common sparsity pattern
found once per mesh; the positions of a batch span a short window of the pattern when the
cells and DOFs are numbered coherently (as the builders number them), so a ``bincount`` over
the window sums them.  A mesh numbered without locality falls back to a COO→CSR sum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from femtbr.errors import ModelError
from femtbr.fem.kernels import (
    CellRule,
    affine_map,
    affine_stiffness_tables,
    chunks,
    geometry,
    over_halves,
    stiffness_chunk,
)
from femtbr.fem.sparse import csr_positions

#: A batch's pattern window may be at most this many times its number of entries (else the
#: region is summed by COO→CSR: a window that wide would make the sum O(nnz) per batch).
WINDOW_FACTOR = 8


def _check_k(name: str, k: np.ndarray, dk: np.ndarray) -> None:
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
                            np.ascontiguousarray(D), np.ascontiguousarray(table))


@dataclass
class Batch:
    """One batch of a region's cells with its cached geometry and scatter data.

    ``cells`` (c,) cell indices; ``metric`` (m, c) upper triangle of |det J| J⁻¹J⁻ᵀ [m] for
    affine batches, ``None`` for a batch of non-affine cells; ``pos`` (c·nb²,) int32 positions
    of the element entries relative to ``pos0`` in the pattern (``None`` when summed by
    COO→CSR); ``dof0``/``n_dof`` the window of DOFs the batch touches.
    """

    cells: np.ndarray
    metric: np.ndarray | None
    pos: np.ndarray | None
    pos0: int
    n_pos: int
    dof0: int
    n_dof: int


@dataclass
class RegionConduction:
    """Cached per-region data for :func:`conduction_terms` (built once per mesh and rule)."""

    batches: list[Batch]
    windowed: bool
    dof_cut: np.ndarray  # (n_batches,) largest DOF window end of the batches before each
    pos_cut: np.ndarray  # (n_batches,) the same for the pattern windows


def _region_batches(disc, name: str, rule: CellRule) -> RegionConduction:
    key = ("conduction", name, id(rule))
    hit = disc.cache.get(key)
    if hit is not None:
        return hit
    cells = disc.region_cells[name]
    aff = affine_stiffness_tables(disc.tab, rule)
    # order the cells by their lowest DOF: batches then touch short ranges of DOFs and rows
    cells = cells[np.argsort(disc.edofs[cells].min(axis=1), kind="stable")]
    groups: list[tuple[np.ndarray, np.ndarray | None]] = []
    for s in chunks(cells.size):
        c = cells[s]
        J, bad = affine_map(disc.points, disc.cells[c], disc.tab, aff)
        if bad.all():
            groups.append((c, None))
            continue
        M = _metric(J)
        if bad.any():
            groups.append((c[~bad], np.ascontiguousarray(M[:, ~bad])))
            groups.append((c[bad], None))
        else:
            groups.append((c, M))
    indptr, indices = disc.pattern
    nb = disc.tab.nb
    batches = []
    entries = window = 0
    for c, M in groups:
        ed = disc.edofs[c]
        r = np.repeat(ed, nb, axis=1).ravel()
        col = np.tile(ed, (1, nb)).ravel()
        pos = csr_positions(indptr, indices, r, col)
        p0, p1 = int(pos.min()), int(pos.max()) + 1
        d0, d1 = int(ed.min()), int(ed.max()) + 1
        entries += pos.size
        window += p1 - p0
        batches.append(Batch(c, M, (pos - p0).astype(np.int32), p0, p1 - p0, d0, d1 - d0))
    windowed = window <= WINDOW_FACTOR * max(entries, 1)
    if not windowed:
        for b in batches:
            b.pos = None
    ends_d = np.array([b.dof0 + b.n_dof for b in batches], dtype=np.int64)
    ends_p = np.array([b.pos0 + b.n_pos for b in batches], dtype=np.int64)
    dof_cut = np.r_[0, np.maximum.accumulate(ends_d)[:-1]] if batches else ends_d
    pos_cut = np.r_[0, np.maximum.accumulate(ends_p)[:-1]] if batches else ends_p
    disc.cache[key] = hit = RegionConduction(batches, windowed, dof_cut, pos_cut)
    return hit


def _metric(J: list[list[np.ndarray]]) -> np.ndarray:
    """Upper triangle of |det J| J⁻¹J⁻ᵀ, ``(d(d+1)/2, c)``, from components ``J[a][b]`` (c,)."""
    from femtbr.fem.kernels import _metric_upper

    return _metric_upper(J)[0]


def _affine_batch(tab: ConductionTables, M: np.ndarray, Te: np.ndarray, fun, name: str,
                  jacobian: bool):
    """Residual ``(c, nb)`` and element matrices ``(c, nb²)`` of affine cells (module doc)."""
    c, nb = Te.shape
    nq = tab.W.size
    m = M.shape[0]
    d = tab.D.shape[1] // nq
    Tq = Te @ tab.phiT  # (c, nq)
    g = (Te @ tab.D).reshape(c, nq, d)  # reference gradient of T
    k, dk = fun(Tq)
    k = np.broadcast_to(np.asarray(k, float), Tq.shape)
    dk = np.broadcast_to(np.asarray(dk, float), Tq.shape)
    _check_k(name, k, dk)
    Mg = np.empty_like(g)  # M ∇̂T
    ia, ib = np.triu_indices(d)
    full = np.empty((d, d), dtype=np.int64)
    full[ia, ib] = np.arange(m)
    full[ib, ia] = np.arange(m)
    for a in range(d):
        np.multiply(g[:, :, 0], M[full[a, 0], :, None], out=Mg[:, :, a])
        for b in range(1, d):
            Mg[:, :, a] += g[:, :, b] * M[full[a, b], :, None]
    wk = k * tab.W
    flux = Mg * wk[:, :, None]
    r = flux.reshape(c, nq * d) @ tab.D.T
    if not jacobian:
        return r, None
    C = np.empty((c, nq * m + nq * d))
    np.multiply(wk[:, :, None], M.T[:, None, :], out=C[:, :nq * m].reshape(c, nq, m))
    np.multiply(Mg, (dk * tab.W)[:, :, None], out=C[:, nq * m:].reshape(c, nq, d))
    return r, C @ tab.table


def _general_batch(rule: CellRule, points, cells, Te, fun, name: str, jacobian: bool):
    """:func:`_affine_batch` by the per-point geometry (cells with a non-affine map)."""
    det, G = geometry(points, cells, rule)
    Tq = Te @ rule.phi.T
    gT = np.einsum("cqia,ci->cqa", G, Te)
    k, dk = fun(Tq)
    k = np.broadcast_to(np.asarray(k, float), Tq.shape)
    dk = np.broadcast_to(np.asarray(dk, float), Tq.shape)
    _check_k(name, k, dk)
    w = det * rule.W
    r = np.einsum("cq,cqia,cqa->ci", w * k, G, gT)
    if not jacobian:
        return r, None
    K = stiffness_chunk(G, w * k)
    K += np.einsum("cq,cqia,cqa,qj->cij", w * dk, G, gT, rule.phi)
    return r, K.reshape(K.shape[0], -1)


def _add(target: np.ndarray, buf: np.ndarray, buf0: int, cut: int, start: int,
         vals: np.ndarray) -> None:
    """``target[start:start + len(vals)] += vals``, the part below ``cut`` into ``buf``
    (which holds ``target[buf0:buf0 + len(buf)]``'s increments)."""
    k = min(max(cut - start, 0), vals.size)
    if k:
        buf[start - buf0:start - buf0 + k] += vals[:k]
    target[start + k:start + vals.size] += vals[k:]


def conduction_terms(disc, k_fun: dict[str, Callable], T: np.ndarray, jacobian: bool
                     ) -> tuple[np.ndarray, sp.csr_matrix | None]:
    """Residual (n_dofs,) [W] and Jacobian (on ``disc.pattern``) [W/K] of ∫ k(T) ∇T·∇v over
    the regions of ``k_fun`` (region name → ``k(T) -> (k, dk/dT)`` [W/(m K)], [W/(m K²)]).

    Raises
    ------
    ModelError
        When a conductivity is not finite or not positive (naming the region).
    """
    rule = disc.rule_kT
    tkey = ("conduction_tables", id(rule))
    tab = disc.cache.get(tkey)
    if tab is None:
        disc.cache[tkey] = tab = conduction_tables(rule)
    n = disc.n_dofs
    R = np.zeros(n)
    data = None
    if jacobian:
        indptr, indices = disc.pattern
        data = np.zeros(indices.size)
    fallback: list[tuple[np.ndarray, np.ndarray]] = []

    for name, fun in k_fun.items():
        reg = _region_batches(disc, name, rule)

        def work(part: slice, reg=reg, fun=fun, name=name):
            # a part adds directly above the windows of the batches before it (which another
            # thread may be adding to) and into private buffers below: no locks, and the sums
            # are in a fixed order
            bs = reg.batches[part]
            if not bs:
                return None
            cut_d, cut_p = int(reg.dof_cut[part.start]), int(reg.pos_cut[part.start])
            d0 = min(b.dof0 for b in bs)
            bufR = np.zeros(max(cut_d - d0, 0))
            p0 = min(b.pos0 for b in bs)
            bufJ = np.zeros(max(cut_p - p0, 0) if jacobian and reg.windowed else 0)
            mats = []
            for b in bs:
                Te = T[disc.edofs[b.cells]]
                if b.metric is not None:
                    r, K = _affine_batch(tab, b.metric, Te, fun, name, jacobian)
                else:
                    r, K = _general_batch(rule, disc.points, disc.cells[b.cells], Te, fun,
                                          name, jacobian)
                _add(R, bufR, d0, cut_d, b.dof0, np.bincount(
                    (disc.edofs[b.cells] - b.dof0).ravel(), r.ravel(), minlength=b.n_dof))
                if K is None:
                    continue
                if b.pos is not None:
                    _add(data, bufJ, p0, cut_p, b.pos0,
                         np.bincount(b.pos, K.ravel(), minlength=b.n_pos))
                else:
                    mats.append((b.cells, K))
            return d0, bufR, p0, bufJ, mats

        for res in over_halves(work, len(reg.batches), 16):
            if res is None:
                continue
            d0, bufR, p0, bufJ, mats = res
            R[d0:d0 + bufR.size] += bufR
            if bufJ.size:
                data[p0:p0 + bufJ.size] += bufJ
            fallback += mats
    J = None
    if jacobian:
        if fallback:  # on the same (whole) pattern: explicit zeros kept
            nb = disc.tab.nb
            data += disc.assemble_cells((c, K.reshape(-1, nb, nb)) for c, K in fallback).data
        J = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    return R, J
