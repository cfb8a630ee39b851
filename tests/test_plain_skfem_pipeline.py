"""The plain scikit-fem pipeline of the benchmarks solves the same problem as ``femtbr run``.

``benchmarks/plain_skfem_pipeline.py`` is the baseline of the "≥ 5× the plain scikit-fem
pipeline" ratio (issue 11): the ratio only means something if both solve the same problem.
On a coarse main job (k(T) in silicon, copper and aluminium; DMM + bond, constant and bond-line
interfaces; convection; the die source) the two must agree to the Newton tolerance, and the
plain solution must shed exactly the die's 95 W (energy conservation, fixed by the case).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from femtbr.errors import InputError
from femtbr.fem.values.pressure import PressureField

ROOT = Path(__file__).resolve().parents[1]
CASE = str(ROOT / "cases" / "cpu_heatsink.toml")
OVERRIDES = ["geometry.refine=0.5", "outputs.render=false"]


def _module():
    spec = importlib.util.spec_from_file_location(
        "plain_skfem_pipeline", ROOT / "benchmarks" / "plain_skfem_pipeline.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses resolve their annotations through it
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def plain():
    return _module()


@pytest.fixture(scope="module")
def solved(plain):
    case, problem = plain.load_problem(CASE, OVERRIDES)
    return case, problem, plain.solve_plain(problem)


@pytest.mark.slow
def test_plain_pipeline_equals_femtbr_run(plain, solved):
    """Same temperatures (DOF by DOF) and the same R_ja as the femtbr pipeline, to the Newton
    tolerance (relative residual 1e-10 on both sides: 1e-6 of the temperature rise is far
    above the solver error and far below any modelling difference)."""
    from femtbr.pipeline.load import load
    from femtbr.pipeline.runner import run

    case, problem, res = solved
    ref = run(load(CASE, OVERRIDES), write=False)
    T_ref = np.asarray(ref.solution.temperature)
    assert res.T.shape == T_ref.shape
    T_amb = 298.15  # the case's 25 degC
    rise = T_ref.max() - T_amb
    assert rise > 10.0  # a real 95 W problem, not a trivial one
    assert np.abs(res.T - T_ref).max() <= 1e-6 * rise
    R_ja = ref.summary["breakdown"]["junction_to_ambient"]
    assert plain.junction_to_ambient(case, problem, res) == pytest.approx(R_ja, rel=1e-6)
    assert res.history[-1] <= problem.options.rtol


@pytest.mark.slow
def test_plain_pipeline_conserves_the_die_power(solved):
    """Heat leaving through the convective boundaries (the forms' functional) equals the
    95 W put into the die (the case's die_power)."""
    from femtbr.fem import Convection
    from femtbr.skfem import forms

    _, problem, res = solved
    out = 0.0
    for name, bc in problem.boundaries.items():
        assert isinstance(bc, Convection)  # the main job: convection only
        fb = res.split.boundaries[name]
        out += forms.convection_heat.assemble(fb, T=fb.interpolate(res.T), film=bc.h,
                                              T_inf=bc.T_inf)
    assert out == pytest.approx(95.0, rel=1e-8)


def test_plain_pipeline_fixed_temperature_and_flux_case(plain):
    """The condense path: a 2D Al/Si/diamond stack with its bottom held at 300 K, a flux
    into the top, k(T) in every layer and DMM h(T̄) at both interfaces gives femtbr's
    temperatures; the fixed DOFs stay at 300 K exactly."""
    from femtbr.pipeline.load import load
    from femtbr.pipeline.runner import run

    path = str(ROOT / "cases" / "thin_film_kapitza.toml")
    _, problem = plain.load_problem(path)
    res = plain.solve_plain(problem)
    T_ref = np.asarray(run(load(path), write=False).solution.temperature)
    bottom = res.split.basis.get_dofs("bottom").all()
    assert bottom.size > 0 and np.all(res.T[bottom] == 300.0)
    rise = T_ref.max() - 300.0
    assert rise > 1.0
    assert np.abs(res.T - T_ref).max() <= 1e-6 * rise


def test_plain_pipeline_names_what_it_does_not_solve(plain):
    """A pressure profile (PressureField) is femtbr machinery the plain pipeline does not
    reimplement: refused naming the interface's key, before any assembly."""
    _, problem = plain.load_problem(CASE, ["geometry.refine=0.3"])
    spec = problem.interfaces["lid_tim2"]
    profile = PressureField((lambda x: np.ones(len(x)),), (10.0,))
    bad = dataclasses.replace(problem, interfaces={
        **problem.interfaces, "lid_tim2": dataclasses.replace(spec, pressure=profile)})
    with pytest.raises(InputError, match=r"interfaces\.lid_tim2\.pressure"):
        plain.solve_plain(bad)
