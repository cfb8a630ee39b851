"""What the linear solver does when an AMG-preconditioned Krylov solve stalls.

Thin or sliver-cell meshes (a flat Q2 box, a 0.1° wedge) can make the smoothed-aggregation
cycle stall.  Before giving up, :func:`fallback` tries

1. a direct SuperLU factorisation when its estimated memory (:func:`direct_memory`) fits in
   :data:`DIRECT_MEMORY_SHARE` of the available memory, else
2. a stronger cycle (:data:`STRONG_AMG_OPTIONS`),

logging each at WARNING.  Such systems are ill-conditioned: the relative residual of even a
direct solve can stay far above the Newton-driven tolerance while the solution is as good as
double precision allows, so a fallback is accepted at the tolerance *or* at a normwise backward
error of about 1000 ε (:func:`backward_error`).
"""

from __future__ import annotations

import logging
import os

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from femtbr.errors import ConvergenceError
from femtbr.fem.linalg import krylov, threads
from femtbr.fem.linalg.amg import SmoothedAggregation
from femtbr.fem.linalg.solver_state import Fallback, KeptHierarchy, LinearSolverState

log = logging.getLogger(__name__)

#: The stronger cycle of the stall fallback: strength threshold θ = 0.5 aggregates along the
#: strong couplings only — the through-thickness ones of flat, anisotropic cells, which a small
#: θ lumps together with the weak in-plane ones (Vaněk, Mandel & Brezina 1996, §3) — no
#: prolongator truncation, two Gauss–Seidel sweeps each way.
STRONG_AMG_OPTIONS: dict = dict(theta=0.5, max_coarse=2000, truncate=0.0, sweeps=2)
STRONG_MAXITER = 2000
#: Fill ratio constant of :func:`direct_memory` (nnz(L+U)/nnz(A) ≈ FILL_3D·n^{1/3}), set at
#: about twice the fill SuperLU reached on a thin Q2 test mesh, to err on the safe side.
FILL_3D = 0.6
#: Share of the available memory a fallback factorisation may take.
DIRECT_MEMORY_SHARE = 0.5
#: Backward error at which a fallback solution is as good as double precision allows (≈ 1000 ε).
ETA_MAX = 1e3 * float(np.finfo(float).eps)


def _available_memory() -> float:
    """Memory the system can still give this process [bytes] (``MemAvailable``; Linux), or
    the physical memory where that is not readable."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def direct_memory(A: sp.spmatrix) -> float:
    """Estimated memory of a SuperLU factorisation of ``A`` [bytes].

    Nested dissection puts the factor of a 3D mesh matrix (separators of n^{2/3} vertices) at
    O(n^{4/3}) entries (Lipton, Rose & Tarjan, SIAM J. Numer. Anal. 16 (1979) 346; the top
    separator alone is a dense n^{2/3} block), i.e. a fill ratio nnz(L+U)/nnz(A) growing like
    n^{1/3}: :data:`FILL_3D` n^{1/3}, at least 10.  12 bytes per entry (value + row index)
    and a factor 2 for SuperLU's work space.
    """
    n = A.shape[0]
    fill = max(10.0, FILL_3D * n ** (1.0 / 3.0))
    return 2.0 * 12.0 * fill * A.nnz


def backward_error(A: sp.csr_matrix, x: np.ndarray, b: np.ndarray) -> float:
    """Normwise backward error η = ‖b − Ax‖∞ / (‖A‖∞‖x‖∞ + ‖b‖∞) of ``x`` (Rigal & Gaches,
    J. ACM 14 (1967) 543; Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
    Thm 7.1): the smallest relative change of A and b that ``x`` solves exactly.  A
    backward-stable solve reaches η ≈ unit round-off even where the relative residual
    ‖b − Ax‖/‖b‖ cannot get below ε·cond(A) (ill-conditioned thin-cell systems)."""
    r = b - A @ x
    nA = float(abs(A).sum(axis=1).max())
    return float(np.abs(r).max()) / (nA * float(np.abs(x).max()) + float(np.abs(b).max()))


def _solved(A: sp.csr_matrix, x: np.ndarray, b: np.ndarray, r: float, rtol: float) -> bool:
    """A fallback solution is accepted at the tolerance or at the round-off floor."""
    return bool(np.all(np.isfinite(x))) and (r <= 10 * rtol or backward_error(A, x, b) <= ETA_MAX)


def direct(A: sp.csr_matrix, b: np.ndarray, symmetric: bool) -> tuple[np.ndarray, dict]:
    lu = spla.splu(A.tocsc(), permc_spec="MMD_AT_PLUS_A" if symmetric else "COLAMD")
    x = lu.solve(b)
    r = float(np.linalg.norm(b - A @ x)) / float(np.linalg.norm(b))
    return x, {"method": "direct", "iterations": 1, "residual": r}


def fallback(A: sp.csr_matrix, b: np.ndarray, rtol: float, symmetric: bool,
             cache: LinearSolverState,
              r_amg: float) -> tuple[np.ndarray, dict]:
    """The AMG solve stalled at ``r_amg``: a direct factorisation where it fits in memory,
    else a stronger AMG cycle (:data:`STRONG_AMG_OPTIONS`); each logged at WARNING."""
    need, avail = direct_memory(A), _available_memory()
    tried = []
    if need <= DIRECT_MEMORY_SHARE * avail:
        log.warning("AMG-preconditioned Krylov stalled at relative residual %.2e (wanted %.1e) "
                    "on %d unknowns: falling back to a direct solve (estimated %.2g GB of %.2g "
                    "GB available)", r_amg, rtol, A.shape[0], need / 1e9, avail / 1e9)
        try:
            x, info = direct(A, b, symmetric)
        except (MemoryError, RuntimeError) as exc:
            tried.append(f"direct solve failed ({exc})")
        else:
            if _solved(A, x, b, info["residual"], rtol):
                cache.fallback = Fallback("direct", A.shape)
                cache.amg = None
                return x, info
            tried.append(f"direct solve reached {info['residual']:.2e}")
    else:
        tried.append(f"direct solve needs ~{need / 1e9:.2g} GB of {avail / 1e9:.2g} GB")
    log.warning("AMG-preconditioned Krylov stalled at relative residual %.2e on %d unknowns; "
                "%s: retrying with a stronger cycle (%s)", r_amg, A.shape[0], tried[-1],
                STRONG_AMG_OPTIONS)
    h = SmoothedAggregation(A, **STRONG_AMG_OPTIONS)
    Aop = threads.ParallelCSR(A)
    if symmetric:
        x, its, _ = krylov.cg(Aop, b, h.cycle, rtol, maxiter=STRONG_MAXITER)
    else:
        x, its, _ = krylov.gmres(Aop, b, h.cycle, rtol, maxiter=STRONG_MAXITER, restart=60)
    r = float(np.linalg.norm(b - Aop @ x)) / float(np.linalg.norm(b))
    if _solved(A, x, b, r, rtol):
        cache.fallback = Fallback("strong", A.shape)
        cache.amg = KeptHierarchy(A.shape, h, r ** (1.0 / max(its, 1)))
        return x, {"method": "amg-strong", "iterations": its, "residual": r}
    tried.append(f"a stronger AMG cycle reached {r:.2e}")
    raise ConvergenceError(f"linear solver (AMG-preconditioned Krylov) reached only relative "
                           f"residual {r_amg:.3e} (wanted {rtol:.1e}); fallbacks: "
                           + "; ".join(tried))
