"""Linear solves with factorisations / preconditioners kept while the matrix does not change.

A time integrator of a *linear* problem with a constant step solves with the same matrix every
step: :class:`LinearSolveCache` factors it once (SuperLU) or builds one pyamg hierarchy and
reuses it for every right-hand side that comes with the same ``key`` (the last few keyed
factorisations are kept, so a start-up step or a step cut at a pulse edge does not evict the
main one).  For nonlinear problems
the caller passes ``key=None`` and every matrix is factored afresh (direct) or, with AMG, the
hierarchy built for the first matrix of the run is reused as a preconditioner for later ones
(it stays a good preconditioner while the coefficients vary smoothly) and rebuilt when the
Krylov iteration count doubles.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from femtbr.errors import ConvergenceError, InputError

log = logging.getLogger(__name__)

#: Above this many unknowns ``"auto"`` switches from SuperLU to AMG-preconditioned Krylov.
AUTO_DIRECT_LIMIT = 150_000


class LinearSolveCache:
    """Solve ``A x = b`` reusing factorisations keyed by the caller.

    Parameters
    ----------
    method
        ``"auto"``, ``"direct"`` or ``"amg"``.
    rtol
        Relative residual tolerance of the Krylov solver (AMG only).
    symmetric
        Use CG (True) or GMRES (False) with AMG.
    keep
        Number of keyed factorisations kept (least recently used dropped first).
    """

    def __init__(
        self, method: str = "auto", rtol: float = 1e-12, symmetric: bool = True, keep: int = 4
    ):
        if method not in ("auto", "direct", "amg"):
            raise InputError(f"linear_solver: expected 'auto', 'direct' or 'amg', got {method!r}")
        self.method = method
        self.rtol = rtol
        self.symmetric = symmetric
        self.keep = keep
        self.n_factorizations = 0
        self.n_solves = 0
        self._key: Hashable | None = None
        self._factors: OrderedDict[Hashable, Any] = OrderedDict()
        self._amg: Any = None
        self._amg_iters: int | None = None

    def _use_direct(self, n: int) -> bool:
        return self.method == "direct" or (self.method == "auto" and n <= AUTO_DIRECT_LIMIT)

    def solve(self, A: sp.spmatrix, b: np.ndarray, key: Hashable | None = None) -> np.ndarray:
        """Solve with ``A``; if ``key`` equals the previous call's non-None key, reuse its work.

        Raises
        ------
        ConvergenceError
            If the matrix is singular or the Krylov solver does not converge.
        """
        self.n_solves += 1
        reuse = key is not None and key == self._key
        if self._use_direct(A.shape[0]):
            solver = self._factors.get(key) if key is not None else None
            if solver is None:
                try:
                    solver = spla.splu(sp.csc_matrix(A))
                except RuntimeError as exc:
                    raise ConvergenceError(f"linear solve failed: {exc}") from exc
                self.n_factorizations += 1
                if key is not None:
                    self._factors[key] = solver
                    while len(self._factors) > self.keep:
                        self._factors.popitem(last=False)
            else:
                self._factors.move_to_end(key)
            x = solver.solve(b)
            if not np.all(np.isfinite(x)):
                raise ConvergenceError("linear solve produced non-finite values (singular matrix?)")
            return x
        return self._solve_amg(sp.csr_matrix(A), b, key, reuse)

    def _solve_amg(self, A: sp.csr_matrix, b: np.ndarray, key: Hashable | None, reuse: bool):
        import pyamg

        if self._amg is None or (key is not None and not reuse):
            self._amg = pyamg.smoothed_aggregation_solver(A, symmetry="symmetric")
            self._amg_iters = None
            self.n_factorizations += 1
            self._key = key
        M = self._amg.aspreconditioner(cycle="V")
        count = [0]

        def cb(_: Any) -> None:
            count[0] += 1

        krylov = spla.cg if self.symmetric else spla.gmres
        x, info = krylov(A, b, rtol=self.rtol, atol=0.0, M=M, maxiter=500, callback=cb)
        if info != 0:
            raise ConvergenceError(
                f"AMG-preconditioned Krylov solve did not converge (info={info})"
            )
        if self._amg_iters is None:
            self._amg_iters = count[0]
        elif key is None and count[0] > 2 * max(self._amg_iters, 5):
            log.debug("AMG iterations grew to %d: hierarchy will be rebuilt", count[0])
            self._amg = None
        return x
