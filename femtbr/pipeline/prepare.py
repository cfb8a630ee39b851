"""A validated case turned into a solvable :class:`~femtbr.fem.Problem`.

The geometry is the one the case was validated against (handed in); materials and the
interface models are built here once and handed on to the solve and to the report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from femtbr.case.schema import BoundarySpec, Case

Progress = Callable[[str, dict], None]


@dataclass(frozen=True)
class Prepared:
    """A case turned into a solvable problem plus what the report needs."""

    problem: Any
    geometry: Any
    materials: dict[str, Any]


def material_of(region: str, spec: Any) -> Any:
    """The :class:`femtbr.materials.Material` of a ``[materials.<region>]`` entry."""
    from femtbr.materials import from_dict

    return from_dict(region, spec.model_dump(exclude_none=True))


def interface_model(spec: Any) -> Any:
    """Instantiate the conductance model of an ``[interfaces.<name>]`` entry."""
    from femtbr.models import create

    params = dict(spec.model_extra or {})
    if spec.parts is not None:
        params["parts"] = [p.model_dump(exclude_none=True) for p in spec.parts]
    return create(spec.model, **params)


def _conductivity(mat: Any, dim: int) -> Any:
    """A number, the k(T) table, or a ``ConductivityTensor`` of ``dim`` principal values."""
    tensor = getattr(mat, "k_tensor", None)
    if tensor is not None:
        from femtbr.fem.values.conductivity_tensor import ConductivityTensor

        return ConductivityTensor(
            tensor.axes_matrix(dim),
            tuple(float(t.y[0]) if t.is_constant else t for t in tensor.tables(dim)))
    table = getattr(mat, "k_table", None)
    if table is not None and getattr(table, "is_constant", False):
        return float(table.y[0])
    return mat.conductivity


def _boundary(spec: BoundarySpec) -> Any:
    from femtbr.fem import Convection, FixedTemperature, HeatFlux, Radiation

    parts = []
    if spec.type == "temperature":
        parts.append(FixedTemperature(spec.T))
    if spec.type == "flux":
        parts.append(HeatFlux(spec.q))
    if "convection" in spec.type:
        parts.append(Convection(spec.h, spec.T_inf))
    if "radiation" in spec.type:
        parts.append(Radiation(spec.emissivity, spec.T_inf))
    return parts[0] if len(parts) == 1 else tuple(parts)


def _split_mesh(case: Case, mesh: Any) -> Any:
    """The mesh with every ``[interfaces]`` entry declared between its two regions."""
    for name, spec in case.interfaces.items():
        a, b = spec.between
        have = mesh.interfaces.get(name)
        if have is None or (have.region_a, have.region_b) != (a, b):
            mesh = mesh.interface_between(name, a, b)
    return mesh


def _pressure(value: Any, mesh: Any, name: str) -> Any:
    """The FE contact pressure of interface ``name`` (:mod:`femtbr.pipeline.pressure`)."""
    if isinstance(value, (int, float)):
        return float(value)
    from femtbr.pipeline.pressure import interface_pressure

    vertices = mesh.points[np.unique(mesh.interfaces[name].facets)]
    return interface_pressure(value, vertices, f"interfaces.{name}.pressure")


#: ``[solver]`` keys that are :class:`femtbr.fem.SolverOptions` fields of the same name
SOLVER_OPTIONS = ("order", "rtol", "max_iterations", "linear_solver", "linear_rtol", "T_initial",
                  "backend")


def _options(case: Case) -> Any:
    from femtbr.fem import SolverOptions

    return SolverOptions(**{key: getattr(case.solver, key) for key in SOLVER_OPTIONS})


def prepare(
    case: Case,
    geometry: Any,
    progress: Progress | None = None,
    *,
    materials: Mapping[str, Any] | None = None,
    models: Mapping[str, Any] | None = None,
) -> Prepared:
    """Build the :class:`~femtbr.fem.Problem` of a validated case on its ``geometry``.

    ``materials`` (region -> material) and ``models`` (interface -> conductance model) built
    while checking the case are used as handed; whatever is missing is built here.

    Raises
    ------
    FemtbrError
        Mesh or model problems (e.g. the interface's regions do not touch).
    """
    from femtbr.fem import InterfaceSpec, Problem, Source

    given_materials, given_models = materials or {}, models or {}
    materials = {
        r: given_materials[r] if r in given_materials else material_of(r, s)
        for r, s in case.materials.items()
    }
    mesh = _split_mesh(case, geometry.mesh)
    dim = mesh.points.shape[1]
    problem = Problem(
        mesh=mesh,
        conductivity={r: _conductivity(m, dim) for r, m in materials.items()},
        sources={r: Source(power=s.power, density=s.density) for r, s in case.sources.items()},
        boundaries={n: _boundary(b) for n, b in case.boundaries.items() if b.type != "adiabatic"},
        interfaces={
            name: InterfaceSpec(
                model=given_models[name] if name in given_models else interface_model(spec),
                pressure=_pressure(spec.pressure, mesh, name),
            )
            for name, spec in case.interfaces.items()
        },
        options=_options(case),
        progress=progress,
        axisymmetric=case.geometry.axisymmetric,
    )
    return Prepared(problem=problem, geometry=geometry, materials=materials)
