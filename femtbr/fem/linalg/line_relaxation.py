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
  (every row has at most two such links), the lines;
* a line is kept only if on one of its rows the strong couplings carry at least
  ``anisotropic`` of the diagonal (:data:`ANISOTROPIC`): on mildly flat cells point
  Gauss–Seidel already smooths well and a line block only costs more;
* lines longer than ``max_len`` are cut into consecutive pieces.

Every other row is a block of its own.  A sweep relaxes the lines, each as one block, with
pyamg's compiled multiplicative Schwarz kernel (``amg_core.overlapping_schwarz_csr`` with
non-overlapping blocks, which is block Gauss–Seidel: x_B ← x_B + A_BB⁻¹ (b_B − A_B,: x) for
each block B in turn; the A_BB⁻¹ are dense inverses computed once), then the single rows with
pyamg's indexed point Gauss–Seidel kernel.  A forward sweep followed by a backward sweep (the
same blocks in reverse order) is a symmetric smoother, as the V-cycle of
:mod:`femtbr.fem.linalg.amg` needs for CG.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

log = logging.getLogger(__name__)

#: Strong-coupling threshold θ relative to a row's largest negative coupling.  0.6 keeps the two
#: through-thickness neighbours of a flat cell's row (−0.5 a_ii each) and drops its diagonal
#: neighbours across the thickness (−0.25 a_ii at the edge of a layer, −0.16 inside).
THETA = 0.6
#: Share of the diagonal the (at most two) strong couplings of a line-like row must carry.
ALPHA = 0.3
#: A line is kept only if on one of its rows the strong couplings carry at least this share of
#: the diagonal.  A point sweep multiplies the error that is constant along a line and
#: alternates across it by about 2 s − 1 (s the share; point Jacobi on a zero-row-sum row whose
#: weak neighbours all hold the opposite sign, Gauss–Seidel alike): 0.6 at s = 0.8, so below
#: that the point smoother removes this error well and a line sweep only costs more.
ANISOTROPIC = 0.8
#: Longest block; a longer line is cut into consecutive pieces (a dense block inverse costs L
#: operations per row and sweep; the flat layers of a package are a few cells thick).
MAX_LEN = 16


def strong_lines(A: sp.csr_matrix, theta: float = THETA, alpha: float = ALPHA,
                 max_len: int = MAX_LEN, anisotropic: float = ANISOTROPIC) -> np.ndarray:
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
    # keep the lines on which some row is dominated by its strong couplings (anisotropic)
    share = np.zeros(n)
    np.divide(carried, diag, out=share, where=diag > 0)
    peak = np.zeros(int(labels.max()) + 1)
    np.maximum.at(peak, labels, share)
    weak = peak[labels] < anisotropic
    labels[weak] = labels.max() + 1 + np.arange(int(weak.sum()))
    if np.bincount(labels).max() > max_len:
        labels = _cut(S, labels, max_len)
    _, labels = np.unique(labels, return_inverse=True)
    return labels.astype(A.indices.dtype)


def _cut(S: sp.csr_matrix, labels: np.ndarray, max_len: int) -> np.ndarray:
    """Cut the lines (paths of ``S``, every row at most two links) longer than ``max_len``.

    Every long line is walked from one of its ends, all lines together (one vectorised
    breadth-first step per row of the longest line), and each row's piece is its distance from
    that end // ``max_len``: pieces of ``max_len`` consecutive rows and a shorter last one.
    A closed loop is opened between its first row and that row's first link.
    """
    n = labels.size
    size = np.bincount(labels)
    long = size[labels] > max_len
    degree = np.diff(S.indptr)
    ends = np.flatnonzero(long & (degree == 1))
    ends = ends[np.unique(labels[ends], return_index=True)[1]]  # one end of each line
    loops = np.setdiff1d(np.flatnonzero(size > max_len), labels[ends])
    if loops.size:  # open each loop: drop the link between its first row and a neighbour
        _, first = np.unique(labels, return_index=True)
        start = first[loops]
        other = S.indices[S.indptr[start]]
        coo = S.tocoo()
        cut = np.isin(coo.row.astype(np.int64) * n + coo.col,
                      np.concatenate([start.astype(np.int64) * n + other,
                                      other.astype(np.int64) * n + start]))
        S = sp.csr_matrix((coo.data[~cut], (coo.row[~cut], coo.col[~cut])), shape=S.shape)
        ends = np.concatenate([ends, start])
    dist = np.full(n, -1, dtype=np.int64)
    dist[ends] = 0
    frontier, step = ends, 0
    while frontier.size:
        step += 1
        counts = S.indptr[frontier + 1] - S.indptr[frontier]
        at = np.repeat(S.indptr[frontier] - np.cumsum(counts) + counts, counts) + np.arange(
            int(counts.sum()))
        reached = S.indices[at]
        fresh = dist[reached] < 0
        frontier = np.unique(reached[fresh])
        dist[frontier] = step
    piece = np.unique(labels[long].astype(np.int64) * (n // max_len + 1)
                      + dist[long] // max_len, return_inverse=True)[1]
    out = labels.astype(np.int64)
    out[long] = labels.max() + 1 + piece
    return out


class LineRelaxation:
    """Block Gauss–Seidel sweeps over the lines of :func:`strong_lines` (others point-wise).

    A forward sweep relaxes the lines first (in the order of their first rows), each as one
    block, with pyamg's Schwarz kernel, then every other row point-wise in row order with
    pyamg's indexed Gauss–Seidel kernel; a backward sweep runs the same blocks in reverse.  Any
    fixed order of the blocks is a block Gauss–Seidel smoother; this one keeps the single rows
    out of the Schwarz kernel, whose per-block work costs about twice a point Gauss–Seidel row.

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
        size = np.bincount(labels)
        on_line = size[labels] > 1
        _, first = np.unique(labels, return_index=True)  # each block's first row
        line_labels = np.flatnonzero(size > 1)
        line_labels = line_labels[np.argsort(first[line_labels], kind="stable")]
        n_lines = line_labels.size
        rank = np.full(size.size, -1, dtype=np.int64)
        rank[line_labels] = np.arange(n_lines)
        #: Rows relaxed point-wise, in sweep order.
        self.points = np.flatnonzero(~on_line).astype(idx)
        #: Position of each row's block in the forward sweep: the lines, then the single rows.
        self.position = np.empty(n, dtype=idx)
        self.position[on_line] = rank[labels[on_line]]
        self.position[self.points] = n_lines + np.arange(self.points.size)
        line_rows = np.flatnonzero(on_line)
        self.subdomain = line_rows[np.argsort(self.position[line_rows], kind="stable")].astype(idx)
        sizes = size[line_labels]
        self.subdomain_ptr = np.zeros(n_lines + 1, dtype=idx)
        np.cumsum(sizes, out=self.subdomain_ptr[1:])
        self.inverse_ptr = np.zeros(n_lines + 1, dtype=idx)
        np.cumsum(sizes * sizes, out=self.inverse_ptr[1:])
        self.inverse = np.zeros(int(self.inverse_ptr[-1]), dtype=A.dtype)
        amg_core.extract_subblocks(A.indptr, A.indices, A.data, self.inverse, self.inverse_ptr,
                                   self.subdomain, self.subdomain_ptr, n_lines, n)
        for length in np.unique(sizes):
            blocks = np.flatnonzero(sizes == length)
            at = self.inverse_ptr[blocks][:, None] + np.arange(length * length)
            self.inverse[at] = _inverses(self.inverse[at].reshape(-1, length, length)).reshape(
                blocks.size, -1)
        self.n_lines = int(n_lines)
        self.rows_on_lines = int(line_rows.size)

    def sweep(self, A: sp.csr_matrix, x: np.ndarray, b: np.ndarray, forward: bool) -> None:
        """One block Gauss–Seidel sweep on ``A x = b``, in place (``A`` the matrix given)."""
        from pyamg import amg_core

        n, nl, npt = A.shape[0], self.n_lines, self.points.size
        if forward:
            amg_core.overlapping_schwarz_csr(A.indptr, A.indices, A.data, x, b, self.inverse,
                                             self.inverse_ptr, self.subdomain,
                                             self.subdomain_ptr, nl, n, 0, nl, 1)
            amg_core.gauss_seidel_indexed(A.indptr, A.indices, A.data, x, b, self.points,
                                          0, npt, 1)
        else:
            amg_core.gauss_seidel_indexed(A.indptr, A.indices, A.data, x, b, self.points,
                                          npt - 1, -1, -1)
            amg_core.overlapping_schwarz_csr(A.indptr, A.indices, A.data, x, b, self.inverse,
                                             self.inverse_ptr, self.subdomain,
                                             self.subdomain_ptr, nl, n, nl - 1, -1, -1)


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
