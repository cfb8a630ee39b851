"""Reference-element tables: scikit-fem elements, vertex orderings, facets, quadrature.

femtbr meshes use the VTK vertex order; scikit-fem's reference elements number vertices
differently for hexahedra.  :data:`VTK_TO_SKFEM` gives, for each scikit-fem local vertex, the VTK
local vertex at the same reference coordinates (derived from the two reference-coordinate tables,
so the map is the identity on the reference cube and preserves orientation).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import skfem
from skfem.quadrature import get_quadrature
from skfem.refdom import RefHex, RefLine, RefQuad, RefTet, RefTri

from femtbr.errors import InputError

#: Reference coordinates of the VTK vertices (VTK file-format documentation, "linear cells").
VTK_REF = {
    "triangle": np.array([[0, 0], [1, 0], [0, 1]], float),
    "quad": np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float),
    "tetra": np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], float),
    "hexahedron": np.array(
        [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]],
        float,
    ),
}
REFDOM = {"triangle": RefTri, "quad": RefQuad, "tetra": RefTet, "hexahedron": RefHex}
FACET_REFDOM = {"triangle": RefLine, "quad": RefLine, "tetra": RefTri, "hexahedron": RefQuad}
SIMPLEX = {"triangle": True, "quad": False, "tetra": True, "hexahedron": False}
ELEMENTS = {
    ("triangle", 1): skfem.ElementTriP1,
    ("triangle", 2): skfem.ElementTriP2,
    ("quad", 1): skfem.ElementQuad1,
    ("quad", 2): skfem.ElementQuad2,
    ("tetra", 1): skfem.ElementTetP1,
    ("tetra", 2): skfem.ElementTetP2,
    ("hexahedron", 1): skfem.ElementHex1,
    ("hexahedron", 2): skfem.ElementHex2,
}
SKFEM_MESH = {
    "triangle": skfem.MeshTri1,
    "quad": skfem.MeshQuad1,
    "tetra": skfem.MeshTet1,
    "hexahedron": skfem.MeshHex1,
}
FACET_ELEMENT = {
    RefLine: skfem.ElementLineP1,
    RefTri: skfem.ElementTriP1,
    RefQuad: skfem.ElementQuad1,
}


def _vtk_to_skfem(cell_type: str) -> np.ndarray:
    sk = REFDOM[cell_type].p.T
    vtk = VTK_REF[cell_type]
    d = np.abs(sk[:, None, :] - vtk[None, :, :]).sum(axis=2)
    return np.argmin(d, axis=1)


VTK_TO_SKFEM = {ct: _vtk_to_skfem(ct) for ct in VTK_REF}


def quadrature(refdom, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Points ``(dim, nq)`` and weights ``(nq,)`` exact to polynomial ``order`` on ``refdom``.

    Order ≤ 1 on a simplex uses the one-point centroid rule; otherwise scikit-fem's rules
    (Gauss–Legendre tensor rules on lines/quads/hexes, Strang–Fix / Keast on simplices).
    """
    if order <= 1 and refdom in (RefTri, RefTet, RefLine):
        dim = refdom.p.shape[0]
        vol = {RefTri: 0.5, RefTet: 1.0 / 6.0, RefLine: 1.0}[refdom]
        c = refdom.p.mean(axis=1)[:, None] if refdom is not RefLine else np.array([[0.5]])
        return c.reshape(dim, 1), np.array([vol])
    return get_quadrature(refdom, max(order, 1))


def eval_basis(element, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values ``(nb, *shape)`` and reference gradients ``(nb, dim, *shape)`` at points ``X``."""
    nb = element.doflocs.shape[0]
    vals, grads = [], []
    for i in range(nb):
        phi, dphi = element.lbasis(X, i)
        vals.append(phi)
        grads.append(dphi)
    return np.array(vals), np.array(grads)


@dataclass(frozen=True)
class RefTables:
    """Everything about one (cell type, order) pair that does not depend on the mesh.

    Attributes
    ----------
    element, geom
        scikit-fem field element and first-order geometric element.
    facet_vertices
        ``(n_local_facets, n_facet_vertices)`` local vertex lists (scikit-fem numbering).
    facet_dofs
        ``(n_local_facets, n_facet_dofs)`` local DOFs lying on each facet.
    """

    cell_type: str
    order: int
    element: object
    geom: object
    facet_vertices: np.ndarray
    facet_dofs: np.ndarray

    @property
    def dim(self) -> int:
        return REFDOM[self.cell_type].p.shape[0]

    @property
    def nb(self) -> int:
        return self._nb

    def __post_init__(self) -> None:
        object.__setattr__(self, "_nb", int(np.asarray(self.element.doflocs).shape[0]))

    @property
    def simplex(self) -> bool:
        return SIMPLEX[self.cell_type]


@cache
def tables(cell_type: str, order: int) -> RefTables:
    """Reference tables of ``cell_type`` with elements of polynomial ``order`` (1 or 2)."""
    if (cell_type, order) not in ELEMENTS:
        raise InputError(f"options.order: must be 1 or 2, got {order!r}")
    elem = ELEMENTS[(cell_type, order)]()
    geom = ELEMENTS[(cell_type, 1)]()
    ref = REFDOM[cell_type]
    fv = np.array(ref.facets, dtype=np.int64)
    p = ref.p.T
    locs = elem.doflocs
    fd = []
    for verts in fv:
        # a DOF lies on the facet iff it lies in the facet's affine hull (faces are planar)
        base = p[verts[0]]
        span = (p[verts[1:]] - base).T
        coef, *_ = np.linalg.lstsq(span, (locs - base).T, rcond=None)
        resid = np.linalg.norm(span @ coef - (locs - base).T, axis=0)
        fd.append(np.flatnonzero(resid < 1e-12))
    return RefTables(cell_type, order, elem, geom, fv, np.array(fd, dtype=np.int64))
