"""Common base of the two-sided Debye-phonon models (``amm``, ``dmm``, ``phonon_radiation_limit``).

Not a registered model.  Subclasses implement :meth:`PhononPair.coefficient`, the factor
S = Σ_j Γ_j / c_j² [s²/m²] of phonons incident from one side; then h(T) = P S T³ J(Θ_c/T)
(see :mod:`femtbr.models._phonon`).  The Swartz-Pohl convention is used: T is the temperature
of the phonons emitted by each side, so a perfect interface between identical solids has the
finite "radiation-limit" conductance rather than an infinite one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from femtbr.models import _phonon as ph
from femtbr.models.base import ModelBase, as_arrays, param

SIDE_DOC = ("material name (femtbr.materials) or table {rho, vL, vT, debye_temperature, phase, "
            "use}")


@dataclass(frozen=True)
class PhononPair(ModelBase):
    """Two Debye media in contact; h from the phonon flux of ``side_a`` (equal to that of b)."""

    side_a: Any = param(unit="-", kind=(str, dict), doc=SIDE_DOC)
    side_b: Any = param(unit="-", kind=(str, dict), doc=SIDE_DOC)
    cutoff_temperature: float | None = param(
        None, unit="K", lo=0, lo_inclusive=False,
        doc="override the common cutoff ħω_c/k_B (default: min of the two Debye temperatures)",
    )
    _a: ph.Side = field(init=False, repr=False, compare=False)
    _b: ph.Side = field(init=False, repr=False, compare=False)
    _theta_c: float = field(init=False, repr=False, compare=False)
    _S: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        a = ph.resolve_side(self.name, "side_a", self.side_a)
        b = ph.resolve_side(self.name, "side_b", self.side_b)
        object.__setattr__(self, "_a", a)
        object.__setattr__(self, "_b", b)
        theta = ph.cutoff_temperature(self.name, a, b, self.cutoff_temperature)
        object.__setattr__(self, "_theta_c", theta)
        object.__setattr__(self, "_S", self.coefficient("a"))

    def sides(self, from_side: str = "a") -> tuple[ph.Side, ph.Side]:
        """(emitting, receiving) sides for incidence from ``"a"`` or ``"b"``."""
        return (self._a, self._b) if from_side == "a" else (self._b, self._a)

    def coefficient(self, from_side: str = "a") -> float:
        """S = Σ_j Γ_j / c_j² [s²/m²] for phonons incident from ``from_side``."""
        raise NotImplementedError

    @property
    def theta_c(self) -> float:
        """Common cutoff temperature Θ_c = ħω_c/k_B [K]."""
        return self._theta_c

    def low_T_coefficient(self) -> float:
        """lim h/T³ = (π² k_B⁴ / 30ħ³) Σ_j Γ_j / c_j² [W/(m² K⁴)] (Swartz & Pohl 1989, low T)."""
        return ph.LOW_T_PREFACTOR * self._S

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h [W/(m² K)] and dh/dT [W/(m² K²)] at T [K]; independent of pressure p [Pa]."""
        T, _ = as_arrays(T, p)
        return ph.h_debye(self._S, self._theta_c, T)

    def conductance_from(self, T: Any, from_side: str) -> np.ndarray:
        """h [W/(m² K)] computed from the flux of ``from_side`` (detailed-balance check)."""
        return ph.h_debye(self.coefficient(from_side), self._theta_c, np.asarray(T, float))[0]
