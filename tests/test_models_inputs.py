"""Bad evaluation points (T, p) are rejected by every model; check-time operating-point checks."""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from femtbr.errors import CaseError, ModelError
from femtbr.models import _surface as surf
from femtbr.models import available, check_operating_point, create

CONTACT = {"k_s": 100.0, "sigma": 1e-6, "m": 0.1, "H_c": 1e9}

#: one valid parameter set per registered model (elastoplastic refuses to build: documented)
PARAMS = {
    "amm": {"side_a": "copper", "side_b": "silicon"},
    "dmm": {"side_a": "copper", "side_b": "silicon"},
    "phonon_radiation_limit": {"side_a": "copper", "side_b": "silicon"},
    "grain_boundary": {"material": "silicon", "clear_fraction": 0.5},
    "phonon_table": {"frequency": [1e11, 1e12], "transmission": [0.5, 0.5], "side": "silicon",
                     "other_side": "copper"},
    "fluctuation_dissipation": {"sigma": 100.0},
    "constant": {"h": 1e4},
    "table": {"T": [100.0, 400.0], "h": [1e4, 2e4]},
    "gap_radiation": {"emissivity1": 0.5, "emissivity2": 0.5},
    "cmy": CONTACT,
    "mikic_elastic": {"k_s": 100.0, "sigma": 1e-6, "m": 0.1, "E_prime": 1e11},
    "contact": {**CONTACT, "E_prime": 1e11},
    "microcontact": {**CONTACT, "spot_density": 1e8},
    "gas_gap": {**CONTACT, "gas": "air", "tac1": 0.8, "tac2": 0.8},
    "joint": {**CONTACT, "E_prime": 1e11, "gas": "air", "tac1": 0.8, "tac2": 0.8,
              "emissivity1": 0.5, "emissivity2": 0.5},
    "series": {"parts": [{"model": "constant", "h": 1e4}, {"model": "constant", "h": 2e4}]},
    "parallel": {"parts": [{"model": "constant", "h": 1e4}, {"model": "constant", "h": 2e4}]},
    "spin_kapitza": {"up": 1e-8, "down": 2e-8},
    "bond_line": {"k_tim": 4.0, "particle_diameter": 30e-6, "yield_stress": 2e3, "sigma1": 1e-6,
                  "sigma2": 1e-6, "k1": 390.0, "k2": 200.0},
}

BAD = [
    ("T", math.nan, 1e5),
    ("T", math.inf, 1e5),
    ("T", 0.0, 1e5),
    ("T", -5.0, 1e5),
    ("p", 300.0, math.nan),
    ("p", 300.0, math.inf),
    ("p", 300.0, -1.0),
]


def test_every_registered_model_is_covered():
    assert set(available()) - {"elastoplastic"} <= set(PARAMS)


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_model_evaluates_at_a_good_point(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = create(name, **PARAMS[name])
        h, dh = model.conductance(np.array([300.0, 310.0]), np.array([1e6, 1e6]))
    assert np.all(np.isfinite(h)) and np.all(h >= 0) and np.all(np.isfinite(dh))


@pytest.mark.parametrize("quantity,T,p", BAD)
@pytest.mark.parametrize("name", sorted(PARAMS))
def test_model_rejects_bad_point(name, quantity, T, p):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = create(name, **PARAMS[name])
    # one bad value in an otherwise good array is enough
    Ts = np.array([300.0, T])
    ps = np.array([1e6, p])
    with pytest.raises(ModelError) as info:
        model.conductance(Ts, ps)
    assert info.value.quantity == quantity
    assert info.value.model == name
    assert f"model {name!r}" in str(info.value)


def test_a_part_inside_a_composition_is_checked_by_the_composition_first():
    model = create("series", parts=[{"model": "constant", "h": 1e4, "label": "glue"}])
    with pytest.raises(ModelError) as info:
        model.conductance(-1.0, 0.0)
    assert info.value.model == "series"


def _system_conductance(model, pressure, Tbar):
    from femtbr.fem.assembly.assemble import System

    itf = SimpleNamespace(name="tim2_heatsink", pressure=pressure, model=model)
    return System.conductance(None, itf, np.asarray(Tbar, float))


def test_fem_reports_a_bad_pressure_at_the_case_key_path():
    model = create("cmy", **CONTACT)
    with pytest.raises(CaseError) as info:
        _system_conductance(model, math.nan, [300.0, 301.0])
    (key, msg), = info.value.problems
    assert key == "interfaces.tim2_heatsink.pressure"
    assert "cmy" in msg


def test_fem_reports_a_bad_temperature_at_the_interface_key():
    model = create("amm", side_a="copper", side_b="silicon")
    with pytest.raises(CaseError) as info:
        _system_conductance(model, 0.0, [300.0, -2.0])
    (key, msg), = info.value.problems
    assert key == "interfaces.tim2_heatsink"
    assert "amm" in msg and "at T = -2" in msg


def test_check_operating_point_rejects_pressure_above_hardness():
    model = create("cmy", **CONTACT)
    check_operating_point(model, 1e6)  # P/H_c = 1e-3: fine
    with pytest.raises(ModelError) as info:
        check_operating_point(model, 1e12)
    assert info.value.quantity == "p" and "cmy" in str(info.value)


def test_femtbr_check_rejects_pressure_1e12():
    from femtbr.pipeline import load_case

    with pytest.raises(CaseError) as info:
        load_case("cases/si_cu_pressed_vs_bonded.toml",
                  overrides=["interfaces.si_cu.pressure=1e12"])
    keys = [k for k, _ in info.value.problems]
    assert "interfaces.si_cu.pressure" in keys


@pytest.mark.parametrize("p", [0.0, 50.0])  # P/H_c = 0 and 5e-8, both below 1e-6
def test_cmy_warns_below_its_range(p):
    model = create("cmy", **CONTACT)
    with pytest.warns(surf.RangeWarning, match=r"P/H_c .* outside the validity range"):
        model.conductance(300.0, p)


def test_cmy_does_not_warn_inside_its_range():
    model = create("cmy", **CONTACT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.conductance(300.0, 1e6)  # P/H_c = 1e-3


@pytest.mark.parametrize("verb", ["check", "run"])
def test_cli_names_the_interface_pressure_for_pressure_above_hardness(verb, capsys, tmp_path):
    from femtbr.cli import main

    args = [verb, "cases/si_cu_pressed_vs_bonded.toml", "--set", "interfaces.si_cu.pressure=1e12"]
    if verb == "run":
        args += ["--out", str(tmp_path / "out")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "interfaces.si_cu.pressure" in err and "cmy" in err and "cmy.p:" not in err
