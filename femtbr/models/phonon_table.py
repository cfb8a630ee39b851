"""Phonon conductance from user tables: transmission (and optionally DOS) versus frequency."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from femtbr.errors import ModelError
from femtbr.models import _convention as conv
from femtbr.models import _cutoff as co
from femtbr.models import _phonon as ph
from femtbr.models.base import ModelBase, as_arrays, param
from femtbr.models.registry import register

_RATIO = 1.03  # geometric refinement of the frequency grid (Δx ≤ 0.03 x per sub-interval)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(6)
_N_T = 1201


def _kernel(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """g(x) = x² eˣ/(eˣ−1)² and g'(x) = g (2/x − coth(x/2)), so that ħω ∂f/∂T = k_B g(x)."""
    e = np.exp(-x)
    g = x * x * e / (-np.expm1(-x)) ** 2
    coth = (1.0 + e) / (-np.expm1(-x))
    x2 = x * x
    # 2/x − coth(x/2) = −x/6 + x³/360 − x⁵/15120 + … (cancellation-free for small x)
    bracket = np.where(x < 0.02, x * (-1 / 6 + x2 / 360 - x2 * x2 / 15120), 2.0 / x - coth)
    return g, g * bracket


@register("phonon_table")
@dataclass(frozen=True)
class PhononTable(ModelBase):
    """h(T) from a tabulated spectral transmission (and density of states) of the emitting side.

    h(T) = (1/4) ∫ ħω v D(ω) τ(ω) (∂f/∂T) dω  [W/(m² K)]
    (Swartz & Pohl, Rev. Mod. Phys. 61, 605 (1989), flux integral with the angle average folded into
    τ(ω) = Γ(ω) = 2∫α cosθ sinθ dθ).  Without ``dos`` the emitting ``side`` is a Debye solid,
    v D(ω) = Σ_j ω²/(2π² c_j²) up to its Debye cutoff (L, T, T; a liquid L only); with ``dos``
    [s/m³] (states per volume per rad/s, all branches) and ``velocity`` [m/s] v D is taken from
    the table.  τ and D are linear between points, τ = 0 above the last frequency and Debye-like
    (D ∝ ω², τ constant) below the first.  h(T) is tabulated once (cubic Hermite in ln T with
    the exact slope, composite Gauss-Legendre in ω); below the table range h ∝ T³ and above it
    the classical expansion h = h_∞ − c/T² is used.
    """

    frequency: Any = param(None, unit="Hz", kind="list",
                           doc="frequencies ν = ω/2π, strictly increasing, > 0")
    transmission: Any = param(None, unit="-", kind="list",
                              doc="angle-averaged transmission Γ(ν) in [0, 1]")
    dos: Any = param(None, unit="s/m^3", kind="list",
                     doc="density of states per volume per rad/s (optional; else Debye side)")
    velocity: float | None = param(None, unit="m/s", positive=True,
                                   doc="group velocity used with dos")
    side: Any = param(None, unit="-", kind="material",
                      doc="emitting material (Debye DOS) when dos is not given")
    file: str | None = param(None, unit="-", kind="str",
                             doc="CSV with columns frequency, transmission[, dos]")
    other_side: Any = param(None, unit="-", kind="material",
                            doc="receiving material (needed by the 'equilibrium' convention)")
    temperature_convention: str = conv.convention_param()
    _tab: tuple = field(init=False, repr=False, compare=False)
    _rad_a: tuple = field(init=False, repr=False, compare=False)
    _rad_b: list = field(init=False, repr=False, compare=False)

    summary: ClassVar[str] = "phonon conductance from tabulated transmission / DOS vs frequency"
    validity: ClassVar[str] = "elastic phonon transport; the tables must span the spectrum"
    references: ClassVar[tuple[str, ...]] = (
        "E.T. Swartz and R.O. Pohl, Rev. Mod. Phys. 61, 605 (1989), Sec. II flux integral",
    )

    def _fail(self, key: str, msg: str) -> ModelError:
        return ModelError(f"{self.name}.{key}: {msg}")

    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        if self.file is not None:
            path = Path(self.file)
            if not path.is_file():
                raise self._fail("file", f"no such file {str(path)!r}")
            lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
            lines = [ln for ln in lines if ln and not ln.startswith("#")]
            if len(lines) < 3:
                raise self._fail("file", f"{str(path)!r} needs a header and >= 2 rows")
            names = [c.strip() for c in lines[0].split(",")]
            for col in ("frequency", "transmission"):
                if col not in names:
                    raise self._fail("file", f"{str(path)!r} lacks a {col!r} column")
            try:
                data = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]])
            except ValueError as exc:
                raise self._fail("file", f"cannot read {str(path)!r}: {exc}") from None
            if data.ndim != 2 or data.shape[1] != len(names):
                raise self._fail("file", f"{str(path)!r}: every row needs {len(names)} values")
            cols = {n: data[:, i] for i, n in enumerate(names)}
            return cols["frequency"], cols["transmission"], cols.get("dos")
        if self.frequency is None or self.transmission is None:
            raise self._fail("frequency", "give frequency and transmission lists, or file")
        dos = None if self.dos is None else np.asarray(self.dos, dtype=float)
        return np.asarray(self.frequency, float), np.asarray(self.transmission, float), dos

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.temperature_convention == "equilibrium" and self.other_side is None:
            raise self._fail("other_side", "the 'equilibrium' temperature convention needs the "
                             "receiving material (its phonon radiation conductance); give "
                             "other_side, or temperature_convention = 'emitted'")
        rad_b: list = []
        if self.other_side is not None:
            o = ph.resolve_side(self.name, "other_side", self.other_side)
            rad_b = co.radiation_segments(o, co.branch_cutoffs(o, "per_branch", None))
        object.__setattr__(self, "_rad_b", rad_b)
        try:
            nu, tau, dos = self._columns()
        except (TypeError, ValueError) as exc:
            raise self._fail("frequency", f"bad table: {exc}") from None
        if nu.ndim != 1 or nu.size < 2 or tau.shape != nu.shape:
            raise self._fail("transmission", "frequency and transmission need equal lengths >= 2")
        if not (np.all(np.isfinite(nu)) and np.all(nu > 0) and np.all(np.diff(nu) > 0)):
            raise self._fail("frequency", "must be finite, > 0 and strictly increasing [Hz]")
        if not (np.all(np.isfinite(tau)) and np.all((tau >= 0) & (tau <= 1))):
            raise self._fail("transmission", "must lie in [0, 1]")
        w = 2.0 * math.pi * nu
        if dos is not None:
            if dos.shape != nu.shape or not (np.all(np.isfinite(dos)) and np.all(dos >= 0)):
                raise self._fail("dos", "needs the length of frequency and values >= 0 [s/m^3]")
            if self.velocity is None:
                raise self._fail("velocity", "required with dos [m/s]")
            vd = float(self.velocity) * dos  # v D(ω) at the nodes
            phi = 0.25 * vd * tau

            def spectral(wq: np.ndarray) -> np.ndarray:
                return np.interp(wq, w, phi, right=0.0)

            def radiating(wq: np.ndarray) -> np.ndarray:  # τ = 1: the side's radiation
                return np.interp(wq, w, 0.25 * vd, right=0.0)

            w_top = w[-1]
            object.__setattr__(self, "_rad_a", self._tabulate(w, w_top, radiating))
        else:
            if self.side is None:
                raise self._fail("side", "give the emitting material (or dos and velocity)")
            s = ph.resolve_side(self.name, "side", self.side)
            w_top = w[-1] if s.theta_D is None else min(w[-1], ph.KB * s.theta_D / ph.HBAR)

            def spectral(wq: np.ndarray) -> np.ndarray:
                t = np.interp(wq, w, tau, right=0.0)
                return np.where(wq <= w_top, t * wq * wq * s.S_rad / (8 * math.pi**2), 0.0)

            theta = math.inf if s.theta_D is None else float(s.theta_D)
            object.__setattr__(self, "_rad_a", co.radiation_segments(
                s, co.branch_cutoffs(s, "common", theta)))

        object.__setattr__(self, "_tab", self._tabulate(w, w_top, spectral))

    @staticmethod
    def _tabulate(w: np.ndarray, w_top: float, spectral: Any) -> tuple:
        """Tabulate h and T dh/dT on a log-T grid by composite Gauss-Legendre in ω."""
        w1 = w[0]
        low = w1 * np.geomspace(1e-6, 1.0, int(math.log(1e6) / math.log(_RATIO)) + 1)
        mid = np.geomspace(w1, w_top, max(2, int(math.log(w_top / w1) / math.log(_RATIO)) + 1))
        edges = np.unique(np.concatenate([low, mid, w[(w > w1) & (w < w_top)], [w_top]]))
        a, b = edges[:-1], edges[1:]
        nodes = (0.5 * (a + b))[:, None] + (0.5 * (b - a))[:, None] * _GL_X[None, :]
        weights = (0.5 * (b - a))[:, None] * _GL_W[None, :]
        nodes, weights = nodes.ravel(), weights.ravel()
        phi0 = spectral(np.array([w1]))[0]
        below = nodes < w1
        vals = spectral(nodes)
        vals[below] = phi0 * (nodes[below] / w1) ** 2  # Debye-like continuation
        fw = vals * weights
        T_lo = ph.HBAR * w1 / (ph.KB * 60.0)
        T_hi = 200.0 * ph.HBAR * w_top / ph.KB
        T = np.geomspace(T_lo, T_hi, _N_T)
        h = np.empty_like(T)
        dh = np.empty_like(T)
        keep = fw != 0.0
        nodes, fw = nodes[keep], fw[keep]
        for j in range(0, T.size, 64):
            Tj = T[j : j + 64, None]
            x = np.minimum(ph.HBAR * nodes[None, :] / (ph.KB * Tj), 700.0)
            g, dg = _kernel(x)
            h[j : j + 64] = ph.KB * (g @ fw)
            dh[j : j + 64] = -ph.KB * ((dg * x) @ fw) / Tj[:, 0]
        # classical expansion beyond T_hi: g = 1 − x²/12 + …  →  h = h_inf − c2/T²
        h_inf = ph.KB * float(np.sum(fw))
        c2 = ph.KB * float(np.sum(fw * (ph.HBAR * nodes / ph.KB) ** 2)) / 12.0
        return np.log(T), h, T * dh, h_inf, c2

    def conductance(self, T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        """h [W/(m² K)] and dh/dT [W/(m² K²)] at T [K] (> 0); independent of p [Pa].

        Equilibrium convention: ``_convention.to_equilibrium`` with the emitting side's
        radiation (the same spectral integral with τ = 1; a Debye ``side`` up to its Θ_D) and
        the receiving ``other_side``'s (per-branch cutoffs).
        """
        T, _ = as_arrays(T, p)
        h, dh = self._evaluate(self._tab, T)
        if self.temperature_convention == "emitted":
            return h, dh
        rad_a = (co.h_segments(self._rad_a, T) if isinstance(self._rad_a, list)
                 else self._evaluate(self._rad_a, T))
        return conv.to_equilibrium(h, dh, *rad_a, *co.h_segments(self._rad_b, T), self.name)

    @staticmethod
    def _evaluate(tab: tuple, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """h and dh/dT from a table of :meth:`_tabulate` at T [K]."""
        u, hv, sv, h_inf, c2 = tab
        du = u[1] - u[0]
        lnT = np.log(T)
        s = np.clip((lnT - u[0]) / du, 0.0, len(u) - 1.0)
        i = np.minimum(s.astype(np.intp), len(u) - 2)
        t = s - i
        t2, t3 = t * t, t * t * t
        m0, m1 = sv[i] * du, sv[i + 1] * du
        h = (2 * t3 - 3 * t2 + 1) * hv[i] + (t3 - 2 * t2 + t) * m0 + (3 * t2 - 2 * t3) * hv[
            i + 1
        ] + (t3 - t2) * m1
        dhdu = (6 * t2 - 6 * t) * (hv[i] - hv[i + 1]) + (3 * t2 - 4 * t + 1) * m0 + (
            3 * t2 - 2 * t
        ) * m1
        dh = dhdu / du / T
        lo, hi = lnT < u[0], lnT > u[-1]
        if np.any(lo):  # all phonons in the ω² (Debye-like) segment: h ∝ T³
            T0 = math.exp(u[0])
            h[lo] = hv[0] * (T[lo] / T0) ** 3
            dh[lo] = 3.0 * h[lo] / T[lo]
        if np.any(hi):
            h[hi] = h_inf - c2 / T[hi] ** 2
            dh[hi] = 2.0 * c2 / T[hi] ** 3
        return h, dh
