"""An anisotropic material in an axisymmetric (r–z) model: the fast kernel (per-point path, its
geometry weighted by 2πr) equals ``skfem.asm`` of the revolved tensor forms, whole run against
whole run, for a constant and a T-dependent principal value."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from femtbr.pipeline import load_case, run

CASE = Path(__file__).resolve().parents[1] / "cases" / "graphite_spreader.toml"
K = {
    "constant": 'materials.spreader.k={in_plane="1500 W/m/K", through_plane="8 W/m/K"}',
    "table": 'materials.spreader.k={in_plane={T=[250, 400], k=[1700, 1300]}, '
             'through_plane="8 W/m/K"}',
}


def _summary(k: str, backend: str) -> dict:
    over = ["geometry.dim=2", "geometry.axisymmetric=true", "outputs.render=false", k,
            f"solver.backend={backend}"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(load_case(CASE, over), write=False).summary


@pytest.mark.parametrize("kind", sorted(K))
def test_revolved_tensor_conduction_same_on_both_backends(kind):
    fast, ref = _summary(K[kind], "fast"), _summary(K[kind], "skfem")
    assert fast["axisymmetric"] and ref["axisymmetric"]
    for s in (fast, ref):
        assert s["energy_balance"] <= 1e-8
    for key in ("T_max", "T_mean"):
        assert fast["regions"]["spreader"][key] == pytest.approx(
            ref["regions"]["spreader"][key], rel=1e-12)
    for name, b in fast["boundaries"].items():
        assert b["heat"] == pytest.approx(ref["boundaries"][name]["heat"], rel=1e-9, abs=1e-12)
