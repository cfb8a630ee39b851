"""Run a case: Case -> geometry -> :class:`~femtbr.fem.Problem` -> solve -> summary -> files.

:func:`run` is the library entry point behind ``femtbr run``; :func:`build_problem` and
:func:`summarize` are its two halves, reused by sweeps and tests.  Nothing is written unless the
solve converged (the export layer writes all files as one atomic set).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from femtbr.case.schema import BoundarySpec, Case
from femtbr.errors import CaseError, ConvergenceError, InputError

log = logging.getLogger(__name__)

Progress = Callable[[str, dict], None]


@dataclass(frozen=True)
class RunResult:
    """What :func:`run` returns: the solution, the summary dict, where and what was written."""

    solution: Any
    summary: dict[str, Any]
    out_dir: Path | None
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Prepared:
    """A case turned into a solvable problem plus what the report needs."""

    problem: Any
    geometry: Any
    materials: dict[str, Any]


def geometry_of(case: Case) -> Any:
    """The (cached) :class:`femtbr.geometry.Geometry` of a validated case."""
    from femtbr.case.geometry_source import geometry_for

    g = case.geometry
    table = {"mesh": g.mesh, "mesh_unit": g.mesh_unit} if g.mesh else {"builder": g.builder}
    table.update(g.parameters)
    return geometry_for(table)


def material_of(region: str, spec: Any) -> Any:
    """The :class:`femtbr.materials.Material` of a ``[materials.<region>]`` entry."""
    from femtbr.materials import from_dict

    props = spec.model_dump(exclude_none=True)
    return from_dict(region, props)


def _conductivity(mat: Any) -> Any:
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


def interface_model(spec: Any) -> Any:
    """Instantiate the conductance model of an ``[interfaces.<name>]`` entry."""
    from femtbr.models import create

    params = {k: v for k, v in (spec.model_extra or {}).items()}
    if spec.parts is not None:
        params["parts"] = [p.model_dump(exclude_none=True) for p in spec.parts]
    return create(spec.model, **params)


def build_problem(case: Case, progress: Progress | None = None) -> Prepared:
    """Build the :class:`~femtbr.fem.Problem` of a validated case.

    Raises
    ------
    FemtbrError
        Mesh or model problems (e.g. the interface's regions do not touch).
    """
    from femtbr.fem import InterfaceSpec, Problem, SolverOptions, Source

    if progress:
        progress("meshing", {"geometry": case.geometry.builder or case.geometry.mesh})
    geo = geometry_of(case)
    mesh = geo.mesh
    if progress:
        progress("mesh ready", {"cells": mesh.n_cells, "points": int(mesh.points.shape[0])})
    materials = {r: material_of(r, s) for r, s in case.materials.items()}
    conductivity = {r: _conductivity(m) for r, m in materials.items()}
    for name, spec in case.interfaces.items():
        a, b = spec.between
        have = mesh.interfaces.get(name)
        if have is None or (have.region_a, have.region_b) != (a, b):
            mesh = mesh.interface_between(name, a, b)
    interfaces = {
        name: InterfaceSpec(model=interface_model(spec), pressure=spec.pressure)
        for name, spec in case.interfaces.items()
    }
    sources = {r: Source(power=s.power, density=s.density) for r, s in case.sources.items()}
    boundaries = {n: _boundary(b) for n, b in case.boundaries.items() if b.type != "adiabatic"}
    s = case.solver
    options = SolverOptions(
        order=s.order,
        rtol=s.rtol,
        max_iterations=s.max_iterations,
        linear_solver=s.linear_solver,
        linear_rtol=s.linear_rtol,
        T_initial=s.T_initial,
        backend=s.backend,
    )
    problem = Problem(
        mesh=mesh,
        conductivity=conductivity,
        sources=sources,
        boundaries=boundaries,
        interfaces=interfaces,
        options=options,
        progress=progress,
    )
    return Prepared(problem=problem, geometry=geo, materials=materials)


def default_out_dir(case: Case) -> Path:
    """``[outputs] directory`` or ``results/<case name>/``."""
    return Path(case.outputs.directory or Path("results") / case.name)


def run(
    case: Case,
    out_dir: str | Path | None = None,
    progress: Progress | None = None,
    write: bool = True,
) -> RunResult:
    """Solve ``case`` and write its outputs.

    Parameters
    ----------
    case
        A validated case (:func:`femtbr.load_case`).
    out_dir
        Output directory; default ``[outputs] directory`` or ``results/<name>/``.
    progress
        ``progress(stage, info)`` callback (meshing, assembly, Newton iterations …).
    write
        False to skip writing files (tests, sweeps that collect scalars only).

    A case with a ``[transient]`` table is integrated in time by
    :func:`femtbr.transient_run.run_transient` (same arguments and result type).

    Raises
    ------
    ConvergenceError
        Newton did not converge; nothing is written.
    InputError
        Bad mesh, model or material (exit code 2).
    """
    from femtbr.fem import solve

    if case.transient is not None:  # issue 7: time integration (femtbr/transient_run.py)
        from femtbr.transient_run import run_transient

        return run_transient(case, out_dir, progress, write)
    prepared = build_problem(case, progress)
    solution = solve(prepared.problem)
    if not solution.converged:
        raise ConvergenceError(
            f"case {case.name!r}: Newton did not converge in {solution.iterations} iterations",
            solution.residual_history,
        )
    summary = summarize(case, prepared, solution)
    files: list[Path] = []
    target = None
    if write:
        from femtbr.export import write_outputs

        target = Path(out_dir) if out_dir is not None else default_out_dir(case)
        if progress:
            progress("writing outputs", {"directory": str(target)})
        files = write_outputs(solution, summary, target, render=case.outputs.render)
    return RunResult(solution=solution, summary=summary, out_dir=target, files=files)


# ----------------------------------------------------------------------------- summary
def summarize(case: Case, prepared: Prepared, solution: Any) -> dict[str, Any]:
    """The summary dict: the export layer's keys plus probes, Kapitza lengths and breakdown."""
    from femtbr.export import build_summary, jsonable

    probes = probe_temperatures(solution, case.probes)
    summary = build_summary(
        solution, name=case.name, parameters=case.model_dump(mode="json"), probes=probes
    )
    for name, entry in summary["interfaces"].items():
        res = solution.interfaces[name]
        a, b = case.interfaces[name].between
        lk = {}
        for region in (a, b):
            k = _k_at(prepared.materials[region], res.T_mean)
            lk[region] = k * res.resistance if math.isfinite(res.resistance) else None
        entry["kapitza_length"] = lk
        entry["T_mean"] = res.T_mean
        entry["between"] = [a, b]
        entry["model"] = case.interfaces[name].model
    summary["breakdown"] = breakdown(case, prepared, solution)
    return jsonable(summary)


def _k_at(material: Any, T: float) -> float:
    k, _ = material.conductivity(np.array([T]))
    return float(np.asarray(k).ravel()[0])


def probe_temperatures(solution: Any, probes: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """Temperature [K] at each named probe point, interpolated with the solution's elements.

    Raises
    ------
    CaseError
        ``probes.<name>`` when a point lies outside the mesh.
    """
    from femtbr.fem import probe

    out: dict[str, float] = {}
    dim = solution.points.shape[1]
    for name, point in probes.items():
        x = np.asarray(point, float)[:dim]
        try:
            out[name] = float(probe(solution, x[None, :])[0])
        except InputError:
            raise CaseError(
                [(f"probes.{name}", f"point {list(point)} lies outside the mesh")]
            ) from None
    return out


# ----------------------------------------------------------------------------- breakdown
def _region_graph(case: Case, mesh: Any) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {r: set() for r in mesh.regions}
    pairs = [(i.region_a, i.region_b) for i in mesh.interfaces.values()]
    pairs += [tuple(s.between) for s in case.interfaces.values()]
    for a, b in pairs:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set()).add(a)
    return graph


def _boundary_region(mesh: Any, name: str) -> str | None:
    facets = mesh.boundaries.get(name)
    if facets is None or len(facets) == 0:
        return None
    verts = np.unique(facets)
    best, count = None, 0
    for r, cells in mesh.regions.items():
        n = np.isin(verts, mesh.cells[cells]).sum()
        if n > count:
            best, count = r, n
    return best


def _path(graph: Mapping[str, set[str]], start: str, goal: str) -> list[str]:
    prev: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        r = queue.pop(0)
        if r == goal:
            break
        for n in sorted(graph.get(r, ())):
            if n not in prev:
                prev[n] = r
                queue.append(n)
    if goal not in prev:
        return [start]
    out, r = [], goal
    while r is not None:
        out.append(r)
        r = prev[r]
    return out[::-1]


def _layer_geometry(region: str, geo: Any, areas: dict[str, float]) -> tuple[float, float]:
    """(thickness, cross-section area) of a region for its 1D resistance, from the builder's
    info where it has them, else from the region volume and its largest interface area."""
    from femtbr.geometry import region_volumes

    info = geo.info
    alias = {"heatsink": "base"}
    t_map = info.get("layer_thickness", {}) or {}
    t = t_map.get(region, t_map.get(alias.get(region, ""), None))
    fp = info.get("footprint_area")
    if isinstance(fp, Mapping):
        A = fp.get(region, fp.get(alias.get(region, ""), None))
    else:
        A = fp
    if A is None:
        A = max(areas.values()) if areas else None
    if t is None and A:
        t = region_volumes(geo.mesh).get(region, 0.0) / A
    return float(t or 0.0), float(A or 0.0)


def breakdown(case: Case, prepared: Prepared, solution: Any) -> dict[str, Any]:
    """Junction-to-ambient resistance and its split into layers, interfaces, cooling, spreading.

    R_ja = (T_max,junction - T_ambient) / P with P the total heat input.  Along the series path
    of regions from the junction to the region that sheds most heat: each layer's 1D resistance
    t / (k(T_mean) A) (A: the layer footprint; t / (2 k A) for a uniformly heated junction
    layer, whose peak lies that far above its cooled face), each split interface's ΔT_mean / Q
    (and each series part's 1 / (h_part A)), cooling film 1 / Σ h A of cooling boundaries; the
    spreading part is the remainder R_ja - Σ (these).  For uniform one-dimensional heat flow the
    remainder vanishes (the series formula, e.g. Incropera et al., Fundamentals of Heat and
    Mass Transfer, 7th ed., eq. 3.19).
    """
    from femtbr.export.summary import component_means
    from femtbr.geometry import group_areas

    mesh = prepared.problem.mesh
    geo = prepared.geometry
    regions = solution.regions
    heat_out = dict(solution.boundaries)
    P = sum(max(r.power, 0.0) for r in regions.values()) + sum(
        -q for q in heat_out.values() if q < 0
    )
    if P <= 0:
        return {"junction_to_ambient": None, "note": "no heat input"}
    out = sum(q for q in heat_out.values() if q > 0)
    if abs(out - P) > 1e-3 * P:  # e.g. the last step of a transient run: heat is being stored
        return {"junction_to_ambient": None, "note": "not a steady state: heat in != heat out"}
    junction = case.report.junction
    if junction is None:
        powered = {n: r.power for n, r in regions.items() if r.power > 0}
        junction = (
            max(powered, key=powered.get)
            if powered
            else max(regions, key=lambda n: regions[n].T_max)
        )
    cooling = {n: q for n, q in heat_out.items() if q > 0}
    specs = case.boundaries
    T_amb = case.report.ambient
    if T_amb is None and cooling:
        main = max(cooling, key=cooling.get)
        b = specs[main]
        T_amb = b.T if b.type == "temperature" else b.T_inf
    if T_amb is None:
        return {"junction_to_ambient": None, "note": "no cooling boundary"}
    R_ja = (regions[junction].T_max - T_amb) / P
    areas = group_areas(mesh)
    graph = _region_graph(case, mesh)
    sink = _boundary_region(mesh, max(cooling, key=cooling.get)) if cooling else junction
    path = list(case.report.path) if case.report.path else _path(graph, junction, sink or junction)
    by_pair = {}
    for name, spec in case.interfaces.items():
        by_pair[frozenset(spec.between)] = name
    items: list[dict[str, Any]] = []
    for i, region in enumerate(path):
        adj = {}
        for j in (i - 1, i + 1):
            if 0 <= j < len(path):
                name = by_pair.get(frozenset((region, path[j])))
                if name and name in areas:
                    adj[name] = areas[name]
        t, A = _layer_geometry(region, geo, adj)
        k = _k_at(prepared.materials[region], regions[region].T_mean)
        if t > 0 and A > 0:
            # a uniformly heated junction layer, cooled on one face, peaks t/(2kA)·P above it
            heated = i == 0 and regions[region].power > 0
            f = 0.5 if heated else 1.0
            items.append(
                {
                    "name": region,
                    "kind": "layer",
                    "R": f * t / (k * A),
                    "thickness": t,
                    "area": A,
                    "k": k,
                    "note": f"1D {'t/(2kA), heated' if heated else 't/(kA)'}, t={t:.3g} m, "
                    f"k={k:.4g}",
                }
            )
        if i + 1 < len(path):
            name = by_pair.get(frozenset((region, path[i + 1])))
            if name and name in solution.interfaces:
                res = solution.interfaces[name]
                R = res.jump_mean / res.heat if res.heat else math.inf
                kind = case.interfaces[name].model
                items.append(
                    {
                        "name": name,
                        "kind": "interface",
                        "R": R,
                        "area": res.area,
                        "note": f"{kind}, R''={res.resistance:.3g} m²K/W",
                    }
                )
                for part, h in component_means(solution, res).items():
                    if case.interfaces[name].model == "series" and h > 0:
                        items.append(
                            {
                                "name": f"  {name}[{part}]",
                                "kind": "part",
                                "R": 1.0 / (h * res.area),
                                "in_total": False,
                                "note": f"part of {name}, h={h:.4g} W/m²K",
                            }
                        )
    G = 0.0
    for n in cooling:
        b = specs[n]
        if b.type == "temperature":
            G = math.inf
            break
        A_b = areas.get(n, 0.0)
        G += (b.h or 0.0) * A_b
        if b.emissivity:
            G += 4 * b.emissivity * 5.670374419e-8 * b.T_inf**3 * A_b
    if G > 0 and math.isfinite(G):
        items.append(
            {
                "name": "cooling",
                "kind": "boundary",
                "R": 1.0 / G,
                "note": f"1/(hA) of {', '.join(cooling)}",
            }
        )
    known = sum(it["R"] for it in items if it.get("in_total", True) and math.isfinite(it["R"]))
    items.append(
        {
            "name": "spreading",
            "kind": "spreading",
            "R": R_ja - known,
            "note": "remainder: spreading, constriction, fin efficiency (multi-D effects)",
        }
    )
    return {
        "junction": junction,
        "T_junction": regions[junction].T_max,
        "T_ambient": T_amb,
        "power": P,
        "junction_to_ambient": R_ja,
        "path": path,
        "items": items,
    }
