"""A problem at other parameter values, on the same mesh (sensitivity checks, fits).

:func:`problem_at` returns a :class:`~femtbr.fem.Problem` with some scalar inputs
(:class:`~femtbr.sensitivity.parameters.Parameter`) set to new values — sources, boundary
values, conductivities (a factor on a k(T) table), pressures and interface model parameters
(the model rebuilt from its case table) — without building the mesh again, so one
Discretization serves every solve.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

#: a :class:`femtbr.sensitivity.parameters.Parameter` (not imported: parameters imports this)
Parameter = Any


def _model_params(spec: Any) -> dict[str, Any]:
    params = dict(spec.model_extra or {})
    if spec.parts is not None:
        params["parts"] = [p.model_dump(exclude_none=True) for p in spec.parts]
    return params


def interface_model_at(spec: Any, param: Parameter, value: float,
                       others: Mapping[Parameter, float] | None = None) -> Any:
    """The conductance model of interface ``spec`` with ``param`` set to ``value`` (and the
    model parameters of the same interface in ``others`` set to theirs)."""
    from femtbr.models import create

    params = _model_params(spec)
    changes = [(p, v) for p, v in (others or {}).items()
               if p.kind == "interface" and p.target == param.target]
    for p, v in [*changes, (param, value)]:
        (params if p.part is None else params["parts"][p.part])[p.name] = v
    return create(spec.model, **params)


def _scaled(fun: Any, s: float) -> Any:
    """``s`` times a conductivity: a k(T) callable, or every principal value of a tensor."""
    from femtbr.fem.values.conductivity_tensor import ConductivityTensor

    if isinstance(fun, ConductivityTensor):
        return ConductivityTensor(fun.axes, tuple(
            _scaled(k, s) if callable(k) else s * float(k) for k in fun.principal))

    def k(T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        kv, dk = fun(T)
        return s * np.asarray(kv, float), s * np.asarray(dk, float)

    return k


def _scaled_pressure(pressure: Any, s: float) -> Any:
    """``s`` times an interface pressure: a number, a callable p(x) or a PressureField."""
    from femtbr.fem import PressureField

    if isinstance(pressure, PressureField):
        return PressureField(pressure.shapes, tuple(s * f for f in pressure.forces))
    if callable(pressure):
        return lambda x: s * np.asarray(pressure(x), float)
    return s * float(pressure)


def problem_at(case: Any, problem: Any, params: dict[Parameter, float]) -> Any:
    """``problem`` with each parameter of ``params`` set to its value (same mesh: a
    Discretization of ``problem`` serves it).  Interface model parameters of one interface are
    applied together."""
    sources, bounds = dict(problem.sources), dict(problem.boundaries)
    cond, itfs = dict(problem.conductivity), dict(problem.interfaces)
    model_changes: dict[str, list[tuple[Parameter, float]]] = {}
    for p, v in params.items():
        if p.kind == "source":
            sources[p.target] = dataclasses.replace(sources[p.target], **{p.name: v})
        elif p.kind == "boundary":
            bcs = bounds[p.target]
            new = tuple(dataclasses.replace(bc, **{p.name: v}) if hasattr(bc, p.name) else bc
                        for bc in (bcs if isinstance(bcs, tuple) else (bcs,)))
            bounds[p.target] = new if isinstance(bcs, tuple) else new[0]
        elif p.kind == "conductivity":
            cond[p.target] = v
        elif p.kind == "k_scale":
            cond[p.target] = _scaled(problem.conductivity[p.target], v)
        elif p.kind == "pressure":
            itfs[p.target] = dataclasses.replace(itfs[p.target], pressure=v)
        elif p.kind == "pressure_scale":
            itfs[p.target] = dataclasses.replace(
                itfs[p.target], pressure=_scaled_pressure(problem.interfaces[p.target].pressure, v))
        else:
            model_changes.setdefault(p.target, []).append((p, v))
    from femtbr.models import create

    for name, changes in model_changes.items():
        spec = case.interfaces[name]
        table = _model_params(spec)
        for p, v in changes:
            (table if p.part is None else table["parts"][p.part])[p.name] = v
        itfs[name] = dataclasses.replace(itfs[name], model=create(spec.model, **table))
    return dataclasses.replace(problem, sources=sources, boundaries=bounds, conductivity=cond,
                               interfaces=itfs)
