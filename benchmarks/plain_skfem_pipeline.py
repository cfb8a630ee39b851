"""A femtbr case solved the way a scikit-fem user would write it with the plugin.

The baseline of the "plain scikit-fem pipeline" ratio of ``bench_main_job.py`` (issue 11): the
same problem as ``femtbr run`` — the builder's mesh, the materials' k(T) tables, the interface
conductance models (DMM, bond line, …), convection, radiation, fixed fluxes and temperatures,
the sources, all taken from the validated case by :func:`femtbr.pipeline.load.load` and
:func:`femtbr.pipeline.prepare.prepare` — but solved with nothing of femtbr's solver:

* :func:`femtbr.skfem.split` splits the mesh along the modelled interfaces and returns the
  scikit-fem bases (``docs/skfem-plugin.md``);
* every term is ``skfem.asm`` of a form of :mod:`femtbr.fem.forms`; the terms that do not
  depend on T (constant-k conduction, the convection Jacobian, the loads) are assembled once
  before the Newton loop, as the plugin's documented example does, and the T-dependent ones
  (k(T) conduction, radiation, the interface terms with h(T̄, p) and dh/dT) at every step;
* fixed temperatures are eliminated with ``skfem.condense``;
* each Newton step is solved the way scikit-fem's documentation solves a large 3D system
  (``docs/examples/ex09.py``, "Preconditioned conjugate gradient for 3-D Poisson"):
  ``skfem.solve`` with ``solver_iter_pcg`` preconditioned by pyamg's smoothed aggregation
  (:func:`build_pc_amgsa`, that example's function: scikit-fem 12 ships no AMG builder), at a
  fixed relative tolerance.  A direct ``spsolve`` is not a sensible choice at 1M DOFs in 3D
  (SuperLU's fill-in runs the 24 GB machine out of memory; design note §4);
* plain Newton (full steps, no line search) until ‖R_free‖₂ ≤ rtol ‖R_free(T₀)‖₂ with femtbr's
  default ``rtol`` and initial guess (:mod:`femtbr.fem.newton`), so both stop at the same
  tolerance.

The Newton Jacobian of k(T) conduction (the k′u∇T·∇v term) and of h(T̄) (the ½h′(u_a + u_b)
jump term) is not symmetric; CG is used anyway, as a user following the example would, and
converges on it here because the skew part is small (``krylov=scipy.sparse.linalg.gmres``
is the alternative).  The DOF numbering is that of the split (femtbr's), so the temperatures
compare entry by entry with ``femtbr run``'s ``Solution.temperature``.

Supported: steady plane (2D/3D) problems with scalar conductivities (numbers or k(T)
callables), sources, fixed temperatures, fluxes, convection, radiation and interfaces with a
number or a callable p(x) as contact pressure; anything else is refused by name.

Usage::

    PYTHONPATH=. python benchmarks/plain_skfem_pipeline.py cases/cpu_heatsink.toml \\
        --set geometry.refine=1
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, cg
from skfem import asm, condense, solve, solver_iter_krylov

from femtbr.errors import ConvergenceError, InputError
from femtbr.fem import Convection, FixedTemperature, HeatFlux, Problem, Radiation
from femtbr.skfem import SplitMesh, forms, split

log = logging.getLogger(__name__)


def build_pc_amgsa(A: sp.spmatrix, **kwargs: Any) -> LinearOperator:
    """Smoothed-aggregation AMG preconditioner of ``A`` (pyamg), as defined in scikit-fem's
    ``docs/examples/ex09.py``: ``smoothed_aggregation_solver(A, **kwargs).aspreconditioner()``
    (Vaněk, Mandel & Brezina, Computing 56 (1996) 179)."""
    from pyamg import smoothed_aggregation_solver

    return smoothed_aggregation_solver(A, **kwargs).aspreconditioner()


@dataclass(frozen=True)
class PlainResult:
    """A converged plain-pipeline solve.

    Attributes
    ----------
    T
        Temperatures [K] at the DOFs of the split basis (femtbr's numbering).
    split
        The :class:`~femtbr.skfem.SplitMesh` the problem was solved on.
    iterations
        Newton steps taken.
    history
        Relative residuals ‖R_free‖₂ / ‖R_free(T₀)‖₂, one per evaluation (first is 1).
    linear_iterations
        Krylov iterations of each Newton step's linear solve.
    timings
        Wall time [s] of ``split``, ``setup`` (constant terms), ``assemble`` (T-dependent
        terms, all steps), ``amg`` (preconditioner setups) and ``krylov`` (solves).
    """

    T: np.ndarray
    split: SplitMesh
    iterations: int
    history: list[float]
    linear_iterations: list[int]
    timings: dict[str, float] = field(default_factory=dict)


def _conditions(problem: Problem) -> Iterable[tuple[str, Any]]:
    """(boundary name, condition) of every boundary condition of ``problem``."""
    for name, bcs in problem.boundaries.items():
        for bc in bcs if isinstance(bcs, tuple) else (bcs,):
            yield name, bc


def _check_supported(problem: Problem) -> None:
    """Refuse what this pipeline does not implement, naming the entity."""
    if problem.axisymmetric:
        raise InputError("geometry.axisymmetric: the plain pipeline solves plane problems only")
    for region, k in problem.conductivity.items():
        if not (isinstance(k, (int, float)) or callable(k)):
            raise InputError(f"materials.{region}: the plain pipeline takes a scalar k or a "
                             f"k(T) callable, got {type(k).__name__}")
    for name, spec in problem.interfaces.items():
        if not (isinstance(spec.pressure, (int, float)) or callable(spec.pressure)):
            raise InputError(f"interfaces.{name}.pressure: the plain pipeline takes a number "
                             f"or a callable p(x), got {type(spec.pressure).__name__}")
    for name, bc in _conditions(problem):
        if not isinstance(bc, (Convection, Radiation, HeatFlux, FixedTemperature)):
            raise InputError(f"boundaries.{name}: unsupported condition {type(bc).__name__}")


def _at_points(value: Any, basis: Any) -> np.ndarray | float:
    """A number as is, or a callable of points (n, dim) [m] evaluated at ``basis``'s
    quadrature points, shaped (elements, points)."""
    if not callable(value):
        return float(value)
    x = np.asarray(basis.global_coordinates())  # (dim, elements, nq)
    return np.asarray(value(x.reshape(x.shape[0], -1).T), float).reshape(x.shape[1:])


def initial_temperature(problem: Problem, fixed: Mapping[int, float]) -> float:
    """femtbr's initial guess (:func:`femtbr.fem.newton.initial_guess`): ``T_initial``, else
    the mean fixed temperature over the fixed DOFs, else the mean ambient of the convection
    and radiation conditions [K]."""
    if problem.options.T_initial is not None:
        return float(problem.options.T_initial)
    if fixed:
        return float(np.mean(list(fixed.values())))
    amb = [bc.T_inf for _, bc in _conditions(problem) if isinstance(bc, (Convection, Radiation))]
    if not amb:
        raise InputError("boundaries: no fixed temperature and no ambient: the problem has no "
                         "reference temperature")
    return float(np.mean(amb))


def solve_plain(problem: Problem, *, linear_rtol: float = 1e-8, krylov: Callable = cg,
                progress: Callable[[str], None] | None = None) -> PlainResult:
    """Solve ``problem`` with ``femtbr.skfem.split``, ``skfem.asm`` of the forms,
    ``skfem.condense`` and AMG-preconditioned ``skfem.solve`` (see the module docstring).

    Parameters
    ----------
    problem
        A steady femtbr problem (``problem.options``: ``order``, ``rtol``, ``max_iterations``
        and ``T_initial`` are used).
    linear_rtol
        Relative residual tolerance of every Newton step's Krylov solve.
    krylov
        The SciPy Krylov method handed to ``skfem.solver_iter_krylov`` (``cg`` is what
        ``solver_iter_pcg`` uses).
    progress
        Called with one line of text per Newton step.

    Raises
    ------
    InputError
        A problem feature the plain pipeline does not implement (named).
    ConvergenceError
        No convergence within ``max_iterations``, or a NaN residual.
    """
    _check_supported(problem)
    opt = problem.options
    timings = dict.fromkeys(("split", "setup", "assemble", "amg", "krylov"), 0.0)
    t0 = time.perf_counter()
    s = split(problem.mesh, list(problem.interfaces), order=opt.order)
    timings["split"] = time.perf_counter() - t0

    # ---------------------------------------------- the parts that do not depend on T
    t0 = time.perf_counter()
    n = s.basis.N
    A = sp.csr_matrix((n, n))  # constant-k conduction + convection Jacobian [W/K]
    F = np.zeros(n)  # sources and fixed fluxes in, convection's h T∞ [W]
    k_of_T = {}
    for region, k in problem.conductivity.items():
        if callable(k):
            k_of_T[region] = k
        else:
            A += asm(forms.conduction, s.regions[region], k=float(k))
    for region, src in problem.sources.items():
        rb = s.regions[region]
        if src.power is not None:
            density: Any = float(src.power) / forms.measure.assemble(rb)
        else:
            density = _at_points(src.density, rb)
        F += asm(forms.source_load, rb, density=density)
    radiation = []
    fixed: dict[int, float] = {}
    for name, bc in _conditions(problem):
        fb = s.boundaries[name]
        if isinstance(bc, Convection):  # ∫h_f(T − T∞)v = (∫h_f u v) T − ∫h_f T∞ v
            A += asm(forms.convection_jacobian, fb, film=float(bc.h))
            F += asm(forms.flux_load, fb, flux=float(bc.h) * float(bc.T_inf))
        elif isinstance(bc, HeatFlux):
            F += asm(forms.flux_load, fb, flux=float(bc.q))
        elif isinstance(bc, Radiation):
            radiation.append((fb, float(bc.emissivity), float(bc.T_inf)))
        else:
            dofs = s.basis.get_dofs(name).all()
            vals = bc.T(s.basis.doflocs[:, dofs].T) if callable(bc.T) else \
                np.full(dofs.size, float(bc.T))
            fixed.update(zip(dofs.tolist(), np.asarray(vals, float).tolist(), strict=True))
    D = np.fromiter(fixed, dtype=np.int64, count=len(fixed))
    free = np.setdiff1d(np.arange(n), D)
    pressure = {name: _at_points(spec.pressure, s.interfaces[name].side_a)
                for name, spec in problem.interfaces.items()}
    T = np.full(n, initial_temperature(problem, fixed))
    T[D] = np.fromiter(fixed.values(), dtype=float, count=len(fixed))
    timings["setup"] = time.perf_counter() - t0

    def residual_terms(T: np.ndarray, jacobian: bool) -> tuple[np.ndarray, sp.spmatrix | None]:
        """R(T) [W] and, if asked, the Jacobian [W/K], every T-dependent term by asm."""
        R = A @ T - F
        mats = [A] if jacobian else []
        for region, k_fun in k_of_T.items():
            rb = s.regions[region]
            Tq = rb.interpolate(T)
            k, dk = k_fun(np.asarray(Tq))
            R += asm(forms.conduction_residual, rb, T=Tq, k=k)
            if jacobian:
                mats.append(asm(forms.conduction_jacobian, rb, T=Tq, k=k, dk=dk))
        for fb, eps, T_inf in radiation:
            Tq = fb.interpolate(T)
            R += asm(forms.radiation_residual, fb, T=Tq, emissivity=eps, T_inf=T_inf)
            if jacobian:
                mats.append(asm(forms.radiation_jacobian, fb, T=Tq, emissivity=eps))
        for name, spec in problem.interfaces.items():
            ib = s.interfaces[name]
            Ta, Tb = ib.temperatures(T)
            h, dh = spec.model.conductance(0.5 * (np.asarray(Ta) + np.asarray(Tb)),
                                           pressure[name])
            R += asm(forms.interface_residual, ib.pair, T_a=Ta, T_b=Tb, conductance=h)
            if jacobian:
                mats.append(asm(forms.interface_jacobian, ib.pair, T_a=Ta, T_b=Tb,
                                conductance=h, dconductance=dh))
        return R, (sum(mats[1:], mats[0]) if jacobian else None)

    # ---------------------------------------------- Newton
    history: list[float] = []
    linear_its: list[int] = []
    r0 = None
    for it in range(opt.max_iterations + 1):
        t0 = time.perf_counter()
        R, _ = residual_terms(T, jacobian=False)
        timings["assemble"] += time.perf_counter() - t0
        r = float(np.linalg.norm(R[free]))
        r0 = r if r0 is None else r0
        rel = r / r0 if r0 > 0 else 0.0
        history.append(rel)
        if progress is not None:
            progress(f"Newton {it}: residual {rel:.3e}")
        if not np.isfinite(rel):
            raise ConvergenceError("plain pipeline: residual became NaN/inf", history)
        if rel <= opt.rtol:
            return PlainResult(T, s, it, history, linear_its, timings)
        if it == opt.max_iterations:
            break
        t0 = time.perf_counter()
        _, J = residual_terms(T, jacobian=True)
        timings["assemble"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        system = condense(J, -R, D=D) if D.size else (J, -R)
        M = build_pc_amgsa(system[0])
        timings["amg"] += time.perf_counter() - t0
        count = [0]

        def counted(_x: np.ndarray, count: list[int] = count) -> None:
            count[0] += 1

        t0 = time.perf_counter()
        dT = solve(*system, solver=solver_iter_krylov(krylov=krylov, M=M, rtol=linear_rtol,
                                                      callback=counted))
        timings["krylov"] += time.perf_counter() - t0
        linear_its.append(count[0])
        T = T + dT
    raise ConvergenceError(f"plain pipeline: Newton did not converge in {opt.max_iterations} "
                           f"iterations (rtol {opt.rtol:g})", history)


def load_problem(case_path: str, overrides: Iterable[str] = ()) -> tuple[Any, Problem]:
    """The validated case and its :class:`~femtbr.fem.Problem` (mesh, materials, models,
    conditions) as ``femtbr run`` builds them."""
    from femtbr.pipeline.load import load
    from femtbr.pipeline.prepare import prepare

    loaded = load(case_path, list(overrides))
    if loaded.case.transient is not None:
        raise InputError("transient: the plain pipeline solves steady cases only")
    prepared = prepare(loaded.case, loaded.geometry, materials=loaded.materials,
                       models=loaded.models)
    return loaded.case, prepared.problem


def junction_to_ambient(case: Any, problem: Problem, result: PlainResult) -> float:
    """R_ja = (T_max,junction − T_amb) / P [K/W] as femtbr's breakdown defines it
    (:mod:`femtbr.pipeline.breakdown`): the hottest DOF of the junction region (``[report]
    junction``, else the region with the largest source), the one ambient of the convection
    conditions, P the total source power [W]."""
    powers = {r: float(src.power) for r, src in problem.sources.items() if src.power is not None}
    if len(powers) != len(problem.sources) or not powers:
        raise InputError("sources: R_ja here needs every source given as a power")
    junction = case.report.junction or max(powers, key=powers.get)
    amb = {bc.T_inf for _, bc in _conditions(problem) if isinstance(bc, Convection)}
    if len(amb) != 1:
        raise InputError(f"boundaries: R_ja needs one ambient temperature, got {sorted(amb)}")
    T_j = float(result.T[result.split.region_dofs(junction)].max())
    return (T_j - amb.pop()) / sum(powers.values())


def main(argv: list[str] | None = None) -> int:
    """Solve a case with the plain pipeline and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case")
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    ap.add_argument("--linear-rtol", type=float, default=1e-8)
    ap.add_argument("--gmres", action="store_true", help="GMRES instead of CG")
    args = ap.parse_args(argv)
    from scipy.sparse.linalg import gmres

    case, problem = load_problem(args.case, args.overrides)
    res = solve_plain(problem, linear_rtol=args.linear_rtol, krylov=gmres if args.gmres else cg,
                      progress=lambda line: print(line, flush=True))
    print(f"{res.T.size} DOFs, Newton {res.iterations}, linear its {res.linear_iterations}, "
          f"R_ja {junction_to_ambient(case, problem, res):.6f} K/W, timings "
          + ", ".join(f"{k} {v:.2f} s" for k, v in res.timings.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
