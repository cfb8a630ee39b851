"""Build (and cache) the geometry a case's ``[geometry]`` table describes.

The case layer needs the geometry to check names (regions, boundaries, interfaces) and to fill
in the builder's default tables; the runner needs the same mesh.  Both go through
:func:`geometry_for`, which caches the last few builds by their resolved parameters so a
``check`` followed by ``run`` in one process (or a sweep over non-geometry keys) meshes once.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from femtbr.case.units import pint_unit, to_base_si, to_si
from femtbr.errors import CaseError, FemtbrError

log = logging.getLogger(__name__)

#: keys of [geometry] that are not builder parameters
GEOMETRY_KEYS = ("builder", "mesh", "mesh_unit")
_CACHE: OrderedDict[str, Any] = OrderedDict()
_CACHE_SIZE = 4


def convert_builder_params(builder: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Convert unit strings of builder parameters to SI using each parameter's declared unit.

    Nested lists of tables (``layers = [{thickness = "50 um"}]``) are converted to SI base units.

    Raises
    ------
    CaseError
        A unit string of the wrong dimension or an unknown unit, at ``geometry.<key>``.
    """
    from femtbr.geometry import get_builder

    spec = {p.name: p for p in get_builder(builder).params}
    out: dict[str, Any] = {}
    problems = []
    for key, value in params.items():
        p = spec.get(key)
        try:
            if isinstance(value, str) and p is not None and p.kind in ("float", "int", "any"):
                unit = pint_unit(p.unit)
                out[key] = to_si(value, unit) if unit is not None else to_base_si(value)
                if p.kind == "int" and out[key] == int(out[key]):
                    out[key] = int(out[key])
            else:
                out[key] = _deep_si(value)
        except ValueError as exc:
            problems.append((f"geometry.{key}", str(exc)))
    if problems:
        raise CaseError(problems)
    return out


def _deep_si(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_si(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_si(v) for v in value]
    return to_base_si(value)


def geometry_for(table: Mapping[str, Any], base_dir: Path | str = ".") -> Any:
    """The :class:`femtbr.geometry.Geometry` of a raw ``[geometry]`` table (cached).

    Parameters
    ----------
    table
        The case's ``[geometry]`` table: ``builder`` + parameters, or ``mesh`` (+ ``mesh_unit``).
    base_dir
        Directory that a relative ``mesh`` path is relative to.

    Raises
    ------
    CaseError
        Unknown builder, bad parameters, missing or unreadable mesh file (key path given).
    """
    if "mesh" in table and table.get("mesh") is not None:
        path = Path(base_dir, str(table["mesh"])).resolve()
        key = json.dumps(
            [
                "mesh",
                str(path),
                path.stat().st_mtime if path.exists() else 0,
                table.get("mesh_unit", "m"),
            ]
        )
    else:
        builder = table.get("builder")
        if not isinstance(builder, str):
            raise CaseError([("geometry.builder", f"must be a builder name, got {builder!r}")])
        params = {k: v for k, v in table.items() if k not in GEOMETRY_KEYS}
        params = convert_builder_params(builder, params)
        key = json.dumps([builder, params], sort_keys=True, default=str)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    if "mesh" in table and table.get("mesh") is not None:
        geo = _from_mesh(path, table.get("mesh_unit", "m"))
    else:
        from femtbr.geometry import build

        log.info("building geometry %r", builder)
        try:
            geo = build(builder, params)
        except FemtbrError:
            raise
        except (TypeError, ValueError, OverflowError, ArithmeticError) as exc:
            # bad parameter values the builder did not anticipate are still bad input
            msg = f"builder {builder!r} rejected its parameters: {exc}"
            raise CaseError([("geometry", msg)]) from None

    _CACHE[key] = geo
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return geo


def _from_mesh(path: Path, mesh_unit: str) -> Any:
    from femtbr.geometry import Geometry, load_msh

    if not path.is_file():
        raise CaseError([("geometry.mesh", f"mesh file not found: {path}")])
    try:
        scale = to_si(f"1 {mesh_unit}", "m")
    except ValueError as exc:
        raise CaseError([("geometry.mesh_unit", str(exc))]) from None
    try:
        mesh = load_msh(path)
    except Exception as exc:  # meshio raises its own errors on corrupt files
        raise CaseError([("geometry.mesh", f"{path.name}: {exc}")]) from None
    if scale != 1.0:
        mesh = replace(mesh, points=mesh.points * scale)
    interfaces = {n: (i.region_a, i.region_b) for n, i in mesh.interfaces.items()}
    return Geometry(mesh=mesh, interfaces=interfaces, info={"mesh": str(path)})
