"""Every example case in cases/ validates, runs, and reproduces scalars that physics fixes."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from femtbr.cli import main
from femtbr.pipeline import load_case, run

CASES = Path(__file__).resolve().parents[1] / "cases"
ALL = sorted(CASES.glob("*.toml"))


def solve(name: str, overrides=(), out: Path | None = None):
    case = load_case(CASES / f"{name}.toml", overrides)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # correlation-range warnings are the models' business
        return run(case, out_dir=out, write=out is not None)


def items(summary) -> dict[str, float]:
    return {i["name"].strip(): i["R"] for i in summary["breakdown"]["items"]}


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_check_exits_0_on_every_case(path, capsys):
    assert main(["check", str(path)]) == 0, capsys.readouterr().err


def test_there_are_the_documented_cases():
    names = {p.stem for p in ALL}
    assert {
        "cpu_heatsink",
        "multilayer_stack",
        "graphite_spreader",
        "si_cu_pressed_vs_bonded",
        "thin_film_kapitza",
        "polycrystal_grain_boundaries",
        "spin_kapitza",
        "vacuum_vs_gas_contact",
        "helium_kapitza",
    } <= names


# ----------------------------------------------------------------------------- cpu heatsink
def lee_spreading(a: float, b: float, t: float, k: float, h: float) -> float:
    """Maximum spreading resistance [K/W] of a circular source (radius a) centred on a circular
    plate (radius b, thickness t, conductivity k) cooled below with h: Lee, Song, Au, Moran,
    ASME HTD 303, 1995 (ψ_max = ετ/√π + (1-ε)Φ_c/√π, R = ψ/(√π k a))."""
    eps, tau, Bi = a / b, t / b, h * b / k
    lam = math.pi + 1.0 / (math.sqrt(math.pi) * eps)
    phi = (math.tanh(lam * tau) + lam / Bi) / (1.0 + lam / Bi * math.tanh(lam * tau))
    psi = eps * tau / math.sqrt(math.pi) + (1.0 - eps) * phi / math.sqrt(math.pi)
    return psi / (math.sqrt(math.pi) * k * a)


@pytest.fixture(scope="module")
def cpu(tmp_path_factory):
    out = tmp_path_factory.mktemp("cpu")
    return solve("cpu_heatsink", ["outputs.render=false"], out=out), out


def test_cpu_heatsink_energy_and_ordering(cpu):
    result, out = cpu
    s = result.summary
    assert s["converged"] and s["energy_balance"] < 1e-8
    assert sum(b["heat"] for b in s["boundaries"].values()) == pytest.approx(95.0, rel=1e-8)
    T = {n: r["T_max"] for n, r in s["regions"].items()}
    assert T["die"] > T["tim1"] > T["lid"] > T["tim2"] > T["heatsink"] > 298.15
    # every interface carries the whole die power (one series path)
    for i in s["interfaces"].values():
        assert i["heat"] == pytest.approx(95.0, rel=1e-6)
    assert {"summary.json", "fields.vtu", "interfaces.vtu"} <= {p.name for p in out.iterdir()}


def test_cpu_heatsink_resistance_vs_hand_estimate(cpu):
    """R_ja against a hand 1D + spreading estimate (Lee et al. 1995 for the lid and the base,
    fin efficiency tanh(mL)/(mL) for the fins) within ±20 %."""
    from femtbr.geometry import group_areas
    from femtbr.materials import get

    result, _ = cpu
    s = result.summary
    info_case = load_case(CASES / "cpu_heatsink.toml")
    from femtbr.pipeline.geometry import build_geometry, geometry_table

    g = build_geometry(geometry_table(info_case))
    th, fp = g.info["layer_thickness"], g.info["footprint_area"]
    Tm = {n: r["T_mean"] for n, r in s["regions"].items()}

    def k(mat, region):
        return float(get(mat).conductivity(np.array([Tm[region]]))[0][0])

    k_die, k_in, k_cu = k("silicon", "die"), k("indium", "tim1"), k("copper", "lid")
    k_gr, k_al = k("tim_grease", "tim2"), k("aluminum", "heatsink")
    A_die, A_lid, A_base = fp["die"], fp["lid"], fp["base"]
    h_die_tim1 = s["interfaces"]["die_tim1"]["h_mean"]  # the model's h at the interface T
    # cooling: fins with efficiency, plus the base between the fins
    h_air, t_f, L_f = 40.0, 1e-3, 35e-3
    areas = group_areas(g.mesh)
    m = math.sqrt(2 * h_air / (k_al * t_f))
    Lc = L_f + t_f / 2
    eta = math.tanh(m * Lc) / (m * Lc)
    G_cool = h_air * (eta * areas["fins"] + areas["base_top"])
    R_cool = 1.0 / G_cool
    R_base_1d = th["base"] / (k_al * A_base)
    b_base = math.sqrt(A_base / math.pi)
    R_base_sp = lee_spreading(
        math.sqrt(A_lid / math.pi), b_base, th["base"], k_al, 1.0 / (R_cool * A_base)
    )
    # the TIM2 faces carry the bond_line model's contact resistances at the clamping pressure
    h_lid_tim2 = s["interfaces"]["lid_tim2"]["h_mean"]
    h_tim2_sink = s["interfaces"]["tim2_heatsink"]["h_mean"]
    R_tim2 = 1 / h_lid_tim2 + th["tim2"] / k_gr + 1 / h_tim2_sink
    R_below_lid = R_tim2 / A_lid + R_base_1d + R_base_sp + R_cool
    R_lid_1d = th["lid"] / (k_cu * A_lid)
    R_lid_sp = lee_spreading(
        math.sqrt(A_die / math.pi),
        math.sqrt(A_lid / math.pi),
        th["lid"],
        k_cu,
        1.0 / (R_below_lid * A_lid),
    )
    R_hand = (
        th["die"] / (2 * k_die * A_die)  # uniformly heated die: peak t/(2kA) above its face
        + 1 / (h_die_tim1 * A_die)
        + th["tim1"] / (k_in * A_die)
        + 1 / (1e6 * A_die)
        + R_lid_1d
        + R_lid_sp
        + R_below_lid
    )
    R_fe = s["breakdown"]["junction_to_ambient"]
    assert R_fe == pytest.approx((s["regions"]["die"]["T_max"] - 298.15) / 95.0, rel=1e-9)
    print(f"R_ja FE = {R_fe:.4f} K/W, hand 1D + spreading = {R_hand:.4f} K/W")
    assert 0.8 < R_fe / R_hand < 1.2, (R_fe, R_hand)


def test_cpu_heatsink_breakdown_adds_up(cpu):
    b = cpu[0].summary["breakdown"]
    total = sum(i["R"] for i in b["items"] if i.get("in_total", True))
    assert total == pytest.approx(b["junction_to_ambient"], rel=1e-12)
    assert b["path"] == ["die", "tim1", "lid", "tim2", "heatsink"]
    parts = {i["name"].strip(): i["R"] for i in b["items"] if i["kind"] == "part"}
    # series parts add up to the interface resistance (uniform h: exactly)
    assert sum(parts.values()) == pytest.approx(items(cpu[0].summary)["die_tim1"], rel=1e-3)
    assert items(cpu[0].summary)["spreading"] > 0


def test_cpu_heatsink_tim2_joint_is_the_bond_line_model(cpu):
    """TIM2 = meshed grease bulk + the two faces' Prasher contact resistances at the clamping
    pressure: the model's BLT(p) = 1.31 d_p (tau_y/p)^0.166 is the meshed thickness (the bulk is
    counted once), and each face's h = 1/R_c with R_c = sigma/(1.25 k_s m (A_r/A_n)^0.95)."""
    from femtbr.pipeline.geometry import build_geometry, geometry_table

    case = load_case(CASES / "cpu_heatsink.toml")
    s = cpu[0].summary
    for name, face in (("lid_tim2", 1), ("tim2_heatsink", 2)):
        spec = case.interfaces[name]
        q = spec.model_extra
        p = spec.pressure
        blt = 1.31 * q["particle_diameter"] * (q["yield_stress"] / p) ** 0.166
        layers = build_geometry(geometry_table(case)).info["layer_thickness"]
        assert blt == pytest.approx(layers["tim2"], rel=0.01)
        sigma, k_sub = q[f"sigma{face}"], q[f"k{face}"]
        m = 0.125 * (sigma / 1e-6) ** 0.402  # Antonetti (1991)
        p_cap = 2 * q["surface_tension"] * math.cos(math.radians(q["contact_angle"])) * m / sigma
        frac = (p + p_cap) / (101325.0 + p + p_cap)
        k_s = 2 * q["k_tim"] * k_sub / (q["k_tim"] + k_sub)
        R_c = sigma / (1.25 * k_s * m * frac**0.95)
        assert s["interfaces"][name]["h_mean"] == pytest.approx(1 / R_c, rel=1e-9)
        assert 1e-7 < R_c < 1e-5  # grease contact resistances (Prasher 2001): ~1e-6 m^2 K/W


# ----------------------------------------------------------------------------- 1D stacks
def test_multilayer_stack_breakdown_is_the_series_formula():
    s = solve("multilayer_stack").summary
    A = 10e-3**2
    expected = {
        "die": 0.5e-3 / (148 * A),
        "die_solder": 1 / (5e5 * A),
        "solder": 100e-6 / (58 * A),
        "solder_spreader": 1 / (1e6 * A),
        "spreader": 2e-3 / (390 * A),
        "cooling": 1 / (5000 * A),
    }
    got = items(s)
    for name, R in expected.items():
        assert got[name] == pytest.approx(R, rel=1e-9), name
    assert s["breakdown"]["junction_to_ambient"] == pytest.approx(sum(expected.values()), rel=1e-9)
    assert abs(got["spreading"]) < 1e-9 * s["breakdown"]["junction_to_ambient"]


def test_si_cu_pressed_contact_depends_on_pressure_bonded_does_not():
    """CMY: h_c ∝ P^0.95 (Yovanovich 2005, eq. for plastic contact) -> R(0.5)/R(4 MPa) = 8^0.95.
    Bonded at 4 K with DMM: the same R at both pressures."""
    from femtbr.pipeline.prepare import interface_model

    R = {}
    for p in (0.5e6, 4e6):
        case = load_case(CASES / "si_cu_pressed_vs_bonded.toml", [f"interfaces.si_cu.pressure={p}"])
        s = solve("si_cu_pressed_vs_bonded", [f"interfaces.si_cu.pressure={p}"]).summary
        i = s["interfaces"]["si_cu"]
        R[p] = i["resistance"]
        model = interface_model(case.interfaces["si_cu"])
        h0 = float(model.conductance(np.array([i["T_mean"]]), np.array([0.5e6]))[0][0])
        h1 = float(model.conductance(np.array([i["T_mean"]]), np.array([4e6]))[0][0])
        assert h1 / h0 == pytest.approx(8**0.95, rel=1e-9)  # at one temperature: exact
        assert i["h_mean"] == pytest.approx(h0 if p == 0.5e6 else h1, rel=1e-6)
    # k_s(T) shifts a little with the interface temperature
    assert R[0.5e6] / R[4e6] == pytest.approx(8**0.95, rel=1e-2)
    bonded = [
        'interfaces.si_cu={model="dmm"}',
        "geometry.T_bottom=4.0",
        'geometry.sources=[{name="chip", size=2e-3, power=1e-3}]',
        "materials.si.k=2000",
        "materials.cu.k=600",
    ]
    from femtbr.materials import get

    Rb = {}
    for p in (0.5e6, 4e6):
        s = solve("si_cu_pressed_vs_bonded", [*bonded, f"interfaces.si_cu.pressure={p}"]).summary
        i = s["interfaces"]["si_cu"]
        Rb[p] = i["resistance"]
    assert Rb[0.5e6] == pytest.approx(Rb[4e6], rel=1e-12)
    # low-T DMM (Swartz & Pohl 1989 eqs. 22, 26): h = (π²k_B⁴/30ħ³) T³ α₁₂ Σ_j c₁ⱼ⁻²,
    # α₁₂ = Σ c₂ⱼ⁻² / (Σ c₁ⱼ⁻² + Σ c₂ⱼ⁻²), sums over one longitudinal and two transverse modes,
    # in emitted-phonon temperatures; femtbr's default equilibrium convention divides it by
    # 1 − (α₁₂ + α₂₁)/2 (Zeng & Chen 2001), and α₁₂ + α₂₁ = 1 in the DMM
    si, cu = get("silicon"), get("copper")
    s1 = si.vL**-2 + 2 * si.vT**-2
    s2 = cu.vL**-2 + 2 * cu.vT**-2
    a12, a21 = s2 / (s1 + s2), s1 / (s1 + s2)
    h_dmm = 1.019256e10 * i["T_mean"] ** 3 * a12 * s1 / (1 - (a12 + a21) / 2)
    assert i["h_mean"] == pytest.approx(h_dmm, rel=1e-2)


def test_thin_film_is_dominated_by_kapitza_resistance():
    s = solve("thin_film_kapitza").summary
    got = items(s)
    R_ja = s["breakdown"]["junction_to_ambient"]
    R_K = got["al_si"] + got["si_diamond"]
    assert R_K / R_ja > 0.6
    # Kapitza length of silicon exceeds its 100 nm thickness
    assert s["interfaces"]["al_si"]["kapitza_length"]["si"] > 100e-9
    assert abs(got["spreading"]) < 1e-6 * R_ja


def test_polycrystal_effective_conductivity():
    """N grains of size d with N-1 boundaries: L/k_eff = N d/k + (N-1) R_gb
    (1/k_eff = 1/k + R_gb/d of Nan & Birringer 1998 for N -> inf)."""
    from femtbr.models.grain_boundary import polycrystal_conductivity

    s = solve("polycrystal_grain_boundaries").summary
    N, d, k, w = 5, 200e-9, 60.0, 200e-9
    R_gb = np.mean([s["interfaces"][f"g{i}_g{i + 1}"]["resistance"] for i in range(1, 5)])
    q = 20.0 / w
    dT = s["regions"]["g1"]["T_max"] - 300.0
    k_eff = N * d * q / dT
    assert N * d / k_eff == pytest.approx(N * d / k + (N - 1) * R_gb, rel=1e-6)
    k_inf, _ = polycrystal_conductivity(k, R_gb, d)
    # the finite stack has one boundary fewer than grains: between k_inf and k
    assert float(k_inf) < k_eff < k


def test_spin_channels_add_in_parallel():
    s = solve("spin_kapitza").summary
    i = s["interfaces"]["co_cu"]
    assert i["h_mean"] == pytest.approx(1 / 3.21e-11 + 1 / 2.47e-10, rel=1e-9)
    assert set(i["components"]) == {"up", "down"}
    assert i["components"]["up"] == pytest.approx(1 / 3.21e-11, rel=1e-9)


def test_gas_conducts_in_air_and_not_in_vacuum():
    air = solve("vacuum_vs_gas_contact").summary["interfaces"]["ss_al"]
    vac = solve("vacuum_vs_gas_contact", ["interfaces.ss_al.p_gas=0"]).summary["interfaces"][
        "ss_al"
    ]
    assert vac["components"]["gas"] == 0.0
    assert air["components"]["gas"] > air["components"]["radiation"]
    # joint = constriction + gas + radiation, in each environment
    for j in (air, vac):
        assert j["h_mean"] == pytest.approx(sum(j["components"].values()), rel=1e-6)
    assert air["resistance"] < vac["resistance"]
    # the contact spots do not care about the gas (only k_s(T) moves with the hotter joint)
    assert air["components"]["constriction"] == pytest.approx(
        vac["components"]["constriction"], rel=1e-2
    )


def test_helium_kapitza_resistance_scales_as_T_minus_3():
    """Acoustic mismatch with mode conversion (Khalatnikov 1952; Swartz & Pohl 1989): R_K ∝ T^-3.

    R_K T³ equals Khalatnikov's limiting form 15ħ³ρ_s c_T³/(2π² k_B⁴ ρ_l c_l F) for Cu/He-4
    within its neglected terms (ρ_l c_l/ρ_s c_T = 1.7e-3, (c_l/c_T)² = 1.0e-2): 1 %.
    """
    from phonon_reference import khalatnikov_RT3

    from femtbr import materials

    cu, he = materials.get("Cu"), materials.get("He4_liquid")
    ref = khalatnikov_RT3(cu.density, cu.vL, cu.vT, he.density, he.vL)  # ≈ 0.136 m² K⁴/W
    R = {}
    for T in (1.0, 2.0):
        s = solve("helium_kapitza", [f"geometry.T_bottom={T}"]).summary
        i = s["interfaces"]["cu_he"]
        R[T] = i["resistance"] * i["T_mean"] ** 3
        assert items(s)["cu_he"] / s["breakdown"]["junction_to_ambient"] > 0.99
        assert R[T] == pytest.approx(ref, rel=1e-2)
    assert R[1.0] == pytest.approx(R[2.0], rel=1e-3)


# ----------------------------------------------------------------------------- orthotropic
def test_graphite_spreader_through_plane_and_stretched_equivalent():
    """1 mm pyrolytic graphite (k_in = 1500, k_z = 8 W/(m K)) on a cold plate, 20 W on a 5 mm
    footprint.  (1) The area-mean top temperature rise is P t/(k_z A) exactly: averaging
    ∇·(K∇T) = 0 over x, y leaves k_z d²T̄/dz² = 0 (adiabatic sides, axes aligned), and the
    z-only test functions of the tensor-product mesh make it exact discretely too.  (2) The
    stretched-coordinate isotropic equivalent (k = k_z, lateral sizes × √(k_z/k_in), the same
    flux density) has the same peak temperature; the tolerance covers the two meshes'
    discretisation error (0.6 % here, 0.15 % at refine = 2)."""
    res = solve("graphite_spreader")
    sol = res.solution
    t, W, P, kz, T_b = 1e-3, 30e-3, 20.0, 8.0, 298.15
    top = np.isclose(sol.points[:, 2], t)
    xs, ys = np.unique(sol.points[top, 0]), np.unique(sol.points[top, 1])
    order = np.lexsort((sol.points[top, 1], sol.points[top, 0]))
    grid = sol.temperature[top][order].reshape(xs.size, ys.size)
    mean = np.trapezoid(np.trapezoid(grid, ys, axis=1), xs) / W**2  # exact for Q1 facets
    assert mean - T_b == pytest.approx(P * t / (kz * W**2), rel=1e-9)

    s = math.sqrt(kz / 1500.0)
    iso = solve("graphite_spreader", [
        "materials.spreader.k=8", f"geometry.width={W * s}",
        f"geometry.sources=[{{name='die', size={5e-3 * s}, power={P * s * s}}}]",
        f"geometry.mesh_size={2e-3 * s}", f"geometry.edge_size={0.25e-3 * s}"])
    rise = res.summary["regions"]["spreader"]["T_max"] - T_b
    assert rise == pytest.approx(iso.summary["regions"]["spreader"]["T_max"] - T_b, rel=0.01)
    # copper (isotropic 390 W/(m K)) in the same place: the graphite's through-plane 1D bound
    # P t/(k_z A) alone exceeds copper's whole peak rise
    cu = solve("graphite_spreader", ["materials.spreader.k=390"])
    assert cu.summary["regions"]["spreader"]["T_max"] - T_b < P * t / (kz * W**2) < rise
