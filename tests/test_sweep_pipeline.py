"""A sweep case gets exactly what ``femtbr run`` gives for the same overrides (issue 12).

The transient example case with a ``[sweep]`` over two power levels: every case is integrated
in time (not silently solved as a steady case) and its summary, history and energy tables are
those of ``femtbr run CASE --set sources.die.power=...``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from femtbr.cli import main
from femtbr.sweep import sweep

CASE = Path(__file__).resolve().parents[1] / "cases" / "cpu_power_pulse.toml"

STUDY = """
[sweep]
mode = "grid"
collect = ["transient.steps", "transient.T_max_over_time.die", "probes.junction"]
[sweep.parameters]
"sources.die.power" = ["60 W", "120 W"]
"""


def short_case(text: str) -> str:
    """The example with a shorter time span (one pulse and part of its cool-down)."""
    text = text.replace('t_end = "8 s"', 't_end = "0.6 s"')
    assert 't_end = "0.6 s"' in text
    return text + '\n[outputs]\nrender = false\n'


def without_study(summary: dict) -> dict:
    out = {k: v for k, v in summary.items() if k != "sweep"}
    out["parameters"] = {k: v for k, v in out["parameters"].items() if k != "sweep"}
    return out


def test_a_transient_sweep_gets_what_femtbr_run_gives(tmp_path, capsys):
    base = tmp_path / "pulse.toml"
    base.write_text(short_case(CASE.read_text()))
    study = tmp_path / "pulse_study.toml"
    study.write_text(base.read_text() + STUDY)
    res = sweep(study, tmp_path / "study", workers=0, plots=False)
    assert res.n_failed == 0, [r["error"] for r in res.records]
    rows = res.rows()
    assert len(rows) == 2
    for rec in res.records:
        power = rec["params"]["sources.die.power"]
        out = tmp_path / f"run_{rec['index']}"
        assert main(["run", str(base), "--out", str(out), "-q",
                     "--set", f"sources.die.power={power}"]) == 0
        case_dir = tmp_path / "study" / "cases" / rec["case_id"]
        got = json.loads((case_dir / "summary.json").read_text())
        want = json.loads((out / "summary.json").read_text())
        assert got["transient"]["steps"] > 1  # integrated in time, not a steady solve
        assert without_study(got) == without_study(want)
        for name in ("history.csv", "energy.csv", "fields.pvd", "interfaces.pvd"):
            assert (case_dir / name).read_text() == (out / name).read_text(), name
    # the die heats more at twice the power: T_max over time rises with P
    lo, hi = sorted(rows, key=lambda r: float(r["sources.die.power"].split()[0]))
    T_inf = 298.15
    rise_lo = lo["transient.T_max_over_time.die"] - T_inf
    rise_hi = hi["transient.T_max_over_time.die"] - T_inf
    # constant-h interfaces and k(T) close to constant over a few kelvin: nearly linear in P
    assert rise_hi == pytest.approx(2.0 * rise_lo, rel=0.05)
    capsys.readouterr()


def test_femtbr_run_on_a_study_says_to_use_femtbr_sweep(tmp_path, capsys):
    study = tmp_path / "pulse_study.toml"
    study.write_text(short_case(CASE.read_text()) + STUDY)
    out = tmp_path / "out"
    assert main(["run", str(study), "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "femtbr sweep" in err and "Traceback" not in err
    assert not out.exists()


def test_femtbr_sweep_accepts_set_like_run(tmp_path):
    """``--set materials.die.k=100`` changes every case of the study: the 1D series answer
    T_max = T_inf + q (t_die/k_die + 1/h + t_cu/k_cu + 1/h_bottom) (Incropera eq. 3.19)."""
    import csv

    from sweep_doubles import TINY_STACK

    study = tmp_path / "tiny.toml"
    study.write_text(
        TINY_STACK
        + '\n[sweep]\nmode = "grid"\ncollect = ["regions.die.T_max"]\n[sweep.parameters]\n'
        '"interfaces.die_spreader.h" = [1e4, 1e5]\n'
    )
    out = tmp_path / "out"
    argv = ["sweep", str(study), "--out", str(out), "--workers", "0", "--quiet", "--no-plots"]
    assert main([*argv, "--set", "materials.die.k=100 W/m/K"]) == 0
    with open(out / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2
    q = 1000.0  # W/m² (4 W per metre of depth over 4 mm)
    for row in rows:
        h = float(row["interfaces.die_spreader.h"])
        expected = 300.0 + q * (0.5e-3 / 100.0 + 1.0 / h + 1e-3 / 400.0 + 1.0 / 5000.0)
        assert float(row["regions.die.T_max"]) == pytest.approx(expected, abs=1e-8)
    assert main([*argv[:3], "--out", str(tmp_path / "bad"), "--workers", "0", "--quiet",
                 "--set", "materials.nonesuch.k=1"]) == 2
