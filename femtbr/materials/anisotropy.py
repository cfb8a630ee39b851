"""Orthotropic and anisotropic conductivity of a material: principal values and their axes.

A conductivity tensor is symmetric positive definite, so it has orthonormal principal axes
r_i and positive principal values k_i (Nye, *Physical Properties of Crystals*, 1957, ch. X;
Carslaw & Jaeger, *Conduction of Heat in Solids*, 2nd ed. (1959), §1.17):

    K(T) = Σ_i k_i(T) r_i r_iᵀ = R diag(k_i(T)) Rᵀ     [W/(m K)],

with R the matrix whose columns are the axes r_i in global coordinates.  A material gives:

``k = [k_x, k_y, k_z]`` (2D: ``[k_x, k_y]``)
    principal values along the axes, each a number or a table ``{T = [...], k = [...]}``;
``k = {in_plane = ..., through_plane = ...}``
    a layered (transversely isotropic) material: through-plane is the last axis (z in 3D,
    y in 2D), in-plane the others;
``axes = [[...], [...], [...]]`` (optional)
    the principal axes as orthonormal rows (row i is r_i, the direction of the i-th value);
``rotation = [alpha, beta, gamma]`` (optional, degrees)
    instead of ``axes``: R = R_z(α) R_y(β) R_x(γ), the intrinsic z-y-x (yaw-pitch-roll)
    Euler sequence, whose columns are the rotated x, y, z axes.  In 2D ``rotation`` is one
    angle θ (or ``[θ]``): r_1 = (cos θ, sin θ), r_2 = (−sin θ, cos θ), counter-clockwise.

Without ``axes`` or ``rotation`` the principal axes are the coordinate axes.  The scalar that
stands for the tensor where one number is needed (the ``conductivity`` cell field, reports)
is the mean of the principal values, (1/d) tr K.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from femtbr.errors import MaterialError
from femtbr.materials.table import PropertyTable

#: Tolerance on ‖A Aᵀ − I‖ for given axes to count as orthonormal.
ORTHONORMAL_TOL = 1e-6


def rotation_matrix(angles: Sequence[float], dim: int) -> np.ndarray:
    """R whose columns are the principal axes in global coordinates, from angles in degrees.

    ``dim = 2``: one angle θ, R = [[cos θ, −sin θ], [sin θ, cos θ]].  ``dim = 3``: (α, β, γ),
    R = R_z(α) R_y(β) R_x(γ) (intrinsic z-y-x; e.g. Diebel, *Representing Attitude*, 2006,
    eq. 288 with ψ, θ, φ = α, β, γ).
    """
    a = [math.radians(float(x)) for x in angles]
    if dim == 2:
        c, s = math.cos(a[0]), math.sin(a[0])
        return np.array([[c, -s], [s, c]])
    ca, sa, cb, sb, cg, sg = (f(t) for t in a for f in (math.cos, math.sin))
    Rz = np.array([[ca, -sa, 0.0], [sa, ca, 0.0], [0.0, 0.0, 1.0]])
    Ry = np.array([[cb, 0.0, sb], [0.0, 1.0, 0.0], [-sb, 0.0, cb]])
    Rx = np.array([[1.0, 0.0, 0.0], [0.0, cg, -sg], [0.0, sg, cg]])
    return Rz @ Ry @ Rx


@dataclass(frozen=True)
class AnisotropicConductivity:
    """Principal conductivities (tables in T) and the orientation of their axes.

    Attributes
    ----------
    name
        Material name (for messages).
    principal
        ``k_i(T)`` tables [W/(m K)]; for ``layered`` the pair (in-plane, through-plane).
    layered
        True for ``{in_plane, through_plane}``: the principal values depend on the dimension.
    axes
        Orthonormal rows r_i, or ``None``.
    rotation
        Angles in degrees (one in 2D, z-y-x Euler angles in 3D), or ``None``.
    """

    name: str
    principal: tuple[PropertyTable, ...]
    layered: bool = False
    axes: tuple[tuple[float, ...], ...] | None = None
    rotation: tuple[float, ...] | None = None

    def tables(self, dim: int) -> tuple[PropertyTable, ...]:
        """The ``dim`` principal tables in axis order (raises naming the material)."""
        if self.layered:
            inp, through = self.principal
            return (inp,) * (dim - 1) + (through,)
        if len(self.principal) != dim:
            raise MaterialError(f"material {self.name!r}: k: {len(self.principal)} principal "
                                f"values for a {dim}D mesh (give {dim})")
        return self.principal

    def axes_matrix(self, dim: int) -> np.ndarray:
        """Principal axes as rows, ``(dim, dim)`` orthonormal (identity when not given)."""
        if self.axes is not None:
            A = np.asarray(self.axes, dtype=float)
            if A.shape != (dim, dim):
                raise MaterialError(f"material {self.name!r}: axes: need {dim} rows of {dim} "
                                    f"numbers for a {dim}D mesh, got shape {A.shape}")
            return A
        if self.rotation is not None:
            n = 1 if dim == 2 else 3
            if len(self.rotation) != n:
                raise MaterialError(f"material {self.name!r}: rotation: need {n} angle(s) "
                                    f"[degrees] for a {dim}D mesh, got {len(self.rotation)}")
            return rotation_matrix(self.rotation, dim).T
        return np.eye(dim)

    def mean(self, T: Any) -> tuple[np.ndarray, np.ndarray]:
        """Mean of the principal values (1/d) tr K [W/(m K)] and its T-derivative (3D tables)."""
        tabs = self.tables(3 if self.layered else len(self.principal))
        vals = [t(T) for t in tabs]
        return (sum(v[0] for v in vals) / len(vals), sum(v[1] for v in vals) / len(vals))


def _numbers(name: str, key: str, value: Any, count: int | None = None) -> tuple[float, ...]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in value):
        raise MaterialError(f"material {name!r}: {key}: must be a list of finite numbers, got "
                            f"{value!r:.80}")
    if count is not None and len(value) != count:
        raise MaterialError(f"material {name!r}: {key}: need {count} numbers, got {len(value)}")
    return tuple(float(v) for v in value)


def parse_axes(name: str, value: Any) -> tuple[tuple[float, ...], ...]:
    """Validated ``axes``: 2 or 3 orthonormal rows (MaterialError naming the key)."""
    if not isinstance(value, (list, tuple)) or len(value) not in (2, 3):
        raise MaterialError(f"material {name!r}: axes: must be 2 or 3 rows (the principal "
                            f"directions), got {value!r:.80}")
    rows = tuple(_numbers(name, "axes", r, len(value)) for r in value)
    A = np.asarray(rows)
    err = float(np.abs(A @ A.T - np.eye(len(rows))).max())
    if err > ORTHONORMAL_TOL:
        raise MaterialError(f"material {name!r}: axes: rows must be orthonormal (unit length, "
                            f"mutually perpendicular); |A Aᵀ − I| = {err:.3g}")
    return rows


def parse_rotation(name: str, value: Any) -> tuple[float, ...]:
    """Validated ``rotation``: one angle (2D) or three z-y-x Euler angles (3D), degrees."""
    angles = _numbers(name, "rotation", value)
    if len(angles) not in (1, 3):
        raise MaterialError(f"material {name!r}: rotation: one angle (2D) or three z-y-x "
                            f"Euler angles (3D) in degrees, got {len(angles)}")
    return angles


def is_anisotropic(value: Any) -> bool:
    """True for the tensor forms of ``k``: a list of principal values, or in/through-plane."""
    return isinstance(value, (list, tuple)) or (
        isinstance(value, Mapping) and ("in_plane" in value or "through_plane" in value))


def parse_k(name: str, value: Any, table) -> AnisotropicConductivity:
    """The :class:`AnisotropicConductivity` of a tensor-form ``k`` (see the module doc).

    ``table(key, value)`` turns one principal value (number or table) into a
    :class:`PropertyTable`, raising MaterialError naming ``key``.
    """
    if isinstance(value, Mapping):
        extra = sorted(set(value) - {"in_plane", "through_plane"})
        if extra or len(value) != 2:
            raise MaterialError(f"material {name!r}: k: an orthotropic layer needs exactly "
                                f"'in_plane' and 'through_plane', got {sorted(value)}")
        return AnisotropicConductivity(
            name, (table("k.in_plane", value["in_plane"]),
                   table("k.through_plane", value["through_plane"])), layered=True)
    if len(value) not in (2, 3):
        raise MaterialError(f"material {name!r}: k: 2 (2D) or 3 (3D) principal values, got "
                            f"{len(value)}")
    return AnisotropicConductivity(
        name, tuple(table(f"k[{i}]", v) for i, v in enumerate(value)))
