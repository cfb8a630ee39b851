"""Case files: TOML -> validated, frozen :class:`Case` (pydantic), units, ``--set`` overrides.

Names are checked against a geometry handed in (``geometry=`` source); this package imports no
meshing or finite-element code.  With femtbr's builders:

>>> import femtbr
>>> case = femtbr.load_case("cases/cpu_heatsink.toml", ["interfaces.die_tim1.pressure=2e5"])
"""

from femtbr.case.builder_params import GeometrySource
from femtbr.case.jsonschema import case_json_schema, write_json_schema
from femtbr.case.loader import Resolved, read_toml, resolve
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
    "GeometrySource",
    "GeometrySpec",
    "InterfaceSpec",
    "MaterialSpec",
    "OutputSpec",
    "PartSpec",
    "ReportSpec",
    "Resolved",
    "SolverSpec",
    "SourceSpec",
    "apply_overrides",
    "case_json_schema",
    "parse_path",
    "parse_value",
    "read_toml",
    "resolve",
    "to_si",
    "write_json_schema",
]
