"""Where cases run: in-process, a local process pool, or a Dask distributed cluster.

Every executor is a context manager with ``run(fn, tasks)`` yielding ``(task, result)`` pairs in
completion order.  If ``fn`` itself raises (a worker process died, a Dask worker was lost), the
pair carries the exception instead of a result so the caller can record the case as failed.

The local pool uses the ``spawn`` start method (safe with threads, BLAS and macOS/Windows), so
scripts that call :func:`femtbr.sweep.sweep` need the usual ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from femtbr.errors import InputError

log = logging.getLogger(__name__)

Outcome = tuple[Any, Any]  # (task, result or BaseException)

#: Thread-count variables set to 1 for local worker processes unless already set.
SINGLE_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "FEMTBR_THREADS")


class SerialExecutor:
    """Run cases one after another in this process (``workers=0``; debugging, tiny studies)."""

    description = "in-process"

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
        for task in tasks:
            try:
                yield task, fn(task)
            except Exception as exc:
                yield task, exc


def warm_up(runner: str | None) -> None:
    """Import the runner (and whatever its module's ``warm_up()`` imports) before the first case,
    so that import time does not count as the first case's wall time."""
    if not runner:
        return
    import importlib

    module = importlib.import_module(runner.partition(":")[0])
    hook = getattr(module, "warm_up", None)
    if callable(hook):
        hook()


def _init_worker(parent: int, runner: str | None) -> None:  # pragma: no cover - in workers
    """Exit this worker when the study process dies (e.g. SIGKILL), instead of lingering."""

    def loop() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=loop, daemon=True, name="femtbr-parent-watch").start()
    warm_up(runner)


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
            initializer=_init_worker,
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

    def run(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
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
                        pending[self._pool.submit(fn, task)] = task
                        solo = True
                else:
                    while queue and len(pending) < 2 * self.workers:
                        task = queue.popleft()
                        pending[self._pool.submit(fn, task)] = task
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
        if self.runner:
            try:
                self.client.run(warm_up, self.runner)
            except Exception as exc:  # a worker that cannot import will fail its cases
                log.warning("warm-up on the Dask workers failed: %s", exc)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._own and self.client is not None:
            self.client.close()
        self.client = None

    def run(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
        futures = {}
        for task in tasks:
            key = f"femtbr-{task.case_id}-{os.getpid()}-{time.monotonic_ns()}"
            futures[self.client.submit(fn, task, key=key, pure=False)] = task
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
