"""Structured tensor-product meshes with labelled (and deactivated) cells.

A :class:`LabelGrid` is a set of axis node arrays plus one integer label per cell (the index
of its region name, ``-1`` for a removed cell, e.g. the air between fins).  :func:`to_mesh`
turns it into a :class:`~femtbr.mesh.TaggedMesh` of quads / hexahedra (or triangles /
tetrahedra, by splitting every box the same way so the mesh stays conforming), with compact
node numbering (unused grid points dropped), named regions, named interfaces between
labelled regions and named outer boundaries chosen by a classifier.

Outer facets are described to the classifier by a :class:`FacetSet` (axis of the normal,
outward sign, owning region, centroid), so builders name boundaries with vectorised masks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from femtbr.errors import MeshError
from femtbr.geometry import size
from femtbr.mesh import Interface, TaggedMesh

#: Kuhn (Freudenthal) split of a hexahedron (VTK vertex order) into 6 positively oriented
#: tetrahedra sharing the diagonal 0-6; every face is cut along its min-to-max-corner diagonal,
#: so neighbouring boxes split conformingly.
HEX_TO_TETS = np.array(
    [[0, 1, 2, 6], [0, 5, 1, 6], [0, 2, 3, 6], [0, 3, 7, 6], [0, 4, 5, 6], [0, 7, 4, 6]]
)
#: Split of a quad (VTK order) along its 0-2 diagonal (min to max corner).
QUAD_TO_TRIS = np.array([[0, 1, 2], [0, 2, 3]])


@dataclass
class LabelGrid:
    """Axis node coordinates [m] and one region label per cell (``-1`` = no cell).

    ``labels`` has shape ``(nx, ny)`` or ``(nx, ny, nz)``; ``names[label]`` is the region name.
    """

    axes: tuple[np.ndarray, ...]
    labels: np.ndarray
    names: list[str]

    @classmethod
    def empty(cls, axes: Sequence[np.ndarray]) -> LabelGrid:
        axes = tuple(np.asarray(a, dtype=float) for a in axes)
        size.grid_hook(axes)  # a size estimate of a huge grid stops here, before allocating
        shape = tuple(a.size - 1 for a in axes)
        return cls(axes, np.full(shape, -1, dtype=np.int32), [])

    def centres(self, axis: int) -> np.ndarray:
        a = self.axes[axis]
        return 0.5 * (a[1:] + a[:-1])

    def paint(self, name: str, lo: Sequence[float], hi: Sequence[float]) -> None:
        """Give every cell whose centre lies in the box ``[lo, hi]`` the label of ``name``."""
        if name not in self.names:
            self.names.append(name)
        lab = self.names.index(name)
        sl = []
        for d, (l, h) in enumerate(zip(lo, hi, strict=False)):
            c = self.centres(d)
            idx = np.nonzero((c > l) & (c < h))[0]
            if idx.size == 0:
                raise MeshError(f"region {name!r}: box has no cells along axis {d}")
            sl.append(slice(idx[0], idx[-1] + 1))
        self.labels[tuple(sl)] = lab


@dataclass
class FacetSet:
    """Outer facets of a grid: vertex indices and what a classifier needs to name them."""

    facets: np.ndarray  # (n, nv) compact vertex indices
    axis: np.ndarray  # (n,) axis of the normal
    sign: np.ndarray  # (n,) +1 / -1 outward direction
    region: np.ndarray  # (n,) owning region label
    centre: np.ndarray  # (n, dim) centroid [m]


def _face_vertices(shape_nodes: tuple[int, ...], axis: int, idx: tuple[np.ndarray, ...]):
    """Facet vertex grid indices (min corner first, max corner third) of faces normal to axis."""
    dim = len(shape_nodes)

    def pid(*ijk):
        p = ijk[0].astype(np.int64)
        stride = 1
        for d in range(1, dim):
            stride *= shape_nodes[d - 1]
            p = p + stride * ijk[d]
        return p

    if dim == 2:
        t = 1 - axis
        off = [0, 0]
        off[t] = 1
        return np.stack([pid(*idx), pid(idx[0] + off[0], idx[1] + off[1])], axis=1)
    u, v = [d for d in range(3) if d != axis]
    corners = []
    for du, dv in ((0, 0), (1, 0), (1, 1), (0, 1)):
        o = [0, 0, 0]
        o[u], o[v] = du, dv
        corners.append(pid(idx[0] + o[0], idx[1] + o[1], idx[2] + o[2]))
    return np.stack(corners, axis=1)


def _faces(labels: np.ndarray, axis: int):
    """Faces normal to ``axis`` whose two sides differ: (index tuple, left label, right label)."""
    pad = [(0, 0)] * labels.ndim
    pad[axis] = (1, 1)
    L = np.pad(labels, pad, constant_values=-1)
    n = L.shape[axis]
    left = np.take(L, np.arange(0, n - 1), axis=axis)
    right = np.take(L, np.arange(1, n), axis=axis)
    hit = np.nonzero(left != right)
    return hit, left[hit], right[hit]


def to_mesh(
    grid: LabelGrid,
    interfaces: Mapping[str, tuple[str, str]],
    classify: Callable[[FacetSet], np.ndarray],
    simplices: bool = False,
) -> TaggedMesh:
    """Build the tagged mesh of a labelled grid.

    Parameters
    ----------
    grid
        Axes and cell labels.
    interfaces
        Interface name -> (region_a, region_b); all facets between the two are taken.
    classify
        Returns a name (object array) for every outer facet of the :class:`FacetSet`.
    simplices
        Split boxes into triangles / tetrahedra (conforming Kuhn split).

    Raises
    ------
    MeshError
        If a named interface has no facet or a region no cell.
    """
    size.grid_hook(grid.axes, grid.labels)  # a size estimate stops here, before meshing
    dim = len(grid.axes)
    nn = tuple(a.size for a in grid.axes)
    labels = grid.labels
    active = np.nonzero(labels >= 0)
    if active[0].size == 0:
        raise MeshError("the grid has no active cell")
    # --- cells (grid point ids), VTK order
    offs = (
        [(0, 0), (1, 0), (1, 1), (0, 1)]
        if dim == 2
        else [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0),
              (0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)]
    )
    strides = np.cumprod((1,) + nn[:-1]).astype(np.int64)
    base = sum(active[d].astype(np.int64) * strides[d] for d in range(dim))
    cells = np.stack([base + int(np.dot(o, strides)) for o in offs], axis=1)
    cell_lab = labels[active]
    # --- compact numbering
    used = np.zeros(int(np.prod(nn)), dtype=bool)
    used[cells.ravel()] = True
    newid = np.cumsum(used) - 1
    grids = np.meshgrid(*grid.axes, indexing="ij")
    points = np.stack([g.ravel(order="F")[used] for g in grids], axis=1)
    cells = newid[cells]
    # --- facets between differing labels
    bnd_f, bnd_ax, bnd_sg, bnd_reg = [], [], [], []
    pair_f: dict[tuple[int, int], list[np.ndarray]] = {}
    for ax in range(dim):
        hit, lf, rt = _faces(labels, ax)
        fv = newid[_face_vertices(nn, ax, hit)]
        outer = (lf < 0) | (rt < 0)
        bnd_f.append(fv[outer])
        bnd_ax.append(np.full(int(outer.sum()), ax))
        bnd_sg.append(np.where(lf[outer] >= 0, 1, -1))
        bnd_reg.append(np.maximum(lf[outer], rt[outer]))
        inner = ~outer
        a, b = np.minimum(lf[inner], rt[inner]), np.maximum(lf[inner], rt[inner])
        fi = fv[inner]
        for key in set(zip(a.tolist(), b.tolist(), strict=False)):
            sel = (a == key[0]) & (b == key[1])
            pair_f.setdefault(key, []).append(fi[sel])
    facets = np.concatenate(bnd_f)
    fs = FacetSet(
        facets=facets,
        axis=np.concatenate(bnd_ax),
        sign=np.concatenate(bnd_sg),
        region=np.concatenate(bnd_reg),
        centre=points[facets].mean(axis=1),
    )
    names = np.asarray(classify(fs), dtype=object)
    boundaries = {str(n): facets[names == n] for n in dict.fromkeys(names.tolist())}
    ifaces = {}
    for name, (ra, rb) in interfaces.items():
        for r in (ra, rb):
            if r not in grid.names:
                raise MeshError(f"interface {name!r}: unknown region {r!r}")
        ia, ib = grid.names.index(ra), grid.names.index(rb)
        f = pair_f.get((min(ia, ib), max(ia, ib)), [])
        if not f:
            raise MeshError(f"interface {name!r}: regions {ra!r} and {rb!r} do not touch")
        ifaces[name] = np.concatenate(f)
    regions = {}
    for i, n in enumerate(grid.names):
        idx = np.nonzero(cell_lab == i)[0]
        if idx.size == 0:
            raise MeshError(f"region {n!r} has no cell (mesh too coarse or zero size)")
        regions[n] = idx
    cell_type = "quad" if dim == 2 else "hexahedron"
    if simplices:
        cells, regions, boundaries, ifaces, cell_type = _split(
            dim, cells, regions, boundaries, ifaces
        )
    return TaggedMesh(
        points=points,
        cells=cells,
        cell_type=cell_type,
        regions=regions,
        boundaries=boundaries,
        interfaces={
            n: Interface(f, *interfaces[n]) for n, f in ifaces.items()
        },
    )


def _split(dim, cells, regions, boundaries, ifaces):
    """Kuhn split of boxes into simplices; quad facets into two triangles (same diagonal)."""
    k = QUAD_TO_TRIS if dim == 2 else HEX_TO_TETS
    m = k.shape[0]
    new = cells[:, k].reshape(-1, k.shape[1])
    regions = {n: (m * c[:, None] + np.arange(m)).ravel() for n, c in regions.items()}
    if dim == 3:
        boundaries = {n: f[:, QUAD_TO_TRIS].reshape(-1, 3) for n, f in boundaries.items()}
        ifaces = {n: f[:, QUAD_TO_TRIS].reshape(-1, 3) for n, f in ifaces.items()}
    return new, regions, boundaries, ifaces, "triangle" if dim == 2 else "tetra"
