"""``cases/screw_clamped_heatsink.toml``: screw-pattern contact pressure against uniform
pressure at the same force, the surface outputs of a 1D stack against its closed form, and the
case layer's pressure forms (tables, CSV, profiles, errors)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from femtbr.cli import main
from femtbr.errors import FemtbrError
from femtbr.pipeline import load_case, run

CASE = Path(__file__).resolve().parents[1] / "cases" / "screw_clamped_heatsink.toml"
KEY = "interfaces.spreader_base.pressure"
UNIFORM = f'{KEY}={{profile = "uniform", force = "400 N"}}'

# the case's numbers, restated (SI)
W, P = 40e-3, 80.0  # plate width [m], power [W]
A = W * W
T_INF, H_FINS = 308.15, 1500.0
LAYERS = [(3e-3, 390.0), (6e-3, 200.0)]  # (thickness [m], k [W/(m K)]) top to bottom
SCREWS = [(5e-3, 5e-3), (35e-3, 5e-3), (5e-3, 35e-3), (35e-3, 35e-3)]
F_SCREW, SPREAD = 100.0, 6e-3
K_S, SIGMA, H_C, H_GAS = 259.0, 1.5e-6, 1.1e9, 2500.0


def h_joint(p):
    """CMY plastic correlation h_c = 1.25 k_s (m/σ)(p/H_c)^0.95 (Yovanovich 2005, eq. 22),
    m = 0.125 (σ/1 µm)^0.402 (Antonetti 1991), plus the constant gas part [W/(m² K)]."""
    m = 0.125 * (SIGMA / 1e-6) ** 0.402
    return 1.25 * K_S * (m / SIGMA) * (np.asarray(p) / H_C) ** 0.95 + H_GAS


def screw_pressure_on_grid(n: int = 800):
    """The screw pattern on an n × n midpoint grid of the interface, each Gaussian normalised
    on that grid to its screw's force (independent of the FE quadrature)."""
    x = (np.arange(n) + 0.5) * W / n
    X, Y = np.meshgrid(x, x)
    dA = (W / n) ** 2
    p = np.zeros_like(X)
    for sx, sy in SCREWS:
        g = np.exp(-((X - sx) ** 2 + (Y - sy) ** 2) / (2 * SPREAD**2))
        p += F_SCREW * g / (g.sum() * dA)
    return p, dA


def solve(overrides=()):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # correlation-range warnings are the models' business
        return run(load_case(CASE, list(overrides)), write=False).summary


@pytest.fixture(scope="module")
def both():
    return solve(), solve([UNIFORM])


def test_uniform_pressure_is_the_1d_series_formula_with_surface_outputs(both):
    """Uniform flux on top, uniform h, convection below: T is 1D in z, so every surface figure
    follows from the series formula."""
    s = both[1]
    h_u = float(h_joint(400.0 / A))
    T_bottom = T_INF + P / (H_FINS * A)
    T_low = T_bottom + P * LAYERS[1][0] / (LAYERS[1][1] * A)  # base side of the joint
    T_high = T_low + P / (h_u * A)  # spreader side
    T_top = T_high + P * LAYERS[0][0] / (LAYERS[0][1] * A)
    top, bottom, sides = (s["boundaries"][n] for n in ("source_chip", "bottom", "sides"))
    for key in ("T_mean", "T_min", "T_max"):
        assert top[key] == pytest.approx(T_top, rel=1e-11), key
        assert bottom[key] == pytest.approx(T_bottom, rel=1e-11), key
    assert (top["heat"], bottom["heat"], sides["heat"]) == pytest.approx((-P, P, 0.0), abs=1e-7)
    assert top["area"] == pytest.approx(A, rel=1e-12)
    # the sides span the whole height: min/max are the bottom/top; the area-weighted mean of
    # the piecewise-linear profile is Σ_layers t (T_lo + T_hi)/2 over the height
    t1, t2 = LAYERS[0][0], LAYERS[1][0]
    mean_sides = (t2 * 0.5 * (T_bottom + T_low) + t1 * 0.5 * (T_high + T_top)) / (t1 + t2)
    assert sides["T_mean"] == pytest.approx(mean_sides, rel=1e-11)
    assert (sides["T_min"], sides["T_max"]) == pytest.approx((T_bottom, T_top), rel=1e-11)
    assert sides["area"] == pytest.approx(4 * W * (t1 + t2), rel=1e-12)
    pr = s["interfaces"]["spreader_base"]["pressure"]
    assert pr["force"] == pytest.approx(400.0, rel=1e-12)
    assert pr["min"] == pytest.approx(pr["max"], rel=1e-12)


def test_screws_run_hotter_than_uniform_within_the_variational_bounds(both):
    """Same 400 N: the junction (mean temperature of the heated top) is hotter with screws.

    For a prescribed flux, the power-weighted resistance R = (T̄_top − T∞)/P obeys Thomson's
    and Dirichlet's principles: letting heat spread sideways without resistance lowers R to
    the 1D series value with the joint conductance ∫h dA (parallel average); forbidding any
    sideways flow raises it to independent columns, joint ⟨1/h⟩/A.  The uniform case is 1D, so
    P(1/∫h dA − 1/(h_u A)) ≤ ΔT ≤ P(⟨1/h⟩ − 1/h_u)/A, with h(p(x)) computed here from the
    screw formula and the CMY correlation, independently of the FE pressure path."""
    screws, uniform = both
    dT = screws["boundaries"]["source_chip"]["T_mean"] - uniform["boundaries"]["source_chip"][
        "T_mean"]
    p, dA = screw_pressure_on_grid()
    h = h_joint(p)
    h_u = float(h_joint(400.0 / A))
    lower = P * (1.0 / float(np.sum(h) * dA) - 1.0 / (h_u * A))
    upper = P * (float(np.mean(1.0 / h)) - 1.0 / h_u) / A
    assert 0 < lower < dT < upper
    assert dT > 5 * lower  # the sideways detour, not the concavity of h(p), dominates here
    pr = screws["interfaces"]["spreader_base"]["pressure"]
    assert pr["force"] == pytest.approx(400.0, rel=1e-9)
    assert pr["mean"] == pytest.approx(400.0 / A, rel=1e-9)
    assert pr["max"] == pytest.approx(p.max(), rel=0.02)
    assert pr["min"] == pytest.approx(p.min(), rel=0.1)
    # the h-weighted mean pressure, from the grid
    assert pr["h_weighted_mean"] == pytest.approx(float(np.sum(h * p) / np.sum(h)), rel=0.01)
    assert screws["interfaces"]["spreader_base"]["h_mean"] == pytest.approx(float(h.mean()),
                                                                            rel=0.01)


def test_pressure_table_and_csv_forms(tmp_path):
    """A constant table equals the scalar; a linear table is reproduced exactly (linear
    interpolation on the Delaunay triangulation); CSV reads the same rows."""
    rows = [[0.0, 0.0, 2e5], [W, 0.0, 4e5], [0.0, W, 2e5], [W, W, 4e5]]
    (tmp_path / "p.csv").write_text("x,y,p\n" + "\n".join(",".join(map(str, r)) for r in rows))
    flat = [[r[0], r[1], 3e5] for r in rows]
    s_const = solve([f"{KEY}={{points = {flat}}}"])
    s_scalar = solve([f"{KEY}=3e5"])
    a, b = (s["boundaries"]["source_chip"]["T_mean"] for s in (s_const, s_scalar))
    assert a == pytest.approx(b, rel=1e-13)
    s_tab = solve([f"{KEY}={{points = {rows}}}"])
    s_csv = solve([f'{KEY}={{csv = "{tmp_path / "p.csv"}"}}'])
    pr = s_tab["interfaces"]["spreader_base"]["pressure"]
    assert pr["mean"] == pytest.approx(3e5, rel=1e-12)  # linear in x: the mean is the midpoint
    assert (pr["min"], pr["max"]) == pytest.approx((2e5, 4e5), rel=0.05)
    assert s_csv["interfaces"]["spreader_base"]["pressure"] == pytest.approx(pr, rel=1e-12)


@pytest.mark.parametrize(("value", "message"), [
    ('{profile = "screws", screw_force = "10 N"}', "requires screws, spread"),
    ('{profile = "uniform", force = "1 N", spread = "1 mm"}', "does not take spread"),
    ('{points = [[0, 0, -1e5], [1, 0, 1e5], [0, 1, 1e5]]}', ">= 0"),
    ('{profile = "parabolic", force = "-5 N"}', "must be >= 0"),
    ('{csv = "p.csv", profile = "uniform", force = "1 N"}', "exactly one of"),
])
def test_bad_pressure_values_name_the_key(value, message, capsys):
    assert main(["check", str(CASE), "--set", f"{KEY}={value}"]) == 2
    err = capsys.readouterr().err
    assert KEY in err and message in err, err


def test_pressure_off_the_interface_is_a_case_error():
    with pytest.raises(FemtbrError, match=r"spreader_base\.pressure"):
        solve([f'{KEY}={{profile = "screws", screws = [["5 m", "5 m"]], screw_force = "1 N", '
               f'spread = "1 mm"}}'])


def test_parabolic_profile_peaks_at_the_centre():
    """p = p₀(1 − (r/R)²) with R the half-diagonal by default: the peak is p₀ = F/∫(1−r²/R²)dA,
    ∫ over the square of side W with R = W/√2: W² − (W⁴/6)/R² = 2W²/3."""
    s = solve([f'{KEY}={{profile = "parabolic", force = "400 N"}}'])
    pr = s["interfaces"]["spreader_base"]["pressure"]
    p0 = 400.0 / (2 * W * W / 3)
    assert pr["force"] == pytest.approx(400.0, rel=1e-12)
    assert pr["max"] <= p0 and pr["max"] == pytest.approx(p0, rel=0.02)
    assert pr["min"] >= 0 and pr["min"] < 0.1 * p0
    assert math.isfinite(pr["h_weighted_mean"])


def test_interfaces_vtu_shows_the_pressure(tmp_path):
    """A pressure linear in x (table): ``pressure`` cell data is p at the facet centres, point
    data the mean of the surrounding facets: on this graded mesh the facets' mean centre sits
    off the vertex by a fraction of a cell, so the linear field is matched to 1 %."""
    import meshio

    rows = [[0.0, 0.0, 2e5], [W, 0.0, 4e5], [0.0, W, 2e5], [W, W, 4e5]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(load_case(CASE, [f"{KEY}={{points = {rows}}}"]), out_dir=tmp_path, write=True)
    m = meshio.read(tmp_path / "interfaces.vtu")
    centres = m.points[m.cells[0].data].mean(axis=1)
    np.testing.assert_allclose(m.cell_data["pressure"][0], 2e5 + 2e5 * centres[:, 0] / W,
                               rtol=1e-12)
    x = m.points[:, 0]
    inner = (x > 1e-9) & (x < W - 1e-9) & (m.points[:, 1] > 1e-9) & (m.points[:, 1] < W - 1e-9)
    np.testing.assert_allclose(m.point_data["pressure"][inner], 2e5 + 2e5 * x[inner] / W,
                               rtol=1e-2)
    assert np.all(np.isfinite(m.point_data["pressure"]))
