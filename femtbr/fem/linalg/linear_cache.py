"""Linear solves with factorisations / preconditioners kept while the matrix does not change.

A time integrator of a *linear* problem with a constant step solves with the same matrix every
step: :class:`LinearSolveCache` factors it once (SuperLU) and reuses the factors for every
right-hand side that comes with the same ``key`` (the last few keyed
factorisations are kept, so a start-up step or a step cut at a pulse edge does not evict the
main one).  For nonlinear problems
the caller passes ``key=None`` and every matrix is factored afresh.  Large systems go to the
FE core's AMG solver (:func:`femtbr.fem.linalg.linear.solve`), whose smoothed-aggregation hierarchy
is kept as a preconditioner across steps (the step matrix (a₀/Δt)M + θJ changes only through
Δt and T) and rebuilt when the Krylov iteration count degrades.
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
from femtbr.fem.linalg.solver_state import LinearSolverState

log = logging.getLogger(__name__)


class LinearSolveCache:
    """Solve ``A x = b`` reusing factorisations keyed by the caller.

    Parameters
    ----------
    method
        ``"auto"``, ``"direct"`` or ``"amg"``.
    rtol
        Relative residual tolerance of the Krylov solver (AMG only).
    keep
        Number of keyed factorisations kept (least recently used dropped first).
    """

    def __init__(self, method: str = "auto", rtol: float = 1e-12, keep: int = 4):
        if method not in ("auto", "direct", "amg"):
            raise InputError(f"linear_solver: expected 'auto', 'direct' or 'amg', got {method!r}")
        self.method = method
        self.rtol = rtol
        self.keep = keep
        self.n_factorizations = 0
        self.n_solves = 0
        self._factors: OrderedDict[Hashable, Any] = OrderedDict()
        self._amg_state = LinearSolverState()
        self._last_amg: Any = None

    def has(self, key: Hashable | None) -> bool:
        """Whether a factorisation for ``key`` is kept."""
        return key is not None and key in self._factors

    def forget(self, key: Hashable | None) -> None:
        """Drop the factorisation kept for ``key`` (if any)."""
        self._factors.pop(key, None)

    def direct(self, n: int, dim: int) -> bool:
        """Whether ``n`` unknowns in ``dim`` dimensions are solved by SuperLU (else AMG)."""
        from femtbr.fem.linalg import linear

        return linear.choose(self.method, n, dim) == "direct"

    def solve(
        self,
        A: sp.spmatrix | None,
        b: np.ndarray,
        key: Hashable | None = None,
        symmetric: bool = True,
        dim: int = 3,
        rtol: float | None = None,
    ) -> np.ndarray:
        """Solve with ``A``; a non-None ``key`` seen before reuses that key's factorisation.

        ``symmetric`` selects CG or flexible GMRES for AMG (and the fill-reducing ordering of
        SuperLU); ``dim`` feeds ``"auto"``.  ``A=None`` solves with the factorisation kept for
        ``key`` (which must exist).  ``rtol`` overrides the Krylov tolerance for this solve
        (inexact Newton).

        Raises
        ------
        ConvergenceError
            If the matrix is singular or the Krylov solver does not converge.
        """
        self.n_solves += 1
        if A is None:
            return self._factors[key].solve(b)
        if self.direct(A.shape[0], dim):
            solver = self._factors.get(key) if key is not None else None
            if solver is None:
                try:
                    perm = "MMD_AT_PLUS_A" if symmetric else "COLAMD"
                    solver = spla.splu(sp.csc_matrix(A), permc_spec=perm)
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
        from femtbr.fem.linalg import linear

        had = self._amg_state.amg is not None
        tol = self.rtol if rtol is None else rtol
        x, _ = linear.solve(sp.csr_matrix(A), b, "amg", tol, symmetric, self._amg_state)
        cur = self._amg_state.amg
        hierarchy = cur.hierarchy if cur is not None else None
        if not had or hierarchy is not self._last_amg:
            self.n_factorizations += 1  # a new smoothed-aggregation hierarchy was built
            self._last_amg = hierarchy
        return x
