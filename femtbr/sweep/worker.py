"""What a worker process does for one case: run it, collect its scalars, build its record.

:func:`run_task` never raises for a failing case: the error becomes part of the record, so
one bad case (invalid override, non-convergence, ...) cannot stop a study.  The function that
actually runs a case is pluggable (``Task.runner``, ``"module:function"``) with the signature
``runner(base, params, case_path, out_dir) -> summary`` (a nested mapping of scalars).
"""

from __future__ import annotations

import fnmatch
import importlib
import os
import socket
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from femtbr.errors import CaseError
from femtbr.sweep.store import STATUS_FAILED, STATUS_OK

DEFAULT_RUNNER = "femtbr.sweep.runner:run_case"


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
        ``"module:function"`` that runs a case.
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
    """Import ``"module:function"``."""
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


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


def run_task(task: Task) -> dict[str, Any]:
    """Run one case and return its record (status ``"ok"`` or ``"failed"``, never raises)."""
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
        runner = resolve_runner(task.runner)
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
