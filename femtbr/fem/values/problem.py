"""What a steady (or transient) thermal problem consists of: the input value of ``femtbr.fem``.

A :class:`Problem` is an immutable value built from a :class:`~femtbr.mesh.TaggedMesh`, one
conductivity per region, sources, boundary conditions and one conductance model per split
interface.  Interfaces of the mesh that are not listed in ``Problem.interfaces`` are perfect
bonds (not split).  All quantities SI; temperatures in K.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from femtbr.fem.values.conductivity_tensor import ConductivityTensor
from femtbr.mesh import TaggedMesh


class ConductivityFunction(Protocol):
    """``k(T) -> (k, dk/dT)`` in W/(m K) and W/(m K²), vectorised over numpy arrays of T [K]."""

    def __call__(self, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


Conductivity = float | ConductivityFunction | ConductivityTensor


@dataclass(frozen=True)
class Source:
    """Volumetric heat source in a region: give exactly one of ``power`` [W] or ``density`` [W/m³].

    ``power`` is spread uniformly over the region's volume (area in 2D, per metre of depth;
    the revolved volume of an axisymmetric problem, ``power`` then being the body's total).
    ``density`` may also be a callable ``q(x) -> W/m³`` of points ``x`` with shape ``(n, dim)``
    (used e.g. by manufactured-solution tests).
    """

    power: float | None = None
    density: float | Callable[[np.ndarray], np.ndarray] | None = None


@dataclass(frozen=True)
class FixedTemperature:
    """Dirichlet condition T = ``T`` [K]; ``T`` may be a callable ``T(x)`` of points (n, dim)."""

    T: float | Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class HeatFlux:
    """Prescribed heat flux ``q`` [W/m²] *into* the body."""

    q: float


@dataclass(frozen=True)
class Convection:
    """Convective loss q_out = h (T - T_inf); ``h`` [W/m²K], ``T_inf`` [K]."""

    h: float
    T_inf: float


@dataclass(frozen=True)
class Radiation:
    """Grey radiation to surroundings q_out = ε σ (T⁴ - T_inf⁴); ``T_inf`` [K]."""

    emissivity: float
    T_inf: float


BoundaryCondition = FixedTemperature | HeatFlux | Convection | Radiation


@dataclass(frozen=True)
class InterfaceSpec:
    """A split interface: a conductance model and the contact pressure.

    Attributes
    ----------
    model
        Any object with ``conductance(T, p) -> (h, dh/dT)``; optionally
        ``components(T, p) -> dict[str, ndarray]`` for composed models.
    pressure
        Contact pressure [Pa] passed to the model: a number, a callable ``p(x)`` of points
        (n, dim) [m], or a :class:`~femtbr.fem.values.pressure.PressureField` (profiles normalised
        to a force).  The model is evaluated at the local p at every facet quadrature point.
    """

    model: Any
    pressure: Any = 0.0


@dataclass(frozen=True)
class SolverOptions:
    """Options of the Newton solver and its linear solver.

    Attributes
    ----------
    order
        Polynomial order of the elements: 1 (P1/Q1) or 2 (P2/Q2).
    rtol
        Relative residual tolerance of Newton.
    max_iterations
        Newton iteration limit.
    linear_solver
        ``"auto"``, ``"direct"`` or ``"amg"`` (smoothed-aggregation AMG-preconditioned CG/GMRES).
    linear_rtol
        Relative tolerance of the iterative linear solver.
    T_initial
        Initial guess [K]; ``None`` uses the mean of the prescribed temperatures.
    backend
        ``"fast"`` (vectorised kernels) or ``"skfem"`` (``skfem.asm`` of
        :mod:`femtbr.fem.forms`; the reference, slower).
    """

    order: int = 1
    rtol: float = 1e-10
    max_iterations: int = 50
    linear_solver: str = "auto"
    linear_rtol: float = 1e-12
    T_initial: float | None = None
    backend: str = "fast"


@dataclass(frozen=True)
class Problem:
    """A steady heat-conduction problem with interface conductances.

    Attributes
    ----------
    mesh
        The tagged mesh.
    conductivity
        Region name -> k [W/(m K)] (a number or a ``k(T) -> (k, dk/dT)`` callable), or a
        :class:`~femtbr.fem.values.conductivity_tensor.ConductivityTensor` (anisotropic).
        Every region of the mesh must appear.
    sources
        Region name -> :class:`Source`.
    boundaries
        Boundary name -> a condition or a tuple of conditions (e.g. convection + radiation).
        Facets not listed are adiabatic.
    interfaces
        Interface name -> :class:`InterfaceSpec`; these interfaces are split.
    options
        :class:`SolverOptions`.
    axisymmetric
        The 2D mesh is an r–z section (x = r ≥ 0, y = z) of a body of revolution about the
        y axis: every term is weighted by 2πr, so a source ``power``, boundary heats, interface
        areas and heats and region volumes are those of the revolved body over the full turn
        (W, m², m³; per radian = total / 2π).  The axis r = 0 is a symmetry line that needs no
        condition; a boundary condition on facets lying on it is rejected.
    """

    mesh: TaggedMesh
    conductivity: Mapping[str, Conductivity]
    sources: Mapping[str, Source] = field(default_factory=dict)
    boundaries: Mapping[str, BoundaryCondition | tuple[BoundaryCondition, ...]] = field(
        default_factory=dict
    )
    interfaces: Mapping[str, InterfaceSpec] = field(default_factory=dict)
    options: SolverOptions = field(default_factory=SolverOptions)
    progress: Callable[[str, dict], None] | None = None
    axisymmetric: bool = False
