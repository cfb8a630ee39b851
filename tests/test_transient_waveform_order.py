"""Tabulated (piecewise-linear) loads keep second-order schemes second order (issue 13, item 5).

A slab with a convective face whose ambient temperature follows a table.  The reference is the
*exact* solution of the same semi-discrete system M dT/dt + K T = f(t): with the generalised
eigenpairs K v = λ M v (vᵀMv = 1) each modal amplitude obeys q' + λ q = g(t), g piecewise linear
in t, integrated in closed form over each linear segment of the table.  So the measured error is
the time-discretisation error alone and its observed order must be 1 (backward Euler) and 2
(Crank–Nicolson, BDF2) — table points fall inside steps and are not landed on.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.linalg as sla

from femtbr.fem import Convection, Problem
from femtbr.fem.transient.transient import TimeStepping, TransientSolver
from femtbr.fem.transient.transient_system import FESemiDiscrete
from femtbr.fem.values.power_profiles import PiecewiseLinear, Step
from femtbr.fem.values.transient_problem import TransientProblem
from tests.test_transient_fe import strip

#: Ambient table [s], [K]: its interior points 0.37 s and 1.13 s lie on no step grid below.
TABLE = PiecewiseLinear((0.0, 0.37, 1.13, 2.0), (300.0, 340.0, 310.0, 330.0))
T_END = 2.0


def _system(ambient=TABLE) -> FESemiDiscrete:
    # k = ρc = 1, L = 1 (α = 1 m²/s, L²/α = 1 s), convection h = 2 W/m²K on the right face
    m = strip([0.0, 1.0], [20], ["slab"])
    pb = Problem(m, {"slab": 1.0}, boundaries={"right": Convection(h=2.0, T_inf=300.0)})
    tp = TransientProblem(pb, {"slab": 1.0}, ambient={"right": ambient})
    return FESemiDiscrete(tp, T_ref=300.0)


def _exact(s: FESemiDiscrete, T0: np.ndarray, table: PiecewiseLinear, t_end: float):
    """Exact solution at ``t_end`` of M T' + K T = f(t) for a piecewise-linear f (see above)."""
    K = s.jacobian(T0, 0.0).toarray()
    _, M = s.stored(T0)
    M = M.toarray()
    lam, V = sla.eigh(0.5 * (K + K.T), M)  # V ᵀ M V = I

    def f(t):  # the load: R(T, t) = K T − f(t)
        return -s.residual(np.zeros(s.n_dofs), t, "left")

    q = V.T @ (M @ T0)
    knots = [t for t in table.times if t < t_end] + [t_end]
    for t0, t1 in zip(knots[:-1], knots[1:], strict=True):
        d = t1 - t0
        g0 = V.T @ f(t0)
        gs = (V.T @ f(t1) - g0) / d
        e = np.exp(-lam * d)
        i0 = -np.expm1(-lam * d) / lam  # ∫₀ᵈ e^{−λ(d−τ)} dτ
        i1 = d / lam - i0 / lam  # ∫₀ᵈ τ e^{−λ(d−τ)} dτ
        q = e * q + g0 * i0 + gs * i1
    return V @ q


def _errors(scheme: str, steps: list[int]) -> np.ndarray:
    s = _system()
    T0 = np.full(s.n_dofs, 300.0)  # the steady state of the t = 0 ambient
    ref = _exact(s, T0, TABLE, T_END)
    errs = []
    for n in steps:
        res = TransientSolver(s, TimeStepping(t_end=T_END, dt=T_END / n, scheme=scheme)).run(T0)
        assert len(res.steps) == n  # neither table point cut a step
        errs.append(float(np.max(np.abs(res.final - ref))))
    return np.array(errs)


@pytest.mark.parametrize(
    "scheme,order", [("backward_euler", 1.0), ("crank_nicolson", 2.0), ("bdf2", 2.0)]
)
def test_observed_order_with_a_tabulated_ambient(scheme, order):
    e = _errors(scheme, [40, 80, 160, 320])  # from dt = 0.05 s: the asymptotic range
    rates = np.log2(e[:-1] / e[1:])
    assert np.all(np.abs(rates - order) <= 0.2), (e, rates)


def test_bdf2_differs_from_backward_euler_and_keeps_the_users_step(caplog):
    """The issue's symptom: a table made BDF2 restart at every point (= backward Euler)."""
    s = _system(PiecewiseLinear(tuple(0.1 * i for i in range(21)),
                                tuple(300.0 + 30.0 * np.sin(0.1 * i) for i in range(21))))
    T0 = np.full(s.n_dofs, 300.0)
    finals = {}
    with caplog.at_level(logging.INFO, logger="femtbr.fem.transient.transient"):
        for scheme in ("bdf2", "backward_euler"):
            res = TransientSolver(s, TimeStepping(t_end=T_END, dt=0.25, scheme=scheme)).run(T0)
            assert [r.dt for r in res.steps] == pytest.approx([0.25] * 8)
            finals[scheme] = res.final
    assert "shortened" not in caplog.text
    # the two first-order/second-order answers differ by far more than round-off
    assert np.max(np.abs(finals["bdf2"] - finals["backward_euler"])) > 1e-3


def test_a_step_edge_is_landed_on_and_logged(caplog):
    s = _system(Step(after=350.0, before=300.0, t_step=0.3))
    T0 = np.full(s.n_dofs, 300.0)
    with caplog.at_level(logging.INFO, logger="femtbr.fem.transient.transient"):
        res = TransientSolver(s, TimeStepping(t_end=1.0, dt=0.25, scheme="bdf2")).run(T0)
    times = [r.t for r in res.steps]
    assert 0.3 in [pytest.approx(t, abs=1e-12) for t in times]
    assert "shortened from dt = 0.25 s to 0.05 s to land on t = 0.3 s" in caplog.text
