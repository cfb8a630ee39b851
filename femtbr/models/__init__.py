"""Interface conductance models: contact, gas gap, radiation, phonon (AMM/DMM …), compositions.

Use :func:`create` to build a model by registry name and :func:`available` to list them.
"""

from femtbr.models.base import ConductanceModel, ModelBase, check_operating_point, param
from femtbr.models.registry import (
    available,
    create,
    describe,
    get,
    parameter_specs,
    register,
)

__all__ = [
    "ConductanceModel",
    "ModelBase",
    "available",
    "check_operating_point",
    "create",
    "describe",
    "get",
    "param",
    "parameter_specs",
    "register",
]
