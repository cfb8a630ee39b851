"""Newton's method with exact Jacobian and backtracking line search.

Convergence: ‖R_free(T_k)‖₂ ≤ rtol · ‖R_free(T_0)‖₂, or ‖R_free‖ at the round-off level of its
terms (32 ε ‖ |J||T| + |F| ‖), which a converged solution cannot beat, reached by a step that
reduced ‖R‖, to below ‖R(T_0)‖ (the floor grows with |T|: a diverging iterate must not meet
it).  Before the first step :func:`~femtbr.fem.assembly.connectivity.check_heat_paths` rejects a
singular problem (a part with no heat path), and a linear solve that fails or returns NaN
raises :class:`ConvergenceError`.
Line search: Armijo
backtracking on ‖R‖ (Dennis & Schnabel, *Numerical Methods for Unconstrained Optimization*
(1996), §6.3), made non-monotone with a summable allowance η_k = 4·2⁻ᵏ as in the derivative-free
line search of Li & Fukushima, Optim. Methods Softw. 13 (2000) 181, eq. (2.5): accept α when
‖R(T + αΔT)‖ ≤ (1 + η_k − 10⁻⁴α)‖R(T)‖.  The allowance lets the first full step leave a cold
initial guess even when the residual moves from the sources to the interfaces.
Iterative linear solves use the Eisenstat–Walker forcing term, choice 2
(SIAM J. Sci. Comput. 17 (1996) 16), η_k = 0.9 (r_k/r_{k-1})², bounded by [η_min, 1e-2] and
never tighter than needed to reach the Newton tolerance; η₀ = 0.3 for a nonlinear problem
(Eisenstat & Walker used η₀ = 0.5: the first step from a uniform guess only needs the
direction, its nonlinear residual is O(1) anyway), and a linear one is solved in one step.

The Jacobian is not assembled at a step expected to converge (it is then not needed, unless the
caller asks for it, e.g. an adjoint).  After an inexact step the residual is the linear solve's
true residual ‖J ΔT + R‖ plus the remainder of the linearisation, O(‖ΔT‖²) (Dennis & Schnabel
(1996), Lemma 4.1.12); near the solution Newton converges q-quadratically (ibid., Thm 5.2.1),
inexact Newton with η_k → 0 q-superlinearly (Dembo, Eisenstat & Steihaug, SIAM J. Numer.
Anal. 19 (1982) 400, §3), so the remainder is forecast no larger than at the last step's rate:
r_{k+1} ≈ ‖J ΔT + R‖ + r_k (r_k / r_{k-1}).  When that is ≤ rtol · r₀ only the residual is
evaluated.  The forecast only chooses the work, never the result: a step it gets wrong is
followed by the full evaluation at the same T (one residual evaluation more).
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp

from femtbr.errors import ConvergenceError
from femtbr.fem.assembly.assemble import System
from femtbr.fem.assembly.connectivity import check_heat_paths
from femtbr.fem.linalg import linear, threads

log = logging.getLogger(__name__)
EPS = np.finfo(float).eps
#: Forcing term of the first inexact Newton step of a nonlinear problem, and the upper bound.
ETA_FIRST, ETA_MAX = 0.3, 1e-2


def initial_guess(system: System) -> float:
    """Options' T_initial, else the mean prescribed / ambient temperature [K]."""
    opt = system.problem.options
    if opt.T_initial is not None:
        return float(opt.T_initial)
    if system.dir_vals.size:
        return float(np.mean(system.dir_vals))
    amb = [b[3] for b in system.robin] + [b[3] for b in system.rad]
    return float(np.mean(amb))


def _abs_matvec(J: sp.csr_matrix, x: np.ndarray, rows: int = 1 << 17) -> np.ndarray:
    """``|J| x``, a block of rows at a time (no full-size copy of |J|'s data: at 1M DOFs that
    would be 120-220 MB more peak memory)."""
    n = J.shape[0]
    out = np.empty(n)
    for r0 in range(0, n, rows):
        blk = threads.row_block(J, r0, min(n, r0 + rows))
        blk.data = np.abs(blk.data)  # a new array: J's own data stay as they are
        out[r0:r0 + blk.shape[0]] = blk @ x
    return out


def newton(system: System, progress=None, jacobian: bool = False) -> dict:
    """Solve ``R(T) = 0``.  Returns ``T``, ``R`` (the residual at ``T`` [W], from which the
    caller's energy balance is computed), ``history``, ``iterations`` and statistics, and with
    ``jacobian`` the Jacobian data at ``T`` on ``system.disc.pattern`` (``"jacobian"``; else
    ``None`` when the last step was expected to converge and none was assembled).

    Raises
    ------
    ConvergenceError
        With the relative residual history, when not converged in ``max_iterations`` or when
        the line search cannot decrease the residual.
    """
    opt = system.problem.options
    disc = system.disc
    free, keep, ip, ix = system.reduced()
    all_free = free.size == disc.n_dofs  # no Dirichlet DOFs: the Jacobian data serves as is
    method = linear.choose(opt.linear_solver, free.size, disc.points.shape[1])
    T = np.full(disc.n_dofs, initial_guess(system))
    T[system.dir_dofs] = system.dir_vals
    t_lin = 0.0
    t_asm = time.perf_counter()
    R, data = system.evaluate(T)  # (bad k(T) or h(T) values raise here, naming the region)
    t_asm = time.perf_counter() - t_asm
    check_heat_paths(system, T)  # a part with no heat path is singular: name it, do not solve
    r0 = float(np.linalg.norm(R[free]))
    history = [1.0]
    lin_its = []
    eta_prev, r_prev = None, None
    roundoff_W = 0.0  # round-off level of the nodal heats at the initial guess [W]
    indptr, indices = disc.pattern
    spare: list[np.ndarray] = []  # Jacobian data buffers free for reuse

    def take() -> np.ndarray | None:
        return spare.pop() if spare else None

    def give(buf: np.ndarray | None) -> None:
        """Return a Jacobian buffer unless the cached AMG hierarchy keeps it as its matrix."""
        if buf is None or buf is data:
            return
        ml = disc.cache.solver.amg
        if ml is not None and np.may_share_memory(ml.hierarchy.levels[0].A.data, buf):
            return
        spare.append(buf)
    for it in range(opt.max_iterations + 1):
        r = float(np.linalg.norm(R[free]))
        rel = r / r0 if r0 > 0 else 0.0
        if it > 0:
            history.append(rel)
        if progress is not None:
            progress("newton", {"iteration": it, "residual": rel})
        log.debug("newton %d: relative residual %.3e", it, rel)
        if not np.isfinite(r):
            raise ConvergenceError("residual became NaN/inf", history)
        floor = 0.0
        stalled = len(history) > 2 and history[-1] > 0.5 * history[-2]  # (H5a: floor on stalls)
        if data is None:  # skipped at a converged step (below): rel <= rtol, no floor needed
            pass
        elif rel <= 1e3 * opt.rtol or it in (0, opt.max_iterations) or stalled:  # round-off
            J = sp.csr_matrix((data, indices, indptr), shape=(disc.n_dofs,) * 2)
            terms = (_abs_matvec(J, np.abs(T)) + np.abs(system.F))[free]
            floor = 32 * EPS * float(np.linalg.norm(terms))
            if it == 0:
                roundoff_W = 32 * EPS * float(terms.sum())
        # the round-off floor is convergence only right after a step that reduced the residual,
        # to below the initial one (a singular problem's residual grows with |T|, so does its
        # floor)
        at_floor = r <= floor and (it == 0 or r < min(r_prev, r0))
        if rel <= opt.rtol or at_floor:
            if jacobian and data is None:  # asked for (adjoints): at the converged T
                t1 = time.perf_counter()
                _, data = system.evaluate(T, out=take())
                t_asm += time.perf_counter() - t1
            return {"T": T, "R": R, "history": history, "iterations": it,
                    "linear_iterations": lin_its,
                    "linear_method": method, "t_linear": t_lin, "t_assemble": t_asm,
                    "residual_floor": floor / r0 if r0 > 0 else 0.0,
                    "roundoff_W": roundoff_W, "residual_W": r, "jacobian": data}
        if it == opt.max_iterations:
            break
        if method == "direct":
            eta = 0.0
        else:
            if eta_prev is None:  # first step: loose if nonlinear, else solve once accurately
                eta, cap = (ETA_FIRST, ETA_FIRST) if system.nonlinear else (0.0, ETA_MAX)
            else:
                eta, cap = 0.9 * (r / r_prev) ** 2, ETA_MAX
            eta = min(max(eta, opt.linear_rtol, 0.5 * opt.rtol * r0 / r), cap)
        A = sp.csr_matrix((data if all_free else data[keep], ix, ip), shape=(free.size,) * 2)
        t1 = time.perf_counter()
        try:
            dx, info = linear.solve(A, -R[free], method, eta, not system.asymmetric,
                                     disc.cache.solver)
        except (RuntimeError, ArithmeticError, np.linalg.LinAlgError) as exc:
            raise ConvergenceError(f"linear solve of Newton step {it + 1} failed ({exc}): the "
                                   "Jacobian is singular in double precision", history) from exc
        if not np.all(np.isfinite(dx)):
            raise ConvergenceError(f"linear solve of Newton step {it + 1} returned NaN/inf: the "
                                   "Jacobian is singular in double precision", history)
        t_lin += time.perf_counter() - t1
        lin_its.append(info["iterations"])
        # the residual after the full step, forecast (module doc): the linear residual plus a
        # remainder no larger than at the last step's rate
        expect_done = system.nonlinear and r_prev is not None and (
            float(info["residual"]) * r + r * (r / r_prev) <= opt.rtol * r0)
        eta_prev, r_prev = eta, r
        alpha = 1.0
        t1 = time.perf_counter()
        while True:
            Tn = T.copy()
            Tn[free] += alpha * dx
            # a linear problem's Jacobian is only re-evaluated if another step is needed, a
            # nonlinear one's not at a step expected to converge
            jac = alpha == 1.0 and system.nonlinear and not expect_done
            Rn, dn = system.evaluate(Tn, jacobian=jac, out=take() if jac else None)
            rn = float(np.linalg.norm(Rn[free]))
            if np.isfinite(rn) and rn <= (1 + 4.0 * 0.5**it - 1e-4 * alpha) * r:
                break
            give(dn)
            dn = None
            alpha *= 0.5
            if alpha < 1e-4:
                if np.isfinite(rn) and floor > 0 and rn <= max(r, floor * 4):
                    break
                raise ConvergenceError("line search could not reduce the residual", history)
        T = Tn
        if dn is None and not system.nonlinear and alpha == 1.0 and rn <= opt.rtol * r0:
            dn = data  # converged linear problem: its (constant) Jacobian serves the floor
        elif dn is None and system.nonlinear and rn / r0 <= opt.rtol:  # (as ``rel`` above)
            pass  # converged: no Jacobian (unless asked for, at the return above)
        elif dn is None:
            Rn, dn = system.evaluate(T, out=take())
        old, R, data = data, Rn, dn
        give(old)
        t_asm += time.perf_counter() - t1
    raise ConvergenceError(f"Newton did not converge in {opt.max_iterations} iterations "
                           f"(rtol {opt.rtol:g})", history)
