"""Linear solvers for the Newton corrections.

* ``direct``: SuperLU (``scipy.sparse.linalg.splu``) — small systems.
* ``amg``: pyamg smoothed aggregation (Vaněk, Mandel & Brezina, Computing 56 (1996) 179; here
  with Gershgorin-weighted Jacobi prolongation smoothing, V-cycles with one forward
  Gauss–Seidel sweep before and one backward sweep after the coarse correction)
  as a preconditioner of CG (symmetric Jacobian) or right-preconditioned GMRES when h'(T) or
  k'(T) make the Jacobian non-symmetric (both in :mod:`femtbr.fem.krylov`).  The hierarchy is
  cached and reused as a preconditioner across Newton steps (and sweep cases sharing a
  Discretization); it is rebuilt when the mean residual reduction per iteration degrades past
  the square root of the rate it achieved when built, or the solve stalls.

``auto`` picks ``direct`` below :data:`DIRECT_LIMIT` unknowns (per dimension) and ``amg`` above.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from femtbr.errors import ConvergenceError, InputError
from femtbr.fem import krylov
from femtbr.fem.krylov import amg_cycle

log = logging.getLogger(__name__)

#: Largest system solved directly by ``auto``, per spatial dimension.
DIRECT_LIMIT = {2: 100_000, 3: 8_000}

#: Keyword arguments of ``pyamg.smoothed_aggregation_solver``.  One forward Gauss–Seidel sweep
#: before and one backward sweep after the coarse correction keep the V-cycle a symmetric
#: preconditioner (CG) at half the cost of two symmetric sweeps; the constant candidate is not
#: "improved" by relaxation (it is the exact null space of the Neumann operator); a coarsest
#: level of up to 2000 unknowns is factored.  Measured on the 300k-DOF Q1 box of
#: ``benchmarks/bench_core.py``: Newton 8.5 s → 5.2 s, AMG set-up 1.5 s → 0.8 s.
AMG_OPTIONS: dict = dict(max_coarse=2000, coarse_solver="splu",
                         smooth=("jacobi", {"omega": 4.0 / 3.0, "weighting": "local"}),
                         improve_candidates=None,
                         presmoother=("gauss_seidel", {"sweep": "forward"}),
                         postsmoother=("gauss_seidel", {"sweep": "backward"}))


def _strength(A: sp.csr_matrix):
    """Strength of connection: with θ = 0 every stored non-zero is strong, so the matrix itself
    serves (no filtered copy) unless it stores explicit zeros (e.g. an h = 0 interface)."""
    if np.any(A.data == 0.0):
        return ("symmetric", {"theta": 0.0})
    return None


def choose(method: str, n: int, dim: int) -> str:
    """Resolve ``auto`` to ``direct`` or ``amg``."""
    if method not in ("auto", "direct", "amg"):
        raise InputError(
            f"options.linear_solver: must be 'auto', 'direct' or 'amg', got {method!r}")
    if method == "auto":
        return "direct" if n <= DIRECT_LIMIT[dim] else "amg"
    return method


def solve(A: sp.csr_matrix, b: np.ndarray, method: str, rtol: float, symmetric: bool,
          cache: dict) -> tuple[np.ndarray, dict]:
    """Solve ``A x = b``; returns x and ``{"method", "iterations", "residual"}`` (AMG also
    ``"setup"``, the hierarchy set-up time [s])."""
    nb = float(np.linalg.norm(b))
    if nb == 0.0:
        return np.zeros_like(b), {"method": method, "iterations": 0, "residual": 0.0}
    if method == "direct":
        lu = spla.splu(A.tocsc(), permc_spec="MMD_AT_PLUS_A" if symmetric else "COLAMD")
        x = lu.solve(b)
        return x, {"method": "direct", "iterations": 1,
                   "residual": float(np.linalg.norm(b - A @ x)) / nb}
    import pyamg

    ml = cache.get("amg")
    fresh = ml is None or ml[0] != A.shape
    t_setup = 0.0
    while True:
        if fresh:
            t0 = time.perf_counter()
            opts = {"strength": _strength(A), **AMG_OPTIONS}
            h = pyamg.smoothed_aggregation_solver(A, **opts)
            for lev in h.levels:  # 1×1-block BSR operators are several times slower than CSR
                for name in ("A", "P", "R"):
                    if isinstance(getattr(lev, name, None), sp.bsr_array | sp.bsr_matrix):
                        setattr(lev, name, getattr(lev, name).tocsr())
            ml = (A.shape, h, None)
            t_setup += time.perf_counter() - t0
        M = amg_cycle(ml[1], "V")
        if symmetric:
            x, its, _ = krylov.cg(A, b, M, rtol, maxiter=500)
        else:
            x, its, _ = krylov.gmres(A, b, M, rtol, maxiter=500, restart=25)
        r = float(np.linalg.norm(b - A @ x)) / nb
        ok = r <= 10 * rtol
        rate = r ** (1.0 / max(its, 1)) if r > 0 else 0.0  # mean reduction per iteration
        if ok and (fresh or rate <= max(ml[2], 0.1) ** 0.5):
            cache["amg"] = (ml[0], ml[1], rate if fresh else ml[2])
            return x, {"method": "amg-" + ("cg" if symmetric else "fgmres"), "iterations": its,
                       "residual": r, "setup": t_setup}
        if not fresh:
            log.info("AMG preconditioner degraded (%d iterations): rebuilding", its)
            fresh = True
            continue
        if r <= 1e3 * rtol:
            cache["amg"] = (ml[0], ml[1], rate)
            return x, {"method": "amg", "iterations": its, "residual": r, "setup": t_setup}
        raise ConvergenceError(f"linear solver (AMG-preconditioned Krylov) reached only relative "
                               f"residual {r:.3e} (wanted {rtol:.1e})")
