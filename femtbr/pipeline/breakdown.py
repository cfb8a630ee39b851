"""Junction-to-ambient resistance and its split into layers, interfaces, cooling, spreading.

R_ja = (T_max,junction − T_ambient) / P, P the heat put in by sources and fixed fluxes.  Along
the series path of regions from the junction to the region that sheds most heat: each layer's
1D resistance t / (k(T_mean) A) (A: the layer footprint; t / (2 k A) for a uniformly heated
junction layer, whose peak lies that far above its cooled face), each split interface's
ΔT_mean / Q (and each series part's 1 / (h_part A)), the cooling film 1 / Σ (h + h_rad) A of
the cooling boundaries with h_rad = 4 ε σ T∞³; the spreading part is the remainder
R_ja − Σ (these).  For uniform one-dimensional heat flow the remainder vanishes (the series
formula: Incropera et al., Fundamentals of Heat and Mass Transfer, 7th ed., eq. 3.19).

The split only means something for a package: heat generated inside (sources, fixed fluxes)
and shed to one ambient.  For anything else — heat entering through a fixed-temperature or
convection boundary (a plate between two fixed temperatures), no heat input, a state that is
not steady, cooling boundaries at different ambient temperatures — the breakdown says which of
these it is instead of reporting shares that are not shares.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from femtbr.case.schema import Case
from femtbr.pipeline.measures import (
    boundary_region,
    component_means,
    vertical_conductivity,
)

STEFAN_BOLTZMANN = 5.670374419e-8  # W/(m² K⁴), CODATA 2018
NOT_A_PACKAGE = "not a junction-to-ambient package"


def region_graph(case: Case, mesh: Any) -> dict[str, set[str]]:
    """Region adjacency through the mesh's interfaces and the case's ``between`` pairs."""
    graph: dict[str, set[str]] = {r: set() for r in mesh.regions}
    pairs = [(i.region_a, i.region_b) for i in mesh.interfaces.values()]
    pairs += [tuple(s.between) for s in case.interfaces.values()]
    for a, b in pairs:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set()).add(a)
    return graph


def shortest_path(graph: Mapping[str, set[str]], start: str, goal: str) -> list[str]:
    """Breadth-first path of regions from ``start`` to ``goal`` (``[start]`` if none)."""
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
    out: list[str] = []
    node: str | None = goal
    while node is not None:
        out.append(node)
        node = prev[node]
    return out[::-1]


def layer_geometry(region: str, geo: Any, areas: dict[str, float]) -> tuple[float, float]:
    """(thickness [m], cross-section area [m²]) of a region for its 1D resistance: from the
    builder's info where it has them, else from the region volume and its largest interface
    area."""
    from femtbr.geometry import region_volumes

    info = geo.info
    alias = {"heatsink": "base"}
    t_map = info.get("layer_thickness", {}) or {}
    t = t_map.get(region, t_map.get(alias.get(region, ""), None))
    fp = info.get("footprint_area")
    A = fp.get(region, fp.get(alias.get(region, ""), None)) if isinstance(fp, Mapping) else fp
    if A is None:
        A = max(areas.values()) if areas else None
    if t is None and A:
        t = region_volumes(geo.mesh, bool(info.get("axisymmetric"))).get(region, 0.0) / A
    return float(t or 0.0), float(A or 0.0)


def _not_applicable(note: str) -> dict[str, Any]:
    return {"junction_to_ambient": None, "note": note}


def applicability(case: Case, solution: Any) -> tuple[float, str | None]:
    """The heat input P [W] and, when a junction-to-ambient split does not apply, why not."""
    heat_out = dict(solution.boundaries)
    sources = sum(max(r.power, 0.0) for r in solution.regions.values())
    flux_in = {n: -q for n, q in heat_out.items() if q < 0 and case.boundaries[n].type == "flux"}
    P = sources + sum(flux_in.values())
    scale = max(P, sum(abs(q) for q in heat_out.values()), 1e-300)
    fed = sorted(
        n for n, q in heat_out.items() if q < -1e-9 * scale and case.boundaries[n].type != "flux"
    )
    if fed:
        kinds = ", ".join(f"{n} ({case.boundaries[n].type})" for n in fed)
        return P, f"{NOT_A_PACKAGE}: heat enters through the boundary {kinds}"
    if P <= 0:
        return P, f"{NOT_A_PACKAGE}: no heat input (no source and no heat flux into the body)"
    out = sum(q for q in heat_out.values() if q > 0)
    if abs(out - P) > 1e-3 * P:  # e.g. the last step of a transient run: heat is being stored
        return P, "not a steady state: heat in != heat out"
    if not any(q > 0 for q in heat_out.values()):
        return P, "no cooling boundary"
    return P, None


def _ambient(case: Case, cooling: Mapping[str, float]) -> float | str:
    """T_ambient [K]: ``[report] ambient`` or the one ambient of the cooling boundaries."""
    if case.report.ambient is not None:
        return float(case.report.ambient)
    temps = {
        n: (case.boundaries[n].T if case.boundaries[n].type == "temperature"
            else case.boundaries[n].T_inf)
        for n in cooling
    }
    values = sorted({float(t) for t in temps.values() if t is not None})
    if len(values) > 1 and values[-1] - values[0] > 1e-9 * values[-1]:
        return (
            f"{NOT_A_PACKAGE}: the cooling boundaries have different ambient temperatures "
            f"({', '.join(f'{n} {t:g} K' for n, t in temps.items())}); set [report] ambient"
        )
    return values[0]


def _junction(case: Case, regions: Mapping[str, Any]) -> str:
    if case.report.junction is not None:
        return case.report.junction
    powered = {n: r.power for n, r in regions.items() if r.power > 0}
    if powered:
        return max(powered, key=powered.get)
    return max(regions, key=lambda n: regions[n].T_max)


def _layer_item(region: str, heated: bool, t: float, A: float, k: float) -> dict[str, Any]:
    # a uniformly heated junction layer, cooled on one face, peaks t/(2kA)·P above it
    f = 0.5 if heated else 1.0
    return {
        "name": region,
        "kind": "layer",
        "R": f * t / (k * A),
        "thickness": t,
        "area": A,
        "k": k,
        "note": f"1D {'t/(2kA), heated' if heated else 't/(kA)'}, t={t:.3g} m, k={k:.4g}",
    }


def _interface_items(case: Case, solution: Any, name: str) -> list[dict[str, Any]]:
    res = solution.interfaces[name]
    model = case.interfaces[name].model
    items = [
        {
            "name": name,
            "kind": "interface",
            "R": res.jump_mean / res.heat if res.heat else math.inf,
            "area": res.area,
            "note": f"{model}, R''={res.resistance:.3g} m²K/W",
        }
    ]
    if model == "series":
        for part, h in component_means(solution, res).items():
            if h > 0:
                items.append(
                    {
                        "name": f"  {name}[{part}]",
                        "kind": "part",
                        "R": 1.0 / (h * res.area),
                        "in_total": False,
                        "note": f"part of {name}, h={h:.4g} W/m²K",
                    }
                )
    return items


def _path_items(case: Case, prepared: Any, solution: Any, path: list[str]) -> list[dict]:
    """Layer and interface items along the path of regions."""
    from femtbr.geometry import group_areas

    areas = group_areas(prepared.problem.mesh, prepared.problem.axisymmetric)
    by_pair = {frozenset(spec.between): name for name, spec in case.interfaces.items()}
    regions = solution.regions
    items: list[dict[str, Any]] = []
    for i, region in enumerate(path):
        neighbours = [path[j] for j in (i - 1, i + 1) if 0 <= j < len(path)]
        adjacent = {
            n: areas[n]
            for n in (by_pair.get(frozenset((region, r))) for r in neighbours)
            if n and n in areas
        }
        t, A = layer_geometry(region, prepared.geometry, adjacent)
        if t > 0 and A > 0:
            k = vertical_conductivity(prepared, region, regions[region].T_mean)
            items.append(_layer_item(region, i == 0 and regions[region].power > 0, t, A, k))
        if i + 1 < len(path):
            name = by_pair.get(frozenset((region, path[i + 1])))
            if name and name in solution.interfaces:
                items += _interface_items(case, solution, name)
    return items


def _cooling_item(case: Case, areas: Mapping[str, float], cooling: Mapping[str, float]):
    """The film resistance 1 / Σ (h + 4 ε σ T∞³) A of the cooling boundaries (None if a fixed
    temperature cools the body: no film)."""
    G = 0.0
    for n in cooling:
        b = case.boundaries[n]
        if b.type == "temperature":
            return None
        A_b = areas.get(n, 0.0)
        G += (b.h or 0.0) * A_b
        if b.emissivity:
            G += 4 * b.emissivity * STEFAN_BOLTZMANN * b.T_inf**3 * A_b
    if G <= 0:
        return None
    return {"name": "cooling", "kind": "boundary", "R": 1.0 / G,
            "note": f"1/(hA) of {', '.join(cooling)}"}


def breakdown(case: Case, prepared: Any, solution: Any) -> dict[str, Any]:
    """The junction-to-ambient breakdown of a solved state (see the module docstring)."""
    from femtbr.geometry import group_areas

    P, reason = applicability(case, solution)
    if reason is not None:
        return _not_applicable(reason)
    cooling = {n: q for n, q in solution.boundaries.items() if q > 0}
    T_amb = _ambient(case, cooling)
    if isinstance(T_amb, str):
        return _not_applicable(T_amb)
    regions = solution.regions
    junction = _junction(case, regions)
    R_ja = (regions[junction].T_max - T_amb) / P
    mesh = prepared.problem.mesh
    sink = boundary_region(mesh, max(cooling, key=cooling.get)) or junction
    path = (
        list(case.report.path)
        if case.report.path
        else shortest_path(region_graph(case, mesh), junction, sink)
    )
    items = _path_items(case, prepared, solution, path)
    film = _cooling_item(case, group_areas(mesh, prepared.problem.axisymmetric), cooling)
    if film is not None:
        items.append(film)
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
