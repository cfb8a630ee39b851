"""``summary.json``: the scalar results of a run (SI units, temperatures in K).

Layout (design note §3)::

    name            case name
    converged       bool
    iterations      Newton iterations
    energy_balance  relative energy-balance error (rule: femtbr.fem.solve)
    energy_balance_W  absolute imbalance |Σ sources − Σ heat out| [W] (W/m in 2D)
    regions         {name: {T_max, T_mean [K], power [W]}}
    interfaces      {name: {area [m²], heat [W, a → b], jump_mean [K], h_mean [W/m²K],
                            resistance [m²K/W], components {part: area-weighted mean h}}}
    boundaries      {name: {heat [W] leaving the body}}
    probes          {name: T [K]}
    parameters      the case's resolved parameters (anything JSON-representable)

Non-finite numbers (e.g. the resistance of an adiabatic interface) are written as ``null``
so that the file is strict JSON.  In 2D, areas are per metre of depth (m²/m) and heats W/m.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from femtbr.export.atomic import atomic_write_text
from femtbr.fem.solution import InterfaceResult, Solution


def jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, tuples, paths and non-finite floats to plain JSON values.

    Non-finite floats become ``None``; mapping keys become strings.
    """
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if obj is None or isinstance(obj, str):
        return obj
    if hasattr(obj, "model_dump"):  # pydantic models
        return jsonable(obj.model_dump())
    return str(obj)


def facet_areas(points: np.ndarray, facets: np.ndarray) -> np.ndarray:
    """Measure of each facet: length of a line, area of a triangle or of a quad.

    A (possibly warped) quad is measured as the two triangles (0, 1, 2) and (0, 2, 3); exact for
    planar quads.  Points may be 2D or 3D.
    """
    p = np.asarray(points, dtype=float)
    if p.shape[1] == 2:
        p = np.column_stack([p, np.zeros(len(p))])
    f = np.asarray(facets, dtype=np.int64)
    if f.shape[1] == 2:
        return np.linalg.norm(p[f[:, 1]] - p[f[:, 0]], axis=1)

    def tri(a, b, c):
        return 0.5 * np.linalg.norm(np.cross(p[b] - p[a], p[c] - p[a]), axis=1)

    area = tri(f[:, 0], f[:, 1], f[:, 2])
    if f.shape[1] == 4:
        area = area + tri(f[:, 0], f[:, 2], f[:, 3])
    return area


def component_means(solution: Solution, res: InterfaceResult) -> dict[str, float]:
    """Area-weighted mean h of each model component (plain mean without facet geometry)."""
    if not res.components:
        return {}
    if res.facet_cells is not None and len(res.facet_cells):
        w = facet_areas(solution.points, res.facet_cells)
    else:
        w = np.ones(len(res.T_a))
    comps = res.components.items()
    return {k: float(np.sum(w * np.asarray(v, float)) / np.sum(w)) for k, v in comps}


def build_summary(
    solution: Solution,
    *,
    name: str,
    parameters: Mapping[str, Any],
    probes: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The summary dictionary of a run (JSON-safe; see the module docstring for its keys).

    Parameters
    ----------
    solution
        The solved problem.
    name
        Case name.
    parameters
        The case's resolved parameters (nested mappings of JSON-representable values).
    probes
        Probe name -> temperature [K] (see :func:`femtbr.runner.probe_temperatures`).
    """
    interfaces = {}
    for iname, r in solution.interfaces.items():
        interfaces[iname] = {
            "area": r.area,
            "heat": r.heat,
            "jump_mean": r.jump_mean,
            "h_mean": r.h_mean,
            "resistance": r.resistance,
            "components": component_means(solution, r),
        }
    summary = {
        "name": name,
        "converged": solution.converged,
        "iterations": solution.iterations,
        "energy_balance": solution.energy_balance,
        "energy_balance_W": getattr(solution, "energy_balance_W", None),
        "regions": {
            n: {"T_max": r.T_max, "T_mean": r.T_mean, "power": r.power}
            for n, r in solution.regions.items()
        },
        "interfaces": interfaces,
        "boundaries": {n: {"heat": q} for n, q in solution.boundaries.items()},
        "probes": dict(probes or {}),
        "parameters": parameters,
    }
    return jsonable(summary)


def write_summary(summary: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``summary`` as strict JSON (sorted keys, indented) to ``path`` atomically."""
    text = json.dumps(jsonable(summary), indent=2, sort_keys=True, allow_nan=False)
    return atomic_write_text(path, text + "\n")


def flatten_summary(summary: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a (nested) summary under dotted keys, e.g.
    ``"interfaces.die_tim1.resistance"`` — one row of a sweep's results table.

    Booleans become 0.0/1.0, ``None`` becomes NaN; strings and lists are left out.
    """
    flat: dict[str, float] = {}
    for key, value in summary.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_summary(value, dotted + "."))
        elif value is None:
            flat[dotted] = math.nan
        elif isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
            flat[dotted] = float(value)
    return flat
