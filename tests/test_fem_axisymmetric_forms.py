"""Axisymmetric (r–z) fast kernels equal ``skfem.asm`` of the 2πr-weighted forms.

The same skewed two-region meshes and single-term problems as :mod:`tests.test_fem_forms`, taken
as r–z sections (x = r ∈ [0, 1] with the axis at x = 0, y = z): every term's residual and
Jacobian, the mass matrix and stored heat, and the post-processing integrals of a solution from
the fast path equal those of :data:`femtbr.fem.forms.AXISYMMETRIC` to 1e-12 relative on P1/P2
triangles and Q1/Q2 quadrilaterals.  The weighted forms are themselves checked against finite
differences and against plain integrals of the revolved body.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

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
from femtbr.fem.skfem import split
from femtbr.fem.skfem_backend import FormSystem
from tests.fem_helpers import ELEMENTS_2D, CubicH, jacobian_vs_fd
from tests.test_fem_forms import (
    RTOL,
    TERMS,
    assert_post_equals_functionals,
    assert_stored_heat_equals_forms,
    k_of_T,
    relerr,
    skewed_mesh,
    term_problem,
)

IDS = [f"{c}-P{p}" for c, p in ELEMENTS_2D]
AX = forms.AXISYMMETRIC


def axisymmetric(pb: Problem) -> Problem:
    """``pb`` as an r–z problem; a condition on ``xmin`` (the axis r = 0, which takes none)
    moves to the end face ``ymin``."""
    bnd = dict(pb.boundaries)
    if "xmin" in bnd:
        bnd["ymin"] = bnd.pop("xmin")
    return replace(pb, boundaries=bnd, axisymmetric=True)


@pytest.mark.parametrize("term", TERMS)
@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS_2D, ids=IDS)
def test_fast_kernel_equals_revolved_form(cell_type, order, term):
    """Residual and Jacobian at a random T in 300-400 K (loads for flux and source)."""
    mesh = skewed_mesh(cell_type)
    pb = axisymmetric(term_problem(term, mesh, order))
    disc = Discretization(mesh, ("ab",), order, axisymmetric=True)
    fast = build_system(pb, disc)
    ref = FormSystem.from_system(build_system(pb, disc))
    T = 300.0 + 100.0 * np.random.default_rng(0).random(disc.n_dofs)
    R1, J1 = fast.evaluate(T)
    R2, J2 = ref.evaluate(T)
    assert np.abs(R1).max() > 1e-6
    assert relerr(R1, R2) <= RTOL
    if term in ("flux", "source"):
        assert relerr(fast.F, ref.F) <= RTOL
    else:
        assert relerr(J1, J2) <= RTOL
    # and it is not the plane term: the weight changes the answer
    plane = build_system(replace(pb, axisymmetric=False), Discretization(mesh, ("ab",), order))
    assert relerr(R1, plane.evaluate(T)[0]) > 1e-3


@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS_2D, ids=IDS)
def test_revolved_forms_jacobians_are_exact(cell_type, order):
    mesh = skewed_mesh(cell_type)
    pb = Problem(mesh, {"a": k_of_T, "b": 3.0}, {},
                 {"xmax": Radiation(0.7, 280.0), "ymin": Convection(20.0, 300.0)},
                 {"ab": InterfaceSpec(CubicH(0.05))}, SolverOptions(order=order),
                 axisymmetric=True)
    disc = Discretization(mesh, ("ab",), order, axisymmetric=True)
    err, _, _ = jacobian_vs_fd(FormSystem.from_system(build_system(pb, disc)), disc, eps=1e-2)
    assert err < 1e-8


@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS_2D, ids=IDS)
def test_revolved_mass_and_stored_heat_equal_forms(cell_type, order):
    mesh = skewed_mesh(cell_type)
    pb = Problem(mesh, {"a": 3.0, "b": 5.0}, {}, {"ymin": FixedTemperature(300.0)},
                 {"ab": InterfaceSpec(CubicH(1e-5))}, SolverOptions(order=order),
                 axisymmetric=True)
    assert_stored_heat_equals_forms(pb, AX)


@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS_2D, ids=IDS)
def test_revolved_post_processing_equals_functionals(cell_type, order):
    """Volumes, means, interface area/heat/jump and boundary heats of an r–z solution."""
    mesh = skewed_mesh(cell_type)
    pb = Problem(mesh, {"a": k_of_T, "b": 3.0}, {"a": Source(power=50.0)},
                 {"xmax": (Convection(40.0, 300.0), Radiation(0.8, 290.0)),
                  "ymax": HeatFlux(-20.0), "ymin": FixedTemperature(310.0)},
                 {"ab": InterfaceSpec(CubicH(2e-5))}, SolverOptions(order=order),
                 axisymmetric=True)
    sol = solve(pb)
    assert sol.energy_balance <= 1e-8
    T = sol.dof_temperature if order > 1 else sol.temperature
    sm = split(mesh, ("ab",), order, discretization=Discretization(mesh, ("ab",), order,
                                                                   axisymmetric=True))
    assert_post_equals_functionals(sol, T, sm, AX, "ymax")
    # the skfem backend's whole solve agrees
    b = solve(replace(pb, options=SolverOptions(order=order, backend="skfem")))
    assert relerr(sol.temperature, b.temperature) <= 1e-10


def test_revolved_measures_are_those_of_the_body():
    """On the unit square as an r–z section: the revolved volume is π r² H = π, the lateral
    area of the cylinder 2π r H = 2π, an end disc π r² = π (independent closed forms)."""
    mesh = skewed_mesh("quad")
    disc = Discretization(mesh, ("ab",), 2, axisymmetric=True)
    vol = sum(disc.region_volume(n) for n in ("a", "b"))
    assert vol == pytest.approx(np.pi, rel=1e-12)
    assert disc.boundary_quad("xmax").area.sum() == pytest.approx(2 * np.pi, rel=1e-12)
    assert disc.boundary_quad("ymin").area.sum() == pytest.approx(np.pi, rel=1e-12)
    assert disc.boundary_quad("xmin").area.sum() == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("order", [1, 2])
def test_affine_quads_kT_path_equals_revolved_form(order):
    """Axis-aligned (affine) quads take the cached-metric k(T) path with per-cell 2πr weights."""
    from femtbr.fem.meshes import tensor_mesh

    g = np.array([0.0, 0.1, 0.35, 0.6, 1.0])
    mesh = tensor_mesh(g, g ** 1.3, None, "quad",
                       lambda c: np.where(c[:, 0] < 0.5, "a", "b")).interface_between("ab", "a",
                                                                                      "b")
    pb = axisymmetric(term_problem("conduction", mesh, order))
    disc = Discretization(mesh, ("ab",), order, axisymmetric=True)
    T = 300.0 + 100.0 * np.random.default_rng(2).random(disc.n_dofs)
    R1, J1 = build_system(pb, disc).evaluate(T)
    R2, J2 = FormSystem.from_system(build_system(pb, disc)).evaluate(T)
    assert relerr(R1, R2) <= RTOL
    assert relerr(J1, J2) <= RTOL
