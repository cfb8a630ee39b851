"""Adjoint sensitivities (issue 16, item 1) against closed forms and finite differences of full
solves.

* 1D stack (cases/multilayer_stack.toml): T_j = T∞ + q (1/h + Σ t_i/k_i + Σ 1/h_j) exactly
  (series resistances, Incropera 7th ed. eq. 3.19; P1 represents the piecewise-linear field
  exactly), so every derivative has a closed form computed here.
* A 3D stack with a k(T) material, a series DMM + constant interface, a CMY joint, a
  convection + radiation top, a fixed-temperature bottom, a flux footprint and a volumetric
  source; and the CPU–heatsink case on a coarse mesh (k(T) everywhere, DMM in series, bond
  line joints): adjoint dJ/dθ versus central differences of full solves (direct solver, Newton
  to 1e-12), step 1e-4 θ, agreement ≤ 1e-5 relative.  A derivative that vanishes physically
  (the heat through an interface that carries all the power) is compared against the floor
  1e-4 |J_ref/θ| instead of itself (J_ref: the output's rise over ambient, or its value).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from femtbr.fem.solve import discretize, solve_state
from femtbr.pipeline import load, run
from femtbr.pipeline.prepare import prepare
from femtbr.sensitivity import compute, problem_at
from femtbr.sensitivity.outputs import build_output

CASES = Path(__file__).resolve().parents[1] / "cases"
REL_TOL = 1e-5

STACK_3D = """
name = "adjoint_stack"
[geometry]
builder = "stack"
dim = 3
width = "4 mm"
layers = [
  { name = "die", material = "silicon", thickness = "0.5 mm" },
  { name = "tim", material = "indium", thickness = "0.1 mm" },
  { name = "base", material = "copper", thickness = "1 mm" },
]
sources = [{ name = "chip", size = "2 mm", power = "5 W" }]
bottom = "temperature"
T_bottom = "320 K"
mesh_size = "1 mm"
edge_size = "0.5 mm"

[materials.tim]
use = "indium"
k = "82 W/m/K"

[interfaces.die_tim]
model = "series"
parts = [{ model = "dmm" }, { model = "constant", h = "1e6 W/m^2/K" }]

[interfaces.tim_base]
model = "cmy"
pressure = "1 MPa"
sigma = "1.5 um"
m = 0.12
H_c = "1.0 GPa"

[boundaries.top]
type = "convection+radiation"
h = "20 W/m^2/K"
T_inf = "300 K"
emissivity = 0.8

[sources.die]
power = "1 W"

[probes]
centre = [0.0, 0.0, "1.5 mm"]

[report]
junction = "die"
"""


def _setup(path: Path, sets=()):
    loaded = load(path, sets)
    prep = prepare(loaded.case, loaded.geometry, materials=loaded.materials,
                   models=loaded.models)
    return loaded.case, prep.problem, discretize(prep.problem)


def _tight(problem):
    opts = dataclasses.replace(problem.options, linear_solver="direct", rtol=1e-12)
    return dataclasses.replace(problem, options=opts)


def _outputs_at(case, problem, disc, outputs):
    st = solve_state(problem, disc)
    return np.array([build_output(o, case, st.system, st.solution, st.T).value
                     for o in outputs])


def _check_fd(case, problem, disc, outputs, keys=None):
    state = solve_state(problem, disc)
    sens = compute(case, state, outputs)
    ref = np.abs(sens.reference)
    checked = set()
    for j, p in enumerate(sens.parameters):
        if keys is not None and p.key not in keys:
            continue
        checked.add(p.key)
        step = 1e-4 * abs(p.value) if p.value else 1.0

        def J(v, p=p):
            return _outputs_at(case, _tight(problem_at(case, problem, {p: v})), disc, outputs)

        if p.value:
            fd = (J(p.value + step) - J(p.value - step)) / (2 * step)
        else:  # pressure 0 of a pressure-independent model: one-sided, second order
            fd = (-3 * J(0.0) + 4 * J(step) - J(2 * step)) / (2 * step)
        ad = sens.derivatives[:, j]
        floor = 1e-4 * ref / max(abs(p.value), 1e-300)
        err = np.abs(ad - fd) / np.maximum(np.abs(fd), floor)
        assert np.all(err <= REL_TOL), (p.key, list(zip(outputs, ad, fd, err, strict=True)))
    if keys is not None:
        assert checked == set(keys)
    return sens


def test_stack_closed_form():
    """1D stack: every derivative of T_j and R_ja equals its series-formula value."""
    case, problem, disc = _setup(CASES / "multilayer_stack.toml")
    sens = compute(case, solve_state(problem, disc), ["T_junction", "R_ja"])
    q, h, T_inf = 10.0 / 0.01**2, 5000.0, 303.15
    layers = {"die": (0.5e-3, 148.0), "solder": (100e-6, 58.0), "spreader": (2e-3, 390.0)}
    joints = {"die_solder": 5e5, "solder_spreader": 1e6}
    R2 = 1 / h + sum(t / k for t, k in layers.values()) + sum(1 / g for g in joints.values())
    assert sens.values[0] == pytest.approx(T_inf + q * R2, rel=1e-12)
    expect = {"boundaries.bottom.h": -q / h**2, "boundaries.bottom.T_inf": 1.0,
              "boundaries.source_chip.q": R2}
    expect |= {f"materials.{n}.k": -q * t / k**2 for n, (t, k) in layers.items()}
    expect |= {f"interfaces.{n}.h": -q / g**2 for n, g in joints.items()}
    expect |= {f"interfaces.{n}.pressure": 0.0 for n in joints}
    got = sens.of("T_junction")
    assert set(got) == set(expect)
    for key, value in expect.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12 * abs(q * R2)), key
    A = 0.01**2  # R_ja = R''/A: independent of q and T_inf, dR/dθ = (dT_j/dθ)/(qA) otherwise
    r_ja = sens.of("R_ja")
    theta = {p.key: p.value for p in sens.parameters}
    for key, value in expect.items():
        want = 0.0 if key.endswith(("T_inf", ".q")) else value / (q * A)
        scale = R2 / A / max(abs(theta[key]), 1.0)  # the size of a normalised sensitivity 1
        assert r_ja[key] == pytest.approx(want, rel=1e-9, abs=1e-10 * scale), key
    rows = sens.rows("T_junction")
    assert rows[0]["parameter"] == "boundaries.bottom.T_inf"  # ±30 K beats ±2 K
    assert rows[1]["normalised"] == pytest.approx(1.0, rel=1e-9)  # q: T_j − T∞ ∝ q


def test_stack_finite_differences(tmp_path):
    """Every kind of parameter on a nonlinear 3D stack: adjoint = FD of full solves."""
    path = tmp_path / "stack.toml"
    path.write_text(STACK_3D)
    case, problem, disc = _setup(path)
    outputs = ["T_junction", "R_ja", "probes.centre", "regions.tim.T_mean",
               "boundaries.top.T_mean", "interfaces.tim_base.heat"]
    sens = _check_fd(case, problem, disc, outputs)
    kinds = {p.kind for p in sens.parameters}
    assert kinds == {"source", "boundary", "conductivity", "k_scale", "pressure", "interface"}
    names = {p.key for p in sens.parameters}
    assert {"boundaries.bottom.T", "boundaries.top.emissivity", "boundaries.source_chip.q",
            "interfaces.die_tim.parts[1].h", "interfaces.tim_base.sigma",
            "materials.die.k_scale", "sources.die.power"} <= names
    assert sens.of("T_junction")["interfaces.tim_base.pressure"] < 0  # CMY: h grows with P


@pytest.mark.slow
def test_cpu_heatsink_finite_differences():
    """The main job on a coarse mesh (k(T) everywhere, DMM in series, bond-line joints): one
    parameter of every kind, adjoint (AMG path) = FD of full direct solves."""
    case, problem, disc = _setup(CASES / "cpu_heatsink.toml", ["geometry.refine=0.5"])
    keys = ["sources.die.power", "boundaries.fins.h", "boundaries.fins.T_inf",
            "materials.heatsink.k_scale", "materials.tim2.k", "interfaces.die_tim1.parts[1].h",
            "interfaces.lid_tim2.pressure", "interfaces.lid_tim2.sigma1",
            "interfaces.tim2_heatsink.k_tim"]
    assert disc.n_dofs > 8000  # above the direct limit: the adjoint runs the AMG path
    _check_fd(case, problem, disc, ["T_junction", "R_ja", "probes.base_centre"], keys)


def test_run_reports_sensitivities(tmp_path):
    """``run(..., sensitivity=...)``: result.sensitivities, the summary section, tornado.png."""
    loaded = load(CASES / "multilayer_stack.toml")
    result = run(loaded, out_dir=tmp_path / "out", sensitivity=["T_junction"])
    section = result.summary["sensitivities"]["T_junction"]
    assert section["value"] == pytest.approx(result.summary["regions"]["die"]["T_max"])
    changes = [abs(r["change_10pct"]) for r in section["parameters"]]
    assert changes == sorted(changes, reverse=True)
    assert result.sensitivities.of("T_junction")["boundaries.bottom.T_inf"] == pytest.approx(1)
    assert (tmp_path / "out" / "tornado.png").stat().st_size > 1000


def test_cli_run_sensitivity_prints_ranked_table(tmp_path, capsys):
    from femtbr.cli import main

    rc = main(["run", str(CASES / "multilayer_stack.toml"), "--out", str(tmp_path / "o"),
               "--quiet", "--sensitivity", "T_junction,probes.nowhere"])
    assert rc == 2  # an unknown output is bad input, named
    assert "sensitivity.outputs" in capsys.readouterr().err
    rc = main(["run", str(CASES / "multilayer_stack.toml"), "--out", str(tmp_path / "o"),
               "--quiet", "--sensitivity"])
    assert rc == 0
    text = capsys.readouterr().out
    lines = [ln for ln in text.splitlines() if ln.startswith("boundaries.bottom.")]
    assert lines[0].startswith("boundaries.bottom.T_inf") and "14.22" in lines[0]
    assert (tmp_path / "o" / "tornado.png").is_file()
