"""Derived quantities of a converged temperature field → :class:`Solution`.

Boundary heats use the same quadrature as the residual; the heat through fixed-temperature
boundaries is the reaction −Σ_{i∈D} R_i (consistent flux, e.g. Hughes, *The Finite Element
Method* (1987), §1.16), split equally among boundaries sharing a DOF.  Hence the energy
balance Σ sources + Σ flux in − Σ heat out equals −Σ_free R_i, i.e. it measures convergence.
"""

from __future__ import annotations

import numpy as np

from femtbr.fem.assembly.assemble import SIGMA_SB, System, _fq_values
from femtbr.fem.fast.kernels import (
    adjugate,
    affine_map,
    affine_stiffness_tables,
    chunks,
    geometry,
    over_halves,
    point_rule,
)
from femtbr.fem.fast.reference import REFDOM, VTK_TO_SKFEM
from femtbr.fem.values.conductivity_tensor import ConductivityTensor
from femtbr.fem.values.pressure import pressure_figures
from femtbr.fem.values.solution import InterfaceResult, RegionResult, Solution, SurfaceResult


def _regions(system: System, T: np.ndarray) -> dict[str, RegionResult]:
    disc = system.disc
    out = {}
    for name in disc.region_names:
        w = disc.region_weights(name)
        vol = float(w.sum())
        Td = T[disc.region_dofs(name)]
        out[name] = RegionResult(T_max=float(Td.max()), T_mean=float(w @ T) / vol,
                                 power=float(system.powers.get(name, 0.0)), volume=vol,
                                 T_min=float(Td.min()))
    return out


def _surfaces(system: System, T: np.ndarray) -> dict[str, SurfaceResult]:
    """Area, area-weighted mean and DOF extremes of T over every named boundary.

    A boundary of zero measure (the axis r = 0 of an axisymmetric model revolves to no area)
    reports the mean of its nodal values as ``T_mean``.
    """
    out = {}
    for name in system.problem.mesh.boundaries:
        q = system.disc.boundary_quad(name)
        area = float(q.wdS.sum())
        Td = T[np.unique(q.dofs)]
        mean = float(np.sum(q.wdS * _fq_values(q, T))) / area if area > 0 else float(Td.mean())
        out[name] = SurfaceResult(area=area, T_mean=mean, T_min=float(Td.min()),
                                  T_max=float(Td.max()))
    return out


def _interfaces(system: System, T: np.ndarray) -> dict[str, InterfaceResult]:
    disc = system.disc
    out = {}
    for itf in system.interfaces:
        qa, qb = itf.qa, itf.qb
        Ta, Tb = _fq_values(qa, T), _fq_values(qb, T)
        h, _ = system.conductance(itf, 0.5 * (Ta + Tb))
        w = qa.wdS
        area = float(w.sum())
        heat = float(np.sum(w * h * (Ta - Tb)))
        jump_mean = float(np.sum(w * (Ta - Tb))) / area
        Tac = np.einsum("mi,mi->m", qa.phi_c, T[qa.dofs])
        Tbc = np.einsum("mi,mi->m", qb.phi_c, T[qb.dofs])
        Tc = 0.5 * (Tac + Tbc)
        pc = np.asarray(itf.pressure_at(qa.centers), float)  # facet-centre pressure [Pa]
        hc, _ = system.conductance(itf, Tc, pc)
        comps = {}
        if hasattr(itf.model, "components"):
            comps = {k: np.asarray(v, float) for k, v in
                     itf.model.components(Tc, pc).items()}
        f = disc.interface_facets[itf.name]
        out[itf.name] = InterfaceResult(
            area=area,
            heat=heat,
            jump_mean=jump_mean,
            h_mean=float(np.sum(w * h)) / area,
            resistance=jump_mean / (heat / area) if heat != 0 else float("inf"),
            T_mean=float(np.sum(w * 0.5 * (Ta + Tb))) / area,
            centers=qa.centers,
            T_a=Tac,
            T_b=Tbc,
            jump=Tac - Tbc,
            heat_flux=hc * (Tac - Tbc),
            h=np.array(hc),
            components=comps,
            facet_cells=disc.split.cells[f.cell_a[:, None], f.local_a],
            pressure=pc,
            **pressure_figures(w, itf.pressure, h),
        )
    return out


def _boundaries(system: System, T: np.ndarray, R: np.ndarray) -> dict[str, float]:
    out: dict[str, float] = {n: 0.0 for n in system.problem.boundaries}
    for name, q, coef, Tinf, _, _ in system.robin:
        out[name] += float(np.sum(coef * (_fq_values(q, T) - Tinf)))
    for name, q, eps, Tinf, _ in system.rad:
        out[name] += float(np.sum(q.wdS * eps * SIGMA_SB * (_fq_values(q, T) ** 4 - Tinf**4)))
    for name, q, qin in system.flux:
        out[name] -= qin * float(q.wdS.sum())
    for name, heat in dirichlet_reactions(system, R).items():
        out[name] -= heat
    return out


def dirichlet_reactions(system: System, R: np.ndarray) -> dict[str, float]:
    """Σ R [W] over each fixed-temperature boundary's DOFs (the heat it takes in, with sign of
    the residual); a DOF shared by several such boundaries is split equally between them."""
    if not system.dir_owner:
        return {}
    count = np.zeros(system.disc.n_dofs)
    for d in system.dir_owner.values():
        count[d] += 1
    return {name: float(np.sum(R[d] / count[d])) for name, d in system.dir_owner.items()}


def _cell_fields(system: System, T: np.ndarray):
    """Cell-centre heat flux −k∇T (−K∇T for a conductivity tensor), conductivity and, when a
    region has a :class:`ConductivityTensor`, the tensor of every cell ``(n_cells, 3, 3)``
    (k·I in the d×d block for isotropic cells; zero zz row and column in 2D) — else ``None``.
    The scalar of a tensor cell is the mean of its principal values, (1/d) tr K.

    ∇T = J⁻ᵀ ∇̂T with ∇̂T_b = Σ_i ∂φ̂_i/∂ξ_b T_i at the reference centroid, J⁻¹ from the
    adjugate of the affine fit; component arrays throughout (no stacked 3×3 inverses).
    """
    disc = system.disc
    tab = disc.tab
    Xc = REFDOM[tab.cell_type].p.mean(axis=1)[:, None]
    rule = point_rule(tab, Xc)
    aff = affine_stiffness_tables(tab, disc.rule_k)
    d = disc.points.shape[1]
    nc = disc.cells.shape[0]
    q = np.empty((nc, d))
    k = np.empty(nc)
    dphi = rule.dphi[0]  # (nb, d)
    names = disc.region_names
    k_const = np.array([system.k_const.get(n, np.nan) for n in names])
    cond = system.problem.conductivity
    k_fun = [(i, cond[n]) for i, n in enumerate(names) if n not in system.k_const]
    tensor = any(isinstance(f, ConductivityTensor) for _, f in k_fun)
    kt = np.zeros((nc, 3, 3)) if tensor else None

    def geometry_part(part: slice) -> None:  # ∇T into q (contiguous slices, no gathers)
        for c in chunks(part.stop - part.start):
            _gradients(slice(part.start + c.start, part.start + c.stop))

    def _gradients(s: slice) -> None:
        J, bad = affine_map(disc.points, disc.cells[s], tab, aff)
        r, det = adjugate(J)
        Te = T[disc.edofs[s]]
        gref = np.einsum("ci,ib->bc", Te, dphi)  # (d, c)
        g = q[s]
        for a in range(d):
            g[:, a] = sum(r[b][a] * gref[b] for b in range(d)) / det
        if bad.any():
            _, Gq = geometry(disc.points, disc.cells[s][bad], rule)
            g[bad] = np.einsum("cia,ci->ca", Gq[:, 0], Te[bad])
        kc = k[s]
        kc[:] = k_const[disc.region_id[s]]  # NaN in k(T) regions, set below
        g *= -np.where(np.isnan(kc), 1.0, kc)[:, None] if k_fun else -kc[:, None]

    over_halves(geometry_part, nc)  # two threads on large meshes
    for i, fun in k_fun:  # user k(T) in the calling thread
        for s in chunks(nc):
            m = disc.region_id[s] == i
            if m.any():
                Te = T[disc.edofs[s][m]]
                if isinstance(fun, ConductivityTensor):  # q held −∇T: q = −K∇T
                    Tc = Te @ rule.phi[0]
                    K, _ = fun.tensor(Tc)
                    k[s][m] = fun(Tc)[0]
                    q[s][m] = np.einsum("abc,cb->ca", K, q[s][m])
                    kt[s][m, :d, :d] = K.transpose(2, 0, 1)
                    continue
                kf, _ = fun(Te @ rule.phi[0])
                kf = np.broadcast_to(np.asarray(kf, float), (int(m.sum()),))
                k[s][m] = kf
                q[s][m] *= kf[:, None]  # q held −∇T there
    if kt is not None:
        iso = ~np.isin(disc.region_id, [i for i, f in k_fun if isinstance(f, ConductivityTensor)])
        for a in range(d):
            kt[iso, a, a] = k[iso]
    return q, k, kt


def build_solution(system: System, result: dict, timings: dict) -> Solution:
    """Assemble the :class:`Solution` of a converged Newton ``result``: ``T`` [K] and, if
    given, ``R`` the residual at ``T`` [W] (Newton's last evaluation; evaluated here otherwise),
    whose fixed-temperature entries are the reactions (module doc)."""
    disc = system.disc
    T = result["T"]
    R = result.get("R")
    if R is None:
        R, _ = system.evaluate(T, jacobian=False)
    regions = _regions(system, T)
    interfaces = _interfaces(system, T)
    boundaries = _boundaries(system, T, R)
    surfaces = _surfaces(system, T)
    if hasattr(system, "integrals"):  # the skfem backend: the same figures by functionals
        regions, interfaces, boundaries = system.integrals(T, R, regions, interfaces, boundaries)
        surfaces = system.surface_means(T, surfaces)
    q, k, kt = _cell_fields(system, T)
    src = sum(r.power for r in regions.values())
    out = sum(boundaries.values())
    scale = abs(src) + sum(abs(v) for v in boundaries.values())
    balance = abs(src - out) / scale if scale > 0 else 0.0
    ct = disc.mesh.cell_type
    perm = VTK_TO_SKFEM[ct]
    if np.array_equal(perm, np.arange(perm.size)):
        cells_vtk = disc.split.cells.copy()
    else:
        cells_vtk = np.ascontiguousarray(disc.split.cells[:, np.argsort(perm)])
    nv = disc.points_split.shape[0]
    return Solution(
        points=disc.points_split,
        cells=cells_vtk,
        cell_type=ct,
        temperature=T[:nv].copy(),
        region_id=disc.region_id,
        region_names=disc.region_names,
        heat_flux=q,
        conductivity=k,
        conductivity_tensor=kt,
        regions=regions,
        interfaces=interfaces,
        boundaries=boundaries,
        surfaces=surfaces,
        converged=True,
        iterations=int(result["iterations"]),
        residual_history=tuple(result["history"]),
        energy_balance=float(balance),
        n_dofs=disc.n_dofs,
        timings=dict(timings),
        order=disc.order,
        dof_temperature=T if disc.order > 1 else None,
        element_dofs=disc.edofs if disc.order > 1 else None,
        axisymmetric=disc.axisymmetric,
    )
