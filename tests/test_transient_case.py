"""``femtbr run`` of the transient example case: files, energy bookkeeping, Z_th (issue 7)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from femtbr.errors import CaseError
from femtbr.export import read_pvd
from femtbr.pipeline import load_case, run

CASE = Path(__file__).resolve().parents[1] / "cases" / "cpu_power_pulse.toml"


def _rows(path: Path) -> list[dict[str, float]]:
    with path.open() as fh:
        return [{k: float(v) for k, v in r.items()} for r in csv.DictReader(fh)]


def test_pulse_case_writes_series_history_and_closes_energy(tmp_path):
    # the first pulse and its cool-down: 120 W for 0.5 s = 60 J in
    case = load_case(CASE, {"transient.t_end": 1.0, "transient.save_every": 5})
    res = run(case, out_dir=tmp_path)
    names = {p.name for p in res.files}
    assert {"fields.pvd", "interfaces.pvd", "series", "history.csv", "energy.csv"} <= names
    steps = read_pvd(tmp_path / "fields.pvd")
    assert [t for t, _ in steps] == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])
    assert all((tmp_path / f).is_file() for _, f in steps)
    assert len(read_pvd(tmp_path / "interfaces.pvd")) == len(steps)
    energy = _rows(tmp_path / "energy.csv")
    assert sum(r["heat_in_J"] for r in energy) == pytest.approx(60.0, rel=1e-12)
    assert max(r["imbalance"] for r in energy) < 1e-8
    hist = _rows(tmp_path / "history.csv")
    assert hist[0]["T_max_die"] == pytest.approx(298.15, abs=1e-9)  # steady with power off
    peak = max(range(len(hist)), key=lambda i: hist[i]["T_max_die"])
    assert hist[peak]["time_s"] == pytest.approx(0.5)  # hottest at the end of the pulse
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["transient"]["energy_imbalance_max"] < 1e-8
    assert summary["transient"]["factorizations"] < 20  # modified Newton reuses them
    # stored heat at t_end = heat in − heat out through the bottom, to BDF2's O(dt) start terms
    out = sum(r["heat_out_bottom_J"] for r in energy)
    assert hist[-1]["stored_heat_J"] == pytest.approx(60.0 - out, rel=5e-3)


def test_step_case_thermal_impedance_tends_to_steady_resistance(tmp_path):
    over = {
        "transient.power.die.kind": "step",
        "transient.t_end": 80.0,
        "transient.dt": 1e-3,
        "transient.adaptive": True,
        "transient.tolerance": 0.02,
        "transient.save_every": 10**6,
    }
    res = run(load_case(CASE, over), out_dir=tmp_path)
    tr = res.summary["transient"]
    # R_th from the steady solve with the power on; Z_th(80 s) within 0.2 % of it (τ ≈ 8 s)
    assert tr["zth_final"] == pytest.approx(tr["R_th_steady"], rel=2e-3)
    assert 0.9 < tr["R_th_steady"] < 1.3  # ≈ 1/(hA) = 1 K/W plus the stack's ~0.2 K/W
    z = _rows(tmp_path / "zth.csv")
    assert z[0]["Z_th_K_per_W"] == 0.0 and np.all(np.diff([r["Z_th_K_per_W"] for r in z]) > -1e-3)
    assert (tmp_path / "zth.png").stat().st_size > 1000
    assert tr["steps"] < 300


def test_transient_needs_density_and_cp():
    from femtbr.materials import from_dict
    from femtbr.pipeline.transient import heat_capacity_of

    with pytest.raises(CaseError, match=r"materials\.die\.density"):
        heat_capacity_of("die", from_dict("die", {"k": 148.0}))
    with pytest.raises(CaseError, match=r"materials\.die\.cp"):
        heat_capacity_of("die", from_dict("die", {"k": 148.0, "density": 2329.0}))
    assert heat_capacity_of("die", from_dict("die", {"k": 1.0, "density": 2.0, "cp": 3.0})) == 6.0
