"""Temperature convention (emitted vs equilibrium) and per-branch Debye cutoffs of phonon models."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from femtbr import materials, models
from femtbr.errors import ModelError

HBAR, KB = 1.054571817e-34, 1.380649e-23
P = KB**4 / (8 * math.pi**2 * HBAR**3)  # Swartz & Pohl (1989) flux prefactor, SI
T_GRID = np.array([0.5, 3.0, 20.0, 77.0, 300.0, 1000.0])
PHONON = ("amm", "dmm", "phonon_radiation_limit", "grain_boundary", "phonon_table")
PAIRS = [("Al", "Si"), ("Au", "Si"), ("Pb", "diamond"), ("He4_liquid", "Cu"), ("Cu", "SS304"),
         ("Pb", "Al")]


def branch_thetas(name):
    """Θ_j = ħ c_j (6π² n)^(1/3) / k_B per branch [K], written out from the material data."""
    m = materials.get(name)
    kD = (6 * math.pi**2 * m.atomic_density) ** (1 / 3)
    return {"L": HBAR * m.vL * kD / KB, "T": HBAR * m.vT * kD / KB}


def radiation_direct(name, T):
    """h_rad = (1/4) Σ_j ∫_0^{ω_j} ħω ω²/(2π² c_j³) c_j ∂f/∂T dω by quadrature (S&P 1989, α = 1)."""
    m = materials.get(name)
    th = branch_thetas(name)
    total = 0.0
    for c, theta in ((m.vL, th["L"]), (m.vT, th["T"]), (m.vT, th["T"])):
        def f(w, c=c):
            x = HBAR * w / (KB * T)
            return HBAR * w**3 / (2 * math.pi**2 * c**2) * x / T * math.exp(-x) / (
                -math.expm1(-x)) ** 2
        total += 0.25 * quad(f, 0, KB * theta / HBAR, epsabs=0, epsrel=1e-12, limit=200)[0]
    return total


# ----------------------------------------------------------------------------- convention
@pytest.mark.parametrize("name", PHONON)
def test_every_phonon_model_has_the_same_default_convention(name):
    params = models.describe(name)["parameters"]
    assert params["temperature_convention"]["default"] == "equilibrium"
    assert "emitted" in params["temperature_convention"]["doc"]
    if "cutoff" in params:
        assert params["cutoff"]["default"] == "common"


@pytest.mark.parametrize("conv", ["emitted", "equilibrium"])
def test_grain_boundary_and_dmm_si_si_agree_at_the_same_transmission(conv):
    # DMM between identical solids transmits τ = 1/2 of every phonon: a grain boundary with
    # clear fraction 1/2 is the same physics and must give the same h in either convention
    dmm = models.create("dmm", side_a="Si", side_b="Si", temperature_convention=conv)
    gb = models.create("grain_boundary", material="Si", clear_fraction=0.5,
                       temperature_convention=conv)
    np.testing.assert_allclose(gb.conductance(T_GRID, 0)[0], dmm.conductance(T_GRID, 0)[0],
                               rtol=1e-12)


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_equilibrium_conversion_for_identical_materials(tau):
    # identical sides: h_eq = τ h_rad / (1 − τ), h_em = τ h_rad (Zeng & Chen 2001)
    for T in (20.0, 300.0):
        h_rad = radiation_direct("Si", T)
        gb_eq = models.create("grain_boundary", material="Si", clear_fraction=tau,
                              cutoff="per_branch")
        gb_em = models.create("grain_boundary", material="Si", clear_fraction=tau,
                              temperature_convention="emitted", cutoff="per_branch")
        assert gb_em.conductance(T, 0)[0] == pytest.approx(tau * h_rad, rel=1e-8)
        assert gb_eq.conductance(T, 0)[0] == pytest.approx(tau / (1 - tau) * h_rad, rel=1e-8)


@pytest.mark.parametrize(("a", "b"), [("Al", "Si"), ("Au", "sapphire"), ("Cu", "He4_liquid")])
@pytest.mark.parametrize("name", ["amm", "dmm"])
def test_equilibrium_is_the_transmission_weighted_conversion(name, a, b):
    # h_eq = h_em / (1 − (⟨Γ_ab⟩ + ⟨Γ_ba⟩)/2), ⟨Γ_ab⟩ = h_em/h_rad,a (flux-weighted mean)
    em = models.create(name, side_a=a, side_b=b, temperature_convention="emitted")
    eq = models.create(name, side_a=a, side_b=b)
    T = T_GRID
    h_em = em.conductance(T, 0)[0]
    g_ab = h_em / em.radiation("a", T)[0]
    g_ba = h_em / em.radiation("b", T)[0]
    assert np.all((g_ab > 0) & (g_ab < 1) & (g_ba > 0) & (g_ba < 1))
    np.testing.assert_allclose(eq.conductance(T, 0)[0], h_em / (1 - (g_ab + g_ba) / 2),
                               rtol=1e-12)


def test_dmm_equilibrium_is_twice_emitted_with_one_common_cutoff():
    # DMM: α_ab + α_ba = 1, so h_eq = h_em / (1 − 1/2) = 2 h_em (common cutoff: at every T)
    kw = {"side_a": "Al", "side_b": "Si", "cutoff": "common"}
    em = models.create("dmm", temperature_convention="emitted", **kw)
    eq = models.create("dmm", **kw)
    np.testing.assert_allclose(eq.conductance(T_GRID, 0)[0], 2 * em.conductance(T_GRID, 0)[0],
                               rtol=1e-12)


def test_perfect_boundary_has_no_resistance_under_equilibrium():
    with pytest.raises(ModelError, match=r"amm: .*no resistance"):
        models.create("amm", side_a="Si", side_b="Si")
    h = models.create("amm", side_a="Si", side_b="Si", temperature_convention="emitted")
    assert h.conductance(300.0, 0)[0] > 0
    with pytest.raises(ModelError, match="temperature_convention"):
        models.create("dmm", side_a="Si", side_b="Cu", temperature_convention="bulk")


def test_phonon_table_equilibrium_needs_the_receiving_side():
    tab = {"frequency": [1e11, 1e13], "transmission": [0.5, 0.5], "side": "Si"}
    with pytest.raises(ModelError, match=r"phonon_table\.other_side"):
        models.create("phonon_table", **tab)
    em = models.create("phonon_table", temperature_convention="emitted", **tab)
    eq = models.create("phonon_table", other_side="Cu", **tab)
    T = np.array([5.0, 50.0, 300.0])
    assert np.all(eq.conductance(T, 0)[0] > em.conductance(T, 0)[0])


# ----------------------------------------------------------------------------- cutoffs
@pytest.mark.parametrize("name", ["Al", "Au", "Cu", "Pb", "Si", "diamond", "sapphire", "GaN"])
def test_per_branch_cutoff_preserves_the_mode_count(name):
    # ∫_0^{ω_j} D_j dω = n for every branch (one mode per atom and polarization)
    mat = materials.get(name)
    m = models.create("dmm", side_a=name, side_b="Si", temperature_convention="emitted",
                      cutoff="per_branch")
    cut, _ = m.cutoffs("a")
    for j, c in (("L", mat.vL), ("T1", mat.vT), ("T2", mat.vT)):
        wj = KB * cut[j] / HBAR
        count = quad(lambda w, c=c: w * w / (2 * math.pi**2 * c**3), 0, wj, epsrel=1e-13)[0]
        assert count == pytest.approx(mat.atomic_density, rel=1e-12)


@pytest.mark.parametrize(("name", "factor"), [("Pb", 2.6), ("Al", 1.23)])
def test_common_debye_temperature_over_counts_modes(name, factor):
    # one Θ_D for all branches gives branch j (Θ_D/Θ_j)³ n modes: Pb 2.6×, Al 1.23× (issue 13)
    mat = materials.get(name)
    th = branch_thetas(name)
    ratio = ((mat.debye_temperature / th["L"]) ** 3 + 2 * (mat.debye_temperature / th["T"]) ** 3)
    assert ratio / 3 == pytest.approx(factor, rel=0.02)


def test_radiation_limit_pb_al_drops_by_the_mode_count_factors():
    # classical limit J(x) → x³/3: h_rad,X → (P/3) T³ Σ_j c_Xj⁻² (Θ_Xj/T)³ per side X, each
    # branch capped at the other side's top cutoff; the bound is the smaller side's
    pb, al = materials.get("Pb"), materials.get("Al")
    th = {"Pb": branch_thetas("Pb"), "Al": branch_thetas("Al")}

    def classical(X, Y, m):
        top = max(th[Y].values())
        return P / 3 * sum(min(th[X][j], top) ** 3 / c**2
                           for j, c in (("L", m.vL), ("T", m.vT), ("T", m.vT)))

    per_branch = min(classical("Pb", "Al", pb), classical("Al", "Pb", al))
    theta_c = min(pb.debye_temperature, al.debye_temperature)
    S_min = min(sum(1 / c**2 for c in (m.vL, m.vT, m.vT)) for m in (pb, al))
    common = P / 3 * S_min * theta_c**3
    kw = {"side_a": "Pb", "side_b": "Al", "temperature_convention": "emitted"}
    T = 1e5  # far above every cutoff: the classical limit to 1e-6
    h_pb = models.create("phonon_radiation_limit", cutoff="per_branch", **kw).conductance(T, 0)[0]
    h_cm = models.create("phonon_radiation_limit", **kw).conductance(T, 0)[0]  # default: common
    assert h_pb == pytest.approx(per_branch, rel=1e-6)
    assert h_cm == pytest.approx(common, rel=1e-6)
    assert h_pb / h_cm == pytest.approx(per_branch / common, rel=1e-6)
    # and for Pb alone, against the direct spectral integral with the per-branch cutoffs
    pb_only = models.create("phonon_radiation_limit", side_a="Pb", side_b="Pb",
                            temperature_convention="emitted", cutoff="per_branch")
    assert pb_only.conductance(60.0, 0)[0] == pytest.approx(radiation_direct("Pb", 60.0),
                                                            rel=1e-8)


def test_low_temperature_is_independent_of_the_cutoff():
    kw = {"side_a": "Al", "side_b": "Si", "temperature_convention": "emitted"}
    T = np.array([0.1, 1.0])
    for name in ("amm", "dmm"):
        a = models.create(name, cutoff="per_branch", **kw).conductance(T, 0)[0]
        b = models.create(name, cutoff="common", **kw).conductance(T, 0)[0]
        np.testing.assert_allclose(a, b, rtol=1e-12)


# ------------------------------------------------- defaults keep the exact properties
@pytest.mark.parametrize(("a", "b"), PAIRS)
@pytest.mark.parametrize("name", ["amm", "dmm"])
@pytest.mark.parametrize("cutoff", ["per_branch", "common"])
def test_detailed_balance_with_either_cutoff(name, a, b, cutoff):
    m = models.create(name, side_a=a, side_b=b, cutoff=cutoff)
    np.testing.assert_allclose(m.conductance_from(T_GRID, "a"), m.conductance_from(T_GRID, "b"),
                               rtol=1e-12)
    swapped = models.create(name, side_a=b, side_b=a, cutoff=cutoff)
    np.testing.assert_allclose(m.conductance(T_GRID, 0)[0], swapped.conductance(T_GRID, 0)[0],
                               rtol=1e-12)


@pytest.mark.parametrize(("a", "b"), PAIRS)
@pytest.mark.parametrize("conv", ["emitted", "equilibrium"])
@pytest.mark.parametrize("cutoff", ["per_branch", "common"])
def test_radiation_limit_bounds_amm_and_dmm(a, b, conv, cutoff):
    kw = {"side_a": a, "side_b": b, "temperature_convention": conv, "cutoff": cutoff}
    bound = models.create("phonon_radiation_limit", **kw).conductance(T_GRID, 0)[0]
    for name in ("amm", "dmm"):
        h = models.create(name, **kw).conductance(T_GRID, 0)[0]
        assert np.all(h <= bound * (1 + 1e-12)), name


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("amm", {"side_a": "Al", "side_b": "Si"}),
        ("amm", {"side_a": "Al", "side_b": "Si", "cutoff": "per_branch"}),
        ("amm", {"side_a": "He4_liquid", "side_b": "Cu"}),
        ("dmm", {"side_a": "Pb", "side_b": "diamond"}),
        ("dmm", {"side_a": "Pb", "side_b": "diamond", "cutoff": "per_branch"}),
        ("grain_boundary", {"material": "Si", "clear_fraction": 0.3}),
        ("phonon_table", {"frequency": [1e11, 5e12], "transmission": [0.2, 0.6], "side": "Si",
                          "other_side": "Cu"}),
    ],
)
def test_equilibrium_derivative_matches_finite_differences(name, params):
    m = models.create(name, **params)
    T = np.array([2.0, 40.0, 150.0, 400.0])
    h, dh = m.conductance(T, 0.0)
    eps = 1e-5 * T
    fd = (m.conductance(T + eps, 0.0)[0] - m.conductance(T - eps, 0.0)[0]) / (2 * eps)
    np.testing.assert_allclose(dh, fd, rtol=1e-6)


def test_the_model_reports_its_convention_and_cutoff():
    m = models.create("dmm", side_a="Al", side_b="Si")
    assert m.parameters()["temperature_convention"] == "equilibrium"
    assert m.parameters()["cutoff"] == "common"
    gb = models.create("grain_boundary", material="Si", clear_fraction=0.5,
                       temperature_convention="emitted")
    assert gb.parameters()["temperature_convention"] == "emitted"
