"""Checks of a mesh taken as an axisymmetric r–z section (``geometry.axisymmetric = true``).

The section lies in the half plane x = r ≥ 0 with the symmetry axis on x = 0 and y = z along
it; the body is its revolution about the y axis.  Everything else about the mesh is as for a
plane 2D mesh (:mod:`femtbr.geometry.checks`).
"""

from __future__ import annotations

import numpy as np

from femtbr.errors import CaseError
from femtbr.mesh import TaggedMesh

#: Points with r < −AXIS_TOL × (radial extent of the mesh) are rejected (round-off on the axis
#: is accepted).
AXIS_TOL = 1e-12


def check_section(mesh: TaggedMesh, key: str = "geometry.axisymmetric") -> None:
    """Raise :class:`CaseError` at ``key`` unless ``mesh`` is 2D with every point at r = x ≥ 0;
    the message names the first offending node and the region of a cell that uses it."""
    pts = np.asarray(mesh.points)
    if pts.shape[1] != 2:
        raise CaseError([(key, f"an axisymmetric geometry is a 2D r–z section (x = r, y = z); "
                          f"this mesh is {pts.shape[1]}D")])
    scale = float(np.ptp(pts[:, 0])) or 1.0
    bad = np.flatnonzero(pts[:, 0] < -AXIS_TOL * scale)
    if not bad.size:
        return
    node = int(bad[0])
    region = next((n for n, c in mesh.regions.items()
                   if np.isin(node, np.asarray(mesh.cells)[np.asarray(c)]).any()), None)
    where = f" in region {region!r}" if region else ""
    raise CaseError([(key, f"{bad.size} mesh node(s) have r = x < 0, e.g. node {node} at "
                      f"r = {pts[node, 0]:.6g} m{where}; an r–z section lies in x ≥ 0 with the "
                      "axis at x = 0")])


def axis_facets(mesh: TaggedMesh, facets: np.ndarray) -> np.ndarray:
    """Indices of the ``facets`` (vertex lists) lying on the axis r = x = 0 of a section."""
    pts = np.asarray(mesh.points)
    facets = np.asarray(facets)
    if facets.size == 0:
        return np.zeros(0, dtype=np.int64)
    scale = float(np.ptp(pts[:, 0])) or 1.0
    return np.flatnonzero(np.all(np.abs(pts[facets, 0]) <= AXIS_TOL * scale, axis=1))


def check_axis_conditions(mesh: TaggedMesh, conditions) -> None:
    """Raise :class:`CaseError` at ``boundaries.<name>`` for every boundary of ``conditions``
    (names of boundaries that carry a condition) with facets on the axis: the axis is a line of
    the revolved body, with no area, and a symmetry line that takes no condition."""
    problems = []
    for name in conditions:
        on = axis_facets(mesh, mesh.boundaries.get(name, np.zeros((0, 2), int)))
        if on.size:
            problems.append((f"boundaries.{name}", f"{on.size} of its facets lie on the axis "
                             "r = 0 of the axisymmetric section (a line of the revolved body, "
                             "with no area); the axis is a symmetry line and takes no "
                             "condition"))
    if problems:
        raise CaseError(problems)
