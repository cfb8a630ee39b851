"""The lean Krylov solvers against a direct solve (symmetric and non-symmetric systems)."""

from __future__ import annotations

import numpy as np
import pyamg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from femtbr.fem.linalg.amg import SmoothedAggregation
from femtbr.fem.linalg.krylov import cg, gmres


def _poisson(n=40):
    A = pyamg.gallery.poisson((n, n), format="csr")
    return A, np.random.default_rng(3).standard_normal(A.shape[0])


def test_cg_matches_direct():
    A, b = _poisson()
    M = SmoothedAggregation(A, max_coarse=50).cycle
    x, its, r = cg(A, b, M, 1e-10, 200)
    assert r <= 1e-10 and its < 30
    assert np.allclose(x, spla.spsolve(A.tocsc(), b), rtol=0, atol=1e-8 * np.abs(x).max())


def test_gmres_nonsymmetric_and_restart():
    A, b = _poisson()
    n = A.shape[0]
    A = (A + sp.diags(0.3 * np.ones(n - 1), 1) - sp.diags(0.1 * np.ones(n - 1), -1)).tocsr()
    M = SmoothedAggregation(A, max_coarse=50).cycle
    for restart in (3, 25):  # restarts must not break convergence
        x, its, r = gmres(A, b, M, 1e-10, 400, restart=restart)
        true = np.linalg.norm(b - A @ x) / np.linalg.norm(b)
        assert true <= 2e-10 and r == pytest_approx(true)
    assert np.allclose(x, spla.spsolve(A.tocsc(), b), rtol=0, atol=1e-8 * np.abs(x).max())


def pytest_approx(v):
    import pytest

    return pytest.approx(v, rel=1e-3, abs=1e-14)
