"""Bulk stiffness assembly against scikit-fem's own assembly of the same form."""

from __future__ import annotations

import numpy as np
import pytest
import skfem
from skfem.models.poisson import laplace

from femtbr.fem.assembly import discretization as dmod
from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.fast.reference import ELEMENTS, SKFEM_MESH
from femtbr.fem.meshes import tensor_mesh


def _mesh(cell_type: str, n: int = 3):
    xs = np.linspace(0.0, 1.0, n + 1)
    zs = np.array([0.0, 0.3, 0.5, 1.0])

    def region(c):
        return np.where(c[:, 2] < 0.5, "lo", "hi")

    m = tensor_mesh(xs, xs ** 1.5, zs, cell_type, region)
    rng = np.random.default_rng(3)  # a skewed, non-affine geometry
    pts = m.points + 0.04 * rng.standard_normal(m.points.shape)
    return m.__class__(pts, m.cells, m.cell_type, m.regions, m.boundaries, m.interfaces)


@pytest.mark.parametrize("cell_type", ["tetra", "hexahedron"])
@pytest.mark.parametrize(("flush", "threads"), [(1 << 24, 1), (97, 1), (1 << 24, 2), (97, 2)])
def test_bulk_matrix_matches_skfem(cell_type, flush, threads, monkeypatch):
    """One COO pass or many parts merged; one stream of cells or two in threads."""
    monkeypatch.setattr(dmod, "FLUSH_ENTRIES", flush)
    monkeypatch.setattr(dmod, "PARALLEL_CELLS", 0 if threads > 1 else 1 << 60)  # + mirror
    monkeypatch.setattr(dmod, "n_threads", lambda: threads)
    m = _mesh(cell_type)
    disc = Discretization(m)
    k = {"lo": 2.0, "hi": 7.0}
    A = disc.bulk_matrix(k)
    skm = SKFEM_MESH[cell_type](disc.points.T.copy(), disc.cells.T.copy(), sort_t=False)
    ref = 0
    for name, kr in k.items():
        basis = skfem.Basis(skm, ELEMENTS[(cell_type, 1)](),
                            intorder=2, elements=disc.region_cells[name])
        ref = ref + kr * laplace.assemble(basis)
    ref = ref.tocsr()
    B = A.copy()
    B.has_sorted_indices = False
    B.sort_indices()
    assert np.array_equal(B.indices, A.indices)  # the claimed canonical order holds
    scale = np.abs(ref.data).max()
    assert abs(A - ref).max() <= 1e-13 * scale
    # the pattern is the full vertex adjacency (symmetric, diagonal everywhere)
    assert np.array_equal(A.diagonal() != 0, np.ones(A.shape[0], bool))
    assert (abs(A - A.T)).max() == 0.0
    # a zero-conductivity region keeps its entries as explicit zeros on the same pattern
    A0 = disc.bulk_matrix({"lo": 2.0})
    assert np.array_equal(A0.indptr, A.indptr) and np.array_equal(A0.indices, A.indices)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("cell_type", ["tetra", "hexahedron"])
def test_region_weights_after_bulk_match_direct(cell_type, threads, monkeypatch):
    """∫ φ_i over each region: the one-pass path (after the bulk assembly, from its kept
    |det J|, quadrature on the non-affine cells) equals the per-region quadrature path, and
    the weights of a region sum to its volume (skfem's measure of its cells)."""
    from femtbr.fem.fast import kernels
    from femtbr.fem.linalg import threads as th

    monkeypatch.setattr(kernels, "PARALLEL_CELLS", 0)  # halves in threads when asked
    monkeypatch.setattr(th, "n_threads", lambda: threads)
    m = _mesh(cell_type)
    fresh = Discretization(m)
    after = Discretization(m)
    after.bulk_matrix({"lo": 1.0, "hi": 1.0})
    skm = SKFEM_MESH[cell_type](fresh.points.T.copy(), fresh.cells.T.copy(), sort_t=False)
    for name in ("lo", "hi"):
        w0, w1 = fresh.region_weights(name), after.region_weights(name)
        assert np.allclose(w1, w0, rtol=1e-13, atol=1e-16 * w0.max())
        basis = skfem.Basis(skm, ELEMENTS[(cell_type, 1)](), intorder=2,
                            elements=fresh.region_cells[name])
        vol = float(basis.dx.sum())
        assert abs(w1.sum() - vol) <= 1e-13 * vol
    assert after.cache.affine_geometry is None  # released once every region is done


@pytest.mark.parametrize("n", [0, 5, 64, 200])
def test_thin_matmul_equals_matmul(n):
    """The blocked tall-thin product is the plain product (head blocks and tail)."""
    from femtbr.fem.fast.kernels import thin_matmul

    rng = np.random.default_rng(n)
    X, A = rng.standard_normal((n, 9)), rng.standard_normal((9, 13))
    assert np.allclose(thin_matmul(X, A), X @ A, rtol=1e-14, atol=1e-13)
