"""Node splitting topology and a triple junction of three regions with three interfaces."""

from __future__ import annotations

import numpy as np
import pytest
from fem_helpers import ConstantH

from femtbr.fem import (
    Convection,
    Discretization,
    FixedTemperature,
    InterfaceSpec,
    Problem,
    Source,
    probe,
    solve,
)
from femtbr.fem.meshes import tensor_mesh


def _junction_mesh(cell_type, n=4):
    g = np.linspace(-1, 1, 2 * n + 1)
    zs = np.linspace(0, 0.5, 2) if cell_type in ("tetra", "hexahedron") else None

    def region(c):
        return np.where(c[:, 0] < 0, "a", np.where(c[:, 1] < 0, "b", "c"))

    return (tensor_mesh(g, g, zs, cell_type, region).interface_between("ab", "a", "b")
            .interface_between("ac", "a", "c").interface_between("bc", "b", "c"))


@pytest.mark.parametrize("cell_type", ["quad", "triangle", "hexahedron", "tetra"])
def test_split_counts(cell_type):
    """Copies: 2 per interior interface vertex, 3 at the junction, 2 where an interface meets
    the outer boundary; none when nothing is split."""
    n = 4
    mesh = _junction_mesh(cell_type, n)
    layers = 2 if cell_type in ("tetra", "hexahedron") else 1
    d = Discretization(mesh, ["ab", "ac", "bc"])
    # vertices on x=0 (2n+1 per layer) and on y=0, x>0 (n per layer, junction excluded)
    # junction: 2 extra copies; other interface vertices: 1 extra copy each
    assert d.split.n_copies == layers * ((2 * n + 1 - 1) + n + 2)
    # splitting only "ab": it ends at the junction, inside the body (a|c and b|c stay bonded)
    d1 = Discretization(mesh, ["ab"])
    assert d1.split.n_copies == layers * (n - 1 + 1)  # (0,-1) on the boundary is split too
    d0 = Discretization(mesh, [])
    assert d0.split.n_copies == 0 and d0.n_dofs == mesh.points.shape[0]


@pytest.mark.parametrize("cell_type,order", [("quad", 1), ("triangle", 2), ("hexahedron", 1)])
def test_triple_junction_symmetry(cell_type, order):
    """Heated region a (x<0) feeds b (y<0) and c (y>0), cooled at x = 1; mirror symmetry in y
    gives equal heats through a|b and a|c, and no heat (zero jump) across b|c."""
    from femtbr.fem import SolverOptions

    mesh = _junction_mesh(cell_type)
    pb = Problem(mesh, {"a": 5.0, "b": 2.0, "c": 2.0},
                 sources={"a": Source(power=100.0)},
                 boundaries={"xmax": Convection(200.0, 300.0), "xmin": FixedTemperature(350.0)},
                 interfaces={"ab": InterfaceSpec(ConstantH(50.0)),
                             "ac": InterfaceSpec(ConstantH(50.0)),
                             "bc": InterfaceSpec(ConstantH(10.0))},
                 options=SolverOptions(order=order))
    sol = solve(pb)
    ab, ac, bc = (sol.interfaces[k] for k in ("ab", "ac", "bc"))
    assert ab.heat == pytest.approx(ac.heat, rel=1e-10)
    assert abs(bc.heat) <= 1e-10 * abs(ab.heat)
    assert np.max(np.abs(bc.jump)) <= 1e-9
    assert sol.energy_balance <= 1e-8
    total_in = 100.0 - sol.boundaries["xmin"]
    assert sol.boundaries["xmax"] == pytest.approx(total_in, rel=1e-9)
    assert ab.heat + ac.heat == pytest.approx(sol.boundaries["xmax"], rel=1e-9)
    pts = np.array([[0.3, 0.4], [0.7, 0.2], [0.55, 0.9]])
    if cell_type == "hexahedron":
        pts = np.hstack([pts, np.full((3, 1), 0.25)])
    mirror = pts.copy()
    mirror[:, 1] *= -1
    assert np.allclose(probe(sol, pts), probe(sol, mirror), rtol=1e-11, atol=0)
    # jumps through a|b are positive (a is hotter) and the region maxima are in a
    assert np.all(ab.jump > 0) and sol.regions["a"].T_max > sol.regions["b"].T_max
