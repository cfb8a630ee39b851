"""The ``"skfem"`` backend: residual and Jacobian by ``skfem.asm`` of :mod:`femtbr.fem.forms`.

:class:`FormSystem` is a :class:`~femtbr.fem.assembly.assemble.System` (same validation, Dirichlet
data, loads and post-processing inputs, built by :func:`~femtbr.fem.assembly.assemble.build_system`)
whose :meth:`~FormSystem.evaluate` assembles every term from its scikit-fem form on the bases
of :func:`femtbr.fem.skfem.split`.  It is the reference the fast kernels are tested against
and the path for terms that have no fast kernel; it is slower, not different.

Terms that do not depend on T (conduction with constant k, convection, sources, fluxes) are
assembled once; k(T), radiation and the interfaces at every evaluation.  The Jacobian is
returned as data on the discretization's common sparsity pattern, as the fast path does.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from skfem import asm

from femtbr.errors import InputError
from femtbr.fem import forms as plane_forms
from femtbr.fem.assembly.assemble import System
from femtbr.fem.fast.conduction import check_conductivity
from femtbr.fem.fast.sparse import csr_positions
from femtbr.fem.post.post import dirichlet_reactions
from femtbr.fem.skfem import SplitMesh, split
from femtbr.fem.values.conductivity_tensor import ConductivityTensor
from femtbr.fem.values.problem import Convection
from femtbr.fem.values.solution import InterfaceResult, RegionResult

#: Accepted values of ``SolverOptions.backend``.
BACKENDS = ("fast", "skfem")


def check_backend(name: str) -> str:
    """``name`` if it is a known backend, else :class:`InputError` listing the choices."""
    if name not in BACKENDS:
        raise InputError(f"solver.backend: unknown backend {name!r}; choose one of "
                         f"{list(BACKENDS)}")
    return name


class FormSystem(System):
    """A :class:`System` evaluated by scikit-fem assembly of the forms."""

    split_mesh: SplitMesh

    @property
    def forms(self):
        """The forms of :mod:`femtbr.fem.forms`, weighted by 2πr for an axisymmetric problem
        (:data:`femtbr.fem.forms.AXISYMMETRIC`); each method binds them to the local name
        ``forms``."""
        return plane_forms.AXISYMMETRIC if self.disc.axisymmetric else plane_forms

    @classmethod
    def from_system(cls, system: System) -> FormSystem:
        """The same problem and discretization as ``system``, evaluated by forms."""
        new = cls(**{f: getattr(system, f) for f in system.__dataclass_fields__})
        new._setup()
        return new

    # ------------------------------------------------------------------ constant parts
    def _setup(self) -> None:
        forms = self.forms
        sm = self.split_mesh = split(self.disc.mesh, discretization=self.disc)
        n = self.disc.n_dofs
        self._fixed = sp.csr_matrix((n, n))
        for name, k in self.k_const.items():
            self._fixed += asm(forms.conduction, sm.regions[name], k=k)
        for name, k in self.problem.conductivity.items():
            if isinstance(k, ConductivityTensor) and k.is_constant:
                rb = sm.regions[name]
                K, _ = k.tensor(np.asarray(rb.interpolate(np.zeros(n))))
                self._fixed += asm(forms.conduction_tensor, rb, K=K)
        F = np.zeros(n)
        for name, src in self.problem.sources.items():
            rb = sm.regions[name]
            dens = src.density if src.power is None else float(src.power) / \
                self.disc.region_volume(name)
            if callable(dens):
                x = np.asarray(rb.global_coordinates())  # (dim, cells, nq)
                dens = np.asarray(dens(x.reshape(x.shape[0], -1).T), float).reshape(x.shape[1:])
            F += asm(forms.source_load, rb, density=dens)
        for name, _, q in self.flux:
            F += asm(forms.flux_load, sm.boundaries[name], flux=q)
        self._films = []  # (boundary, h_f, T_inf) of every convection condition
        self._films_jacobian = sp.csr_matrix((n, n))
        for name, bcs in self.problem.boundaries.items():
            for bc in bcs if isinstance(bcs, tuple) else (bcs,):
                if isinstance(bc, Convection):
                    self._films.append((name, float(bc.h), float(bc.T_inf)))
                    self._films_jacobian += asm(forms.convection_jacobian,
                                                sm.boundaries[name], film=float(bc.h))
        self.F = F

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, T: np.ndarray, jacobian: bool = True, out: np.ndarray | None = None):
        """Residual ``R(T)`` [W] and, if asked, the Jacobian data on the pattern [W/K]."""
        forms = self.forms
        sm = self.split_mesh
        R = self._fixed @ T - self.F
        mats = [self._fixed, self._films_jacobian]
        for name, fun in self.k_fun.items():
            rb = sm.regions[name]
            Tq = rb.interpolate(T)
            if isinstance(fun, ConductivityTensor):
                kp, dkp = fun.principal_values(np.asarray(Tq))
                check_conductivity(name, kp, dkp)
                K, dK = fun.tensor(np.asarray(Tq))
                R += asm(forms.conduction_tensor_residual, rb, T=Tq, K=K)
                if jacobian:
                    mats.append(asm(forms.conduction_tensor_jacobian, rb, T=Tq, K=K, dK=dK))
                continue
            k, dk = fun(np.asarray(Tq))
            k = np.broadcast_to(np.asarray(k, float), Tq.shape)
            dk = np.broadcast_to(np.asarray(dk, float), Tq.shape)
            check_conductivity(name, k, dk)
            R += asm(forms.conduction_residual, rb, T=Tq, k=k)
            if jacobian:
                mats.append(asm(forms.conduction_jacobian, rb, T=Tq, k=k, dk=dk))
        for (name, film, _), robin in zip(self._films, self.robin, strict=True):
            fb, T_inf = sm.boundaries[name], robin[3]  # robin: T_inf may follow a waveform
            R += asm(forms.convection_residual, fb, T=fb.interpolate(T), film=film, T_inf=T_inf)
        for name, _, eps, T_inf, _ in self.rad:
            fb = sm.boundaries[name]
            Tq = fb.interpolate(T)
            R += asm(forms.radiation_residual, fb, T=Tq, emissivity=eps, T_inf=T_inf)
            if jacobian:
                mats.append(asm(forms.radiation_jacobian, fb, T=Tq, emissivity=eps))
        if jacobian:
            self.asymmetric = bool(self.k_fun)
            self.nonlinear = bool(self.k_fun or self.rad)
        for itf in self.interfaces:
            ib = sm.interfaces[itf.name]
            Ta, Tb = ib.temperatures(T)
            h, dh = self.conductance(itf, 0.5 * (np.asarray(Ta) + np.asarray(Tb)),
                                     self.pressure_at_points(itf))
            R += asm(forms.interface_residual, ib.pair, T_a=Ta, T_b=Tb, conductance=h)
            if jacobian:
                self.nonlinear |= bool(np.any(dh != 0))
                self.asymmetric |= bool(np.any(dh * (np.asarray(Ta) - np.asarray(Tb)) != 0))
                mats.append(asm(forms.interface_jacobian, ib.pair, T_a=Ta, T_b=Tb,
                                conductance=h, dconductance=dh))
        if not jacobian:
            return R, None
        data = self._on_pattern(sum(mats[1:], mats[0]), out)
        return R, data

    def _on_pattern(self, J: sp.spmatrix, out: np.ndarray | None) -> np.ndarray:
        """The entries of ``J`` as data on the common pattern.

        A facet basis carries every DOF of its cell; the shape functions that vanish on the
        facet come out at round-off level (~1e-17 relative), which couples DOFs the pattern
        does not hold.  Those entries are dropped after checking that they are round-off.
        """
        indptr, indices = self.disc.pattern
        data = np.zeros(indices.size) if out is None else out
        data[:] = 0.0
        P = sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=J.shape)
        J = sp.csr_matrix(J)
        inside = sp.coo_matrix(J.multiply(P))
        scale = float(abs(J).max()) if J.nnz else 0.0
        stray = abs(J - inside).max() if J.nnz else 0.0
        if stray > 1e-12 * scale:
            raise RuntimeError(f"Jacobian entry {stray:.3g} outside the sparsity pattern")
        keep = inside.data != 0
        data[csr_positions(indptr, indices, inside.row[keep], inside.col[keep])] = \
            inside.data[keep]
        return data

    def surface_means(self, T: np.ndarray, surfaces: dict) -> dict:
        """Area and area-weighted mean temperature of every named boundary by the
        functionals :func:`forms.measure` and :func:`forms.integral` (extremes kept)."""
        forms = self.forms
        out = {}
        for name, res in surfaces.items():
            fb = self.split_mesh.boundaries[name]
            area = forms.measure.assemble(fb)
            if area <= 0:  # the axis of an r–z model: the nodal mean, as the fast path
                out[name] = replace(res, area=area)
                continue
            out[name] = replace(res, area=area,
                                T_mean=forms.integral.assemble(fb, T=fb.interpolate(T)) / area)
        return out

    def pressure_at_points(self, itf) -> np.ndarray:
        """The interface's p(x) [Pa] at the quadrature points of its facet bases (cached)."""
        cache = self.__dict__.setdefault("_pressures", {})
        if itf.name not in cache:
            x = np.asarray(self.split_mesh.interfaces[itf.name].side_a.global_coordinates())
            pts = np.moveaxis(x, 0, -1)  # (facets, nq, dim)
            cache[itf.name] = np.asarray(itf.pressure_at(pts.reshape(-1, pts.shape[-1])),
                                         float).reshape(pts.shape[:-1])
        return cache[itf.name]

    # ------------------------------------------------------------------ transient
    def stored_heat(self, T: np.ndarray, rho_cp: dict, T_ref: float):
        """Stored heat E(T) = ∫ H(T) v [J] and its Jacobian M = ∫ ρc_p(T) u v [J/K] (the
        consistent mass) by :func:`forms.stored_heat` and :func:`forms.mass`; ``rho_cp`` maps
        regions to ρc_p [J/(m³ K)] (numbers or callables of T), ``T_ref`` [K] is H's zero."""
        from femtbr.fem.values.transient_problem import enthalpy, heat_capacity
        forms = self.forms

        n = self.disc.n_dofs
        E, M = np.zeros(n), sp.csr_matrix((n, n))
        for name, rc in rho_cp.items():
            rb = self.split_mesh.regions[name]
            Tq = np.asarray(rb.interpolate(T))
            E += asm(forms.stored_heat, rb, enthalpy=enthalpy(rc, Tq, T_ref))
            M += asm(forms.mass, rb, capacity=heat_capacity(rc, Tq))
        return E, M

    # ------------------------------------------------------------------ post-processing
    def integrals(self, T: np.ndarray, R: np.ndarray, regions: dict[str, RegionResult],
                  interfaces: dict[str, InterfaceResult], boundaries: dict[str, float]):
        """The integral figures of a solution recomputed with the functionals of
        :mod:`femtbr.fem.forms`: region volumes and mean temperatures, interface area, heat,
        mean jump, mean h and mean temperature, and the heat through every boundary (the
        fixed-temperature ones as the reaction −Σ R_i over their DOFs, shared DOFs split
        equally, as :mod:`femtbr.fem.post.post` defines it).  Nodal maxima and facet arrays are
        kept from the arguments."""
        forms = self.forms
        sm = self.split_mesh
        reg = {}
        for name, res in regions.items():
            rb = sm.regions[name]
            vol = forms.measure.assemble(rb)
            reg[name] = replace(res, volume=vol,
                                T_mean=forms.integral.assemble(rb, T=rb.interpolate(T)) / vol)
        itf = {}
        for spec in self.interfaces:
            ib = sm.interfaces[spec.name]
            Ta, Tb = ib.temperatures(T)
            p = self.pressure_at_points(spec)
            h, _ = self.conductance(spec, 0.5 * (np.asarray(Ta) + np.asarray(Tb)), p)
            fa = ib.side_a
            area = forms.measure.assemble(fa)
            heat = forms.interface_heat.assemble(fa, T_a=Ta, T_b=Tb, conductance=h)
            jump = forms.interface_jump.assemble(fa, T_a=Ta, T_b=Tb) / area
            force = forms.contact_force.assemble(fa, pressure=p)
            hA = forms.interface_conductance.assemble(fa, conductance=h)
            hp = forms.conductance_pressure.assemble(fa, conductance=h, pressure=p)
            itf[spec.name] = replace(
                interfaces[spec.name], area=area, heat=heat, jump_mean=jump,
                h_mean=hA / area, force=force, p_mean=force / area,
                p_min=float(p.min()), p_max=float(p.max()),
                p_h_mean=hp / hA if hA > 0 else float("nan"),
                resistance=jump / (heat / area) if heat != 0 else float("inf"),
                T_mean=forms.integral.assemble(fa, T=0.5 * (Ta + Tb)) / area)
        out = {n: 0.0 for n in boundaries}
        for (name, film, _), robin in zip(self._films, self.robin, strict=True):
            fb = sm.boundaries[name]
            out[name] += forms.convection_heat.assemble(fb, T=fb.interpolate(T), film=film,
                                                        T_inf=robin[3])
        for name, _, eps, T_inf, _ in self.rad:
            fb = sm.boundaries[name]
            out[name] += forms.radiation_heat.assemble(fb, T=fb.interpolate(T), emissivity=eps,
                                                       T_inf=T_inf)
        for name, _, q in self.flux:
            out[name] -= forms.flux_heat.assemble(sm.boundaries[name], flux=q)
        for name, heat in dirichlet_reactions(self, R).items():
            out[name] -= heat
        return reg, itf, out
