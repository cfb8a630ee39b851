"""Orthotropic / anisotropic conductivity against solutions that physics fixes.

* A linear temperature field T = T₀ + g·x solves ∇·(K∇T) = 0 for any constant K, and the
  Galerkin method reproduces it exactly: nodal T, the cell flux −Kg (K with principal axes at
  30°, computed here from its entries) and the heat through each side.
* A stack of orthotropic layers between two fixed temperatures: the heat is ΔT A / Σ t_i/k_z,i
  (through-plane values only, whatever the in-plane values and their rotation about z).
* A manufactured solution with a T-dependent rotated tensor converges at the optimal rates.
* Coordinate stretching: x' = x √(k_z/k_x) maps ∇·(K∇T) = 0 with K = diag(k_x, k_z) to
  k_z ∇'²T = 0 (Carslaw & Jaeger, *Conduction of Heat in Solids*, 2nd ed. (1959), §1.17), so
  the orthotropic solve on a mesh equals the isotropic solve (scalar path) on the stretched
  mesh node by node, and a boundary flux keeps its density.
"""

from __future__ import annotations

import math
import re

import meshio
import numpy as np
import pytest

from femtbr.errors import InputError, MaterialError
from femtbr.export.vtu import write_fields_vtu
from femtbr.fem import (
    Discretization,
    FixedTemperature,
    HeatFlux,
    Problem,
    SolverOptions,
    Source,
    solve,
)
from femtbr.fem.meshes import tensor_mesh
from femtbr.fem.values.conductivity_tensor import ConductivityTensor
from femtbr.materials import from_dict
from femtbr.materials.anisotropy import rotation_matrix
from tests.fem_helpers import l2_error, split_boundary_by_side


def rotated_2d(k1: float, k2: float, deg: float) -> np.ndarray:
    """K of principal values k1 along (cos θ, sin θ) and k2 along (−sin θ, cos θ), entry by
    entry (the textbook rotation of a second-rank tensor, Nye 1957 ch. X)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[k1 * c * c + k2 * s * s, (k1 - k2) * c * s],
                     [(k1 - k2) * c * s, k1 * s * s + k2 * c * c]])


@pytest.mark.parametrize(("cell_type", "order"), [("triangle", 1), ("quad", 1), ("triangle", 2),
                                                  ("quad", 2)])
def test_linear_field_with_rotated_tensor_is_exact(cell_type, order):
    """K with principal axes at 30° (material keys k = [k1, k2], rotation = 30) on a skewed
    mesh of the unit square; T = T₀ + g·x fixed on x = 0, 1, the exact normal flux given on
    y = 0, 1.  The flux −Kg is not parallel to −g: the off-diagonal K_xy is what is tested."""
    k1, k2, g, T0 = 50.0, 2.0, np.array([30.0, -20.0]), 300.0
    mat = from_dict("layer", {"k": [k1, k2], "rotation": 30.0})
    tensor = ConductivityTensor(mat.k_tensor.axes_matrix(2), (k1, k2))
    K = rotated_2d(k1, k2, 30.0)
    np.testing.assert_allclose(tensor.tensor(np.array(300.0))[0], K, rtol=1e-14, atol=1e-12)
    flux = -K @ g  # W/m², the exact heat flux everywhere
    m = tensor_mesh(np.linspace(0, 1, 6), np.linspace(0, 1, 5) ** 1.3, None, cell_type)
    pts = m.points.copy()
    inner = np.all((pts > 1e-9) & (pts < 1 - 1e-9), axis=1)
    pts[inner] += 0.03 * np.random.default_rng(2).standard_normal(pts[inner].shape)
    m = m.__class__(pts, m.cells, m.cell_type, m.regions, m.boundaries, m.interfaces)

    def exact(x):
        return T0 + x @ g

    pb = Problem(m, {"body": tensor}, {},
                 {"xmin": FixedTemperature(exact), "xmax": FixedTemperature(exact),
                  "ymin": HeatFlux(float(flux[1])), "ymax": HeatFlux(-float(flux[1]))},
                 options=SolverOptions(order=order))
    sol = solve(pb)
    assert np.abs(sol.temperature - exact(sol.points)).max() < 1e-10
    np.testing.assert_allclose(sol.heat_flux, np.broadcast_to(flux, sol.heat_flux.shape),
                               rtol=0, atol=1e-9 * np.abs(flux).max())
    # heat leaving through x = 1 is ∫ q·n = q_x (unit length, per metre of depth); x = 0: −q_x
    assert sol.boundaries["xmax"] == pytest.approx(flux[0], rel=1e-10)
    assert sol.boundaries["xmin"] == pytest.approx(-flux[0], rel=1e-10)
    assert sol.energy_balance < 1e-10
    np.testing.assert_allclose(sol.conductivity, 0.5 * (k1 + k2), rtol=1e-14)


def test_orthotropic_stack_resistance_is_through_plane_only():
    """Two layered (in-plane ≫ through-plane) materials, the first with its in-plane axes
    rotated 40° about z and a T-independent table, between T = 350 K and 300 K: the heat is
    ΔT A / (t₁/k_z1 + t₂/k_z2) exactly (a 1D field; the in-plane values carry nothing)."""
    t1, t2, kz1, kz2 = 0.3e-3, 1.0e-3, 5.0, 20.0
    zs = np.r_[np.linspace(0, t2, 4), np.linspace(t2, t1 + t2, 3)[1:]]
    m = tensor_mesh(np.linspace(0, 2e-3, 4), np.linspace(0, 1e-3, 3), zs, "hexahedron",
                    lambda c: np.where(c[:, 2] > t2, "top", "bottom"))
    top = from_dict("top", {"k": {"in_plane": 1500.0, "through_plane": kz1},
                            "rotation": [40.0, 0.0, 0.0]}).k_tensor
    bottom = from_dict("bottom", {"k": {"in_plane": 400.0, "through_plane": kz2}}).k_tensor
    cond = {n: ConductivityTensor(a.axes_matrix(3), tuple(float(t.y[0]) for t in a.tables(3)))
            for n, a in (("top", top), ("bottom", bottom))}
    sol = solve(Problem(m, cond, {}, {"zmax": FixedTemperature(350.0),
                                      "zmin": FixedTemperature(300.0)}))
    A = 2e-3 * 1e-3
    expected = 50.0 * A / (t1 / kz1 + t2 / kz2)
    assert sol.boundaries["zmin"] == pytest.approx(expected, rel=1e-10)
    assert sol.boundaries["zmax"] == pytest.approx(-expected, rel=1e-10)


def _footprint_problem(mesh, conductivity, q: float, order: int) -> Problem:
    """Flux q [W/m²] into the footprint x < ⅓ Lx (and y < ⅓ Ly in 3D) of the top, the bottom
    held at 300 K, other sides adiabatic."""
    d = mesh.points.shape[1]
    top = "zmax" if d == 3 else "ymax"
    lim = mesh.points[:, :d - 1].max(axis=0) / 3.0
    m = split_boundary_by_side(mesh, top, lambda c: np.all(c[:, :d - 1] < lim + 1e-12, axis=1))
    bottom = "zmin" if d == 3 else "ymin"
    return Problem(m, conductivity, {}, {top + "_a": HeatFlux(q),
                                         bottom: FixedTemperature(300.0)},
                   options=SolverOptions(order=order))


@pytest.mark.parametrize(("cell_type", "order"), [("triangle", 2), ("quad", 1),
                                                  ("hexahedron", 1), ("tetra", 1)])
def test_stretched_coordinates_map_orthotropic_to_isotropic(cell_type, order):
    """A small hot footprint on an orthotropic slab (k_x = 400, k_y = 100 in 3D, through-plane
    k = 4, principal axes given as rows in swapped order): the temperature at every node equals
    the isotropic (k = k_through) solution on the mesh stretched by √(k_through/k_i) along
    each in-plane axis i."""
    d = 3 if cell_type in ("tetra", "hexahedron") else 2
    k_in, k_th, q = (400.0, 100.0)[:d - 1], 4.0, 2e5
    xs, ys = np.linspace(0, 6e-3, 9), np.linspace(0, 4e-3, 7)
    zs = np.linspace(0, 1e-3, 4) if d == 3 else None
    mesh = tensor_mesh(xs, ys if d == 3 else np.linspace(0, 1e-3, 4), zs, cell_type)
    # axes as rows, listed through-plane first: K = Σ k_i r_i r_iᵀ does not care about order
    axes = np.eye(d)[[d - 1, *range(d - 1)]]
    aniso = _footprint_problem(mesh, {"body": ConductivityTensor(axes, (k_th, *k_in))}, q, order)
    stretch = np.ones(d)
    stretch[:d - 1] = np.sqrt(k_th / np.asarray(k_in))
    flat = mesh.__class__(mesh.points * stretch, mesh.cells, mesh.cell_type, mesh.regions,
                          mesh.boundaries, mesh.interfaces)
    iso = _footprint_problem(flat, {"body": k_th}, q, order)
    a, b = solve(aniso), solve(iso)
    rise = a.temperature.max() - 300.0
    assert rise > 1.0  # a real temperature field
    assert np.abs(a.temperature - b.temperature).max() < 1e-10 * rise
    # the flux density is preserved, so the heat scales with the area: Π √(k_th/k_i)
    bottom = "zmin" if d == 3 else "ymin"
    assert b.boundaries[bottom] == pytest.approx(a.boundaries[bottom] * stretch.prod(),
                                                 rel=1e-10)
    assert a.energy_balance < 1e-10


def test_vtu_carries_the_conductivity_tensor(tmp_path):
    """``fields.vtu`` has cell data ``conductivity_tensor`` (9 components, K row-major at the
    cell centre) next to the scalar ``conductivity`` (mean of principal values); an
    isotropic region's tensor is k·I."""
    m = tensor_mesh(np.linspace(0, 1, 4), np.linspace(0, 1, 3), np.linspace(0, 1, 3),
                    "hexahedron", lambda c: np.where(c[:, 0] < 0.5, "a", "b"))
    R = rotation_matrix([30.0, 20.0, -40.0], 3)

    def k_T(T):
        return 10.0 + 0.1 * (T - 300.0), np.full_like(T, 0.1)

    sol = solve(Problem(m, {"a": ConductivityTensor(R.T, (k_T, 2.0, 1.0)), "b": 5.0}, {},
                        {"xmin": FixedTemperature(320.0), "xmax": FixedTemperature(300.0)}))
    path = write_fields_vtu(sol, tmp_path / "fields.vtu")
    back = meshio.read(path)
    Kc = back.cell_data["conductivity_tensor"][0]
    kc = back.cell_data["conductivity"][0]
    assert Kc.shape == (m.cells.shape[0], 9)
    in_a = sol.region_names.index("a") == sol.region_id
    Tc = sol.temperature[m.cells].mean(axis=1)  # Q1: the centre value is the vertex mean
    for c in np.flatnonzero(in_a)[:5]:
        K = R @ np.diag([k_T(np.array(Tc[c]))[0], 2.0, 1.0]) @ R.T
        np.testing.assert_allclose(Kc[c].reshape(3, 3), K, rtol=1e-12)
        assert kc[c] == pytest.approx(np.trace(K) / 3, rel=1e-12)
    np.testing.assert_allclose(Kc[~in_a], np.tile(5.0 * np.eye(3).ravel(), ((~in_a).sum(), 1)))


@pytest.mark.parametrize(("props", "match"), [
    ({"k": [1.0, 2.0], "axes": [[1.0, 0.0], [1.0, 1.0]]}, "axes: rows must be orthonormal"),
    ({"k": 3.0, "rotation": 30.0}, "rotation: orients principal"),
    ({"k": [1.0, 2.0], "axes": [[1, 0], [0, 1]], "rotation": 3.0}, "not both"),
    ({"k": [1.0, 2.0, 3.0, 4.0]}, "2 \\(2D\\) or 3 \\(3D\\) principal values"),
    ({"k": {"in_plane": 3.0}}, "in_plane' and 'through_plane'"),
    ({"k": [1.0, -2.0]}, "k\\[1\\]: must be > 0"),
    ({"k": [1.0, 2.0], "rotation": [1.0, 2.0]}, "rotation: one angle"),
])
def test_bad_tensor_input_names_the_key(props, match):
    with pytest.raises(MaterialError, match=match):
        from_dict("pcb", props)


def test_dimension_mismatch_is_named():
    mat = from_dict("pcb", {"k": [1.0, 2.0], "rotation": 10.0}).k_tensor
    with pytest.raises(MaterialError, match="2 principal values for a 3D mesh"):
        mat.tables(3)
    with pytest.raises(MaterialError, match="rotation: need 3 angle"):
        from_dict("pcb", {"k": {"in_plane": 9, "through_plane": 1},
                          "rotation": 10.0}).k_tensor.axes_matrix(3)
    with pytest.raises(InputError, match="orthonormal"):
        ConductivityTensor(np.array([[1.0, 0.0], [0.5, 1.0]]), (1.0, 2.0))


def test_euler_convention():
    """z-y-x: rotation [90, 0, 0] turns the first principal axis from x to y; [0, 90, 0]
    turns it from x to −z (right-handed rotation about y)."""
    np.testing.assert_allclose(rotation_matrix([90.0, 0.0, 0.0], 3)[:, 0], [0, 1, 0], atol=1e-15)
    np.testing.assert_allclose(rotation_matrix([0.0, 90.0, 0.0], 3)[:, 0], [0, 0, -1],
                               atol=1e-15)
    np.testing.assert_allclose(rotation_matrix([0.0, 0.0, 90.0], 3)[:, 1], [0, 0, 1], atol=1e-15)


@pytest.mark.parametrize(("setting", "message"), [
    ("materials.spreader.k=[1,2]", "2 principal values for a 3D mesh"),
    ("materials.spreader.rotation=[10,0]", "rotation: one angle"),
    ("materials.spreader.k.in_plane=-3", "in_plane.*must be > 0"),
])
def test_check_reports_bad_tensor_values(setting, message, capsys):
    from pathlib import Path

    from femtbr.cli import main

    case = Path(__file__).resolve().parents[1] / "cases" / "graphite_spreader.toml"
    assert main(["check", str(case), "--set", setting]) == 2
    err = capsys.readouterr().err
    assert "materials.spreader" in err
    assert re.search(message, err), err


def _mms_problem(cell_type: str, order: int, n: int):
    """u = 300 + 20 sin(πx) sin(πy) + 5x on the unit square with K(T) = R diag(k₁(T), k₂) Rᵀ,
    axes at 30°, k₁ = 20 + 0.1 (T − 300) W/(m K), k₂ = 2: the source is
    s = −∇·(K(u)∇u) = −Σ_ab [K_ab(u) ∂_a∂_b u + K'_ab(u) ∂_a u ∂_b u] (computed here from the
    entries of K, not from the code's rotation), u on the whole boundary."""
    K1, K2 = rotated_2d(1.0, 0.0, 30.0), rotated_2d(0.0, 1.0, 30.0)  # r₁r₁ᵀ, r₂r₂ᵀ

    def u(x):
        return 300 + 20 * np.sin(np.pi * x[:, 0]) * np.sin(np.pi * x[:, 1]) + 5 * x[:, 0]

    def source(x):
        sx, cx = np.sin(np.pi * x[:, 0]), np.cos(np.pi * x[:, 0])
        sy, cy = np.sin(np.pi * x[:, 1]), np.cos(np.pi * x[:, 1])
        g = np.stack([20 * np.pi * cx * sy + 5, 20 * np.pi * sx * cy])
        hxx = hyy = -20 * np.pi**2 * sx * sy
        hxy = 20 * np.pi**2 * cx * cy
        H = np.array([[hxx, hxy], [hxy, hyy]])
        k1 = 20 + 0.1 * (u(x) - 300)
        K = K1[:, :, None] * k1 + K2[:, :, None] * 2.0
        dK = K1[:, :, None] * 0.1
        return -(np.einsum("abn,abn->n", K, H) + np.einsum("abn,an,bn->n", dK, g, g))

    def k1_of_T(T):
        return 20 + 0.1 * (T - 300), np.full_like(T, 0.1)

    g = np.linspace(0, 1, n + 1)
    mesh = tensor_mesh(g, g, None, cell_type)
    axes = rotation_matrix([30.0], 2).T
    bcs = {s: FixedTemperature(u) for s in ("xmin", "xmax", "ymin", "ymax")}
    return Problem(mesh, {"body": ConductivityTensor(axes, (k1_of_T, 2.0))},
                   {"body": Source(density=source)}, bcs, options=SolverOptions(order=order)), u


@pytest.mark.parametrize(("cell_type", "order", "ns", "rate"), [
    ("triangle", 1, (8, 16, 32), 1.9), ("quad", 1, (8, 16, 32), 1.9),
    ("triangle", 2, (4, 8, 16), 2.9), ("quad", 2, (4, 8, 16), 2.9),
])
def test_manufactured_tensor_solution_converges_optimally(cell_type, order, ns, rate):
    """L2 error rates p + 1 with a T-dependent rotated tensor (Newton with the exact
    Jacobian, so a handful of iterations)."""
    errs = []
    for n in ns:
        pb, u = _mms_problem(cell_type, order, n)
        disc = Discretization(pb.mesh, (), order)
        sol = solve(pb, disc)
        assert sol.iterations <= 8
        T = sol.temperature if order == 1 else sol.dof_temperature
        errs.append(l2_error(disc, T, {"body": u}))
    rates = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(rates >= rate), rates


def test_set_overrides_reach_the_principal_values():
    """``--set materials.<r>.k.in_plane=...`` / ``rotation=[...]`` (and so sweeps over them)
    change the tensor handed to the solver: through-plane last, axes from z-y-x angles."""
    from pathlib import Path

    from femtbr.pipeline import load_case
    from femtbr.pipeline.prepare import prepare
    from femtbr.pipeline.runner import _geometry

    path = Path(__file__).resolve().parents[1] / "cases" / "graphite_spreader.toml"
    case = load_case(path, ["materials.spreader.k.in_plane=800",
                            "materials.spreader.rotation=[0, 90, 0]"])
    K = prepare(case, _geometry(case, None, None, None)).problem.conductivity["spreader"]
    assert K.principal == (800.0, 800.0, 8.0)
    # β = 90° about y: the through-plane axis (third column of R) turns from z to x
    np.testing.assert_allclose(K.tensor(np.array(300.0))[0],
                               np.diag([8.0, 800.0, 800.0]), atol=1e-12)
