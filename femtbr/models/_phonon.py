"""Shared numerics of the Debye-phonon interface models (``amm``, ``dmm``, radiation limit …).

Swartz & Pohl, Rev. Mod. Phys. 61, 605 (1989), Sec. II (AMM / DMM flux formulas): the net
phonon heat flux from side 1 across an interface, linearised in the temperature difference, is

    h = (1/2) Σ_j ∫_0^{ω_c} ∫_0^{π/2} ħω D_j(ω) c_j (∂f/∂T) α_j(θ, ω) cosθ sinθ dθ dω   [W/(m² K)]

with Debye densities of states D_j(ω) = ω² / (2π² c_j³) [s/m³] per polarization j ∈ {L, T, T},
Bose-Einstein occupation f = 1/(exp(ħω/k_B T) − 1) and transmission probability α_j.  With
Γ_j = 2 ∫ α_j cosθ sinθ dθ (frequency independent in AMM and DMM) the frequency integral
factorises:

    h(T) = P · S · T³ · J(Θ_c / T),   P = k_B⁴ / (8π² ħ³),   S = Σ_j Γ_j / c_j²   [s²/m²]
    J(x) = ∫_0^x y⁴ eʸ / (eʸ − 1)² dy  (the Debye heat-capacity integral),  J(∞) = 4π⁴/15

so that h/T³ → P S 4π⁴/15 = (π² k_B⁴ / (30 ħ³)) Σ_j Γ_j/c_j² at low T (S&P 1989, low-T limit; the
prefactor is 1.019256e10 W s²/(m⁴ K⁴)) and h → P S Θ_c³/3 (classical saturation) at high T.

**Cutoff.**  See :mod:`femtbr.models._cutoff`: by default every branch has its own
mode-count-preserving cutoff ω_j = c_j (6π² n)^(1/3); ``cutoff = "common"`` uses one cutoff
ω_c = min(ω_D,a, ω_D,b) from the tabulated Debye temperatures for all branches of both sides
(:func:`cutoff_temperature`).  Transmission is allowed only where both sides have states
(elastic scattering), which keeps detailed balance exact.

J(x) is tabulated once per process (cubic Hermite in ln x with exact slopes x J'(x), relative
error < 1e-9 against quadrature) and evaluated vectorised; beyond the table the series
J = x³/3 − x⁵/60 + x⁷/1680 (x < 1e-3) and J = 4π⁴/15 (x > 80) are exact to double precision.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from femtbr import materials
from femtbr.errors import FemtbrError, ModelError
from femtbr.models import _solid_liquid as sl

HBAR = 1.054571817e-34  # J s (CODATA 2018, exact h / 2π)
KB = 1.380649e-23  # J/K (SI, exact)
P_PHONON = KB**4 / (8.0 * math.pi**2 * HBAR**3)  # W s² / (m⁴ K⁴) ... times S T³ J
LOW_T_PREFACTOR = math.pi**2 * KB**4 / (30.0 * HBAR**3)  # 1.019256e10 W s²/(m⁴ K⁴), S&P low-T limit
J_INF = 4.0 * math.pi**4 / 15.0

_X_LO, _X_HI, _N = 1e-3, 80.0, 4001


def _dJ(x: np.ndarray) -> np.ndarray:
    """J'(x) = x⁴ eˣ / (eˣ − 1)², written with e⁻ˣ for stability."""
    e = np.exp(-x)
    return x**4 * e / (-np.expm1(-x)) ** 2


def _J_series(x: np.ndarray) -> np.ndarray:
    """Small-x series J = x³/3 − x⁵/60 + x⁷/1680 − x⁹/54432 (from y²eʸ/(eʸ−1)² expansion)."""
    x2 = x * x
    return x * x2 * (1.0 / 3.0 - x2 / 60.0 + x2 * x2 / 1680.0 - x2**3 / 54432.0)


def _build_J_table() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    u = np.linspace(math.log(_X_LO), math.log(_X_HI), _N)
    x = np.exp(u)
    g, w = np.polynomial.legendre.leggauss(12)
    a, b = x[:-1], x[1:]
    mid, half = 0.5 * (a + b), 0.5 * (b - a)
    pieces = (half[:, None] * w[None, :] * _dJ(mid[:, None] + half[:, None] * g[None, :])).sum(1)
    J = np.concatenate([[_J_series(np.array(x[0]))], _J_series(np.array(x[0])) + np.cumsum(pieces)])
    slope = x * _dJ(x)  # dJ/du
    return u, J, slope, float(u[1] - u[0])


_U, _JV, _JS, _DU = _build_J_table()


def debye_J(x: Any) -> tuple[np.ndarray, np.ndarray]:
    """J(x) and K(x) = 3J(x) − x J'(x) (see module docstring) for x ≥ 0; x may be ``inf``.

    J comes from the Hermite table (series / constant outside it); J'(x) is evaluated
    analytically, and for x < 0.1 K uses its series x⁵/30 − x⁷/420 + x⁹/9072 − x¹¹/237600,
    which avoids the cancellation 3J ≈ xJ' in the classical limit.
    """
    x = np.asarray(x, dtype=float)
    J = np.empty_like(x)
    lo = x < _X_LO
    hi = x >= _X_HI
    mid = ~(lo | hi)
    if np.any(mid):
        xm = x[mid]
        s = (np.log(xm) - _U[0]) / _DU
        i = np.minimum(s.astype(np.intp), _N - 2)
        t = s - i
        t2 = t * t
        t3 = t2 * t
        J[mid] = (
            (2 * t3 - 3 * t2 + 1) * _JV[i]
            + (t3 - 2 * t2 + t) * (_JS[i] * _DU)
            + (3 * t2 - 2 * t3) * _JV[i + 1]
            + (t3 - t2) * (_JS[i + 1] * _DU)
        )
    if np.any(lo):
        J[lo] = _J_series(x[lo])
    J[hi] = J_INF
    finite = np.isfinite(x)
    xf = np.where(finite, x, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        K = np.where(finite, 3.0 * J - xf * _dJ(xf), 3.0 * J_INF)
    small = x < 0.1
    if np.any(small):
        xs = x[small]
        x2 = xs * xs
        K[small] = x2 * x2 * xs * (1 / 30 - x2 / 420 + x2 * x2 / 9072 - x2**3 / 237600)
    return J, K


def h_debye(S: float, theta_c: float, T: Any) -> tuple[np.ndarray, np.ndarray]:
    """h = P S T³ J(Θ_c/T) [W/(m² K)] and dh/dT = P S T² (3J − x J'(x)) [W/(m² K²)].

    Parameters
    ----------
    S
        Σ_j Γ_j / c_j² of the emitting side [s²/m²].
    theta_c
        Cutoff temperature ħω_c/k_B [K] (``inf`` for no cutoff).
    T
        Temperatures [K], > 0.
    """
    T = np.asarray(T, dtype=float)
    if np.any(~(T > 0)) or not np.all(np.isfinite(T)):
        raise ModelError(f"T: temperatures must be finite and > 0 K, got min {np.min(T)!r}")
    J, K = debye_J(theta_c / T)
    c = P_PHONON * S
    T2 = T * T
    return c * T2 * T * J, c * T2 * K


# --------------------------------------------------------------------------- sides


@dataclass(frozen=True)
class Side:
    """One side of a phonon interface: density, sound speed per branch, Debye cutoff.

    ``speeds`` maps branch -> speed [m/s]: ``{"L": vL, "T1": vT, "T2": vT}`` for a solid and
    ``{"L": vL}`` for a liquid (no shear waves).  ``theta_D`` [K] may be ``None`` (no cutoff);
    ``atomic_density`` [1/m³] fixes the per-branch cutoffs (``femtbr.models._cutoff``).
    """

    name: str
    rho: float
    speeds: Mapping[str, float]
    theta_D: float | None
    atomic_density: float | None = None

    @property
    def liquid(self) -> bool:
        """True for a side without shear waves (longitudinal branch only)."""
        return "T1" not in self.speeds

    @property
    def S_rad(self) -> float:
        """Σ_j 1/c_j² [s²/m²] (every phonon transmitted: Γ_j = 1)."""
        return sum(1.0 / c**2 for c in self.speeds.values())


_INLINE_KEYS = {"rho": "density", "theta_D": "debye_temperature", "debye": "debye_temperature",
                "n": "atomic_density"}


def resolve_side(owner: str, key: str, spec: Any) -> Side:
    """A :class:`Side` from a material name, a Material, or an inline table.

    Inline tables accept ``rho``/``density`` [kg/m³], ``vL``, ``vT`` [m/s],
    ``debye_temperature``/``theta_D`` [K], ``phase`` and ``use`` (a base material).

    Raises
    ------
    ModelError
        Unknown material, bad or missing property; the message names ``owner.key``.
    """
    label = f"{owner}.{key}"
    try:
        if isinstance(spec, Mapping):
            spec = {_INLINE_KEYS.get(k, k): v for k, v in spec.items()}
            mat = materials.from_dict(label, spec)
        elif isinstance(spec, (str, materials.Material)):
            mat = materials.resolve(spec, label)
        else:
            raise ModelError(f"{label}: expected a material name or a table (rho, vL, vT, "
                             f"debye_temperature), got {spec!r}")
    except ModelError:
        raise
    except FemtbrError as exc:
        raise ModelError(f"{label}: {exc}") from None
    if mat.phase == "gas":
        raise ModelError(f"{label}: material {mat.name!r} is a gas; phonon models need a solid or "
                         "a liquid")
    for prop in ("density", "vL"):
        if getattr(mat, prop) is None:
            raise ModelError(f"{label}: material {mat.name!r} lacks {prop!r}")
    liquid = mat.phase == "liquid"
    if not liquid and mat.vT is None:
        raise ModelError(f"{label}: material {mat.name!r} lacks 'vT' (give phase = 'liquid' for a "
                         "longitudinal-only side)")
    speeds = {"L": float(mat.vL)} if liquid else {"L": float(mat.vL), "T1": float(mat.vT),
                                                   "T2": float(mat.vT)}
    return Side(mat.name, float(mat.density), speeds, mat.debye_temperature, mat.atomic_density)


def cutoff_temperature(owner: str, a: Side, b: Side, override: float | None) -> float:
    """Common cutoff Θ_c = min(Θ_D,a, Θ_D,b) [K] (or ``override``); see the module docstring."""
    if override is not None:
        return float(override)
    thetas = [t for t in (a.theta_D, b.theta_D) if t is not None]
    if not thetas:
        raise ModelError(f"{owner}.side_a: neither side has a debye_temperature; give one or set "
                         f"{owner}.cutoff_temperature")
    return float(min(thetas))


# ------------------------------------------------------------ acoustic mismatch


_GL_T, _GL_W = np.polynomial.legendre.leggauss(96)
_GL_T, _GL_W = 0.5 * (_GL_T + 1.0), 0.5 * _GL_W


def amm_alpha(
    Z1: float, Z2: float, cos1: Any, cos2: Any, shear: bool = False
) -> np.ndarray:
    """AMM plane-wave energy transmission α(θ1) [-] across a welded plane interface.

    Longitudinal (pressure-like) waves, effective impedance Z/cosθ:
    α = 4 Z1 Z2 cosθ1 cosθ2 / (Z1 cosθ2 + Z2 cosθ1)²  (Little, Can. J. Phys. 37, 334 (1959);
    Swartz & Pohl, Rev. Mod. Phys. 61, 605 (1989), Sec. II AMM; Khalatnikov's liquid-He result).
    Transverse waves (``shear=True``), effective impedance Z cosθ, exact for SH waves:
    α = 4 Z1 Z2 cosθ1 cosθ2 / (Z1 cosθ1 + Z2 cosθ2)²  (e.g. Auld, Acoustic Fields and Waves in
    Solids (1973), Ch. 9; SV is treated the same way, mode conversion neglected).
    Z = ρc [kg/(m² s)]; θ2 from Snell's law sinθ1/c1 = sinθ2/c2.  Both forms are symmetric in
    1 ↔ 2, which gives detailed balance.
    """
    if shear:
        return 4.0 * Z1 * Z2 * cos1 * cos2 / (Z1 * cos1 + Z2 * cos2) ** 2
    return 4.0 * Z1 * Z2 * cos1 * cos2 / (Z1 * cos2 + Z2 * cos1) ** 2


def amm_gamma(rho1: float, c1: float, rho2: float, c2: float, shear: bool = False) -> float:
    """Γ = 2 ∫_0^{π/2} α(θ1) cosθ1 sinθ1 dθ1 for one branch (Swartz & Pohl 1989, AMM).

    With u = sin²θ1 (du = 2 sinθ cosθ dθ) Γ = ∫_0^{u_c} α du, u_c = min(1, (c1/c2)²): beyond the
    critical angle the wave is totally reflected (α = 0).  The substitution u = u_c (1 − t²)
    makes the integrand smooth in t (the square-root edge at u_c becomes cosθ = t), so a 96-point
    Gauss-Legendre rule is exact to rounding.  Mode conversion (L ↔ SV) is neglected.
    """
    Z1, Z2, r = rho1 * c1, rho2 * c2, c2 / c1
    t = _GL_T
    uc = 1.0 if r <= 1.0 else 1.0 / r**2
    u = uc * (1.0 - t * t)
    cos1 = np.sqrt(np.maximum(1.0 - u, 0.0))
    cos2 = np.sqrt(np.maximum(1.0 - u * r * r, 0.0))
    integrand = amm_alpha(Z1, Z2, cos1, cos2, shear) * 2.0 * uc * t
    return float(np.dot(_GL_W, integrand))


def amm_S(a: Side, b: Side) -> tuple[float, dict[str, float]]:
    """S = Σ_j Γ_j / c_aj² for phonons incident from ``a`` and Γ_j per branch.

    Solid/solid and liquid/liquid: branches pair by polarization (L→L, T→T; T uses the shear
    form of :func:`amm_alpha`).  Solid/liquid: the full plane-wave problem with mode conversion
    (:mod:`femtbr.models._solid_liquid`, Brekhovskikh): the solid's L and SV (``T1``) phonons
    transmit, SH (``T2``) is totally reflected; the liquid's Γ follows from detailed balance,
    Γ_liquid / c_l² = Σ_j Γ_j / c_j² of the solid (the integrals share one slowness rule, so
    this equals the direct liquid-side integral to rounding).
    """
    if a.liquid != b.liquid:
        solid, liquid = (b, a) if a.liquid else (a, b)
        g = sl.solid_gammas(solid.rho, solid.speeds["L"], solid.speeds["T1"], liquid.rho,
                            liquid.speeds["L"])
        gammas = {"L": g["L"], "T1": g["SV"], "T2": g["SH"]}
        S = sum(gj / solid.speeds[j] ** 2 for j, gj in gammas.items())
        if a is solid:
            return S, gammas
        return S, {"L": S * liquid.speeds["L"] ** 2}
    gammas = {}
    for j, c1 in a.speeds.items():
        c2 = b.speeds.get(j)
        gammas[j] = 0.0 if c2 is None else amm_gamma(a.rho, c1, b.rho, c2, j != "L")
    return sum(g / a.speeds[j] ** 2 for j, g in gammas.items()), gammas


def dmm_alpha(a: Side, b: Side) -> float:
    """DMM transmission a → b: α_ab = Σ_j c_bj⁻² / (Σ_j c_aj⁻² + Σ_j c_bj⁻²) [-].

    Swartz & Pohl (1989), Sec. II DMM, for Debye solids with a common cutoff (diffuse scattering,
    memory of the incident side lost; detailed balance α_ab Σ c_a⁻² = α_ba Σ c_b⁻²).
    """
    return b.S_rad / (a.S_rad + b.S_rad)


# ---------------------------------------------------- direct quadrature (reference)


def direct_h(side: Side, theta_c: float, T: float, alpha: Callable[[str, float], float]) -> float:
    """h at one T by direct double quadrature of the Swartz & Pohl flux integral (tests, benches).

    ``alpha(branch, theta)`` gives α_j(θ) for incidence from ``side``; ω is integrated with
    ``scipy.integrate.quad`` up to ω_c = k_B Θ_c/ħ, θ with ``quad`` (breakpoint at the critical
    angle handled by the integrand's own zero).  Independent of the factorised table.
    """
    from scipy.integrate import quad

    wc = KB * theta_c / HBAR
    total = 0.0
    for j, c in side.speeds.items():
        ang, _ = quad(lambda th, j=j: alpha(j, th) * math.cos(th) * math.sin(th), 0.0,
                      math.pi / 2, limit=200, epsabs=0.0, epsrel=1e-12)

        def spec(w: float, c: float = c) -> float:
            x = HBAR * w / (KB * T)
            if x > 700:
                return 0.0
            dfdT = x / T * math.exp(-x) / (-math.expm1(-x)) ** 2
            return HBAR * w * w * w / (2 * math.pi**2 * c**3) * c * dfdT

        wmax = min(wc, 60 * KB * T / HBAR)
        freq, _ = quad(spec, 0.0, wmax, limit=400, epsabs=0.0, epsrel=1e-12)
        total += 0.5 * freq * ang
    return total
