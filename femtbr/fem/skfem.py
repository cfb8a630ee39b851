"""The scikit-fem plugin surface: a split mesh and its bases for a plain scikit-fem script.

:func:`split` takes a femtbr :class:`~femtbr.mesh.TaggedMesh` or a scikit-fem mesh with named
``subdomains`` and facet sets, duplicates the DOFs along the named interfaces (femtbr's
splitting, :mod:`femtbr.fem.assembly.split`) and returns a :class:`SplitMesh`: the cell basis on the
split mesh, one basis per region, one facet basis per outer boundary, and per split interface
the two facet bases of sides a and b whose quadrature points coincide, so that
``asm(forms.interface_jacobian, fa @ fb, ...)`` is the interface term of
:mod:`femtbr.fem.forms`.

Pairing: two facet bases on the split mesh do not list the points of a facet in the same order
on both copies (scikit-fem orders facet vertices by index).  The interface bases are therefore
built on the *unsplit* mesh, where an interface facet is one interior facet: both sides map the
same facet points (``FacetBasis(..., side=0/1)``), the side is fixed per facet by region
membership (an :class:`skfem.generic_utils.OrientedBoundary`), and the DOFs are those of the
split mesh (``dofs=``), whose cells are the same cells in the same local order.

Quadrature: cells are integrated to order 2p and facets to order 2p + 1 (p the element order),
the rules of the fast kernels, so the two backends agree to round-off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from skfem import CellBasis, DiscreteField, Dofs, FacetBasis, Mesh
from skfem.generic_utils import OrientedBoundary

from femtbr.errors import MeshError
from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.fast.reference import ELEMENTS, REFDOM, SKFEM_MESH, VTK_TO_SKFEM, eval_basis, tables
from femtbr.mesh import Interface, TaggedMesh


@dataclass(frozen=True)
class InterfaceBases:
    """The two sides of a split interface: facet bases with coinciding quadrature points.

    Attributes
    ----------
    side_a, side_b
        Facet bases seen from ``region_a`` and ``region_b`` (DOFs of the split mesh).
    region_a, region_b
        Region names; the jump is T_a − T_b.
    """

    side_a: FacetBasis
    side_b: FacetBasis
    region_a: str
    region_b: str

    @property
    def pair(self):
        """``side_a @ side_b``: the basis the interface forms are assembled on."""
        return self.side_a @ self.side_b

    def temperatures(self, T: np.ndarray) -> tuple[DiscreteField, DiscreteField]:
        """T_a and T_b [K] at the quadrature points, from the DOF vector ``T``."""
        return self.side_a.interpolate(T), self.side_b.interpolate(T)


@dataclass(frozen=True)
class SplitMesh:
    """What a scikit-fem script needs to solve a femtbr problem on a split mesh.

    Attributes
    ----------
    mesh
        The split scikit-fem mesh (``subdomains`` = regions, ``boundaries`` = outer boundaries).
    basis
        :class:`~skfem.CellBasis` of the whole split mesh (P1/P2 or Q1/Q2).
    regions
        Region name → cell basis restricted to the region's cells (same DOF numbering).
    boundaries
        Boundary name → facet basis on that outer boundary.
    interfaces
        Split interface name → :class:`InterfaceBases`.
    parent
        ``(n_split_vertices,)`` original vertex of each vertex of the split mesh.
    discretization
        femtbr's :class:`~femtbr.fem.assembly.discretization.Discretization` of the same split (its
        DOF numbering is ``basis``'s), for use with :func:`femtbr.fem.solve`.
    """

    mesh: Mesh
    basis: CellBasis
    regions: Mapping[str, CellBasis]
    boundaries: Mapping[str, FacetBasis]
    interfaces: Mapping[str, InterfaceBases]
    parent: np.ndarray
    discretization: Discretization

    def region_dofs(self, name: str) -> np.ndarray:
        """DOFs of region ``name`` (sorted)."""
        return self.discretization.region_dofs(name)

    def dof_parent(self) -> np.ndarray:
        """``(N,)``: for every DOF of the split basis, the DOF of the same element on the
        unsplit mesh at the same point (for P1/Q1 this is :attr:`parent`).  Copies of one DOF
        share their parent: ``np.bincount(dof_parent())`` counts the copies."""
        disc = self.discretization
        if disc.order == 1:
            return np.asarray(self.parent)
        kind = disc.mesh.cell_type
        whole = SKFEM_MESH[kind](disc.points.T.copy(), disc.cells.T.copy(), sort_t=False)
        wdofs = Dofs(whole, ELEMENTS[(kind, disc.order)]())
        out = np.empty(self.basis.N, dtype=np.int64)
        out[self.basis.element_dofs] = wdofs.element_dofs
        return out


def _positively_oriented(mesh: Mesh, kind: str) -> np.ndarray:
    """``mesh.t.T`` with the vertices of mirrored cells (negative Jacobian at the reference
    centroid; scikit-fem accepts them, femtbr does not) listed in mirrored order."""
    ref = REFDOM[kind].p  # (dim, nv) reference vertices
    swapped = ref[[1, 0, *range(2, ref.shape[0])]]  # the reflection x <-> y
    perm = np.argmin(np.abs(swapped[:, :, None] - ref[:, None, :]).sum(axis=0), axis=1)
    _, dphi = eval_basis(tables(kind, 1).geom, ref.mean(axis=1)[:, None])  # (nv, dim, 1)
    t = mesh.t.T.copy()
    J = np.einsum("cva,vb->cab", mesh.p.T[t], dphi[:, :, 0])
    flip = np.linalg.det(J) < 0
    t[flip] = t[flip][:, perm]
    return t


def from_skfem(mesh: Mesh, interfaces: Mapping[str, tuple[str, str]] | None = None
               ) -> TaggedMesh:
    """A :class:`TaggedMesh` from a first-order scikit-fem mesh with named sets.

    ``mesh.subdomains`` become regions (they must cover the mesh), facet sets of
    ``mesh.boundaries`` on the outer boundary become boundaries, and facet sets between two
    subdomains become interfaces.  ``interfaces`` may fix an interface's sides
    ``{name: (region_a, region_b)}``; otherwise side a is the first of its two regions in
    ``mesh.subdomains``.  Mirrored cells (scikit-fem allows either orientation) are listed
    in positive order, so the cells' local vertex order may differ from ``mesh.t``.

    Raises
    ------
    MeshError
        Unsupported mesh type, or a facet set that is neither on the boundary nor between two
        regions (naming it).
    """
    kind = next((ct for ct, cls in SKFEM_MESH.items() if type(mesh) is cls), None)
    if kind is None:
        raise MeshError(f"mesh: unsupported scikit-fem mesh {type(mesh).__name__}; expected "
                        f"one of {sorted(c.__name__ for c in SKFEM_MESH.values())}")
    if not mesh.subdomains:
        raise MeshError("mesh: no subdomains; name the regions (mesh.with_subdomains)")
    cells = _positively_oriented(mesh, kind)[:, np.argsort(VTK_TO_SKFEM[kind])]
    regions = {n: np.asarray(c) for n, c in mesh.subdomains.items()}
    rid = np.full(mesh.t.shape[1], -1)
    for i, c in enumerate(regions.values()):
        rid[c] = i
    if np.any(rid < 0):
        raise MeshError(f"mesh: cells {np.flatnonzero(rid < 0)[:5].tolist()} are in no subdomain; "
                        "the subdomains must cover the mesh")
    names = list(regions)
    given = dict(interfaces or {})
    bnd, itf = {}, {}
    for name, f in (mesh.boundaries or {}).items():
        f = np.asarray(f)
        verts = mesh.facets[:, f].T
        t0, t1 = mesh.f2t[0, f], mesh.f2t[1, f]
        if np.all(t1 == -1):
            bnd[name] = verts
            continue
        if np.any(t1 == -1):
            raise MeshError(f"facet set {name!r}: mixes outer-boundary and interior facets")
        pairs = {tuple(sorted(p)) for p in zip(rid[t0].tolist(), rid[t1].tolist(), strict=True)}
        if len(pairs) != 1 or len(set(next(iter(pairs)))) != 2:
            raise MeshError(f"facet set {name!r}: interior facets must all lie between the same "
                            "two subdomains")
        ra, rb = sorted({names[rid[t0[0]]], names[rid[t1[0]]]}, key=names.index)
        if name in given:
            ra, rb = given[name]
        itf[name] = Interface(verts, ra, rb)
    return TaggedMesh(mesh.p.T.copy(), cells, kind, regions, bnd, itf)


def _facet_quadrature(order: int) -> int:
    return 2 * order + 1


def split(mesh: TaggedMesh | Mesh, interfaces: Iterable[str] = (), order: int = 1,
          discretization: Discretization | None = None) -> SplitMesh:
    """Split ``mesh`` along ``interfaces`` and build the scikit-fem bases on it.

    Parameters
    ----------
    mesh
        A :class:`TaggedMesh`, or a scikit-fem mesh with named subdomains and facet sets
        (see :func:`from_skfem`).
    interfaces
        Names of the interfaces to split (those carrying a conductance); others stay bonded.
    order
        Element order: 1 (P1/Q1) or 2 (P2/Q2).
    discretization
        An existing femtbr discretization of the same split to reuse (its mesh, split and
        order win over the other arguments).

    Raises
    ------
    MeshError
        Bad mesh or an unknown interface name (see :class:`Discretization`).
    """
    if discretization is None:
        tagged = mesh if isinstance(mesh, TaggedMesh) else from_skfem(mesh)
        discretization = Discretization(tagged, tuple(interfaces), order)
    disc = discretization
    kind = disc.mesh.cell_type
    cls = SKFEM_MESH[kind]
    elem = ELEMENTS[(kind, disc.order)]()
    # the 2πr weight of an axisymmetric section adds a degree (the rules of the fast kernels)
    cell_order = 2 * disc.order + int(disc.axisymmetric)
    facet_order = _facet_quadrature(disc.order)
    split_mesh = cls(disc.points_split.T.copy(), disc.split.cells.T.copy(), sort_t=False)
    bfacets = {n: split_mesh.t2f[kf, cell] for n, (cell, _, kf) in disc.boundary_facets.items()}
    split_mesh = split_mesh.with_boundaries(bfacets).with_subdomains(
        {n: c for n, c in disc.region_cells.items()})
    basis = CellBasis(split_mesh, elem, intorder=cell_order)
    if not np.array_equal(basis.element_dofs, disc.edofs.T):
        raise MeshError("internal: scikit-fem's DOF numbering differs from femtbr's")
    regions = {n: CellBasis(split_mesh, elem, intorder=cell_order, elements=c, dofs=basis.dofs)
               for n, c in disc.region_cells.items()}
    boundaries = {n: FacetBasis(split_mesh, elem, intorder=facet_order, facets=f,
                                dofs=basis.dofs) for n, f in bfacets.items()}
    itf: dict[str, InterfaceBases] = {}
    if disc.split_names:
        whole = cls(disc.points.T.copy(), disc.cells.T.copy(), sort_t=False)
        for name in disc.split_names:
            f = disc.interface_facets[name]
            find = whole.t2f[f.kf_a, f.cell_a]
            ori = (whole.f2t[0, find] != f.cell_a).astype(int)  # f2t[ori] is side a
            ob = OrientedBoundary(find, ori)
            a, b = (FacetBasis(whole, elem, intorder=facet_order, facets=ob, side=s,
                               dofs=basis.dofs) for s in (0, 1))
            spec = disc.mesh.interfaces[name]
            itf[name] = InterfaceBases(a, b, spec.region_a, spec.region_b)
    return SplitMesh(split_mesh, basis, MappingProxyType(regions), MappingProxyType(boundaries),
                     MappingProxyType(itf), disc.split.parent, disc)
