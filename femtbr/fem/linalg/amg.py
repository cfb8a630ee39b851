"""Smoothed-aggregation algebraic multigrid, built and cycled in plain CSR.

The method is classical smoothed aggregation (Vaněk, Mandel & Brezina, Computing 56 (1996)
179–196) for a scalar operator with the constant as near-null-space candidate:

1. strength of connection: all stored couplings (θ = 0), or the symmetric measure
   |a_ij| ≥ θ √(|a_ii a_jj|) (Vaněk et al. 1996, eq. (3.4));
2. greedy "standard" aggregation of the strength graph (Vaněk et al. 1996, §3, the algorithm
   of pyamg's ``amg_core.standard_aggregation`` kernel, which is used here);
3. tentative prolongator T fitted to the candidate B on each aggregate (columns orthonormal,
   coarse candidate = the norms of B on the aggregates);
4. one damped-Jacobi smoothing step P = (I − ω D⁻¹ A) T with ω = 4/3 and the Gershgorin row
   weights D_i = Σ_j |a_ij| (pyamg's ``weighting="local"``, which needs no spectral radius
   estimate and so is deterministic), optionally truncated (small entries dropped, rows
   rescaled; :func:`_truncate`), which keeps the coarse operators sparse;
5. Galerkin coarse operator A_c = Pᵀ A P; the coarsest level (≤ ``max_coarse`` unknowns) is
   factorised (SuperLU).

The V-cycle does ``sweeps`` forward Gauss–Seidel sweeps before and as many backward sweeps
after the coarse correction, so it is a symmetric positive definite preconditioner for CG when
A is SPD.  On the first ``line_levels`` levels the sweeps are block Gauss–Seidel over the
algebraic lines of strongly coupled unknowns (:mod:`femtbr.fem.linalg.line_relaxation`: flat cells),
point-wise elsewhere; a level without such lines keeps point Gauss–Seidel.

Why not ``pyamg.smoothed_aggregation_solver`` itself: it keeps P and the coarse operators as
1×1-block BSR matrices, and SciPy's ``bsr_matrix.sum_duplicates`` (called for ``abs(A)`` in the
local Jacobi weighting) is a Python loop over the rows — 3.5 s per coarse level at 1M DOFs —
and BSR mat-vecs are several times slower than CSR ones.  The same algorithm in CSR, with
pyamg's compiled aggregation and Gauss–Seidel kernels, sets up 1M-DOF hierarchies several times
faster; the convergence factors are those of pyamg's hierarchy with the same options.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from femtbr.fem.linalg import threads
from femtbr.fem.linalg.line_relaxation import LineRelaxation, strong_lines

#: Jacobi damping of the prolongation smoother.  The usual choice is 4/3 divided by an estimate
#: of ρ(D⁻¹A) (pyamg's default; Vaněk, Brezina & Mandel, Numer. Math. 88 (2001) 559); with the
#: Gershgorin row weights D_i = Σ_j |a_ij|, each row's own bound on that spectral radius, the
#: 4/3 applies directly (pyamg's ``weighting="local"``).
OMEGA = 4.0 / 3.0


@dataclass
class Level:
    """One level: operator ``A`` (CSR) and, except on the coarsest, ``P`` and ``R = Pᵀ``."""

    A: sp.csr_matrix
    P: sp.csr_matrix | None = None
    R: sp.csr_matrix | None = None


def _strength(A: sp.csr_matrix, theta: float) -> sp.csr_matrix:
    """Strength-of-connection graph: A's pattern for θ = 0, else the symmetric measure."""
    if theta <= 0.0 and not np.any(A.data == 0.0):
        return A
    from pyamg import amg_core

    Sp = np.empty_like(A.indptr)
    Sj = np.empty_like(A.indices)
    Sx = np.empty_like(A.data)
    amg_core.symmetric_strength_of_connection(A.shape[0], max(theta, 0.0), A.indptr, A.indices,
                                              A.data, Sp, Sj, Sx)
    nnz = int(Sp[-1])
    S = sp.csr_matrix((Sx[:nnz], Sj[:nnz], Sp), shape=A.shape)
    if theta <= 0.0:  # drop the explicit zeros (e.g. of an h = 0 interface) from the graph
        S.eliminate_zeros()
    return S


def _row_abs_sums(A: sp.csr_matrix) -> np.ndarray:
    """Σ_j |a_ij| for every row (rows may be empty)."""
    absd = np.abs(A.data)
    out = np.zeros(A.shape[0], dtype=A.dtype)
    nonempty = np.diff(A.indptr) > 0
    out[nonempty] = np.add.reduceat(absd, A.indptr[:-1][nonempty])
    return out


def _coarsen(A: sp.csr_matrix, B: np.ndarray, theta: float, truncate: float = 0.0):
    """Aggregates, smoothed prolongator and coarse candidate of one level (None: cannot)."""
    from pyamg import amg_core

    n = A.shape[0]
    C = _strength(A, theta)
    agg = np.empty(n, dtype=C.indptr.dtype)
    cpts = np.empty(n, dtype=C.indptr.dtype)
    n_agg = int(amg_core.standard_aggregation(n, C.indptr, C.indices, agg, cpts))
    del C, cpts
    if n_agg == 0 or n_agg >= n:
        return None
    member = agg >= 0  # unaggregated (isolated) nodes get zero rows of T
    a = agg[member]
    norms = np.sqrt(np.bincount(a, B[member] ** 2, minlength=n_agg))
    if np.any(norms == 0.0):
        return None
    indptr = np.zeros(n + 1, dtype=A.indptr.dtype)
    np.cumsum(member, out=indptr[1:])
    T = sp.csr_matrix(((B[member] / norms[a]).astype(A.dtype), a.astype(A.indices.dtype),
                       indptr), shape=(n, n_agg))
    d = _row_abs_sums(A)
    w = np.zeros_like(d)
    np.divide(OMEGA, d, out=w, where=d != 0)
    AT = threads.matmul(A, T)
    AT = sp.csr_matrix((AT.data * np.repeat(w, np.diff(AT.indptr)), AT.indices, AT.indptr),
                       shape=AT.shape)
    P = (T - AT).tocsr()
    if truncate > 0:
        P = _truncate(P, norms, truncate)
    return P, norms


def _truncate(P: sp.csr_matrix, Bc: np.ndarray, tau: float) -> sp.csr_matrix:
    """Drop the entries of each row of P below ``tau`` times the row's largest magnitude and
    rescale the rest so that P B_c (the interpolated candidate) is unchanged.

    Truncation of interpolation as in classical AMG (K. Stüben, "An introduction to algebraic
    multigrid", Appendix A of Trottenberg, Oosterlee & Schüller, *Multigrid*, Academic Press
    2001: entries below ε_tr = 0.2 of the row maximum dropped, row sums kept); here the kept
    quantity is P B_c, which is the row sum when B_c = 1.
    """
    counts = np.diff(P.indptr)
    rows = np.repeat(np.arange(P.shape[0]), counts)
    absd = np.abs(P.data)
    rmax = np.zeros(P.shape[0], dtype=P.dtype)
    nonempty = counts > 0
    rmax[nonempty] = np.maximum.reduceat(absd, P.indptr[:-1][nonempty])
    keep = absd >= tau * rmax[rows]
    if keep.all():
        return P
    before = P @ Bc
    data = np.where(keep, P.data, 0.0)
    after = np.bincount(rows, data * Bc[P.indices], minlength=P.shape[0])
    scale = np.ones_like(before)
    np.divide(before, after, out=scale, where=after != 0)
    data *= scale[rows]
    indptr = np.zeros_like(P.indptr)
    np.cumsum(np.bincount(rows[keep], minlength=P.shape[0]), out=indptr[1:])
    return sp.csr_matrix((data[keep].astype(P.dtype), P.indices[keep], indptr), shape=P.shape)


class SmoothedAggregation:
    """A smoothed-aggregation hierarchy of a sparse SPD (or nearly symmetric) matrix.

    Parameters
    ----------
    A
        The fine-level matrix (CSR; converted otherwise).
    theta
        Strength-of-connection threshold θ (0: every stored coupling is strong).
    max_coarse
        Largest coarsest level, factorised directly.
    max_levels
        Most levels.
    dtype
        Floating type of the hierarchy (``np.float32`` halves its memory traffic; the cycle
        then takes and returns float64 vectors).
    sweeps
        Gauss–Seidel sweeps before and after the coarse correction (may be changed later).
    truncate
        Relative threshold below which prolongator entries are dropped (row by row, the rest
        rescaled to keep P B_c; see :func:`_truncate`); 0 keeps them all.
    line_levels
        Number of levels, from the finest, whose smoother relaxes the algebraic lines of
        strongly coupled unknowns as blocks (:mod:`femtbr.fem.linalg.line_relaxation`); 0: point
        Gauss–Seidel everywhere.
    """

    def __init__(self, A, theta: float = 0.0, max_coarse: int = 2000, max_levels: int = 25,
                 dtype=np.float64, sweeps: int = 1, truncate: float = 0.0, line_levels: int = 0):
        self.sweeps = int(sweeps)
        #: How the solver uses this hierarchy (kept with it, as it is reused across solves):
        #: the second-sweep trial, ``None`` or ``(state, one-sweep seconds per decade)``, and
        #: the Krylov method for non-symmetric systems, ``"try-cg"``, ``"cg"`` or ``"gmres"``
        #: (see :mod:`femtbr.fem.linalg.linear`).
        self.sweep_trial: tuple[str, float] | None = None
        self.nonsymmetric_mode = "try-cg"
        A = sp.csr_matrix(A, dtype=dtype)
        self.dtype = np.dtype(dtype)
        self.levels: list[Level] = [Level(A)]
        B = np.ones(A.shape[0], dtype=np.float64)
        while A.shape[0] > max_coarse and len(self.levels) < max_levels:
            out = _coarsen(A, B, theta, truncate)
            if out is None:
                break
            P, B = out
            R = P.T.tocsr()
            A = threads.matmul(R, threads.matmul(A, P))
            A.sort_indices()  # the greedy aggregation visits neighbours in stored order
            self.levels[-1].P, self.levels[-1].R = P, R
            self.levels.append(Level(A))
        self._lu = spla.splu(sp.csc_matrix(self.levels[-1].A, dtype=np.float64))
        #: Block smoother of each level (None: point Gauss–Seidel).
        self.lines: list[LineRelaxation | None] = [None] * len(self.levels)
        for lvl, lev in enumerate(self.levels[:-1][:line_levels]):
            if not lev.A.has_sorted_indices:  # the block kernels need sorted rows (a copy)
                lev.A = lev.A.sorted_indices()
            labels = strong_lines(lev.A)
            if labels.size and labels[-1] + 1 < lev.A.shape[0]:  # some rows share a block
                self.lines[lvl] = LineRelaxation(lev.A, labels)
        # the cycle's products, split over threads when large (Gauss–Seidel stays sequential)
        self._ops = [(threads.ParallelCSR(lev.A),
                      None if lev.P is None else threads.ParallelCSR(lev.P),
                      None if lev.R is None else threads.ParallelCSR(lev.R))
                     for lev in self.levels]
        self._upper: dict[int, threads.ParallelCSR] = {}

    def _strict_upper(self, lvl: int) -> threads.ParallelCSR:
        """The strict upper (block) triangle U of level ``lvl`` (built on first use).

        After one forward (block) Gauss–Seidel sweep from x = 0, (D + L) x = b, so the residual
        is b − A x = −U x: half the entries of a full mat-vec.  With line blocks, D is the block
        diagonal and U holds the couplings to blocks later in the sweep.
        """
        if lvl not in self._upper:
            A = self.levels[lvl].A
            rows = np.repeat(np.arange(A.shape[0], dtype=A.indices.dtype), np.diff(A.indptr))
            line = self.lines[lvl]
            # each row's place in the sweep (its block's, with line blocks)
            order = np.arange(A.shape[0], dtype=rows.dtype) if line is None else line.position
            keep = np.empty(A.nnz, dtype=bool)

            def mark(lo: int, hi: int) -> None:
                step = 1 << 22  # in pieces: no nnz-long temporaries of the gathered positions
                for s in range(lo, hi, step):
                    e = min(s + step, hi)
                    keep[s:e] = order[A.indices[s:e]] > order[rows[s:e]]

            parts = threads.reduction_parts(A.nnz, threads.MIN_NNZ)  # two halves in threads
            cuts = [A.nnz * i // parts for i in range(parts + 1)]
            threads.run_parallel([partial(mark, a, b) for a, b in zip(cuts[:-1], cuts[1:],
                                                                      strict=True)])
            indptr = np.zeros_like(A.indptr)
            np.cumsum(np.bincount(rows[keep], minlength=A.shape[0]), out=indptr[1:])
            del rows
            U = sp.csr_matrix((A.data[keep], A.indices[keep], indptr), shape=A.shape)
            self._upper[lvl] = threads.ParallelCSR(U)
        return self._upper[lvl]

    def operator_complexity(self) -> float:
        """Σ nnz(A_l) / nnz(A_0)."""
        return sum(lev.A.nnz for lev in self.levels) / self.levels[0].A.nnz

    def cycle(self, b: np.ndarray) -> np.ndarray:
        """One V-cycle from a zero initial guess: ``z ≈ A⁻¹ b`` (float64 in and out)."""
        z = self._vcycle(0, np.asarray(b, dtype=self.dtype))
        return z.astype(np.float64, copy=False)

    def _vcycle(self, lvl: int, b: np.ndarray) -> np.ndarray:
        from pyamg import amg_core

        if lvl == len(self.levels) - 1:
            return self._lu.solve(b.astype(np.float64)).astype(self.dtype, copy=False)
        A = self.levels[lvl].A
        Ap, P, R = self._ops[lvl]
        n = A.shape[0]
        x = np.zeros_like(b)
        line = self.lines[lvl]
        for _ in range(self.sweeps):
            if line is None:
                amg_core.gauss_seidel(A.indptr, A.indices, A.data, x, b, 0, n, 1)
            else:
                line.sweep(A, x, b, forward=True)
        if self.sweeps == 1:
            r = self._strict_upper(lvl) @ x
            np.negative(r, out=r)
        else:
            r = b - Ap @ x
        x += P @ self._vcycle(lvl + 1, R @ r)
        for _ in range(self.sweeps):
            if line is None:
                amg_core.gauss_seidel(A.indptr, A.indices, A.data, x, b, n - 1, -1, -1)
            else:
                line.sweep(A, x, b, forward=False)
        return x
