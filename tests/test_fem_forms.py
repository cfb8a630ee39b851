"""The fast kernels equal ``skfem.asm`` of the forms in :mod:`femtbr.fem.forms`.

For all eight element types (P1/P2 triangles and tetrahedra, Q1/Q2 quadrilaterals and
hexahedra) on skewed, non-affine two-region meshes with a split interface, every term's residual
vector (conduction with a scalar k(T) and with a rotated conductivity tensor K(T) among them)
and Jacobian matrix from the fast path (:class:`femtbr.fem.assembly.assemble.System`) equals the
scikit-fem assembly of its form (:class:`femtbr.fem.skfem_backend.FormSystem`) to 1e-12
relative; so do the mass matrix and stored heat of the transient, and the post-processing
integrals of a solution.  The forms themselves are checked against finite differences of
their residuals, so the equality is with a correct specification.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from skfem import asm

from femtbr.fem import (
    Convection,
    FixedTemperature,
    HeatFlux,
    InterfaceSpec,
    Problem,
    Radiation,
    SolverOptions,
    Source,
    forms,
    solve,
)
from femtbr.fem.assembly.assemble import build_system
from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.meshes import tensor_mesh
from femtbr.fem.skfem import split
from femtbr.fem.skfem_backend import FormSystem
from femtbr.fem.transient.transient_system import FESemiDiscrete
from femtbr.fem.values.transient_problem import TransientProblem, enthalpy, heat_capacity
from tests.fem_helpers import ELEMENTS_2D, ELEMENTS_3D, ConstantH, CubicH, jacobian_vs_fd

ELEMENTS = ELEMENTS_2D + ELEMENTS_3D
IDS = [f"{c}-P{p}" for c, p in ELEMENTS]
TINY_K = 1e-30  # W/(m K): makes the bulk negligible next to the term under test
RTOL = 1e-12


def skewed_mesh(cell_type: str):
    """Two regions a | b (x < ½ | x > ½), interface ``ab`` between them, interior vertices
    (those on the interface too) moved at random: non-affine quads/hexes, skewed simplices."""
    xs = np.array([0.0, 0.3, 0.5, 0.75, 1.0])
    ys = np.linspace(0.0, 1.0, 4) ** 1.5

    def region(c):
        return np.where(c[:, 0] < 0.5, "a", "b")

    zs = np.array([0.0, 0.4, 1.0]) if cell_type in ("tetra", "hexahedron") else None
    m = tensor_mesh(xs, ys, zs, cell_type, region).interface_between("ab", "a", "b")
    pts = m.points.copy()
    inner = np.all((pts > 1e-9) & (pts < 1 - 1e-9), axis=1)
    pts[inner] += 0.04 * np.random.default_rng(7).standard_normal(pts[inner].shape)
    return m.__class__(pts, m.cells, m.cell_type, m.regions, m.boundaries, m.interfaces)


def k_of_T(T):
    """k(T) = 10 + 0.01 T^1.5 W/(m K), dk/dT = 0.015 T^0.5."""
    return 10.0 + 0.01 * T**1.5, 0.015 * T**0.5


def principal_table(T):
    """k(T) = 2 + 0.001 T² W/(m K), dk/dT = 0.002 T: a second T-dependent principal value."""
    return 2.0 + 0.001 * T**2, 0.002 * T


def tensors(dim: int) -> dict:
    """Region a: K(T) with two T-dependent principal values along axes rotated by 30° (2D) or
    the z-y-x Euler angles (30°, 20°, −40°) (3D); region b: a constant rotated tensor."""
    from femtbr.fem.values.conductivity_tensor import ConductivityTensor
    from femtbr.materials.anisotropy import rotation_matrix

    R = rotation_matrix([30.0] if dim == 2 else [30.0, 20.0, -40.0], dim)
    a = (k_of_T, 3.0, principal_table) if dim == 3 else (k_of_T, principal_table)
    b = (7.0, 0.5, 2.0)[:dim]
    return {"a": ConductivityTensor(R.T, a), "b": ConductivityTensor(R, b)}


def q_of_x(x):
    """A source density varying in space [W/m³]."""
    return 1e3 * (1.0 + x[:, 0] + x[:, 1] ** 2)


def term_problem(term: str, mesh, order: int) -> Problem:
    """A problem whose residual is (to 1e-30 relative) the one term ``term``."""
    k = {"a": TINY_K, "b": TINY_K}
    bnd: dict = {"ymax": FixedTemperature(300.0)}
    itf = {"ab": InterfaceSpec(ConstantH(0.0))}  # split, no conductance
    src = {}
    if term == "conduction":
        k = {"a": k_of_T, "b": 7.0}
    elif term == "conduction_tensor":
        k = tensors(mesh.points.shape[1])
    elif term == "interface":
        itf = {"ab": InterfaceSpec(CubicH(0.05), 1e5)}
    elif term == "convection":
        bnd["xmax"] = Convection(50.0, 290.0)
    elif term == "radiation":
        bnd["xmax"] = Radiation(0.7, 280.0)
        bnd["xmin"] = Radiation(0.3, 250.0)
    elif term == "flux":
        bnd["ymin"] = HeatFlux(1e4)
    elif term == "source":
        src = {"a": Source(power=5.0), "b": Source(density=q_of_x)}
    return Problem(mesh, k, src, bnd, itf, SolverOptions(order=order))


def relerr(x, y) -> float:
    x, y = np.asarray(x), np.asarray(y)
    return float(np.abs(x - y).max() / np.abs(x).max())


TERMS = ["conduction", "conduction_tensor", "interface", "convection", "radiation", "flux",
         "source"]


@pytest.mark.parametrize("term", TERMS)
@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS, ids=IDS)
def test_fast_kernel_equals_skfem_form(cell_type, order, term):
    """Residual R(T) and Jacobian data at a random T in 300-400 K, and the load vector."""
    mesh = skewed_mesh(cell_type)
    pb = term_problem(term, mesh, order)
    disc = Discretization(mesh, ("ab",), order)
    fast = build_system(pb, disc)
    ref = FormSystem.from_system(build_system(pb, disc))
    T = 300.0 + 100.0 * np.random.default_rng(0).random(disc.n_dofs)
    R1, J1 = fast.evaluate(T)
    R2, J2 = ref.evaluate(T)
    assert np.abs(R1).max() > 1e-6  # the term is there (bulk alone is ~1e-27)
    assert relerr(R1, R2) <= RTOL
    if term in ("flux", "source"):
        assert relerr(fast.F, ref.F) <= RTOL
    else:
        assert np.abs(J1).max() > 1e-6
        assert relerr(J1, J2) <= RTOL
    assert (fast.nonlinear, fast.asymmetric) == (ref.nonlinear, ref.asymmetric)


@pytest.mark.parametrize(("cell_type", "order"), [("triangle", 2), ("hexahedron", 1)])
def test_triple_junction_interfaces_equal_forms(cell_type, order):
    """Three regions meeting along a line (a point in 2D), three split interfaces with
    T-dependent conductances: the copies at the junction pair correctly in both paths."""
    xs = np.array([0.0, 0.3, 0.5, 0.75, 1.0])
    ys = np.array([0.0, 0.25, 0.5, 0.8, 1.0])

    def region(c):
        return np.where(c[:, 0] < 0.5, "a", np.where(c[:, 1] < 0.5, "b", "c"))

    zs = np.array([0.0, 0.4, 1.0]) if cell_type == "hexahedron" else None
    m = tensor_mesh(xs, ys, zs, cell_type, region)
    for a, b in (("a", "b"), ("a", "c"), ("b", "c")):
        m = m.interface_between(a + b, a, b)
    pts = m.points.copy()
    inner = np.all((pts > 1e-9) & (pts < 1 - 1e-9), axis=1)
    pts[inner] += 0.03 * np.random.default_rng(3).standard_normal(pts[inner].shape)
    m = m.__class__(pts, m.cells, m.cell_type, m.regions, m.boundaries, m.interfaces)
    itf = {n: InterfaceSpec(CubicH(c)) for n, c in (("ab", 0.05), ("ac", 0.02), ("bc", 0.1))}
    pb = Problem(m, {"a": TINY_K, "b": TINY_K, "c": TINY_K}, {},
                 {"ymin": FixedTemperature(300.0)}, itf, SolverOptions(order=order))
    disc = Discretization(m, tuple(itf), order)
    assert disc.split.n_copies > 0
    T = 300.0 + 100.0 * np.random.default_rng(0).random(disc.n_dofs)
    R1, J1 = build_system(pb, disc).evaluate(T)
    R2, J2 = FormSystem.from_system(build_system(pb, disc)).evaluate(T)
    assert relerr(R1, R2) <= RTOL
    assert relerr(J1, J2) <= RTOL


@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS, ids=IDS)
def test_form_jacobians_are_exact(cell_type, order):
    """The *_jacobian forms are the derivatives of the residual forms (central differences),
    with k(T), h(T̄) with dh/dT and radiation together."""
    mesh = skewed_mesh(cell_type)
    pb = Problem(mesh, {"a": k_of_T, "b": 3.0}, {},
                 {"xmax": Radiation(0.7, 280.0), "xmin": Convection(20.0, 300.0)},
                 {"ab": InterfaceSpec(CubicH(0.05))}, SolverOptions(order=order))
    disc = Discretization(mesh, ("ab",), order)
    err, _, _ = jacobian_vs_fd(FormSystem.from_system(build_system(pb, disc)), disc, eps=1e-2)
    assert err < 1e-8


@pytest.mark.parametrize("backend", ["fast", "skfem"])
@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS, ids=IDS)
def test_tensor_jacobian_is_exact(cell_type, order, backend):
    """Jacobian of ∫ (K(T)∇T)·∇v with T-dependent principal values (rotated axes) against
    central differences of the residual, for the fast kernel and for the form."""
    mesh = skewed_mesh(cell_type)
    pb = Problem(mesh, tensors(mesh.points.shape[1]), {}, {"xmin": Convection(20.0, 300.0)},
                 {"ab": InterfaceSpec(CubicH(0.05))}, SolverOptions(order=order))
    disc = Discretization(mesh, ("ab",), order)
    system = build_system(pb, disc)
    if backend == "skfem":
        system = FormSystem.from_system(system)
    err, _, _ = jacobian_vs_fd(system, disc, eps=1e-2)
    assert err < 1e-8


@pytest.mark.parametrize(("cell_type", "order"), [e for e in ELEMENTS if e[0] in
                                                  ("quad", "hexahedron")],
                         ids=[i for i in IDS if i.startswith(("quad", "hex"))])
def test_tensor_on_affine_cells_equals_forms(cell_type, order):
    """Quads / hexes made parallelograms / parallelepipeds by a global shear take the affine
    route of the tensor kernel (per-principal-direction metrics M_m, which sum to the cell
    metric |det J| J⁻¹J⁻ᵀ); residual and Jacobian equal the forms to 1e-12."""
    from femtbr.fem.fast.conduction import principal_metrics

    d = 3 if cell_type == "hexahedron" else 2
    m0 = tensor_mesh(np.array([0.0, 0.3, 0.5, 0.75, 1.0]), np.linspace(0.0, 1.0, 4) ** 1.5,
                     np.array([0.0, 0.4, 1.0]) if d == 3 else None, cell_type,
                     lambda c: np.where(c[:, 0] < 0.5, "a", "b")).interface_between("ab", "a",
                                                                                     "b")
    shear = np.eye(d) + np.triu(0.3 * np.ones((d, d)), 1)
    m = m0.__class__(m0.points @ shear.T, m0.cells, m0.cell_type, m0.regions, m0.boundaries,
                     m0.interfaces)
    k = tensors(d)
    pb = Problem(m, k, {}, {"ymax": FixedTemperature(300.0)},
                 {"ab": InterfaceSpec(ConstantH(0.0))}, SolverOptions(order=order))
    disc = Discretization(m, ("ab",), order)
    fast = build_system(pb, disc)
    ref = FormSystem.from_system(build_system(pb, disc))
    T = 300.0 + 100.0 * np.random.default_rng(0).random(disc.n_dofs)
    R1, J1 = fast.evaluate(T)
    R2, J2 = ref.evaluate(T)
    assert relerr(R1, R2) <= RTOL
    assert relerr(J1, J2) <= RTOL
    batches = disc.cache.conduction["a"].batches  # built by the evaluation above
    assert batches and all(b.metric is not None for b in batches)  # the affine route
    for b in batches:
        Mm = principal_metrics(disc, b, k["a"])
        np.testing.assert_allclose(Mm.sum(axis=0), b.metric, rtol=1e-12,
                                   atol=1e-14 * np.abs(b.metric).max())


@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS, ids=IDS)
def test_mass_and_stored_heat_equal_forms(cell_type, order):
    """Consistent mass matrix (constant ρc_p in a, ρc_p(T) in b) and stored heat."""
    mesh = skewed_mesh(cell_type)
    pb = Problem(mesh, {"a": 3.0, "b": 5.0}, {}, {"xmin": FixedTemperature(300.0)},
                 {"ab": InterfaceSpec(ConstantH(1e3))}, SolverOptions(order=order))
    assert_stored_heat_equals_forms(pb, forms)


def assert_stored_heat_equals_forms(pb: Problem, form_set) -> None:
    """The fast path's mass matrix and stored heat of ``pb`` (ρc_p = 2.5e6 J/(m³ K) in region
    a, 1.6e6 + 2e3 T in b, T_ref = 290 K) equal ``asm`` of ``form_set``'s mass and stored-heat
    forms at a random T, and the skfem backend's transient (which uses those forms) agrees."""

    def rc_b(T):
        return 1.6e6 + 2e3 * T

    tp = TransientProblem(pb, {"a": 2.5e6, "b": rc_b}, T_ref=290.0)
    fe = FESemiDiscrete(tp)
    assert fe.disc.axisymmetric == pb.axisymmetric
    sm = split(pb.mesh, discretization=fe.disc)
    T = 300.0 + 100.0 * np.random.default_rng(1).random(fe.n_dofs)
    E, M = fe.stored(T)
    Ta = sm.regions["a"].interpolate(T)
    Tb = np.asarray(sm.regions["b"].interpolate(T))
    M_ref = (asm(form_set.mass, sm.regions["a"], capacity=2.5e6)
             + asm(form_set.mass, sm.regions["b"], capacity=heat_capacity(rc_b, Tb)))
    E_ref = (asm(form_set.stored_heat, sm.regions["a"], enthalpy=enthalpy(2.5e6, Ta, 290.0))
             + asm(form_set.stored_heat, sm.regions["b"], enthalpy=enthalpy(rc_b, Tb, 290.0)))
    assert relerr(E, E_ref) <= RTOL
    M, M_ref = sp.csr_matrix(M), sp.csr_matrix(M_ref)
    assert abs(M - M_ref).max() <= RTOL * abs(M_ref).max()
    # the skfem backend's transient uses exactly these forms
    order = pb.options.order
    tp_forms = TransientProblem(replace(pb, options=SolverOptions(order=order, backend="skfem")),
                                tp.rho_cp, T_ref=290.0)
    E2, M2 = FESemiDiscrete(tp_forms).stored(T)
    assert relerr(E, E2) <= RTOL
    assert abs(M - sp.csr_matrix(M2)).max() <= RTOL * abs(M_ref).max()


@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS, ids=IDS)
def test_post_processing_equals_functionals(cell_type, order):
    """Region volumes and mean temperatures, interface area, heat and mean jump, and the heat
    through convective, radiating and flux boundaries of a solution, as functionals."""
    mesh = skewed_mesh(cell_type)
    pb = Problem(mesh, {"a": k_of_T, "b": 3.0}, {"a": Source(power=50.0)},
                 {"xmax": (Convection(40.0, 300.0), Radiation(0.8, 290.0)),
                  "ymin": HeatFlux(-20.0), "xmin": FixedTemperature(310.0)},
                 {"ab": InterfaceSpec(CubicH(2e-5))}, SolverOptions(order=order))
    sol = solve(pb)
    T = sol.dof_temperature if order > 1 else sol.temperature
    assert_post_equals_functionals(sol, T, split(mesh, ("ab",), order), forms, "ymin")


def assert_post_equals_functionals(sol, T, sm, form_set, flux_boundary: str) -> None:
    """The fast post-processing of ``sol`` (problem of :func:`test_post_processing_equals_
    functionals`: interface ``ab`` with ``CubicH(2e-5)``, convection 40 W/m²K at 300 K and
    radiation ε = 0.8 at 290 K on ``xmax``, a flux of −20 W/m² on ``flux_boundary``) equals the
    functionals of ``form_set`` (:mod:`femtbr.fem.forms` or its revolved namespace) on the
    bases of ``sm``."""
    for name, rb in sm.regions.items():
        vol = form_set.measure.assemble(rb)
        assert vol == pytest.approx(sol.regions[name].volume, rel=RTOL)
        mean = form_set.integral.assemble(rb, T=rb.interpolate(T)) / vol
        assert mean == pytest.approx(sol.regions[name].T_mean, rel=RTOL)
    ib = sm.interfaces["ab"]
    Ta, Tb = ib.temperatures(T)
    h, _ = CubicH(2e-5).conductance(0.5 * (np.asarray(Ta) + np.asarray(Tb)), 0.0)
    area = form_set.measure.assemble(ib.side_a)
    res = sol.interfaces["ab"]
    assert area == pytest.approx(res.area, rel=RTOL)
    assert form_set.interface_heat.assemble(ib.side_a, T_a=Ta, T_b=Tb, conductance=h) == \
        pytest.approx(res.heat, rel=RTOL)
    assert form_set.interface_jump.assemble(ib.side_a, T_a=Ta, T_b=Tb) / area == \
        pytest.approx(res.jump_mean, rel=RTOL)
    fb = sm.boundaries["xmax"]
    Tx = fb.interpolate(T)
    out = (form_set.convection_heat.assemble(fb, T=Tx, film=40.0, T_inf=300.0)
           + form_set.radiation_heat.assemble(fb, T=Tx, emissivity=0.8, T_inf=290.0))
    assert out == pytest.approx(sol.boundaries["xmax"], rel=RTOL)
    assert -form_set.flux_heat.assemble(sm.boundaries[flux_boundary], flux=-20.0) == \
        pytest.approx(sol.boundaries[flux_boundary], rel=RTOL)


@pytest.mark.parametrize(("cell_type", "order"), [("quad", 2), ("tetra", 1)])
def test_solve_with_skfem_backend_equals_fast(cell_type, order):
    """The whole nonlinear solve through ``SolverOptions(backend="skfem")``."""
    mesh = skewed_mesh(cell_type)
    pb = Problem(mesh, {"a": k_of_T, "b": 3.0}, {"a": Source(power=50.0)},
                 {"xmax": (Convection(40.0, 300.0), Radiation(0.8, 290.0)),
                  "xmin": FixedTemperature(310.0)},
                 {"ab": InterfaceSpec(CubicH(2e-5))}, SolverOptions(order=order, rtol=1e-13))
    a = solve(pb)
    b = solve(Problem(**{**pb.__dict__, "options": SolverOptions(order=order, rtol=1e-13,
                                                                   backend="skfem")}))
    assert relerr(a.temperature, b.temperature) <= 1e-12
    assert b.interfaces["ab"].heat == pytest.approx(a.interfaces["ab"].heat, rel=1e-10)
    assert b.energy_balance < 1e-10


def test_unknown_backend_is_named():
    from femtbr.errors import InputError

    mesh = skewed_mesh("quad")
    pb = Problem(mesh, {"a": 1.0, "b": 1.0}, {}, {"xmin": FixedTemperature(300.0)},
                 options=SolverOptions(backend="fenics"))
    with pytest.raises(InputError, match="backend.*'fenics'.*fast"):
        solve(pb)
