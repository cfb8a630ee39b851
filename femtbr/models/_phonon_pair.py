"""Common base of the two-sided Debye-phonon models (``amm``, ``dmm``, ``phonon_radiation_limit``).

Not a registered model.  Subclasses implement :meth:`PhononPair.segments`, the spectral
weights S = Σ_j Γ_j / c_j² [s²/m²] of phonons incident from one side on frequency segments
between cutoffs (:mod:`femtbr.models._cutoff`); the emitted-phonon conductance is
h_em(T) = P T³ Σ_k S_k [J(Θ_hi/T) − J(Θ_lo/T)] (Swartz & Pohl, Rev. Mod. Phys. 61, 605 (1989),
Sec. II).  ``temperature_convention`` (default ``"equilibrium"``) converts it to the
equilibrium-temperature conductance femtbr's continuum temperatures need
(:mod:`femtbr.models._convention`); ``cutoff`` (default ``"common"``) picks the Debye
cutoffs (:mod:`femtbr.models._cutoff` says why).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from femtbr.models import _convention as conv
from femtbr.models import _cutoff as co
from femtbr.models import _phonon as ph
from femtbr.models.base import ModelBase, as_arrays, param

SIDE_DOC = ("material name (femtbr.materials) or table {rho, vL, vT, debye_temperature, "
            "atomic_density, phase, use}")
CUTOFF_DOC = ("'common' (default: min of the two Debye temperatures for all branches) or "
              "'per_branch' (mode-count preserving ω_j = c_j (6π² n)^(1/3), n the atomic density)")


@dataclass(frozen=True)
class PhononPair(ModelBase):
    """Two Debye media in contact; h from the phonon flux of ``side_a`` (equal to that of b)."""

    side_a: Any = param(unit="-", kind="material", doc=SIDE_DOC)
    side_b: Any = param(unit="-", kind="material", doc=SIDE_DOC)
    cutoff_temperature: float | None = param(
        None, unit="K", positive=True,
        doc="one common cutoff ħω_c/k_B for all branches (overrides 'cutoff')",
    )
    cutoff: str = co.cutoff_param(CUTOFF_DOC)
    temperature_convention: str = conv.convention_param()
    _a: ph.Side = field(init=False, repr=False, compare=False)
    _b: ph.Side = field(init=False, repr=False, compare=False)
    _theta_c: float = field(init=False, repr=False, compare=False)
    _cut: dict = field(init=False, repr=False, compare=False)
    _seg: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        a = ph.resolve_side(self.name, "side_a", self.side_a)
        b = ph.resolve_side(self.name, "side_b", self.side_b)
        object.__setattr__(self, "_a", a)
        object.__setattr__(self, "_b", b)
        mode = "common" if self.cutoff_temperature is not None else self.cutoff
        theta = (ph.cutoff_temperature(self.name, a, b, self.cutoff_temperature)
                 if mode == "common" else math.nan)
        object.__setattr__(self, "_theta_c", theta)
        object.__setattr__(self, "_cut", {"a": co.branch_cutoffs(a, mode, theta),
                                          "b": co.branch_cutoffs(b, mode, theta)})
        # the spectral weights do not depend on T: computed once (the solid/liquid Γ integrals
        # solve a 3 × 3 system per slowness node)
        object.__setattr__(self, "_seg", {
            "a": self.segments("a"), "b": self.segments("b"),
            "rad_a": co.radiation_segments(a, self._cut["a"]),
            "rad_b": co.radiation_segments(b, self._cut["b"]),
        })
        if self.temperature_convention == "equilibrium":  # fail now, not in the solve
            self.conductance(self._probe_temperatures(), 0.0)

    def _probe_temperatures(self) -> np.ndarray:
        finite = [t for c in self._cut.values() for t in c.values() if math.isfinite(t)]
        top = max(finite, default=300.0)
        return np.geomspace(1e-3 * top, 10.0 * top, 9)

    def sides(self, from_side: str = "a") -> tuple[ph.Side, ph.Side]:
        """(emitting, receiving) sides for incidence from ``"a"`` or ``"b"``."""
        return (self._a, self._b) if from_side == "a" else (self._b, self._a)

    def cutoffs(self, from_side: str = "a") -> tuple[dict[str, float], dict[str, float]]:
        """Per-branch cutoff temperatures Θ_j [K] of the (emitting, receiving) sides."""
        other = "b" if from_side == "a" else "a"
        return self._cut[from_side], self._cut[other]

    def segments(self, from_side: str = "a") -> list[co.Segment]:
        """Spectral weights (S [s²/m²], Θ_lo [K], Θ_hi [K]) for incidence from ``from_side``."""
        raise NotImplementedError

    @property
    def theta_c(self) -> float:
        """Common cutoff temperature Θ_c = ħω_c/k_B [K] (NaN with per-branch cutoffs)."""
        return self._theta_c

    def low_T_coefficient(self) -> float:
        """lim h/T³ [W/(m² K⁴)] in this model's temperature convention.

        Emitted: (π² k_B⁴ / 30ħ³) Σ_j Γ_j / c_j² (Swartz & Pohl 1989, low T); equilibrium: the
        same conversion as :meth:`conductance` applied to the T³ coefficients.
        """
        S = sum(s for s, lo, _ in self._seg["a"] if lo == 0.0)
        em = ph.LOW_T_PREFACTOR * S
        if self.temperature_convention == "emitted":
            return em
        ra, rb = (ph.LOW_T_PREFACTOR * side.S_rad for side in (self._a, self._b))
        return 1.0 / (1.0 / em - 0.5 / ra - 0.5 / rb)

    def emitted(self, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Emitted-phonon h_em [W/(m² K)] and dh_em/dT [W/(m² K²)] at T [K]."""
        return co.h_segments(self._seg["a"], T)

    def radiation(self, side: str, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Phonon radiation conductance h_rad of ``side`` (all its phonons, Γ_j = 1) at T [K]."""
        return co.h_segments(self._seg[f"rad_{side}"], T)

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h [W/(m² K)] and dh/dT [W/(m² K²)] at T [K]; independent of pressure p [Pa]."""
        T, _ = as_arrays(T, p)
        h, dh = self.emitted(T)
        if self.temperature_convention == "emitted":
            return h, dh
        return conv.to_equilibrium(h, dh, *self.radiation("a", T), *self.radiation("b", T),
                                   self.name)

    def conductance_from(self, T: Any, from_side: str) -> np.ndarray:
        """Emitted-phonon h [W/(m² K)] from the flux of ``from_side`` (detailed-balance check)."""
        return co.h_segments(self._seg[from_side], np.asarray(T, float))[0]
