"""Read and validate a case with femtbr's geometry builders handed to the case layer.

:func:`load` returns the case *and* what checking it built — the geometry, the materials, the
interface models (:class:`Loaded`) — so a run does not build them again (``femtbr check``
builds them once; ``femtbr run`` hands the same ones to :func:`femtbr.pipeline.run`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from femtbr.case import Case, GeometrySource, Resolved, read_toml, resolve
from femtbr.pipeline.geometry import build_geometry

Overrides = Mapping[str, Any] | Iterable[str]


#: A validated case with its geometry, materials and interface models (the case layer's
#: :class:`~femtbr.case.Resolved`).
Loaded = Resolved


def reporting(source: GeometrySource, progress: Any) -> GeometrySource:
    """``source`` that reports ``meshing`` before and ``mesh ready`` after it builds."""

    def build(table: Mapping[str, Any], base_dir: Path) -> Any:
        progress("meshing", {"geometry": table.get("builder") or table.get("mesh")})
        geo = source(table, base_dir)
        progress("mesh ready", {"cells": geo.mesh.n_cells, "points": len(geo.mesh.points)})
        return geo

    return build


def load(
    path: str | Path,
    overrides: Overrides = (),
    *,
    geometry: GeometrySource = build_geometry,
    progress: Any = None,
) -> Loaded:
    """Read, override and validate a case file; keep the geometry it was checked against.

    ``progress(stage, info)`` hears ``meshing`` / ``mesh ready`` around the geometry build.

    Raises
    ------
    CaseError
        Every problem found, each with its key path.
    """
    path = Path(path)
    source = reporting(geometry, progress) if progress is not None else geometry
    return load_table(read_toml(path), path.parent, overrides, geometry=source)


def load_table(
    raw: Mapping[str, Any],
    base_dir: str | Path = ".",
    overrides: Overrides = (),
    *,
    geometry: GeometrySource = build_geometry,
) -> Loaded:
    """:func:`load` for a case table already read (relative paths resolve against
    ``base_dir``)."""
    from femtbr.pipeline.preflight import preflight

    loaded = resolve(raw, base_dir, overrides, geometry=geometry)
    case = loaded.case
    if case.geometry.axisymmetric:  # conditions on the axis: refused by check as by run
        from femtbr.geometry.axisymmetric import check_axis_conditions

        check_axis_conditions(loaded.geometry.mesh, [n for n, b in case.boundaries.items()
                                                     if b.type != "adiabatic"])
    preflight(loaded)  # what the run would reject before solving (check ≡ run)
    return loaded


def load_case(path: str | Path, overrides: Overrides = ()) -> Case:
    """Read, override and validate a case file (``femtbr.load_case``).

    Parameters
    ----------
    path
        The TOML case file; relative paths inside it are relative to its directory.
    overrides
        ``{"a.b.c": value}`` or ``["a.b.c=VALUE", ...]`` (``--set`` syntax).

    Raises
    ------
    CaseError
        Every problem found, each with its key path.
    """
    return load(path, overrides).case


def validate(
    raw: Mapping[str, Any], base_dir: str | Path = ".", overrides: Overrides = ()
) -> Case:
    """Validate a raw case table (as read from TOML) with femtbr's geometry builders."""
    return load_table(raw, base_dir, overrides).case


def with_overrides(case: Case, overrides: Overrides) -> Case:
    """A new validated case with ``overrides`` (``["a.b=V", ...]`` or ``{"a.b": V}``) applied to
    ``case`` (a case is immutable: this is how to change it)."""
    return validate(case.model_dump(mode="json", exclude_none=True), overrides=overrides)
