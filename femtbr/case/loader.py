"""Read a TOML case file, apply overrides, fill defaults, validate against a handed-in geometry.

The geometry is not built here: every entry point takes a
:data:`~femtbr.case.builder_params.GeometrySource` (``femtbr.pipeline`` hands in the builder),
so the case layer imports no meshing or finite-element code.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from femtbr.case.builder_params import GeometrySource
from femtbr.case.overrides import apply_overrides
from femtbr.case.problems import from_validation_error
from femtbr.case.schema import Case
from femtbr.errors import CaseError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Overrides = Mapping[str, Any] | Iterable[str]


@dataclass(frozen=True)
class Resolved:
    """A validated case and what was built to check it.

    Attributes
    ----------
    case
        The validated, immutable case.
    geometry
        The :class:`femtbr.geometry.Geometry` its names were checked against.
    materials
        Region -> :class:`femtbr.materials.Material`.
    models
        Interface name -> conductance model.
    """

    case: Case
    geometry: Any
    materials: Mapping[str, Any]
    models: Mapping[str, Any]


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file.

    Raises
    ------
    CaseError
        Missing/unreadable file or a TOML syntax error (with line and column).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError([(str(path), f"cannot read case file: {exc}")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError([(str(path), f"TOML syntax error: {exc}")]) from None


def resolve(
    raw: Mapping[str, Any],
    base_dir: str | Path = ".",
    overrides: Overrides = (),
    *,
    geometry: GeometrySource,
) -> Resolved:
    """Validate a raw case table (as read from TOML) against the geometry ``geometry`` builds.

    Parameters
    ----------
    raw
        The case table; relative paths in it are relative to ``base_dir``.
    overrides
        ``{"a.b.c": value}`` or ``["a.b.c=VALUE", ...]`` (see :func:`apply_overrides`).
    geometry
        Builds the geometry of the resolved ``[geometry]`` table; names are checked against it.

    Returns
    -------
    Resolved
        The validated, immutable case (defaults filled, values in SI) and what checking it
        built — the geometry, the materials, the interface models — so that a run need not
        build them again.

    Raises
    ------
    CaseError
        Every problem found, each with its key path.
    """
    from femtbr.case import semantics

    if not isinstance(raw, Mapping):
        raise CaseError([("", f"a case must be a table, got {type(raw).__name__}")])
    data = apply_overrides(raw, overrides, extra_keys=semantics.extra_keys)
    data, problems, built = semantics.resolve(data, Path(base_dir), geometry)
    geo = built.geometry
    geometry_broken = geo is None and any(k.startswith("geometry") for k, _ in problems)
    problems.extend(_sweep_keys(data))
    problems.extend(_uncertainty_units(data))
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        found = from_validation_error(exc, Case)
        if geometry_broken:  # the builder's defaults are unknown: do not pile up consequences
            defaulted = ("interfaces.", "boundaries.", "sources.", "materials.")
            found = [
                (k, m)
                for k, m in found
                if not (k.startswith(defaulted) and m == "required key is missing")
            ]
        problems = found + problems
        case = None
    if problems:
        raise CaseError(_unique(problems))
    assert case is not None
    return Resolved(case, geo, built.materials, built.models)


def _sweep_keys(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each swept key must be a key ``--set`` accepts."""
    from femtbr.case import semantics

    sweep = data.get("sweep")
    if not isinstance(sweep, Mapping) or not isinstance(sweep.get("parameters"), Mapping):
        return []
    problems = []
    trial = {k: v for k, v in data.items() if k != "sweep"}
    for key, values in sweep["parameters"].items():
        try:
            apply_overrides(trial, {key: 0}, extra_keys=semantics.extra_keys)
        except CaseError as exc:
            problems += [(f"sweep.parameters.{key!r}", m) for _, m in exc.problems]
            continue
        problems += _sweep_units(trial, key, values)
    return problems


def _sweep_units(trial: Mapping[str, Any], key: str, values: Any) -> list[tuple[str, str]]:
    """Each quantity string a sweep gives ``key`` (list values, range bounds) converted with the
    unit ``key`` declares (:func:`_key_units`), reported at ``sweep.parameters.<key>``."""
    if isinstance(values, Mapping):
        given = [(f"{b}", values[b]) for b in ("min", "max") if b in values]
    elif isinstance(values, list):
        given = [(f"[{i}]", v) for i, v in enumerate(values)]
    else:
        return []
    return _key_units(trial, key, given, f"sweep.parameters.{key!r}")


def _uncertainty_units(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The quantities of each ``[uncertainty]`` distribution (``mean``, ``std``, ``min``,
    ``max``) in the dimension of the ``--set`` key they describe (a key with no case value,
    such as a ``k_scale`` factor, is left to the analysis to name)."""
    from femtbr.case import semantics

    table = data.get("uncertainty")
    if not isinstance(table, Mapping) or not isinstance(table.get("parameters"), Mapping):
        return []
    trial = {k: v for k, v in data.items() if k not in ("uncertainty", "sweep", "fit")}
    out = []
    for key, dist in table["parameters"].items():
        if not isinstance(dist, Mapping):
            continue
        try:
            apply_overrides(trial, {key: 0}, extra_keys=semantics.extra_keys)
        except CaseError:
            continue
        given = [(b, dist[b]) for b in ("mean", "std", "min", "max") if b in dist]
        out += _key_units(trial, key, given, f"uncertainty.parameters.{key!r}")
    return out


def _key_units(trial: Mapping[str, Any], key: str, given: list[tuple[str, Any]],
               prefix: str) -> list[tuple[str, str]]:
    """Problems of the quantity strings ``given`` ((where, value) pairs) for ``key``: the base
    case with each value at ``key`` is validated (without a geometry) and a problem at ``key``
    itself is reported at ``<prefix><where>``."""
    from femtbr.case import semantics

    out = []
    for where, value in given:
        if not isinstance(value, str):
            continue
        data = apply_overrides(trial, {key: value}, extra_keys=semantics.extra_keys)
        found: list[tuple[str, str]] = []
        try:
            data, found, _ = semantics.resolve(data, Path("."), _no_geometry)
            Case.model_validate(data)
        except ValidationError as exc:
            found += from_validation_error(exc, Case)
        for k, m in found:
            if k == key or k.startswith((f"{key}.", f"{key}[")):
                out.append((f"{prefix}{'.' if where[0] != '[' else ''}{where}", m))
    return out


def _no_geometry(table: Mapping[str, Any], base_dir: Path) -> Any:
    """A geometry source that builds nothing (sweep value checks need no mesh)."""
    raise CaseError([("geometry", "not built")])


def _unique(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen, out = set(), []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out
