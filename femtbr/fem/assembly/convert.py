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
from femtbr.facets import find_facets
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
    named = {**{k: np.asarray(v) for k, v in mesh.boundaries.items()},
             **{k: np.asarray(v.facets) for k, v in mesh.interfaces.items()}}
    for name, f in named.items():
        if f.ndim != 2 or f.shape[1] != m.facets.shape[0]:
            raise MeshError(f"{name!r}: facets must have shape (n, {m.facets.shape[0]}), got "
                            f"{f.shape}")
    found = find_facets(np.concatenate([*named.values(), np.zeros((0, m.facets.shape[0]), int)]),
                        m.facets.T)  # all sets in one pass over the facet table
    bnd, start = {}, 0
    for name, f in named.items():
        index = found[start:start + len(f)]
        start += len(f)
        if np.any(index < 0):
            raise MeshError(f"{name!r}: facets {np.flatnonzero(index < 0)[:5].tolist()} are not "
                            "facets of the mesh")
        bnd[name] = index
    m = cls(m.p, m.t, _subdomains=sub or None, _boundaries=bnd or None, sort_t=False)
    return m
