"""Figures read off a solved state that the report and the breakdown share."""

from __future__ import annotations

from typing import Any

import numpy as np

from femtbr.geometry.measure import facet_areas


def conductivity_at(material: Any, T: float) -> float:
    """k [W/(m K)] of a material at temperature T [K]."""
    k, _ = material.conductivity(np.array([T]))
    return float(np.asarray(k).ravel()[0])


def vertical_conductivity(prepared: Any, region: str, T: float) -> float:
    """k [W/(m K)] of a region for heat flowing along the last axis (a stack's thickness):
    K_dd of an anisotropic region (the 1D series value of a laterally uniform layer, where
    q_d = −K_dd dT/dx_d), else the material's k at T [K]."""
    cond = prepared.problem.conductivity.get(region)
    if hasattr(cond, "tensor"):
        K, _ = cond.tensor(np.array([T]))
        return float(K[-1, -1, 0])
    return conductivity_at(prepared.materials[region], T)


def boundary_region(mesh: Any, name: str) -> str | None:
    """The region whose cells share most vertices with boundary ``name`` (None if empty)."""
    facets = mesh.boundaries.get(name)
    if facets is None or len(facets) == 0:
        return None
    n_points = len(mesh.points)
    on_boundary = np.zeros(n_points, dtype=bool)  # masks, not sorts (1M-point meshes)
    on_boundary[np.asarray(facets).ravel()] = True
    verts = np.flatnonzero(on_boundary)
    best, count = None, 0
    for r, cells in mesh.regions.items():
        in_region = np.zeros(n_points, dtype=bool)
        in_region[mesh.cells[cells].ravel()] = True
        n = int(np.count_nonzero(in_region[verts]))
        if n > count:
            best, count = r, n
    return best


def component_means(solution: Any, res: Any) -> dict[str, float]:
    """Area-weighted mean h [W/(m² K)] of each model component of an interface."""
    if not res.components:
        return {}
    if res.facet_cells is not None and len(res.facet_cells):
        w = facet_areas(solution.points, res.facet_cells,
                        getattr(solution, "axisymmetric", False))
    else:
        w = np.ones(len(res.T_a))
    comps = res.components.items()
    return {k: float(np.sum(w * np.asarray(v, float)) / np.sum(w)) for k, v in comps}
