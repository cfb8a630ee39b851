"""Facet identity and matching: the one place that finds facets (faces of cells) by vertex set.

A facet is its set of vertices; the order in which a facet lists them does not matter.  The
questions femtbr asks about facets reduce to one: *which cells contain all the vertices of each
query facet* (:func:`match_facets`).  It is answered through the vertex → cell incidence of the
query facets' vertices only (:func:`vertex_to_cells`): the cells around a facet's first vertex are
the candidates, filtered by the facet's other vertices.  The work is linear in the number of
cells and of query facets, with no global facet table or sort, so it stays cheap on meshes of
millions of cells (a lexicographic sort of every cell facet, the other way to key facets by
vertex set, costs seconds there).

Built on it:

* :func:`face_index` — which face of its cell the matched vertices form (or none: four vertices
  of a hexahedron need not be a face);
* :func:`owners` — the cells that have each query facet as a face: the count, the first two;
* :func:`find_facets` — each query facet's index in a reference facet list, or -1 (the
  reference facets play the cells: one of the same size whose every vertex the query names is
  the same vertex set);
* :func:`cell_facets` — every face of every cell, with its owner;
* :func:`facets_between` — the faces shared by a cell of one group and a cell of another.

One question is left elsewhere on purpose: node splitting
(:mod:`femtbr.fem.assembly.split`) pairs the cells around each interface vertex across the
faces through that vertex, a vertex-local question its own sort of (vertex, face) incidences
answers several times faster than face matching.

Cell arrays are ``(n_cells, n_vertices)`` vertex indices in any local ordering; a *face table*
lists the local vertices of each face of a cell in that same ordering (e.g.
:data:`femtbr.mesh.CELL_FACETS` for VTK order, ``RefTables.facet_vertices`` for scikit-fem's).
Plain numpy: the mesh value, the geometry checks, the MSH reader and the FE layer all use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from femtbr.errors import MeshError

FaceTable = Sequence[Sequence[int]] | np.ndarray


@dataclass(frozen=True)
class Incidence:
    """Vertex → cell incidence in compressed-row form.

    The cells containing vertex *v* are ``indices[indptr[v]:indptr[v + 1]]``, increasing.
    """

    indptr: np.ndarray
    indices: np.ndarray

    @property
    def n_points(self) -> int:
        """Number of vertices (rows)."""
        return int(self.indptr.size - 1)


def vertex_to_cells(cells: np.ndarray, n_points: int,
                    only: np.ndarray | None = None) -> Incidence:
    """The cells containing each vertex.

    Parameters
    ----------
    cells
        ``(n_cells, n_vertices)`` vertex indices.
    n_points
        Number of vertices.
    only
        ``(n_points,)`` bool: fill only the rows of the marked vertices (the other rows are
        empty), e.g. the vertices of the facets to locate — much less work than the full
        incidence.
    """
    nc, nv = cells.shape
    if only is None:
        vert = cells.ravel()
        cell = np.repeat(np.arange(nc, dtype=np.int64), nv)
    else:
        cell, loc = np.nonzero(only[cells])  # row-major: cells in increasing order
        vert = cells[cell, loc]
    order = np.argsort(vert, kind="stable")  # stable: each row keeps increasing cells
    indptr = np.zeros(n_points + 1, dtype=np.int64)
    np.cumsum(np.bincount(vert, minlength=n_points), out=indptr[1:])
    return Incidence(indptr, cell[order])


def _ragged(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions into ``indices`` of the entries of ``rows`` and the row each belongs to."""
    start = indptr[rows]
    counts = indptr[rows + 1] - start
    owner = np.repeat(np.arange(rows.size), counts)
    offs = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(start, counts) + offs, owner


@dataclass(frozen=True)
class FacetMatch:
    """Pairs (query facet, cell containing all its vertices).

    Attributes
    ----------
    facet
        Index of the query facet, increasing.
    cell
        Index of the cell; for one facet the cells are increasing.
    local
        ``(m, n_facet_vertices)`` local positions in ``cell`` of the facet's vertices, in the
        facet's own vertex order.
    """

    facet: np.ndarray
    cell: np.ndarray
    local: np.ndarray


def _as_facets(facets: np.ndarray) -> np.ndarray:
    f = np.asarray(facets)
    if f.ndim != 2 or (f.size and not np.issubdtype(f.dtype, np.integer)):
        raise MeshError(f"facets must be an (n, n_facet_vertices) integer array, got shape "
                        f"{f.shape} of {f.dtype}")
    f = f.astype(np.int64, copy=False)
    if f.size and f.min() < 0:
        raise MeshError("facet vertex index out of range (negative)")
    return f


def match_facets(facets: np.ndarray, cells: np.ndarray,
                 incidence: Incidence | None = None) -> FacetMatch:
    """Every (facet, cell) pair where the cell contains all vertices of the facet.

    Parameters
    ----------
    facets
        ``(n_facets, k)`` vertex indices of the query facets.
    cells
        ``(n_cells, n_vertices)`` vertex indices of the cells to search.
    incidence
        :func:`vertex_to_cells` of ``cells`` with (at least) the rows of the facets' vertices;
        built here when omitted.

    Raises
    ------
    MeshError
        A facet vertex index is negative or, with ``incidence`` given, beyond its rows.
    """
    facets = _as_facets(facets)
    if incidence is None:
        n = max(int(cells.max()) + 1 if cells.size else 0,
                int(facets.max()) + 1 if facets.size else 0)
        only = np.zeros(n, dtype=bool)
        only[facets] = True
        incidence = vertex_to_cells(cells, n, only)
    elif facets.size and facets.max() >= incidence.n_points:
        raise MeshError(f"facet vertex index out of range: {int(facets.max())} >= "
                        f"{incidence.n_points} vertices")
    if facets.shape[0] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return FacetMatch(empty, empty, np.zeros((0, facets.shape[1]), dtype=np.int64))
    pos, owner = _ragged(incidence.indptr, facets[:, 0])
    cand = incidence.indices[pos]
    cv = cells[cand]  # (m, nv); every candidate contains vertex 0
    for k in range(1, facets.shape[1]):  # filter, then work on the survivors only
        ok = (cv == facets[owner, k][:, None]).any(axis=1)
        cand, owner, cv = cand[ok], owner[ok], cv[ok]
    local = np.empty((cand.size, facets.shape[1]), dtype=np.int64)
    for k in range(facets.shape[1]):
        local[:, k] = np.argmax(cv == facets[owner, k][:, None], axis=1)
    return FacetMatch(owner, cand.astype(np.int64), local)


def face_index(table: FaceTable, local: np.ndarray) -> np.ndarray:
    """Index in ``table`` of the face made of the local vertices ``local`` (m, k), or -1.

    Faces are compared as bit sets of local vertices.  A row listing a vertex twice has fewer
    than k bits set, so it is never taken for a face of k vertices.
    """
    table = np.asarray(table, dtype=np.int64)
    lut = np.full(1 << (int(table.max()) + 1), -1, dtype=np.int64)
    lut[np.bitwise_or.reduce(np.left_shift(1, table), axis=1)] = np.arange(table.shape[0])
    if local.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    if local.shape[1] != table.shape[1]:
        return np.full(local.shape[0], -1, dtype=np.int64)
    bits = np.bitwise_or.reduce(np.left_shift(1, np.asarray(local, dtype=np.int64)), axis=1)
    return np.where(bits < lut.size, lut[np.minimum(bits, lut.size - 1)], -1)


@dataclass(frozen=True)
class FacetOwners:
    """The cells having each query facet as a face.

    Attributes
    ----------
    count
        Number of such cells: 0 not a facet of the mesh, 1 on the outer boundary, 2 inside.
    first, second
        The lowest and the next such cell index; -1 when there is none.
    """

    count: np.ndarray
    first: np.ndarray
    second: np.ndarray


def owners(facets: np.ndarray, cells: np.ndarray, table: FaceTable,
           incidence: Incidence | None = None) -> FacetOwners:
    """The cells of ``cells`` that have each of ``facets`` as one of their faces (``table``).

    A cell that contains a facet's vertices without having them as a face (the diagonal of a
    quadrilateral, four vertices of a hexahedron across its body) does not count.
    """
    facets = _as_facets(facets)
    m = match_facets(facets, cells, incidence)
    keep = face_index(table, m.local) >= 0
    facet, cell = m.facet[keep], m.cell[keep]
    n = facets.shape[0]
    count = np.bincount(facet, minlength=n)
    first = np.full(n, -1, dtype=np.int64)
    second = np.full(n, -1, dtype=np.int64)
    head = np.r_[True, facet[1:] != facet[:-1]] if facet.size else np.zeros(0, bool)
    first[facet[head]] = cell[head]
    nxt = np.r_[False, head[:-1]] & ~head if facet.size else head
    second[facet[nxt]] = cell[nxt]
    return FacetOwners(count, first, second)


def find_facets(query: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Index in ``reference`` of the facet with the vertex set of each ``query`` facet, or -1.

    Both are ``(n, k)`` vertex lists with the same k; vertex order within a facet is ignored.
    With repeated reference facets the lowest index is given.
    """
    query, reference = _as_facets(query), _as_facets(reference)
    if query.shape[1] != reference.shape[1]:
        raise MeshError(f"facets of {query.shape[1]} vertices cannot be found among facets of "
                        f"{reference.shape[1]}")
    m = match_facets(query, reference)
    # same size: equal sets when the query's vertices take every position of the reference
    # facet (a query listing a vertex twice is contained without being equal)
    whole = face_index([range(query.shape[1])], m.local) >= 0
    facet, cell = m.facet[whole], m.cell[whole]
    index = np.full(query.shape[0], -1, dtype=np.int64)
    index[facet[::-1]] = cell[::-1]  # the last write per facet is its lowest match
    return index


def cell_facets(cells: np.ndarray, table: FaceTable) -> tuple[np.ndarray, np.ndarray]:
    """Every face of every cell.

    Returns
    -------
    facets : ndarray
        ``(n_cells * n_faces, n_face_vertices)`` vertex indices, face by face of ``table``
        (all cells' first face, then all cells' second face, …).
    owner : ndarray
        Cell index of each row.
    """
    facets = np.concatenate([cells[:, list(f)] for f in table], axis=0)
    owner = np.tile(np.arange(cells.shape[0]), len(table))
    return facets, owner


def facets_between(cells: np.ndarray, table: FaceTable, cells_a: np.ndarray,
                   cells_b: np.ndarray) -> np.ndarray:
    """Faces shared by a cell of ``cells_a`` and a cell of ``cells_b`` (two index arrays).

    Only the faces of group-*a* cells whose vertices all belong to group-*b* cells are matched,
    so the cost follows the cells along the contact.  Each face is returned once, with its
    vertices in the order of its group-*a* cell.
    """
    cells_a, cells_b = cells[np.asarray(cells_a)], cells[np.asarray(cells_b)]
    nfv = len(table[0])
    if cells_a.size == 0 or cells_b.size == 0:
        return np.zeros((0, nfv), dtype=np.int64)
    on_b = np.zeros(int(cells.max()) + 1, dtype=bool)
    on_b[cells_b] = True
    near = cells_a[on_b[cells_a].sum(axis=1) >= nfv]
    faces, _ = cell_facets(near, table)
    faces = faces[on_b[faces].all(axis=1)]
    return faces[owners(faces, cells_b, table).count > 0].astype(np.int64, copy=False)
