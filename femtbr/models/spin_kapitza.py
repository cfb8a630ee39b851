"""Spin-dependent (two-channel) Kapitza conductance: G = 1/R↑ + 1/R↓."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from femtbr.errors import ModelError
from femtbr.models.base import ModelBase, as_arrays, param
from femtbr.models.registry import create, register

#: what a channel may be: a resistance [m² K/W], a ``{model = NAME, ...}`` table or a model
CHANNEL = ("float", "table", "model")


def _channel(owner: str, key: str, spec: Any) -> Any:
    """A model from a resistance [m² K/W] (checked > 0 by the field), a ``{model = NAME, ...}``
    table or a model instance."""
    label = f"{owner}.{key}"
    if isinstance(spec, (int, float, np.number)) and not isinstance(spec, bool):
        return create("constant", h=1.0 / float(spec))
    if isinstance(spec, Mapping):
        params = dict(spec)
        name = params.pop("model", None)
        if not isinstance(name, str):
            raise ModelError(f"{label}.model: model name (string) required")
        try:
            return create(name, **params)
        except ModelError as exc:
            raise ModelError(f"{label}: {exc}") from None
    return spec


@register("spin_kapitza")
@dataclass(frozen=True)
class SpinKapitza(ModelBase):
    """Two spin channels conducting heat in parallel across the interface.

    G = G↑ + G↓ = 1/R↑ + 1/R↓ [W/(m² K)] and dG/dT = dG↑/dT + dG↓/dT, the two-current
    picture of Mott (Proc. R. Soc. A 153, 699 (1936)) applied to heat: spin-up and spin-down
    carriers are independent parallel channels when spin-flip scattering is slow (spin heat
    accumulation: Heikkilä, Hatami & Bauer, Phys. Rev. B 81, 100408(R) (2010)).  Each channel is
    a resistance R [m² K/W] or any conductance model.
    """

    up: Any = param(unit="m^2 K/W", kind=CHANNEL, positive=True,
                    doc="spin-up channel: a resistance, a model table or a model")
    down: Any = param(unit="m^2 K/W", kind=CHANNEL, positive=True,
                      doc="spin-down channel: a resistance, a model table or a model")
    _up: Any = field(init=False, repr=False, compare=False)
    _down: Any = field(init=False, repr=False, compare=False)

    summary: ClassVar[str] = "two spin channels in parallel, G = 1/R_up + 1/R_down"
    validity: ClassVar[str] = "spin-flip time long compared with the interface transit"
    references: ClassVar[tuple[str, ...]] = (
        "N.F. Mott, Proc. R. Soc. A 153, 699 (1936)",
        "T.T. Heikkilä, M. Hatami, G.E.W. Bauer, Phys. Rev. B 81, 100408(R) (2010)",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "_up", _channel(self.name, "up", self.up))
        object.__setattr__(self, "_down", _channel(self.name, "down", self.down))

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """G [W/(m² K)] and dG/dT [W/(m² K²)] at T [K], contact pressure p [Pa]."""
        T, p = as_arrays(T, p)
        hu, dhu = self._up.conductance(T, p)
        hd, dhd = self._down.conductance(T, p)
        return hu + hd, dhu + dhd

    def components(self, T: Any, p: Any) -> dict[str, np.ndarray]:
        """Conductance of each spin channel [W/(m² K)]."""
        T, p = as_arrays(T, p)
        return {"up": self._up.conductance(T, p)[0], "down": self._down.conductance(T, p)[0]}
