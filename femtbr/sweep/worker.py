"""What a sweep worker does for one case: run it, collect its scalars, build its record.

:func:`run_task` never raises for a failing case: the error becomes part of the record, so
one bad case (invalid override, non-convergence, ...) cannot stop a study.  The code that
actually runs a case is pluggable (``Task.runner``, ``"module:name"``): a function
``runner(base, params, case_path, out_dir) -> summary`` (a nested mapping of scalars), or a
class whose instances are such callables.  A class is instantiated once per
:class:`SweepWorker` — the explicit state of one worker (the study process itself, a process
of the local pool, a Dask worker) — which hands the instance every case it runs: that is how the
default :class:`~femtbr.sweep.runner.CaseRunner` reuses meshes and discretizations across cases
without any module-level state.
"""

from __future__ import annotations

import fnmatch
import importlib
import os
import socket
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from femtbr.errors import CaseError
from femtbr.sweep.store import STATUS_FAILED, STATUS_OK

DEFAULT_RUNNER = "femtbr.sweep.runner:CaseRunner"


@dataclass(frozen=True)
class Task:
    """Everything a (possibly remote) worker needs to run one case.

    Attributes
    ----------
    case_id, index
        Identity and position of the case in the study.
    case_path
        The study's case file (relative paths in the case resolve against its folder).
    base
        The case table without ``[sweep]``.
    params
        Swept key -> value of this case (``--set`` overrides).
    collect
        Dotted summary keys to return.
    case_dir
        Where to write the case outputs; ``None`` writes to a temporary folder and returns the
        files in the record (``record["files"]``), for workers without the study's filesystem.
    runner
        ``"module:name"`` of the function, or class of callables, that runs a case.
    """

    case_id: str
    index: int
    case_path: str
    base: Mapping[str, Any]
    params: Mapping[str, Any]
    collect: tuple[str, ...]
    case_dir: str | None = None
    runner: str = DEFAULT_RUNNER
    extra: Mapping[str, Any] = field(default_factory=dict)


def resolve_runner(ref: str) -> Any:
    """Import ``"module:name"``."""
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


class SweepWorker:
    """The state one sweep worker keeps between the cases it runs: its runners, built once.

    A worker is the study process (``workers=0``), a process of the local pool or a Dask
    worker; its executor creates the :class:`SweepWorker` and passes it to :func:`run_task`
    with every case (:mod:`femtbr.sweep.executors`).  When the worker ends, so does the state.
    """

    def __init__(self) -> None:
        self._runners: dict[str, Callable[..., Any]] = {}

    def runner(self, ref: str) -> Callable[..., Any]:
        """The runner named ``ref``: the function itself, or this worker's one instance of the
        class (created on first use)."""
        found = self._runners.get(ref)
        if found is None:
            made = resolve_runner(ref)
            found = made() if isinstance(made, type) else made
            self._runners[ref] = found
        return found

    def warm_up(self, ref: str | None) -> None:
        """Import the runner's module, call its ``warm_up()`` hook if it has one, and build the
        runner, so that none of it counts as the first case's wall time."""
        if not ref:
            return
        hook = getattr(importlib.import_module(ref.partition(":")[0]), "warm_up", None)
        if callable(hook):
            hook()
        self.runner(ref)


def is_pattern(key: str) -> bool:
    """Whether a collect entry is a shell pattern (``*`` or ``?``)."""
    return "*" in key or "?" in key


def pick(flat: Mapping[str, float], collect: tuple[str, ...]) -> dict[str, float]:
    """The collected keys of a flattened summary (patterns expand to every matching key).

    Raises
    ------
    CaseError
        A collected key or pattern matches nothing in the summary (lists close candidates).
    """
    out: dict[str, float] = {}
    for key in collect:
        keys = sorted(fnmatch.filter(flat, key)) if is_pattern(key) else [key] * (key in flat)
        if not keys:
            head = key.split(".")[0]
            near = sorted(k for k in flat if k.split(".")[0] == head)[:12] or sorted(flat)[:12]
            msg = f"summary has no key {key!r}; it has e.g. {near}"
            raise CaseError([("sweep.collect", msg)])
        out.update({k: float(flat[k]) for k in keys})
    return out


def _read_tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def run_task(task: Task, worker: SweepWorker) -> dict[str, Any]:
    """Run one case with ``worker``'s runner and return its record (status ``"ok"`` or
    ``"failed"``, never raises)."""
    from femtbr.export.summary import flatten_summary  # lazily: meshio costs ~0.5 s to import

    t0, c0 = time.perf_counter(), time.process_time()
    record: dict[str, Any] = {
        "case_id": task.case_id,
        "index": task.index,
        "params": dict(task.params),
        "outputs": {},
        "status": STATUS_OK,
        "error": "",
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    try:
        runner = worker.runner(task.runner)
        if task.case_dir is not None:
            summary = runner(task.base, dict(task.params), task.case_path, Path(task.case_dir))
            record["outputs"] = pick(flatten_summary(summary), task.collect)
        else:
            with tempfile.TemporaryDirectory(prefix="femtbr-case-") as tmp:
                summary = runner(task.base, dict(task.params), task.case_path, Path(tmp))
                record["outputs"] = pick(flatten_summary(summary), task.collect)
                record["files"] = _read_tree(Path(tmp))
    except Exception as exc:  # a failing case is a result, not a crash
        record["status"] = STATUS_FAILED
        record["outputs"] = {}
        record["error"] = f"{type(exc).__name__}: {exc}"
    record["wall_time"] = time.perf_counter() - t0
    record["cpu_time"] = time.process_time() - c0  # all threads of this process
    return record
