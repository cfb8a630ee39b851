"""Bond-line model of a grease or phase-change TIM: bulk of thickness BLT(p) plus two contacts.

Resistance per unit area of the whole joint (the decomposition of [P05, P06])::

    R = BLT(p)/k_TIM + R_c1(p) + R_c2(p)          [m² K/W],   h = 1/R  [W/(m² K)]

**Bond-line thickness** of a particle-laden paste squeezed by the pressure p, the rheology-based
fit of Prasher [P05] (quoted in [P06])::

    BLT(p) = c_BLT · d_p · (τ_y / p)^n,   c_BLT = 1.31,  n = 0.166          [m]

with d_p the filler particle diameter [m] and τ_y the yield stress of the paste [Pa].  It is a
squeeze-flow result: the paste flows only while p exceeds its yield stress, so p < τ_y is outside
its range (a warning fires; p = 0 gives an unbounded BLT and h = 0).

**Contact resistance of each face** i = 1, 2 after Prasher [P01]: a fluidic TIM touches a rough
substrate only over the real-contact fraction A_r/A_n it wets; the constriction resistance is the
Cooper–Mikic–Yovanovich plastic form [CMY69, Y05] with P/H_c replaced by A_r/A_n and k_s the
harmonic mean of the TIM and the substrate::

    R_ci = σ_i / (1.25 k_si m_i (A_r/A_n)_i^0.95),   k_si = 2 k_TIM k_i / (k_TIM + k_i)

In [P01] A_r/A_n depends on the surface tension and contact angle of the paste, the roughness and
the pressure: the paste fills the valleys of the rough face against the gas trapped in them,
driven by the applied pressure and the capillary (Laplace) pressure.  femtbr closes this with the
simplest balance of that picture (its own closure, not an equation copied from [P01]): capillary
pressure p_cap,i = 2 γ cos θ / r_i of a valley of radius r_i = σ_i/m_i (the roughness length), and
isothermal compression of the trapped gas (Boyle, p_0 V_0 = (p_0 + p + p_cap) V), the wetted
fraction being the displaced gas volume fraction::

    (A_r/A_n)_i = (p + p_cap,i) / (p_0 + p + p_cap,i)

m_i defaults to Antonetti's m = 0.125 (σ/1 µm)^0.402 [A91].  Wetting pastes only (θ < 90°, so
p_cap > 0).  The CMY constant 1.25 and exponent 0.95 are those of the plastic correlation
(fitted for 1e-6 ≤ P/H_c ≤ 2e-2 [Y05]); a wetted fraction is of order 0.1-1, so at the fraction
level the correlation is extrapolated (no fitted range to warn about).

Nothing here depends on temperature (k_TIM and the substrate conductivities are constants):
dh/dT = 0.

References
----------
[P01] R. S. Prasher, "Surface chemistry and characteristics based model for the thermal contact
      resistance of fluidic interstitial thermal interface materials", J. Heat Transfer 123(5),
      969-975 (2001), doi:10.1115/1.1388301.
[P05] R. S. Prasher, "Rheology based modeling and design of particle laden polymeric thermal
      interface materials", IEEE Trans. Compon. Packag. Technol. 28(2), 230-237 (2005).
[P06] R. Prasher, "Thermal interface materials: historical perspective, status, and future
      directions", Proc. IEEE 94(8), 1571-1586 (2006).
[CMY69] M. G. Cooper, B. B. Mikic, M. M. Yovanovich, Int. J. Heat Mass Transfer 12, 279 (1969).
[Y05] M. M. Yovanovich, IEEE Trans. Compon. Packag. Technol. 28(2), 182-206 (2005).
[A91] G. P. Antonetti, T. D. Whittle, R. E. Simons, ASME HTD-Vol. 170, 35-42 (1991).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.models import _surface as surf
from femtbr.models._pair import Rebuildable
from femtbr.models.base import ModelBase, as_arrays, param
from femtbr.models.registry import register

PARTS = ("joint", "contacts", "face1", "face2")
"""What the interface carries: the whole joint, both contacts only, or one face's contact."""

CMY_COEFFICIENT = 1.25
CMY_EXPONENT = 0.95


@register("bond_line")
@dataclass(frozen=True)
class BondLine(Rebuildable, ModelBase):
    """Grease / phase-change TIM joint h = 1/(BLT(p)/k_TIM + R_c1(p) + R_c2(p)) [W/(m² K)].

    ``part`` selects what the interface stands for: ``"joint"`` (no meshed TIM layer: the
    interface is the whole bond line), ``"contacts"`` (R_c1 + R_c2), ``"face1"`` / ``"face2"``
    (one face's contact, for a meshed TIM layer whose two faces are interfaces).  See the module
    docstring for the equations and their sources.  dh/dT = 0.
    """

    k_tim: float = param(unit="W/(m K)", positive=True, hi=1e3,
                         doc="bulk conductivity of the TIM (constant)")
    particle_diameter: float = param(unit="m", positive=True, hi=1e-3,
                                     doc="filler particle diameter d_p")
    yield_stress: float = param(unit="Pa", positive=True, hi=1e7,
                                doc="yield stress tau_y of the paste")
    sigma1: float = param(unit="m", positive=True, hi=1e-4,
                          doc="RMS roughness of face 1 (substrate on side a)")
    sigma2: float = param(unit="m", positive=True, hi=1e-4,
                          doc="RMS roughness of face 2 (substrate on side b)")
    k1: float = param(unit="W/(m K)", positive=True,
                      doc="conductivity of substrate 1 (constant)")
    k2: float = param(unit="W/(m K)", positive=True,
                      doc="conductivity of substrate 2 (constant)")
    m1: float | None = param(None, positive=True, hi=2.0,
                             doc="mean absolute slope of face 1 (default: Antonetti from sigma1)")
    m2: float | None = param(None, positive=True, hi=2.0,
                             doc="mean absolute slope of face 2 (default: Antonetti from sigma2)")
    surface_tension: float = param(0.021, unit="N/m", lo=0, hi=1.0,
                                   doc="surface tension gamma of the paste (silicone oil ~0.021)")
    contact_angle: float = param(30.0, unit="deg", lo=0, hi=89.0,
                                 doc="contact angle theta of the paste on both faces (wetting)")
    gas_pressure: float = param(101325.0, unit="Pa", positive=True,
                                doc="pressure p_0 of the gas trapped in the valleys")
    blt_coefficient: float = param(1.31, positive=True,
                                   doc="c_BLT in BLT = c_BLT d_p (tau_y/p)^n [P05]")
    blt_exponent: float = param(0.166, positive=True, hi=1.0,
                                doc="n in BLT = c_BLT d_p (tau_y/p)^n [P05]")
    part: str = param("joint", kind="str", choices=PARTS,
                      doc="'joint', 'contacts', 'face1' or 'face2'")

    summary: ClassVar[str] = "grease / phase-change TIM: BLT(p)/k_TIM + two contacts (Prasher)"
    validity: ClassVar[str] = (
        "particle-laden pastes that flow (p >= tau_y; warns below), wetting (theta < 90 deg), "
        "A_r/A_n from a trapped-gas + capillary closure (femtbr's), "
        "Gaussian rough faces 0.216 <= sigma <= 9.6 um when m is from Antonetti (warns outside); "
        "constant properties (dh/dT = 0)"
    )
    references: ClassVar[tuple[str, ...]] = (
        "R. S. Prasher, J. Heat Transfer 123(5), 969-975 (2001)",
        "R. S. Prasher, IEEE Trans. Compon. Packag. Technol. 28(2), 230-237 (2005)",
        "R. Prasher, Proc. IEEE 94(8), 1571-1586 (2006)",
        "M. G. Cooper, B. B. Mikic, M. M. Yovanovich, Int. J. Heat Mass Transfer 12, 279 (1969)",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        slopes = tuple(
            float(m) if m is not None else surf.antonetti_slope(s)
            for m, s in ((self.m1, self.sigma1), (self.m2, self.sigma2))
        )
        object.__setattr__(self, "_slopes", slopes)
        object.__setattr__(self, "_seen", set())

    # ------------------------------------------------------------------ the pieces
    def bond_line_thickness(self, p: Any) -> np.ndarray:
        """BLT(p) = c_BLT d_p (τ_y/p)^n [m] at pressure p [Pa] ([P05]); p = 0 gives inf."""
        p = np.asarray(p, dtype=float)
        with np.errstate(divide="ignore"):
            ratio = self.yield_stress / p
        return self.blt_coefficient * self.particle_diameter * ratio**self.blt_exponent

    def contact_fraction(self, p: Any, face: int) -> np.ndarray:
        """Wetted real-contact fraction (A_r/A_n)_i = (p + p_cap)/(p_0 + p + p_cap) [-] of a face.

        p_cap = 2 γ cos θ / (σ_i/m_i) [Pa] (Laplace pressure of the valley), p [Pa].
        """
        sigma = (self.sigma1, self.sigma2)[face - 1]
        m = self._slopes[face - 1]  # type: ignore[attr-defined]
        drive = np.asarray(p, dtype=float) + self.capillary_pressure(sigma, m)
        return drive / (self.gas_pressure + drive)

    def capillary_pressure(self, sigma: float, m: float) -> float:
        """p_cap = 2 γ cos θ m/σ [Pa] with valley radius σ/m [m]."""
        return 2.0 * self.surface_tension * math.cos(math.radians(self.contact_angle)) * m / sigma

    def contact_resistance(self, p: Any, face: int) -> np.ndarray:
        """R_ci = σ_i / (1.25 k_si m_i (A_r/A_n)_i^0.95) [m² K/W] of face 1 or 2 at p [Pa]."""
        sigma, k_sub = ((self.sigma1, self.k1), (self.sigma2, self.k2))[face - 1]
        m = self._slopes[face - 1]  # type: ignore[attr-defined]
        k_s = 2.0 * self.k_tim * k_sub / (self.k_tim + k_sub)
        frac = self.contact_fraction(p, face)
        with np.errstate(divide="ignore"):
            return sigma / (CMY_COEFFICIENT * k_s * m * frac**CMY_EXPONENT)

    def resistance(self, p: Any) -> np.ndarray:
        """R [m² K/W] of the selected ``part`` at pressure p [Pa]."""
        p = np.asarray(p, dtype=float)
        if self.part == "face1":
            return self.contact_resistance(p, 1)
        if self.part == "face2":
            return self.contact_resistance(p, 2)
        contacts = self.contact_resistance(p, 1) + self.contact_resistance(p, 2)
        if self.part == "contacts":
            return contacts
        surf.warn_range(f"{self.name}: p/tau_y (squeeze flow needs p >= tau_y)",
                        p / self.yield_stress, 1.0, math.inf, "the BLT fit [P05]", self._seen)  # type: ignore[attr-defined]
        return self.bond_line_thickness(p) / self.k_tim + contacts

    def components(self, T: Any, p: Any) -> dict[str, np.ndarray]:
        """Conductances [W/(m² K)] of the parts *in series*: ``bulk`` = k_TIM/BLT, ``contact1``,
        ``contact2`` = 1/R_ci (1/h = the sum of their inverses); a single face reports itself."""
        T, p = as_arrays(T, p)
        if self.part in ("face1", "face2"):
            return {self.name: self.conductance(T, p)[0]}
        with np.errstate(divide="ignore"):
            out = {f"contact{i}": 1.0 / self.contact_resistance(p, i) for i in (1, 2)}
            if self.part == "joint":
                out = {"bulk": self.k_tim / self.bond_line_thickness(p), **out}
        return out

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h = 1/R [W/(m² K)] and dh/dT = 0 [W/(m² K²)] at T [K], pressure p [Pa]."""
        T, p = as_arrays(T, p)
        R = self.resistance(p)
        with np.errstate(divide="ignore"):
            h = np.where(np.isinf(R), 0.0, 1.0 / R)
        return h, np.zeros(T.shape)
