"""``[uncertainty]`` (issue 16, item 2): first order against the exact linear propagation,
sampling against first order within sampling error, reproducibility from the seed.

The 1D stack (cases/multilayer_stack.toml) has T_j = T∞ + q R'' with
R'' = 1/h + Σ t/k + Σ 1/h_j (series formula): linear in q and T∞, so for independent normal
q and T∞ the output is exactly normal with σ² = σ_T∞² + (R'' σ_q)².
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from femtbr.errors import CaseError
from femtbr.sensitivity.distributions import Marginal, draw
from femtbr.sweep.uncertainty import uncertainty

CASES = Path(__file__).resolve().parents[1] / "cases"
R2 = 1 / 5000 + 0.5e-3 / 148 + 100e-6 / 58 + 2e-3 / 390 + 1 / 5e5 + 1 / 1e6  # m²K/W

UNCERTAIN = """
[uncertainty]
method = "{method}"
outputs = ["T_junction", "R_ja"]
samples = {samples}
seed = {seed}
[uncertainty.parameters]
"boundaries.bottom.h" = {{ distribution = "normal", rel_std = 0.02 }}
"boundaries.source_chip.q" = {{ distribution = "normal", std = "2000 W/m^2" }}
"interfaces.die_solder.h" = {{ distribution = "lognormal", rel_std = 0.05 }}
"materials.die.k" = {{ distribution = "uniform", min = 140, max = 156 }}
"""


def _case(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.toml"
    path.write_text((CASES / "multilayer_stack.toml").read_text() + text)
    return path


def test_first_order_is_exact_for_a_linear_output(tmp_path):
    text = """
[uncertainty]
outputs = ["T_junction"]
[uncertainty.parameters]
"boundaries.source_chip.q" = { distribution = "normal", mean = "1.1e5 W/m^2", std = "3000 W/m^2" }
"boundaries.bottom.T_inf" = { distribution = "normal", std = "0.5 K" }
"""
    res = uncertainty(_case(tmp_path, text), write=False)
    fo = res.section["first_order"]["T_junction"]
    assert fo["mean"] == pytest.approx(303.15 + 1.1e5 * R2, rel=1e-12)
    std = np.hypot(0.5, 3000 * R2)
    assert fo["std"] == pytest.approx(std, rel=1e-9)
    assert fo["P95"] - fo["P5"] == pytest.approx(2 * 1.6448536269514722 * std, rel=1e-9)
    share = fo["variance_share"]
    assert share["boundaries.bottom.T_inf"] == pytest.approx(0.25 / std**2, rel=1e-9)
    assert sum(share.values()) == pytest.approx(1.0, rel=1e-12)


def test_sampling_agrees_with_first_order(tmp_path):
    """N = 64 Latin-hypercube solves, spreads 2-5 %: the sample mean within 3σ/√N of the
    first-order mean and the sample std within 3/√(2(N−1)) (27 %) of the first-order std —
    the Monte Carlo standard errors, which bound Latin-hypercube ones for outputs monotone in
    each input (McKay, Beckman & Conover 1979, Theorem 1); the dominant inputs agree."""
    n = 64
    path = _case(tmp_path, UNCERTAIN.format(method="both", samples=n, seed=7))
    res = uncertainty(path, out_dir=tmp_path / "out", workers=0)
    for out in ("T_junction", "R_ja"):
        fo, sa = res.section["first_order"][out], res.section["sampling"][out]
        assert sa["samples"] == n and sa["failed"] == 0
        assert abs(sa["mean"] - fo["mean"]) <= 3 * fo["std"] / np.sqrt(n)
        assert abs(sa["std"] / fo["std"] - 1) <= 3 / np.sqrt(2 * (n - 1))
        big_fo = {k for k, v in fo["variance_share"].items() if v > 0.1}
        big_sa = {k for k, v in sa["variance_share"].items() if v > 0.1}
        assert big_fo == big_sa
        assert sa["regression_R2"] > 0.99
    assert (tmp_path / "out" / "uncertainty_T_junction.png").stat().st_size > 1000
    assert (tmp_path / "out" / "uncertainty.json").is_file()


def test_sampling_is_reproducible_from_the_seed(tmp_path):
    m = [Marginal("normal", 1.0, 0.1), Marginal("uniform", 0.5, 0.1, 0.3, 0.7),
         Marginal("lognormal", 2.0, 0.4)]
    a, b, c = draw(m, 500, "lhs", 3), draw(m, 500, "lhs", 3), draw(m, 500, "lhs", 4)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(draw(m, 50, "random", 3), draw(m, 50, "random", 3))
    # the lognormal keeps the requested mean and std of the variable (LHS: tight)
    assert a[:, 2].mean() == pytest.approx(2.0, rel=0.01)
    assert a[:, 2].std() == pytest.approx(0.4, rel=0.05)
    path = _case(tmp_path, UNCERTAIN.format(method="sampling", samples=5, seed=11))
    one = uncertainty(path, out_dir=tmp_path / "one", workers=0)
    two = uncertainty(path, out_dir=tmp_path / "two", workers=0)
    assert np.array_equal(one.samples, two.samples)  # the draws: bit for bit
    # the solves: to round-off (a later study in the same process reuses cached solver state)
    np.testing.assert_allclose(one.values["T_junction"], two.values["T_junction"], rtol=1e-13)
    again = uncertainty(path, out_dir=tmp_path / "one", workers=0, resume=True)  # no new solves
    assert np.array_equal(again.values["T_junction"], one.values["T_junction"])  # read back


def test_unknown_key_is_named(tmp_path):
    text = """
[uncertainty]
[uncertainty.parameters]
"boundaries.bottom.hh" = { distribution = "normal", std = 1.0 }
"""
    with pytest.raises(CaseError, match="uncertainty.parameters.boundaries.bottom.hh"):
        uncertainty(_case(tmp_path, text), write=False)
