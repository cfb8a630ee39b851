"""The :class:`Material` value: bulk properties of one material, each with its source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from femtbr.errors import MaterialError
from femtbr.materials.anisotropy import AnisotropicConductivity
from femtbr.materials.table import PropertyTable
from femtbr.params import param

PHASES = ("solid", "liquid", "gas")


@dataclass(frozen=True)
class Material:
    """Bulk properties of a material (SI units; ``None`` when unknown).

    The scalar properties are declared with :func:`femtbr.params.param` (unit, range, meaning:
    the one parameter declaration of models, builders and materials);
    :func:`femtbr.materials.from_dict` checks a user's values against those declarations.

    Attributes
    ----------
    name
        Canonical name, e.g. ``"Cu"``.
    phase
        ``"solid"``, ``"liquid"`` or ``"gas"``.
    density
        Mass density ρ [kg/m³].
    cp
        Specific heat at constant pressure [J/(kg K)] near room temperature (or the constant value);
        use :meth:`specific_heat` for the temperature dependence when a table is given.
    E, nu
        Young's modulus [Pa] and Poisson's ratio [-] (isotropic / polycrystal values).
    c1, c2
        Vickers microhardness coefficients H_v = c1 (d_v / 1 µm)^c2: c1 [Pa], c2 [-].
    brinell
        Brinell hardness [Pa] (HB in kgf/mm² times 9.80665e6).
    vL, vT
        Longitudinal and transverse sound speeds [m/s] (a liquid has no ``vT``).
    debye_temperature
        Debye temperature Θ_D [K] (from the low-temperature heat capacity).
    atomic_density
        Number of atoms per volume n [1/m³] (ρ N_A ν / M); fixes the mode-count-preserving Debye
        cutoff ω_j = c_j (6π² n)^(1/3) of each phonon branch.
    gamma, Pr, molar_mass
        Gases: heat-capacity ratio [-], Prandtl number [-], molar mass [kg/mol].
    mfp0, mfp_T0, mfp_p0
        Gases: mean free path Λ0 [m] at the reference state T0 [K], p0 [Pa].
    k_table, cp_table
        k(T) [W/(m K)] and cp(T) [J/(kg K)] tables (see :class:`PropertyTable`).
    k_tensor
        Principal conductivities and their axes of an orthotropic / anisotropic material
        (:mod:`femtbr.materials.anisotropy`); ``k_table`` is then ``None``.
    sources
        Property name -> citation of its value.
    aliases
        Other names that :func:`femtbr.materials.get` accepts.
    """

    name: str
    phase: str = param("solid", kind="str", choices=PHASES, doc="'solid', 'liquid' or 'gas'")
    density: float | None = param(None, unit="kg/m^3", positive=True, doc="mass density rho")
    cp: float | None = param(None, unit="J/(kg K)", positive=True,
                             doc="specific heat near room temperature (or the constant value)")
    E: float | None = param(None, unit="Pa", positive=True, doc="Young's modulus")
    nu: float | None = param(None, lo=-1.0, hi=0.5, lo_inclusive=False, hi_inclusive=False,
                             doc="Poisson's ratio")
    c1: float | None = param(None, unit="Pa", positive=True,
                             doc="Vickers microhardness coefficient c1")
    c2: float | None = param(None, lo=-1.0, hi=1.0, doc="Vickers microhardness exponent c2")
    brinell: float | None = param(None, unit="Pa", positive=True, doc="Brinell hardness")
    vL: float | None = param(None, unit="m/s", positive=True, doc="longitudinal sound speed")
    vT: float | None = param(None, unit="m/s", positive=True, doc="transverse sound speed")
    debye_temperature: float | None = param(None, unit="K", positive=True,
                                            doc="Debye temperature Theta_D")
    atomic_density: float | None = param(None, unit="1/m^3", positive=True,
                                         doc="atoms per volume n (Debye cutoff per branch)")
    gamma: float | None = param(None, lo=1.0, hi=1.7, lo_inclusive=False, hi_inclusive=False,
                                doc="gas heat-capacity ratio")
    Pr: float | None = param(None, positive=True, doc="gas Prandtl number")
    molar_mass: float | None = param(None, unit="kg/mol", positive=True, doc="molar mass")
    mfp0: float | None = param(None, unit="m", positive=True,
                               doc="gas mean free path at mfp_T0, mfp_p0")
    mfp_T0: float | None = param(None, unit="K", positive=True, doc="reference T of mfp0")
    mfp_p0: float | None = param(None, unit="Pa", positive=True, doc="reference p of mfp0")
    k_table: PropertyTable | None = field(default=None, repr=False)
    cp_table: PropertyTable | None = field(default=None, repr=False)
    k_tensor: AnisotropicConductivity | None = field(default=None, repr=False)
    description: str = ""
    sources: Mapping[str, str] = field(default_factory=dict, repr=False)
    aliases: tuple[str, ...] = ()

    def _need(self, prop: str, label: str = "") -> Any:
        value = getattr(self, prop)
        if value is None:
            what = label or prop
            msg = f"material {self.name!r} has no {what!r} (give it inline in the case)"
            raise MaterialError(msg)
        return value

    def require(self, *props: str) -> None:
        """Raise :class:`MaterialError` naming the first of ``props`` that is unknown."""
        for prop in props:
            self._need(prop)

    def conductivity(self, T: Any) -> tuple[np.ndarray, np.ndarray]:
        """Thermal conductivity k [W/(m K)] and dk/dT [W/(m K²)] at ``T`` [K].

        Interpolated in the table as :class:`PropertyTable` says (exact derivative);
        outside the table the value is clamped and a ``RangeWarning`` issued.  For an
        anisotropic material: the mean of the principal values, (1/d) tr K (3 values in 3D).
        """
        if self.k_tensor is not None:
            return self.k_tensor.mean(T)
        table: PropertyTable = self._need("k_table", "conductivity")
        return table(T)

    def specific_heat(self, T: Any) -> np.ndarray:
        """Specific heat cp [J/(kg K)] at ``T`` [K] (table if given, else the constant ``cp``)."""
        if self.cp_table is not None:
            return self.cp_table(T)[0]
        cp = self._need("cp")
        return np.full(np.shape(T), float(cp))

    def mean_free_path(self, T: Any, p: Any) -> np.ndarray:
        """Gas mean free path Λ = Λ0 (T/T0)(p0/p) [m] at ``T`` [K] and gas pressure ``p`` [Pa].

        Kinetic theory at fixed collision diameter (Yovanovich, IEEE Trans. Compon. Packag.
        Technol. 28, 182 (2005), eq. for M = α β Λ with Λ = Λ0 (T/T0)(P0/P_g)).
        """
        lam0 = self._need("mfp0")
        T0 = self._need("mfp_T0")
        p0 = self._need("mfp_p0")
        T_arr, p_arr = np.broadcast_arrays(np.asarray(T, float), np.asarray(p, float))
        if np.any(p_arr <= 0):
            raise MaterialError(f"material {self.name!r}: gas pressure p must be > 0 [Pa]")
        return lam0 * (T_arr / T0) * (p0 / p_arr)

    @property
    def k_range(self) -> tuple[float, float] | None:
        """Temperature range [K] of the k(T) table (None for a constant or no table)."""
        if self.k_table is None or self.k_table.is_constant:
            return None
        return self.k_table.range
