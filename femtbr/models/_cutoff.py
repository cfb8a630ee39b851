"""Debye cutoffs of the phonon branches and h from piecewise-constant spectral weights.

**Per-branch cutoff** (``cutoff = "per_branch"``).  A Debye branch j of speed c_j has
D_j(ω) = ω²/(2π² c_j³) [s/m³]; it holds exactly one mode per atom, ∫_0^{ω_j} D_j dω = n, when

    ω_j = c_j (6π² n)^(1/3)   [rad/s],   Θ_j = ħ ω_j / k_B   [K]

with n the atomic number density [1/m³] (Kittel, Introduction to Solid State Physics, 8th ed.,
Ch. 5, Debye model per polarization; Reddy, Castelino & Majumdar, Appl. Phys. Lett. 87, 211908
(2005)).  One calorimetric Θ_D shared by branches with measured sound speeds gives branch j
the mode count (Θ_D/Θ_j)³ n instead, i.e. too many soft transverse modes (Pb: 2.6 × 3n in
total, Al: 1.23 ×), which inflates flux integrals that reach the cutoff (the radiation limit of
Pb drops by 0.62× in the classical limit with per-branch cutoffs).  A side without
``atomic_density`` uses its Θ_D for all branches; one with neither (liquid He-4, whose
phonon-roton spectrum is not Debye-like) has no cutoff.

**Common cutoff (default)** (``cutoff = "common"``): all branches of both sides stop at
min(Θ_D,a, Θ_D,b) (Swartz & Pohl 1989 Sec. V; Stoner & Maris, Phys. Rev. B 48, 16373 (1993)).
It is the default because (i) it is the convention of the published AMM/DMM numbers and of the
measured-vs-model comparisons femtbr is checked against (DMM Au/Si 80 MW/(m² K) in the
equilibrium convention vs 71 measured; Pb/diamond under-predicted, as Stoner & Maris found);
(ii) a per-branch linear (Debye) L branch of a soft metal ends far above its measured band
edge — Au: Θ_L = 376 K vs the LA zone-boundary 4.6 THz = 221 K; Pb: 206 K vs 2.2 THz = 106 K —
and the flux integral weights those fast, high-frequency phonons fully, so per-branch DMM for
Au/Si gives 334 MW/(m² K), 4.7× the measurement.  Neither cutoff is exact for real dispersion;
use ``per_branch`` where mode counting matters (heat capacity, radiation bound of a soft solid)
and ``phonon_table`` with a measured DOS when the spectrum is known.

**Spectral segments.**  With frequency-independent transmissions between cutoffs, the flux
integral (S&P 1989 Sec. II) is a sum over frequency segments [Θ_lo, Θ_hi] of constant weight
S = Σ Γ_j / c_j² [s²/m²]:

    h(T) = P T³ Σ_k S_k [J(Θ_hi,k/T) − J(Θ_lo,k/T)],   dh/dT = P T² Σ_k S_k [K(x_hi) − K(x_lo)]

with P = k_B⁴/(8π²ħ³), J the Debye integral and K = 3J − xJ' (see ``femtbr.models._phonon``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from femtbr.models import _phonon as ph
from femtbr.params import param

CUTOFFS = ("per_branch", "common")


def cutoff_param(doc: str) -> Any:
    """The ``cutoff`` field of a phonon model: one of :data:`CUTOFFS`, default ``"common"``."""
    return param("common", unit="-", kind="str", choices=CUTOFFS, doc=doc)


Segment = tuple[float, float, float]  # (S [s²/m²], Θ_lo [K], Θ_hi [K])


def branch_cutoffs(side: ph.Side, mode: str, common: float | None) -> dict[str, float]:
    """Θ_j [K] of every branch of ``side`` (``inf`` for none); see the module docstring."""
    if mode == "common":
        theta = math.inf if common is None else float(common)
        return {j: theta for j in side.speeds}
    if side.atomic_density is not None:
        k_D = (6.0 * math.pi**2 * side.atomic_density) ** (1.0 / 3.0)  # Debye wave number [1/m]
        return {j: ph.HBAR * c * k_D / ph.KB for j, c in side.speeds.items()}
    theta = math.inf if side.theta_D is None else float(side.theta_D)
    return {j: theta for j in side.speeds}


def mode_count(c: float, theta: float) -> float:
    """∫_0^{ω_c} ω²/(2π² c³) dω = ω_c³ / (6π² c³) [1/m³], ω_c = k_B Θ / ħ (modes per volume)."""
    w = ph.KB * theta / ph.HBAR
    return w**3 / (6.0 * math.pi**2 * c**3)


def h_segments(segments: Sequence[Segment], T: Any) -> tuple[np.ndarray, np.ndarray]:
    """h [W/(m² K)] and dh/dT [W/(m² K²)] of spectral ``segments`` at T [K] (> 0)."""
    T = np.asarray(T, dtype=float)
    h = np.zeros_like(T)
    dh = np.zeros_like(T)
    for S, lo, hi in segments:
        if S == 0.0 or hi <= lo:
            continue
        J_hi, K_hi = ph.debye_J(hi / T)
        J_lo, K_lo = ph.debye_J(lo / T) if lo > 0 else (0.0, 0.0)
        h = h + S * (J_hi - J_lo)
        dh = dh + S * (K_hi - K_lo)
    T2 = T * T
    return ph.P_PHONON * T2 * T * h, ph.P_PHONON * T2 * dh


def radiation_segments(side: ph.Side, cutoffs: dict[str, float],
                       limit: float = math.inf) -> list[Segment]:
    """Every phonon of ``side`` below min(Θ_j, ``limit``) transmitted (Γ_j = 1)."""
    return [(1.0 / c**2, 0.0, min(cutoffs[j], limit)) for j, c in side.speeds.items()]


def dmm_segments(a: ph.Side, b: ph.Side, ta: dict[str, float],
                 tb: dict[str, float]) -> list[Segment]:
    """DMM from ``a`` with per-branch cutoffs: between consecutive cutoffs the active branches
    are fixed and α_ab(ω) = Σ_active c_b⁻² / (Σ_active c_a⁻² + Σ_active c_b⁻²) (Swartz & Pohl
    1989 Sec. II DMM; Reddy et al. 2005 with a Debye spectrum per branch), weight α_ab Σ c_a⁻².
    Detailed balance holds segment by segment (the weight is symmetric in a ↔ b).
    """
    edges = sorted({0.0, *ta.values(), *tb.values()})
    out: list[Segment] = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        Sa = sum(1.0 / c**2 for j, c in a.speeds.items() if ta[j] >= hi)
        Sb = sum(1.0 / c**2 for j, c in b.speeds.items() if tb[j] >= hi)
        if Sa > 0 and Sb > 0:
            out.append((Sa * Sb / (Sa + Sb), lo, hi))
    return out
