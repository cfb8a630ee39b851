"""Sparse-matrix helpers: fast COO→CSR with explicit zeros kept, positions in a CSR pattern."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def coo_to_csr(n: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
               compact: bool = True) -> sp.csr_matrix:
    """Square CSR matrix summing duplicate COO entries, explicit zeros kept, indices sorted.

    Uses scipy's compiled ``coo_tocsr`` / ``csr_sum_duplicates`` kernels directly (2–3× faster
    than ``coo_matrix.tocsr`` here, which re-validates the indices), falling back to the public
    API if they move.  ``compact=False`` returns views into the (longer) work arrays instead of
    compact copies, for a short-lived result.
    """
    try:
        from scipy.sparse._sparsetools import coo_tocsr, csr_sort_indices, csr_sum_duplicates
    except ImportError:  # pragma: no cover
        return sp.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    nnz = rows.size
    idx = np.int32 if nnz < 2**31 - 1 else np.int64
    ip = np.empty(n + 1, idx)
    ind = np.empty(nnz, idx)
    dat = np.empty(nnz)
    coo_tocsr(n, n, nnz, rows.astype(idx, copy=False), cols.astype(idx, copy=False),
              vals.astype(float, copy=False), ip, ind, dat)
    csr_sort_indices(n, ip, ind, dat)
    csr_sum_duplicates(n, n, ip, ind, dat)
    k = int(ip[-1])
    if compact:
        dat, ind = dat[:k].copy(), ind[:k].copy()
    A = sp.csr_matrix((dat[:k], ind[:k], ip), shape=(n, n))
    A.has_canonical_format = True
    return A


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
