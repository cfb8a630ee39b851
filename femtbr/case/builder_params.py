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

#: keys of [geometry] that are not builder parameters
GEOMETRY_KEYS = ("builder", "mesh", "mesh_unit", "axisymmetric")

#: ``source(table, base_dir) -> Geometry``: builds (or looks up) the geometry of a resolved
#: ``[geometry]`` table (builder parameters in SI, ``mesh`` an absolute path).  Raises
#: :class:`~femtbr.errors.CaseError` naming ``geometry.<key>`` for bad input.
GeometrySource = Callable[[Mapping[str, Any], Path], Any]


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
