"""What a :class:`~femtbr.fem.assembly.discretization.Discretization` keeps between evaluations and
solves.

One typed attribute per kept thing, each with its owner (the only code that writes it) named
in :class:`DiscretizationCache`.  Everything here depends only on the mesh, the split and the
element order, except where the key says otherwise (the bulk matrix on the constant
conductivities, a reduced pattern on the fixed-temperature boundaries).  Keys are values
(names, frozen dataclasses), never ``id()`` of an object: an id is reused once its object is
collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np
import scipy.sparse as sp

from femtbr.fem.linalg.solver_state import LinearSolverState

if TYPE_CHECKING:
    from femtbr.fem.fast.conduction import ConductionTables, RegionConduction


class SparsityPattern(NamedTuple):
    """``indptr`` (n + 1,), ``indices`` (nnz,) of the common CSR pattern of every operator."""

    indptr: np.ndarray
    indices: np.ndarray


@dataclass(frozen=True)
class BulkMatrix:
    """Σ_regions k_r ∫ ∇φ_i·∇φ_j [W/K] for the constant conductivities ``conductivities``
    (sorted ``(region, k [W/(m K)])`` pairs)."""

    conductivities: tuple[tuple[str, float], ...]
    matrix: sp.csr_matrix


@dataclass(frozen=True)
class AffineGeometry:
    """|det J| [m³] of every cell taken as affine (``absdet``, (n_cells,)) and which cells are
    not affine (``nonaffine``, bool (n_cells,)): kept by the bulk assembly for the region
    weights, dropped once every region's weights are done."""

    absdet: np.ndarray
    nonaffine: np.ndarray


@dataclass(frozen=True)
class FacetBlock:
    """A facet set whose element blocks are scattered into the pattern: a named boundary or
    a named interface."""

    kind: Literal["boundary", "interface"]
    name: str


@dataclass(frozen=True)
class DirichletKey:
    """Fixed-temperature boundaries (sorted names) and the number of fixed DOFs."""

    boundaries: tuple[str, ...]
    n_fixed: int


class ReducedPattern(NamedTuple):
    """The Jacobian with the fixed DOFs eliminated: ``free`` DOFs (n_free,), ``keep`` (nnz,)
    which pattern entries stay, and the reduced CSR ``indptr`` / ``indices``."""

    free: np.ndarray
    keep: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray


class HeatPathParts(NamedTuple):
    """Connected parts of the split mesh: a part ``labels`` per DOF and their number."""

    labels: np.ndarray
    n_parts: int


@dataclass
class DiscretizationCache:
    """Everything a discretization keeps, by owner.

    Attributes
    ----------
    pattern
        The common sparsity pattern (``Discretization.assemble_cells``, first assembly).
    bulk
        The last constant-conductivity stiffness matrix (``Discretization.bulk_matrix``).
    affine_geometry
        Cell |det J| from the bulk assembly, until every region's weights are computed
        (``Discretization.bulk_matrix`` / ``region_weights``).
    region_weights
        ∫_region φ_i dΩ per region name [m³] (``Discretization.region_weights``).
    region_dofs
        Sorted DOFs of each region (``Discretization.region_dofs``).
    positions
        Pattern positions of each facet set's element blocks (``Discretization.positions``).
    reduced
        Dirichlet-reduced patterns (``System.reduced`` in :mod:`femtbr.fem.assembly.assemble`).
    conduction
        Per-region batches, metrics and scatter data of the k(T) conduction term, for the
        discretization's ``rule_kT`` (:mod:`femtbr.fem.fast.conduction`).
    conduction_tables
        The reference-cell tables of that rule (:mod:`femtbr.fem.fast.conduction`).
    heat_path_parts
        Connected parts of the split mesh (:mod:`femtbr.fem.assembly.connectivity`).
    solver
        The AMG hierarchy and fallback choice (:func:`femtbr.fem.linalg.linear.solve`).
    """

    pattern: SparsityPattern | None = None
    bulk: BulkMatrix | None = None
    affine_geometry: AffineGeometry | None = None
    region_weights: dict[str, np.ndarray] = field(default_factory=dict)
    region_dofs: dict[str, np.ndarray] = field(default_factory=dict)
    positions: dict[FacetBlock, np.ndarray] = field(default_factory=dict)
    reduced: dict[DirichletKey, ReducedPattern] = field(default_factory=dict)
    conduction: dict[str, RegionConduction] = field(default_factory=dict)
    conduction_tables: ConductionTables | None = None
    heat_path_parts: HeatPathParts | None = None
    solver: LinearSolverState = field(default_factory=LinearSolverState)

    def clear(self) -> None:
        """Drop everything (the next use rebuilds it): frees the memory of a discretization
        kept only for its mesh data."""
        fresh = DiscretizationCache()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))
