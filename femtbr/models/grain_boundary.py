"""Grain-boundary phonon conductance (transmission = clear-area fraction) and polycrystal k."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from femtbr.errors import ModelError
from femtbr.models import _convention as conv
from femtbr.models import _cutoff as co
from femtbr.models import _phonon as ph
from femtbr.models.base import ModelBase, as_arrays, param
from femtbr.models.registry import register


def polycrystal_conductivity(
    k: Any, R_gb: Any, d: Any, dk_dT: Any = 0.0, dR_dT: Any = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Effective conductivity of a polycrystal: 1/k_eff = 1/k + R_gb/d.

    Grains of size d [m] and bulk conductivity k [W/(m K)] in series with one boundary of
    resistance R_gb [m² K/W] per grain (a series-resistor / Kapitza-length picture, e.g.
    Nan & Birringer, Phys. Rev. B 57, 8264 (1998), isotropic limit of the Kapitza-radius result).

    Returns
    -------
    k_eff, dk_eff/dT
        [W/(m K)] and [W/(m K²)], with dk_eff/dT = k_eff² (k'/k² − R'/d) from the derivatives
        ``dk_dT`` [W/(m K²)] and ``dR_dT`` [m² /W] of the inputs.
    """
    k, R, d = (np.asarray(v, dtype=float) for v in (k, R_gb, d))
    for name, v in (("k", k), ("d", d)):
        if np.any(~(v > 0)):
            raise ModelError(f"polycrystal_conductivity.{name}: must be > 0, got {v!r}")
    if np.any(~(R >= 0)):
        raise ModelError(f"polycrystal_conductivity.R_gb: must be >= 0, got {R!r}")
    inv = 1.0 / k + R / d
    k_eff = 1.0 / inv
    return k_eff, k_eff**2 * (np.asarray(dk_dT) / k**2 - np.asarray(dR_dT) / d)


@register("grain_boundary")
@dataclass(frozen=True)
class GrainBoundary(ModelBase):
    """Boundary between grains of one material; phonon transmission τ = clear-area fraction.

    A boundary whose area is open (well bonded) over the fraction τ transmits that fraction of
    the incident phonons independently of angle and frequency.  With the phonon radiation
    conductance of the material, h_rad = P T³ Σ_j c_j⁻² J(Θ_j/T) (Swartz & Pohl, Rev. Mod. Phys.
    61, 605 (1989), flux integral with α = 1; Debye cutoffs Θ_j as chosen by ``cutoff``, see
    ``femtbr.models._cutoff``), the emitted-phonon conductance is h_em = τ h_rad and:

    * ``temperature_convention = "equilibrium"`` (default, as for every phonon model; see
      ``femtbr.models._convention``): h = τ h_rad / (1 − τ) (Zeng & Chen, J. Heat Transfer 123,
      340 (2001); Simons, J. Phys. C 7, 4048 (1974)).  A perfect boundary (τ → 1) offers no
      resistance, so τ = 1 is refused.
    * ``temperature_convention = "emitted"`` (Swartz-Pohl emitted-phonon temperatures):
      h = τ h_rad, the same as DMM Si/Si (α = 1/2) at τ = 1/2.
    """

    material: Any = param(unit="-", kind="material", doc="material name or table (rho, vL, vT, "
                          "debye_temperature, atomic_density)")
    clear_fraction: float = param(unit="-", positive=True, hi=1.0,
                                  doc="open (bonded) area fraction = phonon transmission")
    temperature_convention: str = conv.convention_param()
    cutoff: str = co.cutoff_param("'common' (default: Θ_D for all branches) or 'per_branch' "
                            "(ω_j = c_j (6π² n)^(1/3))")
    _segments: list = field(init=False, repr=False, compare=False)

    summary: ClassVar[str] = "grain boundary, transmission = clear-area fraction"
    validity: ClassVar[str] = "Debye phonons; angle/frequency independent transmission"
    references: ClassVar[tuple[str, ...]] = (
        "E.T. Swartz and R.O. Pohl, Rev. Mod. Phys. 61, 605 (1989), Sec. II flux integral",
        "T. Zeng and G. Chen, J. Heat Transfer 123, 340 (2001)",
        "B.T. Simons, J. Phys. C 7, 4048 (1974)",
        "C.-W. Nan and R. Birringer, Phys. Rev. B 57, 8264 (1998)",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.temperature_convention == "equilibrium" and self.clear_fraction >= 1.0:
            raise ModelError(f"{self.name}.clear_fraction: must be < 1 with the 'equilibrium' "
                             "convention (a fully open boundary has no resistance)")
        side = ph.resolve_side(self.name, "material", self.material)
        if side.theta_D is None and side.atomic_density is None:
            raise ModelError(f"{self.name}.material: {side.name!r} lacks 'debye_temperature' "
                             "and 'atomic_density'")
        if self.cutoff == "common" and side.theta_D is None:
            raise ModelError(f"{self.name}.material: {side.name!r} lacks 'debye_temperature'")
        cut = co.branch_cutoffs(side, self.cutoff, side.theta_D)
        object.__setattr__(self, "_segments", co.radiation_segments(side, cut))

    @property
    def factor(self) -> float:
        """h / h_rad [-]: τ/(1−τ) (equilibrium) or τ (emitted)."""
        tau = float(self.clear_fraction)
        return tau / (1.0 - tau) if self.temperature_convention == "equilibrium" else tau

    def radiation(self, T: Any) -> tuple[np.ndarray, np.ndarray]:
        """h_rad [W/(m² K)] and dh_rad/dT [W/(m² K²)] of the material at T [K]."""
        return co.h_segments(self._segments, np.asarray(T, dtype=float))

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h [W/(m² K)] and dh/dT [W/(m² K²)] at T [K]; independent of p [Pa].

        Equilibrium: ``_convention.to_equilibrium`` with h_em = τ h_rad and h_rad,a = h_rad,b =
        h_rad, which is τ h_rad/(1 − τ).
        """
        T, _ = as_arrays(T, p)
        h_rad, dh_rad = self.radiation(T)
        tau = float(self.clear_fraction)
        if self.temperature_convention == "emitted":
            return tau * h_rad, tau * dh_rad
        return conv.to_equilibrium(tau * h_rad, tau * dh_rad, h_rad, dh_rad, h_rad, dh_rad,
                                   self.name)

    def effective_conductivity(self, T: Any, d: float) -> tuple[np.ndarray, np.ndarray]:
        """k_eff [W/(m K)] and dk_eff/dT of grains of size d [m] with this boundary (R = 1/h).

        Uses the material's k(T) from ``femtbr.materials`` (it must have one).
        """
        from femtbr import materials

        if not isinstance(self.material, str):
            raise ModelError(f"{self.name}.material: effective_conductivity needs a library "
                             "material name (for k(T))")
        T = np.asarray(T, dtype=float)
        k, dk = materials.get(self.material).conductivity(T)
        h, dh = self.conductance(T, 0.0)
        return polycrystal_conductivity(k, 1.0 / h, d, dk, -dh / h**2)
