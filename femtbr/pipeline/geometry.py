"""Build the geometry a case's resolved ``[geometry]`` table describes.

:func:`build_geometry` is the :data:`~femtbr.case.builder_params.GeometrySource` that
:func:`femtbr.pipeline.load` hands to the case layer: the geometry built while checking a case
is the one the run uses (it is built once per run).  :class:`GeometryCache` is a source that
keeps the last few geometries by their resolved table; a sweep worker holds one so that cases
differing only in non-geometry keys mesh once.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from femtbr.case.builder_params import GEOMETRY_KEYS, LIMIT_KEYS, size_limits
from femtbr.case.units import to_si
from femtbr.errors import CaseError, FemtbrError

log = logging.getLogger(__name__)


def geometry_table(case: Any) -> dict[str, Any]:
    """The resolved ``[geometry]`` table of a validated case (builder parameters in SI)."""
    g = case.geometry
    table: dict[str, Any] = (
        {"mesh": g.mesh, "mesh_unit": g.mesh_unit} if g.mesh else {"builder": g.builder}
    )
    table.update(g.parameters)
    if g.axisymmetric:
        table["axisymmetric"] = True
    table.update(size_limits(case.solver))
    return table


def geometry_key(table: Mapping[str, Any]) -> str:
    """A string that identifies the geometry of a resolved table (a mesh file by path and
    modification time)."""
    if table.get("mesh") is not None:
        path = Path(str(table["mesh"])).resolve()
        mtime = path.stat().st_mtime if path.exists() else 0
        return json.dumps(["mesh", str(path), mtime, table.get("mesh_unit", "m"),
                           bool(table.get("axisymmetric", False))])
    params = {k: v for k, v in table.items() if k not in GEOMETRY_KEYS}  # limits included
    return json.dumps([table.get("builder"), params, bool(table.get("axisymmetric", False))],
                      sort_keys=True, default=str)


def build_geometry(table: Mapping[str, Any], base_dir: Path | str = ".") -> Any:
    """The :class:`femtbr.geometry.Geometry` of a resolved ``[geometry]`` table.

    Parameters
    ----------
    table
        ``builder`` + parameters in SI, or ``mesh`` (+ ``mesh_unit``).
    base_dir
        Directory that a relative ``mesh`` path is relative to.

    Raises
    ------
    CaseError
        Unknown builder, bad parameters, missing or unreadable mesh file (key path given).
    """
    if table.get("mesh") is not None:
        geo = _from_mesh(Path(base_dir, str(table["mesh"])).resolve(),
                         table.get("mesh_unit", "m"))
        if table.get("axisymmetric"):
            from femtbr.geometry.axisymmetric import check_section

            check_section(geo.mesh)
            geo = replace(geo, info={**geo.info, "axisymmetric": True})
        return geo
    from femtbr.geometry import build

    builder = table.get("builder")
    if not isinstance(builder, str):
        raise CaseError([("geometry.builder", f"must be a builder name, got {builder!r}")])
    params = {k: v for k, v in table.items() if k not in GEOMETRY_KEYS + LIMIT_KEYS}
    if table.get("axisymmetric") is True:  # a builder that cannot revolve rejects the key
        params["axisymmetric"] = True
    log.info("building geometry %r", builder)
    try:
        return build(builder, params, max_dofs=table.get("solver.max_dofs"),
                     order=table.get("solver.order") or 1)
    except FemtbrError:
        raise
    except (TypeError, ValueError, OverflowError, ArithmeticError) as exc:
        # bad parameter values the builder did not anticipate are still bad input
        msg = f"builder {builder!r} rejected its parameters: {exc}"
        raise CaseError([("geometry", msg)]) from None


class GeometryCache:
    """A geometry source that keeps the last ``size`` geometries by :func:`geometry_key`.

    Held by whoever runs many cases (a sweep worker); never a module global, so a plain
    :func:`femtbr.run` always builds what its case describes.
    """

    def __init__(self, size: int = 2):
        self.size = size
        self._items: OrderedDict[str, Any] = OrderedDict()

    def __call__(self, table: Mapping[str, Any], base_dir: Path | str = ".") -> Any:
        if table.get("mesh") is not None:
            table = {**table, "mesh": str(Path(base_dir, str(table["mesh"])))}
        key = geometry_key(table)
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        geo = build_geometry(table, base_dir)
        self._items[key] = geo
        while len(self._items) > self.size:
            self._items.popitem(last=False)
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
