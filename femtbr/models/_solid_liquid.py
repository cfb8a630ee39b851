"""Plane-wave energy transmission across a welded solid/liquid boundary (L, SV and liquid L).

A flat boundary z = 0 between an isotropic solid (z < 0: density ρ_s [kg/m³], longitudinal and
transverse speeds c_L, c_T [m/s]) and an inviscid liquid (z > 0: ρ_l, c_l).  Every wave shares
the horizontal slowness s = sinθ_j / c_j [s/m] (Snell's law across all three waves).  The
boundary conditions are continuity of the normal displacement u_z and of the normal stress
σ_zz, and a free tangential stress σ_xz = 0 on the solid (the liquid cannot carry shear)
(L.M. Brekhovskikh, *Waves in Layered Media*, 2nd ed. (1980), Sec. 4 "reflection from the
boundary of a liquid and a solid"; B.A. Auld, *Acoustic Fields and Waves in Solids* (1973),
Vol. II, Ch. 9).  SH waves carry no u_z and no σ_zz and are totally reflected.

For an incident wave (solid L, solid SV or liquid L) the three outgoing waves are the solid L and
SV going into z < 0 and the liquid L going into z > 0.  Their displacement amplitudes A_k solve
a 3 × 3 linear system; a plane wave of unit polarisation carries the normal energy flux
(ω²/2) ρ c² Re(q) |A|² [W/m²], q the vertical slowness (imaginary for an evanescent wave, which
carries none).  The returned energy fractions of the three outgoing waves sum to 1 (energy
conservation) and the solid→liquid and liquid→solid transmissions are equal at the same s
(reciprocity), which gives detailed balance of the angle integrals below.

Angle integrals use u = s² [s²/m²]: for a wave of speed c, d(sin²θ) = c² du, so that
Γ_j = 2∫ α_j cosθ sinθ dθ = c_j² ∫_0^{1/c_j²} α_j(u) du.  Integration is split at every critical
slowness u = 1/c² and each piece is mapped by u = a + (b − a)(1 − cos φ)/2, which turns the
square-root edges at both ends into smooth functions of φ (Gauss-Legendre in φ is then
accurate to rounding).
"""

from __future__ import annotations

import numpy as np

CHANNELS = ("L", "SV", "liquid")

_GL_X, _GL_W = np.polynomial.legendre.leggauss(128)


def _q(c: float, u: np.ndarray, sign: float) -> np.ndarray:
    """Vertical slowness ±√(1/c² − u) [s/m]; evanescent (imaginary) waves decay away from z=0."""
    return sign * np.sqrt((1.0 / c**2 - u).astype(complex))


def energy_fractions(
    rho_s: float, c_L: float, c_T: float, rho_l: float, c_l: float, u: np.ndarray, incident: str
) -> dict[str, np.ndarray]:
    """Energy fraction of an incident plane wave carried away by each outgoing wave [-].

    Parameters
    ----------
    rho_s, c_L, c_T
        Solid density [kg/m³] and longitudinal / transverse speeds [m/s].
    rho_l, c_l
        Liquid density [kg/m³] and sound speed [m/s].
    u
        Squared horizontal slowness s² [s²/m²]; the incident wave must propagate (u < 1/c_inc²).
    incident
        ``"L"`` or ``"SV"`` (from the solid) or ``"liquid"``.

    Returns
    -------
    dict
        ``{"L": solid L, "SV": solid SV, "liquid": liquid L}`` outgoing energy fractions; for
        incidence from the solid, ``"liquid"`` is the transmission α_j(θ_j), for incidence from
        the liquid ``"L" + "SV"`` is.
    """
    u = np.asarray(u, dtype=float)
    s = np.sqrt(u)
    lam_s = rho_s * (c_L**2 - 2.0 * c_T**2)
    mu = rho_s * c_T**2

    def solid_L(q: np.ndarray) -> np.ndarray:  # displacement c_L (s, q)
        return np.stack([c_L * q, lam_s / c_L + 2.0 * mu * c_L * q * q, 2.0 * mu * c_L * s * q])

    def solid_SV(q: np.ndarray) -> np.ndarray:  # displacement c_T (q, −s)
        return np.stack([-c_T * s + 0j * q, -2.0 * mu * c_T * s * q, mu * c_T * (q * q - s * s)])

    def liquid(q: np.ndarray) -> np.ndarray:  # displacement c_l (s, q); p = −ρ c_l² div u
        return np.stack([-(c_l * q), -(rho_l * c_l + 0j * q), 0j * q])

    # rows: u_z continuity, σ_zz continuity, σ_xz = 0 (solid − liquid = 0)
    out_q = {"L": _q(c_L, u, -1.0), "SV": _q(c_T, u, -1.0), "liquid": _q(c_l, u, 1.0)}
    build = {"L": solid_L, "SV": solid_SV, "liquid": liquid}
    M = np.stack([build[k](out_q[k]) for k in CHANNELS], axis=-1)  # (3, n, 3)
    q_in = _q({"L": c_L, "SV": c_T, "liquid": c_l}[incident], u,
              -1.0 if incident == "liquid" else 1.0)
    rhs = -build[incident](q_in)
    A = np.linalg.solve(np.moveaxis(M, 0, 1), np.moveaxis(rhs, 0, 1)[..., None])[..., 0]
    dens = {"L": rho_s * c_L**2, "SV": rho_s * c_T**2, "liquid": rho_l * c_l**2}
    flux_in = dens[incident] * np.abs(q_in.real)
    return {k: dens[k] * np.abs(out_q[k].real) * np.abs(A[:, i]) ** 2 / flux_in
            for i, k in enumerate(CHANNELS)}


def slowness_rule(speeds: list[float], top: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights in u = s² on [0, top], split at every critical 1/c² below ``top``."""
    edges = sorted({0.0, top, *(1.0 / c**2 for c in speeds if 1.0 / c**2 < top)})
    nodes, weights = [], []
    phi = 0.5 * np.pi * (_GL_X + 1.0)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        nodes.append(a + 0.5 * (b - a) * (1.0 - np.cos(phi)))
        weights.append(0.5 * np.pi * _GL_W * 0.5 * (b - a) * np.sin(phi))
    return np.concatenate(nodes), np.concatenate(weights)


def solid_gammas(
    rho_s: float, c_L: float, c_T: float, rho_l: float, c_l: float
) -> dict[str, float]:
    """Γ_j = c_j² ∫ α_j(u) du [-] for the solid's L and SV phonons transmitted into the liquid.

    Swartz & Pohl, Rev. Mod. Phys. 61, 605 (1989), Γ_j = 2∫α_j cosθ sinθ dθ, with α_j the
    solid → liquid energy transmission of :func:`energy_fractions`.  SH (``"SH"``) is 0.
    """
    out = {}
    for j, c in (("L", c_L), ("SV", c_T)):
        top = min(1.0 / c**2, 1.0 / c_l**2)  # beyond 1/c_l² the liquid wave is evanescent
        u, w = slowness_rule([c_L, c_T, c_l], top)
        alpha = energy_fractions(rho_s, c_L, c_T, rho_l, c_l, u, j)["liquid"]
        out[j] = c**2 * float(np.dot(w, alpha))
    out["SH"] = 0.0
    return out


def liquid_gamma(rho_s: float, c_L: float, c_T: float, rho_l: float, c_l: float) -> float:
    """Γ = c_l² ∫ (α_L + α_SV)(u) du [-] for liquid phonons entering the solid (direct integral)."""
    top = min(1.0 / c_l**2, 1.0 / c_T**2)  # beyond 1/c_T² both solid waves are evanescent
    u, w = slowness_rule([c_L, c_T, c_l], top)
    f = energy_fractions(rho_s, c_L, c_T, rho_l, c_l, u, "liquid")
    return c_l**2 * float(np.dot(w, f["L"] + f["SV"]))
