"""Implicit time integration of ρc_p(T) ∂T/∂t = ∇·(k∇T) + q with interface conductances.

The integrator works on any :class:`SemiDiscreteSystem` — the finite-element one is
:class:`femtbr.fem.transient.transient_system.FESemiDiscrete`, built from a
:class:`~femtbr.fem.values.transient_problem.TransientProblem` — written in conservative form
dE(T)/dt + R(T, t) = 0 (see :mod:`femtbr.fem.transient.timeschemes` for the schemes and their
sources).

Each step is solved by Newton's method with the exact Jacobian (a₀/Δt) M(T) + θ J(T), where
M = dE/dT is the ρc_p-weighted mass matrix and J = ∂R/∂T the steady Jacobian, with a
backtracking line search, from a linear-extrapolation predictor.  For a linear system the step
matrix only depends on (a₀/Δt, θ), so its factorisation is computed once and reused for all
steps of equal size; ``newton="modified"`` keeps factorisations of nonlinear systems too
(chord iterations, refreshed when they contract slowly).  Iterative (AMG) solves are inexact:
just as accurate as the Newton tolerance needs (Eisenstat & Walker, SIAM J. Sci. Comput. 17
(1996) 16).  Steps land exactly on load *discontinuities* (step and pulse edges) and BDF2
restarts with a backward-Euler step after each: its history would otherwise carry the old
dE/dt across the jump.  Kinks (points of a piecewise-linear table) are neither landed on nor
restarted at — the loads stay continuous there and a second-order scheme stays second order
(one step's local error is O(Δt²) times the slope jump) — so a tabulated waveform does not
degrade BDF2 to backward Euler.  The user's Δt is never changed silently: a step shortened to
land on a discontinuity or a save time, or by the BDF2 step-ratio bound, is logged at INFO.

Adaptive stepping (``adaptive=True``) uses step doubling (Hairer, Nørsett & Wanner, *Solving
ODEs I*, §II.4): one step of Δt and two of Δt/2 from the same state; the local error of the
half-step solution is estimated as ‖T_{Δt/2} − T_{Δt}‖_∞ / (2^p − 1) (Richardson, p = order of
the scheme), the half-step result is kept when the estimate is ≤ ``atol`` [K], and the next step
is Δt·min(2, max(0.2, 0.9 (atol/err)^{1/(p+1)})).

Energy bookkeeping: every step records the stored heat, the heat input by the sources and the
heat leaving through each boundary (Dirichlet boundaries by their consistent reaction), and the
relative imbalance of the scheme's discrete energy statement (see ``timeschemes``).  It is
limited by round-off when the conduction terms dwarf the heat flows (very high Biot-inverse
k/(hL)): the floor is about ε·‖K‖·T / (heat per step).  The run's figure
(:attr:`TransientResult.max_imbalance`) judges steps in which almost nothing flows (waiting for
a load switched on later) against the heat the run moves, not against their own round-off.
Newton stops at the same kind of floor: a stalled step residual within 32 ε of the terms it
balances is as converged as double precision allows.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from femtbr.errors import ConvergenceError, InputError
from femtbr.fem.linalg.linear_cache import LinearSolveCache
from femtbr.fem.transient.timeschemes import BDF2_MAX_RATIO, ORDER, coefficients, scheme_name

log = logging.getLogger(__name__)

#: Fraction of the run's largest step heat below which a step's energy terms count as idle.
IDLE_FRACTION = 1e-3


class SemiDiscreteSystem(Protocol):
    """What the integrator needs of a spatial discretisation (all vectors over all DOFs).

    ``residual`` is the steady residual R = (conduction + boundary outflow + interface terms)
    − sources, so that Σ_i R_i = (heat leaving through non-Dirichlet boundaries) − (source
    power).  ``side`` is ``"left"`` or ``"right"``: which limit of time-dependent data at ``t``.
    """

    n_dofs: int
    linear: bool

    def stored(self, T: np.ndarray) -> tuple[np.ndarray, sp.spmatrix]:
        """Stored-heat vector E(T) [J] and its Jacobian M(T) = dE/dT [J/K]."""
        ...

    def residual(self, T: np.ndarray, t: float, side: str) -> np.ndarray: ...

    def jacobian(self, T: np.ndarray, t: float, side: str) -> sp.spmatrix: ...

    def dirichlet(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Constrained DOFs, their values [K] at ``t`` and an owner label (boundary) per DOF.

        A system whose Dirichlet values can jump takes ``side`` too (``dirichlet(t, "left")``
        is asked for the end of each step, so a jump at a landed-on time acts after it).
        """
        ...

    def heat_terms(self, T: np.ndarray, t: float, side: str) -> tuple[float, dict[str, float]]:
        """Source power [W] and heat leaving through each non-Dirichlet boundary [W]."""
        ...

    def discontinuities(self, t0: float, t1: float) -> list[float]:
        """Times in (t0, t1) where the loads jump [s] (a system without this method is asked
        for ``breakpoints`` instead, and every one of them is treated as a jump)."""
        ...


@dataclass(frozen=True)
class TimeStepping:
    """Time-stepping options.

    Attributes
    ----------
    t_end
        Final time [s].
    dt
        Step [s] (the first step when adaptive).
    scheme
        ``"backward_euler"``, ``"crank_nicolson"`` or ``"bdf2"``.
    t_start
        Initial time [s].
    adaptive
        Step-doubling error control (see module docstring).
    atol
        Local error tolerance [K] per step (adaptive).
    dt_min, dt_max
        Step bounds [s] (adaptive); ``dt_min`` defaults to 1e-9·(t_end − t_start).
    save_every
        Keep the state of every ``save_every``-th step (the last step is always kept).
    save_times
        Extra times [s] to land on and keep.
    startup_steps
        Crank–Nicolson only: replace the first steps by two backward-Euler half steps each
        (Rannacher 1984, Numer. Math. 43, 309) to damp the oscillation non-smooth data excite.
    rtol
        Newton tolerance relative to the size of the balancing terms.
    max_iterations
        Newton iterations per step.
    newton
        ``"exact"``: Newton with the exact Jacobian assembled and factored every iteration;
        ``"modified"``: keep the last factorisation (chord iterations, exact residual, so the
        same converged answer) and refresh it with the exact Jacobian whenever the residual
        contracts by less than 4× per iteration or a line search is needed (direct solver).
    linear_solver
        ``"auto"``, ``"direct"`` or ``"amg"``.
    """

    t_end: float
    dt: float
    scheme: str = "bdf2"
    t_start: float = 0.0
    adaptive: bool = False
    atol: float = 0.05
    dt_min: float | None = None
    dt_max: float | None = None
    save_every: int = 1
    save_times: tuple[float, ...] = ()
    startup_steps: int = 0
    rtol: float = 1e-10
    max_iterations: int = 30
    newton: str = "exact"
    linear_solver: str = "auto"

    def __post_init__(self) -> None:
        object.__setattr__(self, "scheme", scheme_name(self.scheme))
        span = self.t_end - self.t_start
        if not (math.isfinite(span) and span > 0):
            raise InputError(f"t_end: must be > t_start = {self.t_start}, got {self.t_end!r}")
        if not (math.isfinite(self.dt) and self.dt > 0):
            raise InputError(f"dt: must be > 0 s, got {self.dt!r}")
        if self.atol <= 0:
            raise InputError(f"atol: must be > 0 K, got {self.atol!r}")
        if self.save_every < 1:
            raise InputError(f"save_every: must be >= 1, got {self.save_every!r}")
        if self.newton not in ("exact", "modified"):
            raise InputError(f"newton: expected 'exact' or 'modified', got {self.newton!r}")
        if self.startup_steps < 0:
            raise InputError(f"startup_steps: must be >= 0, got {self.startup_steps!r}")


@dataclass(frozen=True)
class StepRecord:
    """One accepted step: end time ``t`` and size ``dt`` [s], Newton ``iterations``, energy.

    ``stored`` [J] is the scheme's stored-heat term (a₀ΔE_n − a₂ΔE_{n−1}; ΔE_n for one-step
    schemes), ``heat_in`` [J] the source heat and ``heat_out`` [J] the heat leaving through each
    boundary during the step (θ-weighted); ``imbalance`` = |stored − heat_in + Σheat_out| /
    max(|stored|, |heat_in|, Σ|heat_out|).  ``energy`` [J] is ΣE at ``t`` minus ΣE at t_start.
    """

    t: float
    dt: float
    iterations: int
    stored: float
    heat_in: float
    heat_out: Mapping[str, float]
    imbalance: float
    energy: float


@dataclass
class TransientResult:
    """Everything a run produced.

    Attributes
    ----------
    times
        Time of every accepted state, starting with t_start [s].
    monitors
        Per monitor name, its value at every time of ``times``.
    saved_times, saved
        Times [s] and DOF vectors [K] of the kept states.
    steps
        One :class:`StepRecord` per accepted step.
    rejected
        Rejected adaptive steps.
    n_factorizations
        Matrix factorisations (or AMG hierarchies) computed.
    """

    times: list[float] = field(default_factory=list)
    monitors: dict[str, list[float]] = field(default_factory=dict)
    saved_times: list[float] = field(default_factory=list)
    saved: list[np.ndarray] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    rejected: int = 0
    n_factorizations: int = 0

    @property
    def max_imbalance(self) -> float:
        """Largest relative energy imbalance of a step, measured against the step's own heat
        terms or :data:`IDLE_FRACTION` of the run's largest, whichever is larger.

        A step in which (almost) nothing flows — the run waiting for a load switched on later —
        has round-off-sized terms whose own ratio is noise; its unaccounted heat is judged
        against the heat the run actually moves.
        """
        size = [max(abs(s.stored), abs(s.heat_in), sum(abs(v) for v in s.heat_out.values()))
                for s in self.steps]
        floor = IDLE_FRACTION * max(size, default=0.0)
        return max(
            (abs(s.stored - s.heat_in + sum(s.heat_out.values())) / max(z, floor, 1e-300)
             for s, z in zip(self.steps, size, strict=True)),
            default=0.0,
        )

    @property
    def final(self) -> np.ndarray:
        """The last kept state."""
        return self.saved[-1]


@dataclass
class _State:
    t: float
    T: np.ndarray
    E: np.ndarray
    E_prev: np.ndarray | None = None  # E^{n-1} (BDF2)
    dt_prev: float | None = None
    dE_prev: float = 0.0  # ΣE^n − ΣE^{n−1}
    T_prev: np.ndarray | None = None  # T^{n-1} (predictor)


Monitor = Callable[[float, np.ndarray], Mapping[str, float]]


class TransientSolver:
    """Integrate a :class:`SemiDiscreteSystem` in time.

    Parameters
    ----------
    system
        The spatial discretisation.
    options
        :class:`TimeStepping`.
    monitors
        Functions ``(t, T) -> {name: value}`` evaluated at every accepted state.
    on_save
        Called as ``on_save(t, T)`` for every kept state (e.g. to stream VTU files).
    """

    def __init__(
        self,
        system: SemiDiscreteSystem,
        options: TimeStepping,
        monitors: Sequence[Monitor] = (),
        on_save: Callable[[float, np.ndarray], None] | None = None,
    ):
        self.system = system
        self.opt = options
        self.monitors = list(monitors)
        self.on_save = on_save
        self.linear = LinearSolveCache(options.linear_solver)
        self._E0 = 0.0
        self._stale = False
        self._dir_sided: bool | None = None

    # ------------------------------------------------------------------ one step
    def _step(
        self, s: _State, dt: float, force_be: bool = False, t_new: float | None = None
    ) -> tuple[_State, StepRecord]:
        sysm, opt = self.system, self.opt
        scheme = "backward_euler" if force_be else opt.scheme
        t1 = s.t + dt if t_new is None else t_new  # land exactly on stops (pulse edges)
        dt = t1 - s.t
        c = coefficients(scheme, dt, s.dt_prev if scheme == "bdf2" else None)
        hist = c.a1 * s.E + (c.a2 * s.E_prev if c.a2 != 0.0 and s.E_prev is not None else 0.0)
        R_n = sysm.residual(s.T, s.t, "right") if c.theta < 1.0 else None
        dofs, values, owners = self._dirichlet(t1)
        free = np.ones(sysm.n_dofs, dtype=bool)
        free[dofs] = False
        T = s.T.copy()
        if s.T_prev is not None and s.dt_prev is not None:
            # linear extrapolation predictor: a better first Newton iterate than T^n
            T += (dt / s.dt_prev) * (s.T - s.T_prev)
        T[dofs] = values

        evaluate = getattr(sysm, "evaluate", None)

        def G_of(Tv: np.ndarray, want_J: bool):
            E, M = sysm.stored(Tv)
            J = None
            if want_J and evaluate is not None:
                R, J = evaluate(Tv, t1, "left", True)
            else:
                R = sysm.residual(Tv, t1, "left")
            storage = (c.a0 * E + hist) / dt
            G = storage + c.theta * R
            scale = np.linalg.norm(storage[free]) + c.theta * np.linalg.norm(R[free])
            if R_n is not None:
                G = G + (1.0 - c.theta) * R_n
                scale += (1.0 - c.theta) * np.linalg.norm(R_n[free])
            return G, E, M, scale, J

        # a linear system's step matrix depends on (a0/dt, θ) only; 10 significant digits make
        # round-off-different but equal steps share a factorisation (Newton absorbs the rest)
        a_key = (float(f"{c.a0 / dt:.10g}"), c.theta)
        chord = (
            opt.newton == "modified"
            and not sysm.linear
            and self.linear.direct(int(free.sum()), int(getattr(sysm, "dim", 3)))
        )  # with AMG the Krylov solver needs the matrix anyway: exact Newton
        key = a_key if sysm.linear else (("chord", *a_key) if chord else None)
        fresh = not chord or self._stale or not self.linear.has(key)
        G, E, M, scale, J = G_of(T, want_J=not sysm.linear and fresh)
        history: list[float] = []
        it = 0
        step_size = np.inf
        while True:
            norm = float(np.linalg.norm(G[free]))
            rel = norm / scale if scale > 0 else norm
            if chord and history and rel > 0.25 * history[-1]:
                fresh = True  # slow contraction: refresh the Jacobian (exact Newton step)
            history.append(rel)
            if rel <= opt.rtol or norm == 0.0 or step_size <= 1e-12 * (1.0 + np.max(np.abs(T))):
                break  # converged, or the last update is at the round-off level of T
            stalled = len(history) > 2 and rel > 0.5 * history[-2]
            if (stalled or it >= opt.max_iterations) and norm <= self._floor(
                T, t1, E, hist, R_n, J, c, dt, free
            ):
                break  # the residual is at the round-off level of the terms it balances
            if it >= opt.max_iterations:
                raise ConvergenceError(
                    f"Newton did not converge in step to t = {t1:.6g} s (dt = {dt:.3g} s)", history
                )
            if sysm.linear:
                eta = 0.0
            else:
                eta = 1e-2 if len(history) < 2 else 0.9 * (history[-1] / history[-2]) ** 2
            solve_kw = {
                "symmetric": bool(getattr(sysm, "symmetric", True)),
                "dim": int(getattr(sysm, "dim", 3)),
                # inexact Newton (iterative solver only): Eisenstat & Walker (1996) choice 2,
                # η = 0.9 (r_k/r_{k-1})², 1e-2 at the first iteration of a nonlinear step, never
                # tighter than the Newton tolerance needs, within [1e-12, 1e-2]
                "rtol": min(1e-2, max(1e-12, 0.5 * opt.rtol * scale / max(norm, 1e-300), eta)),
            }
            if fresh or not chord:
                if J is None:
                    J = sysm.jacobian(T, t1, "left")
                A = sp.csr_matrix((c.a0 / dt) * M + c.theta * J)[free][:, free]
                if chord:
                    self.linear.forget(key)
                delta = self.linear.solve(A, -G[free], key, **solve_kw)
                fresh = False
            else:
                delta = self.linear.solve(None, -G[free], key, **solve_kw)
            lam = 1.0
            for _ in range(8):
                Tn = T.copy()
                Tn[free] += lam * delta
                Gn, En, Mn, scn, Jn = G_of(Tn, want_J=lam == 1.0 and not sysm.linear and not chord)
                if sysm.linear or np.linalg.norm(Gn[free]) <= (1 - 1e-4 * lam) * norm:
                    break
                lam *= 0.5
                if chord:
                    fresh = True
            T, G, E, M, scale, J = Tn, Gn, En, Mn, scn, Jn
            step_size = float(np.max(np.abs(lam * delta))) if delta.size else 0.0
            it += 1
        self._stale = chord and it > 3
        # energy bookkeeping
        P1, Q1 = sysm.heat_terms(T, t1, "left")
        P = c.theta * P1
        Q = {k: c.theta * v for k, v in Q1.items()}
        if c.theta < 1.0:
            P0, Q0 = sysm.heat_terms(s.T, s.t, "right")
            P += (1 - c.theta) * P0
            for k, v in Q0.items():
                Q[k] = Q.get(k, 0.0) + (1 - c.theta) * v
        for name in np.unique(owners):
            Q[str(name)] = Q.get(str(name), 0.0) - float(G[dofs[owners == name]].sum())
        dE = float(E.sum() - s.E.sum())
        stored = c.a0 * dE - (c.a2 * s.dE_prev if c.a2 != 0.0 else 0.0)
        heat_in = dt * P
        heat_out = {k: dt * v for k, v in Q.items()}
        out = sum(heat_out.values())
        ref = max(abs(stored), abs(heat_in), sum(abs(v) for v in heat_out.values()), 1e-300)
        rec = StepRecord(
            t=t1,
            dt=dt,
            iterations=it,
            stored=stored,
            heat_in=heat_in,
            heat_out=heat_out,
            imbalance=abs(stored - heat_in + out) / ref,
            energy=float(E.sum()) - self._E0,
        )
        new = _State(t1, T, E, E_prev=s.E, dt_prev=dt, dE_prev=dE, T_prev=s.T)
        return new, rec

    def _floor(self, T, t1, E, hist, R_n, J, c, dt, free) -> float:
        """Round-off level of the step residual G [W]: 32 ε ‖(|a₀E| + |hist|)/Δt + θ|J||T| +
        (1−θ)|Rⁿ|‖ over the free DOFs (the size of the terms G is a difference of; as the FE
        core's Newton floor).  With conduction far stronger than the heat flows (k/(hL) ≫ 1)
        the relative tolerance can lie below it; the step is then as converged as double
        precision allows."""
        if J is None:
            J = self.system.jacobian(T, t1, "left")
        terms = (np.abs(c.a0 * E) + np.abs(hist)) / dt + c.theta * (abs(J) @ np.abs(T))
        if R_n is not None:
            terms = terms + (1.0 - c.theta) * np.abs(R_n)
        return 32 * float(np.finfo(float).eps) * float(np.linalg.norm(terms[free]))

    def _dirichlet(self, t: float):
        """The system's Dirichlet data for the step ending at ``t`` (left limit if it knows)."""
        if self._dir_sided is None:
            params = inspect.signature(self.system.dirichlet).parameters
            self._dir_sided = "side" in params
        if self._dir_sided:
            return self.system.dirichlet(t, "left")
        return self.system.dirichlet(t)

    # ------------------------------------------------------------------ driver
    def _jumps(self) -> list[float]:
        opt = self.opt
        find = getattr(self.system, "discontinuities", None) or self.system.breakpoints
        return sorted(float(t) for t in find(opt.t_start, opt.t_end))

    def _stops(self) -> list[float]:
        opt = self.opt
        pts = set(self._jumps())
        pts.update(t for t in opt.save_times if opt.t_start < t < opt.t_end)
        pts.add(opt.t_end)
        return sorted(pts)

    def run(self, T0: np.ndarray) -> TransientResult:
        """Integrate from ``T0`` (DOF vector [K]) at t_start to t_end.

        Raises
        ------
        ConvergenceError
            If Newton fails, or the adaptive step falls below ``dt_min``.
        """
        opt = self.opt
        span = opt.t_end - opt.t_start
        dt_min = opt.dt_min if opt.dt_min is not None else 1e-9 * span
        dt_max = opt.dt_max if opt.dt_max is not None else span
        T0 = np.asarray(T0, dtype=float).copy()
        if T0.shape != (self.system.n_dofs,):
            raise InputError(f"T0: expected {self.system.n_dofs} values, got shape {T0.shape}")
        E0, _ = self.system.stored(T0)
        self._E0 = float(E0.sum())
        state = _State(opt.t_start, T0, E0)
        res = TransientResult()
        self._record(res, state, save=True)
        stops = self._stops()
        forcing = self._jumps()
        save_stops = {float(t) for t in opt.save_times}
        dt = min(opt.dt, dt_max)
        p = ORDER[opt.scheme]
        n_startup = opt.startup_steps if opt.scheme == "crank_nicolson" else 0
        n = 0
        eps = 1e-12 * span
        while state.t < opt.t_end - eps:
            stop = next(t for t in stops if t > state.t + eps)
            h = min(dt, stop - state.t)
            why = f"to land on t = {stop:.6g} s"
            if opt.scheme == "bdf2" and state.dt_prev is not None:
                h_max = 0.999 * BDF2_MAX_RATIO * state.dt_prev
                if h_max < h:
                    h, why = h_max, f"by the BDF2 step-ratio bound {BDF2_MAX_RATIO}"
            if stop - (state.t + h) < 1e-6 * h:
                h = stop - state.t
            at_end = stop >= opt.t_end - eps and state.t + h >= stop - eps
            if not opt.adaptive and h < opt.dt * (1 - 1e-6) and not at_end:
                log.info("step from t = %.6g s shortened from dt = %.6g s to %.6g s %s",
                         state.t, opt.dt, h, why)
            t_new = stop if state.t + h >= stop - 1e-6 * h else None
            new_states: list[tuple[_State, StepRecord]]
            if n_startup > 0:
                n_startup -= 1
                a = self._step(state, 0.5 * h, force_be=True)
                b = self._step(a[0], 0.5 * h, force_be=True, t_new=t_new)
                new_states = [a, b]
            elif opt.adaptive:
                full = self._step(state, h, t_new=t_new)
                a = self._step(state, 0.5 * h)
                b = self._step(a[0], 0.5 * h, t_new=t_new)
                err = float(np.max(np.abs(b[0].T - full[0].T))) / (2**p - 1)
                fac = 0.9 * (opt.atol / err) ** (1.0 / (p + 1)) if err > 0 else 2.0
                if err > opt.atol:
                    res.rejected += 1
                    dt = h * max(0.2, min(0.9, fac))
                    if dt < dt_min:
                        raise ConvergenceError(
                            f"adaptive step fell below dt_min = {dt_min:.3g} s "
                            f"at t = {state.t:.6g} s"
                        )
                    continue
                new_states = [a, b]
                clipped = h < dt
                dt = min(dt_max, max(h * min(2.0, max(0.2, fac)), dt if clipped else 0.0))
            else:
                new_states = [self._step(state, h, t_new=t_new)]
            for st, rec in new_states:
                n += 1
                res.steps.append(rec)
                state = st
                if any(abs(state.t - t) <= eps for t in forcing):
                    # the loads jump here: restart BDF2 (its history would carry the old
                    # dE/dt across the jump and store heat the sources no longer supply)
                    state.E_prev, state.dt_prev, state.dE_prev = None, None, 0.0
                    state.T_prev = None
                is_stop = any(abs(state.t - t) <= eps for t in save_stops)
                last = state.t >= opt.t_end - eps
                self._record(res, state, save=is_stop or last or n % opt.save_every == 0)
            if not opt.adaptive:
                dt = min(opt.dt, dt_max)
        res.n_factorizations = self.linear.n_factorizations
        log.info(
            "transient: %d steps, %d rejected, %d factorisations, max energy imbalance %.2e",
            len(res.steps),
            res.rejected,
            res.n_factorizations,
            res.max_imbalance,
        )
        return res

    def _record(self, res: TransientResult, s: _State, save: bool) -> None:
        res.times.append(s.t)
        for mon in self.monitors:
            for k, v in mon(s.t, s.T).items():
                res.monitors.setdefault(k, []).append(float(v))
        if save:
            res.saved_times.append(s.t)
            res.saved.append(s.T.copy())
            if self.on_save is not None:
                self.on_save(s.t, s.T)
