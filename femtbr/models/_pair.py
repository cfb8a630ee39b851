"""Parameters of two contacting rough solids, resolved from explicit values or material names.

Not a registered model: :class:`SurfacePair` is the base of ``cmy``, ``mikic_elastic``,
``contact``, ``gas_gap``, ``joint`` and ``microcontact``.  Every property can be given explicitly
or taken from the materials ``side_a`` / ``side_b`` (``femtbr.materials.get``); an explicit value
wins.  Roughness (σ, m) is a property of the surface finish and is never taken from a material.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from femtbr.errors import FemtbrError, ModelError
from femtbr.models import _surface as surf
from femtbr.models.base import ModelBase, param

log = logging.getLogger(__name__)

KFunc = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def _const_k(k: float) -> KFunc:
    def f(T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.full(np.shape(T), float(k)), np.zeros(np.shape(T))

    return f


def _rebuild(cls: type, params: dict[str, Any]) -> Any:
    return cls(**params)


class Rebuildable:
    """Pickle a model as (class, parameters): derived state (closures, splines) is rebuilt.

    Needed to ship models to worker processes (sweeps); resolved materials are looked up again.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), {f.name: getattr(self, f.name) for f in fields(self)}))


@dataclass(frozen=True)
class SurfacePair(Rebuildable, ModelBase):
    """Two nominally flat rough surfaces in contact (properties SI, explicit or by material)."""

    side_a: str | None = param(None, kind="str", doc="material of side a (femtbr.materials name)")
    side_b: str | None = param(None, kind="str", doc="material of side b (femtbr.materials name)")
    k_s: float | None = param(None, unit="W/(m K)", positive=True,
                              doc="effective conductivity 2k1k2/(k1+k2) (constant)")
    k1: float | None = param(None, unit="W/(m K)", positive=True, doc="conductivity a")
    k2: float | None = param(None, unit="W/(m K)", positive=True, doc="conductivity b")
    sigma: float | None = param(None, unit="m", positive=True, hi=1e-3,
                                doc="effective RMS roughness sqrt(sigma1^2+sigma2^2)")
    sigma1: float | None = param(None, unit="m", lo=0, hi=1e-3, doc="RMS roughness of side a")
    sigma2: float | None = param(None, unit="m", lo=0, hi=1e-3, doc="RMS roughness of side b")
    m: float | None = param(
        None, positive=True, hi=2.0,
        doc="effective mean absolute slope (default: Antonetti 1991 from sigma)")
    m1: float | None = param(None, lo=0, hi=2.0, doc="mean absolute slope of side a")
    m2: float | None = param(None, lo=0, hi=2.0, doc="mean absolute slope of side b")
    H_c: float | None = param(None, unit="Pa", positive=True,
                              doc="contact microhardness of the softer side (constant)")
    c1: float | None = param(None, unit="Pa", positive=True,
                             doc="Vickers coefficient c1 of the softer side")
    c2: float | None = param(None, lo=-1.0, hi=0.5, doc="Vickers exponent c2 of the softer side")
    brinell: float | None = param(None, unit="Pa", positive=True,
                                  doc="Brinell hardness of the softer side (-> c1, c2)")
    E_prime: float | None = param(None, unit="Pa", positive=True,
                                  doc="effective modulus, 1/E' = (1-nu1^2)/E1 + (1-nu2^2)/E2")
    E1: float | None = param(None, unit="Pa", positive=True, doc="Young's modulus a")
    E2: float | None = param(None, unit="Pa", positive=True, doc="Young's modulus b")
    nu1: float | None = param(None, lo=-1.0, hi=0.5, doc="Poisson's ratio a")
    nu2: float | None = param(None, lo=-1.0, hi=0.5, doc="Poisson's ratio b")

    needs: ClassVar[tuple[str, ...]] = ()
    """Which of 'k', 'sigma', 'm', 'hardness', 'E' the model needs resolved at construction."""

    # ------------------------------------------------------------------ resolution
    def __post_init__(self) -> None:
        super().__post_init__()
        self._resolve(self._needs())

    def _needs(self) -> tuple[str, ...]:
        return self.needs

    def _label(self, key: str) -> str:
        return f"{self.name or type(self).__name__}.{key}"

    def _set(self, key: str, value: Any) -> None:
        object.__setattr__(self, key, value)

    def _material(self, side: str) -> Any:
        name = getattr(self, side)
        if name is None:
            return None
        try:
            from femtbr.materials import get
        except ImportError as exc:  # pragma: no cover - materials package missing
            raise ModelError(
                f"{self._label(side)}: materials library unavailable ({exc})"
            ) from None
        try:
            return get(name)
        except FemtbrError as exc:
            raise ModelError(f"{self._label(side)}: {exc}") from None

    def _resolve(self, needs: tuple[str, ...]) -> None:
        self._set("_seen", set())
        mats = (self._material("side_a"), self._material("side_b"))
        self._set("_mats", mats)
        vickers = "hardness" in needs and self.H_c is None
        if "sigma" in needs or "m" in needs or vickers:
            self._set("_sigma", self._resolve_sigma())
        if "m" in needs or vickers:
            self._set("_m", self._resolve_m())
        if "k" in needs:
            self._set("_kfun", self._resolve_k(mats))
        if "hardness" in needs:
            self._set("_hard", self._resolve_hardness(mats))
        if "E" in needs:
            self._set("_Ep", self._resolve_E(mats))

    def _resolve_sigma(self) -> float:
        if self.sigma is not None:
            return float(self.sigma)
        if self.sigma1 is not None and self.sigma2 is not None:
            s = surf.combined_roughness(self.sigma1, self.sigma2)
            if s > 0:
                return s
        raise ModelError(
            f"{self._label('sigma')}: RMS roughness required [m] (give sigma, or sigma1 and sigma2)"
        )

    def _resolve_m(self) -> float:
        if self.m is not None:
            return float(self.m)
        if self.m1 is not None and self.m2 is not None and self.m1 + self.m2 > 0:
            return surf.combined_slope(self.m1, self.m2)
        m = surf.antonetti_slope(self._sigma)  # type: ignore[attr-defined]
        log.debug("%s: slope m = %.4g from Antonetti's correlation", self.name, m)
        return m

    def _resolve_k(self, mats: tuple[Any, Any]) -> KFunc:
        if self.k_s is not None:
            return _const_k(self.k_s)
        sides = []
        for k, mat, key in ((self.k1, mats[0], "k1"), (self.k2, mats[1], "k2")):
            if k is not None:
                sides.append(_const_k(k))
            elif mat is not None and getattr(mat, "k_table", True) is not None:
                sides.append(mat.conductivity)
            else:
                raise ModelError(
                    f"{self._label('k_s')}: thermal conductivity [W/(m K)] required: give k_s, "
                    f"or {key} / {'side_a' if key == 'k1' else 'side_b'} with a k(T) table"
                )
        fa, fb = sides

        def k_of_T(T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            ka, dka = fa(T)
            kb, dkb = fb(T)
            return surf.harmonic_conductivity(
                np.asarray(ka, float),
                np.asarray(dka, float),
                np.asarray(kb, float),
                np.asarray(dkb, float),
            )

        return k_of_T

    def _resolve_hardness(self, mats: tuple[Any, Any]) -> tuple[float, float | None]:
        """(H_c, None) for a constant microhardness or (c1, c2) for the Vickers correlation."""
        if self.H_c is not None:
            return float(self.H_c), None
        if self.c1 is not None and self.c2 is not None:
            return float(self.c1), float(self.c2)
        if self.brinell is not None:
            return self._brinell(self.brinell, "brinell")
        if self.c1 is not None or self.c2 is not None:
            missing = "c2" if self.c2 is None else "c1"
            raise ModelError(f"{self._label(missing)}: c1 and c2 must be given together")
        candidates = []
        for mat in mats:
            if mat is None:
                continue
            if mat.c1 is not None and mat.c2 is not None:
                candidates.append((float(mat.c1), float(mat.c2)))
            elif mat.brinell is not None:
                key = "side_a" if mat is mats[0] else "side_b"
                candidates.append(self._brinell(mat.brinell, key, mat.name))
        if not candidates:
            raise ModelError(
                f"{self._label('H_c')}: microhardness required: give H_c, c1 and c2, brinell, "
                "or side_a / side_b materials with c1, c2 or brinell"
            )
        # the softer side deforms plastically (CMY): smallest H_c at this surface
        return min(candidates, key=lambda c: surf.vickers_microhardness(*c, self._sigma, self._m))

    def _brinell(self, hb: float, key: str, material: str | None = None) -> tuple[float, float]:
        """c1, c2 from Brinell hardness; outside the fitted range the cubic is not usable."""
        lo, hi = surf.BRINELL_RANGE
        if not lo <= hb <= hi:
            whose = f"material {material!r} has only a Brinell hardness" if material else "brinell"
            raise ModelError(
                f"{self._label(key)}: {whose} {hb / 1e6:.0f} MPa, outside the "
                f"{lo / 1e6:.0f}-{hi / 1e6:.0f} MPa range of the Song-Yovanovich (1988) c1, c2 "
                "correlation; give H_c or c1 and c2"
            )
        return surf.brinell_to_vickers(hb)

    def _resolve_E(self, mats: tuple[Any, Any]) -> float:
        if self.E_prime is not None:
            return float(self.E_prime)
        vals = []
        for E, nu, mat, side in (
            (self.E1, self.nu1, mats[0], "1"),
            (self.E2, self.nu2, mats[1], "2"),
        ):
            E = E if E is not None else getattr(mat, "E", None)
            nu = nu if nu is not None else getattr(mat, "nu", None)
            if E is None or nu is None:
                raise ModelError(
                    f"{self._label('E_prime')}: effective modulus required [Pa]: give E_prime, or "
                    f"E{side} and nu{side} (or a side material with E and nu)"
                )
            vals.append((E, nu))
        return surf.effective_modulus(vals[0][0], vals[0][1], vals[1][0], vals[1][1])

    # ------------------------------------------------------------------ helpers for models
    def microhardness(self) -> float:
        """Contact microhardness H_c [Pa] at this surface's σ/m (constant part of the model)."""
        a, c2 = self._hard  # type: ignore[attr-defined]
        return a if c2 is None else surf.vickers_microhardness(a, c2, self._sigma, self._m)  # type: ignore[attr-defined]

    def relative_pressure(self, p: np.ndarray, warn: bool = True) -> np.ndarray:
        """P/H_c [-] (explicit Vickers form when c1, c2 are known); p ≤ 0 gives 0."""
        a, c2 = self._hard  # type: ignore[attr-defined]
        p = np.maximum(np.asarray(p, dtype=float), 0.0)
        if c2 is None:
            x = p / a
        else:
            x = surf.relative_pressure(p, a, c2, self._sigma, self._m)  # type: ignore[attr-defined]
        if np.any(x >= 1.0):
            label = self.name or type(self).__name__
            raise ModelError(
                f"model {label!r}: contact pressure p = {float(np.max(p)):g} Pa reaches the "
                "microhardness (P/H_c >= 1)", model=label, quantity="p"
            )
        if warn:
            surf.warn_range(
                f"{self.name}: P/H_c", x, *surf.PLASTIC_RANGE, "the CMY model [Y05]", self._seen
            )
        return x

    def k_effective(self, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """k_s(T) [W/(m K)] and dk_s/dT [W/(m K²)]."""
        return self._kfun(np.asarray(T, dtype=float))  # type: ignore[attr-defined]
