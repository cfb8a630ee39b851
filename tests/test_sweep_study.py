"""Study definition of the [sweep] table: grid, zip, random and Latin-hypercube designs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from femtbr.errors import CaseError
from femtbr.sweep import define_study
from femtbr.sweep.sampling import Range, sample
from femtbr.sweep.worker import pick

BASE = {"name": "s", "geometry": {"builder": "stack"}}


def study(sweep: dict):
    return define_study({**BASE, "sweep": sweep}, "/tmp/s.toml")


def test_grid_is_cartesian_last_key_fastest():
    s = study(
        {
            "mode": "grid",
            "collect": ["x"],
            "parameters": {"a.p": [1, 2, 3], "geometry.t": ["1 um", "2 um"]},
        }
    )
    assert len(s.cases) == 6
    assert [c.case_id for c in s.cases] == [f"c{i:04d}" for i in range(6)]
    assert s.cases[0].params == {"a.p": 1, "geometry.t": "1 um"}
    assert s.cases[1].params == {"a.p": 1, "geometry.t": "2 um"}
    assert s.cases[5].params == {"a.p": 3, "geometry.t": "2 um"}
    assert s.parameters == ("a.p", "geometry.t")
    assert "sweep" not in s.base


def test_zip_pairs_elementwise_and_needs_equal_lengths():
    s = study({"mode": "zip", "collect": ["x"], "parameters": {"a": [1, 2], "b": [3, 4]}})
    assert [c.params for c in s.cases] == [{"a": 1, "b": 3}, {"a": 2, "b": 4}]
    with pytest.raises(CaseError, match="sweep"):
        study({"mode": "zip", "collect": ["x"], "parameters": {"a": [1, 2], "b": [3]}})


def test_lhs_has_one_sample_per_stratum_and_is_seeded():
    # McKay et al. (1979): each of the n equal-probability strata of every variable holds
    # exactly one sample.
    n = 16
    sweep = {
        "mode": "lhs",
        "samples": n,
        "seed": 7,
        "collect": ["x"],
        "parameters": {"p": {"min": 1e5, "max": 1e7, "log": True}, "h": {"min": 10.0, "max": 50.0}},
    }
    s = study(sweep)
    p = np.array([c.params["p"] for c in s.cases])
    h = np.array([c.params["h"] for c in s.cases])
    assert sorted(np.floor(n * (np.log(p) - math.log(1e5)) / math.log(100)).astype(int)) == list(
        range(n)
    )
    assert sorted(np.floor(n * (h - 10.0) / 40.0).astype(int)) == list(range(n))
    again = study(sweep)
    assert [c.params for c in again.cases] == [c.params for c in s.cases]
    assert again.fingerprint == s.fingerprint
    other = study({**sweep, "seed": 8})
    assert other.fingerprint != s.fingerprint


def test_random_sampling_within_bounds_with_units_and_integers():
    s = study(
        {
            "mode": "random",
            "samples": 50,
            "collect": ["x"],
            "parameters": {"t": {"min": "10 um", "max": "100 um"}},
        }
    )
    t = [c.params["t"] for c in s.cases]
    assert min(t) >= 10e-6 and max(t) < 100e-6
    fins = sample({"n": Range(10, 20, integer=True)}, 200, "random", seed=1)
    values = {pt["n"] for pt in fins}
    assert values <= set(range(10, 21)) and len(values) == 11


@pytest.mark.parametrize(
    "sweep, where",
    [
        ({"mode": "grid", "collect": ["x"], "parameters": {}}, "sweep"),
        ({"mode": "lhs", "collect": ["x"], "parameters": {"a": {"min": 2, "max": 1}}}, "sweep"),
        ({"mode": "lhs", "collect": ["x"], "parameters": {"a": [1, 2]}}, "sweep"),
        ({"mode": "grid", "collect": ["x"], "parameters": {"name": ["a"]}}, "name"),
        ({"mode": "cube", "collect": ["x"], "parameters": {"a": [1]}}, "sweep.mode"),
        ({"mode": "lhs", "samples": 3, "parameters": {"a": {"min": "1 kg", "max": "x"}}}, "a.max"),
    ],
)
def test_bad_sweep_tables_name_the_key(sweep, where):
    with pytest.raises(CaseError) as err:
        study(sweep)
    assert where in str(err.value)


def test_no_sweep_table():
    with pytest.raises(CaseError, match="no \\[sweep\\]"):
        define_study(BASE, "/tmp/s.toml")


def test_collect_patterns_and_missing_keys():
    flat = {"interfaces.a.resistance": 1.0, "interfaces.b.resistance": 2.0, "regions.d.T_max": 3.0}
    assert pick(flat, ("interfaces.*.resistance",)) == {
        "interfaces.a.resistance": 1.0,
        "interfaces.b.resistance": 2.0,
    }
    with pytest.raises(CaseError, match="interfaces.c.resistance"):
        pick(flat, ("interfaces.c.resistance",))


def test_femtbr_sweep_is_callable_before_and_after_import(tmp_path):
    import femtbr

    case = tmp_path / "w.toml"
    case.write_text(
        "name = 'w'\n[wall]\nh = 1e4\nq = 1.0\nT_sink = 300.0\n[wall.layers.a]\nt = 1e-3\n"
        "k = 1.0\n[sweep]\ncollect = ['resistance']\n[sweep.parameters]\n'wall.h' = [1e3]\n"
    )
    runner = "sweep_doubles:wall_runner"
    for i in range(2):  # first access may resolve lazily; later ones see the package
        res = femtbr.sweep(case, tmp_path / f"o{i}", workers=0, runner=runner, plots=False)
        assert res.rows()[0]["resistance"] == pytest.approx(1e-3 / 1.0 + 1e-3)
