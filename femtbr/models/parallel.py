"""Parallel composition: conductances add."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.models._compose import build_parts, components
from femtbr.models._pair import Rebuildable
from femtbr.models.base import ModelBase, as_arrays, param
from femtbr.models.registry import register


@register("parallel")
@dataclass(frozen=True)
class Parallel(Rebuildable, ModelBase):
    """Parallel paths: h = Σ h_i, dh/dT = Σ dh_i/dT [W/(m² K)] (heat flows through each path)."""

    parts: list = param(unit="-", kind="list", doc="models or {model = NAME, ...} tables")

    summary: ClassVar[str] = "parallel composition h = sum h_i (each part reported)"
    validity: ClassVar[str] = "that of every part"
    references: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "_parts", build_parts("parallel", self.parts))

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h [W/(m² K)] and dh/dT [W/(m² K²)] at T [K], contact pressure p [Pa]."""
        T, p = as_arrays(T, p)
        h, dh = np.zeros_like(T), np.zeros_like(T)
        for _, model in self._parts:  # type: ignore[attr-defined]
            hi, dhi = model.conductance(T, p)
            h, dh = h + hi, dh + dhi
        return h, dh

    def components(self, T: Any, p: Any) -> dict[str, np.ndarray]:
        """h of each part [W/(m² K)], keyed ``"i:name"`` or by the part's label."""
        T, p = as_arrays(T, p)
        return components(self._parts, T, p)  # type: ignore[attr-defined]
