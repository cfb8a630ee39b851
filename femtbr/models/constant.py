"""A constant interface conductance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.models.base import ModelBase, as_arrays, param
from femtbr.models.registry import register


@register("constant")
@dataclass(frozen=True)
class Constant(ModelBase):
    """h = const [W/(m² K)], dh/dT = 0 (e.g. a measured resistance R: h = 1/R)."""

    h: float = param(unit="W/(m^2 K)", lo=0, doc="interface conductance")

    summary: ClassVar[str] = "constant conductance h"
    validity: ClassVar[str] = "any"
    references: ClassVar[tuple[str, ...]] = ()

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h [W/(m² K)] and dh/dT = 0 [W/(m² K²)] broadcast to T [K], p [Pa]."""
        T, _ = as_arrays(T, p)
        return np.full(T.shape, float(self.h)), np.zeros(T.shape)
