"""Outputs of a real solve: a two-layer slab through femtbr.fem.solve, written and read back.

1D series conduction (Incropera, *Fundamentals of Heat and Mass Transfer*, 7th ed., eq. 3.19):
with heat flux q into x = 0, T = T_cold at x = L1 + L2 and interface conductance h, the
temperature jump at the split interface is q/h and T(0) = T_cold + q (L1/k1 + 1/h + L2/k2).
Q1 elements represent the piecewise-linear exact solution exactly.
"""

from __future__ import annotations

import json

import meshio
import numpy as np
import pytest

from femtbr.export import write_outputs
from femtbr.mesh import TaggedMesh
from femtbr.pipeline.report import build_summary

fem = pytest.importorskip("femtbr.fem")
if not hasattr(fem, "solve"):  # pragma: no cover - before the solver landed
    pytest.skip("femtbr.fem.solve not available", allow_module_level=True)

L1, L2, W = 1.0e-3, 2.0e-3, 1.0e-3  # [m]
K1, K2, H, Q, T_COLD = 20.0, 200.0, 1.0e4, 2.0e5, 300.0


def _slab() -> TaggedMesh:
    xs = np.concatenate([np.linspace(0, L1, 4), np.linspace(L1, L1 + L2, 5)[1:]])
    ys = zs = np.linspace(0, W, 3)
    X, Y, Z = np.meshgrid(xs, ys, zs, indexing="ij")
    pts = np.column_stack([X.ravel(), Y.ravel(), Z.ravel()])
    idx = np.arange(len(pts)).reshape(len(xs), len(ys), len(zs))
    a, b = slice(None, -1), slice(1, None)
    corners = [(a, a), (b, a), (b, b), (a, b)]
    cells = np.column_stack(
        [idx[i, j, a].ravel() for i, j in corners] + [idx[i, j, b].ravel() for i, j in corners]
    )
    cx = pts[cells].mean(axis=1)[:, 0]
    mesh = TaggedMesh(
        pts, cells, "hexahedron",
        regions={"die": np.flatnonzero(cx < L1), "sink": np.flatnonzero(cx > L1)},
    )  # fmt: skip
    facets, _ = mesh.all_facets()
    key = np.sort(facets, axis=1)
    _, inv, cnt = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    outer = facets[cnt[inv.ravel()] == 1]
    fx = pts[outer].mean(axis=1)[:, 0]
    mesh = mesh.with_boundaries(
        {"hot": outer[np.isclose(fx, 0.0)], "cold": outer[np.isclose(fx, L1 + L2)]}
    )
    return mesh.interface_between("die_sink", "die", "sink")


class _ConstantH:
    def conductance(self, T, p):
        return np.full_like(T, H), np.zeros_like(T)


def test_solved_slab_outputs_show_the_series_jump(tmp_path):
    problem = fem.Problem(
        mesh=_slab(),
        conductivity={"die": K1, "sink": K2},
        boundaries={"hot": fem.HeatFlux(Q), "cold": fem.FixedTemperature(T_COLD)},
        interfaces={"die_sink": fem.InterfaceSpec(_ConstantH())},
    )
    sol = fem.solve(problem)
    summary = build_summary(sol, name="slab", parameters={"h": H})
    write_outputs(sol, summary, tmp_path, render=False)

    s = json.loads((tmp_path / "summary.json").read_text())
    ifc = s["interfaces"]["die_sink"]
    assert ifc["resistance"] == pytest.approx(1.0 / H, rel=1e-8)
    assert ifc["jump_mean"] == pytest.approx(Q / H, rel=1e-8)
    assert ifc["area"] == pytest.approx(W * W, rel=1e-12)
    assert ifc["heat"] == pytest.approx(Q * W * W, rel=1e-8)
    T_hot = T_COLD + Q * (L1 / K1 + 1.0 / H + L2 / K2)
    assert s["regions"]["die"]["T_max"] == pytest.approx(T_hot, rel=1e-10)

    f = meshio.read(tmp_path / "fields.vtu")
    T = f.point_data["temperature"]
    at = np.flatnonzero(np.isclose(f.points[:, 0], L1, rtol=0, atol=1e-15))
    assert len(at) == 2 * 9  # 3 x 3 interface vertices, each split in two copies
    by_place: dict[tuple, list[float]] = {}
    for i in at:
        by_place.setdefault(tuple(np.round(f.points[i], 12)), []).append(T[i])
    for temps in by_place.values():
        assert len(temps) == 2
        assert abs(temps[0] - temps[1]) == pytest.approx(Q / H, rel=1e-8)
    np.testing.assert_allclose(f.cell_data["heat_flux"][0][:, 0], Q, rtol=1e-8)

    i = meshio.read(tmp_path / "interfaces.vtu")
    np.testing.assert_allclose(i.cell_data["jump"][0], Q / H, rtol=1e-8)
    np.testing.assert_allclose(i.cell_data["heat_flux"][0], Q, rtol=1e-8)
    np.testing.assert_allclose(i.points[:, 0], L1, atol=1e-15)
    np.testing.assert_allclose(i.point_data["T_a"], T_COLD + Q * (L2 / K2 + 1 / H), rtol=1e-10)
