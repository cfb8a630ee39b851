"""A stalled AMG solve falls back before giving up (issue 13, item 8).

A flat Q2 box, 1 m × 1 m × 0.1 mm with 24 × 24 × 4 hexahedra (21 609 DOFs, cells 4 cm wide
and 25 µm thick), makes the default smoothed-aggregation cycle stall.  Uniform heating q''' with
the face x = 0 at T₀ and every other face adiabatic is one-dimensional:
T(x) = T₀ + q'''(2Lx − x²)/(2k), so T_max = T₀ + q'''L²/(2k) — quadratic, which Q2 represents
exactly, so the FE answer must equal it to the round-off of this ill-conditioned system.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from femtbr.fem import FixedTemperature, Problem, SolverOptions, Source, solve
from femtbr.fem.linalg import linear_fallback
from femtbr.mesh import TaggedMesh

L, THICK, K, POWER, T0 = 1.0, 1e-4, 10.0, 1.0, 300.0
T_MAX = T0 + (POWER / (L * L * THICK)) * L**2 / (2 * K)  # 800 K


def _flat_box(nx: int = 24, nz: int = 4) -> TaggedMesh:
    x = np.linspace(0, L, nx + 1)
    z = np.linspace(0, THICK, nz + 1)
    X, Y, Z = np.meshgrid(x, x, z, indexing="ij")
    pts = np.c_[X.ravel(), Y.ravel(), Z.ravel()]
    v = np.arange(pts.shape[0]).reshape(nx + 1, nx + 1, nz + 1)

    def c(i, j, k):
        return v[i:nx + i, j:nx + j, k:nz + k].ravel()

    cells = np.c_[c(0, 0, 0), c(1, 0, 0), c(1, 1, 0), c(0, 1, 0),
                  c(0, 0, 1), c(1, 0, 1), c(1, 1, 1), c(0, 1, 1)]
    left = np.c_[v[0, :-1, :-1].ravel(), v[0, 1:, :-1].ravel(), v[0, 1:, 1:].ravel(),
                 v[0, :-1, 1:].ravel()]
    return TaggedMesh(pts, cells, "hexahedron", regions={"plate": np.arange(cells.shape[0])},
                      boundaries={"left": left})


def _problem() -> Problem:
    return Problem(_flat_box(), {"plate": K}, sources={"plate": Source(power=POWER)},
                   boundaries={"left": FixedTemperature(T0)},
                   options=SolverOptions(order=2, linear_solver="amg"))


def test_stalled_amg_falls_back_to_direct_and_logs_it(caplog):
    with caplog.at_level(logging.WARNING, logger="femtbr.fem.linalg.linear_fallback"):
        sol = solve(_problem())
    warn = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warn) == 1 and "falling back to a direct solve" in warn[0], warn
    assert sol.dof_temperature.size > 20_000
    assert sol.temperature.max() == pytest.approx(T_MAX, rel=1e-6)


def test_without_memory_for_direct_a_stronger_cycle_solves_it(caplog, monkeypatch):
    monkeypatch.setattr(linear_fallback, "_available_memory", lambda: 1e6)  # 1 MB: no factorisation
    with caplog.at_level(logging.WARNING, logger="femtbr.fem.linalg.linear_fallback"):
        sol = solve(_problem())
    text = caplog.text
    assert "direct solve needs" in text and "stronger cycle" in text
    assert sol.temperature.max() == pytest.approx(T_MAX, rel=1e-6)


def test_backward_error_of_an_exact_solve_is_round_off():
    import scipy.sparse as sp

    A = sp.csr_matrix(np.array([[4.0, -1.0], [-1.0, 3.0]]))
    x = np.array([1.0, 2.0])
    assert linear_fallback.backward_error(A, x, A @ x) < 1e-15
    assert linear_fallback.backward_error(A, x + 1e-3, A @ x) > 1e-4
