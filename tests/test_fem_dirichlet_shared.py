"""Two fixed-temperature boundaries sharing nodes (issue 13, item 10): one order-free rule.

The shared nodes take the mean of the two values (:mod:`femtbr.fem.assembly.dirichlet`), a warning
names both boundaries, and listing the boundaries in the other order gives the identical answer.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from femtbr.fem import Convection, FixedTemperature, Problem, Source, solve
from femtbr.fem.assembly.dirichlet import merge_fixed
from femtbr.fem.transient.transient import TimeStepping, TransientSolver
from femtbr.fem.transient.transient_system import FESemiDiscrete
from femtbr.fem.values.power_profiles import Step
from femtbr.fem.values.transient_problem import TransientProblem
from femtbr.mesh import TaggedMesh


def _plate(nx: int = 12, ny: int = 8) -> TaggedMesh:
    """Unit-width quad plate 0.12 m × 0.08 m: ``left`` (x = 0), ``bottom`` (y = 0, shares the
    corner with ``left``), ``bottom_left`` (the left half of ``bottom``, overlapping it) and
    ``top``."""
    x, y = np.meshgrid(np.linspace(0, 0.12, nx + 1), np.linspace(0, 0.08, ny + 1), indexing="ij")
    pts = np.c_[x.ravel(), y.ravel()]
    v = np.arange(pts.shape[0]).reshape(nx + 1, ny + 1)
    cells = np.c_[v[:-1, :-1].ravel(), v[1:, :-1].ravel(), v[1:, 1:].ravel(), v[:-1, 1:].ravel()]
    bottom = np.c_[v[:-1, 0], v[1:, 0]]
    bnd = {
        "left": np.c_[v[0, :-1], v[0, 1:]],
        "bottom": bottom,
        "bottom_left": bottom[: nx // 2],
        "top": np.c_[v[:-1, -1], v[1:, -1]],
    }
    return TaggedMesh(pts, cells, "quad", regions={"plate": np.arange(cells.shape[0])},
                      boundaries=bnd)


def _problem(order_names, values):
    m = _plate()
    bcs = {n: FixedTemperature(values[n]) for n in order_names}
    bcs["top"] = Convection(h=50.0, T_inf=300.0)
    return Problem(m, {"plate": 20.0}, sources={"plate": Source(power=500.0)}, boundaries=bcs)


@pytest.mark.parametrize("pair", [("left", "bottom"), ("bottom", "bottom_left")])
def test_swapping_two_fixed_boundaries_gives_the_identical_answer(pair, caplog):
    values = {pair[0]: 400.0, pair[1]: 300.0}
    sols = []
    for names in (pair, pair[::-1]):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="femtbr.fem.assembly.dirichlet"):
            sols.append(solve(_problem(names, values)))
        warn = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warn) == 1 and all(f"'{n}'" in warn[0] for n in pair), warn
    a, b = sols
    np.testing.assert_array_equal(a.temperature, b.temperature)
    # the shared nodes hold the mean of the two prescribed values
    m = _plate()
    shared = np.intersect1d(np.unique(m.boundaries[pair[0]]), np.unique(m.boundaries[pair[1]]))
    assert shared.size >= 1
    np.testing.assert_allclose(a.temperature[shared], 350.0, rtol=0, atol=1e-9)


def test_equal_values_on_shared_nodes_do_not_warn(caplog):
    with caplog.at_level(logging.WARNING, logger="femtbr.fem.assembly.dirichlet"):
        solve(_problem(("left", "bottom"), {"left": 320.0, "bottom": 320.0}))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_merge_rule_is_the_mean_and_owner_is_alphabetical():
    parts = [("b", np.array([0, 1, 2]), np.array([10.0, 10.0, 10.0])),
             ("a", np.array([2, 3]), np.array([20.0, 30.0])),
             ("c", np.array([2]), np.array([60.0]))]
    for p in (parts, parts[::-1]):
        d, v, own = merge_fixed(p, warn=False)
        np.testing.assert_array_equal(d, [0, 1, 2, 3])
        np.testing.assert_allclose(v, [10.0, 10.0, 30.0, 30.0])  # node 2: (10 + 20 + 60)/3
        assert list(own) == ["b", "b", "a", "a"]


def test_transient_profile_on_a_shared_boundary_is_order_free(caplog):
    results = []
    for names in (("left", "bottom"), ("bottom", "left")):
        pb = _problem(names, {"left": 300.0, "bottom": 300.0})
        tp = TransientProblem(pb, {"plate": 2e6},
                              boundary_temperature={"left": Step(after=400.0, before=300.0)})
        with caplog.at_level(logging.WARNING, logger="femtbr.fem.transient.transient_system"):
            s = FESemiDiscrete(tp, T_ref=300.0)
        assert "'bottom' and 'left'" in caplog.text
        d, v, _ = s.dirichlet(1.0)
        corner = 0  # vertex (0, 0)
        assert v[d == corner] == pytest.approx(350.0)
        res = TransientSolver(s, TimeStepping(t_end=50.0, dt=5.0, scheme="bdf2")).run(
            np.full(s.n_dofs, 300.0))
        results.append(res.final)
        assert res.max_imbalance < 1e-8
    np.testing.assert_array_equal(results[0], results[1])
