"""The CSR smoothed-aggregation hierarchy (femtbr.fem.linalg.amg) and the threaded sparse products.

Checks: it builds the same prolongators as pyamg's smoothed aggregation with the same options
(the algorithm is the same; only the storage differs), its V-cycle is a symmetric positive
definite preconditioner, and — the point of multigrid — the CG iteration count does not grow
with the problem size.
"""

from __future__ import annotations

import numpy as np
import pyamg
import pytest
import scipy.sparse as sp

from femtbr.fem.linalg import threads
from femtbr.fem.linalg.amg import SmoothedAggregation
from femtbr.fem.linalg.krylov import cg
from femtbr.fem.linalg.solver_state import LinearSolverState


def _poisson(n, dim=2):
    return pyamg.gallery.poisson((n,) * dim, format="csr")


@pytest.mark.parametrize("theta", [0.0, 0.25])
def test_prolongators_equal_pyamg(theta):
    A = _poisson(30)
    ours = SmoothedAggregation(A, theta=theta, max_coarse=40)
    ref = pyamg.smoothed_aggregation_solver(
        A, strength=None if theta == 0 else ("symmetric", {"theta": theta}),
        smooth=("jacobi", {"omega": 4.0 / 3.0, "weighting": "local"}), improve_candidates=None,
        max_coarse=40, keep=True)
    # (at θ = 0.25 pyamg goes on to a 1×1 zero coarsest matrix; ours stops a level earlier)
    assert len(ours.levels) >= 2
    for mine, theirs in zip(ours.levels[:-1], ref.levels[:-1], strict=False):
        assert np.allclose(mine.P.toarray(), theirs.P.toarray(), rtol=0, atol=1e-13)
        assert np.allclose(mine.A.toarray(), theirs.A.toarray(), rtol=0, atol=1e-12)


def test_cycle_is_symmetric_positive_definite():
    A = _poisson(12, dim=3)
    M = SmoothedAggregation(A, max_coarse=30)
    n = A.shape[0]
    Z = np.column_stack([M.cycle(e) for e in np.eye(n)])
    assert np.allclose(Z, Z.T, rtol=0, atol=1e-12 * np.abs(Z).max())
    assert np.linalg.eigvalsh(0.5 * (Z + Z.T)).min() > 0


def test_iterations_independent_of_size():
    """Multigrid: CG iterations to 1e-8 stay bounded from 1.6k to 100k unknowns (3D: 25k)."""
    rng = np.random.default_rng(0)
    for dim, sizes in ((2, (40, 320)), (3, (12, 30))):
        its = []
        for n in sizes:
            A = _poisson(n, dim)
            b = rng.standard_normal(A.shape[0])
            h = SmoothedAggregation(A, max_coarse=100, theta=0.02, truncate=0.05)
            _, k, r = cg(A, b, h.cycle, 1e-8, 200)
            assert r <= 1e-8
            its.append(k)
        assert its[1] <= 1.5 * its[0] + 2, (dim, its)
        assert its[1] <= 25, (dim, its)


def test_truncation_keeps_the_interpolated_candidate():
    from femtbr.fem.linalg.amg import _coarsen

    A = _poisson(12, dim=3)
    B = np.random.default_rng(4).uniform(0.5, 2.0, A.shape[0])
    P0, Bc = _coarsen(A, B, 0.0, 0.0)
    P1, Bc1 = _coarsen(A, B, 0.0, 0.3)
    assert np.array_equal(Bc, Bc1)
    assert P1.nnz < P0.nnz
    assert np.allclose(P1 @ Bc, P0 @ Bc, rtol=1e-12, atol=0)  # the candidate is kept
    D0, D1 = P0.toarray(), P1.toarray()
    rmax = np.abs(D0).max(axis=1, keepdims=True)
    assert np.all((D1 != 0) == (np.abs(D0) >= 0.3 * rmax))  # exactly the small ones dropped


def test_float32_hierarchy_preconditions_float64_cg():
    A = _poisson(60)
    b = np.random.default_rng(1).standard_normal(A.shape[0])
    h32 = SmoothedAggregation(A, dtype=np.float32)
    assert h32.levels[0].A.dtype == np.float32 and h32.cycle(b).dtype == np.float64
    x, _, r = cg(A, b, h32.cycle, 1e-10, 200)
    assert r <= 1e-10 and np.linalg.norm(b - A @ x) <= 1e-10 * np.linalg.norm(b)


def test_default_float32_hierarchy_reaches_tight_tolerances():
    """The solver's own hierarchy is float32 (AMG_OPTIONS); CG must still reach the 1e-12 of
    the last Newton steps on the float64 residual, symmetric and (GMRES path) not."""
    from femtbr.fem.linalg import linear

    A = _poisson(40, dim=3)
    rng = np.random.default_rng(3)
    b = rng.standard_normal(A.shape[0])
    cache = LinearSolverState()
    x, info = linear.solve(A, b, "amg", 1e-12, True, cache)
    assert cache.amg.hierarchy.levels[0].A.dtype == np.float32 and info["method"] == "amg-cg"
    assert np.linalg.norm(b - A @ x) <= 1e-11 * np.linalg.norm(b)
    # a non-symmetric perturbation (a first-order term, as k'(T) grad T gives)
    C = A + 0.05 * sp.diags([np.ones(A.shape[0] - 1)], [1], format="csr")
    x, info = linear.solve(C.tocsr(), b, "amg", 1e-12, False, LinearSolverState())
    assert info["method"].startswith("amg-")  # not a fallback
    assert np.linalg.norm(b - C @ x) <= 1e-11 * np.linalg.norm(b)


def test_parallel_products_equal_serial(monkeypatch):
    monkeypatch.setattr(threads, "MIN_NNZ", 0)
    A = _poisson(50)
    x = np.random.default_rng(2).standard_normal(A.shape[0])
    for k in (1, 2, 3):
        P = threads.ParallelCSR(A, threads=k)
        assert len(P.blocks) == k
        assert np.array_equal(P @ x, A @ x)
        for blk in P.blocks:  # views of A's arrays, never copies (of the smaller blocks too)
            assert np.shares_memory(blk.data, A.data)
            assert np.shares_memory(blk.indices, A.indices)
        C = threads.matmul(A, A.T.tocsr(), threads=k)
        assert abs(C - (A @ A.T)).max() == 0
    B = sp.random(37, 11, density=0.3, format="csr", random_state=3)
    assert abs(threads.matmul(B, B.T.tocsr(), threads=4) - B @ B.T).max() == 0


def test_thread_count_from_environment(monkeypatch):
    monkeypatch.setenv("FEMTBR_THREADS", "1")
    assert threads.n_threads() == 1
    monkeypatch.setenv("FEMTBR_THREADS", "3")
    assert threads.n_threads() == 3
    for bad in ("zero", "0", "-2"):
        monkeypatch.setenv("FEMTBR_THREADS", bad)
        with pytest.warns(UserWarning, match="FEMTBR_THREADS"):
            assert threads.n_threads() == 1


def test_parallel_products_after_fork(monkeypatch):
    """A forked child (e.g. a fork-started pool worker) must not wait on the parent's threads."""
    import multiprocessing

    monkeypatch.setattr(threads, "MIN_NNZ", 0)
    A = _poisson(40)
    x = np.ones(A.shape[0])
    P = threads.ParallelCSR(A, threads=2)
    assert np.array_equal(P @ x, A @ x)  # the parent's pool now exists
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        got = pool.apply_async(_child_product, (A, x)).get(timeout=20)
    assert np.array_equal(got, A @ x)


def _child_product(A, x):
    threads.MIN_NNZ = 0
    return threads.ParallelCSR(A, threads=2) @ x


def test_second_sweep_kept_only_where_it_pays(monkeypatch):
    """linear.solve tries a second Gauss-Seidel sweep after a solve slower than SLOW_RATE per
    iteration and keeps it only if the time per decade drops below SWEEP_KEEP of one sweep's;
    never tried on the isotropic Laplacian."""
    from femtbr.fem.linalg import linear

    rng = np.random.default_rng(0)
    st = pyamg.gallery.diffusion_stencil_2d(epsilon=1.0, type="FE")
    A = pyamg.gallery.stencil_grid(st, (120, 120), format="csr")
    cache = LinearSolverState()
    for _ in range(2):
        linear.solve(A, rng.standard_normal(A.shape[0]), "amg", 1e-8, True, cache)
    assert cache.amg.hierarchy.sweeps == 1 and cache.amg.hierarchy.sweep_trial is None

    st = pyamg.gallery.diffusion_stencil_2d(epsilon=0.001, theta=np.pi / 6, type="FE")
    A = pyamg.gallery.stencil_grid(st, (120, 120), format="csr")
    for second_sweep_time, kept in ((0.5, True), (2.0, False)):
        clock = _FakeClock()
        monkeypatch.setattr(linear, "_clock", clock)

        def cycle(self, r, _f=second_sweep_time, _clock=clock,
                  _real=linear.SmoothedAggregation.cycle):  # a cycle "costs" 1 s, or _f s
            _clock.t += 1.0 if self.sweeps == 1 else _f
            return _real(self, r)

        monkeypatch.setattr(linear.SmoothedAggregation, "cycle", cycle)
        cache = LinearSolverState()
        b = rng.standard_normal(A.shape[0])
        x, info = linear.solve(A, b, "amg", 1e-8, True, cache)
        assert np.linalg.norm(b - A @ x) <= 1e-7 * np.linalg.norm(b)
        h = cache.amg.hierarchy
        assert h.sweeps == 2 and h.sweep_trial[0] == "trial"
        linear.solve(A, b, "amg", 1e-8, True, cache)
        assert h.sweep_trial[0] == ("kept" if kept else "reverted")
        assert h.sweeps == (2 if kept else 1)
        monkeypatch.undo()


class _FakeClock:
    """A perf_counter that advances only when told (cycles add their nominal cost)."""

    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_nonsymmetric_systems_cg_first_then_gmres():
    """Non-symmetric Newton systems: CG is kept while it reaches the tolerance (tiny skew
    part); a clearly non-symmetric system falls back to GMRES from CG's iterate, reaches the
    tolerance all the same, and the hierarchy then goes straight to GMRES."""
    from femtbr.fem.linalg import linear

    A0 = _poisson(60)
    n = A0.shape[0]
    rng = np.random.default_rng(5)
    skew = sp.diags(np.ones(n - 1), 1) - sp.diags(np.ones(n - 1), -1)
    for eps, mode in ((1e-6, "cg"), (0.8, "gmres")):
        A = (A0 + eps * skew).tocsr()
        cache = LinearSolverState()
        linear.solve(A0, rng.standard_normal(n), "amg", 1e-8, True, cache)  # the hierarchy
        for _ in range(2):
            b = rng.standard_normal(n)
            x, info = linear.solve(A, b, "amg", 1e-8, False, cache)
            assert np.linalg.norm(b - A @ x) <= 1e-7 * np.linalg.norm(b), (eps, info)
        assert cache.amg.hierarchy.nonsymmetric_mode == mode


def test_run_parallel_order_and_nesting():
    """Results come back in call order; a call made from a pool thread runs its own calls in
    turn instead of waiting on the pool (which could deadlock)."""
    assert threads.run_parallel([lambda i=i: i * i for i in range(5)]) == [0, 1, 4, 9, 16]
    inner = threads.run_parallel([lambda: 0, lambda: threads.run_parallel([lambda: 1,
                                                                           lambda: 2])])
    assert inner == [0, [1, 2]]
