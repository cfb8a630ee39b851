"""Surface and contact-mechanics helpers shared by the contact models (not a registered model).

All quantities SI: roughness σ [m], slope m [-], hardness and moduli [Pa], pressure [Pa].
Roughness enters the Vickers correlations through σ' = σ/σ₀ with σ₀ = 1 µm.

References
----------
[Y05] M. M. Yovanovich, "Four decades of research on thermal contact, gap, and joint resistance
      in microelectronics", IEEE Trans. Compon. Packag. Technol. 28(2), 182-206 (2005).
[CMY69] M. G. Cooper, B. B. Mikic, M. M. Yovanovich, "Thermal contact conductance",
      Int. J. Heat Mass Transfer 12, 279-300 (1969).
[M74] B. B. Mikic, "Thermal contact conductance; theoretical considerations",
      Int. J. Heat Mass Transfer 17, 205-214 (1974).
[SY88] S. Song, M. M. Yovanovich, "Relative contact pressure: dependence on
      surface roughness and Vickers microhardness", J. Thermophys. Heat Transfer 2(1), 43-47 (1988).
[A91] G. P. Antonetti, T. D. Whittle, R. E. Simons, "An approximate thermal contact conductance
      correlation", ASME HTD-Vol. 170, 35-42 (1991); quoted in [Y05].
"""

from __future__ import annotations

import warnings

import numpy as np

SIGMA0 = 1.0e-6
"""Reference roughness σ₀ = 1 µm of the Vickers microhardness correlation [m]."""

PLASTIC_RANGE = (1.0e-6, 2.0e-2)
"""Range of P/H_c over which the CMY correlation fits its theory within 1.5 % [Y05]."""


BRINELL_RANGE = (1.3e9, 7.6e9)
"""Brinell hardness range [Pa] of the Song–Yovanovich (1988) c₁, c₂ correlation."""


class RangeWarning(UserWarning):
    """A correlation was used outside the range over which it was fitted or validated."""


def warn_range(
    what: str,
    values: np.ndarray,
    lo: float,
    hi: float,
    source: str,
    seen: set[tuple[str, str]] | None = None,
) -> None:
    """Warn if any finite ``values`` lie outside ``[lo, hi]`` (0, e.g. zero pressure, is below).

    With ``seen`` (a per-model set) each quantity warns once per side (below / above), so a
    Newton loop or a sweep does not repeat the same warning with slightly different numbers.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return
    sides = [s for s, bad in (("below", v.min() < lo), ("above", v.max() > hi)) if bad]
    if seen is not None:
        sides = [s for s in sides if (what, s) not in seen]
        seen.update((what, s) for s in sides)
    if sides:
        warnings.warn(
            f"{what} = {v.min():.3g}..{v.max():.3g} outside the validity range "
            f"[{lo:.3g}, {hi:.3g}] of {source}",
            RangeWarning,
            stacklevel=3,
        )


def combined_roughness(sigma1: float, sigma2: float) -> float:
    """Effective RMS roughness σ = √(σ₁² + σ₂²) [m] of two Gaussian surfaces ([Y05] eq. list)."""
    return float(np.hypot(sigma1, sigma2))


def combined_slope(m1: float, m2: float) -> float:
    """Effective mean absolute asperity slope m = √(m₁² + m₂²) [-] ([Y05])."""
    return float(np.hypot(m1, m2))


def antonetti_slope(sigma: float) -> float:
    """Mean absolute slope from roughness, m = 0.125 (σ/1 µm)^0.402 [A91] (as given in [Y05]).

    Fitted for 0.216 µm ≤ σ ≤ 9.6 µm; warns outside.
    """
    warn_range(
        "sigma [um] for the Antonetti slope", np.array([sigma / SIGMA0]), 0.216, 9.6, "[A91]"
    )
    return 0.125 * (sigma / SIGMA0) ** 0.402


def harmonic_conductivity(
    k1: np.ndarray, dk1: np.ndarray, k2: np.ndarray, dk2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Effective conductivity k_s = 2k₁k₂/(k₁+k₂) [W/(m K)] and its T-derivative ([CMY69]).

    dk_s/dT = 2(k₁' k₂² + k₂' k₁²)/(k₁+k₂)² (chain rule).
    """
    s = k1 + k2
    return 2.0 * k1 * k2 / s, 2.0 * (dk1 * k2**2 + dk2 * k1**2) / s**2


def effective_modulus(E1: float, nu1: float, E2: float, nu2: float) -> float:
    """Effective elastic modulus E' [Pa] with 1/E' = (1−ν₁²)/E₁ + (1−ν₂²)/E₂.

    This is the convention of Mikic [M74] and [Y05] (no factor 2; e.g. identical steels
    E = 200 GPa, ν = 0.3 give E' = 110 GPa).  The Mikic elastic correlation and the plasticity
    index below are defined with this E'.
    """
    return 1.0 / ((1.0 - nu1**2) / E1 + (1.0 - nu2**2) / E2)


def vickers_microhardness(c1: float, c2: float, sigma: float, m: float) -> float:
    """Contact microhardness H_c = c₁ (1.62 σ'/m)^c₂ [Pa], σ' = σ/1 µm ([SY88], [Y05]).

    ``c1`` [Pa] and ``c2`` [-] are the Vickers correlation coefficients H_v = c₁ (d_v/1 µm)^c₂.
    """
    return c1 * (1.62 * (sigma / SIGMA0) / m) ** c2


def relative_pressure(p: np.ndarray, c1: float, c2: float, sigma: float, m: float) -> np.ndarray:
    """Explicit relative contact pressure P/H_c [-] ([SY88] eq. 13, [Y05]).

        P/H_c = [P / (c₁ (1.62 σ'/m)^c₂)]^(1/(1 + 0.071 c₂)),   σ' = σ/1 µm.

    ``p`` [Pa], ``c1`` [Pa], ``c2`` [-], ``sigma`` [m], ``m`` [-]; vectorised over ``p``.
    """
    base = np.asarray(p, dtype=float) / vickers_microhardness(c1, c2, sigma, m)
    return np.maximum(base, 0.0) ** (1.0 / (1.0 + 0.071 * c2))


def brinell_to_vickers(brinell: float) -> tuple[float, float]:
    """Vickers coefficients (c₁ [Pa], c₂ [-]) from Brinell hardness H_B [Pa] ([SY88], [Y05]).

        c₁/3178 MPa = 4.0 − 5.77 κ + 4.0 κ² − 0.61 κ³,   κ = H_B/3178 MPa,
        c₂ = −0.370 + 0.442 H_B/c₁,

    fitted for 1300 MPa ≤ H_B ≤ 7600 MPa (warns outside).
    """
    hb = brinell / 1.0e6
    lo, hi = BRINELL_RANGE
    warn_range("Brinell hardness [MPa]", np.array([hb]), lo / 1e6, hi / 1e6, "[SY88]")
    kappa = hb / 3178.0
    c1 = 3178.0 * (4.0 - 5.77 * kappa + 4.0 * kappa**2 - 0.61 * kappa**3)
    c2 = -0.370 + 0.442 * hb / c1
    return c1 * 1.0e6, c2


def plasticity_index(H_c: float, E_prime: float, m: float) -> float:
    """Mikic plasticity index γ = H_c/(E' m) [-] ([M74]; [Y05]).

    γ ≥ 3: elastic asperity deformation; γ ≤ 0.33: plastic; in between elastoplastic.
    """
    return H_c / (E_prime * m)


def separation_exact(x: np.ndarray) -> np.ndarray:
    """Relative mean-plane separation λ = Y/σ = √2 erfc⁻¹(2 P/H_c) of the plastic model ([CMY69]).

    Gaussian heights: A_r/A_a = P/H_c = ½ erfc(λ/√2).  ``x`` = P/H_c in (0, 1).
    """
    from scipy.special import erfcinv  # deferred: scipy.special costs ~0.2 s to import

    return np.sqrt(2.0) * erfcinv(2.0 * np.asarray(x, dtype=float))


def separation_fit(x: np.ndarray, form: str = "yovanovich") -> np.ndarray:
    """Closed-form fits of λ = Y/σ as a function of x = P/H_c.

    ``"yovanovich"``: λ ≈ 1.184 [−ln(3.132 x)]^0.547 (quoted in [Y05]); measured here against
    :func:`separation_exact`: max error 0.66 % for 1e-6 ≤ x ≤ 2e-2.
    ``"song"``: λ ≈ 1.363 [−ln(5.589 x)]^0.5 (Song & Yovanovich, quoted in [Y05]); measured
    max error 1.8 % on the same range.
    """
    x = np.asarray(x, dtype=float)
    if form == "yovanovich":
        return 1.184 * (-np.log(3.132 * x)) ** 0.547
    if form == "song":
        return 1.363 * (-np.log(5.589 * x)) ** 0.5
    raise ValueError(f"unknown separation fit {form!r}; use 'yovanovich' or 'song'")
