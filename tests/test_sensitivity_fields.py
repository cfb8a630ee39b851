"""Adjoint sensitivities for the inputs added with anisotropy, pressure fields and r–z models,
against central differences of full solves (step 1e-4 relative; truncation ~1e-8, so 1e-6 is a
tolerance the adjoint can fail): a factor on a conductivity tensor, a factor on a screw-clamp
pressure field, and the pressure and conductivity of an axisymmetric contact."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from femtbr.pipeline import load_case, run

CASES = Path(__file__).resolve().parents[1] / "cases"
STEP = 1e-4


def _run(name: str, over: list[str], outputs: list[str] | None = None):
    case = load_case(CASES / f"{name}.toml", [*over, "outputs.render=false"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(case, write=False, sensitivity=outputs).summary


def _adjoint(summary: dict, output: str, key: str) -> tuple[float, float]:
    row = next(p for p in summary["sensitivities"][output]["parameters"] if p["parameter"] == key)
    return row["derivative"], row["value"]


def test_conductivity_tensor_scale():
    coarse = ["geometry.mesh_size=5 mm", "geometry.edge_size=1.25 mm"]
    out = "regions.spreader.T_mean"
    a, _ = _adjoint(_run("graphite_spreader", coarse, [out]), out, "materials.spreader.k_scale")
    T = [_run("graphite_spreader", [*coarse, f'materials.spreader.k={{in_plane="{1500 * s} W/m/K",'
                                               f' through_plane="{8 * s} W/m/K"}}'])
         ["regions"]["spreader"]["T_mean"] for s in (1 + STEP, 1 - STEP)]
    assert a == pytest.approx((T[0] - T[1]) / (2 * STEP), rel=1e-6)


def test_pressure_field_scale():
    case = load_case(CASES / "screw_clamped_heatsink.toml")
    name = next(n for n, s in case.interfaces.items() if not isinstance(s.pressure, float))
    force = case.interfaces[name].pressure.screw_force
    out = "regions.spreader.T_mean"
    a, _ = _adjoint(_run("screw_clamped_heatsink", [], [out]), out,
                    f"interfaces.{name}.pressure_scale")
    T = [_run("screw_clamped_heatsink", [f"interfaces.{name}.pressure.screw_force={force * s}"])
         ["regions"]["spreader"]["T_mean"] for s in (1 + STEP, 1 - STEP)]
    assert a == pytest.approx((T[0] - T[1]) / (2 * STEP), rel=1e-6)


@pytest.mark.parametrize("key", ["interfaces.upper_lower.pressure", "materials.upper.k"])
def test_axisymmetric_contact(key):
    out = "interfaces.upper_lower.heat"
    a, value = _adjoint(_run("cylinder_contact_rz", [], [out]), out, key)
    Q = [_run("cylinder_contact_rz", [f"{key}={value * s}"])["interfaces"]["upper_lower"]["heat"]
         for s in (1 + STEP, 1 - STEP)]
    assert a == pytest.approx((Q[0] - Q[1]) / (2 * STEP * value), rel=1e-6)
