"""The sweep worker state on Dask workers, held by a worker plugin (imported only with Dask).

:class:`~femtbr.sweep.executors.DaskExecutor` registers one :class:`SweepWorkerPlugin` per
study under a unique name; every Dask worker (also one that joins later) then builds its own
:class:`~femtbr.sweep.worker.SweepWorker`, and :func:`run_on_worker` hands it to each case.
Unregistering the plugin at the end of the study drops the state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from distributed import WorkerPlugin, get_worker

from femtbr.sweep.worker import SweepWorker

log = logging.getLogger(__name__)


class SweepWorkerPlugin(WorkerPlugin):
    """Holds one :class:`SweepWorker` per Dask worker, warmed up for ``runner``."""

    def __init__(self, runner: str | None):
        self.runner = runner
        self.worker: SweepWorker | None = None

    def setup(self, worker: Any) -> None:
        self.worker = SweepWorker()
        try:
            self.worker.warm_up(self.runner)
        except Exception as exc:  # the cases then fail with the runner's own error
            log.warning("warm-up of runner %r failed: %s", self.runner, exc)

    def teardown(self, worker: Any) -> None:
        self.worker = None


def run_on_worker(fn: Callable[[Any, SweepWorker], Any], task: Any, plugin: str) -> Any:
    """``fn(task, worker)`` with the :class:`SweepWorker` that plugin ``plugin`` holds on this
    Dask worker."""
    state = get_worker().plugins[plugin].worker
    if state is None:
        raise RuntimeError(f"worker plugin {plugin!r} was not set up on this Dask worker")
    return fn(task, state)
