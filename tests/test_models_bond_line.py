"""The ``bond_line`` TIM model: closed forms, the meshed-layer equivalent, pressure scaling."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from femtbr.errors import ModelError
from femtbr.models import available, create
from femtbr.models._surface import RangeWarning
from femtbr.pipeline import load_case, run

# a silicone grease (k 4 W/(m K), 30 um filler, tau_y 2 kPa) between a lapped copper lid and
# a machined aluminium base
PARAMS = dict(k_tim=4.0, particle_diameter=30e-6, yield_stress=2.0e3, sigma1=0.5e-6,
              sigma2=1.5e-6, k1=390.0, k2=200.0, m1=0.08, m2=0.15, surface_tension=0.021,
              contact_angle=30.0, gas_pressure=101325.0)
P = np.array([0.05e6, 0.1e6, 0.2e6, 0.5e6, 1.0e6])


def model(**kw):
    return create("bond_line", **{**PARAMS, **kw})


def blt_ref(p):
    """Prasher (2005): BLT = 1.31 d_p (tau_y/p)^0.166."""
    return 1.31 * 30e-6 * (2.0e3 / p) ** 0.166


def rc_ref(p, sigma, m, k_sub):
    """Prasher (2001) contact: CMY form with A_r/A_n from trapped-gas compression."""
    p_cap = 2 * 0.021 * math.cos(math.pi / 6) / (sigma / m)
    frac = (p + p_cap) / (101325.0 + p + p_cap)
    k_s = 2 * 4.0 * k_sub / (4.0 + k_sub)
    return sigma / (1.25 * k_s * m * frac**0.95)


def test_registered_and_listed():
    assert "bond_line" in available()


def test_closed_form_joint_contacts_and_faces():
    rc1, rc2 = rc_ref(P, 0.5e-6, 0.08, 390.0), rc_ref(P, 1.5e-6, 0.15, 200.0)
    R_joint = blt_ref(P) / 4.0 + rc1 + rc2
    T = np.full(P.shape, 320.0)
    for part, R in (("joint", R_joint), ("contacts", rc1 + rc2), ("face1", rc1), ("face2", rc2)):
        h, dh = model(part=part).conductance(T, P)
        np.testing.assert_allclose(h, 1.0 / R, rtol=1e-13)
        np.testing.assert_array_equal(dh, 0.0)  # constant properties: nothing depends on T
    np.testing.assert_allclose(model().bond_line_thickness(P), blt_ref(P), rtol=1e-13)
    # the order of magnitude of measured grease joints (Prasher 2001/2006): 1e-6 .. 1e-4 m^2K/W
    assert np.all((R_joint > 1e-6) & (R_joint < 1e-4))


def test_components_are_the_series_parts():
    T = np.full(P.shape, 300.0)
    rc1, rc2 = rc_ref(P, 0.5e-6, 0.08, 390.0), rc_ref(P, 1.5e-6, 0.15, 200.0)
    c = model().components(T, P)
    np.testing.assert_allclose(c["bulk"], 4.0 / blt_ref(P), rtol=1e-13)
    np.testing.assert_allclose(c["contact1"], 1 / rc1, rtol=1e-13)
    np.testing.assert_allclose(c["contact2"], 1 / rc2, rtol=1e-13)
    h = model().conductance(T, P)[0]
    np.testing.assert_allclose(1 / h, sum(1 / v for v in c.values()), rtol=1e-13)
    assert set(model(part="contacts").components(T, P)) == {"contact1", "contact2"}
    assert set(model(part="face2").components(T, P)) == {"bond_line"}


def test_default_slope_is_antonetti():
    m = model(m1=None, m2=None)
    h, _ = m.conductance(300.0, 2e5)
    m_ref = 0.125 * (0.5) ** 0.402, 0.125 * 1.5**0.402
    R = (blt_ref(2e5) / 4 + rc_ref(2e5, 0.5e-6, m_ref[0], 390.0)
         + rc_ref(2e5, 1.5e-6, m_ref[1], 200.0))
    assert float(h) == pytest.approx(1 / R, rel=1e-13)


def test_blt_and_resistance_fall_with_the_published_exponent():
    p = np.geomspace(5e4, 2e6, 40)
    m = model()
    blt = m.bond_line_thickness(p)
    slope = np.diff(np.log(blt)) / np.diff(np.log(p))
    np.testing.assert_allclose(slope, -0.166, rtol=1e-12)  # Prasher (2005): BLT ~ p^-0.166
    R = 1 / m.conductance(300.0, p)[0]
    assert np.all(np.diff(R) < 0)
    # d ln R / d ln p = (R_bulk (-0.166) + sum R_ci s_ci) / R, with the contact slope
    # s_ci = -0.95 p p0 / ((p + p_cap)(p0 + p + p_cap)) differentiated by hand
    faces = ((0.5e-6, 0.08), (1.5e-6, 0.15))
    pc = [2 * 0.021 * math.cos(math.pi / 6) * mi / si for si, mi in faces]
    rc = [rc_ref(p, 0.5e-6, 0.08, 390.0), rc_ref(p, 1.5e-6, 0.15, 200.0)]
    s_c = [-0.95 * p * 101325.0 / ((p + c) * (101325.0 + p + c)) for c in pc]
    slope_ref = (blt_ref(p) / 4.0 * -0.166 + rc[0] * s_c[0] + rc[1] * s_c[1]) / R
    eps = 1e-6
    R_hi = 1 / m.conductance(300.0, p * (1 + eps))[0]
    np.testing.assert_allclose(np.log(R_hi / R) / np.log1p(eps), slope_ref, rtol=1e-5)
    # smooth faces: the contacts vanish and R takes the bond-line exponent itself
    smooth = model(sigma1=1e-9, sigma2=1e-9, m1=0.1, m2=0.1)
    R_s = 1 / smooth.conductance(300.0, p)[0]
    np.testing.assert_allclose(np.diff(np.log(R_s)) / np.diff(np.log(p)), -0.166, rtol=2e-3)


def test_below_yield_stress_warns_and_zero_pressure_is_open():
    with pytest.warns(RangeWarning, match="tau_y"):
        model().conductance(300.0, 1e3)  # p < tau_y: the paste does not flow
    with pytest.warns(RangeWarning):
        h, _ = model().conductance(300.0, 0.0)
    assert float(h) == 0.0  # unbounded bond line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model().conductance(300.0, 2e5)  # in range: silent
        model(part="face1").conductance(300.0, 1e3)  # the contacts alone use no BLT fit


@pytest.mark.parametrize("bad, match", [
    ({"part": "bulk"}, "bond_line.part"),
    ({"contact_angle": 95.0}, "contact_angle"),
    ({"k_tim": -1.0}, "k_tim"),
    ({"sigma1": 0.0}, "sigma1"),
    ({"particle_diameter": "30 um"}, "particle_diameter"),
])
def test_bad_parameters_name_themselves(bad, match):
    with pytest.raises(ModelError, match=match):
        model(**bad)


# ------------------------------------------------------------------ the meshed-layer equivalent
STACK = """
name = "{name}"
[geometry]
builder = "stack"
dim = 2
width = "4 mm"
layers = [{layers}]
sources = [{{ name = "chip", size = "4 mm", power = "80 W" }}]
bottom = "convection"
h = "2e4 W/m^2/K"
T_inf = 300.0
mesh_size = "0.5 mm"
[materials.die]
k = 150.0
[materials.spreader]
k = 390.0
{interfaces}
[probes]
top = [2e-3, {top!r}]
"""
TIM = dict(k_tim=4.0, particle_diameter=30e-6, yield_stress=2.0e3, sigma1=0.5e-6,
           sigma2=1.5e-6, k1=150.0, k2=390.0, m1=0.08, m2=0.15)
PRESSURE = 3.0e5


def _interface(name, part):
    keys = "\n".join(f"{k} = {v!r}" for k, v in TIM.items())
    return (f"[interfaces.{name}]\nmodel = \"bond_line\"\npart = \"{part}\"\n{keys}\n"
            f"pressure = {PRESSURE!r}\n")


def _solve(tmp_path, name, layers, interfaces, top, overrides=()):
    path = tmp_path / f"{name}.toml"
    path.write_text(STACK.format(name=name, layers=layers, interfaces=interfaces, top=top))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RangeWarning)  # the operating point is in range
        return run(load_case(path, overrides), write=False).summary


def test_interface_equals_meshed_layer_of_thickness_blt(tmp_path):
    """A meshed TIM layer of thickness BLT(p) with the two faces' R_c as interfaces, and the same
    stack with no layer and the whole joint as one interface, carry the same heat at the same
    temperatures; both equal the 1D series formula (uniform flux over the whole top)."""
    blt = float(create("bond_line", **TIM).bond_line_thickness(PRESSURE))
    die = '{ name = "die", material = "silicon", thickness = 0.5e-3 }'
    spreader = '{ name = "spreader", material = "copper", thickness = 2e-3 }'
    tim = f'{{ name = "tim", material = "tim_grease", thickness = {blt!r} }}'
    meshed = _solve(tmp_path, "meshed", f"{die}, {tim}, {spreader}",
                    "[materials.tim]\nk = 4.0\n" + _interface("die_tim", "face1")
                    + _interface("tim_spreader", "face2"),
                    2.5e-3 + blt)
    joint = _solve(tmp_path, "joint", f"{die}, {spreader}",
                   _interface("die_spreader", "joint"), 2.5e-3)

    for s in (meshed, joint):
        assert s["converged"] and s["energy_balance"] < 1e-9
    # temperature rises above the coolant agree (a stricter test than absolute temperatures)
    for region in ("die", "spreader"):
        for key in ("T_max", "T_mean"):
            assert joint["regions"][region][key] - 300.0 == pytest.approx(
                meshed["regions"][region][key] - 300.0, rel=1e-9)
    assert joint["probes"]["top"] - 300.0 == pytest.approx(meshed["probes"]["top"] - 300.0,
                                                           rel=1e-9)
    heat = joint["interfaces"]["die_spreader"]["heat"]
    assert heat == pytest.approx(meshed["interfaces"]["die_tim"]["heat"], rel=1e-9)
    assert heat == pytest.approx(meshed["interfaces"]["tim_spreader"]["heat"], rel=1e-9)
    # 1D closed form: T_top = T_inf + q (1/h + t_s/k_s + R_joint + t_d/k_d), q = 80 W / 4 mm
    q = 80.0 / 4e-3
    R_joint = blt / 4.0 + rc_ref_tim(PRESSURE, 1) + rc_ref_tim(PRESSURE, 2)
    T_top = 300.0 + q * (1 / 2e4 + 2e-3 / 390.0 + R_joint + 0.5e-3 / 150.0)
    assert joint["probes"]["top"] - 300.0 == pytest.approx(T_top - 300.0, rel=1e-9)


def rc_ref_tim(p, face):
    sigma, m, k_sub = ((0.5e-6, 0.08, 150.0), (1.5e-6, 0.15, 390.0))[face - 1]
    return rc_ref(p, sigma, m, k_sub)


@pytest.mark.parametrize("key, value", [("pressure", "1 MPa"), ("yield_stress", "5 kPa")])
def test_set_reaches_the_model(tmp_path, key, value):
    """``--set`` (and so a sweep) on the pressure or a model parameter changes h accordingly."""
    die = '{ name = "die", material = "silicon", thickness = 0.5e-3 }'
    spreader = '{ name = "spreader", material = "copper", thickness = 2e-3 }'
    s = _solve(tmp_path, "joint", f"{die}, {spreader}", _interface("die_spreader", "joint"),
               2.5e-3, [f"interfaces.die_spreader.{key}={value}"])
    p = 1e6 if key == "pressure" else PRESSURE
    params = {**TIM, "yield_stress": 5e3} if key == "yield_stress" else TIM
    R = (1.31 * 30e-6 * (params["yield_stress"] / p) ** 0.166 / 4.0
         + rc_ref_tim(p, 1) + rc_ref_tim(p, 2))
    assert s["interfaces"]["die_spreader"]["h_mean"] == pytest.approx(1 / R, rel=1e-12)
