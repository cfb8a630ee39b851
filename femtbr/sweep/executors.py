"""Where cases run: in-process, a local process pool, or a Dask distributed cluster.

Every executor is a context manager with ``run(fn, tasks)`` yielding ``(task, result)`` pairs in
completion order, where ``result = fn(task, worker)`` and ``worker`` is the
:class:`~femtbr.sweep.worker.SweepWorker` of the worker that ran the task: one per executor
in-process, one per pool process, one per Dask worker (held by a worker plugin).  If ``fn``
itself raises (a worker process died, a Dask worker was lost), the pair carries the exception
instead of a result so the caller can record the case as failed.

The local pool uses the ``spawn`` start method (safe with threads, BLAS and macOS/Windows), so
scripts that call :func:`femtbr.sweep.sweep` need the usual ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from femtbr.errors import InputError
from femtbr.sweep.worker import SweepWorker

log = logging.getLogger(__name__)

Outcome = tuple[Any, Any]  # (task, result or BaseException)

#: Thread-count variables set to 1 for local worker processes unless already set.
SINGLE_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "FEMTBR_THREADS")


class SerialExecutor:
    """Run cases one after another in this process (``workers=0``; debugging, tiny studies).

    The executor's one :class:`SweepWorker` lives from ``__enter__`` to ``__exit__``.
    """

    description = "in-process"

    def __init__(self) -> None:
        self.worker: SweepWorker | None = None

    def __enter__(self) -> SerialExecutor:
        self.worker = SweepWorker()
        return self

    def __exit__(self, *exc: object) -> None:
        self.worker = None

    def run(self, fn: Callable[[Any, SweepWorker], Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
        assert self.worker is not None, "use SerialExecutor as a context manager"
        for task in tasks:
            try:
                yield task, fn(task, self.worker)
            except Exception as exc:
                yield task, exc


#: The sweep worker of this process, when it is a process of a :class:`LocalExecutor` pool.
#: A process-level slot is what the pool protocol leaves: :mod:`concurrent.futures` runs the
#: ``initializer`` once per process but gives it no way to hand an object to the tasks that
#: later run there (each task is a fresh pickled call), and the worker state must outlive one
#: task.  It is set only by :func:`_init_pool_process`, in spawned pool processes; the study
#: process never sets or reads it.
_POOL_WORKER: SweepWorker | None = None


def _init_pool_process(parent: int, runner: str | None) -> None:  # pragma: no cover - in workers
    """Create this pool process's :class:`SweepWorker` and warm it up; exit this process when
    the study process dies (e.g. SIGKILL), instead of lingering."""
    global _POOL_WORKER

    def loop() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=loop, daemon=True, name="femtbr-parent-watch").start()
    _POOL_WORKER = SweepWorker()
    try:
        _POOL_WORKER.warm_up(runner)
    except Exception as exc:  # the cases then fail with the runner's own error
        log.warning("warm-up of runner %r failed: %s", runner, exc)


def _run_in_pool_process(fn: Callable[[Any, SweepWorker], Any], task: Any) -> Any:
    """``fn(task, worker)`` with this pool process's :class:`SweepWorker`."""
    if _POOL_WORKER is None:
        raise RuntimeError("not a sweep pool process (its initializer did not run)")
    return fn(task, _POOL_WORKER)


class LocalExecutor:
    """A pool of ``workers`` spawned processes (:class:`concurrent.futures.ProcessPoolExecutor`).

    Worker processes run single-threaded BLAS (``OMP_NUM_THREADS=1`` etc. unless set by the
    user), one process per core being the parallelism.  At most ``2 * workers`` tasks are in
    flight at once.  If a worker process dies (segfault,
    out-of-memory kill), the pool is restarted and the cases that were in flight are run again
    one at a time: the one that kills its worker alone is reported with the
    :class:`~concurrent.futures.process.BrokenProcessPool` error, the others finish normally.
    """

    def __init__(self, workers: int, runner: str | None = None):
        if workers < 1:
            raise InputError(f"workers: must be >= 1, got {workers}")
        self.workers = workers
        self.runner = runner
        self.description = f"local pool, {workers} process{'es' if workers > 1 else ''}"
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_pool_process,
            initargs=(os.getpid(), self.runner),
        )

    def __enter__(self) -> LocalExecutor:
        # One process per core, single-threaded BLAS in each (as Dask's nannies do): threaded
        # BLAS in several workers oversubscribes the cores.  Settings of the user win.
        self._saved_env = {k: os.environ.get(k) for k in SINGLE_THREAD_ENV}
        for key in SINGLE_THREAD_ENV:
            os.environ.setdefault(key, "1")
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        for key, value in getattr(self, "_saved_env", {}).items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def run(self, fn: Callable[[Any, SweepWorker], Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
        assert self._pool is not None, "use LocalExecutor as a context manager"
        pending: dict[Future, Any] = {}
        queue: deque[Any] = deque(tasks)
        suspects: deque[Any] = deque()  # in flight when a worker died: rerun one at a time
        solo = False  # the single pending task is a suspect running alone

        def restart() -> None:
            suspects.extend(pending.values())
            pending.clear()
            log.warning("a worker process died; restarting the pool")
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._start()

        while True:
            try:
                if suspects:
                    if not pending:
                        task = suspects.popleft()
                        pending[self._pool.submit(_run_in_pool_process, fn, task)] = task
                        solo = True
                else:
                    while queue and len(pending) < 2 * self.workers:
                        task = queue.popleft()
                        pending[self._pool.submit(_run_in_pool_process, fn, task)] = task
            except BrokenProcessPool:  # broke while we were submitting: task never ran
                (suspects if solo else queue).appendleft(task)
                solo = False
                restart()
                continue
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                task = pending.pop(fut)
                try:
                    yield task, fut.result()
                except BrokenProcessPool as exc:
                    broken = True
                    if solo:
                        log.warning("case %s kills its worker process", task.case_id)
                        yield task, exc
                    else:
                        suspects.append(task)
                except Exception as exc:
                    yield task, exc
            solo = False
            if broken:
                restart()


class DaskExecutor:
    """Tasks on a ``dask.distributed`` cluster, given its scheduler address or a ``Client``.

    Parameters
    ----------
    scheduler
        ``"tcp://HOST:PORT"`` of a running ``dask scheduler``, or a connected ``Client``.
    connect_timeout
        Seconds to wait for the scheduler.
    """

    def __init__(self, scheduler: Any, connect_timeout: float = 20.0, runner: str | None = None):
        try:
            import distributed
        except ImportError as exc:  # pragma: no cover - optional dependency
            msg = "scheduler: needs dask.distributed (pip install femtbr[dask])"
            raise InputError(msg) from exc
        self._distributed = distributed
        self._scheduler = scheduler
        self._own = isinstance(scheduler, str)
        self._timeout = connect_timeout
        self.runner = runner
        self.client: Any = None
        address = getattr(getattr(scheduler, "scheduler", None), "address", scheduler)
        self.description = f"dask scheduler {address}"

    def __enter__(self) -> DaskExecutor:
        if self._own:
            try:
                self.client = self._distributed.Client(self._scheduler, timeout=self._timeout)
            except (OSError, TimeoutError) as exc:
                raise InputError(f"scheduler: cannot reach {self._scheduler}: {exc}") from exc
        else:
            self.client = self._scheduler
        from femtbr.sweep.dask_worker import SweepWorkerPlugin

        self._plugin = f"femtbr-sweep-{uuid.uuid4().hex}"
        self.client.register_plugin(SweepWorkerPlugin(self.runner), name=self._plugin)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            try:  # the workers drop this study's state
                self.client.unregister_worker_plugin(self._plugin)
            except Exception as err:  # a cluster already gone keeps nothing anyway
                log.debug("could not unregister %s: %s", self._plugin, err)
            if self._own:
                self.client.close()
        self.client = None

    def run(self, fn: Callable[[Any, SweepWorker], Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
        from femtbr.sweep.dask_worker import run_on_worker

        futures = {}
        for task in tasks:
            key = f"femtbr-{task.case_id}-{os.getpid()}-{time.monotonic_ns()}"
            fut = self.client.submit(run_on_worker, fn, task, self._plugin, key=key, pure=False)
            futures[fut] = task
        for fut in self._distributed.as_completed(futures):
            task = futures[fut]
            try:
                yield task, fut.result()
            except Exception as exc:
                yield task, exc
            fut.release()


def make_executor(
    workers: int | None = None, scheduler: Any = None, runner: str | None = None
) -> Any:
    """The executor for ``workers`` (default: CPU count, 0 = in-process) or ``scheduler``."""
    if scheduler is not None:
        if workers is not None:
            raise InputError("give either workers or scheduler, not both")
        return DaskExecutor(scheduler, runner=runner)
    if workers is None:
        workers = os.cpu_count() or 1
    return SerialExecutor() if workers == 0 else LocalExecutor(workers, runner)
