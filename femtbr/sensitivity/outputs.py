"""Scalar outputs J(T, θ) of a steady solve, with ∂J/∂T (for the adjoint) and ∂J/∂θ.

Names (``[sensitivity] outputs`` / ``--sensitivity``):

* ``T_junction`` [K] — the junction region's T_max.  A maximum is not differentiable where the
  hottest DOF changes; its derivative is that of the value at the arg-max DOF (the derivative
  of the max wherever the arg-max is unique and stays so under a small change of θ).
* ``R_ja`` [K/W] — (T_junction − T_ambient) / P, P the heat input (sources + fixed fluxes in).
  T_ambient is ``[report] ambient`` (fixed), else the ambient of the cooling boundaries, which
  moves with their T_inf: weighted by each boundary's film conductance
  G_b = ∫_b (h + 4εσT∞³) dA (the linearised radiation conductance), ∂T_amb/∂T∞,b = G_b / Σ G
  (= 1 for one cooling boundary; a common T_inf, as the breakdown requires, is unchanged).
* ``probes.<name>`` [K] — the interpolated temperature at a probe point;
* ``regions.<r>.T_mean`` [K] — ∫_r T / V;  ``boundaries.<b>.T_mean`` [K] — ∫_b T / A;
* ``interfaces.<i>.heat`` [W] — ∫_Γ h(T̄, p)(T_a − T_b), a → b; ∂/∂T_a = h + ½ h'(T_a − T_b),
  ∂/∂T_b = −h + ½ h'(T_a − T_b); ∂/∂θ = ∫_Γ ∂h/∂θ (T_a − T_b).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from femtbr.errors import CaseError
from femtbr.sensitivity.parameters import (
    MODEL_KINDS,
    SIGMA_SB,
    Parameter,
    _face_load,
    _fq,
    _interface_of,
    _scatter,
)


@dataclass
class Output:
    """An output: ``value``, ``unit``, ``gradient`` ∂J/∂T (n_dofs,) and ``explicit(param, dh)``
    ∂J/∂θ at fixed T (``dh``: ∂h/∂θ at the interface's quadrature points, interface
    parameters only)."""

    name: str
    unit: str
    value: float
    gradient: np.ndarray
    explicit: Callable[[Parameter, Any], float] = field(default=lambda p, dh: 0.0)


def _junction(case: Any, system: Any) -> str:
    if case.report.junction is not None:
        return case.report.junction
    powers = {r: p for r, p in system.powers.items() if p > 0}
    if not powers:
        raise CaseError([("report.junction", "no heated region: name the junction region")])
    return max(powers, key=powers.get)


def _heat_input(case: Any, system: Any) -> float:
    P = sum(max(p, 0.0) for p in system.powers.values())
    for _name, q, qv in system.flux:  # a fixed flux q > 0 enters the body
        if qv > 0:
            P += qv * float(np.sum(q.wdS))
    return P


def _ambient(case: Any, system: Any) -> float:
    """``[report] ambient``, else the film-conductance-weighted T_inf of the cooling
    boundaries (module docstring)."""
    if case.report.ambient is not None:
        return float(case.report.ambient)
    g = [(float(np.sum(c)), t) for _n, _q, c, t, _p, _k in system.robin]
    g += [(float(np.sum(q.wdS)) * 4 * e * SIGMA_SB * t**3, t) for _n, q, e, t, _p in system.rad]
    total = sum(w for w, _ in g)
    if total <= 0:
        raise CaseError([("report.ambient", "R_ja needs an ambient temperature: no cooling "
                          "boundary (set [report] ambient)")])
    return sum(w * t for w, t in g) / total


def junction_output(case: Any, system: Any, T: np.ndarray) -> Output:
    """``T_junction``: the value at the arg-max DOF of the junction region."""
    dofs = system.disc.region_dofs(_junction(case, system))
    k = int(dofs[np.argmax(T[dofs])])
    g = np.zeros_like(T)
    g[k] = 1.0
    return Output("T_junction", "K", float(T[k]), g)


def _r_ja(case: Any, system: Any, T: np.ndarray) -> Output:
    tj = junction_output(case, system, T)
    P, T_amb = _heat_input(case, system), _ambient(case, system)
    R = (tj.value - T_amb) / P
    areas = {name: float(np.sum(q.wdS)) for name, q, _v in system.flux}

    films: dict[str, float] = {}
    for name, _q, coef, _t, _pos, _k in system.robin:
        films[name] = films.get(name, 0.0) + float(np.sum(coef))
    for name, q, eps, t_inf, _pos in system.rad:
        films[name] = films.get(name, 0.0) + float(np.sum(q.wdS)) * 4 * eps * SIGMA_SB * t_inf**3
    total = sum(films.values())

    def explicit(p: Parameter, dh: Any) -> float:  # −(∂T_amb/∂θ)/P − R/P · ∂P/∂θ
        if p.kind == "boundary" and p.name == "T_inf":
            if case.report.ambient is not None or total <= 0:
                return 0.0
            return -films.get(p.target, 0.0) / total / P
        if p.kind == "source":
            dP = 1.0 if p.name == "power" else system.disc.region_volume(p.target)
        elif p.kind == "boundary" and p.name == "q":
            dP = areas.get(p.target, 0.0) if p.value > 0 else 0.0
        else:
            return 0.0
        return -R / P * dP

    return Output("R_ja", "K/W", R, tj.gradient / P, explicit)


def _probe(case: Any, solution: Any, T: np.ndarray, name: str) -> Output:
    from femtbr.fem.post.probe import locate

    if name not in case.probes:
        raise CaseError([("sensitivity.outputs", f"no probe {name!r}; probes: "
                          f"{sorted(case.probes)}")])
    x = np.asarray(case.probes[name], float)[: solution.points.shape[1]]
    loc = locate(solution, x[None, :])
    g = np.zeros_like(T)
    np.add.at(g, loc.dofs[0], loc.phi[:, 0])
    return Output(f"probes.{name}", "K", float(g @ T), g)


def _interface_heat(case: Any, system: Any, T: np.ndarray, name: str) -> Output:
    itf = _interface_of(system, name)
    Ta, Tb = _fq(itf.qa, T), _fq(itf.qb, T)
    h, dh = system.conductance(itf, 0.5 * (Ta + Tb))
    w, jump = itf.qa.wdS, Ta - Tb
    n = T.size
    g = (_scatter(n, itf.qa.dofs, _face_load(itf.qa, w * (h + 0.5 * dh * jump)))
         + _scatter(n, itf.qb.dofs, _face_load(itf.qb, w * (-h + 0.5 * dh * jump))))

    def explicit(p: Parameter, dhdp: Any) -> float:
        if p.target == name and dhdp is not None and p.kind in MODEL_KINDS:
            return float(np.sum(w * dhdp * jump))
        return 0.0

    return Output(f"interfaces.{name}.heat", "W", float(np.sum(w * h * jump)), g, explicit)


def build_output(name: str, case: Any, system: Any, solution: Any, T: np.ndarray) -> Output:
    """The output called ``name`` (module docstring) of a solved state.

    Raises
    ------
    CaseError
        ``sensitivity.outputs``: unknown output, region, boundary, probe or interface.
    """
    disc = system.disc
    parts = name.split(".")
    if name == "T_junction":
        return junction_output(case, system, T)
    if name == "R_ja":
        return _r_ja(case, system, T)
    if parts[0] == "probes" and len(parts) == 2:
        return _probe(case, solution, T, parts[1])
    if len(parts) == 3 and parts[0] == "regions" and parts[2] == "T_mean" \
            and parts[1] in disc.region_names:
        w = disc.region_weights(parts[1]) / disc.region_volume(parts[1])
        return Output(name, "K", float(w @ T), w)
    if len(parts) == 3 and parts[0] == "boundaries" and parts[2] == "T_mean" \
            and parts[1] in system.problem.mesh.boundaries:
        q = disc.boundary_quad(parts[1])
        g = _scatter(T.size, q.dofs, _face_load(q, q.wdS)) / float(np.sum(q.wdS))
        return Output(name, "K", float(g @ T), g)
    if len(parts) == 3 and parts[0] == "interfaces" and parts[2] == "heat" \
            and parts[1] in system.problem.interfaces:
        return _interface_heat(case, system, T, parts[1])
    raise CaseError([("sensitivity.outputs", f"unknown output {name!r}: use T_junction, R_ja, "
                      "probes.<name>, regions.<r>.T_mean, boundaries.<b>.T_mean or "
                      "interfaces.<i>.heat (split interfaces)")])
