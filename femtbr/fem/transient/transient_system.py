"""The finite-element semi-discrete system of a :class:`TransientProblem`, on the FE core.

:class:`FESemiDiscrete` implements :class:`femtbr.fem.transient.transient.SemiDiscreteSystem` with
the
steady residual and exact Jacobian of :func:`femtbr.fem.assembly.assemble.build_system` (one System,
bound once; its source load, ambient temperatures and Dirichlet values are re-set for each time
from the load profiles) plus the heat-capacity terms assembled here:

* consistent: E_i = ∫ H(T_h) φ_i dΩ, M_ij = ∂E_i/∂T_j = ∫ ρc_p(T_h) φ_i φ_j dΩ, with
  H(T) = ∫_{T_ref}^{T} ρc_p (enthalpy form, so the stored heat Σ_i E_i = ∫ H dΩ is exactly the
  quantity the scheme conserves; e.g. Crank & Nicolson 1947 on the conservative form, and
  Zienkiewicz, Taylor & Zhu, *The FEM*, 7th ed., §17 for the consistent mass matrix);
* lumped (first order only): E_i = Σ_r (∫_r φ_i) H_r(T_i), M diagonal (row-sum lumping).

For constant ρc_p the mass matrix is assembled once; with constant k, constant-h interfaces and
no radiation the whole system is linear and the Jacobian is assembled once too.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from femtbr.errors import CaseError, InputError, ModelError
from femtbr.fem.assembly.assemble import SIGMA_SB, System, _fq_values, build_system
from femtbr.fem.assembly.dirichlet import merge_fixed
from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.backends import system_for
from femtbr.fem.fast.kernels import chunks, geometry
from femtbr.fem.values.problem import FixedTemperature, Source
from femtbr.fem.values.transient_problem import TransientProblem, enthalpy, heat_capacity

log = logging.getLogger(__name__)


def _interfaces_linear(system: System) -> bool:
    """Whether every interface's h is constant, probed at a few temperatures and every distinct
    local pressure through :meth:`System.conductance`, so a bad pressure names
    ``interfaces.<name>.pressure`` as in a steady run.  The probe temperatures are not
    temperatures of the run: a model that fails there (outside its temperature range, h < 0 or
    NaN) is simply treated as nonlinear; it is evaluated, and checked, at the real temperatures
    of the run."""
    for itf in system.interfaces:
        T, p = np.meshgrid([250.0, 300.0, 400.0, 800.0], np.unique(itf.pressure))
        try:
            h, dh = system.conductance(itf, T, p)
        except CaseError as exc:
            if getattr(exc.__cause__, "quantity", None) == "p":
                raise
            return False
        except ModelError:
            return False
        if np.any(dh != 0) or np.any(np.ptp(h, axis=1) != 0):
            return False
    return True


class FESemiDiscrete:
    """dE(T)/dt + R(T, t) = 0 for a :class:`TransientProblem` on a :class:`Discretization`.

    Parameters
    ----------
    tp
        The transient problem.
    disc
        A discretization of ``tp.problem`` (``None`` builds one).
    T_ref
        Reference temperature of the stored heat [K] (default ``tp.T_ref`` or 0).
    """

    def __init__(self, tp: TransientProblem, disc: Discretization | None = None, T_ref=None):
        from femtbr.fem.solve import discretize

        problem = tp.problem
        self.tp = tp
        self.disc = disc if disc is not None else discretize(problem)
        self.system = system_for(problem, self.disc)
        self.n_dofs = self.disc.n_dofs
        self.dim = self.disc.points.shape[1]
        self.T_ref = float(T_ref if T_ref is not None else (tp.T_ref or 0.0))
        # source loads of the regions whose power follows a profile (unit factor)
        self._F_src: dict[str, np.ndarray] = {}
        if tp.source_factor:
            F0 = build_system(replace(problem, sources={}), self.disc).F
            for r in tp.source_factor:
                src: Source = problem.sources[r]
                self._F_src[r] = build_system(replace(problem, sources={r: src}), self.disc).F - F0
        self._F = self.system.F.copy()
        self._robin = list(self.system.robin)
        self._rad = list(self.system.rad)
        self._powers = dict(self.system.powers)
        self._dir_parts = self._fixed_parts()
        _, _, self._dir_owner = merge_fixed(
            [(b, d, self._dir_static[b]) for b, d in self._dir_parts], warn=False
        )
        self._warn_timed_shared()
        self._mass_setup()
        self.linear = (
            not self.system.k_fun
            and not self.system.rad
            and not self._rc_fun
            and _interfaces_linear(self.system)
        )
        self._J: sp.csr_matrix | None = None

    # ------------------------------------------------------------------ heat capacity
    def _mass_setup(self) -> None:
        tp, disc = self.tp, self.disc
        self._rc_const = {r: float(v) for r, v in tp.rho_cp.items() if not callable(v)}
        self._rc_fun = {r: v for r, v in tp.rho_cp.items() if callable(v)}
        if tp.mass == "lumped":
            if disc.order != 1:
                raise InputError("mass: 'lumped' needs first-order elements (options.order = 1)")
            self._lump = {r: self._region_weights(r) for r in disc.region_names}
            return
        rule = disc.rule_m
        phiphi = np.einsum("qi,qj->qij", rule.phi, rule.phi)
        rc = np.array([self._rc_const.get(r, 0.0) for r in disc.region_names])

        def gen():
            for s in chunks(disc.cells.shape[0]):
                det, _ = geometry(disc.points, disc.cells[s], rule)
                w = det * rule.W * rc[disc.region_id[s]][:, None]
                yield np.arange(s.start, s.stop), np.einsum("cq,qij->cij", w, phiphi)

        self._M_const = disc.assemble_cells(gen())

    def _region_weights(self, region: str) -> np.ndarray:
        disc = self.disc
        rule = disc.rule_m
        w_i = np.zeros(disc.n_dofs)
        cells = disc.region_cells[region]
        for s in chunks(cells.size):
            c = cells[s]
            det, _ = geometry(disc.points, disc.cells[c], rule)
            np.add.at(w_i, disc.edofs[c], (det * rule.W) @ rule.phi)
        return w_i

    def stored(self, T: np.ndarray) -> tuple[np.ndarray, sp.csr_matrix]:
        """Stored heat E(T) [J] (per metre of depth in 2D) and M = dE/dT [J/K]."""
        tp, disc = self.tp, self.disc
        if tp.mass != "lumped" and hasattr(self.system, "stored_heat"):  # the skfem backend
            return self.system.stored_heat(T, tp.rho_cp, self.T_ref)
        if tp.mass == "lumped":
            E = np.zeros(disc.n_dofs)
            m = np.zeros(disc.n_dofs)
            for r, w in self._lump.items():
                rc = tp.rho_cp[r]
                E += w * enthalpy(rc, T, self.T_ref)
                m += w * heat_capacity(rc, T)
            return E, sp.diags(m, format="csr")
        E = self._M_const @ (T - self.T_ref)
        if not self._rc_fun:
            return E, self._M_const
        rule = disc.rule_m
        sets = []
        for r, fun in self._rc_fun.items():
            cells = disc.region_cells[r]
            for s in chunks(cells.size):
                c = cells[s]
                det, _ = geometry(disc.points, disc.cells[c], rule)
                w = det * rule.W
                Tq = T[disc.edofs[c]] @ rule.phi.T
                np.add.at(E, disc.edofs[c], (w * enthalpy(fun, Tq, self.T_ref)) @ rule.phi)
                wc = w * heat_capacity(fun, Tq)
                sets.append((c, np.einsum("cq,qi,qj->cij", wc, rule.phi, rule.phi)))
        return E, self._M_const + disc.assemble_cells(iter(sets))

    # ------------------------------------------------------------------ loads at time t
    def _at(self, t: float, side: str) -> None:
        """Set the bound System's loads and ambient temperatures to their values at ``t``."""
        tp = self.tp
        val = (lambda p: p.left(t)) if side == "left" else (lambda p: p.value(t))
        F = self._F.copy()
        for r, prof in tp.source_factor.items():
            f = val(prof)
            F += (f - 1.0) * self._F_src[r]
            self.system.powers[r] = f * self._powers[r]
        self.system.F = F
        if tp.ambient:
            self.system.robin = [
                (n, q, c, val(tp.ambient[n]) if n in tp.ambient else Ti, pos, K)
                for n, q, c, Ti, pos, K in self._robin
            ]
            self.system.rad = [
                (n, q, e, val(tp.ambient[n]) if n in tp.ambient else Ti, pos)
                for n, q, e, Ti, pos in self._rad
            ]

    def residual(self, T: np.ndarray, t: float, side: str = "left") -> np.ndarray:
        """Steady residual R(T, t) [W]: conduction + boundary + interface terms − sources."""
        self._at(t, side)
        R, _ = self.system.evaluate(T, jacobian=False)
        return R

    def evaluate(self, T: np.ndarray, t: float, side: str, jacobian: bool = True):
        """Residual [W] and (if asked) Jacobian [W/K] in one assembly pass."""
        if self.linear:
            R = self.residual(T, t, side)
            return R, (self.jacobian(T, t, side) if jacobian else None)
        self._at(t, side)
        R, data = self.system.evaluate(T, jacobian=jacobian)
        if not jacobian:
            return R, None
        indptr, indices = self.disc.pattern
        return R, sp.csr_matrix((data, indices, indptr), shape=(self.n_dofs,) * 2)

    def jacobian(self, T: np.ndarray, t: float, side: str = "left") -> sp.csr_matrix:
        """Exact steady Jacobian ∂R/∂T [W/K] (assembled once when the system is linear)."""
        if self.linear and self._J is not None:
            return self._J
        self._at(t, side)
        _, data = self.system.evaluate(T, jacobian=True)
        indptr, indices = self.disc.pattern
        J = sp.csr_matrix((data, indices, indptr), shape=(self.n_dofs,) * 2)
        if self.linear:
            self._J = J
        return J

    @property
    def symmetric(self) -> bool:
        """Whether the last Jacobian was symmetric (no k'(T), no h'(T) jump terms)."""
        return not self.system.asymmetric

    def _fixed_parts(self) -> list[tuple[str, np.ndarray]]:
        """(boundary, DOFs) of each fixed-temperature boundary; static values kept aside."""
        parts, self._dir_static = [], {}
        for b, dofs in self.system.dir_owner.items():
            bc = next(c for c in self.tp.conditions(b) if isinstance(c, FixedTemperature))
            pts = self.disc.dof_points[dofs]
            T = bc.T(pts) if callable(bc.T) else np.full(dofs.size, float(bc.T))
            self._dir_static[b] = np.asarray(T, float)
            parts.append((b, dofs))
        return parts

    def _warn_timed_shared(self) -> None:
        """Warn once for boundaries sharing nodes when a value follows a time profile."""
        timed = self.tp.boundary_temperature
        for i, (a, da) in enumerate(self._dir_parts):
            for b, db in self._dir_parts[i + 1:]:
                if (a in timed or b in timed) and np.intersect1d(da, db).size:
                    log.warning(
                        "fixed-temperature boundaries %r and %r share nodes and one follows a "
                        "time profile: the shared nodes take the mean of the two values",
                        *sorted((a, b)),
                    )

    def dirichlet(
        self, t: float, side: str = "right"
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fixed-temperature DOFs, values [K] at ``t`` and the boundary owning each DOF.

        ``side="left"`` gives the left limit at ``t`` (the value during a step that ends at
        ``t``, so a jump at ``t`` acts on the steps after it), ``"right"`` the value from ``t``
        on.  Nodes shared by two fixed-temperature boundaries take the mean of their values
        (:mod:`femtbr.fem.assembly.dirichlet`).
        """
        timed = self.tp.boundary_temperature

        def at(p):
            return p.left(t) if side == "left" else p.value(t)

        parts = [
            (b, d, at(timed[b]) if b in timed else self._dir_static[b])
            for b, d in self._dir_parts
        ]
        d, v, _ = merge_fixed(parts, warn=False)
        return d, v, self._dir_owner

    def heat_terms(self, T: np.ndarray, t: float, side: str = "left"):
        """Source power [W] and heat leaving through each non-Dirichlet boundary [W]."""
        self._at(t, side)
        sysm = self.system
        P = float(sum(sysm.powers.values()))
        Q: dict[str, float] = {}
        for name, q, coef, Tinf, _, _ in sysm.robin:
            Q[name] = Q.get(name, 0.0) + float(np.sum(coef * (_fq_values(q, T) - Tinf)))
        for name, q, eps, Tinf, _ in sysm.rad:
            rad = q.wdS * eps * SIGMA_SB * (_fq_values(q, T) ** 4 - Tinf**4)
            Q[name] = Q.get(name, 0.0) + float(np.sum(rad))
        for name, q, qin in sysm.flux:
            Q[name] = Q.get(name, 0.0) - qin * float(q.wdS.sum())
        return P, Q

    def breakpoints(self, t0: float, t1: float) -> list[float]:
        """Times in (t0, t1) where a load jumps or kinks [s]."""
        return self.tp.breakpoints(t0, t1)

    def discontinuities(self, t0: float, t1: float) -> list[float]:
        """Times in (t0, t1) where a load jumps [s]."""
        return self.tp.discontinuities(t0, t1)

    # ------------------------------------------------------------------ helpers
    def steady_state(self, t: float, side: str = "left") -> np.ndarray:
        """The steady DOF vector [K] with the loads of time ``t`` (Newton of the FE core).

        ``side="left"`` takes the loads just *before* ``t`` (the state a power step at ``t``
        starts from); ``"right"`` just after.
        """
        from femtbr.fem.newton import newton

        self._at(t, side)
        d, v, _ = self.dirichlet(t, side)
        saved = self.system.dir_vals
        self.system.dir_vals = v
        try:
            return newton(self.system)["T"]
        finally:
            self.system.dir_vals = saved

    def solution(self, T: np.ndarray, t: float):
        """A :class:`~femtbr.fem.Solution` of the state ``T`` at ``t`` (fields, region figures).

        Its ``boundaries`` / ``energy_balance`` are those of the *steady* residual (the heat
        stored in the step is not in them): use the transient step records for energy.
        """
        from femtbr.fem.post.post import build_solution

        self._at(t, "right")
        return build_solution(self.system, {"T": T, "history": (), "iterations": 0}, {})

    def source_powers(self) -> dict[str, float]:
        """Steady (factor 1) source power of each region [W] (per metre of depth in 2D)."""
        return dict(self._powers)

    def region_dofs(self) -> dict[str, np.ndarray]:
        """DOFs of each region [indices]."""
        return {r: np.unique(self.disc.edofs[c]) for r, c in self.disc.region_cells.items()}
