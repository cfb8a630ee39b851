"""Series composition: resistances add."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.models._compose import Composite
from femtbr.models.base import as_arrays
from femtbr.models.registry import register


@register("series")
@dataclass(frozen=True)
class Series(Composite):
    """Series layers: 1/h = Σ 1/h_i [m² K/W]; dh/dT = h² Σ (dh_i/dT)/h_i² exactly.

    A part with h_i = 0 makes h = 0; if exactly one part is zero, dh/dT is that part's
    derivative (the limit h → h_i), otherwise 0.
    """

    summary: ClassVar[str] = "series composition 1/h = sum 1/h_i (each part reported)"

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h [W/(m² K)] and dh/dT [W/(m² K²)] at T [K], contact pressure p [Pa]."""
        T, p = as_arrays(T, p)
        hs, dhs = zip(*self.part_conductances(T, p), strict=True)
        hs = np.broadcast_arrays(*[np.asarray(h, float) for h in hs])
        dhs = np.broadcast_arrays(*[np.asarray(d, float) for d in dhs])
        zero = np.zeros(T.shape, dtype=int)
        R, S = np.zeros(T.shape), np.zeros(T.shape)
        dzero = np.zeros(T.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            for h_i, dh_i in zip(hs, dhs, strict=True):
                z = h_i <= 0
                zero += z
                dzero = np.where(z, dh_i, dzero)
                R += np.where(z, 0.0, 1.0 / h_i)
                S += np.where(z, 0.0, dh_i / h_i**2)
            h = np.where(zero > 0, 0.0, 1.0 / R)
            dh = np.where(zero == 0, h**2 * S, np.where(zero == 1, dzero, 0.0))
        return h, dh
