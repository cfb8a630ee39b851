"""The results store survives SIGKILL at any moment; failing cases are recorded, not fatal.

These tests drive the sweep machinery with the closed-form plane-wall runner of
:mod:`sweep_doubles` (series resistances, Incropera eq. 3.19) so that many kills stay
fast; tests/test_sweep_cases.py repeats the kill/resume check on the finite-element pipeline.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from femtbr.errors import InputError
from femtbr.sweep import sweep

TOY = "sweep_doubles:wall_runner"

WALL = """
name = "wall"
[wall]
h = 1e4
q = 2e4
T_sink = 300.0
sleep = {sleep}
[wall.layers.a]
t = 1e-3
k = 10.0
[sweep]
mode = "grid"
collect = ["resistance", "regions.*.T_max", "interfaces.contact.jump_mean"]
[sweep.parameters]
"wall.h" = {h}
"wall.layers.a.k" = [1.0, 10.0]
"""


def write_case(tmp: Path, h: str = "[1e3, 3e3, 1e4, 3e4, 1e5, 3e5]", sleep: float = 0.0) -> Path:
    path = tmp / "wall.toml"
    path.write_text(WALL.format(h=h, sleep=sleep))
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return [{k: v for k, v in row.items() if k != "wall_time"} for row in csv.DictReader(fh)]


def with_tests_on_path() -> dict[str, str]:
    """The environment with this folder on PYTHONPATH (the wall runner lives here)."""
    here = str(Path(__file__).resolve().parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([here, os.environ.get("PYTHONPATH", "")])}


def launch(case: Path, out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "femtbr.sweep.cli", str(case), "--out", str(out)]
    cmd += ["--runner", TOY, "--quiet", "--no-plots", *extra]
    return subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=with_tests_on_path(),
    )


def n_records(out: Path) -> int:
    return len(list((out / "records").glob("*.json"))) if (out / "records").is_dir() else 0


def test_values_follow_series_resistance(tmp_path):
    res = sweep(write_case(tmp_path), tmp_path / "out", workers=0, runner=TOY, plots=False)
    assert len(res.records) == 12 and res.n_failed == 0
    for row in res.rows():
        expected = 1e-3 / row["wall.layers.a.k"] + 1.0 / row["wall.h"]
        assert row["resistance"] == pytest.approx(expected, rel=1e-14)
        assert row["regions.hot.T_max"] == pytest.approx(300.0 + 2e4 * expected, rel=1e-14)
    table = read_csv(tmp_path / "out" / "results.csv")
    assert [r["case_id"] for r in table] == [f"c{i:04d}" for i in range(12)]
    assert float(table[3]["resistance"]) == res.rows()[3]["resistance"]  # repr round trip


def test_sigkill_mid_study_then_resume_matches_uninterrupted(tmp_path):
    case = write_case(tmp_path, sleep=0.25)
    ref = tmp_path / "ref"
    sweep(case, ref, workers=0, runner=TOY, plots=False)
    out = tmp_path / "run"
    proc = launch(case, out, "--workers", "2")
    deadline = time.monotonic() + 60
    while n_records(out) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = n_records(out)
    assert 2 <= done < 12, f"kill came too late or too early: {done} records"
    res = sweep(case, out, workers=2, resume=True, runner=TOY, plots=False)
    ids = [r["case_id"] for r in res.records]
    assert ids == sorted(set(ids)) and len(ids) == 12
    assert read_csv(out / "results.csv") == read_csv(ref / "results.csv")
    assert n_records(out) == 12


def test_repeated_sigkill_at_random_moments(tmp_path):
    """Kills during start-up, mid-case, while writing records and tables: still exactly once."""
    case = write_case(tmp_path, sleep=0.05)
    ref = tmp_path / "ref"
    sweep(case, ref, workers=0, runner=TOY, plots=False)
    out = tmp_path / "run"
    rng = random.Random(3)
    for _ in range(5):
        proc = launch(case, out, "--workers", "1", "--resume")
        time.sleep(rng.uniform(0.5, 2.5))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert launch(case, out, "--workers", "1", "--resume").wait(timeout=120) == 0
    assert read_csv(out / "results.csv") == read_csv(ref / "results.csv")
    records = [json.loads(p.read_text()) for p in (out / "records").glob("*.json")]
    assert sorted(r["case_id"] for r in records) == [f"c{i:04d}" for i in range(12)]
    assert not list((out / "records").glob(".*.tmp"))


def test_failing_case_is_recorded_and_study_completes(tmp_path):
    case = write_case(tmp_path, h='[1e3, -5.0, "soft", 1e4]')
    res = sweep(case, tmp_path / "out", workers=2, runner=TOY, plots=True)
    assert len(res.records) == 8 and res.n_failed == 4
    table = read_csv(tmp_path / "out" / "results.csv")
    failed = [r for r in table if r["status"] == "failed"]
    assert {r["wall.h"] for r in failed} == {"-5.0", "soft"}
    assert all("wall.h" in r["error"] and r["resistance"] == "" for r in failed)
    ok = [r for r in table if r["status"] == "ok"]
    assert len(ok) == 4 and all(r["error"] == "" for r in ok)
    assert res.plots  # plots of the cases that finished


def test_resume_guards(tmp_path):
    case = write_case(tmp_path, h="[1e3, 1e4]")
    out = tmp_path / "out"
    sweep(case, out, workers=0, runner=TOY, plots=False)
    with pytest.raises(InputError, match="--resume"):
        sweep(case, out, workers=0, runner=TOY)
    # nothing left to do: a resume runs no case and keeps the table
    res = sweep(case, out, workers=0, resume=True, runner=TOY, plots=False)
    assert len(res.records) == 4
    write_case(tmp_path, h="[1e3, 2e4]")
    with pytest.raises(InputError, match="different study"):
        sweep(case, out, workers=0, resume=True, runner=TOY)


def test_a_case_killing_its_worker_is_isolated_and_recorded(tmp_path):
    case = write_case(tmp_path)
    text = case.read_text().split("[sweep]")[0]
    case.write_text(
        text
        + """[sweep]
mode = "zip"
collect = ["resistance"]
[sweep.parameters]
"wall.h" = [1e3, 1e4, 1e5, 3e5]
"wall.crash" = [false, true, false, false]
"""
    )
    res = sweep(case, tmp_path / "out", workers=2, runner=TOY, plots=False)
    assert [r["status"] for r in res.records] == ["ok", "failed", "ok", "ok"]
    assert "BrokenProcessPool" in res.records[1]["error"]
    assert res.records[1]["retry"] is True  # a lost worker is retried on --resume


def test_cli_progress_summary_and_retry_failed(tmp_path, capsys):
    from femtbr.sweep.cli import main

    case = write_case(tmp_path, h='[1e3, "soft"]')
    out = tmp_path / "out"
    assert main([str(case), "--out", str(out), "--workers", "0", "--runner", TOY]) == 0
    err = capsys.readouterr().err
    assert "sweep: 4 cases on in-process" in err
    assert "4/4 finished, 2 failed, 0 remaining" in err
    assert "2 ok, 2 failed" in err and "wall.h: must be a number > 0" in err
    first = {p.name: p.stat().st_mtime_ns for p in (out / "records").glob("*.json")}
    argv = [str(case), "--out", str(out), "--workers", "0", "--runner", TOY, "--resume"]
    assert main(argv) == 0
    assert "4 already recorded" in capsys.readouterr().err
    assert main([*argv, "--retry-failed"]) == 0
    assert "2 already recorded" in capsys.readouterr().err
    now = {p.name: p.stat().st_mtime_ns for p in (out / "records").glob("*.json")}
    assert sum(now[k] != first[k] for k in first) == 2


def test_parquet_table_matches_csv(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    case = write_case(tmp_path, h='[1e3, "soft"]')
    res = sweep(case, tmp_path / "out", workers=0, runner=TOY, plots=False)
    table = pq.read_table(tmp_path / "out" / "results.parquet").to_pylist()
    rows = res.rows()
    assert [r["case_id"] for r in table] == [r["case_id"] for r in rows]
    assert [r["status"] for r in table] == ["ok", "ok", "failed", "failed"]
    assert table[1]["resistance"] == rows[1]["resistance"]
    assert table[2]["resistance"] is None and "wall.h" in table[2]["error"]
    assert table[3]["wall.h"] == "soft" and table[0]["wall.h"] == "1000.0"
