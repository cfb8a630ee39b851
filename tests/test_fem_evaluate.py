"""System.evaluate: Jacobian against finite differences, and the caller-owned ``out`` buffer."""

from __future__ import annotations

import numpy as np
import pytest
from fem_helpers import CubicH, jacobian_vs_fd

from femtbr.errors import InputError
from femtbr.fem import Convection, Discretization, InterfaceSpec, Problem, Source
from femtbr.fem.assembly.assemble import build_system
from femtbr.fem.meshes import tensor_mesh


@pytest.mark.parametrize("cell_type", ["tetra", "hexahedron"])
def test_interface_jacobian_and_out_buffer(cell_type):
    xs = np.linspace(0.0, 2.0, 5)
    mesh = tensor_mesh(xs, np.linspace(0, 1, 3), np.linspace(0, 1, 3), cell_type,
                       lambda c: np.where(c[:, 0] < 1, "a", "b")).interface_between("ab", "a", "b")
    pb = Problem(mesh, {"a": 5.0, "b": 2.0}, sources={"a": Source(power=10.0)},
                 boundaries={"xmax": Convection(50.0, 300.0)},
                 interfaces={"ab": InterfaceSpec(CubicH(0.02))})
    disc = Discretization(mesh, ["ab"], 1)
    system = build_system(pb, disc)
    err, T, data = jacobian_vs_fd(system, disc)
    assert err <= 1e-7
    R = system.evaluate(T)[0]
    assert system.asymmetric  # h'(T̄)·jump makes the interface block non-symmetric
    # the out buffer receives the same data, at every call, and is what is returned
    buf = np.full_like(data, np.nan)
    for Tk in (T, T + 7.0, T):
        R2, d2 = system.evaluate(Tk, out=buf)
        assert d2 is buf
        assert np.array_equal(d2, system.evaluate(Tk)[1])
    assert np.array_equal(R2, R)
    with pytest.raises(InputError, match="out"):
        system.evaluate(T, out=np.zeros(3))


def test_cell_fields_in_threads_equal_one_thread(monkeypatch):
    """The threaded cell loops (forced here on a small mesh) give the same flux and
    conductivity fields, with a k(T) region evaluated in the calling thread."""
    from femtbr.fem import solve
    from femtbr.fem.fast import kernels
    from femtbr.fem.linalg import threads

    xs = np.linspace(0.0, 2.0, 7)
    mesh = tensor_mesh(xs, np.linspace(0, 1, 4), np.linspace(0, 1, 4), "tetra",
                       lambda c: np.where(c[:, 0] < 1, "a", "b"))

    def k_a(T):
        return 5.0 * (1 + 1e-3 * (T - 300)), 5e-3 * np.ones_like(T)

    pb = Problem(mesh, {"a": k_a, "b": 2.0}, sources={"a": Source(power=10.0)},
                 boundaries={"xmax": Convection(50.0, 300.0)})
    one = solve(pb)
    monkeypatch.setattr(kernels, "PARALLEL_CELLS", 0)
    monkeypatch.setattr(threads, "n_threads", lambda: 2)
    two = solve(pb)
    assert np.allclose(two.heat_flux, one.heat_flux, rtol=1e-12, atol=1e-9)
    assert np.array_equal(two.conductivity, one.conductivity) or np.allclose(
        two.conductivity, one.conductivity, rtol=1e-12)
    assert np.ptp(one.conductivity[mesh.regions["a"]]) > 0  # k(T) really varies


@pytest.mark.parametrize("cell_type", ["tetra", "hexahedron"])
def test_fixed_part_through_its_nonzeros_equals_the_whole_matrix(cell_type, monkeypatch):
    """With most regions k(T) the T-independent matrix is mostly explicit zeros; applying its
    nonzero entries alone (and starting the Jacobian data from zeros) gives bit-identical
    residuals and Jacobians to applying and copying the whole matrix (a zero entry adds an
    exact 0 in the same place of each row's sum)."""
    from femtbr.fem.assembly import assemble

    xs = np.linspace(0.0, 2.0, 7)
    mesh = tensor_mesh(xs, np.linspace(0, 1, 4), np.linspace(0, 1, 4), cell_type,
                       lambda c: np.where(c[:, 0] < 1.6, "a", "b"))
    mesh = mesh.interface_between("ab", "a", "b")

    def k_a(T):
        return 5.0 * (1 + 1e-3 * (T - 300)), 5e-3 * np.ones_like(T)

    pb = Problem(mesh, {"a": k_a, "b": 2.0}, sources={"a": Source(power=10.0)},
                 boundaries={"xmax": Convection(50.0, 300.0)},
                 interfaces={"ab": InterfaceSpec(CubicH(0.02))})
    T = 300.0 + np.random.default_rng(1).random(Discretization(mesh, ["ab"], 1).n_dofs)
    out = {}
    for share in (0.0, 1.0):  # 0: never the nonzeros alone; 1: always
        monkeypatch.setattr(assemble, "SPARSE_FIXED", share)
        system = build_system(pb, Discretization(mesh, ["ab"], 1))
        R, data = system.evaluate(T)
        assert (system._fixed_operator.nonzero is None) == (share == 0.0)
        buf = np.full_like(data, np.nan)  # a reused buffer is fully overwritten
        assert np.array_equal(system.evaluate(T, out=buf)[1], data)
        out[share] = R, data
    assert 0 < np.count_nonzero(build_system(pb, Discretization(mesh, ["ab"], 1)).B.data)
    assert np.array_equal(out[0.0][0], out[1.0][0])
    assert np.array_equal(out[0.0][1], out[1.0][1])


@pytest.mark.parametrize("cell_type", ["tetra", "hexahedron"])
def test_facet_quadrature_in_two_threads_equals_one(cell_type, monkeypatch):
    """Boundary and interface facet quadrature done in two halves in two threads (forced on
    a small mesh) equals the one-part result array for array."""
    import dataclasses

    from femtbr.fem.fast import kernels
    from femtbr.fem.linalg import threads

    mesh = tensor_mesh(np.linspace(0.0, 2.0, 6), np.linspace(0, 1, 4), np.linspace(0, 1, 3),
                       cell_type, lambda c: np.where(c[:, 0] < 1, "a", "b"))
    mesh = mesh.interface_between("ab", "a", "b")

    def quads():
        disc = Discretization(mesh, ["ab"], 1)
        return [disc.boundary_quad("xmax"), *disc.interface_quads("ab")]

    one = quads()
    monkeypatch.setattr(kernels, "PARALLEL_CELLS", 2)
    monkeypatch.setattr(threads, "n_threads", lambda: 2)
    two = quads()
    for a, b in zip(one, two, strict=True):
        for f in dataclasses.fields(a):
            assert np.array_equal(getattr(a, f.name), getattr(b, f.name)), f.name
