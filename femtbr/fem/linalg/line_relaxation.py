"""Block Gauss–Seidel along algebraic lines: the AMG smoother for flat (anisotropic) cells.

A point Gauss–Seidel sweep smooths the error only along the strong couplings of a row.  On
flat cells (a 50 µm solder layer meshed with 7 µm × 0.5 mm hexahedra, thin fins) the strong
couplings of a row are the one or two neighbours across the thin direction; the error left
after point smoothing is then smooth along that direction but oscillatory across it, which an
isotropic coarse level cannot represent, and the multigrid cycle slows down.  Relaxing whole
lines of strongly coupled unknowns at once removes that error (line relaxation for anisotropic
operators: Trottenberg, Oosterlee & Schüller, *Multigrid*, Academic Press 2001, §5.1–5.2).

The lines are found from the matrix alone, as in the algebraic line construction of
Mavriplis (J. Comput. Phys. 145 (1998) 141, §3: follow each row's strongest coupling):

* a coupling a_ij (i ≠ j) is strong for row i when −a_ij ≥ θ max_k(−a_ik) (negative couplings
  only: positive ones, which flat trilinear cells produce in-plane, are never strong);
* row i is *line-like* when it has at most two strong couplings and they carry at least
  ``alpha`` of its diagonal, Σ_strong(−a_ij) ≥ α a_ii (the row is dominated by one direction);
* two line-like rows strongly coupled both ways are joined; the connected components are paths
  (every row has at most two such links), the lines.  Lines longer than ``max_len`` are cut
  into consecutive pieces.

Every other row is a block of its own, so a sweep over all blocks in row order is point
Gauss–Seidel away from the lines.  The sweep is pyamg's compiled multiplicative Schwarz kernel
(``amg_core.overlapping_schwarz_csr``) with non-overlapping blocks, which is block Gauss–Seidel:
x_B ← x_B + A_BB⁻¹ (b_B − A_B,: x) for each block B in turn; the A_BB⁻¹ are dense inverses
computed once.  A forward sweep followed by a backward sweep (blocks in reverse order) is a
symmetric smoother, as the V-cycle of :mod:`femtbr.fem.linalg.amg` needs for CG.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

log = logging.getLogger(__name__)

#: Strong-coupling threshold θ relative to a row's largest negative coupling.  0.6 keeps the two
#: through-thickness neighbours of a flat cell's row (−0.5 a_ii each) and drops its diagonal
#: neighbours across the thickness (−0.25 a_ii at the edge of a layer, −0.16 inside).
THETA = 0.6
#: Share of the diagonal the (at most two) strong couplings of a line-like row must carry.
ALPHA = 0.3
#: Longest block; a longer line is cut into consecutive pieces (dense inverses cost L² each).
MAX_LEN = 64


def strong_lines(A: sp.csr_matrix, theta: float = THETA, alpha: float = ALPHA,
                 max_len: int = MAX_LEN) -> np.ndarray:
    """Label every row with its block: rows on one line share a label, other rows are alone.

    Parameters
    ----------
    A
        Square CSR matrix (a conductance matrix [W/K] or a Galerkin coarse operator).
    theta, alpha, max_len
        See the module docstring (:data:`THETA`, :data:`ALPHA`, :data:`MAX_LEN`).

    Returns
    -------
    labels
        ``(n,)`` block label of each row, 0 … n_blocks − 1.
    """
    from pyamg import amg_core

    n = A.shape[0]
    # strong couplings −a_ij ≥ θ max_k(−a_ik) (pyamg's compiled classical strength kernel,
    # Ruge & Stüben 1987; it keeps the diagonal, dropped below with the positive couplings)
    Sp = np.empty_like(A.indptr)
    Sj = np.empty_like(A.indices)
    Sx = np.empty_like(A.data)
    amg_core.classical_strength_of_connection_min(n, theta, A.indptr, A.indices, A.data,
                                                  Sp, Sj, Sx)
    nnz = int(Sp[-1])
    rows = np.repeat(np.arange(n, dtype=A.indices.dtype), np.diff(Sp))
    cols, neg = Sj[:nnz], -Sx[:nnz].astype(np.float64)
    strong = (cols != rows) & (neg > 0.0)
    rows, cols, neg = rows[strong], cols[strong], neg[strong]
    count = np.bincount(rows, minlength=n)
    carried = np.bincount(rows, neg, minlength=n)
    diag = A.diagonal().astype(np.float64)
    linelike = (count <= 2) & (carried >= alpha * diag) & (diag > 0)
    link = linelike[rows] & linelike[cols]
    S = sp.csr_matrix((np.ones(int(link.sum()), dtype=np.int8), (rows[link], cols[link])),
                      shape=(n, n))
    S = S.multiply(S.T).tocsr()  # mutually strong only: every row keeps at most two links
    _, labels = connected_components(S, directed=False)
    size = np.bincount(labels)
    for lab in np.flatnonzero(size > max_len):  # cut long lines into consecutive pieces
        members = np.flatnonzero(labels == lab)
        degree = np.diff(S.indptr)[members]
        start = members[np.argmin(degree)]  # an end of the path (any row of a closed loop)
        path = breadth_first_order(S, start, directed=False, return_predecessors=False)
        labels[path] = labels.max() + 1 + np.arange(path.size) // max_len
    _, labels = np.unique(labels, return_inverse=True)
    return labels.astype(A.indices.dtype)


class LineRelaxation:
    """Block Gauss–Seidel sweeps over the lines of :func:`strong_lines` (others point-wise).

    Parameters
    ----------
    A
        Square CSR matrix with sorted column indices; the sweeps run in its data type.
    labels
        Block label of each row (:func:`strong_lines`).
    """

    def __init__(self, A: sp.csr_matrix, labels: np.ndarray):
        from pyamg import amg_core

        n = A.shape[0]
        idx = A.indices.dtype
        _, first = np.unique(labels, return_index=True)  # each block's first row
        rank = np.empty(first.size, dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(first.size)  # blocks in row order
        #: Position of each row's block in the forward sweep.
        self.position = rank[labels].astype(idx)
        self.subdomain = np.lexsort((np.arange(n), self.position)).astype(idx)
        sizes = np.bincount(self.position)
        self.subdomain_ptr = np.zeros(sizes.size + 1, dtype=idx)
        np.cumsum(sizes, out=self.subdomain_ptr[1:])
        self.inverse_ptr = np.zeros(sizes.size + 1, dtype=idx)
        np.cumsum(sizes * sizes, out=self.inverse_ptr[1:])
        self.inverse = np.zeros(int(self.inverse_ptr[-1]), dtype=A.dtype)
        amg_core.extract_subblocks(A.indptr, A.indices, A.data, self.inverse, self.inverse_ptr,
                                   self.subdomain, self.subdomain_ptr, sizes.size, n)
        for size in np.unique(sizes):
            blocks = np.flatnonzero(sizes == size)
            at = self.inverse_ptr[blocks][:, None] + np.arange(size * size)
            self.inverse[at] = _inverses(self.inverse[at].reshape(-1, size, size)).reshape(
                blocks.size, -1)
        self.n_blocks = int(sizes.size)
        self.rows_on_lines = int(sizes[sizes > 1].sum())

    def sweep(self, A: sp.csr_matrix, x: np.ndarray, b: np.ndarray, forward: bool) -> None:
        """One block Gauss–Seidel sweep on ``A x = b``, in place (``A`` the matrix given)."""
        from pyamg import amg_core

        nb = self.n_blocks
        start, stop, step = (0, nb, 1) if forward else (nb - 1, -1, -1)
        amg_core.overlapping_schwarz_csr(A.indptr, A.indices, A.data, x, b, self.inverse,
                                         self.inverse_ptr, self.subdomain, self.subdomain_ptr,
                                         nb, A.shape[0], start, stop, step)


def _inverses(blocks: np.ndarray) -> np.ndarray:
    """Dense inverses of a stack of blocks (in float64, returned in the blocks' type); a
    singular block (e.g. a zero diagonal) gets a zero inverse, i.e. is left unchanged by the
    sweep, as point Gauss–Seidel leaves a row with a zero diagonal."""
    out = np.zeros_like(blocks)
    work = blocks.astype(np.float64)
    if work.shape[1] == 1:
        np.divide(1.0, work, out=work, where=work != 0.0)
        out[:] = work
        return out
    try:
        out[:] = np.linalg.inv(work)
    except np.linalg.LinAlgError:
        for i, blk in enumerate(work):
            try:
                out[i] = np.linalg.inv(blk)
            except np.linalg.LinAlgError:
                log.debug("singular line block of size %d left out of the smoother", len(blk))
    out[~np.all(np.isfinite(out), axis=(1, 2))] = 0.0
    return out
