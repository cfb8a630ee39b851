"""Block Gauss–Seidel along algebraic lines (femtbr.fem.linalg.line_relaxation) as the AMG smoother.

Checks: on a flat trilinear-hexahedron mesh the lines found from the matrix alone are exactly
the columns through the thin direction; a sweep is block Gauss–Seidel (equal to a plain
reference loop, exact on a block-diagonal matrix); long lines are cut into consecutive pieces;
the V-cycle with line blocks stays a symmetric positive definite preconditioner; and on flat
cells it needs far fewer CG iterations than point Gauss–Seidel.
"""

from __future__ import annotations

import numpy as np
import pyamg
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import skfem
from scipy.sparse.csgraph import connected_components
from skfem.models.poisson import laplace

from femtbr.fem.linalg.amg import SmoothedAggregation
from femtbr.fem.linalg.krylov import cg
from femtbr.fem.linalg.line_relaxation import LineRelaxation, strong_lines


def _flat_hex(nx=8, ny=7, nz=6, hz=0.02, h_faces=1.0):
    """Q1 conduction matrix (k = 1) of a unit square layer of nx × ny × nz hexahedra of height
    hz (aspect ratio 1/(nx hz)), with a Robin conductance ``h_faces`` on its bottom and top
    faces (a thin solder layer between two interface conductances), and the node coordinates."""
    m = skfem.MeshHex.init_tensor(np.linspace(0, 1, nx + 1), np.linspace(0, 1, ny + 1),
                                  np.linspace(0, hz * nz, nz + 1))
    basis = skfem.Basis(m, skfem.ElementHex1())
    fb = skfem.FacetBasis(m, skfem.ElementHex1(), facets=m.facets_satisfying(
        lambda x: (x[2] < 1e-12) | (x[2] > hz * nz - 1e-12)))
    A = skfem.asm(laplace, basis) + h_faces * skfem.asm(skfem.models.poisson.mass, fb)
    return sp.csr_matrix(A), m.p.T


def test_lines_are_the_thin_direction_columns():
    A, X = _flat_hex()
    labels = strong_lines(A)
    _, column = np.unique(np.round(X[:, :2], 12), axis=0, return_inverse=True)
    # same block <=> same (x, y) column: a one-to-one map between the two labellings
    pairs = np.unique(np.column_stack([labels, column.ravel()]), axis=0)
    assert pairs.shape[0] == labels.max() + 1 == column.max() + 1


def test_isotropic_mesh_has_no_lines():
    A = pyamg.gallery.poisson((10, 10, 10), format="csr")  # 7-point: six equal couplings
    labels = strong_lines(A)
    assert labels.max() + 1 == A.shape[0]


def test_long_lines_cut_into_consecutive_pieces():
    n = 23  # a 1D chain: one line, cut at max_len = 5
    A = sp.diags([-np.ones(n - 1), 2.0 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1], format="csr")
    perm = np.random.default_rng(1).permutation(n)  # rows in scrambled order
    Ap = sp.csr_matrix(A[perm][:, perm])
    Ap.sort_indices()
    labels = strong_lines(Ap, max_len=5)
    along = perm  # row i of Ap is row perm[i] of the chain
    sizes = np.bincount(labels)
    assert sorted(sizes) == [3, 5, 5, 5, 5]
    for lab in range(sizes.size):
        pos = np.sort(along[labels == lab])
        assert np.all(np.diff(pos) == 1)  # consecutive along the line


def test_mildly_flat_cells_have_no_lines():
    """Cells of aspect ratio 2 (the benchmark box's 2.4): the through-thickness couplings carry
    about half of each diagonal, point Gauss–Seidel smooths well, no line is kept."""
    A, _ = _flat_hex(8, 8, 6, hz=1 / 16)
    assert strong_lines(A).max() + 1 == A.shape[0]
    A, _ = _flat_hex(8, 8, 6, hz=1 / 40)  # aspect ratio 5: lines
    assert strong_lines(A).max() + 1 < A.shape[0]


def test_cut_of_many_scrambled_paths_and_loops():
    """Paths of 1-200 rows and closed loops, rows scrambled: every piece is a connected run
    of at most max_len rows of one line, and only lines longer than max_len are cut."""
    rng = np.random.default_rng(7)
    edges, n, lines = [], 0, []
    for length, loop in [(int(m), False) for m in rng.integers(1, 200, 60)] + [
            (5, True), (70, True), (131, True)]:
        ids = np.arange(n, n + length)
        edges += list(zip(ids[:-1], ids[1:], strict=True)) + ([(ids[-1], ids[0])] if loop else [])
        lines.append(ids)
        n += length
    perm = rng.permutation(n)
    e = perm[np.array(edges)]
    C = sp.coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    C = (C + C.T).tocsr()
    A = sp.csr_matrix(sp.diags(np.asarray(C.sum(axis=1)).ravel() + 1e-3) - C)  # M-matrix
    A.sort_indices()
    for max_len in (1, 8, 64, 300):
        labels = strong_lines(A, max_len=max_len)
        for ids in lines:
            pieces = np.unique(labels[perm[ids]])
            assert len(pieces) == max(1, -(-len(ids) // max_len))
            for lab in pieces:
                rows = np.flatnonzero(labels == lab)
                assert rows.size <= max_len and np.isin(rows, perm[ids]).all()
                assert connected_components(C[rows][:, rows], directed=False)[0] == 1


def _reference_sweep(A, labels, x, b, forward):
    """Block Gauss–Seidel written out: x_B += A_BB^-1 (b_B - A_B x); the lines (blocks of more
    than one row) first by first row, then the single rows by row."""
    A = A.toarray()
    size = np.bincount(labels)
    order = sorted(np.unique(labels), key=lambda lab: (size[lab] == 1,
                                                       np.flatnonzero(labels == lab)[0]))
    for lab in order if forward else order[::-1]:
        B = np.flatnonzero(labels == lab)
        x[B] += np.linalg.solve(A[np.ix_(B, B)], b[B] - A[B] @ x)


@pytest.mark.parametrize("forward", [True, False])
def test_sweep_is_block_gauss_seidel(forward):
    A, _ = _flat_hex(5, 4, 4)
    A = A + sp.random(A.shape[0], A.shape[0], 0.01, random_state=2) * 0.01 * A.diagonal().max()
    A = sp.csr_matrix(A)
    A.sort_indices()
    labels = strong_lines(A)
    assert labels.max() + 1 < A.shape[0]  # there are lines
    rng = np.random.default_rng(3)
    b = rng.standard_normal(A.shape[0])
    x0 = rng.standard_normal(A.shape[0])
    x = x0.copy()
    LineRelaxation(A, labels).sweep(A, x, b, forward)
    ref = x0.copy()
    _reference_sweep(A, labels, ref, b, forward)
    assert np.allclose(x, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


def test_sweep_exact_on_block_diagonal_matrix():
    A, _ = _flat_hex(4, 4, 5)
    labels = strong_lines(A)
    same = labels[A.tocoo().row] == labels[A.tocoo().col]
    coo = A.tocoo()
    D = sp.csr_matrix((coo.data[same], (coo.row[same], coo.col[same])), shape=A.shape)
    D.sort_indices()
    b = np.random.default_rng(4).standard_normal(A.shape[0])
    x = np.zeros_like(b)
    LineRelaxation(D, labels).sweep(D, x, b, True)
    assert np.allclose(x, spla.spsolve(D.tocsc(), b), rtol=1e-10, atol=0)


def test_line_cycle_is_symmetric_positive_definite():
    A, _ = _flat_hex(6, 5, 5)
    M = SmoothedAggregation(A, max_coarse=20, theta=0.02, line_levels=2)
    assert M.lines[0] is not None
    n = A.shape[0]
    Z = np.column_stack([M.cycle(e) for e in np.eye(n)])
    assert np.allclose(Z, Z.T, rtol=0, atol=1e-12 * np.abs(Z).max())
    assert np.linalg.eigvalsh(0.5 * (Z + Z.T)).min() > 0


def test_lines_cut_iterations_on_flat_cells():
    """A solder-like layer: cells of aspect ratio 50 (h_z = 1/1500), the face conductances 0.1
    of the through-thickness one (k/h_z), as the 50 µm indium layer of the CPU case between its
    interfaces.  Point Gauss–Seidel hardly changes a column's mean (held by the weak faces,
    moved only through the stiff column), and its in-plane oscillations are not smooth for the
    coarse levels; line blocks relax whole columns."""
    A, _ = _flat_hex(30, 30, 8, hz=1 / 1500, h_faces=150.0)
    b = np.random.default_rng(5).standard_normal(A.shape[0])
    its = {}
    for line_levels in (0, 1):
        h = SmoothedAggregation(A, theta=0.02, max_coarse=200, truncate=0.05,
                                line_levels=line_levels)
        x, its[line_levels], r = cg(A, b, h.cycle, 1e-8, 500)
        assert np.linalg.norm(b - A @ x) <= 1e-8 * np.linalg.norm(b)
    assert its[1] <= 0.6 * its[0], its


def test_residual_after_forward_sweep_is_minus_upper_block_part():
    """The V-cycle takes the residual after one forward sweep from zero as −U x (U: couplings
    to blocks later in the sweep); it must equal b − A x."""
    A, _ = _flat_hex(6, 5, 4)
    h = SmoothedAggregation(A, max_coarse=20, line_levels=1)
    line = h.lines[0]
    assert line is not None and line.rows_on_lines > 0
    b = np.random.default_rng(6).standard_normal(A.shape[0])
    x = np.zeros_like(b)
    line.sweep(h.levels[0].A, x, b, True)
    r = b - A @ x
    assert np.allclose(-(h._strict_upper(0) @ x), r, rtol=0, atol=1e-12 * np.abs(b).max())


def test_upper_part_built_in_two_threads_equals_one_thread(monkeypatch):
    """The strict upper (block) triangle marked in two halves in two threads (forced on a
    small matrix) is the one a single pass marks."""
    from femtbr.fem.linalg import threads

    A, _ = _flat_hex(6, 5, 4)
    one = SmoothedAggregation(A, max_coarse=20, line_levels=1)._strict_upper(0).M
    monkeypatch.setattr(threads, "MIN_NNZ", 0)
    monkeypatch.setattr(threads, "n_threads", lambda: 2)
    two = SmoothedAggregation(A, max_coarse=20, line_levels=1)._strict_upper(0).M
    assert (one != two).nnz == 0 and np.array_equal(one.indptr, two.indptr)
