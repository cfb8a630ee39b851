"""Cell volumes, facet areas and Jacobian signs of first-order meshes (VTK vertex order).

Volumes of trilinear hexahedra / bilinear quads are integrated with the 2×2(×2) Gauss rule,
which is exact because det J is a polynomial of degree ≤ 2 in each reference coordinate.
Areas of quad facets use the 3×3 Gauss rule (exact for planar quads).

``axisymmetric=True`` takes a 2D mesh as an r–z section (x = r ≥ 0) and returns the measures of
the body of revolution: 2π∫r dA and 2π∫r ds.  r det J has degree ≤ 2 in each reference
coordinate of a bilinear quad, so the 2×2 rule stays exact; a triangle or a segment gives its
measure times 2π r at its centroid (Pappus's centroid theorems), exact for straight sides.
"""

from __future__ import annotations

import weakref

import numpy as np

from femtbr.mesh import TaggedMesh

_G2 = np.array([-1.0, 1.0]) / np.sqrt(3.0)
_G3 = np.array([-np.sqrt(0.6), 0.0, np.sqrt(0.6)])
_W3 = np.array([5.0, 8.0, 5.0]) / 9.0


def _quad_shape_grads(xi: float, eta: float) -> np.ndarray:
    """d N / d(xi, eta) of the bilinear quad on [-1, 1]², shape (4, 2)."""
    return 0.25 * np.array(
        [
            [-(1 - eta), -(1 - xi)],
            [(1 - eta), -(1 + xi)],
            [(1 + eta), (1 + xi)],
            [-(1 + eta), (1 - xi)],
        ]
    )


def _hex_shape_grads(xi: float, eta: float, zeta: float) -> np.ndarray:
    """d N / d(xi, eta, zeta) of the trilinear hexahedron (VTK order), shape (8, 3)."""
    s = np.array([[-1, -1, -1], [1, -1, -1], [1, 1, -1], [-1, 1, -1],
                  [-1, -1, 1], [1, -1, 1], [1, 1, 1], [-1, 1, 1]], dtype=float)
    g = np.empty((8, 3))
    g[:, 0] = s[:, 0] * (1 + s[:, 1] * eta) * (1 + s[:, 2] * zeta) / 8
    g[:, 1] = s[:, 1] * (1 + s[:, 0] * xi) * (1 + s[:, 2] * zeta) / 8
    g[:, 2] = s[:, 2] * (1 + s[:, 0] * xi) * (1 + s[:, 1] * eta) / 8
    return g


def jacobians(points: np.ndarray, cells: np.ndarray, cell_type: str, at: str = "gauss"):
    """Jacobian determinants, shape (n_cells, n_points_per_cell).

    ``at="gauss"`` evaluates at the 2-point Gauss points (for volumes); ``at="corners"`` at the
    vertices (a non-positive corner value means an inverted or degenerate box element).
    """
    X = points[cells]
    if cell_type == "triangle":
        a, b = X[:, 1] - X[:, 0], X[:, 2] - X[:, 0]
        return (a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])[:, None]
    if cell_type == "tetra":
        a, b, c = X[:, 1] - X[:, 0], X[:, 2] - X[:, 0], X[:, 3] - X[:, 0]
        return np.einsum("ij,ij->i", np.cross(a, b), c)[:, None]
    if at == "corners":
        return _corner_jacobians(X, cell_type)
    pts = _G2
    c, nv, dim = X.shape
    Xt = np.ascontiguousarray(X.transpose(0, 2, 1)).reshape(c * dim, nv)  # one GEMM per point
    out = []
    if cell_type == "quad":
        for xi in pts:
            for eta in pts:
                J = (Xt @ _quad_shape_grads(xi, eta)).reshape(c, dim, dim)
                out.append(J[:, 0, 0] * J[:, 1, 1] - J[:, 0, 1] * J[:, 1, 0])
    else:
        for xi in pts:
            for eta in pts:
                for zeta in pts:
                    J = (Xt @ _hex_shape_grads(xi, eta, zeta)).reshape(c, dim, dim)
                    out.append(np.einsum("ci,ci->c", np.cross(J[:, :, 0], J[:, :, 1]),
                                         J[:, :, 2]))
    return np.stack(out, axis=1)


#: For each corner: (from, to) vertex pairs of the edges along xi, eta (, zeta) there; the
#: Jacobian at a corner of a bilinear / trilinear cell is half these edge vectors.
_CORNER_EDGES = {
    "quad": [((0, 1), (0, 3)), ((0, 1), (1, 2)), ((3, 2), (1, 2)), ((3, 2), (0, 3))],
    "hexahedron": [
        ((0, 1), (0, 3), (0, 4)), ((0, 1), (1, 2), (1, 5)), ((3, 2), (1, 2), (2, 6)),
        ((3, 2), (0, 3), (3, 7)), ((4, 5), (4, 7), (0, 4)), ((4, 5), (5, 6), (1, 5)),
        ((7, 6), (5, 6), (2, 6)), ((7, 6), (4, 7), (3, 7)),
    ],
}


def _corner_jacobians(X: np.ndarray, cell_type: str) -> np.ndarray:
    """det J at every vertex from the edge vectors meeting there (exact for the
    bilinear / trilinear map), shape (n_cells, n_vertices)."""
    out = []
    for edges in _CORNER_EDGES[cell_type]:
        e = [0.5 * (X[:, b] - X[:, a]) for a, b in edges]
        if cell_type == "quad":
            out.append(e[0][:, 0] * e[1][:, 1] - e[0][:, 1] * e[1][:, 0])
        else:
            out.append(np.einsum("ci,ci->c", np.cross(e[0], e[1]), e[2]))
    return np.stack(out, axis=1)


def cell_volumes(points: np.ndarray, cells: np.ndarray, cell_type: str,
                 axisymmetric: bool = False) -> np.ndarray:
    """Signed cell volumes [m³] (areas [m²] in 2D; revolved volumes [m³] if ``axisymmetric``)."""
    if cell_type in ("triangle", "tetra"):
        f = 0.5 if cell_type == "triangle" else 1.0 / 6.0
        v = f * jacobians(points, cells, cell_type)[:, 0]
        return v * (2 * np.pi * points[cells, 0].mean(axis=1)) if axisymmetric else v
    det = jacobians(points, cells, cell_type)
    if axisymmetric:  # r at the 2×2 Gauss points, in the order of `jacobians`
        N = np.array([[(1 - xi) * (1 - eta), (1 + xi) * (1 - eta), (1 + xi) * (1 + eta),
                       (1 - xi) * (1 + eta)] for xi in _G2 for eta in _G2]) / 4
        det = det * (2 * np.pi * points[cells, 0] @ N.T)
    return det.sum(axis=1)


def facet_areas(points: np.ndarray, facets: np.ndarray, axisymmetric: bool = False
                ) -> np.ndarray:
    """Facet measures [m² in 3D, m in 2D] of segment, triangle or quad facets; the revolved
    areas 2π r̄ L [m²] of the segments of an r–z section if ``axisymmetric``."""
    X = points[facets]
    nv = facets.shape[1]
    if nv == 2:
        L = np.linalg.norm(X[:, 1] - X[:, 0], axis=1)
        return L * (np.pi * (X[:, 0, 0] + X[:, 1, 0])) if axisymmetric else L
    if nv == 3:
        return 0.5 * np.linalg.norm(np.cross(X[:, 1] - X[:, 0], X[:, 2] - X[:, 0]), axis=1)
    # bilinear map on [-1, 1]²: ∂x/∂ξ = a + η b, ∂x/∂η = c + ξ b (the same b), so the area
    # element |∂x/∂ξ × ∂x/∂η| = |a×c + ξ a×b + η b×c|: three cross products, then the
    # 3 × 3 Gauss rule of its length (exact for a flat quad, where it is linear in ξ, η)
    x0, x1, x2, x3 = (X[:, k] for k in range(4))
    a = 0.25 * (x1 - x0 + x2 - x3)
    b = 0.25 * (x0 - x1 + x2 - x3)
    c = 0.25 * (x3 - x0 + x2 - x1)
    n0, n1, n2 = np.cross(a, c), np.cross(a, b), np.cross(b, c)
    area = np.zeros(len(facets))
    for xi, wx in zip(_G3, _W3, strict=True):
        n_xi = n0 + xi * n1
        for eta, wy in zip(_G3, _W3, strict=True):
            area += wx * wy * np.linalg.norm(n_xi + eta * n2, axis=1)
    return area


def region_volumes(mesh: TaggedMesh, axisymmetric: bool = False) -> dict[str, float]:
    """Region name -> volume [m³] (area [m²] in 2D; revolved volume if ``axisymmetric``)."""
    v = cell_volumes(mesh.points, mesh.cells, mesh.cell_type, axisymmetric)
    return {n: float(v[c].sum()) for n, c in mesh.regions.items()}


#: ``id(mesh) -> (weak reference to the mesh, its group areas)``: sweep cases share one mesh.
_AREAS: dict[int, tuple[weakref.ref, dict[str, float]]] = {}


def group_areas(mesh: TaggedMesh, axisymmetric: bool = False) -> dict[str, float]:
    """Boundary and interface name -> area [m²] (length [m] in 2D; revolved area [m²] if
    ``axisymmetric``).

    Remembered per mesh object (a frozen :class:`TaggedMesh`) while it lives.
    """
    if axisymmetric:
        out = {n: float(facet_areas(mesh.points, f, True).sum())
               for n, f in mesh.boundaries.items()}
        out.update({n: float(facet_areas(mesh.points, i.facets, True).sum())
                    for n, i in mesh.interfaces.items()})
        return out
    hit = _AREAS.get(id(mesh))
    if hit is not None and hit[0]() is mesh:
        return dict(hit[1])
    out = {n: float(facet_areas(mesh.points, f).sum()) for n, f in mesh.boundaries.items()}
    out.update(
        {n: float(facet_areas(mesh.points, i.facets).sum()) for n, i in mesh.interfaces.items()}
    )
    key = id(mesh)
    _AREAS[key] = (weakref.ref(mesh, lambda _ref: _AREAS.pop(key, None)), out)
    return dict(out)
