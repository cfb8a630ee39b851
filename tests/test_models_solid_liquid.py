"""Solid/liquid acoustic mismatch with mode conversion (Cu / He-4): against independent forms."""

from __future__ import annotations

import numpy as np
import pytest
from phonon_reference import LOW_T, brekhovskikh_liquid_to_solid, khalatnikov_RT3, liquid_gamma

from femtbr import materials, models
from femtbr.models import _solid_liquid as sl

CU, HE = materials.get("Cu"), materials.get("He4_liquid")
CU_HE = (CU.density, CU.vL, CU.vT, HE.density, HE.vL)
# a stiff liquid against a soft solid (liquid speed above c_T: SV partly evanescent in it)
PB_HG = (11340.0, 2160.0, 700.0, 13534.0, 1450.0)


@pytest.mark.parametrize("params", [CU_HE, PB_HG])
@pytest.mark.parametrize("incident", ["L", "SV", "liquid"])
def test_energy_conservation_over_all_angles(params, incident):
    rho_s, cL, cT, rho_l, cl = params
    c = {"L": cL, "SV": cT, "liquid": cl}[incident]
    u = np.linspace(0.0, 1.0 / c**2, 4001)[:-1]  # every propagating incidence angle
    f = sl.energy_fractions(*params, u, incident)
    np.testing.assert_allclose(f["L"] + f["SV"] + f["liquid"], 1.0, rtol=0, atol=1e-12)
    assert all(np.all(v >= 0) for v in f.values())


@pytest.mark.parametrize("params", [CU_HE, PB_HG])
def test_transmission_equals_brekhovskikh_closed_form(params):
    rho_s, cL, cT, rho_l, cl = params
    theta = np.linspace(0.0, np.pi / 2, 997)[:-1]
    u = (np.sin(theta) / cl) ** 2
    f = sl.energy_fractions(*params, u, "liquid")
    ref = np.array([brekhovskikh_liquid_to_solid(*params, th) for th in theta])
    np.testing.assert_allclose(f["L"], ref[:, 0], rtol=0, atol=1e-13)
    np.testing.assert_allclose(f["SV"], ref[:, 1], rtol=0, atol=1e-13)


@pytest.mark.parametrize("params", [CU_HE, PB_HG])
def test_reciprocity_pointwise(params):
    # solid j -> liquid at slowness s equals liquid -> solid j at the same s (detailed balance)
    rho_s, cL, cT, rho_l, cl = params
    for j, c in (("L", cL), ("SV", cT)):
        u = np.linspace(0.0, min(1 / c**2, 1 / cl**2), 3001)[:-1]
        a = sl.energy_fractions(*params, u, j)["liquid"]
        b = sl.energy_fractions(*params, u, "liquid")[j]
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)


def test_sv_channel_transmits_and_sh_does_not():
    g = models.create("amm", side_a="copper", side_b="He4_liquid").gammas("a")
    assert g["T2"] == 0.0  # SH: no normal displacement, totally reflected
    assert g["T1"] > g["L"] > 0  # SV transmits by mode conversion, more than L (Cu/He)


@pytest.mark.parametrize("params", [CU_HE, PB_HG])
def test_liquid_side_gamma_by_detailed_balance_equals_direct_angle_integral(params):
    rho_s, cL, cT, rho_l, cl = params
    solid = {"rho": rho_s, "vL": cL, "vT": cT, "theta_D": 300.0}
    liquid = {"rho": rho_l, "vL": cl, "phase": "liquid"}
    m = models.create("amm", side_a=solid, side_b=liquid)
    direct = liquid_gamma(*params)
    assert m.gammas("b")["L"] == pytest.approx(direct, rel=1e-9)
    # the module's own direct liquid-side integral, same slowness rule: rounding only
    assert sl.liquid_gamma(*params) == pytest.approx(m.gammas("b")["L"], rel=1e-12)


def test_detailed_balance_cu_he():
    m = models.create("amm", side_a="copper", side_b="He4_liquid")
    T = np.array([0.05, 0.5, 1.5, 4.0, 30.0, 300.0])
    np.testing.assert_allclose(m.conductance_from(T, "a"), m.conductance_from(T, "b"), rtol=1e-12)
    swapped = models.create("amm", side_a="He4_liquid", side_b="copper")
    np.testing.assert_allclose(m.conductance(T, 0)[0], swapped.conductance(T, 0)[0], rtol=1e-12)


def test_low_T_conductance_equals_direct_liquid_side_integral():
    # h/T³ = (π² k_B⁴/30ħ³) Γ_l / c_l² with Γ_l by adaptive quadrature of Brekhovskikh's form
    m = models.create("amm", side_a="He4_liquid", side_b="copper",
                      temperature_convention="emitted")
    T = np.array([0.01, 0.1, 0.5])
    ref = LOW_T * liquid_gamma(*CU_HE) / HE.vL**2
    np.testing.assert_allclose(m.conductance(T, 0)[0] / T**3, ref, rtol=1e-8)


def test_kapitza_resistance_cu_he_equals_khalatnikov():
    # Khalatnikov's limiting form neglects ρ_l c_l/(ρ_s c_T) = 1.7e-3 and (c_l/c_T)² = 1.0e-2
    # (cos θ_liquid ≈ 1 inside the critical cone); both enter at the 1e-3 level: 1 % tolerance.
    # The equilibrium-temperature convention (default) differs from the emitted one by
    # (⟨Γ_ab⟩ + ⟨Γ_ba⟩)/2 = 9e-4 here.
    for conv in ("emitted", "equilibrium"):
        m = models.create("amm", side_a="copper", side_b="He4_liquid", temperature_convention=conv)
        RT3 = 1.0 / m.low_T_coefficient()
        assert RT3 == pytest.approx(khalatnikov_RT3(*CU_HE), rel=1e-2)
    assert 0.12 < RT3 < 0.15  # m² K⁴/W: the acoustic-mismatch value for Cu (≈ 1400 cm² K⁴/W)


def test_khalatnikov_form_is_the_exact_limit():
    # shrink the liquid's impedance and speed: the limiting form becomes exact
    rho_s, cL, cT, rho_l, cl = CU_HE
    for scale in (1e-1, 1e-2):
        p = (rho_s, cL, cT, rho_l * scale, cl * scale)
        S = sum(g / c**2 for g, c in zip(sl.solid_gammas(*p).values(), (cL, cT, cT), strict=True))
        RT3 = 1.0 / (LOW_T * S)
        err = abs(RT3 / khalatnikov_RT3(*p) - 1)
        assert err < 5 * scale**2 + 4 * (rho_l * cl * scale**2) / (rho_s * cT)
