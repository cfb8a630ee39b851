"""The symbolic sparsity pattern (no element matrices) equals the one assembled from element
matrices, on every element type with a split interface."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.fast.sparse import csr_positions
from femtbr.fem.meshes import plane_facets, tensor_mesh
from femtbr.mesh import Interface

CASES = [(ct, order) for ct in ("triangle", "quad", "tetra", "hexahedron") for order in (1, 2)]


def _split_mesh(cell_type: str):
    xs = np.linspace(0.0, 1.0, 4)
    zs = np.array([0.0, 0.3, 0.5, 0.8, 1.0])
    dim3 = cell_type in ("tetra", "hexahedron")

    def region(c):
        return np.where(c[:, -1] < 0.5, "lo", "hi")

    m = tensor_mesh(xs, xs ** 1.5, zs, cell_type, region) if dim3 else tensor_mesh(
        xs, zs, None, cell_type, region)
    rng = np.random.default_rng(5)  # skewed: interior points moved, the interface kept flat
    pts = m.points.copy()
    inner = np.all((pts > 1e-9) & (pts < 1 - 1e-9), axis=1) & (np.abs(pts[:, -1] - 0.5) > 1e-9)
    pts[inner] += 0.03 * rng.standard_normal((int(inner.sum()), pts.shape[1]))
    m = replace(m, points=pts)
    f = plane_facets(m, m.points.shape[1] - 1, 0.5)
    return replace(m, interfaces={"mid": Interface(f, "lo", "hi")})


@pytest.mark.parametrize(("cell_type", "order"), CASES)
def test_symbolic_pattern_equals_assembled(cell_type, order):
    m = _split_mesh(cell_type)
    assembled = Discretization(m, ["mid"], order)
    symbolic = Discretization(m, ["mid"], order)
    assert symbolic.split.n_copies > 0  # the interface is split: extra coupling entries
    A = assembled.bulk_matrix({"lo": 1.0, "hi": 3.0})  # element matrices through COO
    Z = symbolic.bulk_matrix({})  # every k temperature-dependent: the pattern alone
    assert Z.shape == A.shape and Z.indptr.dtype == A.indptr.dtype
    assert np.array_equal(Z.indptr, A.indptr) and np.array_equal(Z.indices, A.indices)
    assert not Z.data.any()
    # the interface couplings (side a × side b DOFs, in no common cell) are in the pattern
    qa, qb = symbolic.interface_quads("mid")
    r = np.repeat(qa.dofs, qb.dofs.shape[1], axis=1).ravel()
    c = np.tile(qb.dofs, (1, qa.dofs.shape[1])).ravel()
    csr_positions(Z.indptr, Z.indices, r, c)  # raises if one is missing
    # a zero bulk matrix keeps the pattern the mixed assembly extends
    assert np.array_equal(symbolic.bulk_matrix({"lo": 2.0}).indices, A.indices)


@pytest.mark.parametrize(("cell_type", "order"), CASES)
def test_constant_k_subset_on_the_symbolic_pattern_equals_the_full_assembly(cell_type, order,
                                                                           monkeypatch):
    """Only region "hi" has a constant k: its element matrices added on the symbolic pattern
    equal the assembly of every cell's element matrix (the others weighted by zero)."""
    from femtbr.fem.assembly import discretization as dmod

    m = _split_mesh(cell_type)
    monkeypatch.setattr(dmod, "SUBSET_FRACTION", -1.0)  # never: every cell's element matrix
    full = Discretization(m, ["mid"], order).bulk_matrix({"hi": 3.0})
    monkeypatch.setattr(dmod, "SUBSET_FRACTION", 1.0)  # always: the constant-k cells alone
    subset = Discretization(m, ["mid"], order).bulk_matrix({"hi": 3.0})
    assert np.array_equal(subset.indptr, full.indptr)
    assert np.array_equal(subset.indices, full.indices)
    scale = np.abs(full.data).max()
    assert scale > 0 and np.abs(subset.data - full.data).max() <= 1e-14 * scale
    lo = Discretization(m, ["mid"], order)
    lo_dofs = np.unique(lo.edofs[lo.region_cells["lo"]])
    hi_dofs = np.unique(lo.edofs[lo.region_cells["hi"]])
    only_lo = np.setdiff1d(lo_dofs, hi_dofs)
    assert not subset[only_lo].data.any()  # a k(T) region's rows stay explicit zeros


def test_pattern_in_two_threads_equals_one_thread(monkeypatch):
    """The product EᵀE split over two threads (forced on a small mesh), each row block sorted
    in its thread, gives the same canonical pattern as one thread."""
    from femtbr.fem.assembly.pattern import coupling_pattern
    from femtbr.fem.linalg import threads

    rng = np.random.default_rng(4)
    groups = [rng.integers(0, 3000, (2000, 8)), rng.integers(0, 3000, (300, 4))]
    one = coupling_pattern(groups, 3000)
    monkeypatch.setattr(threads, "MIN_NNZ", 0)
    monkeypatch.setattr(threads, "n_threads", lambda: 2)
    two = coupling_pattern(groups, 3000)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    rows = np.repeat(np.arange(3000), np.diff(one[0]))
    assert np.all((np.diff(one[1]) > 0) | (np.diff(rows) > 0))  # sorted, no duplicates
