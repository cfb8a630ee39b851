"""Issue 14 items 1-2 reproduced through the command line: every case that used to exit 0 with
T of ±1e16 K (or with a traceback) exits 2 naming its cause, and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from femtbr.cli import main

CASES = Path(__file__).resolve().parents[1] / "cases"

REPRODUCTIONS = {
    # the only cooled face with h = 0: no heat path at all
    "convection_h_0": ("multilayer_stack.toml", ["geometry.h=0"],
                       [r"no heat path", "'die', 'solder', 'spreader'", "boundary 'bottom'"]),
    # h so small it is lost in round-off next to the layers' conductances
    "convection_h_1e-300": ("multilayer_stack.toml", ["geometry.h=1e-300"],
                            ["no heat path", "boundary 'bottom'"]),
    # a contact model at zero pressure: the interface carries nothing
    "cmy_pressure_0": ("si_cu_pressed_vs_bonded.toml", ["interfaces.si_cu.pressure=0"],
                       ["interfaces.si_cu: h = 0", "pressure = 0 Pa",
                        "set interfaces.si_cu.pressure"]),
    "k_1e-300": ("multilayer_stack.toml", ["materials.solder.k=1e-300"],
                 ["materials.solder.k", "region 'solder' conduct no heat"]),
    "k_5e-324": ("multilayer_stack.toml", ["materials.solder.k=5e-324"],
                 ["materials.solder.k", "region 'solder' conduct no heat"]),
    "probe_far_outside": ("multilayer_stack.toml", ["probes.p=[1e30,0,0]"],
                          ["probes.p", "outside the mesh"]),
}


@pytest.mark.parametrize("kind", sorted(REPRODUCTIONS))
def test_nonsense_input_exits_2_naming_the_cause(kind, tmp_path, capsys):
    case, sets, expect = REPRODUCTIONS[kind]
    out = tmp_path / "out"
    args = ["run", str(CASES / case), "--out", str(out), "--set", "outputs.render=false"]
    for s in sets:
        args += ["--set", s]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for e in expect:
        assert e in err, (e, err)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]


def test_zero_power_reports_balance_in_watts(tmp_path):
    """No heat input and a fixed-temperature bottom: T is uniform, the summary carries the
    absolute imbalance in W and a relative one against the round-off scale, not 1.0."""
    import json

    out = tmp_path / "out"
    assert main(["run", str(CASES / "multilayer_stack.toml"), "--out", str(out),
                 "--set", "outputs.render=false", "--set", "geometry.bottom=temperature",
                 "--set", "geometry.T_bottom=300",
                 "--set", 'geometry.sources=[{name="chip", size=0.01, power=0.0}]']) == 0
    s = json.loads((out / "summary.json").read_text())
    assert all(abs(r["T_max"] - 300.0) < 1e-9 for r in s["regions"].values())
    assert 0.0 <= s["energy_balance_W"] < 1e-9
    assert s["energy_balance"] <= 1e-6
