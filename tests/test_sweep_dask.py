"""A study on a real ``distributed.LocalCluster`` (loopback, 2 worker processes) gives the same
table as the local process pool, and the per-case outputs travel back to the study folder.

The cases are the tiny 2D stack of :mod:`sweep_doubles` through the full pipeline; the
CLI test uses the closed-form wall runner (it only checks the --scheduler plumbing)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from sweep_doubles import TINY_STACK  # noqa: E402

from femtbr.errors import InputError  # noqa: E402
from femtbr.sweep import sweep  # noqa: E402
from femtbr.sweep.cli import main as sweep_main  # noqa: E402
from femtbr.sweep.executors import DaskExecutor  # noqa: E402

TOY = "sweep_doubles:wall_runner"

WALL_TOY = """
name = "wall"
[wall]
h = 1e4
q = 2e4
T_sink = 300.0
[wall.layers.a]
t = 1e-3
k = 10.0
[sweep]
mode = "grid"
collect = ["resistance"]
[sweep.parameters]
"wall.h" = [1e3, 1e4, 1e5]
"""

STUDY = """
[sweep]
mode = "lhs"
samples = 6
seed = 11
collect = ["regions.die.T_max", "interfaces.*.resistance", "energy_balance"]
[sweep.parameters]
"interfaces.die_spreader.h" = {min = 1e4, max = 1e6, log = true}
"materials.spreader.k" = {min = 200.0, max = 400.0}
"""


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as c:
        yield c


def table(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return [{k: v for k, v in r.items() if k != "wall_time"} for r in csv.DictReader(fh)]


def test_dask_cluster_matches_local_pool(tmp_path, cluster):
    case = tmp_path / "tiny.toml"
    case.write_text(TINY_STACK + STUDY)
    local = sweep(case, tmp_path / "local", workers=2, plots=False)
    with distributed.Client(cluster) as client:
        dask = sweep(case, tmp_path / "dask", scheduler=client, plots=False)
        workers = {r["worker"] for r in dask.records}
    assert local.n_failed == 0 and dask.n_failed == 0
    assert table(tmp_path / "dask" / "results.csv") == table(tmp_path / "local" / "results.csv")
    assert len(workers) == 2  # both worker processes took cases
    for rec in dask.records:  # outputs written on the workers came back
        for name in ("summary.json", "fields.vtu", "interfaces.vtu"):
            assert (tmp_path / "dask" / "cases" / rec["case_id"] / name).is_file()
    assert (tmp_path / "dask" / "study.pvd").read_text().count("<DataSet") == 6


def test_cli_scheduler_address(tmp_path, cluster):
    case = tmp_path / "wall.toml"
    case.write_text(WALL_TOY)
    out = tmp_path / "cli"
    argv = [str(case), "--out", str(out), "--scheduler", cluster.scheduler_address]
    assert sweep_main([*argv, "--runner", TOY, "--quiet", "--no-plots"]) == 0
    assert len(table(out / "results.csv")) == 3


def test_unreachable_scheduler_is_an_input_error():
    with pytest.raises(InputError, match="tcp://127.0.0.1:1"):
        with DaskExecutor("tcp://127.0.0.1:1", connect_timeout=1.0):
            pass


def same_report(study_summary: dict, run_summary: dict) -> None:
    """Everything but the study's own bookkeeping (``sweep``; the ``[sweep]`` table in
    ``parameters``) is identical, number for number."""
    a = {k: v for k, v in study_summary.items() if k != "sweep"}
    b = dict(run_summary)
    a["parameters"] = {k: v for k, v in a["parameters"].items() if k != "sweep"}
    b["parameters"] = {k: v for k, v in b["parameters"].items() if k != "sweep"}
    assert a == b


def test_a_steady_case_on_dask_gets_what_femtbr_run_gives(tmp_path, cluster):
    import json

    from femtbr.cli import main

    grid = (
        '\n[sweep]\nmode = "grid"\ncollect = ["regions.die.T_max"]\n[sweep.parameters]\n'
        '"interfaces.die_spreader.h" = [2e4, 3e5]\n'
    )
    study_file = tmp_path / "study.toml"
    study_file.write_text(TINY_STACK + grid)
    base_file = tmp_path / "base.toml"
    base_file.write_text(TINY_STACK)
    with distributed.Client(cluster) as client:
        res = sweep(study_file, tmp_path / "dask", scheduler=client, plots=False)
    assert res.n_failed == 0 and len(res.records) == 2
    for rec in res.records:
        (key, value), = rec["params"].items()
        out = tmp_path / f"run_{rec['index']}"
        argv = ["run", str(base_file), "--out", str(out), "-q", "--set", f"{key}={value}"]
        assert main([*argv, "--set", "outputs.render=false"]) == 0
        case_dir = tmp_path / "dask" / "cases" / rec["case_id"]
        got = json.loads((case_dir / "summary.json").read_text())
        want = json.loads((out / "summary.json").read_text())
        assert got["sweep"]["reused"] in (0.0, 1.0)  # the study's section reached the file
        same_report(got, want)


def test_each_dask_worker_builds_its_discretization_once(tmp_path, cluster):
    """The worker plugin's state lives on across a worker's cases: every worker's first case
    builds the discretization, its later ones reuse it (the cases differ only in h); the
    plugin is gone from the workers after the study."""
    case = tmp_path / "reuse.toml"
    case.write_text(
        TINY_STACK + '\n[sweep]\nmode = "zip"\ncollect = ["sweep.reused"]\n[sweep.parameters]\n'
        '"interfaces.die_spreader.h" = [1e4, 2e4, 3e4, 4e4, 5e4, 6e4]\n')
    with distributed.Client(cluster) as client:
        res = sweep(case, tmp_path / "dask", scheduler=client, plots=False)
        left = client.run(lambda dask_worker: [
            p for p in dask_worker.plugins if p.startswith("femtbr-sweep-")])
    assert len(left) == 2 and not any(left.values())  # the study's worker state was dropped
    assert res.n_failed == 0
    cold = [r for r in res.records if r["outputs"]["sweep.reused"] == 0.0]
    workers = {r["worker"] for r in res.records}
    assert len(cold) == len(workers)  # one cold case per worker, all others reused
    assert {r["worker"] for r in cold} == workers
