"""femtbr.fem.fast.sparse against dense and SciPy references."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from femtbr.fem.fast import sparse


def test_coo_to_csr_sums_duplicates_and_keeps_explicit_zeros():
    rng = np.random.default_rng(7)
    n, m = 300, 20_000
    r = rng.integers(0, n, m).astype(np.int32)
    c = rng.integers(0, n, m).astype(np.int32)
    v = rng.standard_normal(m)
    v[::7] = 0.0
    zr, zc = np.arange(n, dtype=np.int32), (np.arange(n, dtype=np.int32) * 13) % n
    rows, cols = np.r_[r, zr], np.r_[c, zc]
    vals = np.r_[v, np.zeros(n)]
    A = sparse.coo_to_csr(n, rows, cols, vals)
    assert A.has_canonical_format
    dense = np.zeros((n, n))
    np.add.at(dense, (rows, cols), vals)
    assert np.abs(A.toarray() - dense).max() <= 1e-13
    touched = sp.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n)).toarray()
    assert A.nnz == np.count_nonzero(touched)  # every entry given is stored, zeros too


def test_csr_transpose_has_sorted_rows():
    S = sp.random(400, 400, density=0.02, random_state=3, format="csr")
    tp, ti, tx = sparse.csr_transpose(S)
    T = sp.csr_matrix((tx, ti, tp), shape=S.shape)
    sorted_T = T.copy()
    sorted_T.sort_indices()
    assert np.array_equal(sorted_T.indices, T.indices)
    assert abs(T - S.T).max() == 0.0
