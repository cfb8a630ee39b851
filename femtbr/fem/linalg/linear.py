"""Linear solvers for the Newton corrections.

* ``direct``: SuperLU (``scipy.sparse.linalg.splu``) — small systems.
* ``amg``: smoothed aggregation (:mod:`femtbr.fem.linalg.amg`: Vaněk, Mandel & Brezina, Computing 56
  (1996) 179, Gershgorin-weighted Jacobi prolongation smoothing, V-cycles with one forward
  Gauss–Seidel sweep before and one backward sweep after the coarse correction, on the finest
  level block Gauss–Seidel over the lines of flat cells, :mod:`femtbr.fem.linalg.line_relaxation`)
  as a preconditioner of CG (symmetric Jacobian) or, when h'(T) or k'(T) make the Jacobian
  non-symmetric, of CG while that converges and else right-preconditioned GMRES
  (:func:`_nonsymmetric`; both in :mod:`femtbr.fem.linalg.krylov`).  The hierarchy is
  cached and reused as a preconditioner across Newton steps (and sweep cases sharing a
  Discretization); it is rebuilt when the mean residual reduction per iteration degrades past
  the square root of the rate it achieved when built, or the solve stalls.  When a solve over
  at least :data:`MIN_DECADES` decades reduces the residual by less than :data:`SLOW_RATE` per
  iteration, the cycle tries two Gauss–Seidel sweeps each way and keeps them if they pay
  (:func:`_tune_sweeps`).  On the CPU–heatsink mesh (thin layers, 53 µm sliver cells next to
  1 mm ones through the fins, 28 % positive off-diagonal couplings) a W-cycle did not help
  (the coarse correction is not what is missing) but a second sweep took the factor from 0.81
  to 0.71 per cycle and CG from 86 to 55 iterations, a third less time; on rotated
  anisotropic diffusion it does not pay; on the benchmark box (0.35–0.45) it is not tried.

``auto`` picks ``direct`` below :data:`DIRECT_LIMIT` unknowns (per dimension) and ``amg`` above.

A stalled AMG solve (thin or sliver-cell meshes, e.g. a flat Q2 box) falls back before giving
up (:mod:`femtbr.fem.linalg.linear_fallback`): to SuperLU when its estimated memory fits, else to a
stronger cycle; both are logged at WARNING.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from femtbr.errors import InputError
from femtbr.fem.linalg import krylov, threads
from femtbr.fem.linalg.amg import SmoothedAggregation
from femtbr.fem.linalg.linear_fallback import STRONG_AMG_OPTIONS, STRONG_MAXITER, direct, fallback
from femtbr.fem.linalg.solver_state import KeptHierarchy, LinearSolverState

log = logging.getLogger(__name__)
_clock = time.perf_counter  # of the Krylov solves (the sweep tuning compares their times)

#: Largest system solved directly by ``auto``, per spatial dimension.
DIRECT_LIMIT = {2: 100_000, 3: 8_000}

#: Mean residual reduction per iteration above which the AMG cycle tries a second sweep, and
#: the fraction of the one-sweep time per decade up to which the second sweep is kept.
SLOW_RATE, SWEEP_KEEP = 0.65, 1.0
#: Only solves over at least this many decades start or judge the trial (the first iterations
#: of a solve reduce the residual less, so short solves look slower per decade).
MIN_DECADES = 3.0
#: Memory of the GMRES basis (V and M·V, float64) the restart length is sized to [bytes].
GMRES_BASIS_BYTES = 256e6

#: Options of :class:`femtbr.fem.linalg.amg.SmoothedAggregation`.  θ = 0.02 keeps couplings weaker
#: than 2 % of √(a_ii a_jj) out of the aggregates — in practice the conductance couplings of
#: resistive interfaces and the weakest Q1 corner couplings — which, on the 4-layer box of
#: ``benchmarks/bench_core.py``, cut the Krylov iterations of a Newton solve from 85 to 36 (P1
#: tetrahedra) and 48 to 43 (Q1 hexahedra) at 1M DOFs; larger θ (0.05–0.25) made the coarse
#: operators denser and the set-up slower than the iterations it saved.
#: Prolongator truncation at 5 % of each row's largest entry: on the 234k-DOF box the coarse
#: operators went from 73 to 48 (P1) and 56 to 42 (Q1) entries per row, V-cycles 25-35 % and
#: set-ups 55-60 % faster, iterations 16 -> 17 (P1) and 22 -> 22 (Q1); 0.1-0.2 cost more
#: iterations than they saved.
#: The hierarchy is held in single precision (``dtype``): the V-cycle is a preconditioner, whose
#: own accuracy needs only a digit or two, while its Gauss–Seidel sweeps and products are
#: memory-bound, so float32 values move half the bytes of the matrix data per cycle (the Krylov
#: vectors, the operator of the Krylov method and the coarsest factorisation stay float64, and
#: the tolerance is checked on the float64 residual).  On the 1.07M-DOF CPU–heatsink Jacobian
#: the iteration count was unchanged and each cycle cheaper.
#: The finest level relaxes the algebraic lines of flat cells as blocks (``line_levels``,
#: :mod:`femtbr.fem.linalg.line_relaxation`): the error a point-smoothed cycle leaves on thin
#: layers of flat cells is constant through the thickness and oscillates in-plane, which only a
#: smoother that solves each through-thickness line at once removes (the measured gain is in
#: ``benchmarks/bench_main_job.py``).
AMG_OPTIONS: dict = dict(theta=0.02, max_coarse=2000, truncate=0.05, dtype=np.float32,
                         line_levels=1)

def choose(method: str, n: int, dim: int) -> str:
    """Resolve ``auto`` to ``direct`` or ``amg``."""
    if method not in ("auto", "direct", "amg"):
        raise InputError(
            f"options.linear_solver: must be 'auto', 'direct' or 'amg', got {method!r}")
    if method == "auto":
        return "direct" if n <= DIRECT_LIMIT[dim] else "amg"
    return method


def _tune_sweeps(h: SmoothedAggregation, rate: float, per_decade: float) -> None:
    """Try a second Gauss–Seidel sweep when the cycle is slow; keep it only if it pays.

    After a solve whose mean reduction per iteration is worse than :data:`SLOW_RATE` the next
    solves use two sweeps; the first of them decides: two sweeps stay when they took at most
    :data:`SWEEP_KEEP` of the time per decade of residual reduction that one sweep took, else
    the hierarchy goes back to one sweep for good.  (Measured on a whole CG solve to 1e-8: on
    the CPU–heatsink sweep mesh a second sweep cut the time by a third; on rotated anisotropic
    diffusion, ε = 10⁻³, it made it 40 % longer.)
    """
    state = h.sweep_trial
    if state is None and h.sweeps == 1 and rate > SLOW_RATE:
        h.sweep_trial = ("trial", per_decade)
        h.sweeps = 2
        log.info("AMG cycle reduces the residual by only %.2f per iteration: trying two "
                 "Gauss-Seidel sweeps", rate)
    elif state is not None and state[0] == "trial":
        keep = per_decade <= SWEEP_KEEP * state[1]
        h.sweeps = 2 if keep else 1
        h.sweep_trial = ("kept" if keep else "reverted", state[1])
        log.info("two Gauss-Seidel sweeps: %.3g s per decade vs %.3g s with one: %s",
                 per_decade, state[1], "kept" if keep else "back to one")


def _nonsymmetric(Aop, b: np.ndarray, M, rtol: float, h: SmoothedAggregation,
                  rate: float | None) -> tuple[np.ndarray, int, str, float]:
    """A non-symmetric Newton system: CG first while it works, else GMRES.

    Returns x, the iterations, the Krylov method's name and the true relative residual.

    The non-symmetric part of a Newton Jacobian is h'(T̄)(T_a − T_b)/2 at the interfaces (and
    k'(T)∇T in the bulk); often it is so small that CG — one inner product fewer and no basis
    to orthogonalise against — still converges.  CG gets a budget of twice the iterations the
    hierarchy's measured rate predicts (+ 10); the true residual decides.  If it falls short,
    GMRES goes on from CG's iterate and this hierarchy uses GMRES from then on; if it
    succeeds, CG stays.  (CPU–heatsink sweep Jacobian, asymmetry 2.5e-5 of its largest entry:
    CG and GMRES both take 51 iterations to 1e-8, CG in 35 % less time; on the benchmark box
    CG stalls and the fallback takes over.)
    """
    nb = float(np.linalg.norm(b))
    mode = h.nonsymmetric_mode
    x, its = np.zeros_like(b), 0
    if mode != "gmres":
        expect = np.log(rtol) / np.log(min(max(rate or 0.5, 0.05), 0.95))
        x, its, _ = krylov.cg(Aop, b, M, rtol, maxiter=int(2 * expect) + 10)
        if not np.all(np.isfinite(x)):
            x[:] = 0.0
        res = float(np.linalg.norm(b - Aop @ x)) / nb
        if res <= rtol:
            h.nonsymmetric_mode = "cg"
            return x, its, "cg", res
        h.nonsymmetric_mode = "gmres"
        log.info("CG on the non-symmetric Jacobian reached %.1e (wanted %.1e): GMRES", res, rtol)
    else:
        res = 1.0
    restart = int(np.clip(GMRES_BASIS_BYTES / (16 * b.size), 10, 60))
    dx, its2, _ = krylov.gmres(Aop, b - Aop @ x, M, min(1.0, rtol / res), maxiter=500,
                               restart=restart)
    x += dx
    res = float(np.linalg.norm(b - Aop @ x)) / nb
    return x, its + its2, "fgmres" if mode == "gmres" else "cg+fgmres", res


def solve(A: sp.csr_matrix, b: np.ndarray, method: str, rtol: float, symmetric: bool,
          cache: LinearSolverState) -> tuple[np.ndarray, dict]:
    """Solve ``A x = b``; returns x and ``{"method", "iterations", "residual"}`` (AMG also
    ``"setup"``, the hierarchy set-up time [s]).

    When the AMG-preconditioned solve stalls even with a fresh hierarchy,
    :func:`femtbr.fem.linalg.linear_fallback.fallback` tries a direct factorisation (if it fits in
    memory) or a stronger cycle, logging a WARNING, before raising; the fallback that worked
    is remembered in ``cache`` for the next solves of the same size.

    Raises
    ------
    ConvergenceError
        If neither the AMG solve nor a fallback reaches the tolerance.
    """
    nb = float(np.linalg.norm(b))
    if nb == 0.0:
        return np.zeros_like(b), {"method": method, "iterations": 0, "residual": 0.0}
    if method == "direct" or cache.uses("direct", A.shape):
        return direct(A, b, symmetric)
    strong = cache.uses("strong", A.shape)
    ml = cache.amg
    fresh = ml is None or ml.shape != A.shape
    t_setup = 0.0
    while True:
        if fresh:
            t0 = time.perf_counter()
            opts = STRONG_AMG_OPTIONS if strong else AMG_OPTIONS
            ml = KeptHierarchy(A.shape, SmoothedAggregation(A, **opts), None)
            t_setup += time.perf_counter() - t0
        M = ml.hierarchy.cycle
        Aop = threads.ParallelCSR(A)
        t_solve = _clock()
        maxiter = STRONG_MAXITER if strong else 500
        if symmetric:
            x, its, _ = krylov.cg(Aop, b, M, rtol, maxiter=maxiter)
            krylov_name = "cg"
            r = float(np.linalg.norm(b - Aop @ x)) / nb
        else:  # (its true residual computed there)
            x, its, krylov_name, r = _nonsymmetric(Aop, b, M, rtol, ml.hierarchy, ml.rate)
        t_solve = _clock() - t_solve
        ok = r <= 10 * rtol
        rate = r ** (1.0 / max(its, 1)) if r > 0 else 0.0  # mean reduction per iteration
        if ok and (fresh or rate <= max(ml.rate, 0.1) ** 0.5):
            if r > 0 and -np.log10(r) >= MIN_DECADES and not strong:  # fair per-decade times
                _tune_sweeps(ml.hierarchy, rate, t_solve / -np.log10(r))
            cache.amg = replace(ml, rate=rate if fresh else ml.rate)
            return x, {"method": "amg-" + krylov_name, "iterations": its,
                       "residual": r, "setup": t_setup}
        if not fresh:
            log.info("AMG preconditioner degraded (%d iterations): rebuilding", its)
            fresh = True
            continue
        if r <= 1e3 * rtol:
            cache.amg = replace(ml, rate=rate)
            return x, {"method": "amg", "iterations": its, "residual": r, "setup": t_setup}
        return fallback(A, b, rtol, symmetric, cache, r)
