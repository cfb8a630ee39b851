"""Non-uniform contact pressure on an interface (:mod:`femtbr.fem.values.pressure`).

h is evaluated at the local pressure p(x) at every facet quadrature point, by the fast kernel
and by the scikit-fem form alike (equal to 1e-12 on all element types); a constant field is the
scalar case to round-off; a two-stripe field gives the parallel-conductance average
½(h(p1) + h(p2)); force-normalised profiles integrate to their force.
"""

from __future__ import annotations

import numpy as np
import pytest

from femtbr.errors import InputError
from femtbr.fem import (
    FixedTemperature,
    InterfaceSpec,
    PressureField,
    Problem,
    SolverOptions,
    solve,
)
from femtbr.fem.assembly.assemble import build_system
from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.meshes import tensor_mesh
from femtbr.fem.skfem_backend import FormSystem
from tests.fem_helpers import ELEMENTS_2D, ELEMENTS_3D
from tests.test_fem_forms import k_of_T, relerr, skewed_mesh

ELEMENTS = ELEMENTS_2D + ELEMENTS_3D
IDS = [f"{c}-P{p}" for c, p in ELEMENTS]


class PowerLawH:
    """h = C T (p/p0)^0.95 [W/(m² K)] (CMY-like pressure exponent), dh/dT = C (p/p0)^0.95."""

    def __init__(self, C: float = 30.0, p0: float = 1e6):
        self.C, self.p0 = C, p0

    def conductance(self, T, p):
        s = (np.asarray(p, float) / self.p0) ** 0.95
        return self.C * T * s, self.C * s + 0.0 * T


def wavy_pressure(x: np.ndarray) -> np.ndarray:
    """A smooth positive pressure varying along the interface [Pa]."""
    return 1e6 * (1.0 + 0.5 * np.sin(3.0 * x[:, 1]) + 0.3 * x[:, -1] ** 2)


@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS, ids=IDS)
def test_pressure_field_fast_kernel_equals_form(cell_type, order):
    """Residual and Jacobian of the interface term with h at the local p(x), both backends."""
    mesh = skewed_mesh(cell_type)
    pb = Problem(mesh, {"a": 1e-30, "b": 1e-30}, {}, {"ymax": FixedTemperature(300.0)},
                 {"ab": InterfaceSpec(PowerLawH(), wavy_pressure)}, SolverOptions(order=order))
    disc = Discretization(mesh, ("ab",), order)
    fast = build_system(pb, disc)
    ref = FormSystem.from_system(build_system(pb, disc))
    assert np.ptp(fast.interfaces[0].pressure) > 1e5  # the field does vary over the facets
    T = 300.0 + 100.0 * np.random.default_rng(1).random(disc.n_dofs)
    R1, J1 = fast.evaluate(T)
    R2, J2 = ref.evaluate(T)
    assert np.abs(R1).max() > 1e-6
    assert relerr(R1, R2) <= 1e-12
    assert relerr(J1, J2) <= 1e-12


@pytest.mark.parametrize(("cell_type", "order"), [("quad", 2), ("hexahedron", 1),
                                                  ("tetra", 2)])
def test_pressure_figures_equal_functionals(cell_type, order):
    """Force, mean/min/max and h-weighted mean pressure: fast post path = skfem functionals."""
    mesh = skewed_mesh(cell_type)
    pb = Problem(mesh, {"a": k_of_T, "b": 3.0}, {},
                 {"xmin": FixedTemperature(350.0), "xmax": FixedTemperature(300.0)},
                 {"ab": InterfaceSpec(PowerLawH(), wavy_pressure)}, SolverOptions(order=order))
    a = solve(pb).interfaces["ab"]
    b = solve(Problem(**{**pb.__dict__, "options": SolverOptions(order=order,
                                                                   backend="skfem")})).interfaces["ab"]
    for key in ("force", "p_mean", "p_min", "p_max", "p_h_mean"):
        assert getattr(b, key) == pytest.approx(getattr(a, key), rel=1e-12), key
    assert a.p_min < a.p_mean < a.p_max
    assert a.p_h_mean > a.p_mean  # h grows with p: the high-pressure areas weigh more
    assert a.pressure.shape == a.h.shape


def _two_layers(cell_type: str, n: int = 4):
    """A unit-area square stack of two 1 mm layers (z or y through thickness), interface ``ab``
    at mid-thickness, ``n`` cells across (the stripes at x = ½ fall on cell faces)."""
    xs = np.linspace(0.0, 1.0, n + 1)
    t = np.linspace(0.0, 2e-3, 5)
    if cell_type in ("tetra", "hexahedron"):
        return tensor_mesh(xs, xs, t, cell_type, lambda c: np.where(c[:, 2] < 1e-3, "a", "b")
                           ).interface_between("ab", "a", "b"), ("zmin", "zmax")
    return tensor_mesh(xs, t, None, cell_type, lambda c: np.where(c[:, 1] < 1e-3, "a", "b")
                       ).interface_between("ab", "a", "b"), ("ymin", "ymax")


@pytest.mark.parametrize(("cell_type", "order"), [("hexahedron", 1), ("tetra", 2),
                                                  ("quad", 1), ("triangle", 2)])
def test_constant_field_equals_scalar(cell_type, order):
    """p(x) = const, and a uniform force profile F = p·A, give the scalar-pressure solution."""
    mesh, (lo, hi) = _two_layers(cell_type)
    model, p0 = PowerLawH(), 2.5e6

    def run(pressure):
        return solve(Problem(mesh, {"a": k_of_T, "b": 5.0}, {},
                             {lo: FixedTemperature(400.0), hi: FixedTemperature(300.0)},
                             {"ab": InterfaceSpec(model, pressure)}, SolverOptions(order=order)))

    ref = run(p0)
    area = ref.interfaces["ab"].area
    for pressure in (lambda x: np.full(x.shape[0], p0),
                     PressureField((lambda x: np.ones(x.shape[0]),), (p0 * area,))):
        sol = run(pressure)
        assert np.abs(sol.temperature - ref.temperature).max() <= 1e-10 * 400.0
        assert sol.interfaces["ab"].heat == pytest.approx(ref.interfaces["ab"].heat, rel=1e-12)
        assert sol.interfaces["ab"].force == pytest.approx(p0 * area, rel=1e-12)


@pytest.mark.parametrize(("cell_type", "order"), [("hexahedron", 1), ("hexahedron", 2),
                                                  ("tetra", 1), ("quad", 1), ("triangle", 2)])
@pytest.mark.parametrize("backend", ["fast", "skfem"])
def test_stripes_give_parallel_average(cell_type, order, backend):
    """Two halves at p1 and p2: the heat is ΔT·A·½(h(p1) + h(p2)) (parallel conductances).

    The layers are near-perfect conductors (k = 1e11 W/(m K), 2 × 1 mm: R_b = 2e-14 m²K/W
    against 1/h ≥ 3.5e-5 m²K/W), so each side is isothermal at its fixed temperature and the
    heat is ΔT ∫h dA; the bulk's share (series resistance and lateral exchange between the
    halves, both O(R_b h)) is < 1e-10 relative.  h does not depend on T here.  The heat is
    read on the interface (h·jump): the boundary reaction of so stiff a layer cancels digits.
    """
    mesh, (lo, hi) = _two_layers(cell_type)
    p1, p2 = 0.3e6, 3.0e6

    class HofP:
        def conductance(self, T, p):
            return 1e4 * (np.asarray(p) / 1e6) ** 0.95 + 0.0 * T, 0.0 * T

    sol = solve(Problem(mesh, {"a": 1e11, "b": 1e11}, {},
                        {lo: FixedTemperature(330.0), hi: FixedTemperature(300.0)},
                        {"ab": InterfaceSpec(HofP(), lambda x: np.where(x[:, 0] < 0.5, p1, p2))},
                        SolverOptions(order=order, backend=backend, rtol=1e-13)))
    h1, h2 = (1e4 * (p / 1e6) ** 0.95 for p in (p1, p2))
    expected = 30.0 * 1.0 * 0.5 * (h1 + h2)  # ΔT [K] · A [m², m²/m in 2D] · mean h
    res = sol.interfaces["ab"]
    assert res.heat == pytest.approx(expected, rel=1e-9)
    assert res.h_mean == pytest.approx(0.5 * (h1 + h2), rel=1e-12)
    assert res.force == pytest.approx(0.5 * (p1 + p2), rel=1e-12)
    assert (res.p_min, res.p_max) == (p1, p2)
    assert res.p_h_mean == pytest.approx((h1 * p1 + h2 * p2) / (h1 + h2), rel=1e-12)
    # h at the mean pressure over-predicts the heat (h(p) concave for exponent < 1)
    assert 1e4 * (0.5 * (p1 + p2) / 1e6) ** 0.95 > 0.5 * (h1 + h2)


def test_profile_parts_carry_their_force_and_bad_parts_are_named():
    """Each part of a PressureField integrates to its own force, even cut by the edge."""
    mesh, (lo, hi) = _two_layers("hexahedron", 8)

    def gauss(c):
        return lambda x: np.exp(-((x[:, 0] - c[0]) ** 2 + (x[:, 1] - c[1]) ** 2) / (2 * 0.1**2))

    field = PressureField((gauss((0.0, 0.0)), gauss((0.6, 0.5))), (40.0, 60.0))
    pb = Problem(mesh, {"a": 1.0, "b": 1.0}, {},
                 {lo: FixedTemperature(310.0), hi: FixedTemperature(300.0)},
                 {"ab": InterfaceSpec(PowerLawH(), field)})
    res = solve(pb).interfaces["ab"]
    assert res.force == pytest.approx(100.0, rel=1e-12)
    far = PressureField((gauss((50.0, 50.0)),), (10.0,))  # underflows to 0 on the interface
    with pytest.raises(InputError, match=r"interfaces\.ab\.pressure.*part 0"):
        solve(Problem(**{**pb.__dict__, "interfaces": {"ab": InterfaceSpec(PowerLawH(), far)}}))
    with pytest.raises(InputError, match=r"interfaces\.ab\.pressure.*>= 0"):
        solve(Problem(**{**pb.__dict__, "interfaces": {"ab": InterfaceSpec(
            PowerLawH(), lambda x: x[:, 0] - 0.5)}}))


@pytest.mark.parametrize(("cell_type", "order"), ELEMENTS, ids=IDS)
def test_surface_means_equal_functionals(cell_type, order):
    """Area and area-weighted mean T of every named boundary (conditions or not): the fast
    post path equals :func:`forms.measure` / :func:`forms.integral` on the facet bases; the
    extremes are the boundary's DOF extremes."""
    from femtbr.fem import forms
    from femtbr.fem.skfem import split

    mesh = skewed_mesh(cell_type)
    pb = Problem(mesh, {"a": k_of_T, "b": 3.0}, {},
                 {"xmin": FixedTemperature(350.0), "xmax": FixedTemperature(300.0)},
                 {"ab": InterfaceSpec(PowerLawH(), wavy_pressure)}, SolverOptions(order=order))
    sol = solve(pb)
    T = sol.dof_temperature if order > 1 else sol.temperature
    sm = split(mesh, ("ab",), order)
    assert set(sol.surfaces) == set(mesh.boundaries)
    for name, res in sol.surfaces.items():
        fb = sm.boundaries[name]
        area = forms.measure.assemble(fb)
        assert res.area == pytest.approx(area, rel=1e-12)
        assert res.T_mean == pytest.approx(forms.integral.assemble(fb, T=fb.interpolate(T)) / area,
                                           rel=1e-12)
        assert res.T_min - 1e-12 * res.T_max <= res.T_mean <= res.T_max * (1 + 1e-12)
    assert sol.surfaces["xmin"].T_mean == pytest.approx(350.0, rel=1e-14)
    ref = solve(Problem(**{**pb.__dict__, "options": SolverOptions(order=order,
                                                                   backend="skfem")}))
    for name, res in sol.surfaces.items():
        assert ref.surfaces[name].T_mean == pytest.approx(res.T_mean, rel=1e-12)
    for reg in sol.regions.values():
        assert reg.T_min - 1e-12 * reg.T_max <= reg.T_mean <= reg.T_max * (1 + 1e-12)
