"""The one facet matcher (:mod:`femtbr.facets`) against brute-force Python set matching.

Small tensor meshes of every cell type get their vertices renumbered at random, their cells
shuffled and each query facet's vertex order shuffled; the reference is a dictionary from the
frozen vertex set of every face of every cell to its owner cells, built cell by cell in Python.
"""

from __future__ import annotations

import numpy as np
import pytest

from femtbr.errors import MeshError
from femtbr.facets import (
    cell_facets,
    facets_between,
    find_facets,
    match_facets,
    owners,
    vertex_to_cells,
)
from femtbr.fem.meshes import tensor_mesh
from femtbr.mesh import CELL_FACETS, TaggedMesh

#: Local vertex sets inside a cell that are not a face of it (diagonals, a hexahedron's
#: diagonal plane); simplices have none.
NOT_FACES = {"triangle": [], "tetra": [], "quad": [(0, 2), (1, 3)],
             "hexahedron": [(0, 1, 6, 7), (0, 2, 4, 6), (1, 2, 7, 4)]}


def shuffled_mesh(cell_type: str, seed: int) -> TaggedMesh:
    """A 3×3(×2) box mesh with random vertex numbering, cell order and two random regions."""
    rng = np.random.default_rng(seed)
    g = np.linspace(0.0, 1.0, 4)
    zs = np.linspace(0.0, 1.0, 3) if cell_type in ("tetra", "hexahedron") else None
    m = tensor_mesh(g, g, zs, cell_type)
    perm = rng.permutation(m.points.shape[0])  # old vertex v becomes perm[v]
    points = np.empty_like(m.points)
    points[perm] = m.points
    cells = perm[m.cells][rng.permutation(m.n_cells)]
    a = rng.random(cells.shape[0]) < 0.5
    return TaggedMesh(points, cells, cell_type,
                      regions={"a": np.flatnonzero(a), "b": np.flatnonzero(~a)})


def brute_faces(mesh: TaggedMesh) -> dict[frozenset, list[int]]:
    """Frozen vertex set of every face -> owner cells, increasing (plain Python loops)."""
    faces: dict[frozenset, list[int]] = {}
    for c, verts in enumerate(mesh.cells.tolist()):
        for f in CELL_FACETS[mesh.cell_type]:
            faces.setdefault(frozenset(verts[i] for i in f), []).append(c)
    return faces


def queries(mesh: TaggedMesh, faces: dict, rng) -> tuple[np.ndarray, list[frozenset | None]]:
    """Every face (shuffled order, shuffled vertices), non-faces, and the key of each."""
    rows, keys = [], []
    for key in faces:
        rows.append(rng.permutation(sorted(key)))
        keys.append(key)
    nfv = len(CELL_FACETS[mesh.cell_type][0])
    for local in NOT_FACES[mesh.cell_type]:  # inside one cell, not one of its faces
        rows.append(mesh.cells[3, list(local)])
        keys.append(None)
    rows.append(np.r_[mesh.cells[0, :nfv - 1], mesh.cells[0, 0]])  # a repeated vertex
    keys.append(None)
    far = mesh.cells[5, list(CELL_FACETS[mesh.cell_type][0])].copy()
    far[-1] = mesh.points.shape[0] + 7  # a vertex no cell has
    rows.append(far)
    keys.append(None)
    order = rng.permutation(len(rows))
    return np.array(rows, dtype=np.int64)[order], [keys[i] for i in order]


CELL_TYPES = ["triangle", "quad", "tetra", "hexahedron"]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_owners_equal_brute_force(cell_type, seed):
    mesh = shuffled_mesh(cell_type, seed)
    faces = brute_faces(mesh)
    q, keys = queries(mesh, faces, np.random.default_rng(seed + 10))
    got = owners(q, mesh.cells, CELL_FACETS[cell_type])
    want = [faces.get(k, []) if k is not None else [] for k in keys]
    assert got.count.tolist() == [len(w) for w in want]
    assert got.first.tolist() == [w[0] if w else -1 for w in want]
    assert got.second.tolist() == [w[1] if len(w) > 1 else -1 for w in want]
    assert {1, 2} <= set(got.count.tolist())  # outer and inner faces were both asked


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_match_facets_is_vertex_containment(cell_type):
    """Every (query, cell) pair where the cell holds all the query's vertices, with their local
    positions; a non-face inside a cell is contained too (owners() then drops it)."""
    mesh = shuffled_mesh(cell_type, 3)
    q, _ = queries(mesh, brute_faces(mesh), np.random.default_rng(4))
    q = q[q.max(axis=1) < mesh.points.shape[0]]
    m = match_facets(q, mesh.cells)
    want = {(i, c) for i, f in enumerate(q.tolist()) for c, cv in enumerate(mesh.cells.tolist())
            if set(f) <= set(cv)}
    assert set(zip(m.facet.tolist(), m.cell.tolist(), strict=True)) == want
    assert len(want) == m.facet.size
    assert np.array_equal(mesh.cells[m.cell[:, None], m.local], q[m.facet])


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_find_facets_equal_brute_force(cell_type):
    mesh = shuffled_mesh(cell_type, 5)
    rng = np.random.default_rng(6)
    faces = list(brute_faces(mesh))
    reference = np.array([rng.permutation(sorted(k)) for k in faces], dtype=np.int64)
    q, keys = queries(mesh, dict.fromkeys(faces), rng)
    where = {k: i for i, k in enumerate(faces)}
    got = find_facets(q, reference)
    assert got.tolist() == [where.get(k, -1) if k is not None else -1 for k in keys]
    assert (got == -1).sum() == len(NOT_FACES[cell_type]) + 2
    # a repeated reference facet: the lowest index is given
    twice = np.concatenate([reference, reference[:4]])
    assert np.array_equal(find_facets(reference[:4], twice), np.arange(4))


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_facets_between_equal_brute_force(cell_type):
    mesh = shuffled_mesh(cell_type, 7)
    in_a = np.zeros(mesh.n_cells, dtype=bool)
    in_a[mesh.regions["a"]] = True
    want = {k for k, c in brute_faces(mesh).items() if len(c) == 2 and in_a[c[0]] != in_a[c[1]]}
    got = mesh.facets_between("a", "b")
    assert len(want) > 0 and len(got) == len(want)
    assert {frozenset(f) for f in got.tolist()} == want
    # each listed in the vertex order of its region-a cell
    a_faces, _ = cell_facets(mesh.cells[mesh.regions["a"]], CELL_FACETS[cell_type])
    assert {tuple(f) for f in got.tolist()} <= {tuple(f) for f in a_faces.tolist()}
    assert facets_between(mesh.cells, CELL_FACETS[cell_type], mesh.regions["a"],
                          np.zeros(0, dtype=np.int64)).shape == (0, got.shape[1])


def test_cell_facets_lists_every_face_with_its_owner():
    mesh = shuffled_mesh("hexahedron", 8)
    facets, owner = mesh.all_facets()
    assert facets.shape == (6 * mesh.n_cells, 4)
    listed = sorted((o, tuple(sorted(f))) for o, f in zip(owner.tolist(), facets.tolist(),
                                                       strict=True))
    assert listed == sorted((c, tuple(sorted(k))) for k, cs in brute_faces(mesh).items()
                            for c in cs)


def test_vertex_to_cells_rows_are_the_cells_of_each_vertex():
    """Full rows list the cells of each vertex, increasing; restricted rows are the full rows
    for the marked vertices and empty for the others."""
    mesh = shuffled_mesh("tetra", 9)
    full = vertex_to_cells(mesh.cells, mesh.points.shape[0])
    only = np.zeros(mesh.points.shape[0], dtype=bool)
    only[[0, 5, 17]] = True
    part = vertex_to_cells(mesh.cells, mesh.points.shape[0], only)
    for v in range(mesh.points.shape[0]):
        ref = full.indices[full.indptr[v]:full.indptr[v + 1]]
        assert ref.tolist() == [c for c, cv in enumerate(mesh.cells.tolist()) if v in cv]
        row = part.indices[part.indptr[v]:part.indptr[v + 1]]
        assert np.array_equal(row, ref if only[v] else ref[:0])


def test_bad_queries_are_errors():
    mesh = shuffled_mesh("tetra", 0)
    with pytest.raises(MeshError, match="out of range"):
        match_facets(np.array([[0, 1, -2]]), mesh.cells)
    only = np.zeros(mesh.points.shape[0], dtype=bool)
    inc = vertex_to_cells(mesh.cells, mesh.points.shape[0], only)
    with pytest.raises(MeshError, match="out of range"):
        match_facets(np.array([[0, 1, mesh.points.shape[0]]]), mesh.cells, inc)
    with pytest.raises(MeshError, match=r"\(n, n_facet_vertices\) integer array"):
        owners(np.array([0.0, 1.0, 2.0]), mesh.cells, CELL_FACETS["tetra"])
    with pytest.raises(MeshError, match="facets of 3 vertices cannot be found among facets of 2"):
        find_facets(np.array([[0, 1, 2]]), np.array([[0, 1]]))
    with pytest.raises(MeshError, match="'a' and itself"):
        mesh.facets_between("a", "a")
    with pytest.raises(MeshError, match="unknown region 'c'"):
        mesh.facets_between("a", "c")


def test_mesh_checks_name_the_group_of_bad_facets():
    """The geometry checks use the matcher: a hexahedron's diagonal plane is no facet, a
    facet array of the wrong width or with a vertex out of range is named by its group."""
    from dataclasses import replace

    from femtbr.geometry.checks import check_groups

    mesh = shuffled_mesh("hexahedron", 11)
    check_groups(mesh)  # no groups besides the regions
    diagonal = mesh.cells[2, list(NOT_FACES["hexahedron"][0])][None, :]
    with pytest.raises(MeshError, match="boundary 'cut': 1 facet.* not facets of any cell"):
        check_groups(replace(mesh, boundaries={"cut": diagonal}))
    with pytest.raises(MeshError, match=r"boundary 'tri': facets of hexahedron cells are an "
                                        r"\(n, 4\) integer array, got shape \(1, 3\)"):
        check_groups(replace(mesh, boundaries={"tri": diagonal[:, :3]}))
    far = diagonal.copy()
    far[0, 0] = mesh.points.shape[0]
    with pytest.raises(MeshError, match=r"boundary 'far': vertex index out of range \[0, 48\)"):
        check_groups(replace(mesh, boundaries={"far": far}))
    inner = mesh.facets_between("a", "b")[:3]
    with pytest.raises(MeshError, match="boundary 'inner': 3 facet.* lie inside the body"):
        check_groups(replace(mesh, boundaries={"inner": inner}))
