"""Mesh sanity checks with errors that name the offending group.

:func:`check_mesh` verifies that

* every cell is non-degenerate and not inverted (positive Jacobian at every vertex of
  quads / hexahedra, positive signed volume of triangles / tetrahedra);
* regions are non-empty, disjoint and cover all cells;
* every boundary facet is a facet of exactly one cell (on the outer surface);
* every interface facet is shared by one cell of ``region_a`` and one cell of ``region_b``.

:func:`require_groups` checks that the groups a case refers to exist and are non-empty.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from femtbr.errors import MeshError
from femtbr.facets import owners
from femtbr.geometry.measure import jacobians
from femtbr.mesh import CELL_FACETS, TaggedMesh


def check_cells(mesh: TaggedMesh, rel_tol: float = 1e-12) -> None:
    """Raise :class:`MeshError` on degenerate or inverted cells, naming their region."""
    J = jacobians(mesh.points, mesh.cells, mesh.cell_type, at="corners")
    span = np.ptp(mesh.points, axis=0).max()
    bad = np.nonzero((J <= rel_tol * span**mesh.dim).any(axis=1))[0]
    if bad.size:
        rid = mesh.region_of_cell()
        names = list(mesh.regions)
        where = sorted({names[r] if r >= 0 else "<untagged>" for r in rid[bad]})
        kind = "inverted" if (J[bad] < 0).any() else "degenerate"
        raise MeshError(
            f"{bad.size} {kind} {mesh.cell_type} cell(s) (non-positive Jacobian) in region(s) "
            f"{where}; first cell index {int(bad[0])}"
        )


def _check_facet_array(mesh: TaggedMesh, kind: str, name: str, facets: np.ndarray) -> None:
    """Raise :class:`MeshError` unless ``facets`` is a non-empty facet array of ``mesh``'s
    cell type with vertex indices in range."""
    nfv = len(CELL_FACETS[mesh.cell_type][0])
    if len(facets) == 0:
        raise MeshError(f"{kind} {name!r} is empty")
    if facets.ndim != 2 or facets.shape[1] != nfv or not np.issubdtype(facets.dtype, np.integer):
        raise MeshError(f"{kind} {name!r}: facets of {mesh.cell_type} cells are an (n, {nfv}) "
                        f"integer array, got shape {facets.shape} of {facets.dtype}")
    n = mesh.points.shape[0]
    if facets.min() < 0 or facets.max() >= n:
        raise MeshError(f"{kind} {name!r}: vertex index out of range [0, {n})")


def check_groups(mesh: TaggedMesh) -> None:
    """Raise :class:`MeshError` if regions, boundaries or interfaces are inconsistent."""
    count = np.zeros(mesh.n_cells, dtype=np.int64)
    for name, c in mesh.regions.items():
        if len(c) == 0:
            raise MeshError(f"region {name!r} is empty")
        count[c] += 1
    if (count > 1).any():
        raise MeshError(f"regions overlap: {int((count > 1).sum())} cell(s) in several regions")
    if (count == 0).any():
        raise MeshError(f"{int((count == 0).sum())} cell(s) belong to no region")
    rid = mesh.region_of_cell()
    names = list(mesh.regions)
    groups = [("boundary", n, np.asarray(f)) for n, f in mesh.boundaries.items()] + [
        ("interface", n, np.asarray(i.facets)) for n, i in mesh.interfaces.items()]
    for kind, name, f in groups:
        _check_facet_array(mesh, kind, name, f)
    if not groups:
        return
    found = owners(np.concatenate([f for _, _, f in groups]), mesh.cells,
                   CELL_FACETS[mesh.cell_type])
    start = 0
    for kind, name, f in groups:
        sl = slice(start, start + len(f))
        start += len(f)
        c0, c1, cnt = found.first[sl], found.second[sl], found.count[sl]
        if kind == "boundary":
            if (cnt == 0).any():
                raise MeshError(f"boundary {name!r}: {int((cnt == 0).sum())} facet(s) are not "
                                "facets of any cell")
            if (cnt > 1).any():
                raise MeshError(f"boundary {name!r}: {int((cnt > 1).sum())} facet(s) lie inside "
                                "the body (shared by two cells); internal groups must be "
                                "interfaces")
            continue
        itf = mesh.interfaces[name]
        for r in (itf.region_a, itf.region_b):
            if r not in mesh.regions:
                raise MeshError(f"interface {name!r}: unknown region {r!r}; "
                                f"mesh has {sorted(mesh.regions)}")
        ia, ib = names.index(itf.region_a), names.index(itf.region_b)
        r0, r1 = rid[c0], np.where(c1 >= 0, rid[np.maximum(c1, 0)], -1)
        ok = (cnt == 2) & (((r0 == ia) & (r1 == ib)) | ((r0 == ib) & (r1 == ia)))
        if not ok.all():
            raise MeshError(
                f"interface {name!r}: {int((~ok).sum())} of {len(ok)} facet(s) are not shared "
                f"by a cell of {itf.region_a!r} and a cell of {itf.region_b!r}"
            )


def check_mesh(mesh: TaggedMesh) -> None:
    """Run :func:`check_cells` and :func:`check_groups`."""
    check_cells(mesh)
    check_groups(mesh)


def require_groups(
    mesh: TaggedMesh,
    regions: Iterable[str] = (),
    boundaries: Iterable[str] = (),
    interfaces: Iterable[str] = (),
) -> None:
    """Raise :class:`MeshError` naming the first requested group the mesh lacks or has empty."""
    for kind, wanted, have in (
        ("region", regions, mesh.regions),
        ("boundary", boundaries, mesh.boundaries),
        ("interface", interfaces, mesh.interfaces),
    ):
        for name in wanted:
            if name not in have:
                raise MeshError(f"{kind} {name!r} is not in the mesh; it has {sorted(have)}")
            g = have[name]
            n = len(g.facets) if kind == "interface" else len(g)
            if n == 0:
                raise MeshError(f"{kind} {name!r} is empty")
