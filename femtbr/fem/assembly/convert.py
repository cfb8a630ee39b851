"""TaggedMesh → scikit-fem mesh (for users who want scikit-fem's own tools on a femtbr mesh).

The solver itself works on plain arrays (see
:class:`~femtbr.fem.assembly.discretization.Discretization`);
this conversion is for inspection, plotting and cross-checks.  Vertices are reordered from VTK
to scikit-fem's local order (:data:`~femtbr.fem.fast.reference.VTK_TO_SKFEM`, which matters for
hexahedra), regions become ``subdomains`` and boundaries / interfaces become named facet sets.
"""

from __future__ import annotations

import numpy as np

from femtbr.errors import MeshError
from femtbr.fem.fast.reference import SKFEM_MESH, VTK_TO_SKFEM
from femtbr.mesh import TaggedMesh


def to_skfem(mesh: TaggedMesh, facets: bool = True):
    """Convert ``mesh`` to a first-order scikit-fem mesh.

    Parameters
    ----------
    facets
        Also convert boundaries and interfaces to scikit-fem facet indices (builds the facet
        table, which is slow for millions of 3D cells).

    Returns
    -------
    skfem.Mesh
        ``MeshTri1``, ``MeshQuad1``, ``MeshTet1`` or ``MeshHex1`` with ``subdomains`` = regions
        and ``boundaries`` = boundaries and interfaces by name.
    """
    cls = SKFEM_MESH[mesh.cell_type]
    t = mesh.cells[:, VTK_TO_SKFEM[mesh.cell_type]].T.copy()
    sub = {k: np.asarray(v) for k, v in mesh.regions.items()}
    m = cls(mesh.points.T.copy(), t, _subdomains=sub or None, sort_t=False)
    if not facets:
        return m
    keys = np.sort(m.facets.T, axis=1)
    order = np.lexsort(keys.T[::-1])
    ks = keys[order]
    named = {**{k: v for k, v in mesh.boundaries.items()},
             **{k: v.facets for k, v in mesh.interfaces.items()}}
    bnd = {}
    for name, f in named.items():
        q = np.sort(np.asarray(f), axis=1)
        lo = np.zeros(q.shape[0], dtype=np.int64)
        hi = np.full(q.shape[0], ks.shape[0], dtype=np.int64)
        for _ in range(int(np.ceil(np.log2(ks.shape[0] + 1))) + 1):  # vectorised row bisection
            mid = (lo + hi) // 2
            row = ks[np.minimum(mid, ks.shape[0] - 1)]
            less = np.zeros(q.shape[0], dtype=bool)
            decided = np.zeros(q.shape[0], dtype=bool)
            for j in range(q.shape[1]):
                lt = ~decided & (row[:, j] < q[:, j])
                gt = ~decided & (row[:, j] > q[:, j])
                less |= lt
                decided |= lt | gt
            act = lo < hi
            lo = np.where(act & less, mid + 1, lo)
            hi = np.where(act & ~less, mid, hi)
        found = (lo < ks.shape[0]) & np.all(ks[np.minimum(lo, ks.shape[0] - 1)] == q, axis=1)
        if not found.all():
            raise MeshError(f"{name!r}: facets {np.flatnonzero(~found)[:5].tolist()} are not "
                            "facets of the mesh")
        bnd[name] = order[lo]
    m = cls(m.p, m.t, _subdomains=sub or None, _boundaries=bnd or None, sort_t=False)
    return m
