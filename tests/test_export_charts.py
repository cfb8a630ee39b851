"""breakdown.png and profile.png: the charts show the numbers physics fixes."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from stack_cases import FIXED_BOTTOM_CONTACT, stack_geometry

from femtbr.export.charts import plot_breakdown, plot_vertical_profile, vertical_profile
from femtbr.materials import get
from femtbr.pipeline import load, run

# Silicon on copper, 2D, uniform flux q = 20 W/m / 4 mm = 5000 W/m² on the top, bottom at 300 K,
# a constant contact h = 1e5 W/m²K: one-dimensional conduction (Incropera eq. 3.19).
STACK = stack_geometry(mesh_size="0.25 mm") + FIXED_BOTTOM_CONTACT
Q, H, T0 = 5000.0, 1e5, 300.0


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    path = tmp_path_factory.mktemp("chart") / "small.toml"
    path.write_text(textwrap.dedent(STACK))
    return run(load(path), write=False)


def test_vertical_profile_is_the_1d_solution_with_the_interface_jump(solved):
    seg = vertical_profile(solved.solution)
    assert set(seg) == {"die", "cu"}
    y_cu, T_cu = seg["cu"]
    y_die, T_die = seg["die"]
    assert y_cu.min() == pytest.approx(0.0, abs=1e-12) and y_cu.max() == pytest.approx(1e-3)
    assert y_die.min() == pytest.approx(1e-3) and y_die.max() == pytest.approx(1.5e-3)
    k_cu = float(get("copper").conductivity(np.array([T0]))[0][0])
    # copper: T = T0 + q y / k (k varies ~1e-6 relative over the 12 mK rise)
    np.testing.assert_allclose(T_cu - T0, Q * y_cu / k_cu, rtol=1e-5, atol=1e-9)
    # the jump at the interface is q / h
    assert T_die[0] - T_cu[-1] == pytest.approx(Q / H, rel=1e-6)
    # silicon: linear with slope q / k_si
    k_si = float(get("silicon").conductivity(np.array([T_die.mean()]))[0][0])
    slope = np.polyfit(y_die, T_die, 1)[0]
    assert slope == pytest.approx(Q / k_si, rel=1e-3)


def test_charts_are_written_and_skipped_when_they_do_not_apply(solved, tmp_path):
    png = plot_breakdown(solved.summary["breakdown"], tmp_path / "breakdown.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot_breakdown({"junction_to_ambient": None, "note": "x"}, tmp_path / "b.png") is None
    assert not (tmp_path / "b.png").exists()
    prof = plot_vertical_profile(solved.solution, tmp_path / "profile.png")
    assert prof.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
