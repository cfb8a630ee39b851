"""Pydantic field types for physical quantities: a number in SI or a string with units.

``Quantity("W/(m*K)", gt=0)`` is an annotated ``float`` that accepts ``3.0`` or ``"3 W/m/K"``
and stores the SI value; its JSON Schema accepts a number or a string and documents the unit.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from femtbr.case.units import to_si


def Quantity(unit: str, description: str = "", **bounds: float) -> Any:  # noqa: N802
    """An annotated float type in ``unit`` with optional bounds ``gt``, ``ge``, ``lt``, ``le``.

    Parameters
    ----------
    unit
        pint unit string of the SI unit the key expects (``""`` for dimensionless).
    description
        Text for the JSON Schema.
    **bounds
        Pydantic numeric constraints checked on the converted SI value.
    """
    label = unit or "-"
    number: dict[str, Any] = {"type": "number"}
    names = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}
    for k, v in bounds.items():
        number[names[k]] = v
    schema = {
        "anyOf": [number, {"type": "string", "description": "'<number> <unit>'"}],
        "description": f"{description} [{label}]".strip(),
        "x-unit": label,
    }

    def convert(value: Any) -> float:
        return to_si(value, unit)

    return Annotated[
        float, BeforeValidator(convert), Field(**bounds), WithJsonSchema(schema)  # type: ignore[arg-type]
    ]


Temperature = Quantity("K", "absolute temperature; '85 degC' accepted", gt=0)
Length = Quantity("m", "length", gt=0)
Coordinate = Quantity("m", "coordinate")
Pressure = Quantity("Pa", "contact pressure", ge=0)
Power = Quantity("W", "heat power")
PowerDensity = Quantity("W/m^3", "volumetric heat generation")
HeatFluxDensity = Quantity("W/m^2", "heat flux into the body")
HTC = Quantity("W/(m^2*K)", "heat transfer coefficient", ge=0)
Conductivity = Quantity("W/(m*K)", "thermal conductivity", gt=0)
Density = Quantity("kg/m^3", "mass density", gt=0)
SpecificHeat = Quantity("J/(kg*K)", "specific heat capacity", gt=0)
Time = Quantity("s", "time", gt=0)
Fraction = Quantity("", "fraction", ge=0, le=1)
