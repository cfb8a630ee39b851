"""The sparsity pattern of a finite-element matrix, built symbolically (no element matrices).

The entries (i, j) of a matrix assembled over cells are the DOF pairs sharing a cell: the
pattern of Eᵀ E, E being the (n_cells × n_dofs) cell–DOF incidence matrix, a sparse product
SciPy forms in one pass with a dense marker per row (Gustavson's algorithm, as in
``scipy.sparse``'s ``csr_matmat``) rather than a sort of every cell's n_b² pairs.  Extra
entries (the interface couplings of split DOFs) are added as a second pattern.  All values are
positive counts, so no entry cancels to zero and is dropped by SciPy.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def cell_pattern(edofs: np.ndarray, n_dofs: int, extra_rows: np.ndarray,
                 extra_cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(indptr, indices)`` (canonical CSR: sorted, no duplicates) of the pairs of DOFs that
    share a cell of ``edofs`` (n_cells, n_b), the diagonal included, together with the entries
    ``(extra_rows, extra_cols)``."""
    nc, nb = edofs.shape
    ones = np.ones(edofs.size, dtype=np.float32)
    E = sp.csr_matrix((ones, edofs.ravel(), np.arange(0, edofs.size + 1, nb)),
                      shape=(nc, n_dofs))
    P = E.T.tocsr() @ E
    del E
    if extra_rows.size:
        X = sp.csr_matrix((np.ones(extra_rows.size, np.float32), (extra_rows, extra_cols)),
                          shape=(n_dofs, n_dofs))
        P = P + X
    P.sum_duplicates()  # sorted indices (SciPy's product leaves them unsorted)
    idx = np.int32 if P.nnz < 2**31 - 1 and n_dofs < 2**31 - 1 else np.int64
    return P.indptr.astype(idx, copy=False), P.indices.astype(idx, copy=False)
