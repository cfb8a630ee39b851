"""The compiled-kernel paths of femtbr.fem.sparse against their public SciPy fallbacks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from femtbr.fem import sparse
from femtbr.fem.discretization import Discretization
from femtbr.fem.meshes import tensor_mesh


def _both(monkeypatch, fn, *args):
    """``fn(*args)`` on the compiled kernels, then on the public path."""
    assert sparse.KERNELS is not None, "this SciPy has no sparsetools: only one path to test"
    fast = fn(*args)
    with monkeypatch.context() as m:
        m.setattr(sparse, "KERNELS", None)
        public = fn(*args)
    return fast, public


def _same_csr(A: sp.csr_matrix, B: sp.csr_matrix) -> bool:
    return (A.shape == B.shape and np.array_equal(A.indptr, B.indptr)
            and np.array_equal(A.indices, B.indices) and np.array_equal(A.data, B.data))


def test_coo_to_csr_paths_agree_with_duplicates_and_explicit_zeros(monkeypatch):
    rng = np.random.default_rng(7)
    n, m = 300, 20_000
    r = rng.integers(0, n, m).astype(np.int32)
    c = rng.integers(0, n, m).astype(np.int32)
    v = rng.standard_normal(m)
    v[::7] = 0.0  # entries that are zero everywhere stay in the pattern
    zr, zc = np.arange(n, dtype=np.int32), (np.arange(n, dtype=np.int32) * 13) % n
    rows, cols = np.r_[r, zr], np.r_[c, zc]
    vals = np.r_[v, np.zeros(n)]
    fast, public = _both(monkeypatch, sparse.coo_to_csr, n, rows, cols, vals)
    assert _same_csr(fast, public)
    assert fast.has_canonical_format and public.has_canonical_format
    dense = np.zeros((n, n))
    np.add.at(dense, (rows, cols), vals)
    assert np.abs(fast.toarray() - dense).max() <= 1e-13
    assert np.all(fast[zr, zc] == dense[zr, zc])  # the zero pattern entries are stored
    touched = sp.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n)).toarray()
    assert fast.nnz == np.count_nonzero(touched)


def test_csr_transpose_paths_agree(monkeypatch):
    S = sp.random(400, 400, density=0.02, random_state=3, format="csr")
    S.sort_indices()
    fast, public = _both(monkeypatch, sparse.csr_transpose, S)
    for a, b in zip(fast, public, strict=True):
        assert np.array_equal(a, b)
    T = sp.csr_matrix((fast[2], fast[1], fast[0]), shape=S.shape)
    sorted_T = T.copy()
    sorted_T.sort_indices()
    assert np.array_equal(sorted_T.indices, T.indices)  # rows come out sorted
    assert abs(T - S.T).max() == 0.0


@pytest.mark.parametrize("cell_type", ["triangle", "hexahedron"])
def test_bulk_matrix_identical_on_the_public_path(cell_type, monkeypatch):
    """The whole symmetric assembly (COO→CSR of the upper triangles, the transposed mirror)."""
    xs = np.linspace(0.0, 1.0, 6)
    zs = np.linspace(0.0, 1.0, 4) if cell_type == "hexahedron" else None
    m = tensor_mesh(xs, xs ** 1.3, zs, cell_type, lambda c: np.where(c[:, 0] < 0.5, "a", "b"))

    def build():
        return Discretization(m).bulk_matrix({"a": 2.0, "b": 5.0})

    fast, public = _both(monkeypatch, build)
    assert _same_csr(fast, public)
