"""Sweeps through the real pipeline (case -> mesh -> FE solve -> export) on a tiny 2D stack.

The stack (:data:`sweep_doubles.TINY_STACK`) carries a uniform 1000 W/m² across silicon,
a constant-h contact and copper into a convective bottom, so heat flows one-dimensionally and
T_max(die) = T_inf + q (t_Si/k_Si + 1/h_c + t_Cu/k_Cu + 1/h_bottom) (series resistances,
Incropera et al., Fundamentals of Heat and Mass Transfer, 6th ed., eq. 3.19).
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_doubles import TINY_STACK, spy_case_runners

from femtbr.errors import CaseError
from femtbr.sweep import sweep
from femtbr.sweep.cli import main as sweep_main
from femtbr.sweep.runner import CaseRunner

Q = 4.0 / 4e-3  # W/m² (4 W per metre of depth over 4 mm)


def t_max(h_contact: float, k_cu: float, h_bottom: float = 5000.0) -> float:
    """Series-resistance junction temperature of the tiny stack [K]."""
    return 300.0 + Q * (0.5e-3 / 150.0 + 1.0 / h_contact + 1e-3 / k_cu + 1.0 / h_bottom)


def write(tmp: Path, sweep_table: str, base: str = TINY_STACK) -> Path:
    path = tmp / "tiny.toml"
    path.write_text(base + sweep_table)
    return path


GRID = """
[sweep]
mode = "grid"
collect = ["regions.die.T_max", "interfaces.*.resistance", "sweep.reused"]
[sweep.parameters]
"interfaces.die_spreader.h" = ["1e4 W/m^2/K", 3e4, 1e5, 1e6]
"materials.spreader.k" = [200.0, 400.0]
"""


def test_grid_matches_series_formula_and_reuses_the_discretization(tmp_path, monkeypatch):
    made = spy_case_runners(monkeypatch)
    res = sweep(write(tmp_path, GRID), tmp_path / "out", workers=0)
    assert res.n_failed == 0 and len(res.records) == 8
    for row in res.rows():
        h = (
            1e4
            if isinstance(row["interfaces.die_spreader.h"], str)
            else row["interfaces.die_spreader.h"]
        )
        assert row["regions.die.T_max"] == pytest.approx(
            t_max(h, row["materials.spreader.k"]), abs=1e-8
        )
        assert row["interfaces.die_spreader.resistance"] == pytest.approx(1.0 / h, rel=1e-9)
    # one discretization for all 8 cases: mesh, split and bulk matrix built once, by the one
    # runner of the study's one (in-process) worker
    assert [r["sweep.reused"] for r in res.rows()] == [0.0] + [1.0] * 7
    assert len(made) == 1
    assert made[0].reuse.stats.built == 1 and made[0].reuse.stats.reused == 7
    # a reused discretization gives the numbers of a cold solve
    study = res.study
    cold = CaseRunner()(study.base, study.cases[5].params, study.case_path, tmp_path / "cold")
    assert cold["regions"]["die"]["T_max"] == pytest.approx(
        res.rows()[5]["regions.die.T_max"], rel=1e-13
    )
    out = tmp_path / "out"
    assert (out / "cases" / "c0005" / "fields.vtu").is_file()
    pvd = (out / "study.pvd").read_text()
    assert pvd.count("<DataSet") == 8 and 'file="cases/c0007/fields.vtu"' in pvd
    # T_max against h (one curve per spreader k), and against k
    names = {p.name for p in res.plots}
    assert "regions.die.T_max__vs__interfaces.die_spreader.h.png" in names
    assert "regions.die.T_max__vs__materials.spreader.k.png" in names
    assert all(p.stat().st_size > 5000 for p in res.plots)


FAILING = """
[sweep]
mode = "zip"
collect = ["regions.die.T_max", "iterations"]
[sweep.parameters]
"solver.max_iterations" = [50, 1, 50, 50]
"interfaces.die_spreader.h" = [1e5, 1e5, "-3 W/m^2/K", 1e6]
"""


def test_failing_cases_are_recorded_and_the_study_completes(tmp_path):
    # silicon with its tabulated k(T): Newton needs more than one iteration
    base = TINY_STACK.replace('k = "150 W/m/K"\n', "")
    res = sweep(write(tmp_path, FAILING, base), tmp_path / "out", workers=1)
    status = [r["status"] for r in res.records]
    assert status == ["ok", "failed", "failed", "ok"]
    assert res.records[1]["error"].startswith("ConvergenceError: Newton did not converge")
    assert "interfaces.die_spreader.h" in res.records[2]["error"]
    assert res.records[0]["outputs"]["iterations"] > 1
    with open(tmp_path / "out" / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["status"] for r in rows] == status
    assert rows[1]["regions.die.T_max"] == "" and "ConvergenceError" in rows[1]["error"]
    assert not (tmp_path / "out" / "cases" / "c0001" / "summary.json").exists()


KILL = """
[sweep]
mode = "grid"
collect = ["regions.die.T_max", "interfaces.die_spreader.jump_mean"]
[sweep.parameters]
"interfaces.die_spreader.h" = [1e4, 2e4, 5e4, 1e5, 2e5, 1e6]
"""


def _table(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return [{k: v for k, v in r.items() if k != "wall_time"} for r in csv.DictReader(fh)]


def test_sigkill_and_resume_give_the_uninterrupted_table(tmp_path):
    base = TINY_STACK.replace('mesh_size = "1 mm"', 'mesh_size = "1 mm"\nrefine = 20')
    case = write(tmp_path, KILL, base)
    ref = tmp_path / "ref"
    sweep(case, ref, workers=0, plots=False)
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "femtbr", "sweep", str(case), "--out", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "1", "--quiet"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    records = out / "records"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(records.glob("*.json"))) < 2:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(records.glob("*.json")))
    assert 2 <= done < 6, f"{done} cases were recorded before the kill"
    resumed = subprocess.run([*cmd, "--workers", "1", "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done} already recorded" in resumed.stderr
    assert _table(out / "results.csv") == _table(ref / "results.csv")
    assert sorted(p.stem for p in records.glob("*.json")) == [f"c{i:04d}" for i in range(6)]


def test_unknown_swept_key_is_rejected_before_any_case_runs(tmp_path):
    bad = GRID.replace('"materials.spreader.k"', '"interfaces.die_spreader.hh"')
    case = write(tmp_path, bad)
    with pytest.raises(CaseError, match=r"sweep.parameters.interfaces.die_spreader.hh"):
        sweep(case, tmp_path / "out", workers=0)
    assert not (tmp_path / "out").exists()
    assert sweep_main([str(case), "--out", str(tmp_path / "cli"), "--workers", "0"]) == 2


GEOMETRY = """
[sweep]
mode = "zip"
collect = ["regions.die.T_max", "sweep.reused"]
[sweep.parameters]
"geometry.width" = ["4 mm", "4 mm", "8 mm", "8 mm"]
"geometry.sources[0].size" = ["4 mm", "4 mm", "8 mm", "8 mm"]   # heat the whole top: 1D
"interfaces.die_spreader.h" = [1e4, 1e5, 1e4, 1e5]
"""


def test_geometry_keys_sweep_and_rebuild_only_when_geometry_changes(tmp_path):
    res = sweep(write(tmp_path, GEOMETRY), tmp_path / "out", workers=0, plots=False)
    rows = res.rows()
    assert [r["sweep.reused"] for r in rows] == [0.0, 1.0, 0.0, 1.0]
    for row in rows:
        width = 4e-3 if row["geometry.width"] == "4 mm" else 8e-3
        q = 4.0 / width  # the same 4 W per metre of depth over a wider die
        h = row["interfaces.die_spreader.h"]
        expected = 300.0 + q * (0.5e-3 / 150.0 + 1.0 / h + 1e-3 / 400.0 + 1.0 / 5000.0)
        assert row["regions.die.T_max"] == pytest.approx(expected, abs=1e-8)


def test_example_pressure_roughness_study_follows_cmy(tmp_path):
    """A 2 x 2 corner of cases/pressure_roughness_study.toml on a coarser mesh.

    The contact part of the joint follows Cooper-Mikic-Yovanovich, h_c ∝ (P/H_c)^0.95
    (Yovanovich 2005, IEEE TCPT 28, 182, eq. for the plastic correlation), so doubling the
    pressure at a fixed roughness multiplies it by 2^0.95 (k_s varies slightly with the
    interface temperature: 1e-3).  Resistance falls with pressure and grows with roughness.
    """
    root = Path(__file__).resolve().parents[1]
    text = (root / "cases" / "pressure_roughness_study.toml").read_text()
    head, _, tail = text.partition("[sweep.parameters]")
    assert tail, "the example lost its [sweep.parameters] table"
    head = head.replace('h_fins = "40 W/m^2/K"', 'h_fins = "40 W/m^2/K"\nrefine = 0.6')
    head = head.replace("collect = [", 'collect = [\n  "energy_balance",')
    case = tmp_path / "prs.toml"
    case.write_text(
        head
        + '[sweep.parameters]\n"interfaces.lid_tim2.pressure" = [0.1e6, 0.2e6]\n'
        + '"interfaces.lid_tim2.sigma" = ["0.5 um", "4 um"]\n'
    )
    res = sweep(case, tmp_path / "out", workers=0, plots=False)
    assert res.n_failed == 0
    r = {
        (row["interfaces.lid_tim2.pressure"], row["interfaces.lid_tim2.sigma"]): row
        for row in res.rows()
    }
    hc = "interfaces.lid_tim2.components.constriction"
    for s in ("0.5 um", "4 um"):
        assert r[(0.2e6, s)][hc] / r[(0.1e6, s)][hc] == pytest.approx(2**0.95, rel=1e-3)
    R = "interfaces.lid_tim2.resistance"
    assert r[(0.2e6, "0.5 um")][R] < r[(0.1e6, "0.5 um")][R] < r[(0.1e6, "4 um")][R]
    assert all(row["energy_balance"] < 1e-8 for row in res.rows())
    assert all(5e-6 < row[R] < 5e-4 for row in res.rows())  # measured range (design note 5)
