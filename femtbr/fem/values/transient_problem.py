"""A transient problem: a steady :class:`~femtbr.fem.Problem` plus heat capacity and loads in time.

:class:`~femtbr.fem.Problem` has no density or heat capacity, so the transient data live here
rather than in it: the volumetric heat capacity ρc_p per region (a number or a function of T)
and time profiles (:mod:`femtbr.fem.values.power_profiles`) that multiply the problem's sources,
give the ambient temperature of convective / radiating boundaries, or the value of fixed-temperature
boundaries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from femtbr.errors import InputError
from femtbr.fem.values.power_profiles import Profile, as_profile
from femtbr.fem.values.problem import Convection, FixedTemperature, Problem, Radiation

#: ρc_p [J/(m³ K)]: a number, or a vectorised function of T [K].
HeatCapacity = float | Callable[[np.ndarray], np.ndarray]

# 8-point Gauss–Legendre rule on [0, 1]: exact for polynomials of degree ≤ 15
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
_GL_X = 0.5 * (_GL_X + 1.0)
_GL_W = 0.5 * _GL_W


def heat_capacity(rho_cp: HeatCapacity, T: np.ndarray) -> np.ndarray:
    """ρc_p(T) [J/(m³ K)] as an array shaped like ``T``."""
    T = np.asarray(T, dtype=float)
    if callable(rho_cp):
        v = rho_cp(T)
        if isinstance(v, tuple):
            v = v[0]
        return np.broadcast_to(np.asarray(v, dtype=float), T.shape)
    return np.full(T.shape, float(rho_cp))


def enthalpy(rho_cp: HeatCapacity, T: np.ndarray, T_ref: float) -> np.ndarray:
    """Volumetric enthalpy H(T) = ∫_{T_ref}^{T} ρc_p(s) ds [J/m³].

    Exact for constant ρc_p; for a function of T an 8-point Gauss–Legendre rule on
    [T_ref, T] (exact for polynomial ρc_p(T) up to degree 15; Abramowitz & Stegun 25.4.29).
    """
    T = np.asarray(T, dtype=float)
    d = T - T_ref
    if not callable(rho_cp):
        return float(rho_cp) * d
    s = T_ref + d[..., None] * _GL_X
    return d * np.sum(heat_capacity(rho_cp, s) * _GL_W, axis=-1)


@dataclass(frozen=True)
class TransientProblem:
    """Heat capacity and time-dependent loads on top of a steady problem.

    Attributes
    ----------
    problem
        The steady problem (mesh, k, sources, boundaries, interfaces, options); its source
        powers and boundary values are the values the profiles below override.
    rho_cp
        Region name -> ρc_p [J/(m³ K)], number or function of T.  Every region must appear.
    source_factor
        Region name -> dimensionless profile multiplying that region's source
        (e.g. ``Step(1.0)`` switches the steady power on at t = 0).
    ambient
        Boundary name -> profile of T_inf [K] for its convection / radiation condition.
    boundary_temperature
        Boundary name -> profile of the prescribed temperature [K] of a fixed-temperature
        boundary.
    mass
        ``"consistent"`` or ``"lumped"`` (row-sum) heat-capacity matrix.
    T_ref
        Reference temperature of the stored heat [K] (``None``: the initial mean).

    Raises
    ------
    InputError
        If a region lacks ρc_p, ρc_p is not > 0, or a profile names an unknown region /
        a boundary of the wrong kind.
    """

    problem: Problem
    rho_cp: Mapping[str, HeatCapacity]
    source_factor: Mapping[str, Profile] = field(default_factory=dict)
    ambient: Mapping[str, Profile] = field(default_factory=dict)
    boundary_temperature: Mapping[str, Profile] = field(default_factory=dict)
    mass: str = "consistent"
    T_ref: float | None = None

    def __post_init__(self) -> None:
        mesh = self.problem.mesh
        for r in mesh.regions:
            if r not in self.rho_cp:
                raise InputError(f"rho_cp.{r}: missing volumetric heat capacity of region {r!r}")
            v = self.rho_cp[r]
            if not callable(v) and not (np.isfinite(v) and float(v) > 0):
                raise InputError(f"rho_cp.{r}: must be > 0 J/(m3 K), got {v!r}")
        for r in self.rho_cp:
            if r not in mesh.regions:
                raise InputError(f"rho_cp.{r}: unknown region; mesh has {sorted(mesh.regions)}")
        for r in self.source_factor:
            if r not in self.problem.sources:
                raise InputError(
                    f"source_factor.{r}: no source in region {r!r}; "
                    f"sources: {sorted(self.problem.sources)}"
                )
        for b in self.ambient:
            if not any(isinstance(c, (Convection, Radiation)) for c in self.conditions(b)):
                raise InputError(f"ambient.{b}: boundary has no convection or radiation condition")
        for b in self.boundary_temperature:
            if not any(isinstance(c, FixedTemperature) for c in self.conditions(b)):
                raise InputError(f"boundary_temperature.{b}: boundary has no fixed temperature")
        if self.mass not in ("consistent", "lumped"):
            raise InputError(f"mass: expected 'consistent' or 'lumped', got {self.mass!r}")
        for name in ("source_factor", "ambient", "boundary_temperature"):
            d = {k: as_profile(v) for k, v in getattr(self, name).items()}
            object.__setattr__(self, name, d)

    def conditions(self, boundary: str) -> tuple:
        """The conditions of ``boundary`` as a tuple; raises InputError if it is unknown."""
        if boundary not in self.problem.boundaries:
            raise InputError(
                f"{boundary!r}: not a boundary with a condition; "
                f"boundaries: {sorted(self.problem.boundaries)}"
            )
        c = self.problem.boundaries[boundary]
        return c if isinstance(c, tuple) else (c,)

    def _profile_times(self, kind: str, t0: float, t1: float) -> list[float]:
        """The union of every load profile's ``kind`` times (a profile method) in (t0, t1)."""
        pts: set[float] = set()
        for d in (self.source_factor, self.ambient, self.boundary_temperature):
            for p in d.values():
                pts.update(getattr(p, kind)(t0, t1))
        return sorted(pts)

    def breakpoints(self, t0: float, t1: float) -> list[float]:
        """Times in (t0, t1) where any load profile jumps or kinks [s]."""
        return self._profile_times("breakpoints", t0, t1)

    def discontinuities(self, t0: float, t1: float) -> list[float]:
        """Times in (t0, t1) where any load profile jumps [s] (kinks are not included)."""
        return self._profile_times("discontinuities", t0, t1)
