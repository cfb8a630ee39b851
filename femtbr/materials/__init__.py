"""Bulk material properties with sources: k(T), ρ, cp, E, ν, hardness, sound speeds, Debye T.

>>> from femtbr import materials
>>> k, dk_dT = materials.get("silicon").conductivity(300.0)
"""

from femtbr.materials.library import (
    KEYS,
    available,
    from_dict,
    get,
    properties,
    property_units,
    resolve,
)
from femtbr.materials.material import Material
from femtbr.materials.table import PropertyTable, RangeWarning

__all__ = [
    "KEYS", "Material", "PropertyTable", "RangeWarning", "available", "from_dict", "get",
    "properties", "property_units", "resolve",
]
