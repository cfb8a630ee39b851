"""Case files: TOML -> validated, frozen :class:`Case` (pydantic), units, ``--set`` overrides.

>>> from femtbr.case import load_case
>>> case = load_case("cases/cpu_heatsink.toml", ["interfaces.die_tim1.pressure=2e5"])
"""

from femtbr.case.jsonschema import case_json_schema, write_json_schema
from femtbr.case.loader import load_case, read_toml, validate
from femtbr.case.overrides import apply_overrides, parse_path, parse_value
from femtbr.case.schema import (
    BoundarySpec,
    Case,
    GeometrySpec,
    InterfaceSpec,
    MaterialSpec,
    OutputSpec,
    PartSpec,
    ReportSpec,
    SolverSpec,
    SourceSpec,
)
from femtbr.case.units import to_si

__all__ = [
    "BoundarySpec",
    "Case",
    "GeometrySpec",
    "InterfaceSpec",
    "MaterialSpec",
    "OutputSpec",
    "PartSpec",
    "ReportSpec",
    "SolverSpec",
    "SourceSpec",
    "apply_overrides",
    "case_json_schema",
    "load_case",
    "parse_path",
    "parse_value",
    "read_toml",
    "to_si",
    "validate",
    "write_json_schema",
]
