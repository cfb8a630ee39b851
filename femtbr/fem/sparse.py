"""Sparse-matrix helpers: COO→CSR with explicit zeros kept, CSR transpose, positions in a CSR
pattern.

The COO→CSR and transpose helpers call SciPy's compiled ``sparsetools`` kernels directly when
that (private) module is importable: the public ``coo_matrix(...).tocsr()`` and ``tocsc()``
run the same kernels but first check and convert the index arrays (each a full pass over
them), and ``tocsr`` sums duplicates through a second sort.  :data:`KERNELS` is ``None`` when
the module moved; every helper then takes the public path, with identical results (a test
runs both).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import scipy.sparse as sp

try:  # private SciPy module: used only with the public fallback below
    from scipy.sparse import _sparsetools as KERNELS
except ImportError:  # pragma: no cover - depends on the SciPy release
    KERNELS: ModuleType | None = None


def coo_to_csr(n: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
               compact: bool = True) -> sp.csr_matrix:
    """Square CSR matrix summing duplicate COO entries, explicit zeros kept, indices sorted.

    ``compact=False`` returns views into the (longer) work arrays instead of compact copies,
    for a short-lived result (compiled-kernel path only).
    """
    kern = KERNELS
    if kern is None:
        A = sp.coo_matrix((np.asarray(vals, dtype=float), (rows, cols)), shape=(n, n)).tocsr()
        A.sum_duplicates()  # canonical: sorted indices, no duplicates, zeros kept
        return A
    nnz = rows.size
    idx = np.int32 if nnz < 2**31 - 1 else np.int64
    ip = np.empty(n + 1, idx)
    ind = np.empty(nnz, idx)
    dat = np.empty(nnz)
    kern.coo_tocsr(n, n, nnz, rows.astype(idx, copy=False), cols.astype(idx, copy=False),
                   vals.astype(float, copy=False), ip, ind, dat)
    kern.csr_sort_indices(n, ip, ind, dat)
    kern.csr_sum_duplicates(n, n, ip, ind, dat)
    k = int(ip[-1])
    if compact:
        dat, ind = dat[:k].copy(), ind[:k].copy()
    A = sp.csr_matrix((dat[:k], ind[:k], ip), shape=(n, n))
    A.has_canonical_format = True
    return A


def csr_transpose(S: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, indices, data)`` of Sᵀ in CSR (= S in CSC) for a square CSR ``S`` with
    sorted indices; the rows of Sᵀ come out sorted (a counting sort over S's rows)."""
    kern = KERNELS
    if kern is None:
        T = S.tocsc()
        return T.indptr, T.indices, T.data
    n = S.shape[0]
    ip = S.indptr
    nnz = int(ip[-1])
    tp = np.empty(n + 1, ip.dtype)
    ti = np.empty(nnz, ip.dtype)
    tx = np.empty(nnz)
    kern.csr_tocsc(n, n, ip, S.indices, S.data, tp, ti, tx)
    return tp, ti, tx


def csr_positions(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray,
                  cols: np.ndarray) -> np.ndarray:
    """Positions in a canonical CSR pattern of entries ``(rows, cols)`` (vectorised bisection)."""
    lo = indptr[rows].astype(np.int64)
    hi = indptr[rows + 1].astype(np.int64)
    cols = cols.astype(indices.dtype)
    active = lo < hi
    while active.any():
        mid = (lo + hi) // 2
        less = indices[np.minimum(mid, indices.size - 1)] < cols
        lo = np.where(active & less, mid + 1, lo)
        hi = np.where(active & ~less, mid, hi)
        active = lo < hi
    if rows.size and not np.array_equal(indices[np.minimum(lo, indices.size - 1)], cols):
        raise RuntimeError("entry missing from the sparsity pattern")
    return lo
