"""Three-layer stack with two interface conductances and convective cooling vs 1D series law.

1D series resistance (e.g. Incropera & DeWitt, *Fundamentals of Heat and Mass Transfer*, 6th ed.,
§3.1.2): q = (T_0 − T_∞) / (Σ L_i/k_i + Σ 1/h_j + 1/h_c).  The FE solution on a
laterally uniform mesh must reproduce it to round-off (the exact field is piecewise linear).
"""

from __future__ import annotations

import numpy as np
import pytest
from fem_helpers import ELEMENTS_2D, ELEMENTS_3D, ConstantH

from femtbr.fem import Convection, FixedTemperature, InterfaceSpec, Problem, SolverOptions, solve
from femtbr.fem.meshes import tensor_mesh

L = [0.01, 0.02, 0.015]  # m
K = [10.0, 2.0, 50.0]  # W/(m K)
H = [2.0e3, 5.0e3]  # W/(m² K)
HC, T0, TINF = 300.0, 400.0, 300.0
EDGES = np.cumsum([0.0] + L)


def _stack(cell_type: str, order: int):
    xs = np.unique(np.concatenate([np.linspace(EDGES[i], EDGES[i + 1], 3) for i in range(3)]))
    ys = np.linspace(0, 0.01, 3)
    zs = np.linspace(0, 0.01, 2) if cell_type in ("tetra", "hexahedron") else None

    def region(c):
        return np.where(c[:, 0] < EDGES[1], "a", np.where(c[:, 0] < EDGES[2], "b", "c"))

    mesh = (tensor_mesh(xs, ys, zs, cell_type, region)
            .interface_between("ab", "a", "b").interface_between("bc", "b", "c"))
    return Problem(
        mesh,
        {"a": K[0], "b": K[1], "c": K[2]},
        boundaries={"xmin": FixedTemperature(T0), "xmax": Convection(HC, TINF)},
        interfaces={"ab": InterfaceSpec(ConstantH(H[0])), "bc": InterfaceSpec(ConstantH(H[1]))},
        options=SolverOptions(order=order),
    )


@pytest.mark.parametrize("cell_type,order", ELEMENTS_2D + ELEMENTS_3D)
def test_series_resistance(cell_type, order):
    sol = solve(_stack(cell_type, order))
    r_total = sum(li / ki for li, ki in zip(L, K, strict=False)) + sum(1 / h for h in H) + 1 / HC
    q = (T0 - TINF) / r_total  # W/m²
    area = 0.01 if cell_type in ("triangle", "quad") else 1e-4
    rel = 1e-10
    # interface jumps q/h and heats q·A, independent of position
    for name, h in zip(("ab", "bc"), H, strict=False):
        itf = sol.interfaces[name]
        assert itf.jump_mean == pytest.approx(q / h, rel=rel)
        assert itf.heat == pytest.approx(q * area, rel=rel)
        assert itf.area == pytest.approx(area, rel=1e-12)
        assert itf.resistance == pytest.approx(1 / h, rel=rel)
        assert np.allclose(itf.jump, q / h, rtol=rel, atol=0)
        assert np.allclose(itf.heat_flux, q, rtol=rel, atol=0)
    # temperatures either side of the first interface
    ta = T0 - q * L[0] / K[0]
    assert np.allclose(sol.interfaces["ab"].T_a, ta, rtol=rel, atol=0)
    assert np.allclose(sol.interfaces["ab"].T_b, ta - q / H[0], rtol=rel, atol=0)
    # surface temperature at the cooled face and boundary heats
    t_surf = TINF + q / HC
    assert sol.regions["c"].T_max == pytest.approx(t_surf + q * L[2] / K[2], rel=rel)
    assert sol.boundaries["xmax"] == pytest.approx(q * area, rel=rel)
    assert sol.boundaries["xmin"] == pytest.approx(-q * area, rel=rel)
    assert sol.energy_balance <= 1e-8
    assert sol.converged and sol.residual_history[-1] <= 1e-10
    # the interface is split: vertices are duplicated
    assert sol.points.shape[0] > np.unique(sol.points, axis=0).shape[0]
