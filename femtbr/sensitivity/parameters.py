"""The scalar inputs θ of a steady case, how each enters the problem, and ∂R/∂θ.

Every parameter is named by its case key (``--set`` syntax, e.g. ``boundaries.fins.h``,
``interfaces.die_tim1.parts[1].h``); ``materials.<region>.k_scale`` is a factor s = 1 on a
temperature-dependent conductivity table or tensor, k = s·k(T) (no case key: a sensitivity
only); ``interfaces.<name>.pressure_scale`` likewise a factor s = 1 on a pressure table or
profile, p = s·p(x).

∂R/∂θ of the discrete residual of :mod:`femtbr.fem.assembly.assemble` (SI; R in W per DOF),
term by term, evaluating only the term θ enters:

* source power P [W] of region r: R ∋ −(P/V) ∫_r v  ⇒  ∂R/∂P = −∫_r v / V;
  density q_v [W/m³]: ∂R/∂q_v = −∫_r v;
* boundary heat flux q [W/m²]: ∂R/∂q = −∫_b v;
* convection h [W/m²K]: ∂R/∂h = ∫_b (T − T∞) v;  T∞ [K]: ∂R/∂T∞ = −∫_b (h + 4εσT∞³) v
  (the convection and the radiation part of the boundary share its T_inf);
* emissivity ε [-]: ∂R/∂ε = ∫_b σ (T⁴ − T∞⁴) v;
* constant conductivity k [W/mK] of region r: ∂R/∂k = ∫_r ∇T·∇v (the bulk matrix's rule);
  scale factor s of k(T): ∂R/∂s = ∫_r k(T) ∇T·∇v at s = 1;
* interface model parameter (or pressure p [Pa]): ∂R/∂θ = ∫_Γ ∂h/∂θ (T_a − T_b)(v_a − v_b)
  with ∂h/∂θ(T̄, p) from the model by a central difference at model level (vectorised over all
  facet quadrature points): [h(θ + δ) − h(θ − δ)] / 2δ, δ = 10⁻⁴|θ| (truncation O(δ²) ≈ 10⁻⁸
  relative, round-off ε/δ ≈ 10⁻¹²; Nocedal & Wright, *Numerical Optimization*, 2nd ed. (2006),
  eq. 8.7); one-sided second order, [−3h(θ) + 4h(θ+δ) − h(θ+2δ)] / 2δ, when θ − δ is outside
  the model's range;
* fixed temperature T_D [K]: enters through the Dirichlet values (see :mod:`.adjoint`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from femtbr.errors import FemtbrError
from femtbr.fem.values.conductivity_tensor import ConductivityTensor
from femtbr.sensitivity.perturb import interface_model_at

SIGMA_SB = 5.670374419e-8  # W/(m² K⁴), CODATA 2018
#: Relative step of the model-level central difference of h (module docstring).
REL_STEP = 1e-4

#: Parameter kinds that act through the interface conductance h (∂h/∂θ at model level).
MODEL_KINDS = ("interface", "pressure", "pressure_scale")

BOUNDARY_FIELDS = {"h": "W/(m^2 K)", "T_inf": "K", "emissivity": "1", "q": "W/m^2", "T": "K"}


@dataclass(frozen=True)
class Parameter:
    """One scalar input: its case ``key``, ``value`` (SI) and ``unit``; ``kind`` is one of
    ``source``, ``boundary``, ``conductivity``, ``k_scale``, ``pressure``, ``pressure_scale``
    (a factor on a pressure table or profile), ``interface``;
    ``target`` the region / boundary / interface; ``name`` the field; ``part`` the index into an
    interface's ``parts`` (composed models)."""

    key: str
    value: float
    unit: str
    kind: str
    target: str
    name: str
    part: int | None = None


def _model_units(model: str) -> dict[str, str]:
    from femtbr.models import describe

    try:
        return {k: v.get("unit", "-") for k, v in describe(model)["parameters"].items()}
    except (FemtbrError, KeyError):
        return {}


def _scalar(v: Any) -> bool:
    return isinstance(v, float) and np.isfinite(v)


def _interface_parameters(name: str, spec: Any) -> list[Parameter]:
    if isinstance(spec.pressure, int | float):
        out = [Parameter(f"interfaces.{name}.pressure", float(spec.pressure), "Pa", "pressure",
                         name, "pressure")]
    else:  # a table or profile: a factor s = 1 on the whole field, p = s·p(x)
        out = [Parameter(f"interfaces.{name}.pressure_scale", 1.0, "1", "pressure_scale",
                         name, "pressure_scale")]
    units = _model_units(spec.model)
    for key, v in (spec.model_extra or {}).items():
        if _scalar(v):
            out.append(Parameter(f"interfaces.{name}.{key}", v, units.get(key, "SI"),
                                 "interface", name, key))
    for i, part in enumerate(spec.parts or ()):
        table = part.model_dump(exclude_none=True)
        units = _model_units(table.get("model", ""))
        for key, v in table.items():
            if _scalar(v):
                out.append(Parameter(f"interfaces.{name}.parts[{i}].{key}", v,
                                     units.get(key, "SI"), "interface", name, key, i))
    return out


def enumerate_parameters(case: Any, problem: Any) -> list[Parameter]:
    """Every scalar input of a validated steady ``case`` whose :class:`~femtbr.fem.Problem` is
    ``problem`` (sources, boundaries, conductivities, interface models and pressures)."""
    out: list[Parameter] = []
    for r, src in problem.sources.items():
        if src.power is not None:
            out.append(Parameter(f"sources.{r}.power", float(src.power), "W", "source", r,
                                 "power"))
        elif not callable(src.density):
            out.append(Parameter(f"sources.{r}.density", float(src.density), "W/m^3", "source",
                                 r, "density"))
    for b, bcs in problem.boundaries.items():
        seen = set()
        for bc in bcs if isinstance(bcs, tuple) else (bcs,):
            for f in ("h", "T_inf", "emissivity", "q", "T"):
                v = getattr(bc, f, None)
                if f not in seen and v is not None and not callable(v):
                    seen.add(f)
                    out.append(Parameter(f"boundaries.{b}.{f}", float(v), BOUNDARY_FIELDS[f],
                                         "boundary", b, f))
    for r, k in problem.conductivity.items():
        if callable(k):
            out.append(Parameter(f"materials.{r}.k_scale", 1.0, "1", "k_scale", r, "k_scale"))
        else:
            out.append(Parameter(f"materials.{r}.k", float(k), "W/(m K)", "conductivity", r,
                                 "k"))
    for name, spec in case.interfaces.items():
        if name in problem.interfaces:
            out.extend(_interface_parameters(name, spec))
    return out


# ------------------------------------------------------------------ ∂R/∂θ
def _scatter(n: int, dofs: np.ndarray, vals: np.ndarray) -> np.ndarray:
    return np.bincount(dofs.ravel(), vals.ravel(), minlength=n)


def _face_load(q: Any, coef: np.ndarray) -> np.ndarray:
    return np.einsum("mq,mqi->mi", coef, q.phi)


def _fq(q: Any, T: np.ndarray) -> np.ndarray:
    return np.einsum("mqi,mi->mq", q.phi, T[q.dofs])


def region_flux_residual(disc: Any, region: str, T: np.ndarray,
                         k: Callable | None = None) -> np.ndarray:
    """∫_region k ∇T·∇v for every test function v [W]: k = 1 (with the bulk matrix's rule)
    when ``k`` is None, else k(T) (with the k(T) rule)."""
    from femtbr.fem.fast.kernels import chunks, geometry

    rule = disc.rule_k if k is None else disc.rule_kT
    cells = disc.region_cells[region]
    R = np.zeros(disc.n_dofs)
    for s in chunks(cells.size):
        c = cells[s]
        det, G = geometry(disc.points, disc.cells[c], rule)
        Te = T[disc.edofs[c]]
        gT = np.einsum("cqia,ci->cqa", G, Te)
        w = det * rule.W
        if k is not None:
            kv, _ = k(Te @ rule.phi.T)
            w = w * np.broadcast_to(np.asarray(kv, float), w.shape)
        R += _scatter(R.size, disc.edofs[c], np.einsum("cq,cqia,cqa->ci", w, G, gT))
    return R


def _interface_of(system: Any, name: str) -> Any:
    return next(i for i in system.interfaces if i.name == name)


def conductance_derivative(case: Any, system: Any, param: Parameter, T: np.ndarray,
                           others: Mapping[Parameter, float] | None = None) -> np.ndarray:
    """∂h/∂θ [W/(m² K) per unit of θ] at the interface's facet quadrature points (m, nq), by the
    model-level difference of the module docstring.  ``others``: the values of other model
    parameters the system was built with, where they differ from the case (a fit)."""
    itf = _interface_of(system, param.target)
    Tbar = 0.5 * (_fq(itf.qa, T) + _fq(itf.qb, T))
    theta = param.value
    step = REL_STEP * abs(theta) if theta != 0 else REL_STEP

    def h_at(value: float) -> np.ndarray:
        if param.kind == "pressure":
            model, p = itf.model, value
        elif param.kind == "pressure_scale":
            model, p = itf.model, value * itf.pressure
        else:
            model = interface_model_at(case.interfaces[param.target], param, value, others)
            p = itf.pressure
        h, _ = model.conductance(Tbar, np.full_like(Tbar, p))
        return np.broadcast_to(np.asarray(h, float), Tbar.shape)

    try:
        lo = h_at(theta - step)
    except (FemtbrError, ValueError, ArithmeticError):
        lo = None
    if lo is not None and np.all(np.isfinite(lo)):
        return (h_at(theta + step) - lo) / (2 * step)
    return (-3 * h_at(theta) + 4 * h_at(theta + step) - h_at(theta + 2 * step)) / (2 * step)


def residual_derivative(case: Any, system: Any, param: Parameter, T: np.ndarray,
                        dh: np.ndarray | None = None) -> np.ndarray:
    """∂R/∂θ (n_dofs,) [W per unit of θ] at the DOF vector ``T`` (module docstring).  Zero
    for a fixed temperature (it enters through the Dirichlet values)."""
    disc, problem = system.disc, system.problem
    n = disc.n_dofs
    if param.kind == "source":
        w = disc.region_weights(param.target)
        return -w / disc.region_volume(param.target) if param.name == "power" else -w
    if param.kind in ("conductivity", "k_scale"):
        k = problem.conductivity[param.target] if param.kind == "k_scale" else None
        if isinstance(k, ConductivityTensor):  # ∂R/∂s = ∫_r (K(T)∇T)·∇v at s = 1
            from femtbr.fem.fast.conduction import conduction_terms

            return conduction_terms(disc, {param.target: k}, T, False)[0]
        return region_flux_residual(disc, param.target, T, k)
    if param.kind == "boundary":
        if param.name == "T":
            return np.zeros(n)
        q = disc.boundary_quad(param.target)
        bcs = problem.boundaries[param.target]
        bcs = bcs if isinstance(bcs, tuple) else (bcs,)
        Tq = _fq(q, T)
        coef = np.zeros_like(Tq)
        for bc in bcs:
            eps, h = getattr(bc, "emissivity", None), getattr(bc, "h", None)
            if param.name == "q" and hasattr(bc, "q"):
                coef -= q.wdS
            elif param.name == "h" and h is not None:
                coef += q.wdS * (Tq - bc.T_inf)
            elif param.name == "emissivity" and eps is not None:
                coef += q.wdS * SIGMA_SB * (Tq**4 - bc.T_inf**4)
            elif param.name == "T_inf" and h is not None:
                coef -= q.wdS * h
            elif param.name == "T_inf" and eps is not None:
                coef -= q.wdS * 4 * eps * SIGMA_SB * bc.T_inf**3
        return _scatter(n, q.dofs, _face_load(q, coef))
    itf = _interface_of(system, param.target)
    if dh is None:
        dh = conductance_derivative(case, system, param, T)
    flux = itf.qa.wdS * dh * (_fq(itf.qa, T) - _fq(itf.qb, T))
    return (_scatter(n, itf.qa.dofs, _face_load(itf.qa, flux))
            - _scatter(n, itf.qb.dofs, _face_load(itf.qb, flux)))
