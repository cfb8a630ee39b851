"""The probe bounding-box cells (preflight and probe location) against the explicit boxes."""

import numpy as np
import pytest

from femtbr.boxes import box_cells


@pytest.mark.parametrize("dim", [2, 3])
def test_bit_test_equals_explicit_boxes(dim):
    rng = np.random.default_rng(dim)
    points = rng.random((60, dim))
    cells = rng.integers(0, 60, size=(25, dim + 1))
    cells[:, 0] = np.arange(25)  # a few distinct vertices per cell
    lo, hi = points[cells].min(axis=1), points[cells].max(axis=1)
    tol = 1e-9
    probes = np.vstack([rng.random((200, dim)) * 1.4 - 0.2, lo[:5], hi[:5]])
    for x in probes:
        want = bool(np.any(np.all((x >= lo - tol) & (x <= hi + tol), axis=1)))
        got = box_cells(points, cells, x, tol)
        assert (got.size > 0) is want
        want_cells = np.flatnonzero(np.all((x >= lo - tol) & (x <= hi + tol), axis=1))
        assert np.array_equal(got, want_cells)


@pytest.mark.parametrize("cell_type", ["tetra", "hexahedron"])
@pytest.mark.parametrize("box_points", [0, 16])
def test_locate_by_boxes_or_kd_tree_interpolates_a_linear_field(cell_type, box_points,
                                                                monkeypatch):
    """Both candidate searches find a containing cell: a linear field is reproduced exactly."""
    from types import SimpleNamespace

    from femtbr.fem.meshes import tensor_mesh
    from femtbr.fem.post import probe as probe_mod

    monkeypatch.setattr(probe_mod, "BOX_POINTS", box_points)
    xs = np.linspace(0.0, 1.0, 5)
    m = tensor_mesh(xs, xs, xs ** 1.3, cell_type)
    rng = np.random.default_rng(7)
    pts = m.points.copy()
    inner = np.all((pts > 1e-9) & (pts < 1 - 1e-9), axis=1)
    pts[inner] += 0.04 * rng.standard_normal((int(inner.sum()), 3))  # skewed, non-affine
    coef = np.array([3.0, -2.0, 5.0])
    sol = SimpleNamespace(points=pts, cells=m.cells, cell_type=cell_type, order=1,
                          temperature=300.0 + pts @ coef)
    x = np.vstack([0.05 + 0.9 * rng.random((6, 3)), pts[inner][:3]])
    got = probe_mod.locate(sol, x).values(sol)
    assert np.allclose(got, 300.0 + x @ coef, rtol=0, atol=1e-11)
    with pytest.raises(Exception, match="outside"):
        probe_mod.locate(sol, np.array([[0.5, 0.5, 1.5]]))
