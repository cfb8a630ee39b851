"""The reusable part of a solve: validated mesh, split, DOFs, facet data, sparsity, bulk matrix.

A :class:`Discretization` depends only on the mesh, the set of split interfaces and the element
order.  Pass it to :func:`femtbr.fem.solve` to reuse it across a sweep over pressures, powers,
boundary data, conductance models or (constant) conductivities.  What invalidates it: another
mesh, another set of split interface names, another order.  What it caches internally
(``disc.cache``, a :class:`~femtbr.fem.assembly.discretization_cache.DiscretizationCache`) and
recomputes by itself when needed: the bulk matrix (keyed by the constant conductivities), the
Dirichlet elimination pattern (keyed by the fixed-temperature boundaries), the AMG hierarchy
(reused as a preconditioner, rebuilt when the Krylov iteration count degrades).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, partial

import numpy as np
import scipy.sparse as sp

from femtbr.errors import MeshError
from femtbr.facets import match_facets, vertex_to_cells
from femtbr.fem.assembly.discretization_cache import (
    AffineGeometry,
    BulkMatrix,
    DiscretizationCache,
    FacetBlock,
    SparsityPattern,
)
from femtbr.fem.assembly.pattern import coupling_pattern
from femtbr.fem.assembly.split import SplitResult, split_vertices
from femtbr.fem.assembly.topology import check_cells, local_facet_index
from femtbr.fem.fast.kernels import (
    CHUNK,
    FacetQuad,
    affine_map,
    affine_stiffness,
    affine_stiffness_tables,
    cell_rule,
    chunks,
    facet_quad,
    geometry,
    jacobian_det,
    over_halves,
    stiffness_chunk,
)
from femtbr.fem.fast.reference import ELEMENTS, SKFEM_MESH, VTK_TO_SKFEM, RefTables, tables
from femtbr.fem.fast.sparse import coo_to_csr, csr_positions, csr_transpose
from femtbr.fem.linalg.threads import n_threads, reduction_parts, run_parallel
from femtbr.mesh import TaggedMesh

log = logging.getLogger(__name__)

#: Element-matrix entries deduplicated together (bounds the COO memory of the bulk assembly,
#: per thread).
FLUSH_ENTRIES = 1 << 24
#: When at most this fraction of the cells has a constant k, the bulk matrix is the symbolic
#: pattern with only those cells' element matrices added (the others are k(T) cells, whose
#: stiffness the conduction kernel evaluates), not an element matrix for every cell.
SUBSET_FRACTION = 0.5
#: Meshes with at least this many cells assemble the bulk matrix in two threads.
PARALLEL_CELLS = 200_000


@dataclass(frozen=True)
class InterfaceFacets:
    """Interface facets from both sides; side *a* is ``region_a``.

    ``cell_a/b`` cell indices, ``local_a/b`` (m, nfv) local vertices listed in the same
    physical order on both sides, ``kf_a/b`` local facet indices.
    """

    cell_a: np.ndarray
    local_a: np.ndarray
    kf_a: np.ndarray
    cell_b: np.ndarray
    local_b: np.ndarray
    kf_b: np.ndarray


def _mirror_strict(S: sp.csr_matrix, diag: np.ndarray, has_d: np.ndarray) -> sp.csr_matrix:
    """Full symmetric CSR matrix from its canonical strict upper triangle ``S`` and its diagonal
    ``diag`` (n,), present in the pattern where ``has_d`` (n,) is true.

    Row j of the result is row j of Sᵀ (columns < j, sorted: a CSR→CSC counting sort of S),
    then the diagonal, then row j of S, already in column order: three scatters, no sort.
    """
    n = S.shape[0]
    ip, ind, dat = S.indptr, S.indices, S.data
    nnz_s = int(ip[-1])
    tp, ti, tx = csr_transpose(S)  # Sᵀ in CSR: row j = S(i, j), i < j
    lu = np.diff(ip)
    lt = np.diff(tp)
    nnz = 2 * nnz_s + int(np.count_nonzero(has_d))
    idx = ip.dtype if nnz < 2**31 - 1 else np.int64
    indptr = np.zeros(n + 1, idx)
    np.cumsum(lt + has_d + lu, out=indptr[1:])
    indices = np.empty(nnz, idx)
    data = np.empty(nnz)

    def place(offset: np.ndarray, counts: np.ndarray, src_i: np.ndarray, src_x: np.ndarray):
        dest = np.repeat(offset.astype(idx), counts)
        dest += np.arange(nnz_s, dtype=idx)
        indices[dest] = src_i
        data[dest] = src_x

    dv = np.flatnonzero(has_d)
    dest = indptr[dv] + lt[dv]
    indices[dest] = dv
    data[dest] = diag[dv]
    # the lower and the upper pieces go to disjoint slots: two threads when it pays
    jobs = [(indptr[:-1] - tp[:-1], lt, ti, tx), (indptr[:-1] + lt + has_d - ip[:-1], lu, ind, dat)]
    if nnz_s >= PARALLEL_CELLS * 20 and n_threads() > 1:  # ~4M entries
        run_parallel([partial(place, *job) for job in jobs])
    else:
        for job in jobs:
            place(*job)
    del jobs, ti, tx
    A = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    A.has_canonical_format = True
    return A


#: Points with x₀ < −AXIS_TOL × (the mesh's radial extent) are rejected in an axisymmetric
#: section; facets with every vertex within it of r = 0 lie on the axis.
AXIS_TOL = 1e-12


def check_section(points: np.ndarray, cells: np.ndarray, region_id: np.ndarray,
                  region_names) -> None:
    """Raise :class:`MeshError` unless ``points`` form a 2D r–z section with r = x₀ ≥ 0,
    naming the first offending node, a cell using it and that cell's region."""
    if points.shape[1] != 2:
        raise MeshError(f"axisymmetric: the mesh must be a 2D r–z section (x = r, y = z); "
                        f"it is {points.shape[1]}D")
    scale = float(np.ptp(points[:, 0])) or 1.0
    bad = np.flatnonzero(points[:, 0] < -AXIS_TOL * scale)
    if bad.size:
        used = np.flatnonzero(np.isin(cells, bad).any(axis=1))
        where = (f" (cell {used[0]} of region {region_names[region_id[used[0]]]!r})"
                 if used.size else "")
        raise MeshError(f"axisymmetric: nodes {_fmt(bad)} have r = x < 0; node {bad[0]} at "
                        f"r = {points[bad[0], 0]:.6g} m{where}. An r–z section lies in x ≥ 0 "
                        "with the axis at x = 0")


def _fmt(idx: np.ndarray) -> str:
    return ", ".join(map(str, idx[:5])) + (" ..." if idx.size > 5 else "")


class Discretization:
    """Validated, split and numbered mesh with everything a solve can reuse.

    Parameters
    ----------
    mesh
        The tagged mesh.
    split
        Names of the interfaces to split (those carrying a conductance).
    order
        Element order, 1 (P1/Q1) or 2 (P2/Q2).
    axisymmetric
        The 2D mesh is an r–z section (x = r ≥ 0, y = z) of a body of revolution: every cell
        and facet weight carries 2πr (:mod:`femtbr.fem.fast.kernels`), so volumes, areas and all
        terms are those of the revolved body over the full turn.

    Raises
    ------
    MeshError
        Naming the region, interface, boundary or cells that are wrong.
    """

    def __init__(self, mesh: TaggedMesh, split: Iterable[str] = (), order: int = 1,
                 progress=None, axisymmetric: bool = False):
        t0 = time.perf_counter()
        self.timings: dict[str, float] = {}
        self.mesh = mesh
        self.order = int(order)
        self.axisymmetric = bool(axisymmetric)
        self.split_names = tuple(split)
        self.tab: RefTables = tables(mesh.cell_type, self.order)
        self.points = mesh.points
        self.cells = np.ascontiguousarray(mesh.cells[:, VTK_TO_SKFEM[mesh.cell_type]],
                                          dtype=np.int32)
        self.region_names = tuple(mesh.regions)
        self._check_regions()
        if self.axisymmetric:
            check_section(self.points, self.cells, self.region_id, self.region_names)
        check_cells(self.points, self.cells, self.tab, self.region_id, list(self.region_names))
        on_facet = np.zeros(self.points.shape[0], dtype=bool)  # only these are looked up
        for f in (*mesh.boundaries.values(), *(i.facets for i in mesh.interfaces.values())):
            f = np.asarray(f).astype(np.int64, copy=False)
            if f.size and f.min() >= 0 and f.max() < on_facet.size:  # else match_facets raises
                on_facet[f] = True
        self.p2c = vertex_to_cells(self.cells, self.points.shape[0], on_facet)
        self.boundary_facets = {n: self._match_boundary(n, f) for n, f in mesh.boundaries.items()}
        self.interface_facets = {n: self._match_interface(n) for n in mesh.interfaces}
        for n in self.split_names:
            if n not in mesh.interfaces:
                raise MeshError(f"unknown interface {n!r}; mesh has interfaces "
                                f"{sorted(mesh.interfaces)}")
        del self.p2c  # only needed to locate facets
        self.timings["validate"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cc = [np.r_[self.interface_facets[n].cell_a, self.interface_facets[n].cell_b]
              for n in self.split_names]
        kk = [np.r_[self.interface_facets[n].kf_a, self.interface_facets[n].kf_b]
              for n in self.split_names]
        self.split: SplitResult = split_vertices(
            self.cells, self.points.shape[0], self.tab,
            np.concatenate(cc) if cc else np.zeros(0, np.int64),
            np.concatenate(kk) if kk else np.zeros(0, np.int64))
        self.points_split = self.points[self.split.parent]
        self.edofs = self._element_dofs()
        self.n_dofs = int(self.edofs.max()) + 1
        self.timings["split"] = time.perf_counter() - t0
        if progress is not None:
            progress("split", {"n_dofs": self.n_dofs, "copies": self.split.n_copies})
        # the 2πr weight adds one degree to the cell integrands; the facet rule (2p + 1) is
        # already exact for the r-weighted facet mass on straight facets
        ax = int(self.axisymmetric)
        self.rule_k = cell_rule(self.tab, 2 * self.order - (2 if self.tab.simplex else 0) + ax,
                                self.axisymmetric)
        self.rule_kT = cell_rule(self.tab, 2 * self.order + ax, self.axisymmetric)
        self.rule_m = cell_rule(self.tab, 2 * self.order + ax, self.axisymmetric)
        self.facet_order = 2 * self.order + 1
        self._boundary_quads: dict[str, FacetQuad] = {}
        self._interface_quads: dict[str, tuple[FacetQuad, FacetQuad]] = {}
        self.cache = DiscretizationCache()

    # ------------------------------------------------------------------ validation
    def _check_regions(self) -> None:
        mesh = self.mesh
        if not mesh.regions:
            raise MeshError("mesh has no regions: every cell must belong to a named region")
        count = np.zeros(mesh.n_cells, dtype=np.int64)
        for name, idx in mesh.regions.items():
            idx = np.asarray(idx)
            if idx.size and (idx.min() < 0 or idx.max() >= mesh.n_cells):
                raise MeshError(f"region {name!r}: cell index out of range [0, {mesh.n_cells})")
            count[idx] += 1
        if np.any(count == 0):
            raise MeshError(f"cells {_fmt(np.flatnonzero(count == 0))} belong to no region")
        if np.any(count > 1):
            raise MeshError(f"cells {_fmt(np.flatnonzero(count > 1))} belong to several regions")
        self.region_id = mesh.region_of_cell()
        self.region_cells = {n: np.flatnonzero(self.region_id == i)
                             for i, n in enumerate(self.region_names)}

    def _match_boundary(self, name: str, facets: np.ndarray):
        facets = np.asarray(facets)
        nfv = self.tab.facet_vertices.shape[1]
        if facets.ndim != 2 or facets.shape[1] != nfv:
            raise MeshError(f"boundary {name!r}: facets must have shape (n, {nfv})")
        m = match_facets(facets, self.cells, self.p2c)
        cnt = np.bincount(m.facet, minlength=facets.shape[0])
        if np.any(cnt == 0):
            raise MeshError(f"boundary {name!r}: facets {_fmt(np.flatnonzero(cnt == 0))} are not "
                            "facets of the mesh")
        if np.any(cnt > 1):
            raise MeshError(f"boundary {name!r}: facets {_fmt(np.flatnonzero(cnt > 1))} are "
                            "interior facets, not on the outer boundary")
        kf = local_facet_index(self.tab, m.local)
        order = np.argsort(m.facet)
        return m.cell[order], self.tab.facet_vertices[kf[order]], kf[order]

    def _match_interface(self, name: str) -> InterfaceFacets:
        itf = self.mesh.interfaces[name]
        for r in (itf.region_a, itf.region_b):
            if r not in self.mesh.regions:
                raise MeshError(f"interface {name!r}: unknown region {r!r}; mesh has regions "
                                f"{sorted(self.mesh.regions)}")
        facets = np.asarray(itf.facets)
        nf = facets.shape[0]
        if nf == 0:
            raise MeshError(f"interface {name!r} has no facets")
        m = match_facets(facets, self.cells, self.p2c)
        cnt = np.bincount(m.facet, minlength=nf)
        if np.any(cnt != 2):
            raise MeshError(f"interface {name!r}: facets {_fmt(np.flatnonzero(cnt != 2))} are not "
                            "internal facets of the mesh (on the outer boundary or not facets)")
        ia = self.region_names.index(itf.region_a)
        ib = self.region_names.index(itf.region_b)
        order = np.argsort(m.facet, kind="stable")
        c0, c1 = m.cell[order[0::2]], m.cell[order[1::2]]
        l0, l1 = m.local[order[0::2]], m.local[order[1::2]]
        r0, r1 = self.region_id[c0], self.region_id[c1]
        swap = (r0 == ib) & (r1 == ia)
        good = swap | ((r0 == ia) & (r1 == ib))
        if not np.all(good):
            bad = np.flatnonzero(~good)
            names = self.region_names
            raise MeshError(
                f"interface {name!r}: facets {_fmt(bad)} are not between regions "
                f"{itf.region_a!r} and {itf.region_b!r} (facet {bad[0]} lies between "
                f"{names[r0[bad[0]]]!r} and {names[r1[bad[0]]]!r})")
        ca, cb = np.where(swap, c1, c0), np.where(swap, c0, c1)
        la0, lb0 = np.where(swap[:, None], l1, l0), np.where(swap[:, None], l0, l1)
        kfa = local_facet_index(self.tab, la0)
        kfb = local_facet_index(self.tab, lb0)
        # side a in its reference-facet order; side b lists the same vertices in that order
        la = self.tab.facet_vertices[kfa]
        gv = self.cells[ca[:, None], la]
        lb = np.argmax(self.cells[cb][:, None, :] == gv[:, :, None], axis=2)
        return InterfaceFacets(ca, la, kfa, cb, lb, kfb)

    # ------------------------------------------------------------------ numbering
    def _element_dofs(self) -> np.ndarray:
        cells = self.split.cells
        if self.order == 1:  # the split vertices are the DOFs (shared, read-only use)
            return cells.astype(np.int32, copy=False)
        from skfem.assembly import Dofs

        ct = self.mesh.cell_type
        skm = SKFEM_MESH[ct](self.points_split.T.copy(), cells.T.copy(), sort_t=False)
        return np.ascontiguousarray(Dofs(skm, ELEMENTS[(ct, self.order)]()).element_dofs.T,
                                    dtype=np.int32)

    @cached_property
    def dof_points(self) -> np.ndarray:
        """Coordinates of every DOF ``(n_dofs, dim)`` [m]."""
        x = np.empty((self.n_dofs, self.points.shape[1]))
        from femtbr.fem.fast.reference import eval_basis

        phi, _ = eval_basis(self.tab.geom, self.tab.element.doflocs.T)  # (nv, nb)
        for s in chunks(self.cells.shape[0]):
            X = self.points[self.cells[s]]
            x[self.edofs[s]] = np.einsum("cva,vb->cba", X, phi)
        return x

    # ------------------------------------------------------------------ facet quadrature
    def boundary_quad(self, name: str) -> FacetQuad:
        """Quadrature data on boundary ``name`` (cached)."""
        if name not in self._boundary_quads:
            cell, local, kf = self.boundary_facets[name]
            self._boundary_quads[name] = facet_quad(self.tab, self.points, self.cells, self.edofs,
                                                    cell, local, kf, self.facet_order,
                                                    self.axisymmetric)
        return self._boundary_quads[name]

    def on_axis(self, name: str) -> np.ndarray:
        """Indices of the facets of boundary ``name`` lying on the axis r = 0 of an
        axisymmetric section (empty otherwise)."""
        if not self.axisymmetric:
            return np.zeros(0, dtype=np.int64)
        cell, local, _ = self.boundary_facets[name]
        r = self.points[self.cells[cell[:, None], local], 0]  # (m, nfv)
        scale = float(np.ptp(self.points[:, 0])) or 1.0
        return np.flatnonzero(np.all(np.abs(r) <= AXIS_TOL * scale, axis=1))

    def interface_quads(self, name: str) -> tuple[FacetQuad, FacetQuad]:
        """Quadrature data of interface ``name`` seen from side a and side b (cached)."""
        if name not in self._interface_quads:
            f = self.interface_facets[name]
            qa = facet_quad(self.tab, self.points, self.cells, self.edofs, f.cell_a, f.local_a,
                            f.kf_a, self.facet_order, self.axisymmetric)
            qb = facet_quad(self.tab, self.points, self.cells, self.edofs, f.cell_b, f.local_b,
                            f.kf_b, self.facet_order, self.axisymmetric)
            self._interface_quads[name] = (qa, qb)
        return self._interface_quads[name]

    # ------------------------------------------------------------------ sparsity
    def _extra_entries(self) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = [], []
        for n in self.split_names:
            qa, qb = self.interface_quads(n)
            d = np.hstack([qa.dofs, qb.dofs])
            k = d.shape[1]
            rows.append(np.repeat(d, k, axis=1).ravel())
            cols.append(np.tile(d, (1, k)).ravel())
        if not rows:
            return np.zeros(0, np.int32), np.zeros(0, np.int32)
        return np.concatenate(rows).astype(np.int32), np.concatenate(cols).astype(np.int32)

    def assemble_cells(self, cell_sets, extra_zero: bool = True,
                       symmetric: bool = False) -> sp.csr_matrix:
        """Sum element matrices into a CSR matrix on the common sparsity pattern.

        ``cell_sets`` yields ``(cells, K)`` pairs (cell indices, ``(c, nb, nb)`` matrices).
        Each chunk is deduplicated on its own before the final merge (bounded memory).
        The interface coupling entries (and, when the pattern is known, the whole pattern) are
        added as explicit zeros so every matrix shares :attr:`pattern`.  ``symmetric=True``
        (symmetric element matrices) sums only the upper triangles and mirrors the result,
        which handles ~40 % fewer entries; ``K`` may then also be given as packed upper
        triangles ``(c, nb(nb+1)/2)`` in ``np.triu_indices`` order.
        """
        if symmetric:
            return self._assemble_symmetric(cell_sets, extra_zero)
        n = self.n_dofs
        nb = self.tab.nb
        R, C, V = [], [], []
        buf_d, buf_k, size = [], [], 0

        def flush():
            d = np.concatenate(buf_d)
            r = np.repeat(d, nb, axis=1).ravel()
            c = np.tile(d, (1, nb)).ravel()
            A = coo_to_csr(n, r, c, np.concatenate(buf_k))
            R.append(np.repeat(np.arange(n, dtype=np.int32), np.diff(A.indptr)))
            C.append(A.indices)
            V.append(A.data)
            buf_d.clear()
            buf_k.clear()

        for cells, K in cell_sets:
            buf_d.append(self.edofs[cells])
            buf_k.append(K.ravel())
            size += buf_k[-1].size
            if size >= FLUSH_ENTRIES:
                flush()
                size = 0
        if buf_d:
            flush()
        if extra_zero:
            r, c = self._pattern_or_extra()
            R.append(r)
            C.append(c)
            V.append(np.zeros(r.size))
        A = coo_to_csr(n, np.concatenate(R), np.concatenate(C), np.concatenate(V))
        if self.cache.pattern is None:
            self.cache.pattern = SparsityPattern(A.indptr, A.indices)
        return A

    def _pattern_or_extra(self) -> tuple[np.ndarray, np.ndarray]:
        """COO rows/cols of the cached pattern, else of the interface coupling entries."""
        if self.cache.pattern is not None:
            indptr, indices = self.cache.pattern
            return np.repeat(np.arange(self.n_dofs, dtype=np.int32), np.diff(indptr)), indices
        return self._extra_entries()

    def _assemble_symmetric(self, cell_sets, extra_zero: bool) -> sp.csr_matrix:
        """:meth:`assemble_cells` for symmetric element matrices.

        Only the strict upper triangles (with the strict upper part of the extra pattern
        entries as explicit zeros) go through COO→CSR, one pass per :data:`FLUSH_ENTRIES`
        chunk (a merge pass only when there are several chunks); the diagonal is a dense
        vector summed by ``bincount``.  The strict lower triangle is the transpose (an O(nnz)
        counting sort with sorted rows), and each full row is its lower part, its diagonal and
        its upper part, already in column order, so no further sort is needed.

        ``cell_sets`` may also be a list of such iterables (disjoint cell sets): each is then
        consumed in its own thread (numpy and SciPy's sparse kernels release the GIL) and the
        parts are merged.
        """
        n = self.n_dofs
        extra = None
        extra_diag = None
        if extra_zero:
            r, c = self._pattern_or_extra()
            extra_diag = r[r == c]
            keep = r < c
            extra = (r[keep].astype(np.int32), c[keep].astype(np.int32))
        streams = cell_sets if isinstance(cell_sets, list) else [cell_sets]
        if len(streams) == 1:
            parts, diag, has_d = self._symmetric_stream(streams[0], extra)
        else:
            cap = FLUSH_ENTRIES // len(streams)  # the same COO memory as one stream
            res = run_parallel([partial(self._symmetric_stream, st, extra if i == 0 else None,
                                        cap) for i, st in enumerate(streams)])
            parts = [P for r_ in res for P in r_[0]]
            diag, has_d = res[0][1], res[0][2]
            for _, d_, h_ in res[1:]:
                diag += d_
                has_d |= h_
            del res
        if extra_diag is not None:
            has_d[extra_diag] = True
        if len(parts) == 1:
            U = parts[0]
        else:
            Rp = [np.repeat(np.arange(n, dtype=np.int32), np.diff(P.indptr)) for P in parts]
            U = coo_to_csr(n, np.concatenate(Rp), np.concatenate([P.indices for P in parts]),
                           np.concatenate([P.data for P in parts]))
            del Rp
        parts.clear()
        A = _mirror_strict(U, diag, has_d)
        if self.cache.pattern is None:
            self.cache.pattern = SparsityPattern(A.indptr, A.indices)
        return A

    def _symmetric_stream(self, cell_sets, extra, cap: int = 0):
        """Strict upper CSR parts, diagonal and diagonal mask of one stream of ``(cells, K)``
        (see :meth:`_assemble_symmetric`).  The COO triplets are written straight into reused
        buffers, cell by cell (whatever the memory order of ``K``): consecutive entries then
        fall in nearby rows, which keeps the COO→CSR scatter in cache (an entry-major order is
        1.6–6× slower there).  ``cap``: COO entries per chunk (default
        :data:`FLUSH_ENTRIES`)."""
        n = self.n_dofs
        nb = self.tab.nb
        pu, pv = np.triu_indices(nb)  # packed order of K given as upper triangles
        strict = np.flatnonzero(pu < pv)
        on_diag = np.flatnonzero(pu == pv)
        iu, ju = pu[strict], pv[strict]
        parts: list[sp.csr_matrix] = []
        diag = np.zeros(n)
        has_d = np.zeros(n, dtype=bool)
        cap = cap or FLUSH_ENTRIES
        cap_d = -(-cap * nb // max(iu.size, 1))
        R, C, V = np.empty(cap, np.int32), np.empty(cap, np.int32), np.empty(cap)
        Dd, Dv = np.empty(cap_d, np.int32), np.empty(cap_d)
        size = size_d = 0

        def flush(r, c, vals, extra=None):
            if extra is not None:
                er, ec = extra
                r = np.concatenate([r, np.minimum(er, ec)])
                c = np.concatenate([c, np.maximum(er, ec)])
                vals = np.concatenate([vals, np.zeros(er.size)])
            parts.append(coo_to_csr(n, r, c, vals))

        def flush_diag(d, v):
            nonlocal diag
            diag += np.bincount(d, v, minlength=n)
            has_d[d] = True

        for cells, K in cell_sets:
            d = self.edofs[cells]
            Ks, Kd = (K[:, iu, ju], K[:, np.arange(nb), np.arange(nb)]) if K.ndim == 3 else (
                K[:, strict], K[:, on_diag])
            c = Ks.shape[0]
            m, md = Ks.size, Kd.size
            if size + m > cap or size_d + md > cap_d:
                if size:
                    flush(R[:size], C[:size], V[:size])
                if size_d:
                    flush_diag(Dd[:size_d], Dv[:size_d])
                size = size_d = 0
                if m > cap or md > cap_d:
                    cap, cap_d = max(cap, m), max(cap_d, md)
                    R, C, V = np.empty(cap, np.int32), np.empty(cap, np.int32), np.empty(cap)
                    Dd, Dv = np.empty(cap_d, np.int32), np.empty(cap_d)
            dr, dc = d[:, iu], d[:, ju]
            np.minimum(dr, dc, out=R[size:size + m].reshape(c, -1))
            np.maximum(dr, dc, out=C[size:size + m].reshape(c, -1))
            V[size:size + m].reshape(c, -1)[...] = Ks
            Dd[size_d:size_d + md].reshape(c, nb)[...] = d
            Dv[size_d:size_d + md].reshape(c, nb)[...] = Kd
            size += m
            size_d += md
        if size_d:
            flush_diag(Dd[:size_d], Dv[:size_d])
        if size or extra is not None or not parts:
            flush(R[:size], C[:size], V[:size], extra)
        return parts, diag, has_d

    def positions(self, block: FacetBlock, dofs_r: np.ndarray, dofs_c: np.ndarray) -> np.ndarray:
        """Positions in the pattern of the element blocks ``dofs_r × dofs_c`` (m, nr), (m, nc)
        of facet set ``block`` (cached per facet set)."""
        hit = self.cache.positions.get(block)
        if hit is None:
            indptr, indices = self.pattern
            nr, nc = dofs_r.shape[1], dofs_c.shape[1]
            r = np.repeat(dofs_r, nc, axis=1).ravel()
            c = np.tile(dofs_c, (1, nr)).ravel()
            hit = csr_positions(indptr, indices, r, c).reshape(-1, nr, nc)
            self.cache.positions[block] = hit
        return hit

    @property
    def pattern(self) -> SparsityPattern:
        """``(indptr, indices)`` of the common sparsity pattern."""
        if self.cache.pattern is None:
            self.bulk_matrix({n: 0.0 for n in self.region_names})
        return self.cache.pattern

    # ------------------------------------------------------------------ bulk
    def bulk_matrix(self, k_const: dict[str, float]) -> sp.csr_matrix:
        """Stiffness matrix Σ_regions k_r ∫ ∇φ_i·∇φ_j for constant conductivities [W/K].

        Regions missing from ``k_const`` (temperature-dependent ones) contribute explicit
        zeros.  Cached for the last conductivity set.
        """
        key = tuple(sorted(k_const.items()))
        hit = self.cache.bulk
        if hit is not None and hit.conductivities == key:
            return hit.matrix
        t0 = time.perf_counter()
        kc = np.zeros(len(self.region_names))
        for i, n in enumerate(self.region_names):
            kc[i] = k_const.get(n, 0.0)
        rule = self.rule_k
        aff = affine_stiffness_tables(self.tab, rule)
        const_cells = np.flatnonzero(kc[self.region_id] != 0.0)
        if const_cells.size <= SUBSET_FRACTION * self.cells.shape[0]:
            # most cells have k(T) (the conduction kernel's): the symbolic pattern, and
            # element matrices only for the few constant-k cells, added at their positions
            A = self._zero_matrix()
            if const_cells.size:
                S = self.assemble_cells(self._stiffness_chunks(const_cells, kc, aff),
                                        extra_zero=False, symmetric=True)
                rows = np.repeat(np.arange(self.n_dofs, dtype=S.indices.dtype),
                                 np.diff(S.indptr))
                A.data[csr_positions(A.indptr, A.indices, rows, S.indices)] = S.data
            self.cache.bulk = BulkMatrix(key, A)
            self.timings["bulk"] = time.perf_counter() - t0
            return A

        iu, ju = np.triu_indices(self.tab.nb)
        nc = self.cells.shape[0]
        keep_geo = self.cache.affine_geometry is None and any(  # for the region weights
            r not in self.cache.region_weights for r in self.region_names)
        absdet = np.empty(nc) if keep_geo else None
        nonaffine = np.zeros(nc, dtype=bool) if keep_geo else None

        def gen(lo, hi):  # packed upper triangles (see _assemble_symmetric)
            for s in chunks(hi - lo):
                s = slice(lo + s.start, lo + s.stop)
                k = kc[self.region_id[s]]
                K, bad = affine_stiffness(self.points, self.cells[s], self.tab, aff, k, True,
                                          absdet[s] if keep_geo else None)
                if keep_geo:
                    nonaffine[s] = bad
                if bad.any():
                    det, G = geometry(self.points, self.cells[s][bad], rule)
                    K[bad] = stiffness_chunk(G, det * rule.W)[:, iu, ju] * k[bad][:, None]
                yield s, K  # a slice: the element DOFs are a view

        # two halves of the cells in two threads when the machine has the cores for it
        nt = reduction_parts(nc, PARALLEL_CELLS)  # not thread-dependent: same sums with 1
        cuts = [nc * i // nt for i in range(nt + 1)]
        streams = [gen(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        A = self.assemble_cells(streams if nt > 1 else streams[0], symmetric=True)
        if keep_geo:  # |det J| of the affine cells, reused by region_weights
            self.cache.affine_geometry = AffineGeometry(absdet, nonaffine)
        self.cache.bulk = BulkMatrix(key, A)
        self.timings["bulk"] = time.perf_counter() - t0
        return A

    def _stiffness_chunks(self, cells: np.ndarray, kc: np.ndarray, aff):
        """``(cells, K)`` chunks of the packed upper stiffness triangles k ∫ ∇φ_i·∇φ_j of the
        cells ``cells`` (an index array), k per region from ``kc`` (see
        :meth:`_assemble_symmetric`); non-affine cells by quadrature."""
        rule = self.rule_k
        iu, ju = np.triu_indices(self.tab.nb)
        for s in chunks(cells.size):
            c = cells[s]
            k = kc[self.region_id[c]]
            K, bad = affine_stiffness(self.points, self.cells[c], self.tab, aff, k, True)
            if bad.any():
                det, G = geometry(self.points, self.cells[c[bad]], rule)
                K[bad] = stiffness_chunk(G, det * rule.W)[:, iu, ju] * k[bad][:, None]
            yield c, K

    def _zero_matrix(self) -> sp.csr_matrix:
        """The all-zero matrix on the common pattern, the pattern built symbolically
        (:func:`~femtbr.fem.assembly.pattern.coupling_pattern` of the cells and the interface
        couplings: the entries of :meth:`assemble_cells`, without an element matrix)."""
        if self.cache.pattern is None:
            couple = [np.hstack([qa.dofs, qb.dofs])
                      for qa, qb in map(self.interface_quads, self.split_names)]
            self.cache.pattern = SparsityPattern(*coupling_pattern([self.edofs, *couple],
                                                                   self.n_dofs))
        indptr, indices = self.cache.pattern
        A = sp.csr_matrix((np.zeros(indices.size), indices, indptr),
                          shape=(self.n_dofs, self.n_dofs))
        A.has_canonical_format = True
        return A

    def region_weights(self, name: str) -> np.ndarray:
        """∫_region φ_i dΩ for every DOF, ``(n_dofs,)`` [m³] (cached): the load vector of a
        unit source density; its sum is the region volume."""
        weights = self.cache.region_weights
        if (name not in weights and self.cache.affine_geometry is not None
                and len(self.region_names) * self.n_dofs <= 1 << 24):  # ≤ 128 MB per thread
            self._all_region_weights()
        if name not in weights:
            rule = self.rule_m
            aff = affine_stiffness_tables(self.tab, self.rule_k)
            m_ref = rule.W @ rule.phi  # ∫ φ̂_i dξ
            cells = self.region_cells[name]
            vals = np.empty((cells.size, m_ref.size))
            geo = self.cache.affine_geometry  # from the bulk assembly
            for s in chunks(cells.size, 8 * CHUNK if geo is not None else CHUNK):
                c = cells[s]
                if geo is not None:
                    absdet, bad = geo.absdet[c], geo.nonaffine[c]
                else:
                    J, bad = affine_map(self.points, self.cells[c], self.tab, aff)
                    absdet = np.abs(jacobian_det(J))
                v = vals[s]
                np.multiply(absdet[:, None], m_ref[None, :], out=v)
                if bad.any():
                    det_q, _ = geometry(self.points, self.cells[c[bad]], rule)
                    v[bad] = (det_q * rule.W) @ rule.phi
            weights[name] = np.bincount(self.edofs[cells].ravel(), vals.ravel(),
                                        minlength=self.n_dofs)
        return weights[name]

    def _all_region_weights(self) -> None:
        """:meth:`region_weights` of every region in one pass over the cells (contiguous
        slices, one ``bincount`` per slice on region-offset DOF numbers), from the |det J|
        the bulk assembly kept; non-affine cells by quadrature."""
        geo = self.cache.affine_geometry
        absdet, nonaffine = geo.absdet, geo.nonaffine
        rule = self.rule_m
        m_ref = rule.W @ rule.phi  # ∫ φ̂_i dξ
        n, nr = self.n_dofs, len(self.region_names)

        def part(p: slice) -> np.ndarray:  # one accumulator per thread
            W = np.zeros(nr * n)
            for c in chunks(p.stop - p.start, 1 << 20):
                s = slice(p.start + c.start, p.start + c.stop)
                vals = absdet[s, None] * m_ref[None, :]
                bad = nonaffine[s]
                if bad.any():
                    det_q, _ = geometry(self.points, self.cells[s][bad], rule)
                    vals[bad] = (det_q * rule.W) @ rule.phi
                idx = self.region_id[s, None].astype(np.int64) * n + self.edofs[s]
                W += np.bincount(idx.ravel(), vals.ravel(), minlength=nr * n)
            return W

        W, *rest = over_halves(part, self.cells.shape[0])
        for Wp in rest:
            W += Wp
        for i, name in enumerate(self.region_names):
            self.cache.region_weights[name] = W[i * n:(i + 1) * n]
        self.cache.affine_geometry = None  # its only use is done: free 9 B per cell

    def region_dofs(self, name: str) -> np.ndarray:
        """The DOFs of region ``name`` (cached)."""
        hit = self.cache.region_dofs.get(name)
        if hit is None:
            mask = np.zeros(self.n_dofs, dtype=bool)  # (sorted unique without a sort)
            mask[self.edofs[self.region_cells[name]]] = True
            hit = self.cache.region_dofs[name] = np.flatnonzero(mask).astype(self.edofs.dtype)
        return hit

    def region_volume(self, name: str) -> float:
        """Volume of region ``name`` [m³] (area in 2D, per metre of depth; the revolved volume
        of an axisymmetric section)."""
        return float(self.region_weights(name).sum())

    def compatible(self, mesh: TaggedMesh, split: Iterable[str], order: int,
                   axisymmetric: bool = False) -> bool:
        """Whether this discretization can serve a problem on ``mesh`` with these splits.

        The mesh must be the same object, or equal in points, cells and every named set, and
        taken as the same kind of section (plane or axisymmetric).
        """
        if (tuple(sorted(split)) != tuple(sorted(self.split_names)) or order != self.order
                or bool(axisymmetric) != self.axisymmetric):
            return False
        if mesh is self.mesh:
            return True
        m0 = self.mesh

        def same_sets(a, b):
            return list(a) == list(b) and all(np.array_equal(np.asarray(a[k]), np.asarray(b[k]))
                                              for k in a)

        return (mesh.cell_type == m0.cell_type and np.array_equal(mesh.cells, m0.cells)
                and np.array_equal(mesh.points, m0.points)
                and same_sets(mesh.regions, m0.regions)
                and same_sets(mesh.boundaries, m0.boundaries)
                and list(mesh.interfaces) == list(m0.interfaces)
                and all(np.array_equal(mesh.interfaces[k].facets, m0.interfaces[k].facets)
                        and mesh.interfaces[k].region_a == m0.interfaces[k].region_a
                        and mesh.interfaces[k].region_b == m0.interfaces[k].region_b
                        for k in mesh.interfaces))
