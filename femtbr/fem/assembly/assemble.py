"""Residual and exact Jacobian of the steady problem on a :class:`Discretization`.

Weak form (SI; v test function, n outward normal, side a → b across an interface):

    ∫_Ω k(T) ∇T·∇v + Σ_Γ ∫_Γ h(T̄, p)(T_a − T_b)(v_a − v_b) + ∫_conv h_c (T − T∞) v
      + ∫_rad εσ(T⁴ − T∞⁴) v − ∫_Ω s v − ∫_flux q v = 0,   T = T_D on fixed-temperature facets,

with T̄ = (T_a + T_b)/2 at the facet quadrature points.  The interface term is the conforming
"spring" (zero-thickness interface) model of thermal contact, e.g. Wriggers, *Computational
Contact Mechanics*, 2nd ed. (2006), §4.6; radiation is the grey-body Stefan–Boltzmann law.
The Jacobian includes h'(T̄) and k'(T) exactly (interface block: ∂/∂T_a = h + ½h'·jump,
∂/∂T_b = −h + ½h'·jump), so it is non-symmetric when h or k depend on T.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from femtbr.errors import CaseError, InputError, ModelError
from femtbr.fem.assembly.dirichlet import merge_fixed
from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.assembly.discretization_cache import DirichletKey, FacetBlock, ReducedPattern
from femtbr.fem.fast.conduction import conduction_terms
from femtbr.fem.fast.kernels import FacetQuad, chunks, geometry, over_halves
from femtbr.fem.linalg.threads import ParallelCSR
from femtbr.fem.values.conductivity_tensor import ConductivityTensor
from femtbr.fem.values.pressure import quadrature_points, resolve_pressure
from femtbr.fem.values.problem import Convection, FixedTemperature, HeatFlux, Problem, Radiation

SIGMA_SB = 5.670374419e-8  # W/(m² K⁴), CODATA 2018


def _fq_values(q: FacetQuad, T: np.ndarray) -> np.ndarray:
    return np.einsum("mqi,mi->mq", q.phi, T[q.dofs])


def _mass(q: FacetQuad, coef: np.ndarray) -> np.ndarray:
    """Facet matrices Σ_q coef_q φ_i φ_j, ``coef`` (m, nq) already including weights."""
    return np.einsum("mq,mqi,mqj->mij", coef, q.phi, q.phi, optimize=True)


def _load(q: FacetQuad, coef: np.ndarray) -> np.ndarray:
    return np.einsum("mq,mqi->mi", coef, q.phi)


@dataclass
class Interface:
    """A split interface bound to its facets.

    ``pressure`` holds p [Pa] at the facet quadrature points of ``qa`` (m, nq) and
    ``pressure_at`` the field p(x) of points (n, dim) [m] it was evaluated from (see
    :mod:`femtbr.fem.values.pressure`): h is evaluated at the local pressure.
    """

    name: str
    qa: FacetQuad
    qb: FacetQuad
    model: object
    pressure: np.ndarray
    pos: np.ndarray
    pressure_at: object = None


@dataclass
class FacetScatter:
    """Where the facet blocks of one evaluation land: the position arrays themselves
    (``blocks``, compared by identity), their sorted distinct positions ``upos`` and the index
    of every block entry among them ``inv`` (see :meth:`System._scatter_add`)."""

    blocks: list[np.ndarray]
    upos: np.ndarray
    inv: np.ndarray


#: The T-independent matrix is applied through its nonzero entries alone when they are fewer
#: than this share of the pattern (k(T) regions leave explicit zeros there: on the CPU case,
#: 6 % of the entries are nonzero).
SPARSE_FIXED = 0.25


@dataclass
class FixedOperator:
    """The T-independent matrices of :meth:`System.evaluate`.

    ``source`` is the matrix ``B`` (compared by identity) and ``operator`` its product
    operator, of its nonzero entries alone when they are few (:data:`SPARSE_FIXED`; k(T)
    regions leave explicit zeros in B).  The Jacobian data start as ``jacobian``: B plus the
    Robin conditions' blocks h_f ∫ φ_i φ_j dS (``films``, compared by identity: a transient
    changes only the ambient temperatures), all of its data copied (``nonzero`` None) or only
    its nonzero entries (``jacobian`` then holds just those) set at ``nonzero`` on zeros.
    (The Robin residual h_f ∫ (T − T∞) φ_i dS keeps the difference taken first, so no digits
    cancel when T ≈ T∞.)
    """

    source: sp.csr_matrix
    films: list[np.ndarray]
    operator: ParallelCSR
    jacobian: np.ndarray
    nonzero: np.ndarray | None

    def fits(self, B: sp.csr_matrix, robin: list) -> bool:
        """Whether this operator was built for ``B`` and these Robin conditions."""
        return self.source is B and len(self.films) == len(robin) and all(
            a is r[5] for a, r in zip(self.films, robin, strict=True))

    @classmethod
    def of(cls, B: sp.csr_matrix, robin: list) -> FixedOperator:
        """The operators of ``B`` (canonical CSR) and the Robin conditions ``robin``."""
        films = [r[5] for r in robin]
        nonzero = np.flatnonzero(B.data)
        if nonzero.size < SPARSE_FIXED * B.nnz:
            rows = np.repeat(np.arange(B.shape[0], dtype=B.indices.dtype), np.diff(B.indptr))
            indptr = np.zeros_like(B.indptr)
            np.cumsum(np.bincount(rows[nonzero], minlength=B.shape[0]), out=indptr[1:])
            operator = ParallelCSR(sp.csr_matrix((B.data[nonzero], B.indices[nonzero], indptr),
                                                 shape=B.shape))
        else:
            operator = ParallelCSR(B)
        touched = B.data != 0
        for *_, pos, _ in robin:
            touched[pos.ravel()] = True
        nonzero = np.flatnonzero(touched)
        del touched
        if nonzero.size >= SPARSE_FIXED * B.nnz:
            data = B.data.copy() if robin else B.data
            for *_, pos, Kf in robin:
                np.add.at(data, pos.ravel(), Kf.ravel())
            return cls(B, films, operator, data, None)
        values = B.data[nonzero]  # (a pattern-sized copy of B.data would cost its page faults)
        for *_, pos, Kf in robin:
            np.add.at(values, np.searchsorted(nonzero, pos.ravel()), Kf.ravel())
        return cls(B, films, operator, values, nonzero)


@dataclass
class System:
    """A problem bound to a discretization: loads, facet terms and Dirichlet data."""

    disc: Discretization
    problem: Problem
    k_const: dict[str, float]
    k_fun: dict[str, object]
    B: sp.csr_matrix
    F: np.ndarray
    powers: dict[str, float]
    robin: list = field(default_factory=list)  # (name, quad, coef(m,nq), Tinf, pos, Kf)
    rad: list = field(default_factory=list)  # (name, quad, eps, Tinf, pos)
    flux: list = field(default_factory=list)  # (name, quad, q)
    interfaces: list[Interface] = field(default_factory=list)
    dir_dofs: np.ndarray = None
    dir_vals: np.ndarray = None
    dir_owner: dict = field(default_factory=dict)
    asymmetric: bool = False
    nonlinear: bool = False
    _fixed_operator: FixedOperator | None = field(default=None, repr=False)
    _facet_scatter: FacetScatter | None = field(default=None, repr=False)

    # -------------------------------------------------------------- evaluation
    def evaluate(self, T: np.ndarray, jacobian: bool = True, out: np.ndarray | None = None):
        """Residual ``R(T)`` (n_dofs,) [W] and, if asked, Jacobian data on the pattern.

        ``out`` (nnz,) float, if given, receives the Jacobian data (and is returned): a caller
        that owns a spare buffer saves allocating (and page-faulting) a fresh array of the size
        of the pattern per call.  The data are written in one pass (bulk matrix, then the facet
        blocks added at their positions).
        """
        fixed = self._fixed_operator
        if fixed is None or not fixed.fits(self.B, self.robin):
            self._fixed_operator = fixed = FixedOperator.of(self.B, self.robin)
        R = fixed.operator @ T
        R -= self.F
        data = None
        if jacobian:
            if out is None:
                data = np.empty_like(self.B.data)
            else:
                if out.shape != self.B.data.shape or out.dtype != self.B.data.dtype:
                    raise InputError(f"out: need a float64 array of shape {self.B.data.shape}")
                data = out
            src = fixed.jacobian  # written in two threads when large (page faults overlap)
            if fixed.nonzero is None:
                over_halves(lambda p: np.copyto(data[p], src[p]), src.size, 1 << 22)
            else:
                over_halves(lambda p: data[p].fill(0.0), data.size, 1 << 22)
                data[fixed.nonzero] = src
        pos_l, val_l = [], []
        if jacobian:
            self.asymmetric = bool(self.k_fun)
            self.nonlinear = bool(self.k_fun or self.rad)
        if self.k_fun:  # the Jacobian part is added into data
            Rk, _ = self._bulk_nonlinear(T, jacobian, data)
            R += Rk
        for _, q, coef, Tinf, _, _ in self.robin:  # (their Jacobian is in the fixed part)
            Tq = _fq_values(q, T)
            np.add.at(R, q.dofs, _load(q, coef * (Tq - Tinf)))
        for _, q, eps, Tinf, pos in self.rad:
            Tq = _fq_values(q, T)
            c = q.wdS * eps * SIGMA_SB
            np.add.at(R, q.dofs, _load(q, c * (Tq**4 - Tinf**4)))
            if jacobian:
                pos_l.append(pos)
                val_l.append(_mass(q, 4 * c * Tq**3).ravel())
        for itf in self.interfaces:
            Ra, Rb, J = self.interface_terms(itf, T, jacobian)
            np.add.at(R, itf.qa.dofs, Ra)
            np.add.at(R, itf.qb.dofs, Rb)
            if jacobian:
                pos_l.append(itf.pos)
                val_l.append(J.ravel())
        if jacobian and pos_l:
            self._scatter_add(data, pos_l, val_l)
        return R, data

    def _scatter_add(self, data: np.ndarray, pos_l: list, val_l: list) -> None:
        """``data[pos] += val`` with repeated positions summed: the unique positions of this
        (fixed) list of facet blocks are found once, then a ``bincount`` does the sum (an order
        of magnitude faster than ``np.add.at``)."""
        hit = self._facet_scatter
        if hit is None or len(hit.blocks) != len(pos_l) or any(
                a is not b for a, b in zip(hit.blocks, pos_l, strict=True)):
            upos, inv = np.unique(np.concatenate([p.ravel() for p in pos_l]), return_inverse=True)
            self._facet_scatter = hit = FacetScatter(list(pos_l), upos, inv.ravel())
        data[hit.upos] += np.bincount(hit.inv, np.concatenate(val_l), minlength=hit.upos.size)

    def interface_terms(self, itf: Interface, T: np.ndarray, jacobian: bool = True):
        """Interface residual blocks (side a, side b) and Jacobian blocks (m, na+nb, na+nb)."""
        qa, qb = itf.qa, itf.qb
        Ta, Tb = _fq_values(qa, T), _fq_values(qb, T)
        h, dh = self.conductance(itf, 0.5 * (Ta + Tb))
        jump = Ta - Tb
        w = qa.wdS
        Ra = _load(qa, w * h * jump)
        Rb = -np.einsum("mq,mqi->mi", w * h * jump, qb.phi)
        if not jacobian:
            return Ra, Rb, None
        if np.any(dh != 0):
            self.nonlinear = True
            if np.any(dh * jump != 0):
                self.asymmetric = True
        c1 = w * (h + 0.5 * dh * jump)
        c2 = w * (-h + 0.5 * dh * jump)
        # [[c1 φa φa, c2 φa φb], [−c1 φb φa, −c2 φb φb]] as one batched product Φᵀ (C Φ),
        # Φ = [φa, φb] (m, nq, na+nb), C the column side's coefficient; then negate the b rows
        na = qa.phi.shape[2]
        Phi = np.concatenate([qa.phi, qb.phi], axis=2)
        CP = Phi.copy()
        CP[:, :, :na] *= c1[..., None]
        CP[:, :, na:] *= c2[..., None]
        J = np.matmul(Phi.transpose(0, 2, 1), CP)
        J[:, na:] *= -1.0
        return Ra, Rb, J

    def conductance(self, itf: Interface, Tbar: np.ndarray, p: np.ndarray | None = None):
        """h, dh/dT from the interface's model at T̄ [K] and pressure ``p`` [Pa] (default: the
        interface's pressure at its quadrature points), checked (errors name the interface)."""
        p = np.broadcast_to(itf.pressure if p is None else p, Tbar.shape)
        try:
            h, dh = itf.model.conductance(Tbar, p)
        except ModelError as exc:  # a bad evaluation point: name the case key (models know none)
            if exc.quantity == "p":
                raise CaseError([(f"interfaces.{itf.name}.pressure", str(exc))]) from exc
            if exc.quantity == "T":
                raise CaseError([(f"interfaces.{itf.name}", f"{exc} at T = "
                                  f"{Tbar.min():.6g}..{Tbar.max():.6g} K")]) from exc
            raise
        except (ArithmeticError, ValueError) as exc:
            raise ModelError(f"interface {itf.name!r}: conductance model failed: {exc}") from exc
        h = np.broadcast_to(np.asarray(h, dtype=float), Tbar.shape)
        dh = np.broadcast_to(np.asarray(dh, dtype=float), Tbar.shape)
        if not (np.all(np.isfinite(h)) and np.all(np.isfinite(dh))):
            raise ModelError(f"interface {itf.name!r}: conductance model returned NaN/inf "
                             f"(T̄ in [{Tbar.min():.6g}, {Tbar.max():.6g}] K, "
                             f"p in [{p.min():.6g}, {p.max():.6g}] Pa)")
        if np.any(h < 0):
            raise ModelError(f"interface {itf.name!r}: conductance must be >= 0, got "
                             f"{h.min():.4g} W/(m² K)")
        return h, dh

    def _bulk_nonlinear(self, T: np.ndarray, jacobian: bool, add_to: np.ndarray | None = None):
        """∫ k(T) ∇T·∇v over the regions with a temperature-dependent k: residual and
        Jacobian on the common pattern, or with ``add_to`` its data added there
        (:func:`femtbr.fem.fast.conduction.conduction_terms`)."""
        return conduction_terms(self.disc, self.k_fun, T, jacobian, add_to)

    # -------------------------------------------------------------- Dirichlet
    def reduced(self):
        """Free DOFs and the pattern of the Jacobian restricted to them (cached on disc)."""
        key = DirichletKey(tuple(sorted(self.dir_owner)), int(self.dir_dofs.size))
        cache = self.disc.cache.reduced
        if key not in cache and self.dir_dofs.size == 0:  # nothing to eliminate
            indptr, indices = self.disc.pattern
            cache[key] = ReducedPattern(np.arange(self.disc.n_dofs), np.ones(indices.size, bool),
                                        indptr, indices)
        if key not in cache:
            n = self.disc.n_dofs
            is_d = np.zeros(n, dtype=bool)
            is_d[self.dir_dofs] = True
            free = np.flatnonzero(~is_d)
            newid = np.full(n, -1, dtype=np.int64)
            newid[free] = np.arange(free.size)
            indptr, indices = self.disc.pattern
            rows = np.repeat(np.arange(n), np.diff(indptr))
            keep = ~is_d[rows] & ~is_d[indices]
            cnt = np.bincount(newid[rows[keep]], minlength=free.size)
            ip = np.r_[0, np.cumsum(cnt)].astype(indptr.dtype)
            cache[key] = ReducedPattern(free, keep, ip, newid[indices[keep]].astype(indices.dtype))
        return cache[key]


def _as_tuple(bc):
    return bc if isinstance(bc, tuple) else (bc,)


def build_system(problem: Problem, disc: Discretization) -> System:
    """Bind ``problem`` to ``disc``: validate names and values, build loads and facet terms."""
    mesh = problem.mesh
    regions = disc.region_names
    if bool(problem.axisymmetric) != disc.axisymmetric:
        raise InputError(f"axisymmetric: the problem says {bool(problem.axisymmetric)}, its "
                         f"discretization was built with {disc.axisymmetric}")
    for name in problem.conductivity:
        if name not in regions:
            raise InputError(f"conductivity: unknown region {name!r}; mesh has {sorted(regions)}")
    missing = [r for r in regions if r not in problem.conductivity]
    if missing:
        raise InputError(f"conductivity: no value for region(s) {missing}")
    k_const, k_fun, k_tensor = {}, {}, {}
    for name, k in problem.conductivity.items():
        if isinstance(k, ConductivityTensor):  # constant: into B below; K(T): with k(T)
            (k_tensor if k.is_constant else k_fun)[name] = k
        elif callable(k):
            k_fun[name] = k
        else:
            k = float(k)
            if not (np.isfinite(k) and k > 0):
                raise InputError(f"conductivity.{name}: must be > 0 W/(m K), got {k}")
            k_const[name] = k
    B = disc.bulk_matrix(k_const)
    if k_tensor:  # constant tensors: their stiffness is the Jacobian at any T (a copy: B is cached)
        B = B.copy()
        B.data += conduction_terms(disc, k_tensor, np.zeros(disc.n_dofs), True)[1].data
    F = np.zeros(disc.n_dofs)
    powers = {}
    rule = disc.rule_m
    for name, src in problem.sources.items():
        if name not in regions:
            raise InputError(f"sources: unknown region {name!r}; mesh has {sorted(regions)}")
        if (src.power is None) == (src.density is None):
            raise InputError(f"sources.{name}: give exactly one of power or density")
        cells = disc.region_cells[name]
        vol = disc.region_volume(name)
        dens = src.density if src.power is None else float(src.power) / vol
        if callable(dens):
            total = 0.0
            for s in chunks(cells.size):
                c = cells[s]
                det, _ = geometry(disc.points, disc.cells[c], rule)
                X = disc.points[disc.cells[c]]
                xq = np.einsum("cva,qv->cqa", X, rule.gphi)
                w = det * rule.W * np.asarray(dens(xq.reshape(-1, xq.shape[-1])),
                                              float).reshape(det.shape)
                total += float(w.sum())
                np.add.at(F, disc.edofs[c], w @ rule.phi)
        else:
            F += float(dens) * disc.region_weights(name)
            total = float(dens) * vol
        powers[name] = total
    sys = System(disc, problem, k_const, k_fun, B, F, powers)
    dir_d = []
    for bname, bcs in problem.boundaries.items():
        if bname not in mesh.boundaries:
            raise InputError(f"boundaries: unknown boundary {bname!r}; mesh has "
                             f"{sorted(mesh.boundaries)}")
        q = disc.boundary_quad(bname)
        axis = disc.on_axis(bname)
        if axis.size:
            raise InputError(
                f"boundaries.{bname}: facets {[int(i) for i in axis[:5]]} lie on the axis r = 0 "
                "of the axisymmetric section, a line of the revolved body with no area; the "
                "axis is a symmetry line and takes no boundary condition")
        for bc in _as_tuple(bcs):
            if isinstance(bc, FixedTemperature):
                d = np.unique(q.dofs)
                v = bc.T(disc.dof_points[d]) if callable(bc.T) else np.full(d.size, float(bc.T))
                dir_d.append((bname, d, np.asarray(v, float)))
                sys.dir_owner[bname] = d
            elif isinstance(bc, HeatFlux):
                np.add.at(F, q.dofs, _load(q, q.wdS * float(bc.q)))
                sys.flux.append((bname, q, float(bc.q)))
            elif isinstance(bc, Convection):
                if not bc.h >= 0:
                    raise InputError(f"boundaries.{bname}.h: must be >= 0, got {bc.h}")
                coef = q.wdS * float(bc.h)
                pos = disc.positions(FacetBlock("boundary", bname), q.dofs, q.dofs)
                sys.robin.append((bname, q, coef, float(bc.T_inf), pos, _mass(q, coef)))
            elif isinstance(bc, Radiation):
                if not 0 <= bc.emissivity <= 1:
                    raise InputError(f"boundaries.{bname}.emissivity: must be in [0, 1], "
                                     f"got {bc.emissivity}")
                pos = disc.positions(FacetBlock("boundary", bname), q.dofs, q.dofs)
                sys.rad.append((bname, q, float(bc.emissivity), float(bc.T_inf), pos))
            else:
                raise InputError(f"boundaries.{bname}: unknown condition {bc!r}")
    # nodes shared by two fixed-temperature boundaries take the mean (fem.dirichlet)
    sys.dir_dofs, sys.dir_vals, _ = merge_fixed(dir_d)
    for name, spec in problem.interfaces.items():
        if not hasattr(spec.model, "conductance"):
            raise ModelError(f"interfaces.{name}: model {spec.model!r} has no conductance(T, p)")
        qa, qb = disc.interface_quads(name)
        d = np.hstack([qa.dofs, qb.dofs])
        pos = disc.positions(FacetBlock("interface", name), d, d)
        p_at, p = resolve_pressure(spec.pressure,
                                   lambda q=qa: quadrature_points(q.phi, q.dofs, disc.dof_points),
                                   qa.wdS, f"interfaces.{name}.pressure")
        sys.interfaces.append(Interface(name, qa, qb, spec.model, p, pos, p_at))
    if not (dir_d or sys.robin or sys.rad):
        raise InputError("boundaries: no fixed-temperature, convection or radiation boundary; "
                         "the steady temperature is undefined")
    return sys
