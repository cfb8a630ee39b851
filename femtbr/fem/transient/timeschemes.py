"""Coefficients of the implicit time schemes for the semi-discrete heat equation.

The semi-discrete system is written in conservative (enthalpy) form

.. math:: \\frac{d}{dt} E(T) + R(T, t) = 0,

with :math:`E_i = \\int H(T)\\,\\varphi_i` the stored-heat vector (:math:`H' = \\rho c_p`) and
:math:`R` the steady residual (conduction + boundary + interface terms - sources).  One step
from :math:`t_n` to :math:`t_{n+1} = t_n + \\Delta t_n` solves

.. math:: \\frac{1}{\\Delta t_n}\\Big(a_0 E^{n+1} + a_1 E^{n} + a_2 E^{n-1}\\Big)
          + \\theta R^{n+1} + (1-\\theta) R^{n} = 0 .

* Backward Euler: a = (1, -1, 0), θ = 1 (order 1, L-stable).
* Crank–Nicolson (trapezoidal rule; Crank & Nicolson 1947, Proc. Camb. Phil. Soc. 43, 50):
  a = (1, -1, 0), θ = ½ (order 2, A-stable, not L-stable).
* BDF2 on a variable grid with ω = Δt_n/Δt_{n-1} (Hairer, Nørsett & Wanner, *Solving ODEs I*,
  2nd ed., §III.5, eq. (5.3) with k = 2; Grigorieff 1983, Numer. Math. 42):
  a = ((1+2ω)/(1+ω), -(1+ω), ω²/(1+ω)), θ = 1 (order 2, zero-stable for ω < 1+√2).
  With ω = 1 this is (3/2, -2, 1/2).  The first step (no history), and the first step after
  a jump of the loads (pulse edge), is a backward Euler step.

Because the coefficients sum to zero, summing the discrete equations over all test functions
(Σφ_i = 1) gives the discrete energy statement that :mod:`femtbr.fem.transient.transient` checks:
a_0 ΔE_n - a_2 ΔE_{n-1} = Δt_n [θ(P - Q)^{n+1} + (1-θ)(P - Q)^n], ΔE_n = ΣE^{n+1} - ΣE^n.
"""

from __future__ import annotations

from dataclasses import dataclass

from femtbr.errors import InputError

SCHEMES = ("backward_euler", "crank_nicolson", "bdf2")
ALIASES = {"be": "backward_euler", "euler": "backward_euler", "cn": "crank_nicolson"}
#: Order of accuracy of each scheme.
ORDER = {"backward_euler": 1, "crank_nicolson": 2, "bdf2": 2}
#: Largest step ratio ω for which variable-step BDF2 is zero-stable (1 + √2).
BDF2_MAX_RATIO = 2.414


@dataclass(frozen=True)
class StepCoefficients:
    """One step's coefficients ``a0, a1, a2`` (of E^{n+1}, E^n, E^{n-1}) and weight ``theta``."""

    a0: float
    a1: float
    a2: float
    theta: float


def scheme_name(name: str) -> str:
    """Canonical scheme name; raises :class:`InputError` listing the choices if unknown."""
    key = str(name).lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if key not in SCHEMES:
        raise InputError(f"scheme: unknown time scheme {name!r}; choose one of {list(SCHEMES)}")
    return key


def coefficients(scheme: str, dt: float, dt_prev: float | None) -> StepCoefficients:
    """Coefficients of one step of size ``dt`` [s]; ``dt_prev`` is the previous step (or None).

    BDF2 without history (``dt_prev is None``) falls back to backward Euler.

    Raises
    ------
    InputError
        If ``dt`` <= 0 or the scheme is unknown.
    """
    scheme = scheme_name(scheme)
    if not dt > 0:
        raise InputError(f"dt: time step must be > 0 s, got {dt!r}")
    if scheme == "crank_nicolson":
        return StepCoefficients(1.0, -1.0, 0.0, 0.5)
    if scheme == "backward_euler" or dt_prev is None:
        return StepCoefficients(1.0, -1.0, 0.0, 1.0)
    w = dt / dt_prev
    return StepCoefficients((1 + 2 * w) / (1 + w), -(1 + w), w * w / (1 + w), 1.0)
