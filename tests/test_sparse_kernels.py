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


def test_csr_positions_in_two_threads_equal_the_reference(monkeypatch):
    """Positions of (row, col) entries in a canonical pattern: equal to a dict lookup, in one
    part and split over two threads (forced here on a small matrix); a missing entry raises."""
    import pytest

    from femtbr.fem.linalg import threads

    S = sp.random(500, 500, density=0.03, random_state=5, format="csr") + sp.eye(500)
    S = sp.csr_matrix(S)
    S.sort_indices()
    coo = S.tocoo()
    where = {(int(r), int(c)): p for p, (r, c) in enumerate(
        zip(np.repeat(np.arange(500), np.diff(S.indptr)), S.indices, strict=True))}
    pick = np.random.default_rng(2).integers(0, coo.nnz, 20_000)
    rows, cols = coo.row[pick], coo.col[pick]
    ref = np.array([where[(int(r), int(c))] for r, c in zip(rows, cols, strict=True)])
    assert np.array_equal(sparse.csr_positions(S.indptr, S.indices, rows, cols), ref)
    monkeypatch.setattr(sparse, "PARALLEL_ENTRIES", 1000)
    monkeypatch.setattr(threads, "n_threads", lambda: 2)
    assert np.array_equal(sparse.csr_positions(S.indptr, S.indices, rows, cols), ref)
    absent = np.setdiff1d(np.arange(500), S[0].indices)[0]
    with pytest.raises(RuntimeError, match="missing"):
        sparse.csr_positions(S.indptr, S.indices, np.array([0]), np.array([absent]))
