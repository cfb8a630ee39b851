"""Independent references for the solid/liquid acoustic mismatch (used by the phonon tests).

Written from the textbook closed forms, not from ``femtbr.models._solid_liquid`` (which solves
the boundary conditions as a linear system).
"""

from __future__ import annotations

import cmath
import math

from scipy.integrate import quad

HBAR, KB = 1.054571817e-34, 1.380649e-23
LOW_T = math.pi**2 * KB**4 / (30 * HBAR**3)  # Swartz & Pohl (1989) low-T prefactor, SI


def brekhovskikh_liquid_to_solid(rho_s, cL, cT, rho_l, cl, theta):
    """Energy fractions (into solid L, into solid SV) of a liquid L wave at angle ``theta``.

    Brekhovskikh, *Waves in Layered Media* (1980), liquid/solid half-spaces: impedances
    Z = ρ_l c_l/cosθ, Z_L = ρ_s c_L/cosθ_L, Z_T = ρ_s c_T/cosθ_T (Snell: sinθ/c_l = sinθ_j/c_j;
    imaginary cos for an evanescent wave), Z_tot = Z_L cos²2θ_T + Z_T sin²2θ_T; the transmitted
    energy fractions are 4 Z Re(Z_L) cos²2θ_T/|Z_tot + Z|² and 4 Z Re(Z_T) sin²2θ_T/|Z_tot + Z|².
    """
    s = math.sin(theta) / cl
    cos_l = math.cos(theta)
    cos_L = cmath.sqrt(1 - (cL * s) ** 2)
    cos_T = cmath.sqrt(1 - (cT * s) ** 2)
    if abs(cos_T) == 0 or abs(cos_L) == 0:
        return 0.0, 0.0
    Z = rho_l * cl / cos_l
    ZL = rho_s * cL / cos_L
    ZT = rho_s * cT / cos_T
    sin2T = (cT * s) ** 2
    c2 = (1 - 2 * sin2T) ** 2
    s2 = 4 * sin2T * (1 - sin2T)
    den = abs(ZL * c2 + ZT * s2 + Z) ** 2
    return 4 * Z * ZL.real * c2 / den, 4 * Z * ZT.real * s2 / den


def liquid_gamma(rho_s, cL, cT, rho_l, cl):
    """Γ = 2∫ (α_L + α_SV) cosθ sinθ dθ over liquid angles, by adaptive quadrature in θ."""

    def f(th):
        tL, tT = brekhovskikh_liquid_to_solid(rho_s, cL, cT, rho_l, cl, th)
        return 2 * (tL + tT) * math.cos(th) * math.sin(th)

    # past the SV critical angle (if c_T > c_l) both solid waves are evanescent: total reflection
    top = math.asin(cl / cT) if cT > cl else math.pi / 2
    pts = [math.asin(cl / cL)] if cL > cl and math.asin(cl / cL) < top else None
    val, _ = quad(f, 0.0, top, points=pts, epsabs=0, epsrel=1e-12, limit=400)
    return val


def khalatnikov_RT3(rho_s, cL, cT, rho_l, cl):
    """Khalatnikov's limiting form R_K T³ = 15ħ³ ρ_s c_T³ / (2π² k_B⁴ ρ_l c_l F) [m² K⁴/W].

    Khalatnikov, Zh. Eksp. Teor. Fiz. 22, 687 (1952); Challis, J. Phys. C 7, 481 (1974);
    Swartz & Pohl, Rev. Mod. Phys. 61, 605 (1989) Sec. III.  Valid for ρ_l c_l ≪ ρ_s c_T and
    c_l ≪ c_T; F(c_L/c_T) follows from the liquid-side flux with Z ≪ |Z_tot| and cosθ ≈ 1:
    with x = sin²θ_T, a = c_L/c_T and g(x) = a(1 − 2x)²/√(1 − a²x) + 4x√(1 − x),
    F = ∫_0^1 Re g / |g|² dx (the √ is imaginary for x > 1/a²: the L wave is evanescent).
    """
    a = cL / cT

    def w(x):
        g = a * (1 - 2 * x) ** 2 / cmath.sqrt(1 - a * a * x) + 4 * x * math.sqrt(1 - x)
        return g.real / abs(g) ** 2

    F = sum(quad(w, lo, hi, epsabs=0, epsrel=1e-12, limit=200)[0]
            for lo, hi in ((0.0, 1 / a**2), (1 / a**2, 1.0)))
    return 15 * HBAR**3 * rho_s * cT**3 / (2 * math.pi**2 * KB**4 * rho_l * cl * F)
