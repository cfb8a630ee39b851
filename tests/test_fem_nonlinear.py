"""Temperature-dependent k and h: exact 1D solution via the Kirchhoff transform, quadratic
Newton convergence and the Jacobian against finite differences.

Kirchhoff transform (Carslaw & Jaeger, *Conduction of Heat in Solids*, 2nd ed., §1.7):
Φ(T) = ∫ k dT = k₀(T + βT²/2); in a slab at steady state Φ is linear, so the heat flux is
q = (Φ(T₁) − Φ(T₂))/L.  With k linear in T and T_h linear per element the Galerkin equations
are the exact Kirchhoff relations at the nodes, so the nodal values are exact.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from fem_helpers import CubicH, jacobian_vs_fd
from scipy.optimize import fsolve

from femtbr.fem import (
    Convection,
    Discretization,
    FixedTemperature,
    InterfaceSpec,
    Problem,
    Radiation,
    SolverOptions,
    Source,
    solve,
)
from femtbr.fem.assembly.assemble import build_system
from femtbr.fem.meshes import tensor_mesh

K0, BETA, C = (20.0, 40.0), (2e-3, -1e-3), 0.15  # W/mK, 1/K, W/(m² K⁴): h(300 K) ≈ 4e6
L, T1, T2 = 0.01, 600.0, 300.0


def _kfun(k0, beta):
    def k(T):
        return k0 * (1 + beta * T), k0 * beta * np.ones_like(T)
    return k


def _phi(T, i):
    return K0[i] * (T + BETA[i] * T**2 / 2)


def _exact():
    def eqs(v):
        q, ta, tb = v
        tbar = 0.5 * (ta + tb)
        return [(_phi(T1, 0) - _phi(ta, 0)) / L - q, (_phi(tb, 1) - _phi(T2, 1)) / L - q,
                C * tbar**3 * (ta - tb) - q]
    return fsolve(eqs, [1e5, 450.0, 440.0], xtol=1e-13)


def _problem(cell_type="quad", n=6, options=None):
    xs = np.linspace(0, 2 * L, 2 * n + 1)
    zs = np.linspace(0, L, 2) if cell_type == "hexahedron" else None
    mesh = tensor_mesh(xs, np.linspace(0, L, 3), zs, cell_type,
                       lambda c: np.where(c[:, 0] < L, "a", "b")).interface_between("ab", "a", "b")
    return Problem(mesh, {"a": _kfun(K0[0], BETA[0]), "b": _kfun(K0[1], BETA[1])},
                   boundaries={"xmin": FixedTemperature(T1), "xmax": FixedTemperature(T2)},
                   interfaces={"ab": InterfaceSpec(CubicH(C))},
                   options=options or SolverOptions(linear_solver="direct"))


@pytest.mark.parametrize("cell_type", ["quad", "hexahedron"])
def test_kirchhoff_exact(cell_type):
    q, ta, tb = _exact()
    sol = solve(_problem(cell_type))
    itf = sol.interfaces["ab"]
    area = L if cell_type == "quad" else L * L
    assert np.allclose(itf.T_a, ta, rtol=1e-8, atol=0)
    assert np.allclose(itf.T_b, tb, rtol=1e-8, atol=0)
    assert itf.heat == pytest.approx(q * area, rel=1e-8)
    assert sol.boundaries["xmax"] == pytest.approx(q * area, rel=1e-8)
    # nodal values inside slab a follow Φ linear in x
    x = sol.points[:, 0]
    ina = (x < L - 1e-12)
    phi = _phi(T1, 0) - q * x[ina]  # Φ(T(x)), inverted in closed form
    tx = (np.sqrt(1 + 2 * BETA[0] * phi / K0[0]) - 1) / BETA[0]
    assert np.allclose(sol.temperature[ina], tx, rtol=1e-8, atol=0)
    assert sol.energy_balance <= 1e-8


def test_quadratic_convergence():
    sol = solve(_problem(options=SolverOptions(linear_solver="direct", T_initial=350.0)))
    r = np.array(sol.residual_history)
    assert r[-1] <= 1e-10 and sol.iterations >= 4
    # asymptotic phase: r_{k+1} / r_k² stays bounded (a linearly convergent method would give
    # r_{k+1}/r_k ≈ const and r_{k+1}/r_k² → ∞)
    tail = [(a, b) for a, b in zip(r[:-1], r[1:], strict=False) if a < 0.05 and b > 1e-14]
    assert len(tail) >= 2, r
    ratios = [b / a**2 for a, b in tail]
    assert max(ratios) < 20.0, (r, ratios)
    assert all(b < a**1.7 for a, b in tail), r


def test_iterative_solver_agrees():
    ref = solve(_problem())
    it = solve(_problem(options=SolverOptions(linear_solver="amg")))
    assert np.allclose(it.temperature, ref.temperature, rtol=1e-9, atol=0)
    assert it.residual_history[-1] <= 1e-10


def test_jacobian_finite_differences():
    """J·δ matches the central difference of R to O(ε²), with every nonlinear term active."""
    mesh = tensor_mesh(np.linspace(0, 2, 5), np.linspace(0, 1, 3), None, "quad",
                       lambda c: np.where(c[:, 0] < 1, "a", "b")).interface_between("ab", "a", "b")
    pb = Problem(mesh, {"a": _kfun(5.0, 3e-3), "b": 2.0},
                 sources={"a": Source(power=10.0)},
                 boundaries={"xmax": (Convection(50.0, 300.0), Radiation(0.8, 280.0)),
                             "xmin": Radiation(0.5, 250.0)},
                 interfaces={"ab": InterfaceSpec(CubicH(0.02))},
                 options=SolverOptions(order=2))
    disc = Discretization(mesh, ["ab"], 2)
    system = build_system(pb, disc)
    err, _, _ = jacobian_vs_fd(system, disc)
    assert err <= 1e-7
    assert system.asymmetric


def _skewed(cell_type, skew):
    xs = np.linspace(0.0, 1.0, 4)
    zs = np.array([0.0, 0.3, 0.5, 1.0])
    m = tensor_mesh(xs, xs ** 1.5, zs, cell_type, lambda c: np.where(c[:, 2] < 0.5, "lo", "hi"))
    rng = np.random.default_rng(3)
    pts = m.points + skew * rng.standard_normal(m.points.shape)
    return m.__class__(pts, m.cells, m.cell_type, m.regions, m.boundaries, m.interfaces)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("cell_type", ["tetra", "hexahedron"])
@pytest.mark.parametrize("skew", [0.0, 0.04])
@pytest.mark.parametrize(("narrow", "threads"), [(True, 1), (True, 2), (False, 1)])
def test_conduction_matches_skfem(cell_type, order, skew, narrow, threads, monkeypatch):
    """Residual ∫ k(T) ∇T·∇v and Jacobian ∫ k ∇u·∇v + k' u ∇T·∇v against scikit-fem's
    assembly of the same forms with the same quadrature, on affine cells (the metric-table
    kernel), a skewed mesh (non-affine hexes: the per-point path), with the batches summed in
    one thread or two, or all as "wide" batches (summed in turn)."""
    import skfem
    from skfem.helpers import dot, grad

    from femtbr.fem.fast import conduction, kernels
    from femtbr.fem.fast.reference import ELEMENTS, SKFEM_MESH
    from femtbr.fem.linalg import threads as th

    monkeypatch.setattr(conduction, "WIDE_SPAN", 4.0 if narrow else -1.0)
    monkeypatch.setattr(kernels, "CHUNK", 7)  # many batches; mixed affine/non-affine ones
    monkeypatch.setattr(conduction, "chunks", lambda n: kernels.chunks(n, 7))
    monkeypatch.setattr(th, "n_threads", lambda: threads)
    monkeypatch.setattr(conduction, "PARALLEL_BATCHES", 2)
    monkeypatch.setattr(conduction, "SCATTER_CELLS", 3)  # several scatter blocks per batch
    m = _skewed(cell_type, skew)
    kf = {"lo": _kfun(5.0, 3e-3), "hi": _kfun(2.0, -1e-3)}
    pb = Problem(m, kf, boundaries={"xmin": FixedTemperature(300.0)})
    disc = Discretization(m, (), order)
    system = build_system(pb, disc)
    rng = np.random.default_rng(1)
    T = 300 + 100 * rng.random(disc.n_dofs)
    R, data = system.evaluate(T)
    R2, data2 = system.evaluate(T)  # cached geometry and positions: the same numbers
    assert np.array_equal(R, R2) and np.array_equal(data, data2)
    base = np.arange(data.size, dtype=float)  # accumulating into a caller's array
    R3, none = conduction.conduction_terms(disc, kf, T, True, add_to=base)
    R4, Jk = conduction.conduction_terms(disc, kf, T, True)
    assert none is None and np.array_equal(R3, R4)
    scale = data.size + np.abs(Jk.data).max()  # the same sums, in another order
    assert np.abs(base - (np.arange(data.size) + Jk.data)).max() <= 1e-14 * scale
    regs = list(disc.cache.conduction.values())
    assert len(regs) == 2 and all(bool(r.batches) == narrow for r in regs)
    indptr, indices = disc.pattern
    J = sp.csr_matrix((data, indices, indptr), shape=(disc.n_dofs,) * 2)

    skm = SKFEM_MESH[cell_type](disc.points.T.copy(), disc.cells.T.copy(), sort_t=False)
    perm = _sk_dofs(disc, skm, cell_type, order)
    R_ref, J_ref = 0, 0
    for name, fun in kf.items():
        basis = skfem.Basis(skm, ELEMENTS[(cell_type, order)](), intorder=2 * order,
                            elements=disc.region_cells[name])
        Tsk = np.empty(basis.N)
        Tsk[perm] = T
        Th = basis.interpolate(Tsk)

        @skfem.LinearForm
        def res(v, w, fun=fun):
            return fun(w.T)[0] * dot(grad(w.T), grad(v))

        @skfem.BilinearForm
        def jac(u, v, w, fun=fun):
            k, dk = fun(w.T)
            return k * dot(grad(u), grad(v)) + dk * u * dot(grad(w.T), grad(v))

        R_ref = R_ref + res.assemble(basis, T=Th)
        J_ref = J_ref + jac.assemble(basis, T=Th)
    assert np.abs(R - R_ref[perm]).max() <= 1e-12 * np.abs(R_ref).max()
    J_ref = J_ref.tocsr()[perm][:, perm]
    assert abs(J - J_ref).max() <= 1e-12 * np.abs(J_ref.data).max()


def _sk_dofs(disc, skm, cell_type, order):
    """scikit-fem's global DOF of each femtbr DOF (both number the same element DOFs)."""
    import skfem

    from femtbr.fem.fast.reference import ELEMENTS

    edofs_sk = skfem.Basis(skm, ELEMENTS[(cell_type, order)](), intorder=1).element_dofs.T
    perm = np.empty(disc.n_dofs, dtype=np.int64)
    perm[disc.edofs.ravel()] = edofs_sk.ravel()
    return perm


@pytest.mark.parametrize("span", [50, 10**7])
def test_distinct_matches_unique(span):
    """The range-mark path (short ranges) and the sorting path (wide ones) both give
    numpy's sorted distinct values and inverse."""
    from femtbr.fem.fast.conduction import _distinct

    x = np.random.default_rng(span).integers(1000, 1000 + span, size=(300, 8))
    u, inv = _distinct(x)
    u_ref, inv_ref = np.unique(x, return_inverse=True)
    assert np.array_equal(u, u_ref) and np.array_equal(inv, inv_ref.ravel())
