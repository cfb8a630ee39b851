"""Contact pressure on an interface: a number, a field p(x), or force-normalised profiles.

A conductance model is evaluated at the local pressure p(x) [Pa] at every facet quadrature
point of its interface.  ``InterfaceSpec.pressure`` may be

* a number [Pa] (uniform),
* a callable ``p(x)`` of points ``x`` (n, dim) [m] returning (n,) pressures [Pa], or
* a :class:`PressureField`: a sum of shape functions, each scaled so that its integral over the
  interface equals a given force, p(x) = Σ_i F_i s_i(x) / ∫_Γ s_i dΓ.  The integral is taken
  with the interface's own facet quadrature, so ∫_Γ p dΓ = Σ_i F_i to round-off whatever the
  mesh (a screw footprint cut by the edge of the interface still carries the screw's force).

:func:`resolve_pressure` turns any of them into a plain ``p(x)`` once, when the problem is
bound to its discretization; both backends then evaluate that one function at their own
quadrature points.  Units: p [Pa], F [N] (in 2D per metre of depth, N/m), x [m].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from femtbr.errors import InputError

PressureFunction = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class PressureField:
    """p(x) = Σ_i F_i s_i(x) / ∫_Γ s_i dΓ [Pa] on one interface.

    Attributes
    ----------
    shapes
        Shape functions s_i(x) ≥ 0 of points ``x`` (n, dim) [m] → (n,) [-].
    forces
        F_i [N] (N/m in 2D) carried by each shape; same length as ``shapes``.
    """

    shapes: tuple[PressureFunction, ...]
    forces: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.shapes) != len(self.forces) or not self.shapes:
            raise InputError("PressureField: give one force per shape (at least one)")


def _constant(value: float) -> PressureFunction:
    def p(x: np.ndarray) -> np.ndarray:
        return np.full(np.shape(x)[0], value)

    return p


def _normalised(field: PressureField, x: np.ndarray, wdS: np.ndarray,
                where: str) -> PressureFunction:
    """The field with every shape divided by its integral Σ_q w_q s_i(x_q) over the facets."""
    pts = x.reshape(-1, x.shape[-1])
    scales = []
    for i, (shape, force) in enumerate(zip(field.shapes, field.forces, strict=True)):
        s = np.asarray(shape(pts), float)
        integral = float(np.sum(wdS.ravel() * s))
        if not (np.isfinite(integral) and integral > 0):
            raise InputError(f"{where}: pressure part {i} has no area on the interface "
                             f"(∫ s dA = {integral:.4g}); is it placed on the interface?")
        if not (np.isfinite(force) and force >= 0):
            raise InputError(f"{where}: force of pressure part {i} must be >= 0 N, got {force}")
        scales.append(force / integral)

    def p(xs: np.ndarray) -> np.ndarray:
        return sum(c * np.asarray(s(xs), float) for c, s in zip(scales, field.shapes,
                                                                 strict=True))

    return p


def resolve_pressure(pressure: float | PressureFunction | PressureField,
                     x: Callable[[], np.ndarray], wdS: np.ndarray,
                     where: str) -> tuple[PressureFunction, np.ndarray]:
    """``p(x)`` and its values at the quadrature points of an interface.

    Parameters
    ----------
    pressure
        A number [Pa], a callable ``p(x)`` or a :class:`PressureField`.
    x
        Returns the quadrature points (m, nq, dim) [m] (called only for a field: a uniform
        pressure needs no coordinates).
    wdS
        Quadrature weights times surface Jacobian (m, nq) [m² in 3D, m in 2D].
    where
        Name for errors (``interfaces.<name>.pressure``).

    Raises
    ------
    InputError
        A negative or non-finite pressure at some point, or a profile part with no area.
    """
    if not (isinstance(pressure, PressureField) or callable(pressure)):
        fun = _constant(float(pressure))
        values = np.full(wdS.shape, float(pressure))
    else:
        pts = x()
        fun = _normalised(pressure, pts, wdS, where) if isinstance(pressure, PressureField) \
            else pressure
        values = np.asarray(fun(pts.reshape(-1, pts.shape[-1])), float).reshape(wdS.shape)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        bad = values[~(np.isfinite(values) & (values >= 0))]
        raise InputError(f"{where}: pressure must be finite and >= 0 Pa on the interface, "
                         f"got {bad.ravel()[0]!r}")
    return fun, values


def quadrature_points(phi: np.ndarray, dofs: np.ndarray, dof_points: np.ndarray) -> np.ndarray:
    """Coordinates (m, nq, dim) [m] of facet quadrature points: Σ_i φ_i(x_q) x_i.

    Exact for affine and multilinear facets: Lagrange bases of order ≥ 1 reproduce the
    coordinate functions of the cell map."""
    return np.einsum("mqi,mia->mqa", phi, dof_points[dofs])


def pressure_figures(wdS: np.ndarray, p: np.ndarray, h: np.ndarray) -> dict[str, float]:
    """Force ∫p dA [N], mean, min, max and conductance-weighted mean ∫hp dA / ∫h dA [Pa]."""
    area = float(wdS.sum())
    force = float(np.sum(wdS * p))
    hw = float(np.sum(wdS * h))
    return {"force": force, "p_mean": force / area, "p_min": float(p.min()),
            "p_max": float(p.max()),
            "p_h_mean": float(np.sum(wdS * h * p)) / hw if hw > 0 else float("nan")}

