"""Builder parameters of a ``[geometry]`` table in SI, using the units each builder declares.

The case layer converts and checks the parameters; the geometry itself is built outside the
case layer (:mod:`femtbr.pipeline.geometry`) and handed to :func:`femtbr.case.resolve`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from femtbr.case.units import pint_unit, to_base_si, to_si
from femtbr.errors import CaseError
from femtbr.params import Param

#: keys of [geometry] that are not builder parameters
GEOMETRY_KEYS = ("builder", "mesh", "mesh_unit", "axisymmetric")

#: keys the case layer adds to the ``[geometry]`` table it hands a geometry source: the
#: ``[solver]`` settings that bound the mesh size (``max_dofs``, element ``order``)
LIMIT_KEYS = ("solver.max_dofs", "solver.order")

#: ``source(table, base_dir) -> Geometry``: builds (or looks up) the geometry of a resolved
#: ``[geometry]`` table (builder parameters in SI, ``mesh`` an absolute path).  Raises
#: :class:`~femtbr.errors.CaseError` naming ``geometry.<key>`` for bad input.  The table also
#: carries :data:`LIMIT_KEYS` (the size guard's limits; :func:`size_limits`).
GeometrySource = Callable[[Mapping[str, Any], Path], Any]


def size_limits(solver: Any) -> dict[str, Any]:
    """The :data:`LIMIT_KEYS` of a ``[solver]`` table (raw dict or validated spec); a value the
    schema will reject is left out (the default applies)."""
    get = solver.get if isinstance(solver, Mapping) else lambda k: getattr(solver, k, None)
    max_dofs, order = get("max_dofs"), get("order")
    valid_dofs = isinstance(max_dofs, int) and not isinstance(max_dofs, bool) and max_dofs >= 1
    return {"solver.max_dofs": max_dofs if valid_dofs else None,
            "solver.order": order if order in (1, 2) and not isinstance(order, bool) else 1}


def convert_builder_params(builder: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Convert unit strings of builder parameters to SI using the units each builder declares.

    A parameter's ``unit`` converts its value (and, for a list such as ``die_size = ["12 mm",
    "12 mm"]``, each element); a list of tables converts each entry's quantity fields with the
    units its ``fields`` declare (``layers = [{thickness = "50 um", power = "2 W"}]``).  Strings
    in places that declare no unit are converted to SI base units.

    Raises
    ------
    CaseError
        A unit string of the wrong dimension or an unknown unit, at its key path
        (``geometry.layers[0].thickness``).
    """
    from femtbr.geometry import get_builder

    spec = {p.name: p for p in get_builder(builder).params}
    problems: list[tuple[str, str]] = []
    out = {key: _param_si(value, spec.get(key), f"geometry.{key}", problems)
           for key, value in params.items()}
    if problems:
        raise CaseError(problems)
    return out


def _param_si(value: Any, param: Param | None, key: str, problems: list[tuple[str, str]]) -> Any:
    """One builder parameter in SI (``param`` None: unknown key, the builder reports it)."""
    if param is None:
        return _deep_si(value)
    if param.fields and isinstance(value, list):
        return [_entry_si(e, param.fields, f"{key}[{i}]", problems) for i, e in enumerate(value)]
    if param.kind not in ("float", "int", "any"):
        return _deep_si(value)
    if isinstance(value, list) and not param.unit:
        return _deep_si(value)
    out = _quantity_si(value, param.unit, key, problems)
    if param.kind == "int" and isinstance(out, float) and out.is_integer():
        out = int(out)
    return out


def _entry_si(entry: Any, fields: Mapping[str, str], key: str,
              problems: list[tuple[str, str]]) -> Any:
    """One table of a list parameter with its quantity ``fields`` in SI."""
    if not isinstance(entry, Mapping):
        return _deep_si(entry)  # the builder rejects a non-table entry with its key path
    return {
        f: _quantity_si(v, fields[f], f"{key}.{f}", problems) if f in fields else _deep_si(v)
        for f, v in entry.items()
    }


def _quantity_si(value: Any, unit: str, key: str, problems: list[tuple[str, str]]) -> Any:
    """A string (or each string of a list) converted to ``unit``; other values pass through
    (the builder checks types and ranges)."""
    if isinstance(value, list):
        return [_quantity_si(v, unit, f"{key}[{i}]", problems) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    target = pint_unit(unit)
    try:
        return to_si(value, target) if target is not None else to_base_si(value)
    except ValueError as exc:
        problems.append((key, str(exc)))
        return value


def _deep_si(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_si(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_si(v) for v in value]
    return to_base_si(value)
