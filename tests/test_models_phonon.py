"""Phonon interface models: exact limits, detailed balance, published comparisons, derivatives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from phonon_reference import brekhovskikh_liquid_to_solid, liquid_gamma

from femtbr import models
from femtbr.errors import ModelError
from femtbr.models import _phonon as ph
from femtbr.models.grain_boundary import polycrystal_conductivity

HBAR, KB = 1.054571817e-34, 1.380649e-23
PAIRS = [("Al", "Si"), ("Au", "Si"), ("Al", "sapphire"), ("Pb", "diamond"), ("He4_liquid", "Cu"),
         ("Cu", "SS304")]
T_GRID = np.array([0.5, 3.0, 20.0, 77.0, 300.0, 1000.0])

#: the settings these tests check Swartz & Pohl's published formulas in (emitted-phonon
#: temperatures, one common Debye cutoff); the defaults are tested in test_models_conventions.py
SP_SETTINGS = {"temperature_convention": "emitted", "cutoff": "common"}


def make(name, **params):
    """``models.create`` with the Swartz-Pohl settings unless a test sets them itself."""
    if name in ("amm", "dmm", "phonon_radiation_limit"):
        params = {**SP_SETTINGS, **params}
    elif name == "grain_boundary":
        params = {"cutoff": "common", **params}
    elif name == "phonon_table":
        params = {"temperature_convention": "emitted", **params}
    return models.create(name, **params)


def fd_check(model, T, rel=1e-6):
    h, dh = model.conductance(T, 0.0)
    eps = 1e-6 * T
    hp, _ = model.conductance(T + eps, 0.0)
    hm, _ = model.conductance(T - eps, 0.0)
    fd = (hp - hm) / (2 * eps)
    np.testing.assert_allclose(dh, fd, rtol=rel, atol=1e-9 * np.max(np.abs(h) / T))


def test_low_T_prefactor_value():
    # π² k_B⁴ / (30 ħ³) (Swartz & Pohl 1989, low-T limit)
    assert ph.LOW_T_PREFACTOR == pytest.approx(1.019256e10, rel=1e-6)
    assert math.pi**2 * KB**4 / (30 * HBAR**3) == pytest.approx(1.019256e10, rel=1e-6)


@pytest.mark.parametrize("mat", ["Si", "Cu", "diamond", "Pb"])
def test_amm_identical_is_transparent_and_equals_radiation_limit(mat):
    amm = make("amm", side_a=mat, side_b=mat)
    assert all(g == pytest.approx(1.0, abs=1e-12) for g in amm.gammas().values())
    prl = make("phonon_radiation_limit", side_a=mat, side_b=mat)
    np.testing.assert_allclose(amm.conductance(T_GRID, 0)[0], prl.conductance(T_GRID, 0)[0],
                               rtol=1e-12)
    dmm = make("dmm", side_a=mat, side_b=mat)
    assert dmm.transmission() == pytest.approx(0.5, abs=1e-15)
    np.testing.assert_allclose(dmm.conductance(T_GRID, 0)[0], 0.5 * amm.conductance(T_GRID, 0)[0],
                               rtol=1e-12)


@pytest.mark.parametrize(("a", "b"), PAIRS)
@pytest.mark.parametrize("name", ["amm", "dmm"])
def test_detailed_balance(name, a, b):
    m = make(name, side_a=a, side_b=b)
    np.testing.assert_allclose(m.conductance_from(T_GRID, "a"), m.conductance_from(T_GRID, "b"),
                               rtol=1e-10)
    swapped = make(name, side_a=b, side_b=a)
    np.testing.assert_allclose(m.conductance(T_GRID, 0)[0], swapped.conductance(T_GRID, 0)[0],
                               rtol=1e-10)


def amm_gamma_reference(rho1, c1, rho2, c2, shear):
    """Γ = 2∫ α cosθ sinθ dθ by adaptive quadrature over θ1 (independent of the t-substitution).

    α: L waves 4Z1Z2 cos1 cos2/(Z1 cos2 + Z2 cos1)²; SH waves 4Z1Z2 cos1 cos2/(Z1 cos1 + Z2 cos2)².
    """
    from scipy.integrate import quad

    Z1, Z2 = rho1 * c1, rho2 * c2

    def f(th):
        s2 = math.sin(th) * c2 / c1
        if s2 >= 1.0:
            return 0.0
        c1_, c2_ = math.cos(th), math.sqrt(1 - s2 * s2)
        den = (Z1 * c1_ + Z2 * c2_) if shear else (Z1 * c2_ + Z2 * c1_)
        return 2 * 4 * Z1 * Z2 * c1_ * c2_ / den**2 * c1_ * math.sin(th)

    brk = [math.asin(c1 / c2)] if c2 > c1 else None
    return quad(f, 0, math.pi / 2, points=brk, epsabs=0, epsrel=1e-12, limit=200)[0]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_low_T_closed_form(a, b):
    from femtbr import materials

    ma, mb = materials.get(a), materials.get(b)
    speeds = [("L", ma.vL, mb.vL)]
    if ma.vT and mb.vT:
        speeds += [("T", ma.vT, mb.vT)] * 2
    S_amm = sum(amm_gamma_reference(ma.density, ca, mb.density, cb, j == "T") / ca**2
                for j, ca, cb in speeds)
    if (ma.phase == "liquid") != (mb.phase == "liquid"):  # mode conversion: Brekhovskikh
        sol, liq = (mb, ma) if ma.phase == "liquid" else (ma, mb)
        S_amm = liquid_gamma(sol.density, sol.vL, sol.vT, liq.density, liq.vL) / liq.vL**2
    Sa = sum(1 / c**2 for c in ([ma.vL, ma.vT, ma.vT] if ma.vT else [ma.vL]))
    Sb = sum(1 / c**2 for c in ([mb.vL, mb.vT, mb.vT] if mb.vT else [mb.vL]))
    S_dmm = Sa * Sb / (Sa + Sb)
    T = np.array([1e-3, 0.01, 0.1])  # far below every Debye temperature: pure T³
    for name, S in (("amm", S_amm), ("dmm", S_dmm)):
        m = make(name, side_a=a, side_b=b)
        h = m.conductance(T, 0)[0]
        np.testing.assert_allclose(h / T**3, 1.019256e10 * S, rtol=1e-6)


@pytest.mark.parametrize(("a", "b"), [("Al", "Si"), ("Pb", "diamond"), ("He4_liquid", "Cu")])
def test_factorised_table_matches_direct_double_quadrature(a, b):
    amm = make("amm", side_a=a, side_b=b)
    dmm = make("dmm", side_a=a, side_b=b)
    A, B = amm.sides("a")

    def alpha_amm(j, th):
        if A.liquid and not B.liquid:  # liquid L into solid L and SV (Brekhovskikh)
            return sum(brekhovskikh_liquid_to_solid(B.rho, B.speeds["L"], B.speeds["T1"], A.rho,
                                                    A.speeds["L"], th))
        c1, c2 = A.speeds[j], B.speeds.get(j)
        if c2 is None:
            return 0.0
        s2 = math.sin(th) * c2 / c1
        if s2 >= 1:
            return 0.0
        return float(ph.amm_alpha(A.rho * c1, B.rho * c2, math.cos(th), math.sqrt(1 - s2 * s2),
                                  j != "L"))

    a_dmm = dmm.transmission()
    for T in (2.0, 40.0, 300.0, 2000.0):
        ref = ph.direct_h(A, amm.theta_c, T, alpha_amm)
        assert amm.conductance(T, 0)[0] == pytest.approx(ref, rel=1e-6)
        ref = ph.direct_h(A, dmm.theta_c, T, lambda j, th: a_dmm)
        assert dmm.conductance(T, 0)[0] == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize("name", ["amm", "dmm", "phonon_radiation_limit"])
def test_high_T_saturation_classical_limit(name):
    m = make(name, side_a="Al", side_b="Si")
    # classical limit: h → P S Θ_c³/3 (J(x) → x³/3)
    h_inf = ph.P_PHONON * m.coefficient("a") * m.theta_c**3 / 3
    h, dh = m.conductance(np.array([1e4, 1e5]), 0)
    np.testing.assert_allclose(h, h_inf, rtol=1e-3)
    assert h[1] == pytest.approx(h_inf, rel=1e-5)
    assert np.all(dh > 0) and dh[1] * 1e5 < 1e-4 * h[1]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_radiation_limit_bounds_amm_and_dmm(a, b):
    T = np.geomspace(0.1, 2000, 40)
    prl = make("phonon_radiation_limit", side_a=a, side_b=b).conductance(T, 0)[0]
    for name in ("amm", "dmm"):
        h = make(name, side_a=a, side_b=b).conductance(T, 0)[0]
        assert np.all(h <= prl * (1 + 1e-12))
    soft = make("phonon_radiation_limit", side_a=a, side_b=b, side="a")
    assert np.all(soft.conductance(T, 0)[0] >= prl * (1 - 1e-12)) or a == "He4_liquid"


@pytest.mark.parametrize(("a", "b"), [("Al", "Si"), ("Au", "Si")])
def test_amm_and_dmm_agree_for_solid_pairs(a, b):
    # Swartz & Pohl (1989) Sec. V: for typical solid-solid pairs AMM and DMM are within ~30 %
    T = np.array([1.0, 10.0, 100.0, 300.0])
    h_a = make("amm", side_a=a, side_b=b).conductance(T, 0)[0]
    h_d = make("dmm", side_a=a, side_b=b).conductance(T, 0)[0]
    assert np.all(np.abs(h_d / h_a - 1) < 0.3)


def test_amm_and_dmm_orders_apart_for_helium():
    # Swartz & Pohl (1989) Sec. III-IV: the Kapitza anomaly, DMM ≫ AMM for He-4/solid
    T = np.array([0.1, 0.5, 1.0])
    for solid in ("Cu", "Si", "Au"):
        h_a = make("amm", side_a="He4_liquid", side_b=solid).conductance(T, 0)[0]
        h_d = make("dmm", side_a="He4_liquid", side_b=solid).conductance(T, 0)[0]
        assert np.all(h_d / h_a > 100)


@pytest.mark.parametrize(
    ("a", "b", "lo", "hi"),
    [("Al", "Si", 120e6, 350e6), ("Au", "Si", 71e6, 71e6), ("Al", "sapphire", 165e6, 305e6)],
)
def test_dmm_room_temperature_vs_tdtr(a, b, lo, hi):
    # TDTR: Al/Si 120-350, Au/Si 71, Al/sapphire 165-305 MW/m²K (Stevens et al. JHT 127, 315
    # (2005); Stoner & Maris PRB 48, 16373 (1993); Hopkins; Cahill group reviews)
    h = make("dmm", side_a=a, side_b=b).conductance(300.0, 0)[0]
    assert lo / 3 <= h <= hi * 3


def test_elastic_models_underpredict_pb_diamond():
    # measured 15-30 MW/m²K at 300 K (Stoner & Maris 1993; Lyeo & Cahill PRB 73, 144301 (2006))
    for name in ("amm", "dmm", "phonon_radiation_limit"):
        h = make(name, side_a="Pb", side_b="diamond").conductance(300.0, 0)[0]
        assert h < 15e6


def test_inline_sides_equal_library_sides():
    inline = {"rho": 2329.0, "vL": 8433.0, "vT": 5843.0, "theta_D": 645.0}
    a = make("dmm", side_a="Al", side_b=inline).conductance(T_GRID, 0)[0]
    b = make("dmm", side_a="Al", side_b="silicon").conductance(T_GRID, 0)[0]
    np.testing.assert_allclose(a, b, rtol=1e-14)
    over = make("dmm", side_a="Al", side_b={"use": "Si", "vT": 5000.0})
    assert over.conductance(300.0, 0)[0] != pytest.approx(b[4], rel=1e-3)


def test_cutoff_is_smaller_debye_temperature():
    m = make("dmm", side_a="Au", side_b="diamond")
    assert m.theta_c == 165.0
    m = make("amm", side_a="He4_liquid", side_b="Cu")
    assert m.theta_c == 343.0
    assert make("dmm", side_a="Au", side_b="Si", cutoff_temperature=100.0).theta_c == 100


ALL_MODELS = [
    ("amm", {"side_a": "Al", "side_b": "Si"}),
    ("amm", {"side_a": "He4_liquid", "side_b": "Cu"}),
    ("dmm", {"side_a": "Au", "side_b": "sapphire"}),
    ("phonon_radiation_limit", {"side_a": "Pb", "side_b": "diamond"}),
    ("fluctuation_dissipation", {"sigma": 2.0e3, "n": 4.5}),
    ("grain_boundary", {"material": "Si", "clear_fraction": 0.3}),
    ("grain_boundary", {"material": "Cu", "clear_fraction": 0.6,
                        "temperature_convention": "emitted"}),
    ("spin_kapitza", {"up": {"model": "dmm", "side_a": "Cu", "side_b": "Si"}, "down": 2e-9}),
]


@pytest.mark.parametrize(("name", "params"), ALL_MODELS)
def test_derivative_matches_finite_differences(name, params):
    m = make(name, **params)
    fd_check(m, np.geomspace(0.05, 3000.0, 57), rel=2e-6)


def test_fluctuation_dissipation_power_law():
    m = make("fluctuation_dissipation", sigma=123.0, n=4)
    T = np.array([0.1, 1.0, 10.0, 300.0])
    h, dh = m.conductance(T, 0)
    np.testing.assert_allclose(h, 4 * 123.0 * T**3, rtol=1e-14)
    np.testing.assert_allclose(dh, 12 * 123.0 * T**2, rtol=1e-14)
    # G is the derivative of the one-way flux: σ(T₁⁴ − T₂⁴)/(T₁ − T₂) → G as T₁ → T₂
    T1, T2 = 10.0 + 1e-4, 10.0 - 1e-4
    assert 123.0 * (T1**4 - T2**4) / (T1 - T2) == pytest.approx(m.conductance(10.0, 0)[0], rel=1e-8)


def test_grain_boundary_and_polycrystal_algebra():
    prl = make("phonon_radiation_limit", side_a="Si", side_b="Si")
    T = np.array([10.0, 300.0])
    h_rad = prl.conductance(T, 0)[0]
    em = make("grain_boundary", material="Si", clear_fraction=0.25,
              temperature_convention="emitted")
    np.testing.assert_allclose(em.conductance(T, 0)[0], 0.25 * h_rad, rtol=1e-14)
    eq = make("grain_boundary", material="Si", clear_fraction=0.25)
    np.testing.assert_allclose(eq.conductance(T, 0)[0], h_rad * 0.25 / 0.75, rtol=1e-14)
    # fully clear emitted boundary = AMM of identical solids
    full = make("grain_boundary", material="Si", clear_fraction=1.0,
                temperature_convention="emitted")
    amm = make("amm", side_a="Si", side_b="Si")
    np.testing.assert_allclose(full.conductance(T, 0)[0], amm.conductance(T, 0)[0], rtol=1e-12)
    # polycrystal: 1/k_eff = 1/k + R/d, exact algebra
    k_eff, _ = polycrystal_conductivity(150.0, 1e-9, 1e-6)
    assert 1 / k_eff == pytest.approx(1 / 150.0 + 1e-9 / 1e-6, rel=1e-15)
    assert polycrystal_conductivity(150.0, 0.0, 1e-6)[0] == pytest.approx(150.0, rel=1e-15)
    # the Kapitza length k R = d halves the conductivity
    assert polycrystal_conductivity(150.0, 1e-8, 150.0 * 1e-8)[0] == pytest.approx(75.0, rel=1e-14)
    with pytest.raises(ModelError, match="polycrystal_conductivity.d"):
        polycrystal_conductivity(150.0, 1e-9, 0.0)


def test_polycrystal_temperature_derivative():
    gb = make("grain_boundary", material="Si", clear_fraction=0.5)
    T = np.array([120.0, 333.0, 777.0])  # off the k(T) table nodes (kinks of the interpolant)
    k, dk = gb.effective_conductivity(T, 1e-7)
    kp, _ = gb.effective_conductivity(T * (1 + 1e-6), 1e-7)
    km, _ = gb.effective_conductivity(T * (1 - 1e-6), 1e-7)
    np.testing.assert_allclose(dk, (kp - km) / (2e-6 * T), rtol=1e-4)
    assert np.all(k < make("grain_boundary", material="Si", clear_fraction=0.5)
                  .effective_conductivity(T, 1e-5)[0])


def test_spin_channels_in_parallel():
    m = make("spin_kapitza", up=1e-9, down=4e-9)
    h, dh = m.conductance(np.array([10.0, 300.0]), 0)
    np.testing.assert_allclose(h, 1 / 1e-9 + 1 / 4e-9, rtol=1e-15)
    assert np.all(dh == 0)
    dmm = models.create("dmm", side_a="Cu", side_b="Si")  # the defaults, as in the table
    m = make("spin_kapitza", up={"model": "dmm", "side_a": "Cu", "side_b": "Si"}, down=dmm)
    T = np.array([5.0, 50.0, 300.0])
    np.testing.assert_allclose(m.conductance(T, 0)[0], 2 * dmm.conductance(T, 0)[0], rtol=1e-14)
    comps = m.components(T, 0)
    assert set(comps) == {"up", "down"}
    np.testing.assert_allclose(comps["up"] + comps["down"], m.conductance(T, 0)[0], rtol=1e-15)


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("amm", {"side_a": "unobtainium", "side_b": "Si"}, r"amm\.side_a.*unobtainium"),
        ("dmm", {"side_a": "Al", "side_b": {"rho": -1, "vL": 1.0, "vT": 1.0}},
         r"dmm\.side_b.*density"),
        ("dmm", {"side_a": "Al", "side_b": {"rho": 1e3, "vT": 1.0}}, r"dmm\.side_b.*'vL'"),
        ("amm", {"side_a": "air", "side_b": "Si"}, r"amm\.side_a.*gas"),
        ("amm", {"side_a": 3.0, "side_b": "Si"}, r"amm\.side_a"),
        ("dmm", {"side_a": {"rho": 1e3, "vL": 1e3, "vT": 5e2}, "side_b": "He4_liquid"},
         r"dmm\.side_a.*debye_temperature"),
        ("dmm", {"side_a": "Al", "side_b": "Si", "cutoff_temperature": -5.0},
         r"dmm\.cutoff_temperature"),
        ("phonon_radiation_limit", {"side_a": "Al", "side_b": "Si", "side": "c"},
         r"phonon_radiation_limit\.side"),
        ("fluctuation_dissipation", {"sigma": -1.0}, r"fluctuation_dissipation\.sigma"),
        ("fluctuation_dissipation", {"sigma": 1.0, "n": 0.0}, r"fluctuation_dissipation\.n"),
        ("grain_boundary", {"material": "Si", "clear_fraction": 1.5}, r"grain_boundary\.clear_fr"),
        ("grain_boundary", {"material": "Si", "clear_fraction": 1.0}, r"grain_boundary\.clear_fr"),
        ("grain_boundary", {"material": "Si", "clear_fraction": 0.5, "temperature_convention": "x"},
         r"grain_boundary\.temperature_convention"),
        ("spin_kapitza", {"up": -1.0, "down": 1e-9}, r"spin_kapitza\.up"),
        ("spin_kapitza", {"up": 1e-9, "down": {"model": "dmm", "side_a": "Al"}},
         r"spin_kapitza\.down"),
        ("amm", {"side_a": "Al"}, r"amm"),
    ],
)
def test_bad_parameters_name_the_parameter(name, params, match):
    with pytest.raises(ModelError, match=match):
        make(name, **params)


def test_nonpositive_temperature_rejected():
    m = make("dmm", side_a="Al", side_b="Si")
    with pytest.raises(ModelError, match="T"):
        m.conductance(np.array([300.0, 0.0]), 0)


def test_describe_lists_parameters_and_references():
    for name in ("amm", "dmm", "phonon_radiation_limit", "fluctuation_dissipation",
                 "grain_boundary", "spin_kapitza"):
        d = models.describe(name)
        assert d["parameters"] and d["references"], name


def test_phonon_table_constant_transmission_reproduces_dmm(tmp_path):
    dmm = make("dmm", side_a="Al", side_b="Si")
    nu = np.linspace(0.2e12, 12e12, 40)  # beyond Al's Debye frequency (8.9 THz)
    tab = make("phonon_table", side="Al", frequency=list(nu),
                        transmission=[dmm.transmission()] * nu.size)
    T = np.geomspace(0.01, 1e5, 41)
    np.testing.assert_allclose(tab.conductance(T, 0)[0], dmm.conductance(T, 0)[0], rtol=1e-7)
    np.testing.assert_allclose(tab.conductance(T, 0)[1], dmm.conductance(T, 0)[1], rtol=1e-5)
    fd_check(tab, np.geomspace(0.05, 3000.0, 31), rel=2e-6)
    # the same table from CSV, with a DOS column: Debye DOS of an isotropic solid (c_L = c_T)
    c, theta = 4000.0, 300.0
    wD = KB * theta / HBAR
    nu = np.geomspace(0.01, 1.0, 800) * wD / (2 * np.pi)  # D is linear between points
    w = 2 * np.pi * nu
    dos = 3 * w**2 / (2 * np.pi**2 * c**3)
    path = tmp_path / "spec.csv"
    path.write_text("# test\nfrequency,transmission,dos\n"
                    + "".join(f"{a:.17g},1.0,{b:.17g}\n" for a, b in zip(nu, dos, strict=True)))
    tab = make("phonon_table", file=str(path), velocity=c)
    side = {"rho": 1e3, "vL": c, "vT": c, "theta_D": theta}
    prl = make("phonon_radiation_limit", side_a=side, side_b=side)
    np.testing.assert_allclose(tab.conductance(T, 0)[0], prl.conductance(T, 0)[0], rtol=1e-4)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"side": "Al", "frequency": [1e12, 2e12], "transmission": [0.5, 1.5]}, "transmission"),
        ({"side": "Al", "frequency": [2e12, 1e12], "transmission": [0.5, 0.5]}, "frequency"),
        ({"side": "Al", "frequency": [1e12, 2e12, 3e12], "transmission": [0.5, 0.5]},
         "transmission"),
        ({"frequency": [1e12, 2e12], "transmission": [0.5, 0.5]}, r"phonon_table\.side"),
        ({"frequency": [1e12, 2e12], "transmission": [0.5, 0.5], "dos": [1.0, 1.0]},
         r"phonon_table\.velocity"),
        ({"file": "/nonexistent/spec.csv"}, r"phonon_table\.file"),
    ],
)
def test_phonon_table_errors(params, match):
    with pytest.raises(ModelError, match=match):
        make("phonon_table", **params)
