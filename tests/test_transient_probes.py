"""Transient probes are located once, then evaluated per step (issue 13, item 11)."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from femtbr.fem import FixedTemperature, Problem, SolverOptions, Source, solve
from femtbr.fem.post.probe import locate, probe
from femtbr.mesh import TaggedMesh
from femtbr.pipeline import load_case, run

probe_mod = importlib.import_module("femtbr.fem.post.probe")

CASE = Path(__file__).resolve().parents[1] / "cases" / "cpu_power_pulse.toml"


def _solution(order: int, cell: str):
    nx, ny = 6, 4
    x, y = np.meshgrid(np.linspace(0, 1, nx + 1), np.linspace(0, 0.5, ny + 1), indexing="ij")
    pts = np.c_[x.ravel(), y.ravel()]
    v = np.arange(pts.shape[0]).reshape(nx + 1, ny + 1)
    a, b, c, d = v[:-1, :-1].ravel(), v[1:, :-1].ravel(), v[1:, 1:].ravel(), v[:-1, 1:].ravel()
    cells = np.c_[a, b, c, d] if cell == "quad" else np.r_[np.c_[a, b, c], np.c_[a, c, d]]
    ring = np.r_[v[:, 0], v[-1, 1:], v[-2::-1, -1], v[0, -2::-1]]
    m = TaggedMesh(pts, cells, cell, regions={"body": np.arange(cells.shape[0])},
                   boundaries={"edge": np.c_[ring[:-1], ring[1:]]})
    pb = Problem(
        m,
        {r: 2.0 for r in m.regions},
        sources={r: Source(power=3.0) for r in m.regions},
        boundaries={b: FixedTemperature(300.0) for b in m.boundaries},
        options=SolverOptions(order=order),
    )
    return solve(pb)


@pytest.mark.parametrize("order,cell", [(1, "triangle"), (2, "quad")])
def test_located_once_equals_a_fresh_search_on_every_field(order, cell):
    sol = _solution(order, cell)
    pts = np.array([[0.13, 0.21], [0.5, 0.25], [0.97, 0.02], [0.31, 0.44]])
    located = locate(sol, pts)
    rng = np.random.default_rng(0)
    nv = sol.temperature.size
    for _ in range(4):  # "time steps": other fields on the same mesh
        T = 300.0 + rng.normal(size=(sol.dof_temperature.size if order > 1 else nv))
        other = replace(sol, temperature=T[:nv], dof_temperature=T if order > 1 else None)
        fresh = probe(other, pts)
        np.testing.assert_allclose(located.values(other), fresh, rtol=0, atol=1e-12)
        np.testing.assert_allclose(located.values_of_dofs(T, nv), fresh, rtol=0, atol=1e-12)


def test_transient_run_locates_its_probe_once(monkeypatch):
    calls = []
    inner = probe_mod._locate

    def counting(*args, **kw):
        calls.append(1)
        return inner(*args, **kw)

    monkeypatch.setattr(probe_mod, "_locate", counting)
    case = load_case(CASE, {"transient.t_end": 0.5, "transient.dt": 0.05,
                            "transient.save_every": 100})
    res = run(case, write=False)
    assert res.summary["transient"]["steps"] == 10
    # one search for the transient monitor, one for the final summary's probe: not one per step
    assert len(calls) <= 2, len(calls)
