"""Unit tests of the time integrator on a small 1D P1 system built here (no FE core needed).

The semi-discrete system M dT/dt + K T = F on [0, 1] with T(0) = T(1) = 0 and the initial
state sin(πx) has the exact semi-discrete solution exp(-λ_h t) sin(πx) with λ_h the Rayleigh
quotient (sin(πx_i) is an eigenvector of the uniform P1 pencil (K, M)); so the measured error is
purely the time error and the observed orders must be 1 (BE) and 2 (CN, BDF2).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from femtbr.errors import InputError
from femtbr.fem.transient.timeschemes import coefficients
from femtbr.fem.transient.transient import TimeStepping, TransientSolver
from femtbr.fem.values.power_profiles import Constant, PiecewiseLinear, PulseTrain, Step


class Slab1D:
    """P1 slab [0, L], k = ρc = 1, Dirichlet ends; optional uniform source density q(t)."""

    linear = True

    def __init__(self, n: int, q=None, robin_h: float | None = None):
        self.n_dofs = n + 1
        h = 1.0 / n
        main = np.full(n + 1, 2.0)
        main[[0, -1]] = 1.0
        self.K = sp.diags([-np.ones(n), main, -np.ones(n)], [-1, 0, 1]) / h
        self.M = sp.diags([np.ones(n), 2 * main, np.ones(n)], [-1, 0, 1]) * h / 6
        self.x = np.linspace(0, 1, n + 1)
        self.f = np.full(n + 1, h)
        self.f[[0, -1]] = h / 2
        self.q = q
        self.robin_h = robin_h

    def stored(self, T):
        return self.M @ T, self.M

    def residual(self, T, t, side):
        R = self.K @ T
        if self.q is not None:
            R = R - (self.q.left(t) if side == "left" else self.q.value(t)) * self.f
        if self.robin_h is not None:
            R[-1] += self.robin_h * T[-1]
        return R

    def jacobian(self, T, t, side):
        J = self.K.tolil()
        if self.robin_h is not None:
            J[-1, -1] += self.robin_h
        return J.tocsr()

    def dirichlet(self, t):
        d = np.array([0]) if self.robin_h is not None else np.array([0, self.n_dofs - 1])
        return d, np.zeros(d.size), np.array(["ends"] * d.size)

    def heat_terms(self, T, t, side):
        P = 0.0 if self.q is None else (self.q.left(t) if side == "left" else self.q.value(t))
        Q = {} if self.robin_h is None else {"robin": self.robin_h * T[-1]}
        return P, Q

    def breakpoints(self, t0, t1):
        return [] if self.q is None else self.q.breakpoints(t0, t1)


def _mode_error(scheme: str, nsteps: int, sys1: Slab1D) -> float:
    T0 = np.sin(np.pi * sys1.x)
    lam = (T0 @ (sys1.K @ T0)) / (T0 @ (sys1.M @ T0))
    t_end = 0.1
    res = TransientSolver(sys1, TimeStepping(t_end=t_end, dt=t_end / nsteps, scheme=scheme)).run(T0)
    return float(np.max(np.abs(res.final - np.exp(-lam * t_end) * T0)))


@pytest.mark.parametrize(
    "scheme,order", [("backward_euler", 1), ("crank_nicolson", 2), ("bdf2", 2)]
)
def test_observed_order_on_semidiscrete_mode(scheme, order):
    s = Slab1D(40)
    e = [_mode_error(scheme, n, s) for n in (10, 20, 40)]
    rates = np.log2(np.array(e[:-1]) / np.array(e[1:]))
    assert np.all(np.abs(rates - order) < 0.2), rates


def test_bdf2_variable_step_coefficients_exact_for_quadratics():
    for w in (0.5, 1.0, 1.7):
        c = coefficients("bdf2", 0.3 * w, 0.3)
        h, hp = 0.3 * w, 0.3
        tt = np.array([0.0, -h, -h - hp])  # t_{n+1}, t_n, t_{n-1}
        for y, dy in ((lambda t: 1 + 0 * t, 0.0), (lambda t: t, 1.0), (lambda t: t * t, 0.0)):
            lhs = (c.a0 * y(tt[0]) + c.a1 * y(tt[1]) + c.a2 * y(tt[2])) / h
            assert lhs == pytest.approx(dy, abs=1e-12)


def test_linear_constant_step_factorises_once_and_energy_closes():
    s = Slab1D(30, q=PulseTrain(high=5.0, period=0.02, duty=0.3), robin_h=2.0)
    res = TransientSolver(s, TimeStepping(t_end=0.1, dt=0.002, scheme="bdf2")).run(
        np.zeros(s.n_dofs)
    )
    # pulse edges fall on the step grid: one BE start-up matrix + one BDF2 matrix, factored once
    assert res.n_factorizations == 2
    assert len(res.steps) == 50
    assert res.max_imbalance < 1e-10
    assert all(any(abs(t - b) < 1e-12 for t in res.times) for b in (0.006, 0.02, 0.026))


def test_adaptive_step_doubling_meets_tolerance():
    s = Slab1D(40)
    T0 = np.sin(np.pi * s.x)
    lam = (T0 @ (s.K @ T0)) / (T0 @ (s.M @ T0))
    opt = TimeStepping(t_end=0.3, dt=1e-3, scheme="bdf2", adaptive=True, atol=1e-5)
    res = TransientSolver(s, opt).run(T0)
    err = np.max(np.abs(res.final - np.exp(-lam * 0.3) * T0))
    assert err < 20 * 1e-5
    dts = [r.dt for r in res.steps]
    assert max(dts) > 5 * min(dts)  # the step grew as the mode decayed


def test_profiles():
    p = PulseTrain(high=10.0, low=1.0, period=2.0, duty=0.25, t_start=1.0, n_pulses=2)
    assert [p.value(t) for t in (0.5, 1.0, 1.4, 1.5, 3.0, 3.4, 5.0)] == [1, 10, 10, 1, 10, 10, 1]
    assert p.left(1.0) == 1.0 and p.left(1.5) == 10.0 and p.left(3.0) == 1.0
    assert p.breakpoints(0.0, 10.0) == [1.0, 1.5, 3.0, 3.5]
    st = Step(after=3.0, t_step=2.0)
    assert (st.value(2.0), st.left(2.0), st.value(1.9)) == (3.0, 0.0, 0.0)
    tab = PiecewiseLinear((0.0, 1.0, 3.0), (0.0, 2.0, 0.0))
    assert tab.value(2.0) == pytest.approx(1.0) and tab.value(9.0) == 0.0
    assert Constant(4.0).value(1e9) == 4.0
    with pytest.raises(InputError, match="duty"):
        PulseTrain(high=1.0, period=1.0, duty=1.5)
    with pytest.raises(InputError, match="increasing"):
        PiecewiseLinear((0.0, 0.0), (1.0, 2.0))


def test_table_from_csv(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("time_s,power_W\n0,0\n1,10\n2,10\n")
    tab = PiecewiseLinear.from_csv(f)
    assert tab.value(0.5) == pytest.approx(5.0)
    with pytest.raises(InputError, match="not found"):
        PiecewiseLinear.from_csv(tmp_path / "missing.csv")
