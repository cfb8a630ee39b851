"""The result of a solve: fields on the split mesh and integral quantities, all SI (K, W, m)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class RegionResult:
    """Per-region figures: ``T_max``, ``T_mean`` (volume-weighted), ``T_min`` [K] (extremes
    over the region's DOFs), source ``power`` [W], ``volume`` [m³]."""

    T_max: float
    T_mean: float
    power: float
    volume: float
    T_min: float = float("nan")


@dataclass(frozen=True)
class SurfaceResult:
    """Temperature over a named boundary: ``area`` [m²] (m in 2D), area-weighted ``T_mean``
    = ∫T dA / A and ``T_min``/``T_max`` over the boundary's DOFs [K]."""

    area: float
    T_mean: float
    T_min: float
    T_max: float


@dataclass(frozen=True)
class InterfaceResult:
    """Per-interface figures and facet data.

    Scalars: ``area`` [m²], ``heat`` [W] from side a to side b, ``jump_mean`` [K] (area-weighted
    T_a - T_b), ``h_mean`` [W/m²K] (area-weighted), ``resistance`` = jump_mean·area/heat... in
    m²K/W as ``jump_mean / (heat / area)`` (specific, area-normalised), and ``T_mean`` [K].

    Facet arrays (one value per interface facet, at its centroid): ``centers`` (n, dim),
    ``T_a``, ``T_b``, ``jump``, ``heat_flux`` (W/m², a → b), ``h``, and ``components``
    {part name: h of that part} for composed models.  ``facet_cells`` (n, n_facet_vertices)
    are vertex indices into ``Solution.points`` of side a (for the interfaces VTU);
    ``pressure`` (n,) the contact pressure at the facet centroids [Pa].

    Contact pressure (over the facet quadrature points, :mod:`femtbr.fem.values.pressure`):
    ``force`` ∫p dA [N] (N/m in 2D), ``p_mean`` = force/area, ``p_min``, ``p_max`` and the
    conductance-weighted mean ``p_h_mean`` = ∫h p dA / ∫h dA [Pa].
    """

    area: float
    heat: float
    jump_mean: float
    h_mean: float
    resistance: float
    T_mean: float
    centers: np.ndarray
    T_a: np.ndarray
    T_b: np.ndarray
    jump: np.ndarray
    heat_flux: np.ndarray
    h: np.ndarray
    components: Mapping[str, np.ndarray] = field(default_factory=dict)
    facet_cells: np.ndarray | None = None
    pressure: np.ndarray | None = None
    force: float = float("nan")
    p_mean: float = float("nan")
    p_min: float = float("nan")
    p_max: float = float("nan")
    p_h_mean: float = float("nan")


@dataclass(frozen=True)
class Solution:
    """Temperatures on the split mesh plus everything derived from them.

    Attributes
    ----------
    points, cells, cell_type
        The split first-order mesh (VTK ordering); interface vertices are duplicated.
    temperature
        Temperature at each point of the split mesh [K] (for P2/Q2: at the vertices; the
        full field is ``dof_temperature``).
    region_id
        Region index per cell (order of ``region_names``).
    region_names
        Names of the regions.
    heat_flux
        Cell-centre heat flux vector -k∇T [W/m²], shape (n_cells, dim).
    conductivity
        Cell-centre k [W/(m K)].
    regions, interfaces, boundaries
        Integral results; ``boundaries`` maps name -> heat *leaving* the body [W].
    converged, iterations, residual_history
        Newton record.
    energy_balance
        ``energy_balance_W / S_ref``: relative.  S_ref = max(S, round-off / ENERGY_RTOL) with
        S = Σ|source powers| + Σ|boundary heats| (the heat throughput) and round-off the level
        32 ε Σ_i (|J||T₀| + |F|)_i of the nodal heats at the initial guess: a problem with no
        heat flow (zero power, one temperature) reports its imbalance against what double
        precision resolves, not 1.0 (see :mod:`femtbr.fem.solve`).
    energy_balance_W
        |Σ sources − Σ boundary heat out| [W] (W/m in 2D): the absolute imbalance.
    n_dofs
        Number of unknowns (split).
    """

    points: np.ndarray
    cells: np.ndarray
    cell_type: str
    temperature: np.ndarray
    region_id: np.ndarray
    region_names: tuple[str, ...]
    heat_flux: np.ndarray
    conductivity: np.ndarray
    regions: Mapping[str, RegionResult]
    interfaces: Mapping[str, InterfaceResult]
    boundaries: Mapping[str, float]
    converged: bool
    iterations: int
    residual_history: tuple[float, ...]
    energy_balance: float
    n_dofs: int
    timings: Mapping[str, float] = field(default_factory=dict)
    energy_balance_W: float = float("nan")  # NaN: not computed (a transient state)
    #: Every named boundary of the mesh (conditions or not) -> :class:`SurfaceResult`.
    surfaces: Mapping[str, SurfaceResult] = field(default_factory=dict)
    #: Element order (1: P1/Q1, 2: P2/Q2).  For order 2, ``points``/``temperature`` hold the
    #: vertices only; the full field is ``dof_temperature`` on ``element_dofs`` (n_cells, n_basis,
    #: scikit-fem local order) and :func:`femtbr.fem.post.probe` uses it.
    order: int = 1
    dof_temperature: np.ndarray | None = None
    element_dofs: np.ndarray | None = None
    #: The 2D mesh is an r–z section (x = r): volumes, areas and heats are those of the body
    #: of revolution over the full turn (per radian = total / 2π).
    axisymmetric: bool = False
    #: Cell-centre conductivity tensor (n_cells, 3, 3) [W/(m K)] when a region is anisotropic
    #: (k·I for isotropic cells; zz zero in 2D), else ``None``; ``conductivity`` is then the
    #: mean of the principal values.
    conductivity_tensor: np.ndarray | None = None
