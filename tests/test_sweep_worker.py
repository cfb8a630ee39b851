"""A sweep worker's state is an explicit object: built once per worker, gone with it.

:class:`femtbr.sweep.worker.SweepWorker` instantiates a runner class once and hands that
instance every case; a function runner is used as it is.  Nothing is kept between studies: two
in-process sweeps of the same case each build their own runner and both start cold.
"""

from __future__ import annotations

from pathlib import Path

from sweep_doubles import TINY_STACK, spy_case_runners, wall_runner

from femtbr.sweep import sweep
from femtbr.sweep.runner import CaseRunner
from femtbr.sweep.worker import DEFAULT_RUNNER, SweepWorker


def test_a_runner_class_is_built_once_per_worker():
    one, two = SweepWorker(), SweepWorker()
    runner = one.runner(DEFAULT_RUNNER)
    assert isinstance(runner, CaseRunner)
    assert one.runner(DEFAULT_RUNNER) is runner  # every case of the worker: the same reuse
    assert two.runner(DEFAULT_RUNNER) is not runner  # another worker: its own
    assert one.runner("sweep_doubles:wall_runner") is wall_runner  # a function as it is


ZIP = """
[sweep]
mode = "zip"
collect = ["regions.die.T_max", "sweep.reused"]
[sweep.parameters]
"interfaces.die_spreader.h" = [1e4, 1e5]
"""


def test_consecutive_in_process_sweeps_share_no_state(tmp_path: Path, monkeypatch):
    made = spy_case_runners(monkeypatch)
    case = tmp_path / "tiny.toml"
    case.write_text(TINY_STACK + ZIP)
    first = sweep(case, tmp_path / "a", workers=0, plots=False)
    second = sweep(case, tmp_path / "b", workers=0, plots=False)
    assert [r["sweep.reused"] for r in first.rows()] == [0.0, 1.0]
    assert [r["sweep.reused"] for r in second.rows()] == [0.0, 1.0]  # cold again
    assert len(made) == 2 and made[0] is not made[1]
    assert [r["regions.die.T_max"] for r in first.rows()] == [
        r["regions.die.T_max"] for r in second.rows()]
