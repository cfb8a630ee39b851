"""Axisymmetric (r–z) solutions against closed forms, a manufactured solution and a thin wedge.

Each reference is computed independently in the test from the cylindrical heat equation
(1/r)∂_r(r k ∂_r T) + ∂_z(k ∂_z T) + s = 0 (Carslaw & Jaeger, *Conduction of Heat in Solids*,
2nd ed. (1959), ch. 1; the composite cylinder, ibid. §7.2):

* two coaxial cylinders of radius R pressed end to end through a conductance h, sides
  adiabatic, far ends at fixed T: the axial series resistance L₁/(k₁A) + 1/(hA) + L₂/(k₂A),
  A = πR²; T is linear in z, so P1/Q1 are exact and everything agrees to round-off;
* a hollow cylinder a < r < b with an interface at r = c: the radial series resistance
  [ln(c/a)/k₁ + 1/(h c) + ln(b/c)/k₂] / (2πH); T is logarithmic, so the FE converges at its
  rate;
* a manufactured T(r, z) with the source from the axisymmetric Laplacian: L2 rates 2 (P1) and
  3 (P2);
* a thin 3D wedge of the same hollow cylinder: the heat per radian and T agree.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from skfem import CellBasis

from femtbr.errors import InputError, MeshError
from femtbr.fem import (
    Convection,
    FixedTemperature,
    InterfaceSpec,
    Problem,
    Radiation,
    SolverOptions,
    Source,
    forms,
    solve,
)
from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.meshes import tensor_mesh
from femtbr.fem.skfem import split
from tests.fem_helpers import ELEMENTS_2D, ConstantH

IDS = [f"{c}-P{p}" for c, p in ELEMENTS_2D]


def perturbed(mesh, fixed_x=(), fixed_y=(), amount=0.15, seed=5):
    """``mesh`` with interior nodes moved by up to ``amount`` of the local spacing, except
    along the lines x ∈ ``fixed_x`` (moved in y only) and y ∈ ``fixed_y`` (moved in x only)."""
    pts = mesh.points.copy()
    rng = np.random.default_rng(seed)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    step = (hi - lo) / np.array([len(np.unique(pts[:, d])) - 1 for d in range(2)])
    move = amount * step * (rng.random(pts.shape) - 0.5)
    for d, lines in ((0, (lo[0], hi[0], *fixed_x)), (1, (lo[1], hi[1], *fixed_y))):
        on = np.any(np.isclose(pts[:, d][:, None], np.array(lines)[None, :], rtol=0,
                               atol=1e-12 * (hi[d] - lo[d])), axis=1)
        move[on, d] = 0.0
    return mesh.__class__(pts + move, mesh.cells, mesh.cell_type, mesh.regions, mesh.boundaries,
                          mesh.interfaces)


# ----------------------------------------------------------------------------- axial contact
R, L1, L2 = 0.0125, 0.025, 0.02  # m
K1, K2, H_C = 16.2, 45.0, 2.0e3  # W/(m K), W/(m² K)
T_TOP, T_BOT = 350.0, 300.0  # K


def two_cylinders(cell_type: str, order: int, n: int = 4) -> Problem:
    xs = np.linspace(0.0, R, n + 1)
    ys = np.r_[np.linspace(0.0, L2, n + 1), np.linspace(L2, L2 + L1, n + 1)[1:]]
    m = tensor_mesh(xs, ys, None, cell_type,
                    lambda c: np.where(c[:, 1] < L2, "lower", "upper"))
    m = perturbed(m.interface_between("joint", "upper", "lower"), fixed_y=(L2,))
    return Problem(m, {"upper": K1, "lower": K2}, {},
                   {"ymax": FixedTemperature(T_TOP), "ymin": FixedTemperature(T_BOT)},
                   {"joint": InterfaceSpec(ConstantH(H_C))},
                   SolverOptions(order=order, rtol=1e-13), axisymmetric=True)


@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS_2D, ids=IDS)
def test_two_cylinder_contact_is_the_axial_closed_form(cell_type, order):
    A = math.pi * R**2
    Q = (T_TOP - T_BOT) / (L1 / (K1 * A) + 1.0 / (H_C * A) + L2 / (K2 * A))
    jump = Q / (H_C * A)
    sol = solve(two_cylinders(cell_type, order))
    res = sol.interfaces["joint"]
    assert res.area == pytest.approx(A, rel=1e-12)
    assert res.heat == pytest.approx(Q, rel=1e-10)
    assert res.jump_mean == pytest.approx(jump, rel=1e-10)
    assert sol.boundaries["ymin"] == pytest.approx(Q, rel=1e-10)
    assert sol.boundaries["ymax"] == pytest.approx(-Q, rel=1e-10)
    assert sol.regions["upper"].volume == pytest.approx(A * L1, rel=1e-12)
    # T(z) piecewise linear, on every node of both sides (split copies included)
    z, Tb_top = sol.points[:, 1], T_BOT + Q * L2 / (K2 * A)
    upper = np.zeros(sol.points.shape[0], bool)
    upper[np.unique(sol.cells[np.asarray(sol.region_id) == sol.region_names.index("upper")])] = 1
    exact = np.where(upper, Tb_top + jump + (z - L2) * Q / (K1 * A), T_BOT + z * Q / (K2 * A))
    assert np.abs(sol.temperature - exact).max() <= 1e-10 * T_TOP
    assert sol.energy_balance <= 1e-8


# ----------------------------------------------------------------------------- radial
A_IN, C_MID, B_OUT, HEIGHT = 0.01, 0.02, 0.03, 0.01  # m
KR1, KR2, HR = 5.0, 20.0, 800.0
T_IN, T_OUT = 400.0, 300.0


def radial_exact():
    """Heat [W] out of the bore, the interface jump [K] and T(r) of the composite tube."""
    res = (math.log(C_MID / A_IN) / KR1 + 1.0 / (HR * C_MID) + math.log(B_OUT / C_MID) / KR2)
    q_line = (T_IN - T_OUT) / res  # W per radian per metre of height: Q / (2π H)
    Q = 2 * math.pi * HEIGHT * q_line
    jump = q_line / (HR * C_MID)

    def T(r):
        inner = T_IN - q_line / KR1 * np.log(r / A_IN)
        outer = T_OUT + q_line / KR2 * np.log(B_OUT / r)
        return np.where(r < C_MID, inner, outer)

    return Q, jump, T


def radial_problem(cell_type: str, order: int, n: int) -> Problem:
    xs = np.r_[np.linspace(A_IN, C_MID, n + 1), np.linspace(C_MID, B_OUT, n + 1)[1:]]
    ys = np.linspace(0.0, HEIGHT, max(n // 2, 1) + 1)
    m = tensor_mesh(xs, ys, None, cell_type, lambda c: np.where(c[:, 0] < C_MID, "in", "out"))
    m = perturbed(m.interface_between("ring", "in", "out"), fixed_x=(C_MID,))
    return Problem(m, {"in": KR1, "out": KR2}, {},
                   {"xmin": FixedTemperature(T_IN), "xmax": FixedTemperature(T_OUT)},
                   {"ring": InterfaceSpec(ConstantH(HR))},
                   SolverOptions(order=order, rtol=1e-13), axisymmetric=True)


def l2_error(pb: Problem, sol, exact) -> float:
    """(∫ (T_h − T)² 2πr dr dz)^½ [K m^1.5] with a rule well above the element's degree."""
    disc = Discretization(pb.mesh, tuple(pb.interfaces), pb.options.order, axisymmetric=True)
    sm = split(pb.mesh, discretization=disc)
    fine = CellBasis(sm.mesh, sm.basis.elem, intorder=2 * pb.options.order + 6)
    Th = sol.dof_temperature if pb.options.order > 1 else sol.temperature
    uh = fine.interpolate(Th)
    x = fine.global_coordinates()
    err2 = forms.revolved(forms.integral).assemble(fine, T=(uh - exact(x[0], x[1])) ** 2)
    return math.sqrt(err2)


@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS_2D, ids=IDS)
def test_hollow_cylinder_with_interface_converges_to_the_log_closed_form(cell_type, order):
    Q, jump, T = radial_exact()
    errs, heat_errs = [], []
    for n in (4, 8, 16):
        pb = radial_problem(cell_type, order, n)
        sol = solve(pb)
        assert sol.energy_balance <= 1e-8
        res = sol.interfaces["ring"]
        assert res.area == pytest.approx(2 * math.pi * C_MID * HEIGHT, rel=1e-12)
        heat_errs.append(abs(sol.boundaries["xmax"] - Q) / Q)
        errs.append(l2_error(pb, sol, lambda r, z: T(r)))
    rates = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert rates[-1] == pytest.approx(order + 1, abs=0.25), (errs, rates)
    assert heat_errs[-1] < heat_errs[0] / 4 ** order
    assert heat_errs[-1] < (2e-3 if order == 1 else 1e-5)
    # interface heat and jump: the conductance term carries 2πc exactly
    assert res.heat == pytest.approx(Q, rel=heat_errs[-1] * 2 + 1e-12)
    assert res.jump_mean == pytest.approx(jump, rel=5 * heat_errs[-1] + 1e-12)


# ----------------------------------------------------------------------------- manufactured
K_MMS = 3.0


def t_mms(r, z):
    """T = 300 + 20(1 − r²) sin(πz) + 5z [K] on 0 ≤ r, z ≤ 1 (smooth across the axis)."""
    return 300.0 + 20.0 * (1.0 - r**2) * np.sin(np.pi * z) + 5.0 * z


def s_mms(x):
    """s = −k[(1/r)∂_r(r ∂_r T) + ∂²_z T] for :func:`t_mms`, worked by hand:
    (1/r)∂_r(r·(−40 r sin πz)) = −80 sin πz, ∂²_z T = −20π²(1 − r²) sin πz."""
    r, z = x[:, 0], x[:, 1]
    return K_MMS * (80.0 * np.sin(np.pi * z) + 20.0 * np.pi**2 * (1.0 - r**2) * np.sin(np.pi * z))


@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS_2D, ids=IDS)
def test_manufactured_rz_solution_converges_at_the_optimal_rate(cell_type, order):
    """The axis x = 0 carries no condition (natural symmetry); T fixed elsewhere."""
    errs = []
    for n in (4, 8, 16):
        g = np.linspace(0.0, 1.0, n + 1)
        m = perturbed(tensor_mesh(g, g, None, cell_type), seed=n)

        def fixed(x):
            return t_mms(x[:, 0], x[:, 1])

        pb = Problem(m, {"body": K_MMS}, {"body": Source(density=s_mms)},
                     {b: FixedTemperature(fixed) for b in ("xmax", "ymin", "ymax")},
                     options=SolverOptions(order=order, rtol=1e-13), axisymmetric=True)
        sol = solve(pb)
        assert sol.energy_balance <= 1e-8
        errs.append(l2_error(pb, sol, t_mms))
    rates = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert rates[-1] == pytest.approx(order + 1, abs=0.2), (errs, rates)


def test_plane_solver_does_not_solve_the_rz_problem():
    """The same mesh and source without the 2πr weight misses the manufactured solution."""
    g = np.linspace(0.0, 1.0, 17)
    m = tensor_mesh(g, g, None, "quad")
    bc = {b: FixedTemperature(lambda x: t_mms(x[:, 0], x[:, 1])) for b in ("xmax", "ymin", "ymax")}
    pb = Problem(m, {"body": K_MMS}, {"body": Source(density=s_mms)}, bc,
                 options=SolverOptions(order=2))
    e_plane = l2_error(replace(pb, axisymmetric=True), solve(pb), t_mms)
    e_axi = l2_error(replace(pb, axisymmetric=True), solve(replace(pb, axisymmetric=True)),
                     t_mms)
    assert e_plane > 1e3 * e_axi


# ----------------------------------------------------------------------------- energy
def test_energy_balance_with_every_term():
    """k(T), source power, convection + radiation, an interface: Σ in = Σ out to 1e-8, and a
    source ``power`` is the revolved body's total."""
    g = np.linspace(0.0, 0.02, 9)
    m = tensor_mesh(g, g, None, "triangle", lambda c: np.where(c[:, 1] < 0.01, "a", "b"))
    m = perturbed(m.interface_between("ab", "a", "b"), fixed_y=(0.01,))
    pb = Problem(m, {"a": lambda T: (10 + 0.02 * T, 0.02 + 0 * T), "b": 50.0},
                 {"a": Source(power=12.0)},
                 {"xmax": (Convection(200.0, 300.0), Radiation(0.9, 290.0)),
                  "ymax": FixedTemperature(320.0)},
                 {"ab": InterfaceSpec(ConstantH(5e3))}, SolverOptions(order=2),
                 axisymmetric=True)
    sol = solve(pb)
    assert sol.energy_balance <= 1e-8
    assert sol.regions["a"].power == pytest.approx(12.0, rel=1e-12)
    assert sum(sol.boundaries.values()) == pytest.approx(12.0, rel=1e-8)
    assert sol.regions["a"].volume == pytest.approx(math.pi * 0.02**2 * 0.01, rel=1e-12)


# ----------------------------------------------------------------------------- wedge
def test_thin_wedge_agrees_with_the_rz_solution():
    """The hollow composite tube as a 3D wedge of angle α = 0.02 rad (Q2 hexahedra): the heat
    per radian and the interface jump agree with the r–z P2 solution; the wedge's straight
    chords bias it by O(α²)."""
    alpha, n = 0.02, 8
    xs = np.r_[np.linspace(A_IN, C_MID, n + 1), np.linspace(C_MID, B_OUT, n + 1)[1:]]
    ys = np.linspace(0.0, alpha, 2)
    zs = np.linspace(0.0, HEIGHT, 3)
    m = tensor_mesh(xs, ys, zs, "hexahedron", lambda c: np.where(c[:, 0] < C_MID, "in", "out"))
    m = m.interface_between("ring", "in", "out")
    r, th, z = m.points.T
    pts = np.c_[r * np.cos(th), r * np.sin(th), z]
    wedge = m.__class__(pts, m.cells, m.cell_type, m.regions, m.boundaries, m.interfaces)
    pb3 = Problem(wedge, {"in": KR1, "out": KR2}, {},
                  {"xmin": FixedTemperature(T_IN), "xmax": FixedTemperature(T_OUT)},
                  {"ring": InterfaceSpec(ConstantH(HR))}, SolverOptions(order=2, rtol=1e-13))
    s3 = solve(pb3)
    s2 = solve(radial_problem("quad", 2, n))
    per_rad_3d = s3.boundaries["xmax"] / alpha
    per_rad_2d = s2.boundaries["xmax"] / (2 * math.pi)
    assert per_rad_3d == pytest.approx(per_rad_2d, rel=alpha**2 / 4)
    assert s3.interfaces["ring"].jump_mean == pytest.approx(s2.interfaces["ring"].jump_mean,
                                                            rel=alpha**2 / 4)
    assert s3.regions["in"].T_mean == pytest.approx(s2.regions["in"].T_mean, rel=1e-5)


# ----------------------------------------------------------------------------- bad input
def test_points_left_of_the_axis_are_named():
    g = np.linspace(-0.1, 1.0, 5)
    m = tensor_mesh(g, g, None, "quad")
    pb = Problem(m, {"body": 1.0}, {}, {"ymin": FixedTemperature(300.0)}, axisymmetric=True)
    with pytest.raises(MeshError, match=r"r = x < 0; node 0 at r = -0.1 m \(cell 0 of region "
                                        r"'body'\)"):
        solve(pb)


def test_condition_on_the_axis_is_rejected():
    g = np.linspace(0.0, 1.0, 5)
    m = tensor_mesh(g, g, None, "triangle")
    pb = Problem(m, {"body": 1.0}, {}, {"xmin": FixedTemperature(300.0)}, axisymmetric=True)
    with pytest.raises(InputError, match=r"boundaries\.xmin: facets .* lie on the axis r = 0"):
        solve(pb)


def test_a_3d_mesh_is_not_a_section():
    g = np.linspace(0.0, 1.0, 3)
    m = tensor_mesh(g, g, g, "hexahedron")
    pb = Problem(m, {"body": 1.0}, {}, {"xmax": FixedTemperature(300.0)}, axisymmetric=True)
    with pytest.raises(MeshError, match="2D r–z section.*3D"):
        solve(pb)


def test_discretization_of_the_other_kind_is_refused():
    pb = two_cylinders("quad", 1)
    plane = Discretization(pb.mesh, ("joint",), 1)
    with pytest.raises(InputError, match="section kind"):
        solve(pb, plane)


# ----------------------------------------------------------------------------- transient
def test_cooled_rim_gives_the_lumped_capacitance_of_the_solid_cylinder():
    """A solid cylinder (Bi = hR/k = 1e-4) whose rim r = R sees an ambient step follows the
    lumped capacitance law with V/A = πR²H/(2πRH) = R/2: T = T∞ + (T0 − T∞) exp(−t/τ),
    τ = ρc R/(2h) (Incropera, *Fundamentals of Heat and Mass Transfer*, 6th ed., eq. 5.6) —
    half the time constant of the plane strip of the same section."""
    from femtbr.fem.transient.transient import TimeStepping, TransientSolver
    from femtbr.fem.transient.transient_system import FESemiDiscrete
    from femtbr.fem.values.power_profiles import Step
    from femtbr.fem.values.transient_problem import TransientProblem

    radius, rc, h = 1e-3, 1.0e6, 100.0
    g = np.linspace(0.0, radius, 5)
    m = tensor_mesh(g, g, None, "quad")
    pb = Problem(m, {"body": 1e3}, boundaries={"xmax": Convection(h, 300.0)},
                 axisymmetric=True)
    tp = TransientProblem(pb, {"body": rc}, ambient={"xmax": Step(after=350.0, before=300.0)})
    s = FESemiDiscrete(tp, T_ref=300.0)
    res = TransientSolver(s, TimeStepping(t_end=10.0, dt=0.02, scheme="bdf2")).run(
        np.full(s.n_dofs, 300.0))
    tau = rc * radius / (2 * h)
    for t, T in zip(res.saved_times[::50], res.saved[::50], strict=True):
        assert np.max(np.abs(T - (350.0 - 50.0 * math.exp(-t / tau)))) < 5e-3, t
    assert res.max_imbalance < 1e-8
