"""Parallel composition: conductances add."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.models._compose import Composite
from femtbr.models.base import as_arrays
from femtbr.models.registry import register


@register("parallel")
@dataclass(frozen=True)
class Parallel(Composite):
    """Parallel paths: h = Σ h_i, dh/dT = Σ dh_i/dT [W/(m² K)] (heat flows through each path)."""

    summary: ClassVar[str] = "parallel composition h = sum h_i (each part reported)"

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h [W/(m² K)] and dh/dT [W/(m² K²)] at T [K], contact pressure p [Pa]."""
        T, p = as_arrays(T, p)
        h, dh = np.zeros_like(T), np.zeros_like(T)
        for hi, dhi in self.part_conductances(T, p):
            h, dh = h + hi, dh + dhi
        return h, dh
