"""TaggedMesh → scikit-fem conversion, and the non-affine (distorted cell) quadrature path."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import skfem
from fem_helpers import ConstantH
from skfem.helpers import dot, grad

from femtbr.fem import Convection, FixedTemperature, InterfaceSpec, Problem, SolverOptions, solve
from femtbr.fem.assembly.convert import to_skfem
from femtbr.fem.meshes import tensor_mesh


@pytest.mark.parametrize("cell_type", ["triangle", "quad", "tetra", "hexahedron"])
def test_to_skfem_volumes_and_facets(cell_type):
    """Every converted cell has positive measure in scikit-fem (hex vertex order mapped), the
    total is the box volume, and named facet sets have the right total area."""
    g = np.linspace(0, 1, 5)
    zs = np.linspace(0, 2, 3) if cell_type in ("tetra", "hexahedron") else None
    m = tensor_mesh(g, 0.5 * g, zs, cell_type, lambda c: np.where(c[:, 0] < 0.5, "a", "b"))
    m = m.interface_between("ab", "a", "b")
    sk = to_skfem(m)
    e = {"triangle": skfem.ElementTriP1, "quad": skfem.ElementQuad1,
         "tetra": skfem.ElementTetP1, "hexahedron": skfem.ElementHex1}[cell_type]()
    basis = skfem.CellBasis(sk, e)
    vol = skfem.Functional(lambda w: 1.0 + 0 * w.x[0]).elemental(basis)
    assert np.all(basis.dx.sum(axis=1) > 0) and np.all(vol > 0)
    depth = 2.0 if zs is not None else 1.0
    assert vol.sum() == pytest.approx(0.5 * depth, rel=1e-12)
    assert set(sk.subdomains) == {"a", "b"} and set(sk.boundaries) >= {"ab", "xmin"}
    fb = skfem.FacetBasis(sk, e, facets=sk.boundaries["ab"])
    area = skfem.Functional(lambda w: 1.0 + 0 * w.x[0]).assemble(fb)
    assert area == pytest.approx(0.5 * depth, rel=1e-12)
    # Laplace stiffness of the converted mesh annihilates constants (consistent orientation)
    K = skfem.BilinearForm(lambda u, v, w: dot(grad(u), grad(v))).assemble(basis)
    assert np.abs(K @ np.ones(K.shape[0])).max() < 1e-12


@pytest.mark.parametrize("cell_type,order", [("quad", 1), ("quad", 2), ("hexahedron", 1),
                                             ("hexahedron", 2)])
def test_distorted_cells_stack(cell_type, order):
    """Non-affine (randomly distorted) quads/hexes still reproduce the 1D series solution exactly
    (linear fields lie in the isoparametric Q1/Q2 spaces), via the quadrature path."""
    xs = np.linspace(0, 2, 7)
    ys = np.linspace(0, 1, 4)
    zs = np.linspace(0, 1, 3) if cell_type == "hexahedron" else None
    m = tensor_mesh(xs, ys, zs, cell_type, lambda c: np.where(c[:, 0] < 1, "a", "b"))
    rng = np.random.default_rng(1)
    p = m.points.copy()
    interior = np.all([(p[:, d] > 0) & (p[:, d] < p[:, d].max()) for d in range(1, p.shape[1])],
                      axis=0)
    p[interior, 1:] += rng.uniform(-0.08, 0.08, (interior.sum(), p.shape[1] - 1))
    m = replace(m, points=p).interface_between("ab", "a", "b")
    k_a, k_b, h, hc = 3.0, 7.0, 5.0, 2.0
    pb = Problem(m, {"a": k_a, "b": k_b},
                 boundaries={"xmin": FixedTemperature(400.0), "xmax": Convection(hc, 300.0)},
                 interfaces={"ab": InterfaceSpec(ConstantH(h))}, options=SolverOptions(order=order))
    sol = solve(pb)
    q = 100.0 / (1 / k_a + 1 / h + 1 / k_b + 1 / hc)
    assert sol.interfaces["ab"].jump_mean == pytest.approx(q / h, rel=1e-10)
    assert np.allclose(sol.interfaces["ab"].jump, q / h, rtol=1e-10, atol=0)
    area = 1.0
    assert sol.boundaries["xmax"] == pytest.approx(q * area, rel=1e-10)
    assert sol.regions["a"].volume == pytest.approx(1.0, rel=1e-12)
    assert sol.energy_balance <= 1e-8


@pytest.mark.parametrize("cell_type,per_square", [("quad", 1), ("triangle", 1),
                                                  ("hexahedron", 1), ("tetra", 2)])
def test_tensor_mesh_boundaries_and_planes(cell_type, per_square):
    """Boundary and plane facet sets of tensor meshes have the expected counts and areas."""
    from femtbr.fem.meshes import plane_facets

    g = np.linspace(0, 1, 5)
    three = cell_type in ("tetra", "hexahedron")
    m = tensor_mesh(g, g, g if three else None, cell_type,
                    lambda c: np.where(c[:, 0] < 0.5, "a", "b"))
    n_side = 16 * per_square if three else 4
    for name in ("xmin", "xmax", "ymin", "ymax") + (("zmin", "zmax") if three else ()):
        assert m.boundaries[name].shape[0] == n_side
    mid = plane_facets(m, 0, 0.5, cells=m.regions["a"])
    assert mid.shape[0] == n_side
    assert np.array_equal(np.unique(np.sort(mid, axis=1), axis=0),
                          np.unique(np.sort(m.facets_between("a", "b"), axis=1), axis=0))


@pytest.mark.parametrize("cell_type", ["triangle", "hexahedron"])
def test_to_skfem_facet_sets_are_the_same_vertex_sets(cell_type):
    """Each named facet set maps to scikit-fem facets with the same vertex sets (checked as
    sorted tuples); a set with a non-facet is rejected by name."""
    from femtbr.errors import MeshError

    g = np.linspace(0, 1, 4)
    zs = g if cell_type == "hexahedron" else None
    m = tensor_mesh(g, g, zs, cell_type, lambda c: np.where(c[:, 0] < 0.5, "a", "b"))
    m = m.interface_between("ab", "a", "b")
    sk = to_skfem(m)
    named = {**m.boundaries, "ab": m.interfaces["ab"].facets}
    for name, f in named.items():
        got = [tuple(sorted(c)) for c in sk.facets[:, sk.boundaries[name]].T.tolist()]
        assert got == [tuple(sorted(c)) for c in np.asarray(f).tolist()], name
    bad = (np.array([[0, m.points.shape[0] - 1]]) if cell_type == "triangle"  # far corners
           else m.cells[:1, [0, 1, 6, 7]])  # a hexahedron's diagonal plane
    with pytest.raises(MeshError, match="'bad': facets \\[0\\] are not facets of the mesh"):
        to_skfem(m.with_boundaries({"bad": bad}))
