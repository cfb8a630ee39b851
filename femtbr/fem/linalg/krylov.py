"""Lean preconditioned Krylov solvers: CG and right-preconditioned restarted GMRES.

Written out here (rather than pyamg.krylov / scipy) so that inner products use numpy's own
single-threaded ``einsum`` loops (on a busy machine multithreaded BLAS ``ddot`` calls cost
milliseconds each and dominated the solve) and the preconditioner is any function ``r -> z``
without residual bookkeeping.

CG: Hestenes & Stiefel, J. Res. NBS 49 (1952) 409, preconditioned form as in Saad, *Iterative
Methods for Sparse Linear Systems*, 2nd ed. (2003), Alg. 9.1.  GMRES: Saad & Schultz, SIAM J.
Sci. Stat. Comput. 7 (1986) 856, right preconditioning (Saad 2003, Alg. 9.5), classical
Gram–Schmidt as two (einsum) matrix–vector products with the basis, repeated once when the
new vector lost more than 30 % of its norm (the "twice is enough" criterion of Daniel, Gragg,
Kaufman & Stewart, Math. Comp. 30 (1976) 772; Giraud et al., Numer. Math. 101 (2005) 87), and
Givens rotations; the convergence test uses the true (unpreconditioned) residual norm.  The
preconditioned vectors M v_j are kept as in flexible GMRES (Saad 2003, Alg. 9.6), which saves
the extra preconditioner application of the update at each restart.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.einsum("i,i->", a, b))


def cg(A, b: np.ndarray, M: Callable, rtol: float, maxiter: int) -> tuple[np.ndarray, int, float]:
    """Preconditioned CG; returns ``x``, iterations and the final relative residual."""
    nb = np.sqrt(_dot(b, b))
    x = np.zeros_like(b)
    r = b.copy()
    z = M(r)
    p = z.copy()
    rz = _dot(r, z)
    nr = nb
    for k in range(1, maxiter + 1):
        Ap = A @ p
        alpha = rz / _dot(p, Ap)
        x += alpha * p
        r -= alpha * Ap
        nr = np.sqrt(_dot(r, r))
        if nr <= rtol * nb:
            return x, k, nr / nb
        z = M(r)
        rz_new = _dot(r, z)
        p *= rz_new / rz
        p += z
        rz = rz_new
    return x, maxiter, nr / nb


def gmres(A, b: np.ndarray, M: Callable, rtol: float, maxiter: int,
          restart: int = 25) -> tuple[np.ndarray, int, float]:
    """Right-preconditioned restarted GMRES; returns ``x``, iterations, relative residual.

    ``M(v)`` must return a new array (its results are kept until the restart's update)."""
    n = b.size
    nb = np.sqrt(_dot(b, b))
    x = np.zeros_like(b)
    its = 0
    restart = max(1, min(restart, n))
    V = np.empty((restart + 1, n))
    while True:
        r = b - A @ x
        beta = np.sqrt(_dot(r, r))
        if beta <= rtol * nb or its >= maxiter:
            return x, its, beta / nb
        V[0] = r / beta
        H = np.zeros((restart + 1, restart))
        g = np.zeros(restart + 1)
        g[0] = beta
        cs = np.zeros(restart)
        sn = np.zeros(restart)
        j = 0
        Z = []  # preconditioned basis M v_j (kept: no extra cycle for the update)
        for j in range(restart):
            Z.append(M(V[j]))
            w = A @ Z[j]
            nw = np.sqrt(_dot(w, w))
            for _ in range(2):  # CGS, and once more if cancellation lost accuracy
                h = np.einsum("ij,j->i", V[:j + 1], w)  # numpy loops, not threaded BLAS
                w -= np.einsum("ij,i->j", V[:j + 1], h)
                H[:j + 1, j] += h
                nw_old, nw = nw, np.sqrt(_dot(w, w))
                if nw > 0.7 * nw_old:
                    break
            H[j + 1, j] = nw
            if H[j + 1, j] > 0:
                V[j + 1] = w / H[j + 1, j]
            for i in range(j):  # apply the previous rotations to the new column
                t = cs[i] * H[i, j] + sn[i] * H[i + 1, j]
                H[i + 1, j] = -sn[i] * H[i, j] + cs[i] * H[i + 1, j]
                H[i, j] = t
            den = np.hypot(H[j, j], H[j + 1, j])
            cs[j], sn[j] = (1.0, 0.0) if den == 0 else (H[j, j] / den, H[j + 1, j] / den)
            H[j, j] = den
            H[j + 1, j] = 0.0
            g[j + 1] = -sn[j] * g[j]
            g[j] = cs[j] * g[j]
            its += 1
            if abs(g[j + 1]) <= rtol * nb or its >= maxiter or H[j, j] == 0:
                break
        k = j + 1
        y = np.zeros(k)
        for i in range(k - 1, -1, -1):  # back substitution
            y[i] = (g[i] - H[i, i + 1:k] @ y[i + 1:]) / H[i, i] if H[i, i] != 0 else 0.0
        for i in range(k):  # x += M(V_k y) = Σ y_i M v_i (M is linear)
            x += y[i] * Z[i]
        del Z
