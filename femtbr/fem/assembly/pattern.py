"""The sparsity pattern of a finite-element matrix, built symbolically (no element matrices).

The entries (i, j) of a matrix assembled over cells are the DOF pairs sharing a cell: the
pattern of Eᵀ E, E being the (n_cells × n_dofs) cell–DOF incidence matrix, a sparse product
SciPy forms in one pass with a dense marker per row (Gustavson's algorithm, ``scipy.sparse``'s
``csr_matmat``) instead of sorting every cell's n_b² pairs.  Any other group of DOFs that
couple all to all (the two sides of an interface facet) is one more row of E.  Every value is
a positive count, so no entry cancels to zero and is dropped by SciPy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from femtbr.fem.linalg import threads


def coupling_pattern(groups: Sequence[np.ndarray], n_dofs: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``(indptr, indices)`` (canonical CSR: sorted, no duplicates) of the pairs of DOFs that
    share a row of one of ``groups`` ((m, k) DOF arrays: the element DOFs (n_cells, n_b), the
    interface facets' two sides …), the diagonal included."""
    groups = [np.asarray(g) for g in groups if np.size(g)]
    if not groups:
        return np.zeros(n_dofs + 1, np.int32), np.zeros(0, np.int32)
    sizes = [np.full(g.shape[0], g.shape[1], dtype=np.int64) for g in groups]
    indptr = np.zeros(sum(s.size for s in sizes) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(sizes), out=indptr[1:])
    indices = np.concatenate([g.ravel() for g in groups])
    E = sp.csr_matrix((np.ones(indices.size, dtype=np.float32), indices, indptr),
                      shape=(indptr.size - 1, n_dofs))
    P = threads.matmul(E.T.tocsr(), E, canonical=True)  # row blocks in threads, sorted
    del E
    idx = np.int32 if P.nnz < 2**31 - 1 and n_dofs < 2**31 - 1 else np.int64
    return P.indptr.astype(idx, copy=False), P.indices.astype(idx, copy=False)
