"""Row-block parallel sparse products on the machine's cores.

SciPy's compiled sparse kernels (``sparsetools``: the CSR matrix–vector and matrix–matrix
products) release the GIL, so the row blocks of one product run at the same time in separate
threads.  Large products of the linear solver (the Krylov mat-vec, the multigrid residuals and
transfers, the Galerkin products of the set-up) use this; small ones stay on one thread, where
the hand-off (~50 µs) would cost more than it saves.

The number of threads is the number of cores this process may run on
(``os.sched_getaffinity``), or the environment variable ``FEMTBR_THREADS`` when set (sweep
workers set it to 1 so that parallel cases do not oversubscribe the cores).

Determinism: every result is bit-identical whatever the number of threads and however they are
scheduled.  Row-block products compute each output row in one thread (the same sum as one
thread).  Work whose partial results are *added* (cell loops accumulating into shared DOFs)
is cut into :func:`reduction_parts` parts, a number that depends on the size of the work only,
never on the thread count; the parts' results are combined in part order (:func:`run_parallel`
returns them in call order), and with one thread the same parts simply run in turn.
Floating-point addition is not associative, so a partition that followed the thread count
would make a run on a 1-thread sweep worker differ from the same case run alone in the last
bits.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

T = TypeVar("T")

#: Products with fewer stored entries than this run on one thread.
MIN_NNZ = 1_000_000

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0  # a forked child inherits the pool object but not its threads: make a new one
_pool_workers = 0


def n_threads() -> int:
    """Threads for sparse products: ``FEMTBR_THREADS`` if set, else the usable cores."""
    env = os.environ.get("FEMTBR_THREADS", "").strip()
    if env:
        try:
            value = int(env)
        except ValueError:
            value = 0
        if value >= 1:
            return value
        warnings.warn(f"FEMTBR_THREADS={env!r} is not a positive integer: using 1 thread",
                      stacklevel=2)
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


#: Parts of a cell loop whose partial sums are added: fixed, independent of the thread count.
REDUCTION_PARTS = 2


def reduction_parts(n: int, min_n: int) -> int:
    """Parts to cut a reduction over ``n`` items into: :data:`REDUCTION_PARTS` from ``min_n``
    items on, else 1 (a function of the work only, so the sums do not depend on the threads)."""
    return REDUCTION_PARTS if n >= min_n else 1


def _executor(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_pid, _pool_workers
    with _lock:
        if _pool is None or _pool_pid != os.getpid() or _pool_workers < workers:
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=_PREFIX)
            _pool_pid, _pool_workers = os.getpid(), workers
        return _pool


_PREFIX = "femtbr-parallel"


def run_parallel(calls: Sequence[Callable[[], T]]) -> list[T]:
    """``[c() for c in calls]`` with ``calls[1:]`` on the shared thread pool and ``calls[0]``
    in the calling thread.  The calls must write disjoint data; they overlap where they spend
    their time in GIL-free compiled loops (numpy, SciPy's sparsetools).  Called from one of the
    pool's own threads it runs the calls in turn (a nested wait on the pool could deadlock),
    and so it does when :func:`n_threads` is 1.
    """
    if (len(calls) == 1 or threading.current_thread().name.startswith(_PREFIX)
            or n_threads() == 1):
        return [c() for c in calls]
    pool = _executor(len(calls) - 1)
    futures = [pool.submit(c) for c in calls[1:]]
    first = calls[0]()
    return [first] + [f.result() for f in futures]


def _row_bounds(M: sp.csr_matrix, k: int) -> np.ndarray:
    """Row boundaries splitting ``M`` into ``k`` blocks of about equal stored entries."""
    cuts = np.searchsorted(M.indptr, np.linspace(0, M.nnz, k + 1)[1:-1])
    return np.unique(np.concatenate([[0], np.clip(cuts, 0, M.shape[0]), [M.shape[0]]]))


def row_block(M: sp.csr_matrix, r0: int, r1: int) -> sp.csr_matrix:
    """Rows ``r0:r1`` of ``M`` sharing its data and index arrays (no copy).

    The arrays are set on an empty matrix of the block's shape: SciPy's constructor copies a
    slice holding less than half of its base array (``prune``), which for two row blocks of
    a large matrix meant copying one of them (data and indices) at every construction.
    """
    s, e = int(M.indptr[r0]), int(M.indptr[r1])
    block = sp.csr_matrix((r1 - r0, M.shape[1]), dtype=M.dtype)
    block.indptr = M.indptr[r0:r1 + 1] - M.indptr.dtype.type(s)
    block.indices = M.indices[s:e]
    block.data = M.data[s:e]
    return block


class ParallelCSR:
    """A CSR matrix whose products ``M @ x`` run over row blocks in parallel threads.

    Parameters
    ----------
    M
        The matrix (kept, not copied; it must not change while this object is used).
    threads
        Threads to use; ``None``: :func:`n_threads`.  Matrices with fewer than
        :data:`MIN_NNZ` stored entries use one.
    """

    def __init__(self, M: sp.csr_matrix, threads: int | None = None):
        self.M = M
        self.shape = M.shape
        self.dtype = M.dtype
        k = threads if threads is not None else n_threads()
        if M.nnz < MIN_NNZ:
            k = 1
        self.bounds = _row_bounds(M, k) if k > 1 else np.array([0, M.shape[0]])
        self.blocks = [row_block(M, int(a), int(b))
                       for a, b in zip(self.bounds[:-1], self.bounds[1:], strict=True)]

    @property
    def nnz(self) -> int:
        return self.M.nnz

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        if len(self.blocks) == 1:
            return self.M @ x
        out = np.empty(self.shape[0], dtype=np.result_type(self.dtype, x.dtype))

        def part(i: int) -> None:
            out[self.bounds[i]:self.bounds[i + 1]] = self.blocks[i] @ x

        run_parallel([partial(part, i) for i in range(len(self.blocks))])
        return out


def matmul(A: sp.csr_matrix, B: sp.csr_matrix, threads: int | None = None,
           canonical: bool = False) -> sp.csr_matrix:
    """``A @ B`` (CSR) with the rows of ``A`` split over threads when the product is large;
    ``canonical``: with sorted column indices and no duplicates (each block sorted in its
    thread)."""
    k = threads if threads is not None else n_threads()
    if k == 1 or A.nnz + B.nnz < MIN_NNZ:
        return _product(A, B, canonical)
    bounds = _row_bounds(A, k)
    blocks = [row_block(A, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    parts = run_parallel([partial(_product, blk, B, canonical) for blk in blocks])
    P = _stack_rows(parts, B.shape[1])
    if canonical:
        P.has_canonical_format = True
    return P


def _product(A: sp.csr_matrix, B: sp.csr_matrix, canonical: bool = False) -> sp.csr_matrix:
    P = (A @ B).tocsr()
    if canonical:
        P.sum_duplicates()  # sorts the indices (SciPy's product leaves them unsorted)
    return P


def _stack_rows(parts: list[sp.csr_matrix], n_cols: int) -> sp.csr_matrix:
    """Row blocks stacked into one CSR matrix by concatenating their arrays (SciPy's
    ``vstack`` took ~0.5 s for 10M entries)."""
    offsets = np.cumsum([0] + [P.nnz for P in parts])
    idx_dtype = np.int64 if offsets[-1] > np.iinfo(np.int32).max else np.int32
    indptr = np.concatenate([parts[0].indptr[:1].astype(idx_dtype)]
                            + [P.indptr[1:].astype(idx_dtype) + o
                               for P, o in zip(parts, offsets[:-1], strict=True)])
    indices = np.empty(int(offsets[-1]), dtype=idx_dtype)
    data = np.empty(int(offsets[-1]), dtype=np.result_type(*[P.data for P in parts]))

    def put(i: int) -> None:  # each part's copy (and its page faults) in its own thread
        indices[offsets[i]:offsets[i + 1]] = parts[i].indices
        data[offsets[i]:offsets[i + 1]] = parts[i].data

    run_parallel([partial(put, i) for i in range(len(parts))])
    return sp.csr_matrix((data, indices, indptr), shape=(indptr.size - 1, n_cols), copy=False)
