"""Transient finite-element solutions against analytic answers (issue 7).

All problems are 1D in nature, meshed as one-cell-wide quad strips along x.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from femtbr.fem import (
    Convection,
    FixedTemperature,
    HeatFlux,
    InterfaceSpec,
    Problem,
    SolverOptions,
    Source,
    solve,
)
from femtbr.fem.transient.transient import TimeStepping, TransientSolver
from femtbr.fem.transient.transient_system import FESemiDiscrete
from femtbr.fem.values.power_profiles import PulseTrain, Step
from femtbr.fem.values.transient_problem import TransientProblem
from femtbr.mesh import TaggedMesh


def strip(breaks, n_per, names, width=None) -> TaggedMesh:
    """Quads along x: layer i spans [breaks[i], breaks[i+1]] with n_per[i] cells; one cell high.

    Boundaries ``left`` (x = breaks[0]) and ``right``; interfaces ``<a>_<b>`` between layers.
    """
    xs = [np.linspace(breaks[0], breaks[1], n_per[0] + 1)]
    for i in range(1, len(names)):
        xs.append(np.linspace(breaks[i], breaks[i + 1], n_per[i] + 1)[1:])
    x = np.concatenate(xs)
    nx = x.size - 1
    w = width if width is not None else (breaks[-1] - breaks[0]) / nx
    pts = np.c_[np.repeat(x, 2), np.tile([0.0, w], x.size)]
    i = np.arange(nx)
    cells = np.c_[2 * i, 2 * i + 2, 2 * i + 3, 2 * i + 1]
    xc = 0.5 * (x[:-1] + x[1:])
    regions = {
        n: np.flatnonzero((xc > breaks[k]) & (xc < breaks[k + 1])) for k, n in enumerate(names)
    }
    bnd = {"left": np.array([[1, 0]]), "right": np.array([[2 * nx, 2 * nx + 1]])}
    m = TaggedMesh(pts, cells, "quad", regions=regions, boundaries=bnd)
    for k in range(len(names) - 1):
        m = m.interface_between(f"{names[k]}_{names[k + 1]}", names[k], names[k + 1])
    return m


def x_of(s: FESemiDiscrete) -> np.ndarray:
    return s.disc.dof_points[:, 0]


class ConstantH:
    def __init__(self, h):
        self.h = h

    def conductance(self, T, p):
        return np.full_like(T, self.h), np.zeros_like(T)


class LinearH:
    """h = h0 (1 + β (T − 300 K)): temperature-dependent, exact derivative."""

    def __init__(self, h0, beta):
        self.h0, self.beta = h0, beta

    def conductance(self, T, p):
        return self.h0 * (1 + self.beta * (T - 300.0)), np.full_like(T, self.h0 * self.beta)


# --------------------------------------------------------------------------- 1. step in T_s
def slab_step_series(x, t, L, alpha, n_terms=200):
    """θ = (T − T_s)/(T_0 − T_s) for a slab 0 < x < L, T = T_s at x = 0 for t > 0, x = L
    insulated (Carslaw & Jaeger, *Conduction of Heat in Solids*, 2nd ed., §3.3, eq. (3)
    with the half-width L): θ = Σ 4/((2n+1)π) sin(λ_n x) exp(−α λ_n² t), λ_n = (2n+1)π/(2L)."""
    n = np.arange(n_terms)[:, None]
    lam = (2 * n + 1) * np.pi / (2 * L)
    return np.sum(4 / ((2 * n + 1) * np.pi) * np.sin(lam * x) * np.exp(-alpha * lam**2 * t), 0)


@pytest.mark.parametrize("scheme", ["bdf2", "crank_nicolson"])
def test_slab_step_in_surface_temperature_matches_fourier_series(scheme):
    # silicon-like slab, 1 mm: k = 150 W/mK, ρc = 1.63e6 J/m³K -> α = 9.2e-5 m²/s, τ = L²/α ≈ 11 ms
    L, k, rc, T0, Ts = 1e-3, 150.0, 1.63e6, 300.0, 350.0
    m = strip([0.0, L], [100], ["slab"])
    pb = Problem(m, {"slab": k}, boundaries={"left": FixedTemperature(Ts)})
    s = FESemiDiscrete(TransientProblem(pb, {"slab": rc}), T_ref=T0)
    alpha = k / rc
    t_end = 0.4 * L**2 / alpha
    opt = TimeStepping(t_end=t_end, dt=t_end / 200, scheme=scheme, startup_steps=2)
    res = TransientSolver(s, opt).run(np.full(s.n_dofs, T0))
    x = x_of(s)
    for t, T in zip(res.saved_times[40::40], res.saved[40::40], strict=True):
        exact = Ts + (T0 - Ts) * slab_step_series(x, t, L, alpha)
        assert np.max(np.abs(T - exact)) < 2e-3 * (Ts - T0), (t, np.max(np.abs(T - exact)))
    assert res.n_factorizations <= 3  # linear: BE start-up + the scheme's matrix
    assert res.max_imbalance < 1e-8


# --------------------------------------------------------------------------- 2. orders
def _mode_errors(scheme: str, steps: list[int]) -> list[float]:
    """Error at t_end of the first Dirichlet mode against the exact semi-discrete solution.

    On a uniform strip the nodal interpolant v of sin(πx/L) is an eigenvector of the pencil
    (K, M), so the semi-discrete solution is exp(−λ_h t) v, λ_h = vᵀKv / vᵀMv: the error is the
    time-discretisation error only."""
    L = 1.0
    m = strip([0.0, L], [40], ["slab"])
    m = m.with_boundaries({"ends": np.vstack([m.boundaries["left"], m.boundaries["right"]])})
    pb = Problem(m, {"slab": 1.0}, boundaries={"ends": FixedTemperature(0.0)})
    s = FESemiDiscrete(TransientProblem(pb, {"slab": 1.0}))
    v = np.sin(np.pi * x_of(s) / L)
    _, M = s.stored(v)
    K = s.jacobian(v, 0.0)
    lam = float(v @ (K @ v)) / float(v @ (M @ v))
    t_end = 0.1
    errs = []
    for n in steps:
        res = TransientSolver(s, TimeStepping(t_end=t_end, dt=t_end / n, scheme=scheme)).run(v)
        errs.append(float(np.max(np.abs(res.final - np.exp(-lam * t_end) * v))))
    return errs


@pytest.mark.parametrize(
    "scheme,order", [("backward_euler", 1), ("crank_nicolson", 2), ("bdf2", 2)]
)
def test_observed_order_in_time(scheme, order):
    e = np.array(_mode_errors(scheme, [10, 20, 40, 80]))
    rates = np.log2(e[:-1] / e[1:])
    assert np.all(np.abs(rates - order) < 0.2), rates


# --------------------------------------------------------------------------- 3. WRO
def wro_exact(x, t, L, q=1.0, T_L=1.0, n_terms=400):
    """Exact T(x, t) of the Wilson–Rydin–Orivuori problem on 0 < x < L (see the test).

    Kirchhoff transform u = ∫₀ᵀ k = T + T²/4 (k = ρc = 1 + T/2, so ρc/k = 1) gives the linear
    problem u_t = u_xx, −u_x(0) = q, u(L) = u_L = T_L + T_L²/4, u(x, 0) = 0, whose solution is
    u = u_L + q(L − x) + Σ b_n cos(μ_n x) exp(−μ_n² t), μ_n = (n+½)π/L,
    b_n = (2/L)[−u_L (−1)ⁿ/μ_n − q/μ_n²]  (separation of variables); T = 2(√(1+u) − 1)."""
    uL = T_L + 0.25 * T_L**2
    n = np.arange(n_terms)[:, None]
    mu = (n + 0.5) * np.pi / L
    b = (2 / L) * (-uL * (-1.0) ** n / mu - q / mu**2)
    u = uL + q * (L - x) + np.sum(b * np.cos(mu * x) * np.exp(-(mu**2) * t), 0)
    return 2 * (np.sqrt(1 + u) - 1)


#: T(0, t) of the 1D Wilson–Rydin–Orivuori benchmark as tabulated in the FeenoX test suite
#: (tests/wilson-1d.fee), t = 0.025 ... 0.25.
WRO_TABLE = [0.171, 0.238, 0.288, 0.330, 0.366, 0.398, 0.427, 0.453, 0.478, 0.501]


def test_wilson_rydin_orivuori_nonlinear_within_one_percent():
    """Wilson, Rydin & Orivuori, Nucl. Technol. 82 (1988) 94, 1D version (as in FeenoX's tests):
    k(T) = ρc(T) = 1 + 0.5 T (consistent units), T(x, 0) = 0, heat flux q = 1 into x = 0,
    T = 1 at the far face for t > 0, t_end = 0.25.  The tabulated T(0, t) is the
    semi-infinite answer 2(√(1 + 2√(t/π)) − 1); a slab of length L = 3 behaves as semi-infinite
    to 1e-4 up to t = 0.25, and the finite-slab Kirchhoff series is exact in any case."""
    L = 3.0
    m = strip([0.0, L], [60], ["slab"])

    def k(T):
        return 1 + 0.5 * T, np.full_like(T, 0.5)

    pb = Problem(
        m,
        {"slab": k},
        boundaries={"left": HeatFlux(1.0), "right": FixedTemperature(1.0)},
        options=SolverOptions(order=2),
    )
    s = FESemiDiscrete(TransientProblem(pb, {"slab": lambda T: 1 + 0.5 * T}), T_ref=0.0)
    assert not s.linear
    times = tuple(0.025 * (i + 1) for i in range(10))
    opt = TimeStepping(t_end=0.25, dt=0.0025, scheme="bdf2", save_times=times, save_every=10**6)
    res = TransientSolver(s, opt).run(np.zeros(s.n_dofs))
    i0 = int(np.argmin(np.abs(x_of(s))))
    for t, T, tab in zip(res.saved_times[1:], res.saved[1:], WRO_TABLE, strict=True):
        exact = float(wro_exact(np.array([0.0]), t, L)[0])
        semi = 2 * (math.sqrt(1 + 2 * math.sqrt(t / math.pi)) - 1)
        assert exact == pytest.approx(semi, rel=2e-4)
        assert semi == pytest.approx(tab, abs=6e-4)  # the definition reproduces the table
        assert T[i0] == pytest.approx(exact, rel=0.01)
    assert res.max_imbalance < 1e-8
    assert max(r.iterations for r in res.steps) >= 2  # really nonlinear


# --------------------------------------------------------------------------- 4. two layers
def _two_layer(h_model, mass="consistent", power=20.0):
    m = strip([0.0, 2e-3, 5e-3], [20, 30], ["die", "spreader"])
    pb = Problem(
        m,
        {"die": 150.0, "spreader": 390.0},
        sources={"die": Source(power=power)},
        boundaries={"right": Convection(h=2.0e4, T_inf=300.0)},
        interfaces={"die_spreader": InterfaceSpec(h_model)},
    )
    tp = TransientProblem(pb, {"die": 1.63e6, "spreader": 3.45e6}, mass=mass)
    return pb, FESemiDiscrete(tp, T_ref=300.0)


@pytest.mark.parametrize(
    "model,mass,scheme",
    [(ConstantH(1e5), "consistent", "bdf2"), (LinearH(1e5, 2e-3), "lumped", "crank_nicolson")],
)
def test_two_layer_long_time_limit_is_steady_and_energy_closes(model, mass, scheme):
    pb, s = _two_layer(model, mass)
    w = s.disc.region_volume("die") / 2e-3  # strip width [m]
    opt = TimeStepping(t_end=25.0, dt=0.1, scheme=scheme, startup_steps=2)
    res = TransientSolver(s, opt).run(np.full(s.n_dofs, 300.0))
    steady = solve(pb)
    nv = steady.temperature.size
    assert np.max(np.abs(res.final[:nv] - steady.temperature)) < 1e-6
    if isinstance(model, ConstantH):
        q = 20.0 / w  # W/m² through the stack
        T_max = 300 + q * (1 / 2.0e4 + 3e-3 / 390 + 1 / 1e5 + 2e-3 / (2 * 150))
        assert steady.regions["die"].T_max == pytest.approx(T_max, rel=1e-9)
        assert res.n_factorizations == 2
    assert res.max_imbalance < 1e-8
    if scheme == "crank_nicolson":
        # one-step scheme: the per-step statements telescope, so the heat stored at t_end equals
        # the trapezoidal ∫(P − Q) dt over the run (BDF2's differ by its start-up/end terms)
        net = sum(r.heat_in - sum(r.heat_out.values()) for r in res.steps)
        assert res.steps[-1].energy == pytest.approx(net, rel=1e-8)


def test_pulse_train_power_lands_on_edges_and_conserves_energy():
    _, s0 = _two_layer(ConstantH(1e5))
    tp = TransientProblem(
        s0.tp.problem,
        s0.tp.rho_cp,
        source_factor={"die": PulseTrain(high=1.0, period=0.1, duty=0.3)},
    )
    s = FESemiDiscrete(tp, T_ref=300.0)
    res = TransientSolver(s, TimeStepping(t_end=0.5, dt=0.02, scheme="crank_nicolson")).run(
        np.full(s.n_dofs, 300.0)
    )
    for edge in (0.03, 0.1, 0.13, 0.4, 0.43):
        assert any(abs(t - edge) < 1e-12 for t in res.times)
    assert res.max_imbalance < 1e-8
    # heat input = P × on-time (the scheme integrates a piecewise-constant power exactly)
    assert sum(r.heat_in for r in res.steps) == pytest.approx(20.0 * 5 * 0.03, rel=1e-12)


# --------------------------------------------------------------------------- 5. Z_th
def test_zth_of_a_stack_tends_to_junction_to_ambient_resistance():
    pb, _ = _two_layer(ConstantH(1e5), power=20.0)
    tp = TransientProblem(
        pb, {"die": 1.63e6, "spreader": 3.45e6}, source_factor={"die": Step(after=1.0)}
    )
    s = FESemiDiscrete(tp, T_ref=300.0)
    T0 = s.steady_state(-1.0)  # power off: uniform ambient
    assert np.allclose(T0, 300.0)
    die = s.region_dofs()["die"]
    opt = TimeStepping(t_end=20.0, dt=1e-5, scheme="bdf2", adaptive=True, atol=1e-3)
    res = TransientSolver(s, opt, monitors=[lambda t, T: {"Tj": T[die].max()}]).run(T0)
    Tj = np.array(res.monitors["Tj"])
    z = (Tj - Tj[0]) / 20.0
    R_ja = (solve(pb).regions["die"].T_max - 300.0) / 20.0
    assert z[-1] == pytest.approx(R_ja, rel=1e-4)
    assert np.all(np.diff(z) >= -opt.atol / 20.0)  # monotone rise, to the step tolerance
    assert len(res.steps) < 400  # the adaptive step grew over 6 decades of time


def test_modified_newton_reuses_factorisations_and_gives_the_same_answer():
    """Chord iterations with refreshes converge to the same exact-residual solution."""
    _, s = _two_layer(LinearH(1e5, 5e-2), "consistent", power=200.0)
    assert not s.linear
    T0 = np.full(s.n_dofs, 300.0)
    runs = {}
    for newton in ("exact", "modified"):
        opt = TimeStepping(t_end=2.0, dt=0.05, scheme="bdf2", newton=newton, rtol=1e-11)
        runs[newton] = TransientSolver(s, opt).run(T0)
    ex, mo = runs["exact"], runs["modified"]
    assert np.max(np.abs(ex.final - mo.final)) < 1e-7
    assert mo.n_factorizations < ex.n_factorizations / 2
    assert mo.max_imbalance < 1e-8


# --------------------------------------------------------------------------- 6. loads in time
def test_ambient_step_gives_lumped_capacitance_exponential():
    """Bi = hL/k = 1e-4: the slab stays uniform (to Bi·ΔT/2 = 2.5 mK) and follows the lumped
    capacitance law T = T∞ + (T0 − T∞) exp(−h t/(ρc L)) (Incropera, *Fundamentals of Heat and
    Mass Transfer*, 6th ed., eq. 5.6)."""
    L, rc, h = 1e-3, 1.0e6, 100.0
    m = strip([0.0, L], [5], ["slab"])
    pb = Problem(m, {"slab": 1e3}, boundaries={"right": Convection(h=h, T_inf=300.0)})
    tp = TransientProblem(pb, {"slab": rc}, ambient={"right": Step(after=350.0, before=300.0)})
    s = FESemiDiscrete(tp, T_ref=300.0)
    res = TransientSolver(s, TimeStepping(t_end=20.0, dt=0.05, scheme="bdf2")).run(
        np.full(s.n_dofs, 300.0)
    )
    tau = rc * L / h
    for t, T in zip(res.saved_times[::100], res.saved[::100], strict=True):
        exact = 350.0 - 50.0 * math.exp(-t / tau)
        assert np.max(np.abs(T - exact)) < 5e-3, t
    assert res.max_imbalance < 1e-8


def test_ramped_surface_temperature_quasi_steady_lag():
    """T_s = T0 + βt at x = 0, x = L insulated: after the transient (t ≫ L²/α) the back face
    lags by βL²/(2α) (Carslaw & Jaeger §3.5, the linear-in-time surface temperature)."""
    from femtbr.fem.values.power_profiles import PiecewiseLinear

    L, k, rc, beta = 1e-3, 100.0, 1e6, 10.0  # α = 1e-4 m²/s, L²/α = 10 ms
    m = strip([0.0, L], [40], ["slab"])
    pb = Problem(m, {"slab": k}, boundaries={"left": FixedTemperature(300.0)})
    ramp = PiecewiseLinear((0.0, 1.0), (300.0, 300.0 + beta))
    tp = TransientProblem(pb, {"slab": rc}, boundary_temperature={"left": ramp})
    s = FESemiDiscrete(tp, T_ref=300.0)
    res = TransientSolver(s, TimeStepping(t_end=0.2, dt=1e-3, scheme="bdf2")).run(
        np.full(s.n_dofs, 300.0)
    )
    back = np.argmax(x_of(s))
    lag = beta * L**2 / (2 * k / rc)
    assert res.final[back] == pytest.approx(300.0 + beta * 0.2 - lag, abs=1e-3 * lag)
    assert res.max_imbalance < 1e-8


def test_bad_transient_input_names_the_key():
    from femtbr.errors import InputError

    m = strip([0.0, 1.0, 2.0], [2, 2], ["a", "b"])
    pb = Problem(
        m,
        {"a": 1.0, "b": 1.0},
        boundaries={"left": FixedTemperature(0.0)},
        options=SolverOptions(order=2),
    )
    with pytest.raises(InputError, match=r"rho_cp\.b"):
        TransientProblem(pb, {"a": 1.0})
    with pytest.raises(InputError, match=r"rho_cp\.a"):
        TransientProblem(pb, {"a": -1.0, "b": 1.0})
    with pytest.raises(InputError, match=r"ambient\.left"):
        TransientProblem(pb, {"a": 1.0, "b": 1.0}, ambient={"left": Step(after=1.0)})
    with pytest.raises(InputError, match="mass"):
        FESemiDiscrete(TransientProblem(pb, {"a": 1.0, "b": 1.0}, mass="lumped"))
    with pytest.raises(InputError, match="scheme"):
        TimeStepping(t_end=1.0, dt=0.1, scheme="rk4")
    with pytest.raises(InputError, match="dt"):
        TimeStepping(t_end=1.0, dt=0.0)


@pytest.mark.parametrize("mass", ["consistent", "lumped"])
def test_heat_capacity_jacobian_matches_finite_differences(mass):
    """M(T) = dE/dT for a temperature-dependent ρc_p (central differences, O(ε²))."""
    m = strip([0.0, 1e-3, 2e-3], [4, 4], ["a", "b"])
    pb = Problem(m, {"a": 10.0, "b": 20.0}, boundaries={"left": FixedTemperature(300.0)})
    tp = TransientProblem(
        pb, {"a": lambda T: 1e6 * (1 + 1e-3 * (T - 300) ** 2), "b": 2e6}, mass=mass
    )
    s = FESemiDiscrete(tp, T_ref=290.0)
    rng = np.random.default_rng(7)
    T = 300.0 + 50.0 * rng.random(s.n_dofs)
    v = rng.standard_normal(s.n_dofs)
    _, M = s.stored(T)
    eps = 1e-3
    fd = (s.stored(T + eps * v)[0] - s.stored(T - eps * v)[0]) / (2 * eps)
    assert np.allclose(M @ v, fd, rtol=1e-7, atol=1e-9 * np.abs(fd).max())
    # the stored heat is ∫ H(T) dΩ: for a uniform field, ρc_p integrated exactly by the rule
    E, _ = s.stored(np.full(s.n_dofs, 310.0))
    H_a = 1e6 * (20.0 + 1e-3 * (10.0**3 + 10.0**3) / 3)  # ∫_{290}^{310} ρc dT [J/m³]
    w = s.disc.region_volume("a") / 1e-3
    assert E.sum() == pytest.approx(H_a * 1e-3 * w + 2e6 * 20.0 * 1e-3 * w, rel=1e-12)


def test_amg_path_gives_the_direct_answer_and_keeps_its_hierarchy():
    _, s = _two_layer(LinearH(1e5, 5e-2), "consistent", power=200.0)
    out = {}
    for ls in ("direct", "amg"):
        opt = TimeStepping(t_end=0.5, dt=0.05, scheme="bdf2", linear_solver=ls)
        out[ls] = TransientSolver(s, opt).run(np.full(s.n_dofs, 300.0))
    assert np.max(np.abs(out["amg"].final - out["direct"].final)) < 1e-8
    assert out["amg"].max_imbalance < 1e-8
    assert out["amg"].n_factorizations <= 2  # one hierarchy, reused as preconditioner
