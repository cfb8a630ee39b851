"""Temperature convention of phonon boundary conductances: emitted-phonon vs equilibrium.

The Swartz-Pohl flux formulas (Rev. Mod. Phys. 61, 605 (1989)) give h_em = q / (T_e,a − T_e,b)
with T_e the temperature of the phonons *emitted* towards the interface by each side.  A
continuum solver such as femtbr's finite elements carries the local *equilibrium* temperature
of each side (the one Fourier's law uses), and near the boundary it lies between the emitted
and the returning phonons' temperatures.  Per side i, with the side's phonon radiation
conductance h_rad,i (all of its phonons transmitted, Γ_j = 1, same cutoffs) and flux-weighted
("emissive-power") temperatures, T_eq,a = T_e,a − q/(2 h_rad,a) and T_eq,b = T_e,b + q/(2 h_rad,b),
so that

    1/h_eq = 1/h_em − 1/(2 h_rad,a) − 1/(2 h_rad,b)   [m² K/W]

(Simons, J. Phys. C 7, 4048 (1974); Zeng & Chen, J. Heat Transfer 123, 340 (2001), eq. for the
equivalent-equilibrium-temperature conductance; G. Chen, Nanoscale Energy Transport and
Conversion (2005), Sec. 5.5).  With the flux-weighted mean transmissions ⟨Γ_ab⟩ = h_em/h_rad,a
and ⟨Γ_ba⟩ = h_em/h_rad,b (detailed balance) this is the references' form
h_eq = h_em / (1 − (⟨Γ_ab⟩ + ⟨Γ_ba⟩)/2), valid for branch- and frequency-dependent
transmission because h_em, h_rad,a and h_rad,b are each evaluated at T from the same spectral
integral.  For identical sides and transmission τ: h_eq = τ h_rad / (1 − τ).

**Default: ``"equilibrium"``**, for every phonon model: femtbr's T_a and T_b are continuum
(equilibrium) temperatures, and only this convention makes a perfect boundary between
identical media resistance-free (Simons 1974; Zeng & Chen 2001) — the emitted convention
leaves a spurious 1/h_rad at a boundary that is not there.  ``"emitted"`` reproduces the
Swartz-Pohl numbers as published.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from femtbr.errors import ModelError
from femtbr.params import param

CONVENTIONS = ("equilibrium", "emitted")
DEFAULT = "equilibrium"
DOC = ("'equilibrium' (default: T of each side is its local equilibrium temperature, as in the "
       "continuum solve; Simons 1974, Zeng & Chen 2001) or 'emitted' (Swartz-Pohl emitted-phonon "
       "temperatures)")


def convention_param() -> Any:
    """The ``temperature_convention`` field every phonon model declares (one of
    :data:`CONVENTIONS`, default :data:`DEFAULT`)."""
    return param(DEFAULT, unit="-", kind="str", choices=CONVENTIONS, doc=DOC)


def to_equilibrium(
    h_em: np.ndarray, dh_em: np.ndarray, h_ra: np.ndarray, dh_ra: np.ndarray,
    h_rb: np.ndarray, dh_rb: np.ndarray, owner: str,
) -> tuple[np.ndarray, np.ndarray]:
    """h_eq = 1/(1/h_em − 1/(2h_rad,a) − 1/(2h_rad,b)) [W/(m² K)] and dh_eq/dT [W/(m² K²)].

    Raises
    ------
    ModelError
        The interface transmits (nearly) every phonon from both sides: no resistance is left
        under the equilibrium convention.
    """
    inv = 1.0 / h_em - 0.5 / h_ra - 0.5 / h_rb
    if np.any(~(inv > 1e-12 / h_em)):
        raise ModelError(
            f"{owner}: the boundary transmits every phonon from both sides (e.g. identical "
            "materials in AMM), so under temperature_convention = 'equilibrium' it has no "
            "resistance; do not split this interface, or use temperature_convention = 'emitted'"
        )
    h = 1.0 / inv
    dinv = -dh_em / h_em**2 + 0.5 * dh_ra / h_ra**2 + 0.5 * dh_rb / h_rb**2
    return h, -h * h * dinv
