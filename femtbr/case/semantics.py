"""Checks and fills that need the registries: geometry, materials and conductance models.

Works on the raw (dict) case before pydantic validation so that every problem is collected,
even when other parts of the file are broken.  It

* asks the geometry source it is handed for the geometry (it builds none itself) and fills in
  the builder's default materials, boundaries, sources and interface region pairs where the
  case does not give them;
* checks that every region, boundary and interface name exists in the mesh;
* resolves materials (library names, inline properties with units);
* converts model parameters to SI using the units each model declares, fills ``side_a`` /
  ``side_b`` from the region materials when the model takes them, and instantiates every
  model once so range errors surface with their key path.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from femtbr.case.builder_params import (
    GEOMETRY_KEYS,
    GeometrySource,
    convert_builder_params,
    size_limits,
)
from femtbr.case.units import pint_unit, to_base_si, to_si
from femtbr.errors import CaseError, FemtbrError

Problems = list[tuple[str, str]]

#: keys of an interface / part table that are not model parameters
INTERFACE_KEYS = {"between", "model", "parts", "pressure"}
PART_KEYS = {"model", "label", "parts"}
_STARTS_NUMERIC = re.compile(r"^\s*[-+]?(\d|\.\d)")


@dataclass
class Built:
    """What checking a case built, handed on so that a run does not build it again: the
    geometry, the material of each region and the conductance model of each interface."""

    geometry: Any = None
    materials: dict[str, Any] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)


def resolve(
    raw: dict[str, Any], base_dir: Path, geometry: GeometrySource
) -> tuple[dict[str, Any], Problems, Built]:
    """Fill defaults and check names against the registries and the geometry ``geometry`` gives.

    ``geometry(table, base_dir)`` builds (or looks up) the geometry of the converted
    ``[geometry]`` table; the case layer itself builds no mesh.

    Returns
    -------
    raw : dict
        A new dict with defaults merged and units of registry-defined keys converted.
    problems : list
        ``(key path, message)`` pairs.
    built : Built
        The geometry (None if it could not be built), materials and interface models.
    """
    raw = copy.deepcopy(raw)
    problems: Problems = []
    _relative_paths(raw, base_dir)
    geo = _geometry(raw, base_dir, geometry, problems)
    if geo is not None:
        _merge_defaults(raw, geo)
    built = Built(geometry=geo)
    _materials(raw, geo, problems, built.materials)
    _interfaces(raw, geo, problems, built.models)
    _names(raw, geo, problems)
    return raw, problems, built


def _relative_paths(raw: dict[str, Any], base_dir: Path) -> None:
    """Make file paths in the case (waveform CSVs, model tables) relative to the case file."""

    def fix(table: Any, key: str) -> None:
        if isinstance(table, dict) and isinstance(table.get(key), str):
            table[key] = str(Path(base_dir, table[key]).resolve())

    geometry = raw.get("geometry")
    if isinstance(geometry, dict) and geometry.get("builder") == "msh":
        fix(geometry, "path")
    transient = raw.get("transient")
    if isinstance(transient, dict):
        for section in ("power", "ambient", "temperature"):
            waves = transient.get(section)
            if isinstance(waves, dict):
                for w in waves.values():
                    fix(w, "csv")
    interfaces = raw.get("interfaces")
    if isinstance(interfaces, dict):
        stack = list(interfaces.values())
        while stack:
            entry = stack.pop()
            if isinstance(entry, dict):
                fix(entry, "file")
                fix(entry.get("pressure"), "csv")
                if isinstance(entry.get("parts"), list):
                    stack.extend(entry["parts"])


# ----------------------------------------------------------------------------- geometry
def _geometry(
    raw: dict[str, Any], base_dir: Path, source: GeometrySource, problems: Problems
) -> Any:
    """Convert the builder parameters in place, then ask ``source`` for the geometry."""
    table = raw.get("geometry")
    if not isinstance(table, dict):
        return None
    if ("builder" in table) == ("mesh" in table):
        return None  # the schema reports it
    if isinstance(table.get("mesh"), str):
        table["mesh"] = str(Path(base_dir, table["mesh"]).resolve())
    try:
        if "builder" in table:
            builder = table["builder"]
            if not isinstance(builder, str):
                raise CaseError([("geometry.builder", f"must be a builder name, got {builder!r}")])
            params = {k: v for k, v in table.items() if k not in GEOMETRY_KEYS}
            table.update(convert_builder_params(builder, params))
        solver = raw.get("solver") if isinstance(raw.get("solver"), dict) else {}
        return source({**table, **size_limits(solver)}, base_dir)
    except CaseError as exc:
        problems.extend(exc.problems)
    except FemtbrError as exc:
        problems.append(("geometry", str(exc)))
    return None


def _kind_key(section: str) -> str | None:
    return {"interfaces": "model", "boundaries": "type", "materials": "use"}.get(section)


def _merge_defaults(raw: dict[str, Any], geo: Any) -> None:
    """Builder defaults under the case's tables: an entry the case changes the kind of (another
    model, boundary type or library material) replaces the default; otherwise keys merge."""
    defaults = {
        "materials": {r: {"use": m} for r, m in geo.materials.items()},
        "boundaries": {b: dict(t) for b, t in geo.boundaries.items()},
        "sources": {r: dict(t) for r, t in geo.sources.items()},
    }
    for section, table in defaults.items():
        given = raw.get(section, {})
        if not isinstance(given, dict):
            continue
        merged = {}
        kind = _kind_key(section)
        for name, entry in table.items():
            mine = given.get(name)
            if mine is None:
                merged[name] = entry
            elif not isinstance(mine, dict):
                merged[name] = mine
            elif kind and kind in mine and mine.get(kind) != entry.get(kind):
                merged[name] = mine
            elif section == "materials" and "use" not in mine and not _in_library(entry["use"]):
                merged[name] = mine  # an inline material for a name the library lacks
            elif section == "sources" and ("power" in mine or "density" in mine):
                merged[name] = mine
            else:
                merged[name] = {**entry, **mine}
        merged.update({n: e for n, e in given.items() if n not in merged})
        raw[section] = merged
    interfaces = raw.get("interfaces")
    if isinstance(interfaces, dict):
        for name, entry in interfaces.items():
            if isinstance(entry, dict) and "between" not in entry and name in geo.interfaces:
                entry["between"] = list(geo.interfaces[name])


# ----------------------------------------------------------------------------- materials
def _in_library(name: Any) -> bool:
    from femtbr.materials import get

    try:
        get(name)
    except FemtbrError:
        return False
    return True


def _convert_material(entry: dict[str, Any], path: str, problems: Problems) -> dict[str, Any]:
    from femtbr.materials import KEYS, property_units
    from femtbr.materials.anisotropy import is_anisotropic

    units = property_units()
    out: dict[str, Any] = {}
    if "conductivity" in entry:
        if "k" in entry:
            problems.append((f"{path}.conductivity", "give 'k' or 'conductivity', not both"))
        entry = {("k" if k == "conductivity" else k): v for k, v in entry.items()}
    for key, value in entry.items():
        if key not in KEYS:
            problems.append(
                (f"{path}.{key}", f"unknown material property; known: {', '.join(KEYS)}")
            )
            continue
        unit = units.get(key)
        try:
            if unit is None:
                out[key] = value
            elif key == "k" and is_anisotropic(value):  # principal values: each converted
                out[key] = _convert_principal(value, unit)
            elif isinstance(value, dict) and key in ("k", "cp"):
                out[key] = {
                    c: [to_si(x, "K" if c == "T" else unit) for x in v]
                    if isinstance(v, list)
                    else v
                    for c, v in value.items()
                }
            else:
                out[key] = to_si(value, unit)
        except ValueError as exc:
            problems.append((f"{path}.{key}", str(exc)))
    return out


def _convert_principal(value: Any, unit: str) -> Any:
    """SI values of a tensor ``k``: a list of principal values or ``{in_plane, through_plane}``,
    each a number (or string with unit) or a table ``{T = [...], k = [...]}``."""

    def one(v: Any) -> Any:
        if isinstance(v, dict):
            return {c: [to_si(x, "K" if c == "T" else unit) for x in w] if isinstance(w, list)
                    else w for c, w in v.items()}
        return to_si(v, unit)

    if isinstance(value, dict):
        return {c: one(v) for c, v in value.items()}
    return [one(v) for v in value]


def _materials(raw: dict[str, Any], geo: Any, problems: Problems, built: dict[str, Any]) -> None:
    from femtbr.materials import from_dict

    table = raw.get("materials")
    if not isinstance(table, dict):
        return
    regions = set(geo.mesh.regions) if geo is not None else None
    for region, entry in table.items():
        path = f"materials.{region}"
        if regions is not None and region not in regions:
            problems.append((path, f"no region {region!r} in the mesh; regions: {sorted(regions)}"))
        if not isinstance(entry, dict):
            if isinstance(entry, str):  # shorthand: die = "silicon"
                entry = {"use": entry}
            else:
                continue
        n = len(problems)
        entry = _convert_material(entry, path, problems)
        table[region] = entry
        if len(problems) > n or ("use" not in entry and "k" not in entry):
            continue
        try:
            built[region] = mat = from_dict(region, entry)
            if mat.k_tensor is not None and geo is not None:  # principal values per dimension
                dim = geo.mesh.points.shape[1]
                mat.k_tensor.tables(dim)
                mat.k_tensor.axes_matrix(dim)
        except FemtbrError as exc:
            msg = str(exc).replace(f"material {region!r}: ", "")
            key = "use" if "unknown material" in msg else ""
            problems.append((f"{path}.{key}" if key else path, msg))
    if regions is not None:
        for r in sorted(regions - set(table)):
            problems.append((f"materials.{r}", f"region {r!r} of the mesh has no material"))


def material_ref(entry: Any) -> Any:
    """What a model's ``side_a``/``side_b`` gets for a region: the library name (``use``; inline
    overrides such as ``k`` concern bulk conduction, not the interface), or the inline table."""
    if isinstance(entry, dict) and isinstance(entry.get("use"), str):
        return entry["use"]
    if isinstance(entry, str):
        return entry
    return dict(entry) if isinstance(entry, dict) else entry


# ----------------------------------------------------------------------------- models
def model_parameters(model: str) -> dict[str, dict[str, Any]]:
    """``describe(model)["parameters"]`` (raises ModelError for an unknown model)."""
    from femtbr.models import describe

    return dict(describe(model).get("parameters", {}))


def _convert_params(
    entry: dict[str, Any],
    path: str,
    fixed: set[str],
    sides: tuple[Any, Any] | None,
    problems: Problems,
    sides_known: bool = True,
) -> dict[str, Any] | None:
    """Check and convert one model table (interface or part) in place; recurse into parts."""
    from femtbr.models import create

    model = entry.get("model")
    if not isinstance(model, str):
        return None  # schema reports
    try:
        spec = model_parameters(model)
    except FemtbrError as exc:
        problems.append((f"{path}.model", str(exc)))
        return None
    n = len(problems)
    for key in list(entry):
        if key in fixed or key == "parts":
            continue
        if key not in spec:
            problems.append(
                (
                    f"{path}.{key}",
                    f"unknown parameter of model {model!r}; "
                    f"parameters: {', '.join(spec) or '(none)'}",
                )
            )
            continue
        value = entry[key]
        if isinstance(value, str) and _STARTS_NUMERIC.match(value):
            unit = pint_unit(str(spec[key].get("unit", "")))
            try:
                entry[key] = to_si(value, unit) if unit is not None else to_base_si(value)
            except ValueError as exc:
                problems.append((f"{path}.{key}", str(exc)))
    if sides is not None:
        for key, side in zip(("side_a", "side_b"), sides, strict=False):
            if key in spec and key not in entry and side is not None:
                entry[key] = side
    parts = entry.get("parts")
    if isinstance(parts, list):
        for i, part in enumerate(parts):
            if isinstance(part, dict):
                _convert_params(part, f"{path}.parts[{i}]", PART_KEYS, sides, problems, sides_known)
    if len(problems) > n:
        return None
    kwargs = {k: v for k, v in entry.items() if k not in fixed or k == "parts"}
    missing = [k for k, d in spec.items() if d.get("required") and k not in kwargs]
    if not sides_known:  # the regions are unknown (broken geometry): check each value only
        from femtbr.models import parameter_specs

        for key, declared in parameter_specs(model).items():
            if key in kwargs:
                try:
                    declared.check(kwargs[key], f"{path}.{key}", lambda w, m: CaseError([(w, m)]))
                except CaseError as exc:
                    problems.extend(exc.problems)
        return None
    if missing:
        problems.append((path, f"model {model!r} requires {', '.join(missing)}"))
        return None
    try:
        return create(model, **kwargs)
    except FemtbrError as exc:
        problems.append(_model_problem(str(exc), model, path))
    except (TypeError, ValueError) as exc:
        problems.append((path, f"model {model!r}: {exc}"))
    return None


def _model_problem(msg: str, model: str, path: str) -> tuple[str, str]:
    """Map a ModelError message ``"cmy.sigma: must be > 0 ..."`` to ``(path.sigma, ...)``."""
    m = re.match(rf"^{re.escape(model)}\.(\w+): (.*)$", msg, re.S)
    if m:
        return f"{path}.{m.group(1)}", m.group(2)
    return path, msg


def _interfaces(raw: dict[str, Any], geo: Any, problems: Problems, built: dict[str, Any]) -> None:
    table = raw.get("interfaces")
    if not isinstance(table, dict):
        return
    materials = raw.get("materials") if isinstance(raw.get("materials"), dict) else {}
    regions = set(geo.mesh.regions) if geo is not None else None
    for name, entry in table.items():
        path = f"interfaces.{name}"
        if not isinstance(entry, dict):
            continue
        between = entry.get("between")
        sides = None
        if "between" not in entry and geo is None:
            pass  # the geometry is broken: its problems are reported, the region pair is unknown
        elif "between" not in entry:
            problems.append(
                (
                    f"{path}.between",
                    f"required key is missing (and the geometry defines no interface {name!r})",
                )
            )
        elif (
            isinstance(between, list)
            and len(between) == 2
            and all(isinstance(b, str) for b in between)
        ):
            ok = True
            if regions is not None:
                for i, r in enumerate(between):
                    if r not in regions:
                        ok = False
                        problems.append(
                            (
                                f"{path}.between[{i}]",
                                f"no region {r!r} in the mesh; regions: {sorted(regions)}",
                            )
                        )
                if ok and name not in geo.mesh.interfaces and between[0] != between[1]:
                    if geo.mesh.facets_between(between[0], between[1]).shape[0] == 0:
                        problems.append(
                            (
                                f"{path}.between",
                                f"regions {between[0]!r} and {between[1]!r} do not touch",
                            )
                        )
            sides = tuple(material_ref(materials.get(r)) for r in between)
        model = _convert_params(entry, path, INTERFACE_KEYS, sides, problems, geo is not None)
        if model is not None:
            built[name] = model
            _check_operating_point(model, entry.get("pressure", 0.0), path, problems)


def _check_operating_point(model: Any, pressure: Any, path: str, problems: Problems) -> None:
    """What ``run`` would reject at the interface's pressure (e.g. P/H_c >= 1), at check time."""
    from femtbr.models import check_operating_point

    try:
        p = to_si(pressure, "Pa")
    except (TypeError, ValueError):
        return  # the schema reports a bad pressure
    if not p >= 0:
        return  # the schema reports it (Pressure is >= 0)
    try:
        check_operating_point(model, p)
    except FemtbrError as exc:
        problems.append((f"{path}.pressure", str(exc)))


# ----------------------------------------------------------------------------- names
def _names(raw: dict[str, Any], geo: Any, problems: Problems) -> None:
    if geo is None:
        return
    mesh = geo.mesh
    checks = [
        ("boundaries", set(mesh.boundaries), "boundary"),
        ("sources", set(mesh.regions), "region"),
    ]
    for section, valid, what in checks:
        table = raw.get(section)
        if isinstance(table, dict):
            for name in table:
                if name not in valid:
                    problems.append(
                        (
                            f"{section}.{name}",
                            f"no {what} {name!r} in the mesh; the mesh has: {sorted(valid)}",
                        )
                    )
    probes = raw.get("probes")
    if isinstance(probes, dict):
        for name, p in probes.items():
            if isinstance(p, list) and len(p) in (2, 3) and len(p) != mesh.dim:
                problems.append((f"probes.{name}", f"needs {mesh.dim} coordinates, got {len(p)}"))
    report = raw.get("report")
    if isinstance(report, dict):
        j = report.get("junction")
        if isinstance(j, str) and j not in mesh.regions:
            problems.append(
                ("report.junction", f"no region {j!r}; regions: {sorted(mesh.regions)}")
            )
        path = report.get("path")
        if isinstance(path, list):
            for i, r in enumerate(path):
                if r not in mesh.regions:
                    problems.append((f"report.path[{i}]", f"no region {r!r} in the mesh"))


def extra_keys(tokens: list[Any], node: Mapping[str, Any]) -> set[str] | None:
    """Registry-defined keys valid in an open table (for ``--set`` checking).

    Interface and part tables accept their model's parameters, material tables the material
    property names, ``[geometry]`` the builder's parameters.
    """
    try:
        if tokens and tokens[0] in ("interfaces",) and isinstance(node.get("model"), str):
            return set(model_parameters(node["model"]))
        if tokens and tokens[0] == "materials":
            from femtbr.materials import KEYS

            return set(KEYS)
        if tokens == ["geometry"] and isinstance(node.get("builder"), str):
            from femtbr.geometry import get_builder

            return {p.name for p in get_builder(node["builder"]).params}
    except FemtbrError:
        return None
    return None
