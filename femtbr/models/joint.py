"""Joint conductance of conforming rough surfaces: constriction ‖ gas gap ‖ radiation."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from femtbr.errors import ModelError
from femtbr.models._pair import SurfacePair
from femtbr.models.base import ModelBase, as_arrays, param
from femtbr.models.contact import BANDS, REGIMES, Contact
from femtbr.models.gap_radiation import GapRadiation
from femtbr.models.gas_gap import GasGap
from femtbr.models.registry import register


@register("joint")
@dataclass(frozen=True)
class Joint(GasGap):
    """Joint conductance h_j = h_c + h_g + h_r [W/(m² K)] (Yovanovich 2005, IEEE TCPT 28(2) 182).

    h_c: ``contact`` (regime from the plasticity index); h_g: ``gas_gap`` with the mean-plane
    separation of the plastic model (vacuum when neither ``gas`` nor ``k_g`` is given or
    p_gas = 0); h_r: ``gap_radiation`` when both emissivities are given.  Parameters are those of
    the three parts.  :meth:`components` reports ``constriction``, ``gas`` and ``radiation``.
    dh_j/dT is the sum of the parts' exact derivatives.
    """

    regime: str = param("auto", kind="str", choices=REGIMES,
                        doc="contact regime: 'auto', 'plastic' or 'elastic'")
    elastoplastic_band: str = param("bridge", kind="str", choices=BANDS,
                                    doc="see the 'contact' model")
    emissivity1: float | None = param(None, positive=True, hi=1.0, doc="emissivity a")
    emissivity2: float | None = param(None, positive=True, hi=1.0, doc="emissivity b")

    name: ClassVar[str] = "joint"
    summary: ClassVar[str] = "joint: contact constriction + gas gap + radiation, each reported"
    validity: ClassVar[str] = "as the 'contact', 'gas_gap' and 'gap_radiation' models"
    references: ClassVar[tuple[str, ...]] = (
        "M. M. Yovanovich, IEEE Trans. Compon. Packag. Technol. 28(2), 182-206 (2005)",
    )

    @property
    def vacuum(self) -> bool:
        """True when there is no gas in the gap."""
        return self.p_gas == 0 or (self.gas is None and self.k_g is None)

    def __post_init__(self) -> None:
        ModelBase.__post_init__(self)
        surface = {f.name: getattr(self, f.name) for f in fields(SurfacePair)}
        gas = {f.name: getattr(self, f.name) for f in fields(GasGap) if f.name not in surface}
        try:
            parts: dict[str, Any] = {
                "constriction": Contact(
                    **surface, regime=self.regime, elastoplastic_band=self.elastoplastic_band
                )
            }
            if not self.vacuum:
                parts["gas"] = GasGap(**surface, **gas)
            if self.emissivity1 is not None or self.emissivity2 is not None:
                if self.emissivity1 is None or self.emissivity2 is None:
                    key = "emissivity1" if self.emissivity1 is None else "emissivity2"
                    raise ModelError(f"{key}: both emissivities are needed for radiation")
                parts["radiation"] = GapRadiation(self.emissivity1, self.emissivity2)
        except ModelError as exc:
            raise ModelError(f"joint: {exc}") from None
        self._set("parts", parts)

    @property
    def chosen_regime(self) -> str:
        """Deformation regime used for the constriction part."""
        return self.parts["constriction"].chosen_regime  # type: ignore[attr-defined]

    def components(self, T: Any, p: Any) -> dict[str, np.ndarray]:
        """h of ``constriction``, ``gas`` and ``radiation`` [W/(m² K)] (0 for an absent part)."""
        T, p = as_arrays(T, p)
        out = {key: np.zeros_like(T) for key in ("constriction", "gas", "radiation")}
        for key, model in self.parts.items():  # type: ignore[attr-defined]
            out[key] = model.conductance(T, p)[0]
        return out

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h_j [W/(m² K)] and dh_j/dT [W/(m² K²)] at T [K], contact pressure p [Pa]."""
        T, p = as_arrays(T, p)
        h, dh = np.zeros_like(T), np.zeros_like(T)
        for model in self.parts.values():  # type: ignore[attr-defined]
            hi, dhi = model.conductance(T, p)
            h, dh = h + hi, dh + dhi
        return h, dh
