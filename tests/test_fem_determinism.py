"""Reruns are bit-identical (issue 14 item 11): with the threaded paths forced on, the same
case solved twice, and solved with 1 and with 2 threads, gives the same bits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import femtbr.fem.assembly.discretization as discretization
import femtbr.fem.fast.kernels as kernels
import femtbr.fem.linalg.threads as threads
from femtbr import load_case
from femtbr.pipeline import run

CASES = Path(__file__).resolve().parents[1] / "cases"


@pytest.fixture
def threaded(monkeypatch):
    """Every threaded path on for a small mesh: cell loops from 500 cells, row-block products
    from 1000 stored entries (the defaults engage them from 2e5 cells / 1e6 entries)."""
    monkeypatch.setattr(kernels, "PARALLEL_CELLS", 500)
    monkeypatch.setattr(discretization, "PARALLEL_CELLS", 500)
    monkeypatch.setattr(threads, "MIN_NNZ", 1000)

    def solve_with(n_threads: int):
        monkeypatch.setenv("FEMTBR_THREADS", str(n_threads))
        # k(T) everywhere (nonlinear bulk loop), DMM + constant interfaces, AMG + Krylov
        case = load_case(CASES / "cpu_heatsink.toml",
                         ["solver.linear_solver=amg", "geometry.refine=0.8"])
        res = run(case, write=False)
        return res.solution, json.dumps(res.summary, sort_keys=True)

    return solve_with


def test_rerun_is_bit_identical_with_threads(threaded):
    a, sa = threaded(2)
    b, sb = threaded(2)
    assert a.timings  # (a real solve)
    assert np.array_equal(a.temperature, b.temperature)
    assert np.array_equal(a.heat_flux, b.heat_flux)
    assert sa == sb


def test_one_and_two_threads_give_the_same_bits(threaded):
    """Sums are cut into parts by the size of the work, not the thread count: a case run on a
    1-thread sweep worker equals the same case run alone on two cores."""
    a, sa = threaded(1)
    b, sb = threaded(2)
    assert np.array_equal(a.temperature, b.temperature)
    assert sa == sb
