"""Manufactured solution varying along an inclined interface: convergence rates and the jump.

The exact field, in coordinates ξ (signed distance to the interface, from a to b) and η (along
it), is u_r = A_r(ξ) g(η) with quadratic A_r and g = 2 + cos(2η).  Choosing
k_a A_a'(0) = k_b A_b'(0) and A_a(0) − A_b(0) = −k_a A_a'(0)/h makes both interface conditions
(flux continuity, −k ∂u/∂ξ = h (u_a − u_b)) hold exactly, so the source −k Δu and the
boundary values are the only data.  Optimal L2 rates are p + 1 (e.g. Brenner & Scott, *The
Mathematical Theory of Finite Element Methods*, 3rd ed., Thm 5.4.8 + Aubin–Nitsche).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from fem_helpers import ConstantH, l2_error, split_boundary_by_side

from femtbr.fem import (
    Discretization,
    FixedTemperature,
    InterfaceSpec,
    Problem,
    SolverOptions,
    Source,
    solve,
)
from femtbr.fem.meshes import tensor_mesh

KA, KB, H = 1.0, 3.0, 2.0
A = (1.0, 1.0, 0.5)  # a0, a1, a2
B = (A[0] + KA * A[1] / H, KA * A[1] / KB, -0.7)
SHEAR = 0.3
NRM = np.hypot(1.0, SHEAR)


def _xi_eta(x):
    xi = (x[:, 0] - SHEAR * x[:, -1] - 0.5) / NRM
    eta = (SHEAR * x[:, 0] + x[:, -1]) / NRM
    return xi, eta


def _u(c):
    def f(x):
        xi, eta = _xi_eta(x)
        return (c[0] + c[1] * xi + c[2] * xi**2) * (2.0 + np.cos(2 * eta))
    return f


def _src(c, k):
    def f(x):
        xi, eta = _xi_eta(x)
        return -k * (2 * c[2] * (2 + np.cos(2 * eta)) - 4 * (c[0] + c[1] * xi + c[2] * xi**2)
                     * np.cos(2 * eta))
    return f


def _problem(cell_type, order, n, dim=2):
    g = np.linspace(0, 1, n + 1)
    zs = g if dim == 3 else None
    mesh = tensor_mesh(g, g, zs, cell_type, lambda c: np.where(c[:, 0] < 0.5, "a", "b"))
    pts = mesh.points.copy()
    pts[:, 0] += SHEAR * pts[:, -1]  # shear: the interface x = 0.5 becomes inclined
    mesh = replace(mesh, points=pts).interface_between("ab", "a", "b")
    last = "z" if dim == 3 else "y"
    for side in (last + "min", last + "max"):
        mesh = split_boundary_by_side(mesh, side, lambda c: _xi_eta(c)[0] < 0)
    bcs = {"xmin": FixedTemperature(_u(A)), "xmax": FixedTemperature(_u(B))}
    for side in (last + "min", last + "max"):
        bcs[side + "_a"] = FixedTemperature(_u(A))
        bcs[side + "_b"] = FixedTemperature(_u(B))
    return Problem(mesh, {"a": KA, "b": KB},
                   sources={"a": Source(density=_src(A, KA)), "b": Source(density=_src(B, KB))},
                   boundaries=bcs, interfaces={"ab": InterfaceSpec(ConstantH(H))},
                   options=SolverOptions(order=order))


def _errors(cell_type, order, ns, dim=2):
    errs, jumps = [], []
    for n in ns:
        pb = _problem(cell_type, order, n, dim)
        disc = Discretization(pb.mesh, ["ab"], order)
        sol = solve(pb, disc)
        T = sol.temperature if order == 1 else sol.dof_temperature
        errs.append(l2_error(disc, T, {"a": _u(A), "b": _u(B)}))
        jumps.append(sol.interfaces["ab"].jump_mean)
        assert sol.energy_balance <= 1e-8
    return np.array(errs), np.array(jumps)


def _exact_jump_mean():
    # mean of (a0 - b0)(2 + cos 2η) over the interface segment (η from its two ends)
    e0 = SHEAR * 0.5 / NRM * 1.0  # point (0.5, 0): η = 0.3*0.5/NRM
    p1 = np.array([0.5 + SHEAR, 1.0])
    e1 = (SHEAR * p1[0] + p1[1]) / NRM
    mean_g = 2 + (np.sin(2 * e1) - np.sin(2 * e0)) / (2 * (e1 - e0))
    return (A[0] - B[0]) * mean_g


@pytest.mark.parametrize("cell_type,order,ns,rate", [
    ("triangle", 1, (8, 16, 32, 64), 1.9),
    ("quad", 1, (8, 16, 32, 64), 1.9),
    ("triangle", 2, (2, 4, 8, 16), 2.9),
    ("quad", 2, (2, 4, 8, 16), 2.9),
])
def test_rates_2d(cell_type, order, ns, rate):
    errs, jumps = _errors(cell_type, order, ns)
    rates = np.log2(errs[:-1] / errs[1:])
    assert np.all(rates >= rate), rates
    # the jump is right on every mesh, even the coarsest, and converges with the field
    jerr = np.abs(jumps / _exact_jump_mean() - 1)
    assert np.all(jerr < 1.5e-2) and np.all(np.diff(jerr) < 0), jerr


@pytest.mark.parametrize("cell_type", ["tetra", "hexahedron"])
def test_rate_3d_p1(cell_type):
    errs, _ = _errors(cell_type, 1, (2, 4, 8), dim=3)
    rates = np.log2(errs[:-1] / errs[1:])
    assert rates[-1] >= 1.8, rates


def test_jump_mesh_independent():
    """Coarse and fine meshes give the same mean jump to discretisation accuracy, and it
    converges to the exact value (a thin layer of conductivity h·t would not)."""
    _, jumps = _errors("quad", 2, (2, 4, 8, 16))
    exact = _exact_jump_mean()
    err = np.abs(jumps - exact) / abs(exact)
    assert err[-1] < 1e-5 and np.all(err < 1e-2), err
    assert np.ptp(jumps) / abs(exact) < 1e-2
