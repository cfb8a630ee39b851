"""Staging directories left by killed runs are removed at the next run into the same directory
(issue 14 item 9); a live run's staging directory and other hosts' are left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import femtbr
from femtbr.export.atomic import (
    UNOWNED_STALE_AFTER,
    _host,
    atomic_output_dir,
    remove_stale_staging,
)

CHILD = """
import sys, time
from femtbr.export.atomic import atomic_output_dir
with atomic_output_dir(sys.argv[1]) as stage:
    (stage / "fields.vtu").write_text("half written")
    print(stage, flush=True)
    time.sleep(120)
"""


def _start_writer(out: Path) -> tuple[subprocess.Popen, Path]:
    env = dict(os.environ, PYTHONPATH=str(Path(femtbr.__file__).parents[1]))
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(out)], stdout=subprocess.PIPE,
                            text=True, env=env)
    line = proc.stdout.readline().strip()
    assert line, "the writer did not start"
    return proc, Path(line)


def _staging(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if ".staging-" in p.name)


def test_killed_run_staging_removed_by_next_run(tmp_path):
    out = tmp_path / "case"
    proc, stage = _start_writer(out)
    assert stage.is_dir() and str(proc.pid) in stage.name  # the owner is recorded
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    assert _staging(out) == [stage.name]  # a killed run leaves its staging directory
    with atomic_output_dir(out) as st:
        (st / "summary.json").write_text("{}")
    assert not stage.exists()
    assert _staging(out) == []
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]


def test_live_run_staging_kept(tmp_path):
    out = tmp_path / "case"
    proc, stage = _start_writer(out)
    try:
        assert remove_stale_staging(out) == []
        with atomic_output_dir(out) as st:
            (st / "summary.json").write_text("{}")
        assert stage.is_dir() and (stage / "fields.vtu").read_text() == "half written"
    finally:
        proc.kill()
        proc.wait(10)
        proc.stdout.close()


def test_unowned_and_foreign_staging(tmp_path):
    out = tmp_path / "case"
    old = tmp_path / ".case.staging-k3j2h1x0"  # an older femtbr's name: no owner record
    new = tmp_path / ".case.staging-a8b7c6d5"
    # no such PID (above Linux's pid_max), but on another host: its process cannot be seen here
    foreign = tmp_path / ".case.staging-999999999-1-otherhost-abcdefgh"
    dead = tmp_path / f".case.staging-999999999-1-{_host()}-abcdefgh"  # this host: stale
    other_dir = tmp_path / ".other.staging-1-1-x-abcdefgh"
    for d in (old, new, foreign, other_dir, dead):
        d.mkdir()
    past = time.time() - UNOWNED_STALE_AFTER - 60
    os.utime(old, (past, past))
    removed = remove_stale_staging(out)
    assert sorted(removed) == sorted([old.resolve(), dead.resolve()])
    assert new.is_dir() and foreign.is_dir() and other_dir.is_dir()
