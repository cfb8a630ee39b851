"""Material library: spot values against the cited sources, interpolation, API errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from femtbr import materials
from femtbr.errors import MaterialError
from femtbr.materials import RangeWarning


def nist_cu_rrr100(T):
    """NIST OFHC Cu RRR=100 fit (Simon, Drexler & Reed, NIST Monograph 177, 1992)."""
    x = np.sqrt(T)
    num = 2.2154 - 0.88068 * x + 0.29505 * T - 0.04831 * T**1.5 + 0.003207 * T**2
    den = 1 - 0.47461 * x + 0.13871 * T - 0.02043 * T**1.5 + 0.001281 * T**2
    return 10 ** (num / den)


def nist_logpoly(T, a):
    L = np.log10(T)
    return 10 ** sum(ai * L**i for i, ai in enumerate(a))


AL1100 = [23.39172, -148.5733, 422.1917, -653.6664, 607.0402, -346.152, 118.4276, -22.2781,
          1.770187]
SS304 = [-1.4087, 1.3982, 0.2543, -0.6260, 0.2334, 0.4256, -0.4658, 0.1650, -0.0199]


def test_required_materials_present():
    for name in ["Si", "Ge", "Cu", "Al", "Au", "Pb", "In", "diamond", "sapphire", "GaN", "SiC",
                 "SS304", "SAC305", "tim_grease", "He4_liquid", "air", "He", "N2"]:
        m = materials.get(name)
        assert m.density and m.density > 0
        assert m.sources, name


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [("si", "Si"), ("Silicon", "Si"), ("copper", "Cu"), ("CU", "Cu"), ("aluminum", "Al"),
     ("stainless steel 304", "SS304"), ("liquid-He4", "He4_liquid"), ("helium", "He_gas")],
)
def test_aliases_case_insensitive(alias, canonical):
    assert materials.get(alias).name == canonical


def test_every_property_has_a_source():
    props = ["density", "cp", "E", "nu", "c1", "c2", "brinell", "vL", "vT", "debye_temperature",
             "Pr", "mfp0"]
    for name in materials.available():
        m = materials.get(name)
        for p in props:
            if getattr(m, p) is not None:
                assert p in m.sources, f"{name}.{p} has no source"
        if m.k_table is not None:
            assert "conductivity" in m.sources, name


def test_copper_conductivity_vs_nist_and_crc():
    cu = materials.get("Cu")
    # Room temperature: CRC 401 W/mK (pure Cu); NIST RRR=100 fit 396 (fit error 1 %)
    assert cu.conductivity(300.0)[0] == pytest.approx(401.0, rel=0.015)
    T = np.array([4.5, 9.0, 17.0, 33.0, 77.0, 150.0, 260.0])
    k, _ = cu.conductivity(T)
    np.testing.assert_allclose(k, nist_cu_rrr100(T), rtol=0.01)
    # the RRR=100 peak near 20 K: about 2400 W/mK
    assert 2300 < cu.conductivity(20.0)[0] < 2500


def test_silicon_glassbrenner_slack():
    si = materials.get("silicon")
    assert 148.0 <= si.conductivity(300.0)[0] <= 156.0
    assert si.conductivity(100.0)[0] == pytest.approx(950.0, rel=1e-9)  # table value, 9.5 W/cmK
    assert si.conductivity(1000.0)[0] == pytest.approx(31.0, rel=1e-9)


def test_al_and_ss304_vs_nist_fits():
    al = materials.get("Al")
    T = np.array([6.5, 27.0, 55.0, 130.0, 290.0])
    np.testing.assert_allclose(al.conductivity(T)[0], nist_logpoly(T, AL1100), rtol=0.01)
    ss = materials.get("SS304")
    T = np.array([1.5, 7.0, 45.0, 170.0, 290.0])
    np.testing.assert_allclose(ss.conductivity(T)[0], nist_logpoly(T, SS304), rtol=0.02)
    assert ss.conductivity(300.0)[0] == pytest.approx(14.9, rel=0.04)  # Incropera Table A.1


def test_gas_conductivities_incropera():
    assert materials.get("air").conductivity(300.0)[0] == pytest.approx(0.0263, rel=1e-6)
    assert materials.get("N2").conductivity(300.0)[0] == pytest.approx(0.0259, rel=1e-6)
    assert materials.get("He").conductivity(300.0)[0] == pytest.approx(0.155, rel=0.03)


def test_mean_free_path_scaling_and_kinetic_theory():
    air = materials.get("air")
    lam = air.mean_free_path(np.array([288.0, 576.0]), np.array([101325.0, 101325.0 / 2]))
    np.testing.assert_allclose(lam, [0.064e-6, 4 * 0.064e-6], rtol=1e-12)
    # He: kinetic theory Λ = k_B T / (√2 π d² p) with d = 2.2e-10 m (hard sphere)
    kB = 1.380649e-23
    lam_kin = kB * 288.0 / (np.sqrt(2) * np.pi * (2.2e-10) ** 2 * 101325.0)
    assert materials.get("He").mean_free_path(288.0, 101325.0) == pytest.approx(lam_kin, rel=0.05)


def test_interpolation_derivative_matches_finite_differences():
    cu = materials.get("Cu")
    T = np.array([4.3, 11.0, 23.7, 61.0, 143.0, 277.0, 555.0])
    k, dk = cu.conductivity(T)
    eps = 1e-6 * T
    kp, _ = cu.conductivity(T + eps)
    km, _ = cu.conductivity(T - eps)
    np.testing.assert_allclose(dk, (kp - km) / (2 * eps), rtol=1e-5)


def test_interpolation_monotone_and_bounded():
    # between table points the power law stays between the end values (no overshoot)
    t = materials.PropertyTable((10.0, 20.0, 40.0), (5.0, 100.0, 90.0), "x")
    T = np.linspace(10.0, 40.0, 301)
    y, _ = t(T)
    assert np.all(np.diff(y[T <= 20.0]) > 0) and np.all(np.diff(y[T >= 20.0]) < 0)
    assert y.min() >= 5.0 * (1 - 1e-14) and y.max() <= 100.0 * (1 + 1e-14)


def test_out_of_range_warns_and_clamps():
    si = materials.get("Si")
    with pytest.warns(RangeWarning, match="Si.conductivity"):
        k, dk = si.conductivity(np.array([20.0, 2000.0]))
    np.testing.assert_allclose(k, [2600.0, 21.6])
    np.testing.assert_array_equal(dk, [0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        si.conductivity(300.0)


def test_unknown_material_lists_choices():
    with pytest.raises(MaterialError, match="unobtainium.*available:.*Si"):
        materials.get("unobtainium")


def test_from_dict_user_material_and_override():
    m = materials.from_dict("mystery", {"density": 1000.0, "k": {"T": [100, 300], "k": [2.0, 1.0]},
                                        "vL": 3000.0, "vT": 1500.0, "cp": 500.0})
    assert m.conductivity(300.0)[0] == pytest.approx(1.0)
    assert m.specific_heat(np.array([1.0, 2.0])).tolist() == [500.0, 500.0]
    hot_si = materials.from_dict("doped_si", {"use": "silicon", "conductivity": 120.0})
    assert hot_si.conductivity(300.0)[0] == 120.0 and hot_si.vL == materials.get("Si").vL


@pytest.mark.parametrize(
    ("props", "key"),
    [({"density": -1.0}, "density"), ({"nu": 0.7}, "nu"), ({"colour": "red"}, "colour"),
     ({"vL": "fast"}, "vL"), ({"k": {"T": [300, 200], "k": [1, 2]}}, "k"),
     ({"conductivity": {"T": [100, 200], "k": [1, -2]}}, "conductivity"),
     ({"phase": "plasma"}, "phase"), ({"phase": "liquid", "vT": 100.0}, "vT"),
     ({"k": {"T": [1, 2]}}, "k")],
)
def test_from_dict_errors_name_the_property(props, key):
    with pytest.raises(MaterialError, match=rf"'bad': {key}:"):
        materials.from_dict("bad", props)


def test_missing_property_raises():
    with pytest.raises(MaterialError, match="He4_liquid.*conductivity"):
        materials.get("He4_liquid").conductivity(1.0)


@pytest.mark.parametrize(
    ("name", "T", "k_ref", "rel"),
    [
        ("Au", 300.0, 317.0, 1e-9),  # CRC / Ho-Powell-Liley 1972
        ("Pb", 300.0, 35.3, 1e-9),
        ("In", 300.0, 81.8, 1e-9),
        ("Ge", 300.0, 60.0, 0.01),  # Glassbrenner & Slack 1964: 0.60 W/cmK; Incropera 59.9
        ("sapphire", 300.0, 46.0, 1e-9),  # Incropera Table A.2
        ("diamond", 300.0, 2300.0, 1e-9),  # Incropera Table A.2 (type IIa)
        ("Si", 1681.0, 21.6, 1e-9),  # Glassbrenner & Slack at the melting point
        ("Cu", 1000.0, 352.0, 1e-9),  # CRC
    ],
)
def test_spot_values_vs_cited_tables(name, T, k_ref, rel):
    assert materials.get(name).conductivity(T)[0] == pytest.approx(k_ref, rel=rel)


def test_sound_speeds_consistent_with_elastic_constants():
    # vL = sqrt(c11/rho), vT = sqrt(c44/rho) along [100] (Hall 1967 for Si; McSkimin 1972 diamond)
    si = materials.get("Si")
    assert si.vL == pytest.approx(np.sqrt(165.6e9 / 2329.0), rel=1e-3)
    assert si.vT == pytest.approx(np.sqrt(79.5e9 / 2329.0), rel=1e-3)
    # isotropic estimates from E, nu
    ss = materials.get("SS304")
    vL = np.sqrt(ss.E * (1 - ss.nu) / (ss.density * (1 + ss.nu) * (1 - 2 * ss.nu)))
    assert ss.vL == pytest.approx(vL, rel=2e-3)
    assert ss.vT == pytest.approx(np.sqrt(ss.E / (2 * ss.density * (1 + ss.nu))), rel=2e-3)
