"""A region split apart in a mesh file, one piece with no heat path: ``femtbr check`` names it
as ``femtbr run`` does (issue 14 items 1 and 5)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from gmsh_session import gmsh_session

from tests.test_check_equals_run import cli

gmsh = pytest.importorskip("gmsh")


@pytest.fixture(autouse=True)
def _keep_sigpipe_ignored():
    """gmsh resets SIGPIPE to terminate this process; Python's default is to ignore it."""
    yield
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)


def two_pieces(path: Path, cool_both: bool = False) -> Path:
    """Region ``body``: the unit squares [0,1]² and [2,3]×[0,1] (apart); boundary ``bottom``:
    the bottom edge of the first one only (of both with ``cool_both``)."""
    with gmsh_session():
        occ = gmsh.model.occ
        a, b = occ.addRectangle(0, 0, 0, 1, 1), occ.addRectangle(2, 0, 0, 1, 1)
        occ.synchronize()
        gmsh.model.addPhysicalGroup(2, [a, b], name="body")
        bottom = [c for _, c in gmsh.model.getEntities(1)
                  if gmsh.model.getBoundingBox(1, c)[4] < 1e-6
                  and (cool_both or gmsh.model.getBoundingBox(1, c)[3] < 1.5)]
        gmsh.model.addPhysicalGroup(1, bottom, name="bottom")
        gmsh.option.setNumber("Mesh.MeshSizeMax", 0.25)
        gmsh.model.mesh.generate(2)
        gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
        gmsh.write(str(path))
    return path


CASE = """
name = "two_pieces"
[geometry]
mesh = "two_pieces.msh"
[materials.body]
use = "copper"
[boundaries.bottom]
type = "convection"
h = 100.0
T_inf = 300.0
[sources.body]
power = 1.0
"""


def test_split_apart_part_without_heat_path_named_by_check_and_run(tmp_path):
    two_pieces(tmp_path / "two_pieces.msh")
    case = tmp_path / "two_pieces.toml"
    case.write_text(CASE)
    check_code, check_err = cli(["check", str(case)])
    run_code, run_err = cli(["run", str(case), "--out", str(tmp_path / "out"), "-q",
                             "--set", "outputs.render=false"])
    assert (check_code, run_code) == (2, 2), (check_err, run_err)
    for err in (check_err, run_err):
        assert "'body' (a split-apart part of it)" in err and "no heat path" in err


def test_cooling_both_pieces_passes_the_check(tmp_path):
    two_pieces(tmp_path / "two_pieces.msh", cool_both=True)
    case = tmp_path / "two_pieces.toml"
    case.write_text(CASE)
    code, err = cli(["check", str(case)])
    assert code == 0, err
