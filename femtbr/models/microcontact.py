"""Microcontact (a-spot) view of a plastic contact: real area, spot size, bond quality."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.errors import ModelError
from femtbr.models._pair import SurfacePair
from femtbr.models.base import as_arrays, param
from femtbr.models.registry import register


@register("microcontact")
@dataclass(frozen=True)
class Microcontact(SurfacePair):
    """Conductance of n plastic a-spots per m² [W/(m² K)].

    Real area fraction A_r/A = P/H (Bowden & Tabor 1950; H = H_c or the Vickers form).  A spot
    carrying load w [N] at mean pressure H has radius a = √(w/(πH)); its constriction resistance
    between two half-spaces is R = ψ/(2 k_s a) [K/W] (Holm 1967, isothermal circular spot,
    1/(4ka) per side; with k_s = 2k₁k₂/(k₁+k₂)), i.e. R ∝ w^-1/2.  ψ = (1 − √(A_r/A))^1.5 is the
    flux-tube alleviation factor (Cooper, Mikic & Yovanovich 1969) when ``alleviation``.
    With n = P/w spots per m² (or a fixed ``spot_density`` n, then w = P/n):

        h = η n / R = 2 η k_s n a / ψ,

    η ∈ [0, 1] the bond-quality factor (fraction of each spot's ideal conductance realised:
    1 clean metallic bond, < 1 partially bonded or filmed spots; phenomenological).
    dh/dT = h (dk_s/dT)/k_s.
    """

    w: float | None = param(None, unit="N", positive=True, doc="load per microcontact")
    spot_density: float | None = param(
        None, unit="1/m^2", positive=True, doc="microcontacts per m^2 (instead of w)"
    )
    bond_quality: float = param(1.0, lo=0, hi=1.0, doc="bond-quality factor eta")
    alleviation: bool = param(True, kind="bool", doc="apply (1-sqrt(A_r/A))^1.5")

    needs: ClassVar[tuple[str, ...]] = ("k", "hardness")
    summary: ClassVar[str] = (
        "plastic microcontacts: A_r/A = P/H, spot resistance ~ w^-1/2, bond quality"
    )
    validity: ClassVar[str] = (
        "plastically loaded, thermally independent circular spots on half-spaces, A_r/A << 1"
    )
    references: ClassVar[tuple[str, ...]] = (
        "F. P. Bowden, D. Tabor, The Friction and Lubrication of Solids, Oxford (1950)",
        "R. Holm, Electric Contacts, 4th ed., Springer (1967), constriction resistance 1/(4ka)",
        "M. G. Cooper, B. B. Mikic, M. M. Yovanovich, Int. J. Heat Mass Transfer 12, 279 (1969)",
    )

    def __post_init__(self) -> None:
        if (self.w is None) == (self.spot_density is None):
            raise ModelError("microcontact.w: give exactly one of w [N] and spot_density [1/m^2]")
        super().__post_init__()

    def area_fraction(self, p: Any) -> np.ndarray:
        """Real contact area fraction A_r/A = P/H [-] at contact pressure p [Pa]."""
        return self.relative_pressure(p, warn=False)

    def spot_density_at(self, p: Any) -> np.ndarray:
        """Microcontacts per unit area n [1/m²] at p [Pa]."""
        p = np.maximum(np.asarray(p, dtype=float), 0.0)
        if self.spot_density is not None:
            return np.full(p.shape, float(self.spot_density))
        return p / self.w  # type: ignore[operator]

    def spot_radius(self, p: Any) -> np.ndarray:
        """Spot radius a = √(A_r/(A n π)) [m] (= √(w/(πH)) for a given w)."""
        x = self.area_fraction(p)
        n = self.spot_density_at(p)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, np.sqrt(x / (np.pi * np.where(n > 0, n, 1.0))), 0.0)

    def _psi(self, x: np.ndarray) -> np.ndarray:
        return (1.0 - np.sqrt(x)) ** 1.5 if self.alleviation else np.ones_like(x)

    def spot_resistance(self, T: Any, p: Any) -> np.ndarray:
        """Constriction resistance of one spot R = ψ/(2 k_s a) [K/W]."""
        T, p = as_arrays(T, p)
        k, _ = self.k_effective(T)
        with np.errstate(divide="ignore"):
            return self._psi(self.area_fraction(p)) / (2.0 * k * self.spot_radius(p))

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h [W/(m² K)] and dh/dT [W/(m² K²)] at T [K], contact pressure p [Pa]."""
        T, p = as_arrays(T, p)
        x = self.area_fraction(p)
        g = 2.0 * self.bond_quality * self.spot_density_at(p) * self.spot_radius(p) / self._psi(x)
        k, dk = self.k_effective(T)
        return k * g, dk * g
