"""``solve(problem) -> Solution``: the one entry point of the finite-element core.

Energy balance (the check that nothing nonsensical is reported as converged): the heat
imbalance W = |Σ P_sources − Σ Q_out| [W] is compared with the throughput
S = Σ|P| + Σ|Q|, floored at what double precision resolves: S_ref = max(S, ρ / ENERGY_RTOL) with
ρ = 32 ε Σ_i (|J||T₀| + |F|)_i the round-off level of the nodal heats at the initial guess T₀
(Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed. (2002), §3.1: a computed
sum carries an error ≲ ε Σ|terms|).  ``energy_balance = W / S_ref`` must not exceed
``max(ENERGY_RTOL, rtol)``: for a converged residual the imbalance −Σ_free R_i is far below it,
while a wrong solution (a diverged iterate, a singular system) fails it by orders of magnitude.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from femtbr.errors import ConvergenceError, InputError
from femtbr.fem.assembly.assemble import System
from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.backends import system_for
from femtbr.fem.newton import newton
from femtbr.fem.post.post import build_solution
from femtbr.fem.values.problem import Problem
from femtbr.fem.values.solution import Solution

log = logging.getLogger(__name__)
#: Largest relative energy imbalance accepted (design note §4 targets 1e-8 at rtol 1e-10).
ENERGY_RTOL = 1e-6


def energy_balance(solution: Solution, roundoff_W: float) -> tuple[float, float]:
    """``(relative, absolute [W])`` heat imbalance of ``solution`` (see the module docstring)."""
    powers = [r.power for r in solution.regions.values()]
    heats = list(solution.boundaries.values())
    imbalance = abs(sum(powers) - sum(heats))
    scale = max(sum(map(abs, powers)) + sum(map(abs, heats)), roundoff_W / ENERGY_RTOL)
    return (imbalance / scale if scale > 0 else 0.0), imbalance


def discretize(problem: Problem) -> Discretization:
    """The reusable :class:`Discretization` of ``problem`` (mesh, split, DOFs, patterns)."""
    return Discretization(problem.mesh, tuple(problem.interfaces), problem.options.order,
                          progress=problem.progress, axisymmetric=problem.axisymmetric)


@dataclasses.dataclass(frozen=True)
class SteadyState:
    """A converged solve with what an adjoint needs: the System, the DOF vector ``T`` [K] and
    the Jacobian data at ``T`` on ``system.disc.pattern`` (the last Newton evaluation)."""

    solution: Solution
    system: System
    T: np.ndarray
    jacobian: np.ndarray


def solve(problem: Problem, discretization: Discretization | None = None, *,
          keep_state: bool = False) -> Solution:
    """Solve a steady heat-conduction problem with interface conductances.

    Parameters
    ----------
    problem
        The problem.
    discretization
        A :class:`Discretization` from a previous solve on the same mesh with the same split
        interfaces and order (see its docstring for what it caches).  ``None`` builds one.
    keep_state
        Return a :class:`SteadyState` (solution, System, DOF vector, final Jacobian) instead
        of the Solution alone (what :func:`solve_state` does).

    Returns
    -------
    Solution
        Fields on the split mesh and integral results.  ``timings`` has the wall time [s] of
        the phases ``validate``, ``split``, ``bulk`` (bulk matrix), ``setup`` (loads and facet
        terms), ``newton`` (of which ``linear`` and ``assemble``), ``post`` and ``total``.

    Raises
    ------
    MeshError, InputError, ModelError
        Bad mesh or input, naming the entity.
    ConvergenceError
        Newton did not converge (carries the residual history).
    """
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    if discretization is None:
        disc = discretize(problem)
        timings.update({k: v for k, v in disc.timings.items() if k in ("validate", "split")})
    else:
        disc = discretization
        if not disc.compatible(problem.mesh, problem.interfaces, problem.options.order,
                               problem.axisymmetric):
            raise InputError("discretization: built for another mesh, split interfaces, order "
                             "or section kind (plane / axisymmetric)")
    t0 = time.perf_counter()
    bulk_before = disc.cache.bulk
    system = system_for(problem, disc)
    timings["setup"] = time.perf_counter() - t0
    rebuilt = disc.cache.bulk is not bulk_before
    timings["bulk"] = disc.timings.get("bulk", 0.0) if rebuilt else 0.0
    timings["setup"] -= timings["bulk"]
    if problem.progress is not None:
        problem.progress("assemble", {"n_dofs": disc.n_dofs, "time": timings["setup"]})
    t0 = time.perf_counter()
    result = newton(system, problem.progress, jacobian=keep_state)  # (adjoints need it)
    jacobian = result.pop("jacobian") if keep_state else None  # else freed before post
    result.pop("jacobian", None)
    timings["newton"] = time.perf_counter() - t0
    timings["linear"] = result["t_linear"]
    timings["assemble"] = result["t_assemble"]
    t0 = time.perf_counter()
    sol = build_solution(system, result, timings)
    rel, absolute = energy_balance(sol, result["roundoff_W"])
    if not rel <= max(ENERGY_RTOL, problem.options.rtol):
        raise ConvergenceError(
            f"energy balance fails: sources minus heat out = {absolute:.4g} W, {rel:.3g} of the "
            f"heat throughput (tolerance {max(ENERGY_RTOL, problem.options.rtol):g}); the "
            f"Newton iterate is not a solution, nothing is reported", result["history"])
    sol = dataclasses.replace(sol, energy_balance=rel, energy_balance_W=absolute)
    timings["post"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_start
    sol.timings.update(timings)  # type: ignore[attr-defined]
    log.info("solved %d DOFs in %d Newton iterations, %.2f s", disc.n_dofs,
             result["iterations"], timings["total"])
    if keep_state:
        return SteadyState(sol, system, result["T"], jacobian)
    return sol


def solve_state(problem: Problem, discretization: Discretization | None = None) -> SteadyState:
    """:func:`solve`, keeping the System, the DOF vector and the final Jacobian (adjoints)."""
    return solve(problem, discretization, keep_state=True)
