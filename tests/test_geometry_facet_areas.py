"""Quad facet areas: the 3 × 3 Gauss rule of |∂x/∂ξ × ∂x/∂η| of the bilinear map."""

import numpy as np

from femtbr.geometry.measure import facet_areas


def _reference(X):
    """The rule written out with the bilinear shape-function gradients at each point."""
    g, w = np.array([-np.sqrt(0.6), 0.0, np.sqrt(0.6)]), np.array([5.0, 8.0, 5.0]) / 9.0
    out = np.zeros(len(X))
    for xi, wx in zip(g, w, strict=True):
        for eta, wy in zip(g, w, strict=True):
            dN = 0.25 * np.array([[-(1 - eta), -(1 - xi)], [1 - eta, -(1 + xi)],
                                  [1 + eta, 1 + xi], [-(1 + eta), 1 - xi]])
            J = np.einsum("cvi,vj->cij", X, dN)
            out += wx * wy * np.linalg.norm(np.cross(J[:, :, 0], J[:, :, 1]), axis=1)
    return out


def test_warped_quads_match_the_written_out_rule():
    rng = np.random.default_rng(11)
    square = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], float)
    X = square[None] * rng.uniform(0.5, 2, (50, 1, 3)) + 0.2 * rng.standard_normal((50, 4, 3))
    pts = X.reshape(-1, 3)
    facets = np.arange(pts.shape[0]).reshape(-1, 4)
    assert np.allclose(facet_areas(pts, facets), _reference(X), rtol=1e-13, atol=0)


def test_flat_quad_is_half_the_cross_of_its_diagonals():
    rng = np.random.default_rng(12)
    q = np.array([[0, 0], [2, 0.1], [2.5, 1.7], [-0.2, 1.2]]) + 0.1 * rng.standard_normal((4, 2))
    rot, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    pts = np.c_[q, np.zeros(4)] @ rot.T + rng.standard_normal(3)  # a flat quad in space
    want = 0.5 * np.linalg.norm(np.cross(pts[2] - pts[0], pts[3] - pts[1]))
    assert abs(facet_areas(pts, np.arange(4)[None])[0] - want) <= 1e-14 * want
