"""``[fit]`` (issue 16, item 3): recover parameters from synthetic noisy measurements, and
report a non-identifiable pair instead of a false answer.

Synthetic data: the case solved at the true parameters, probe temperatures plus seeded
Gaussian noise of the stated σ.  The estimates must lie within two of their standard errors
of the truth (the noise draw is seeded, so the test is deterministic).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from femtbr.errors import CaseError
from femtbr.pipeline import load, run
from femtbr.pipeline.fit import fit

CASES = Path(__file__).resolve().parents[1] / "cases"

CPU_PROBES = """
[interfaces.lid_tim2]
model = "constant"
h = "{h_tim2} W/m^2/K"

[probes]
junction = [0.0, 0.0, 0.0]
lid = [0.0, 0.0, "1.8 mm"]
base_centre = [0.0, 0.0, "5.875 mm"]
fin = ["39.5 mm", 0.0, "30 mm"]
"""


def _cpu_text(h_tim2: float) -> str:
    text = (CASES / "cpu_heatsink.toml").read_text()
    head, _, rest = text.partition("[interfaces.lid_tim2]")
    _, _, tail = rest.partition("[interfaces.tim2_heatsink]")
    tail = "[interfaces.tim2_heatsink]" + tail.split("[probes]")[0]
    return head + tail + CPU_PROBES.format(h_tim2=h_tim2)


def _synthetic(path: Path, sets: list[str], names: list[str], sigma: float, seed: int):
    summary = run(load(path, sets), write=False).summary
    noise = np.random.default_rng(seed).normal(0.0, sigma, len(names))
    return {n: summary["probes"][n] + e for n, e in zip(names, noise, strict=True)}


@pytest.mark.slow
def test_recovers_tim2_conductance_and_fin_h(tmp_path):
    """Four thermocouples of the main job (coarse mesh) give the TIM2 joint conductance and
    the fin heat-transfer coefficient within two standard errors."""
    true = {"interfaces.lid_tim2.h": 3.0e4, "boundaries.fins.h": 45.0}
    path = tmp_path / "cpu.toml"
    path.write_text(_cpu_text(true["interfaces.lid_tim2.h"]))
    sets = ["geometry.refine=0.4", f"boundaries.fins.h={true['boundaries.fins.h']}"]
    sigma = 0.05
    names = ["junction", "lid", "base_centre", "fin"]
    measured = _synthetic(path, sets, names, sigma, seed=1)
    table = "\n[fit.measurements]\n" + "".join(
        f'{n} = {{ T = {float(t)!r}, sigma = {sigma} }}\n' for n, t in measured.items())
    table += ('[fit.parameters]\n"interfaces.lid_tim2.h" = { min = 1e3, max = 1e7, '
              'initial = 1e5 }\n"boundaries.fins.h" = { min = 5, max = 500, initial = 25 }\n')
    fitted_path = tmp_path / "fit.toml"
    fitted_path.write_text(path.read_text() + table)
    res = fit(load(fitted_path, ["geometry.refine=0.4"]))
    assert res.identifiable
    assert res.gradient.startswith("forward")  # 2 parameters < 4 measurements
    for key, est, se in zip(res.keys, res.estimates, res.standard_errors, strict=True):
        assert np.isfinite(se) and se > 0
        assert abs(est - true[key]) <= 2 * se, (key, est, se)
        assert se < 0.2 * true[key]  # the data do determine them
    section = res.section()
    assert section["dof"] == 2
    assert set(section["residuals"]) == set(names)
    assert abs(section["correlation"]["boundaries.fins.h"]["interfaces.lid_tim2.h"]) < 1


STACK_FIT = """
[probes]
die_top = [0.0, 0.0, "2.6 mm"]
die_mid = [0.0, 0.0, "2.35 mm"]
die_low = ["2 mm", "2 mm", "2.15 mm"]
spreader = [0.0, 0.0, "1 mm"]

[fit.measurements]
{measurements}

[fit.parameters]
"interfaces.die_solder.h" = {{ min = 1e4, max = 1e8, initial = 2e5 }}
"{second}" = {{ min = 1e3, max = 1e8, initial = {start} }}
"""


def _stack_fit_case(tmp_path: Path, names: list[str], second: str, start: float) -> Path:
    base = (CASES / "multilayer_stack.toml").read_text()
    plain = tmp_path / "plain.toml"
    plain.write_text(base + STACK_FIT.split("[fit.measurements]")[0])
    measured = _synthetic(plain, [], names, 0.02, seed=3)
    lines = "\n".join(f"{n} = {{ T = {float(t)!r}, sigma = 0.02 }}" for n, t in measured.items())
    path = tmp_path / "fit.toml"
    path.write_text(base + STACK_FIT.format(measurements=lines, second=second, start=start))
    return path


def _stack_fit(tmp_path: Path, names: list[str], second: str, start: float):
    return fit(load(_stack_fit_case(tmp_path, names, second, start)))


def test_series_conductances_seen_through_their_sum_are_not_identifiable(tmp_path):
    """Probes in the die only see 1/h₁ + 1/h₂ of the two joints below it (1D stack): the fit
    reports that combination as not identifiable and gives no standard errors."""
    res = _stack_fit(tmp_path, ["die_top", "die_mid", "die_low"],
                     "interfaces.solder_spreader.h", 3e5)
    assert not res.identifiable
    (combo,) = res.non_identifiable
    assert set(combo) == {"interfaces.die_solder.h", "interfaces.solder_spreader.h"}
    # the undetermined direction keeps 1/h1 + 1/h2: d ln h1 / d ln h2 = -(1/h2)/(1/h1)
    h1, h2 = res.estimates
    ratio = combo["interfaces.die_solder.h"] / combo["interfaces.solder_spreader.h"]
    assert ratio == pytest.approx(-(1 / h2) / (1 / h1), rel=1e-3)
    assert np.all(np.isnan(res.standard_errors))
    assert res.section()["parameters"]["interfaces.die_solder.h"]["standard_error"] is None
    # what the data do determine is right: the sum of the two joint resistances
    assert 1 / h1 + 1 / h2 == pytest.approx(1 / 5e5 + 1 / 1e6, rel=0.05)


def test_identifiable_pair_is_recovered(tmp_path):
    """A probe in the spreader separates the cooling film from the die-side joint."""
    res = _stack_fit(tmp_path, ["die_top", "die_mid", "spreader"], "boundaries.bottom.h", 3e3)
    assert res.identifiable
    for key, est, se in zip(res.keys, res.estimates, res.standard_errors, strict=True):
        truth = {"interfaces.die_solder.h": 5e5, "boundaries.bottom.h": 5000.0}[key]
        assert abs(est - truth) <= 2 * se, (key, est, se)


def test_unknown_fit_key_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text((CASES / "multilayer_stack.toml").read_text() + """
[fit.measurements]
x = { T = 300.0, sigma = 0.1 }
[fit.parameters]
"interfaces.die_solder.hh" = { min = 1, max = 2 }
""")
    with pytest.raises(CaseError, match="fit.parameters.interfaces.die_solder.hh"):
        fit(load(path))


def test_cli_fit_writes_fit_json_and_says_not_identifiable(tmp_path, capsys):
    import json

    from femtbr.cli import main

    path = _stack_fit_case(tmp_path, ["die_top", "die_mid"], "interfaces.solder_spreader.h", 3e5)
    assert main(["fit", str(path), "--out", str(tmp_path / "out")]) == 0
    assert "NOT IDENTIFIABLE" in capsys.readouterr().out
    section = json.loads((tmp_path / "out" / "fit.json").read_text())
    assert section["identifiable"] is False and section["dof"] == 0
