"""A mesh with named regions, interfaces and boundaries: the value every layer passes on.

:class:`TaggedMesh` is plain numpy (no scikit-fem): geometry builders and the MSH reader
produce it, ``femtbr.fem`` consumes it, ``femtbr.export`` writes it.

Conventions
-----------
* Cells are first-order and use the VTK / meshio vertex ordering of their type
  (``"triangle"``, ``"quad"``, ``"tetra"``, ``"hexahedron"``).  Higher-order fields (P2, Q2)
  are a choice of element in ``femtbr.fem``, not of the mesh.
* Coordinates are in metres.
* ``regions`` maps a name to the indices of its cells; regions are disjoint and cover the mesh.
* ``boundaries`` maps a name to an ``(n_facets, n_facet_vertices)`` array of vertex indices of
  facets on the outer boundary.
* ``interfaces`` maps a name to an :class:`Interface`: the facets shared by cells of
  ``region_a`` and cells of ``region_b``.  Side *a* is ``region_a``; the jump is ``T_a - T_b``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from femtbr.errors import MeshError
from femtbr.facets import cell_facets, facets_between

#: Vertices per cell and the local vertex lists of each facet (VTK ordering).
CELL_FACETS: dict[str, tuple[tuple[int, ...], ...]] = {
    "triangle": ((0, 1), (1, 2), (2, 0)),
    "quad": ((0, 1), (1, 2), (2, 3), (3, 0)),
    "tetra": ((0, 1, 2), (0, 1, 3), (1, 2, 3), (0, 2, 3)),
    "hexahedron": (
        (0, 1, 2, 3),
        (4, 5, 6, 7),
        (0, 1, 5, 4),
        (1, 2, 6, 5),
        (2, 3, 7, 6),
        (3, 0, 4, 7),
    ),
}
CELL_VERTICES = {"triangle": 3, "quad": 4, "tetra": 4, "hexahedron": 8}
CELL_DIM = {"triangle": 2, "quad": 2, "tetra": 3, "hexahedron": 3}


@dataclass(frozen=True)
class Interface:
    """Facets between two named regions.

    Attributes
    ----------
    facets
        ``(n_facets, n_facet_vertices)`` vertex indices.
    region_a, region_b
        The two regions; side *a* is ``region_a``.
    """

    facets: np.ndarray
    region_a: str
    region_b: str


def _freeze(d: Mapping | None) -> Mapping:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class TaggedMesh:
    """An unstructured first-order mesh with named regions, interfaces and boundaries.

    Attributes
    ----------
    points
        ``(n_points, dim)`` vertex coordinates [m].
    cells
        ``(n_cells, n_vertices)`` vertex indices, VTK ordering.
    cell_type
        ``"triangle"``, ``"quad"``, ``"tetra"`` or ``"hexahedron"``.
    regions
        Region name -> cell indices.
    boundaries
        Boundary name -> facet vertex indices.
    interfaces
        Interface name -> :class:`Interface`.
    """

    points: np.ndarray
    cells: np.ndarray
    cell_type: str
    regions: Mapping[str, np.ndarray] = field(default_factory=dict)
    boundaries: Mapping[str, np.ndarray] = field(default_factory=dict)
    interfaces: Mapping[str, Interface] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.cell_type not in CELL_VERTICES:
            raise MeshError(
                f"unsupported cell type {self.cell_type!r}; expected one of {sorted(CELL_VERTICES)}"
            )
        object.__setattr__(self, "points", np.ascontiguousarray(self.points, dtype=float))
        object.__setattr__(self, "cells", np.ascontiguousarray(self.cells, dtype=np.int64))
        object.__setattr__(self, "regions", _freeze(self.regions))
        object.__setattr__(self, "boundaries", _freeze(self.boundaries))
        object.__setattr__(self, "interfaces", _freeze(self.interfaces))

    # ------------------------------------------------------------------ properties
    @property
    def dim(self) -> int:
        """Spatial dimension (2 or 3)."""
        return CELL_DIM[self.cell_type]

    @property
    def n_cells(self) -> int:
        return int(self.cells.shape[0])

    def region_of_cell(self) -> np.ndarray:
        """Integer region id per cell, in the order of ``list(self.regions)``; -1 if untagged."""
        rid = np.full(self.n_cells, -1, dtype=np.int64)
        for i, cells in enumerate(self.regions.values()):
            rid[cells] = i
        return rid

    # ------------------------------------------------------------------ changes
    def with_interfaces(self, interfaces: Mapping[str, Interface]) -> TaggedMesh:
        """Return a copy with ``interfaces`` added (replacing same names)."""
        return replace(self, interfaces={**self.interfaces, **interfaces})

    def with_boundaries(self, boundaries: Mapping[str, np.ndarray]) -> TaggedMesh:
        """Return a copy with ``boundaries`` added (replacing same names)."""
        return replace(self, boundaries={**self.boundaries, **boundaries})

    # ------------------------------------------------------------------ topology helpers
    def all_facets(self) -> tuple[np.ndarray, np.ndarray]:
        """Every facet of every cell (:func:`femtbr.facets.cell_facets`).

        Returns
        -------
        facets : ndarray
            ``(n_cells * n_facets_per_cell, n_facet_vertices)`` vertex indices.
        owner : ndarray
            Cell index of each row.
        """
        return cell_facets(self.cells, CELL_FACETS[self.cell_type])

    def facets_between(self, region_a: str, region_b: str) -> np.ndarray:
        """Facets shared by a cell of ``region_a`` and a cell of ``region_b``
        (:func:`femtbr.facets.facets_between`), in the vertex order of their ``region_a`` cell.

        Raises
        ------
        MeshError
            If a region is unknown, or both are the same region.
        """
        for r in (region_a, region_b):
            if r not in self.regions:
                raise MeshError(f"unknown region {r!r}; mesh has regions {sorted(self.regions)}")
        if region_a == region_b:
            raise MeshError(f"facets between region {region_a!r} and itself: an interface "
                            "needs two different regions")
        return facets_between(self.cells, CELL_FACETS[self.cell_type], self.regions[region_a],
                              self.regions[region_b])

    def interface_between(self, name: str, region_a: str, region_b: str) -> TaggedMesh:
        """Return a copy with interface ``name`` = all facets between the two regions.

        Raises
        ------
        MeshError
            If the regions do not touch.
        """
        f = self.facets_between(region_a, region_b)
        if f.shape[0] == 0:
            raise MeshError(
                f"interface {name!r}: regions {region_a!r} and {region_b!r} share no facet"
            )
        return self.with_interfaces({name: Interface(f, region_a, region_b)})
