"""Newton's evaluations: no Jacobian at the step that converges, the residual it returns reused
by the post-processing, and the same solution as when every step assembles the Jacobian."""

from __future__ import annotations

import numpy as np
from fem_helpers import CubicH

from femtbr.fem import Convection, Discretization, InterfaceSpec, Problem, Source
from femtbr.fem.assembly.assemble import System, build_system
from femtbr.fem.meshes import tensor_mesh
from femtbr.fem.newton import newton
from femtbr.fem.solve import solve, solve_state
from femtbr.fem.values.problem import SolverOptions


def _problem(rtol: float = 1e-6) -> Problem:
    """Two blocks, k(T) in one, a T-dependent interface conductance between them.  Newton's
    relative residuals on it are 1, 0.80, 1.1e-4, 2.1e-9: at rtol 1e-6 the third step is
    forecast (:mod:`femtbr.fem.newton`) to converge and does; at 1e-10 it is not (its
    forecast 1.5e-8 is above 1e-10, and so is the outcome, which ends at the round-off floor,
    computed from that step's Jacobian)."""
    mesh = tensor_mesh(np.linspace(0.0, 2.0, 9), np.linspace(0, 1, 4), np.linspace(0, 1, 4),
                       "hexahedron", lambda c: np.where(c[:, 0] < 1, "a", "b")
                       ).interface_between("ab", "a", "b")

    def k_a(T):  # strongly T-dependent: Newton takes several steps
        return 5.0 * (T / 300.0) ** -1.3, -1.3 * 5.0 / 300.0 * (T / 300.0) ** -2.3

    return Problem(mesh, {"a": k_a, "b": 2.0}, sources={"a": Source(power=40.0)},
                   boundaries={"xmax": Convection(50.0, 300.0)},
                   interfaces={"ab": InterfaceSpec(CubicH(0.02))},
                   options=SolverOptions(rtol=rtol))


def _counting(monkeypatch) -> list[bool]:
    calls: list[bool] = []
    inner = System.evaluate

    def evaluate(self, T, jacobian=True, out=None):
        calls.append(bool(jacobian))
        return inner(self, T, jacobian, out)

    monkeypatch.setattr(System, "evaluate", evaluate)
    return calls


def test_converged_step_assembles_no_jacobian(monkeypatch):
    pb = _problem()
    system = build_system(pb, Discretization(pb.mesh, ["ab"], 1))
    calls = _counting(monkeypatch)
    res = newton(system)
    assert res["iterations"] >= 3 and system.nonlinear
    # one evaluation per step plus the initial one (no rejected step on this problem), the
    # last without a Jacobian; none is returned unless asked for
    assert calls == [True] * res["iterations"] + [False]
    assert res["jacobian"] is None
    # the residual returned is the residual at the returned T, to the bit
    R, data = system.evaluate(res["T"])
    assert np.array_equal(res["R"], R)
    # asked for: the Jacobian at the converged T, the same data a fresh evaluation gives
    res2 = newton(build_system(pb, Discretization(pb.mesh, ["ab"], 1)), jacobian=True)
    assert np.array_equal(res2["T"], res["T"])
    assert np.array_equal(res2["jacobian"], data)


def test_solution_and_state_unchanged_by_the_economy(monkeypatch):
    """The post-processing reuses Newton's residual (no further evaluation); the solution is
    the one a Jacobian at every evaluation gives, and solve_state still has the Jacobian."""
    pb = _problem()
    inner = System.evaluate
    with monkeypatch.context() as m:  # every evaluation assembles (the former behaviour)
        m.setattr(System, "evaluate", lambda self, T, jacobian=True, out=None:
                  inner(self, T, True, out))
        every = solve(pb)
    calls = _counting(monkeypatch)
    sol = solve(pb)
    n_solve = len(calls)
    assert calls[-1] is False and n_solve == sol.iterations + 1
    state = solve_state(pb)
    assert calls[n_solve:].count(True) == sol.iterations + 1  # + the one asked for
    assert np.array_equal(state.solution.temperature, sol.temperature)
    disc = state.system.disc
    assert np.array_equal(state.jacobian, state.system.evaluate(state.T)[1])
    assert state.jacobian.shape == disc.pattern[1].shape
    assert sol.energy_balance <= 1e-8
    assert np.array_equal(every.temperature, sol.temperature)
    assert every.iterations == sol.iterations
    for name in sol.boundaries:
        assert sol.boundaries[name] == state.solution.boundaries[name] == every.boundaries[name]
    assert sol.energy_balance == every.energy_balance


def test_step_not_forecast_to_converge_keeps_its_jacobian(monkeypatch):
    """At rtol 1e-10 the same step is not forecast to converge (nor does it, below rtol): the
    Jacobian is assembled with its residual, one evaluation per step, none in the post."""
    pb = _problem(1e-10)
    calls = _counting(monkeypatch)
    sol = solve(pb)
    assert sol.iterations == 3 and sol.residual_history[-1] > 1e-10
    assert calls == [True] * 4
