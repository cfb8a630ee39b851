"""Mesh topology kernels: cell validation (the vertex→cell incidence is tested with the facet
matcher in ``test_facets.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from femtbr.errors import MeshError
from femtbr.fem.assembly.topology import check_cells
from femtbr.fem.fast.reference import REFDOM, VTK_TO_SKFEM, eval_basis, tables
from femtbr.fem.meshes import tensor_mesh


def _box(cell_type: str, n: int = 3):
    xs = np.linspace(0.0, 1.0, n + 1)
    m = tensor_mesh(xs, xs, xs, cell_type, lambda c: np.array(["r"] * len(c)))
    cells = np.ascontiguousarray(m.cells[:, VTK_TO_SKFEM[cell_type]], dtype=np.int32)
    return m.points.copy(), cells


def _min_corner_det(points, cells, cell_type):
    """Reference: det J by numpy.linalg.det at every corner of every cell."""
    tab = tables(cell_type, 1)
    _, dphi = eval_basis(tab.geom, REFDOM[cell_type].p)
    J = np.einsum("cva,vbq->cqab", points[cells], dphi)
    return np.linalg.det(J).min(axis=1)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("cell_type", ["tetra", "hexahedron"])
def test_check_cells_matches_corner_determinants(cell_type, threads, monkeypatch):
    from femtbr.fem.fast import kernels
    from femtbr.fem.linalg import threads as th

    monkeypatch.setattr(kernels, "PARALLEL_CELLS", 0)  # two halves in threads when asked
    monkeypatch.setattr(th, "n_threads", lambda: threads)
    points, cells = _box(cell_type)
    tab = tables(cell_type, 1)
    rid = np.zeros(cells.shape[0], dtype=np.int64)
    check_cells(points, cells, tab, rid, ["r"])  # the regular grid is valid
    rng = np.random.default_rng(1)
    for _ in range(20):
        p = points + 0.07 * rng.standard_normal(points.shape)
        expect = np.flatnonzero(_min_corner_det(p, cells, cell_type) <= 0)
        if expect.size == 0:
            check_cells(p, cells, tab, rid, ["r"])
            continue
        with pytest.raises(MeshError, match=rf"^{expect.size} degenerate or inverted.*"
                                            rf"cells {expect[0]} \(region 'r'\)"):
            check_cells(p, cells, tab, rid, ["r"])


def test_check_cells_hex_inverted_at_one_corner_only():
    points, cells = _box("hexahedron", 1)
    tab = tables("hexahedron", 1)
    p = points.copy()
    far = np.argmax(p.sum(axis=1))  # corner (1, 1, 1) pushed past the cell centre
    p[far] = [0.2, 0.2, 0.2]
    assert np.linalg.det(np.eye(3)) > 0 and _min_corner_det(p, cells, "hexahedron")[0] < 0
    with pytest.raises(MeshError, match="1 degenerate or inverted"):
        check_cells(p, cells, tab, np.zeros(1, np.int64), ["r"])
