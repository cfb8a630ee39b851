"""``sweep()``: run a study, record each case the moment it finishes, then tables and plots."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from femtbr.errors import CaseError
from femtbr.sweep.executors import make_executor
from femtbr.sweep.plots import plot_study
from femtbr.sweep.pvd import write_study_pvd
from femtbr.sweep.store import STATUS_FAILED, STATUS_OK, ResultsStore, atomic_write, table_rows
from femtbr.sweep.study import Study, load_study
from femtbr.sweep.worker import DEFAULT_RUNNER, Task, run_task

log = logging.getLogger(__name__)

TABLE_INTERVAL = 0.5  # s between regenerations of results.csv while running


@dataclass(frozen=True)
class Progress:
    """State of a running study, passed to the ``progress`` callback after every case."""

    total: int
    finished: int
    failed: int
    remaining: int
    resumed: int
    elapsed: float
    last: str | None = None
    executor: str = ""


@dataclass(frozen=True)
class SweepResult:
    """What :func:`sweep` produced.

    Attributes
    ----------
    out_dir
        The study folder.
    study
        The study definition.
    records
        One record per case (index order): ``case_id``, ``index``, ``params``, ``outputs``,
        ``status``, ``error``, ``wall_time`` [s], ``worker``.
    plots
        PNG files written.
    """

    out_dir: Path
    study: Study
    records: tuple[Mapping[str, Any], ...]
    plots: tuple[Path, ...]

    @property
    def n_failed(self) -> int:
        """Number of failed cases."""
        return sum(r["status"] == STATUS_FAILED for r in self.records)

    def rows(self) -> list[dict[str, Any]]:
        """The results table as dicts (the rows of ``results.csv``)."""
        return table_rows(self.records, self.study.parameters, self.study.collect)[0]


def _valid(rec: Mapping[str, Any], study: Study, retry_failed: bool) -> bool:
    idx = rec.get("index")
    if not isinstance(idx, int) or not 0 <= idx < len(study.cases):
        return False
    case = study.cases[idx]
    if rec.get("case_id") != case.case_id or rec.get("params") != dict(case.params):
        return False
    return rec["status"] == STATUS_OK or not (rec.get("retry") or retry_failed)


def check_keys(study: Study) -> None:
    """Check every swept key against the case schema before any case runs (as ``--set`` does).

    Raises
    ------
    CaseError
        Listing each unknown key as ``sweep.parameters.<key>``.
    """
    from femtbr.case import apply_overrides
    from femtbr.case.semantics import extra_keys

    problems = []
    for key in study.parameters:
        try:
            apply_overrides(study.base, {key: study.cases[0].params[key]}, extra_keys=extra_keys)
        except CaseError as exc:
            problems += [(f"sweep.parameters.{key}", msg) for _, msg in exc.problems]
    if problems:
        raise CaseError(problems)


def sweep(
    case_path: str | Path,
    out_dir: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = False,
    retry_failed: bool = False,
    progress: Callable[[Progress], None] | None = None,
    runner: str = DEFAULT_RUNNER,
    shared_filesystem: bool | None = None,
    plots: bool = True,
    overrides: Any = (),
) -> SweepResult:
    """Run the parametric study defined by the ``[sweep]`` table of a case file.

    Parameters
    ----------
    case_path
        TOML case file with a ``[sweep]`` table (see :mod:`femtbr.sweep.study`).
    out_dir
        Study folder; default ``results/<case name>``.
    workers
        Local worker processes (default: CPU count; 0 runs in this process).
    scheduler
        Address ``tcp://HOST:PORT`` of a Dask scheduler, or a ``distributed.Client``.
    resume
        Continue a study in ``out_dir``: cases already recorded are not run again.
    retry_failed
        With ``resume``, also rerun cases recorded as failed.
    progress
        Called with a :class:`Progress` at the start and after every case.
    runner
        ``"module:name"`` of the function, or class of callables, running one case (see
        :mod:`femtbr.sweep.worker`).
    shared_filesystem
        Whether workers can write into ``out_dir`` directly; default true for local execution
        and false for Dask (outputs then travel back with the result).
    plots
        Write the PNG plots.
    overrides
        ``--set`` overrides of the base case (``["a.b=V", ...]`` or ``{"a.b": V}``).

    Returns
    -------
    SweepResult

    Raises
    ------
    CaseError
        The ``[sweep]`` table is invalid or sweeps a key the case does not have.
    InputError
        ``out_dir`` holds a study and ``resume`` is false, or holds a different study.
    """
    study = load_study(case_path, overrides)
    if runner == DEFAULT_RUNNER:
        check_keys(study)
    out = Path(out_dir) if out_dir is not None else Path("results") / study.name
    store, records = _open_store(study, out, resume, retry_failed)
    if shared_filesystem is None:
        shared_filesystem = scheduler is None
    tasks = _tasks(study, store, records, runner, shared_filesystem)
    if scheduler is None:  # no more processes than cases
        wanted = (os.cpu_count() or 1) if workers is None else workers
        workers = min(wanted, max(len(tasks), 1))
    executor = make_executor(workers, scheduler, runner)
    book = _Bookkeeper(study, store, records, progress, getattr(executor, "description", ""))
    book.report(None)
    if tasks:
        with executor:
            for task, result in executor.run(run_task, tasks):
                book.commit(task, _to_record(task, result))
    ordered = tuple(sorted(records.values(), key=lambda r: r["index"]))
    store.write_tables(ordered, study.parameters, study.collect)
    written = plot_study(ordered, study.parameters, study.collect, out) if plots else []
    write_study_pvd(ordered, out)
    return SweepResult(out_dir=out, study=study, records=ordered, plots=tuple(written))


def _open_store(
    study: Study, out: Path, resume: bool, retry_failed: bool
) -> tuple[ResultsStore, dict[str, dict[str, Any]]]:
    """Start (or resume) the study folder; the records of cases that need not run again."""
    store = ResultsStore(out)
    header = {
        "name": study.name,
        "case_path": study.case_path,
        "fingerprint": study.fingerprint,
        "parameters": list(study.parameters),
        "collect": list(study.collect),
        "cases": [{"case_id": c.case_id, "params": dict(c.params)} for c in study.cases],
    }
    store.start(header, resume)
    records = {k: r for k, r in store.load_records().items() if _valid(r, study, retry_failed)}
    return store, records


def _tasks(
    study: Study, store: ResultsStore, done: Mapping[str, Any], runner: str, shared: bool
) -> list[Task]:
    """A task per case not yet recorded (outputs written in place when ``shared``)."""
    return [
        Task(
            case_id=c.case_id,
            index=c.index,
            case_path=study.case_path,
            base=study.base,
            params=c.params,
            collect=study.collect,
            case_dir=str(store.cases_dir / c.case_id) if shared else None,
            runner=runner,
        )
        for c in study.cases
        if c.case_id not in done
    ]


class _Bookkeeper:
    """Commits each finished case to the store, refreshes the tables, reports progress."""

    def __init__(self, study: Study, store: ResultsStore, records: dict, progress, executor: str):
        self.study, self.store, self.records = study, store, records
        self.progress, self.executor = progress, executor
        self.resumed = len(records)
        self.t0 = time.perf_counter()
        self.last_table = 0.0

    def commit(self, task: Task, rec: dict[str, Any]) -> None:
        """Write the case's files and record (the commit point of the case)."""
        files = rec.pop("files", None)
        for rel, data in (files or {}).items():
            atomic_write(self.store.cases_dir / task.case_id / rel, data)
        self.store.write_record(rec)
        self.records[task.case_id] = rec
        if rec["status"] == STATUS_FAILED:
            log.warning("case %s failed: %s", task.case_id, rec["error"])
        now = time.perf_counter()
        if now - self.last_table > TABLE_INTERVAL:
            study = self.study
            self.store.write_tables(self.records.values(), study.parameters, study.collect)
            self.last_table = now
        self.report(task.case_id)

    def report(self, last: str | None) -> None:
        """Call ``progress`` with the study's state (after case ``last``; None at the start)."""
        if self.progress is None:
            return
        total, done = len(self.study.cases), len(self.records)
        self.progress(
            Progress(
                total=total,
                finished=done,
                failed=sum(r["status"] == STATUS_FAILED for r in self.records.values()),
                remaining=total - done,
                resumed=self.resumed,
                elapsed=time.perf_counter() - self.t0,
                last=last,
                executor=self.executor,
            )
        )


def _to_record(task: Task, result: Any) -> dict[str, Any]:
    """The worker's record, or a failed record (to retry on resume) if the worker was lost."""
    if isinstance(result, BaseException):
        return {
            "case_id": task.case_id,
            "index": task.index,
            "params": dict(task.params),
            "outputs": {},
            "status": STATUS_FAILED,
            "error": f"worker lost: {type(result).__name__}: {result}",
            "retry": True,
            "wall_time": None,
            "worker": "",
        }
    return dict(result)
