"""Forward (tangent) sensitivities dJ/dθ: one linear solve per parameter.

A dT_f/dθ = −(∂R_f/∂θ + ∂R_f/∂T_D · ∂T_D/∂θ), then dJ/dθ = ∂J/∂θ + g · dT/dθ for every
output at once (A the final Newton Jacobian on the free DOFs, :mod:`.adjoint`).  Cheaper than
the adjoint when there are fewer parameters than outputs (a fit with more measurements than
unknowns).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from femtbr.errors import ConvergenceError
from femtbr.sensitivity.adjoint import ADJOINT_RTOL, _dirichlet_weights, _free_matrix
from femtbr.sensitivity.outputs import Output
from femtbr.sensitivity.parameters import (
    MODEL_KINDS,
    Parameter,
    conductance_derivative,
    residual_derivative,
)


def tangent_sensitivities(case: Any, state: Any, outputs: Sequence[Output],
                          params: Sequence[Parameter]) -> np.ndarray:
    """dJ/dθ, shape (n_outputs, n_params), by forward solves (module docstring)."""
    from femtbr.fem.linalg import linear

    system, T = state.system, state.T
    disc = system.disc
    A, free, full = _free_matrix(state)
    method = linear.choose(system.problem.options.linear_solver, free.size,
                           disc.points.shape[1])
    out = np.zeros((len(outputs), len(params)))
    for j, p in enumerate(params):
        dh = None
        if p.kind == "boundary" and p.name == "T":
            dTD = _dirichlet_weights(system, p)
            rhs = -(full @ dTD)[free]
        else:
            dh = (conductance_derivative(case, system, p, T, {q: q.value for q in params})
                  if p.kind in MODEL_KINDS else None)
            dTD = np.zeros(T.size)
            rhs = -residual_derivative(case, system, p, T, dh)[free]
        x, info = linear.solve(A, rhs, method, ADJOINT_RTOL, not system.asymmetric,
                               disc.cache.solver)
        if not info["residual"] <= 10 * ADJOINT_RTOL:
            raise ConvergenceError(f"tangent solve for {p.key} reached {info['residual']:.2e}",
                                   [info["residual"]])
        dT = dTD.copy()
        dT[free] += x
        for i, o in enumerate(outputs):
            out[i, j] = o.explicit(p, dh) + float(o.gradient @ dT)
    return out
