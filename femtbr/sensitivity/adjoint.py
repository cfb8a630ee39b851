"""Adjoint sensitivities dJ/dθ of steady outputs, one transposed solve per output.

With R_f(T_f, T_D(θ), θ) = 0 the free rows of the residual, A = ∂R_f/∂T_f the final Newton
Jacobian and g = ∂J/∂T (Cao, Li, Petzold & Serban, SIAM J. Sci. Comput. 24 (2003) 1076;
Giles & Pierce, Flow Turb. Combust. 65 (2000) 393):

    Aᵀ λ = g_f,     dJ/dθ = ∂J/∂θ − λᵀ ∂R_f/∂θ + (g_D − (∂R_f/∂T_D)ᵀ λ) · ∂T_D/∂θ.

A is non-symmetric when h'(T̄) or k'(T) ≠ 0, so the transposed system is solved as such: a
direct LU (SuperLU, ``trans="T"``) where the Newton solve was direct, else
:func:`femtbr.fem.linalg.linear.solve` on Aᵀ with the Newton solve's cached AMG hierarchy as
preconditioner (CG when A is symmetric; CG then GMRES when it is not; the same fallbacks).  All
parameters then cost one dot product each with ∂R/∂θ (:mod:`.parameters`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from femtbr.errors import ConvergenceError
from femtbr.sensitivity.outputs import Output
from femtbr.sensitivity.parameters import (
    MODEL_KINDS,
    Parameter,
    conductance_derivative,
    residual_derivative,
)

log = logging.getLogger(__name__)
#: Relative residual of the iterative adjoint solves.
ADJOINT_RTOL = 1e-10


def _free_matrix(state: Any) -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix]:
    system = state.system
    disc = system.disc
    free, keep, ip, ix = system.reduced()
    indptr, indices = disc.pattern
    full = sp.csr_matrix((state.jacobian, indices, indptr), shape=(disc.n_dofs,) * 2)
    A = sp.csr_matrix((state.jacobian[keep], ix, ip), shape=(free.size,) * 2)
    return A, free, full


def adjoint_solve(state: Any, rhs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """λ (n_dofs,, zero on fixed-temperature DOFs) with Aᵀλ_f = g_f for each g in ``rhs``.

    Raises
    ------
    ConvergenceError
        When the iterative transposed solve does not reach :data:`ADJOINT_RTOL`.
    """
    from femtbr.fem.linalg import linear

    system = state.system
    disc = system.disc
    A, free, _ = _free_matrix(state)
    method = linear.choose(system.problem.options.linear_solver, free.size,
                           disc.points.shape[1])
    out = []
    if method == "direct" or disc.cache.solver.uses("direct", A.shape):
        lu = spla.splu(A.tocsc())
        for g in rhs:
            lam = np.zeros(disc.n_dofs)
            lam[free] = lu.solve(g[free], trans="T")
            out.append(lam)
        return out
    At = A.T.tocsr() if system.asymmetric else A
    for g in rhs:
        x, info = linear.solve(At, g[free], method, ADJOINT_RTOL, not system.asymmetric,
                               disc.cache.solver)
        if not info["residual"] <= 10 * ADJOINT_RTOL:
            raise ConvergenceError(f"adjoint solve reached {info['residual']:.2e} (wanted "
                                   f"{ADJOINT_RTOL:g})", [info["residual"]])
        log.info("adjoint solve: %s, %d iterations, residual %.1e", info["method"],
                 info["iterations"], info["residual"])
        lam = np.zeros(disc.n_dofs)
        lam[free] = x
        out.append(lam)
    return out


def _dirichlet_weights(system: Any, param: Parameter) -> np.ndarray:
    """∂T_D/∂θ on the fixed DOFs for θ the temperature of boundary ``param.target`` (shared
    DOFs take the mean of their boundaries' values:
    :func:`femtbr.fem.assembly.dirichlet.merge_fixed`)."""
    from femtbr.fem.assembly.dirichlet import merge_fixed

    parts = []
    for name in system.dir_owner:
        d = np.unique(system.disc.boundary_quad(name).dofs)
        parts.append((name, d, np.full(d.size, 1.0 if name == param.target else 0.0)))
    dofs, vals, _ = merge_fixed(parts, warn=False)
    w = np.zeros(system.disc.n_dofs)
    w[dofs] = vals
    return w


def sensitivities(case: Any, state: Any, outputs: Sequence[Output],
                  params: Sequence[Parameter]) -> np.ndarray:
    """dJ/dθ, shape (n_outputs, n_params), in the outputs' units per parameter unit."""
    system, T = state.system, state.T
    lams = adjoint_solve(state, [o.gradient for o in outputs])
    _, free, full = _free_matrix(state)
    is_free = np.zeros(T.size, bool)
    is_free[free] = True
    out = np.zeros((len(outputs), len(params)))
    for j, p in enumerate(params):
        if p.kind == "boundary" and p.name == "T" and p.target in system.dir_owner:
            w = _dirichlet_weights(system, p)
            for i, (o, lam) in enumerate(zip(outputs, lams, strict=True)):
                coupled = full.T @ lam  # (∂R/∂T)ᵀλ; only its fixed-DOF part is used
                out[i, j] = float(((o.gradient - coupled) * w)[~is_free].sum())
            continue
        dh = (conductance_derivative(case, system, p, T, {q: q.value for q in params})
              if p.kind in MODEL_KINDS else None)
        dR = residual_derivative(case, system, p, T, dh)
        dR[~is_free] = 0.0
        for i, (o, lam) in enumerate(zip(outputs, lams, strict=True)):
            out[i, j] = o.explicit(p, dh) - float(lam @ dR)
    return out
