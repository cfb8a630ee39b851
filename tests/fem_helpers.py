"""Small helpers shared by the tests of femtbr.fem (in-test conductance models, meshes)."""

from __future__ import annotations

import numpy as np

from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.fast.kernels import chunks, geometry
from femtbr.mesh import TaggedMesh

ELEMENTS_2D = [("triangle", 1), ("triangle", 2), ("quad", 1), ("quad", 2)]
ELEMENTS_3D = [("tetra", 1), ("tetra", 2), ("hexahedron", 1), ("hexahedron", 2)]


class ConstantH:
    """h = const."""

    def __init__(self, h: float):
        self.h = h

    def conductance(self, T, p):
        return np.full_like(T, self.h), np.zeros_like(T)


class CubicH:
    """h = C T³ (phonon radiation-limit form), dh/dT = 3 C T²."""

    def __init__(self, C: float):
        self.C = C

    def conductance(self, T, p):
        return self.C * T**3, 3 * self.C * T**2


class Composed:
    """h = h1 + C T³ with components, to exercise ``components``."""

    def __init__(self, h1: float, C: float):
        self.h1, self.C = h1, C

    def conductance(self, T, p):
        return self.h1 + self.C * T**3, 3 * self.C * T**2

    def components(self, T, p):
        return {"const": np.full_like(T, self.h1), "cubic": self.C * T**3}


def split_boundary_by_side(mesh: TaggedMesh, name: str, side_a) -> TaggedMesh:
    """Split boundary ``name`` into ``name_a``/``name_b`` by a predicate on facet centroids."""
    f = mesh.boundaries[name]
    c = mesh.points[f].mean(axis=1)
    a = side_a(c)
    return mesh.with_boundaries({name + "_a": f[a], name + "_b": f[~a]})


def l2_error(disc: Discretization, T: np.ndarray, exact_by_region: dict) -> float:
    """‖T_h − u‖_L2 with a quadrature of order 2p+2 (u per region: callable of (n, dim))."""
    from femtbr.fem.fast.kernels import cell_rule

    rule = cell_rule(disc.tab, 2 * disc.order + 2)
    err = 0.0
    for name, cells in disc.region_cells.items():
        for s in chunks(cells.size):
            c = cells[s]
            det, _ = geometry(disc.points, disc.cells[c], rule)
            xq = np.einsum("cva,qv->cqa", disc.points[disc.cells[c]], rule.gphi)
            uh = T[disc.edofs[c]] @ rule.phi.T
            u = exact_by_region[name](xq.reshape(-1, xq.shape[-1])).reshape(uh.shape)
            err += float(np.sum(det * rule.W * (uh - u) ** 2))
    return err**0.5


def jacobian_vs_fd(system, disc: Discretization, eps: float = 1e-3, seed: int = 0):
    """Relative difference between J·δ and the central difference of R along a random δ at a
    random T in 300-400 K; also returns that T and the Jacobian data."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    T = 300 + 100 * rng.random(disc.n_dofs)
    _, data = system.evaluate(T)
    indptr, indices = disc.pattern
    J = sp.csr_matrix((data, indices, indptr), shape=(disc.n_dofs,) * 2)
    d = rng.standard_normal(disc.n_dofs)
    fd = (system.evaluate(T + eps * d, False)[0] - system.evaluate(T - eps * d, False)[0]) / (
        2 * eps)
    return float(np.linalg.norm(J @ d - fd) / np.linalg.norm(fd)), T, data
