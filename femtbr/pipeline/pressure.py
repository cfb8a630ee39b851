"""``interfaces.<name>.pressure`` (:class:`~femtbr.case.pressure_spec.PressureSpec`) → the
pressure the FE core evaluates at every facet quadrature point.

* **Table / CSV** of points (x, y[, z], p): coordinates that do not vary over the table are
  dropped (a planar table given with its constant z, a 2D line with its constant y), then p is
  interpolated *linearly on the Delaunay triangulation* of the points
  (:class:`scipy.interpolate.LinearNDInterpolator`; ``numpy.interp`` in 1D) and takes the
  *nearest* point's value outside their convex hull.  Chosen over radial basis functions
  because it stays within the data (an RBF overshoots and can give negative pressure next to
  a steep step), reproduces constant and linear fields exactly, and needs no shape parameter.
* **uniform**: p = F / A.
* **parabolic**: p = p₀ max(0, 1 − (r/R)²), r the distance from ``center``; normalised so that
  ∫_Γ p dA = F (p₀ = 2F/(πR²) when the disc of radius R lies inside the interface).  Default
  centre: the centre of the bounding box of the interface vertices; default R: the largest
  distance of an interface vertex from the centre (p falls to 0 at the farthest corner).
  A clamp that bends the plate (e.g. one central spring) gives this shape to first order.
* **screws**: each screw spreads its force as a Gaussian of radius a (``spread``),
  s_i = exp(−|x − x_i|²/(2a²)), normalised per screw so that ∫_Γ p_i dA = ``screw_force``
  even where the interface's edge cuts the footprint; p = Σ_i p_i.  The Gaussian stands for
  the pressure cone under a bolt head, whose half-angle puts most of the force within about
  one to two plate thicknesses of the screw axis (e.g. VDI 2230 Part 1 (2015), §5.1.2;
  Shigley's *Mechanical Engineering Design*, 10th ed., §8-5, frustum model): choose a of that
  size.  Distances use the first coordinates of the screw position ([x, y] on an interface
  in a plane z = const measures in that plane).

Forces are in N (N/m in 2D, per metre of depth).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from femtbr.case.pressure_spec import PressureSpec
from femtbr.errors import CaseError


def _table(spec: PressureSpec, key: str) -> np.ndarray:
    if spec.points is not None:
        return np.asarray(spec.points, float)
    try:
        try:
            data = np.loadtxt(spec.csv, delimiter=",", ndmin=2)
        except ValueError:  # a header line
            data = np.loadtxt(spec.csv, delimiter=",", ndmin=2, skiprows=1)
    except (OSError, ValueError) as exc:
        raise CaseError([(f"{key}.csv", f"cannot read {spec.csv!r}: {exc}")]) from None
    if data.shape[1] not in (2, 3, 4) or data.shape[0] == 0:
        raise CaseError([(f"{key}.csv", f"need columns x, y[, z], p; got {data.shape[1]}")])
    if np.any(data[:, -1] < 0) or not np.all(np.isfinite(data)):
        raise CaseError([(f"{key}.csv", "pressure (last column) must be finite and >= 0 Pa")])
    return data


def table_field(data: np.ndarray, dim: int, key: str) -> Any:
    """p(x) from rows (x, y[, z], p): linear on a Delaunay triangulation, nearest outside."""
    from scipy.interpolate import LinearNDInterpolator, NearestNDInterpolator
    from scipy.spatial import QhullError

    coords, values = data[:, :-1], data[:, -1]
    if coords.shape[1] > dim:
        raise CaseError([(key, f"rows have {coords.shape[1]} coordinates, the mesh is {dim}D")])
    keep = np.flatnonzero(np.ptp(coords, axis=0) > 0)
    pts = coords[:, keep]
    if keep.size == 0:
        return lambda x: np.full(np.shape(x)[0], float(values.mean()))
    if keep.size == 1:
        order = np.argsort(pts[:, 0])
        xs, ps = pts[order, 0], values[order]
        return lambda x: np.interp(np.asarray(x)[:, keep[0]], xs, ps)
    try:
        linear = LinearNDInterpolator(pts, values)
    except QhullError as exc:
        raise CaseError([(key, f"the points span no area to interpolate on ({exc})")]) from None
    nearest = NearestNDInterpolator(pts, values)

    def p(x: np.ndarray) -> np.ndarray:
        xs = np.asarray(x)[:, keep]
        out = linear(xs)
        out[np.isnan(out)] = nearest(xs[np.isnan(out)])
        return out

    return p


def _gaussian(centre: np.ndarray, a: float) -> Any:
    n = centre.size
    return lambda x: np.exp(-np.sum((np.asarray(x)[:, :n] - centre) ** 2, axis=1) / (2 * a * a))


def _parabola(centre: np.ndarray, radius: float) -> Any:
    n = centre.size
    return lambda x: np.maximum(
        0.0, 1.0 - np.sum((np.asarray(x)[:, :n] - centre) ** 2, axis=1) / radius**2)


def interface_pressure(spec: Any, vertices: np.ndarray, key: str) -> Any:
    """The FE pressure of one interface: a number [Pa], a callable p(x), or a
    :class:`femtbr.fem.PressureField`.

    Parameters
    ----------
    spec
        The case value: a number [Pa] or a :class:`PressureSpec`.
    vertices
        Coordinates (n, dim) [m] of the interface's vertices (for the parabolic defaults).
    key
        ``interfaces.<name>.pressure`` for errors.
    """
    from femtbr.fem import PressureField

    if not isinstance(spec, PressureSpec):
        return float(spec)
    dim = vertices.shape[1]
    if spec.profile is None:
        return table_field(_table(spec, key), dim, key)
    if spec.profile == "uniform":
        return PressureField((lambda x: np.ones(np.shape(x)[0]),), (spec.force,))
    if spec.profile == "parabolic":
        lo, hi = vertices.min(axis=0), vertices.max(axis=0)
        centre = 0.5 * (lo + hi) if spec.center is None else np.asarray(spec.center, float)
        if centre.size > dim:
            raise CaseError([(f"{key}.center", f"{centre.size} coordinates in a {dim}D mesh")])
        radius = spec.radius if spec.radius is not None else float(
            np.sqrt(np.sum((vertices[:, :centre.size] - centre) ** 2, axis=1)).max())
        return PressureField((_parabola(centre, radius),), (spec.force,))
    shapes = []
    for i, pos in enumerate(spec.screws):
        if len(pos) > dim:
            raise CaseError([(f"{key}.screws[{i}]", f"{len(pos)} coordinates in a {dim}D mesh")])
        shapes.append(_gaussian(np.asarray(pos, float), spec.spread))
    return PressureField(tuple(shapes), (spec.screw_force,) * len(shapes))
