"""Mesh size estimated before building (issue 14 item 4): exact against the built mesh, and
a bad length (3 m instead of 3 mm) exits 2 quickly, naming it, with little memory."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

import femtbr.geometry.size as size
from femtbr.cli import main
from femtbr.errors import CaseError
from femtbr.fem.assembly.discretization import Discretization
from femtbr.geometry import build
from femtbr.geometry.base import estimate_size

CASES = Path(__file__).resolve().parents[1] / "cases"
LAYERS_3M = [{"name": "die", "material": "silicon", "thickness": 3.0},
             {"name": "cu", "material": "copper", "thickness": 2e-3}]


@pytest.mark.parametrize("builder,params", [
    ("stack", {}),
    ("stack", {"dim": 2, "cell_type": "triangle"}),
    ("stack", {"cell_type": "tetra", "mesh_size": 2e-3}),
    ("stack", {"subdivide": 2, "mesh_size": 4e-3}),
    ("cpu_heatsink", {}),  # the air between the fins is not counted
])
@pytest.mark.parametrize("order", [1, 2])
def test_estimate_equals_the_built_mesh(builder, params, order):
    est = estimate_size(builder, params, order)
    mesh = build(builder, params).mesh
    assert est.cells == mesh.n_cells
    assert est.points == mesh.points.shape[0]
    assert est.dofs == Discretization(mesh, (), order).n_dofs  # unsplit DOFs


def test_full_box_bound_for_grids_too_large_to_paint(monkeypatch):
    monkeypatch.setattr(size, "PAINT_LIMIT", 10)
    est = estimate_size("cpu_heatsink", {})
    nx, ny, nz = est.axis_cells
    assert est.cells == nx * ny * nz and est.points == (nx + 1) * (ny + 1) * (nz + 1)
    assert est.cells > build("cpu_heatsink", {}).mesh.n_cells  # an upper bound


def test_limit_names_the_length_and_builds_nothing():
    params = {"layers": LAYERS_3M, "mesh_size": 0.5e-3}
    t0 = time.perf_counter()
    with pytest.raises(CaseError) as info:
        build("stack", params, max_dofs=1_000_000)
    assert time.perf_counter() - t0 < 3.0
    key, msg = info.value.problems[0]
    assert key == "geometry.layers[0].thickness"
    assert "z: 6009 cells over 3.002 m" in msg and "more than 1e+06 DOFs" in msg
    assert build("stack", {"layers": LAYERS_3M, "mesh_size": 50e-3}, max_dofs=1_000_000)


def test_default_limit_follows_memory(monkeypatch):
    monkeypatch.setattr(size, "physical_memory", lambda: 24.0 * 2**30)
    # a quarter of 24 GiB at 3 kB per DOF (27 entries per row in 3D)
    assert size.default_max_dofs() == int(0.25 * 24 * 2**30 / 3000)
    assert size.default_max_dofs(order=2) == int(0.25 * 24 * 2**30 / (3000 * 125 / 27))


@pytest.mark.parametrize("command", ["check", "run"])
def test_cli_3_m_instead_of_3_mm_exits_2_fast(command, monkeypatch, tmp_path, capsys):
    """The issue's machine (24 GiB): the heat-sink base at 3 m would be ~4e6 DOFs."""
    monkeypatch.setattr(size, "physical_memory", lambda: 24.0 * 2**30)
    args = [command, str(CASES / "cpu_heatsink.toml"), "--set", "geometry.base_thickness=3 m"]
    if command == "run":
        args += ["--out", str(tmp_path / "out")]
    t0 = time.perf_counter()
    assert main(args) == 2
    assert time.perf_counter() - t0 < 5.0
    err = capsys.readouterr().err
    assert "geometry.base_thickness" in err and "solver.max_dofs" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def _cap_memory() -> None:  # in the child: 3 GiB of address space
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))


def test_cli_huge_mesh_little_memory():
    """A whole process capped at 3 GiB of address space exits 2 in seconds (the mesh, ~3e7
    DOFs, would need tens of GiB: building it would fail with MemoryError, exit 1)."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "femtbr", "check", str(CASES / "cpu_heatsink.toml"),
                        "--set", "geometry.base_thickness=3 m", "--set", "geometry.refine=2"],
                       capture_output=True, text=True, timeout=60, preexec_fn=_cap_memory)
    assert r.returncode == 2, r.stderr
    assert "geometry.base_thickness" in r.stderr and "Traceback" not in r.stderr
    assert time.perf_counter() - t0 < 10.0
