"""Heat paths of a validated case on its mesh, decided before any assembly.

The checks :mod:`femtbr.fem.assembly.connectivity` makes before a steady solve, on the mesh alone,
so that ``femtbr check`` makes them too (called by :func:`femtbr.pipeline.preflight.preflight`):

* every interface model at the solve's first evaluation point (the initial temperature and the
  interface's pressure), its failure named as ``System.conductance`` names it
  (``interfaces.<name>[.pressure]``), and an interface whose h is zero there;
* regions whose conductance is lost in round-off: k·ℓ^(d−2) at or below ε = 2.2e-16 times the
  problem's largest conductance (``materials.<region>.k``);
* parts with no path to a fixed-temperature, convection (h > 0) or radiation (ε > 0) boundary:
  the steady problem has the constant in its kernel there (a pure Neumann problem; Brenner &
  Scott, *The Mathematical Theory of Finite Element Methods*, 3rd ed. (2008), §5.2).  The
  graph's nodes are regions joined where their cells share vertices (the solve joins cells by
  shared DOFs) except across an interface that carries no heat; for a mesh file, the connected
  parts of each region (a region may be split apart; the builders' regions are connected by
  construction and need no scipy import, so ``femtbr check`` stays fast).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from femtbr.errors import FemtbrError

Problems = list[tuple[str, str]]

#: Machine epsilon of double precision [-].
EPS = float(np.finfo(float).eps)
#: Stefan–Boltzmann constant [W/(m² K⁴)] (CODATA 2018, exact).
SIGMA_SB = 5.670374419e-8
#: Initial temperature when the case gives no fixed or ambient temperature [K].
T_DEFAULT = 300.0



def _operating_temperature(case: Any) -> float:
    """The solve's initial temperature [K] (:func:`femtbr.fem.newton.initial_guess`):
    ``solver.T_initial``, else the mean fixed temperature, else the mean ambient temperature
    (else 300 K)."""
    if case.solver.T_initial is not None:
        return float(case.solver.T_initial)
    fixed = [b.T for b in case.boundaries.values() if b.type == "temperature"]
    ambient = [b.T_inf for b in case.boundaries.values()
               if b.type not in ("temperature", "flux", "adiabatic") and b.T_inf is not None]
    temps = fixed or ambient
    return float(np.mean(temps)) if temps else T_DEFAULT


@dataclass(frozen=True)
class Conductances:
    """The conductance scales of a problem at its initial temperature, as the solve's heat-path
    check (:mod:`femtbr.fem.assembly.connectivity`) weighs them, computed from the mesh alone.

    Attributes
    ----------
    regions
        Region -> (k(T₀) [W/(m K)], k·ℓ^(d−2) [W/K in 3D, W/(m K) in 2D]), ℓ = (region volume /
        cells)^(1/d) [m].
    boundaries, interfaces
        Name -> largest facet conductance: h·area (convection), 4εσT₀³·area (radiation),
        h(T₀, p)·area (interface) [W/K in 3D, W/(m K) in 2D].
    tiny
        ε = 2.2e-16 times the largest of all these: a conductance at or below it changes no
        matrix row it shares in double precision.
    """

    regions: dict[str, tuple[float, float]]
    boundaries: dict[str, float]
    interfaces: dict[str, float]
    tiny: float


def conductances(case: Any, mesh: Any, materials: Mapping[str, Any],
                 models: Mapping[str, Any]) -> Conductances:
    """:class:`Conductances` of a validated case on its mesh at the solve's initial
    temperature (a model or k(T) that fails to evaluate is left to the solve to name)."""
    T0 = _operating_temperature(case)
    d = mesh.dim
    vol = _cell_measures(mesh)
    regions = {}
    for name, cells in mesh.regions.items():
        mat = materials.get(name)
        if mat is None or len(cells) == 0:
            continue
        try:
            k = float(np.asarray(mat.conductivity(np.array([T0]))[0], float).ravel()[0])
        except (FemtbrError, ArithmeticError, ValueError):
            continue
        if not (np.isfinite(k) and k > 0):
            continue
        ell = abs(float(vol[cells].sum()) / len(cells)) ** (1.0 / d)
        regions[name] = (k, k * ell ** (d - 2))
    boundaries = {}
    for name, b in case.boundaries.items():
        facets = mesh.boundaries.get(name)
        if facets is None or len(facets) == 0:
            continue
        area = float(_facet_measures(mesh.points, np.asarray(facets)).max())
        g = 0.0
        if "convection" in b.type and b.h is not None:
            g = max(g, float(b.h) * area)
        if "radiation" in b.type and b.emissivity is not None:
            g = max(g, 4 * float(b.emissivity) * SIGMA_SB * T0**3 * area)
        boundaries[name] = g
    interfaces = {}
    for name, spec, model, have in _split_interfaces(case, mesh, models):
        try:
            p = _facet_pressures(spec.pressure, mesh, name, have.facets)
            h, _ = model.conductance(np.full(p.shape, T0), p)
        except (FemtbrError, ArithmeticError, ValueError):
            continue
        h_max = float(np.max(np.asarray(h, float)))
        if np.isfinite(h_max):
            interfaces[name] = h_max * float(_facet_measures(mesh.points, have.facets).max())
    scale = max([g for _, g in regions.values()] + list(boundaries.values())
                + list(interfaces.values()) + [0.0])
    return Conductances(regions, boundaries, interfaces, EPS * scale)


def _cell_measures(mesh: Any) -> np.ndarray:
    """|Cell volume| [m³] (area [m²] in 2D) from the edges at vertex 0: exact for simplices and
    parallelograms / parallelepipeds (the builders' tensor-grid cells), an estimate for
    distorted boxes — enough for a length scale ℓ compared over 16 decades."""
    if mesh.cell_type in ("triangle", "tetra"):
        from femtbr.geometry.measure import cell_volumes

        return np.abs(cell_volumes(mesh.points, mesh.cells, mesh.cell_type))
    p, c = mesh.points, mesh.cells
    a, b = p[c[:, 1]] - p[c[:, 0]], p[c[:, 3]] - p[c[:, 0]]
    if mesh.cell_type == "quad":
        return np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
    return np.abs(np.einsum("ij,ij->i", np.cross(a, b), p[c[:, 4]] - p[c[:, 0]]))


def _split_interfaces(case: Any, mesh: Any, models: Mapping[str, Any]) -> Iterator[tuple]:
    """(name, case entry, model, mesh interface) of every interface with a model and facets."""
    for name, spec in case.interfaces.items():
        model, have = models.get(name), mesh.interfaces.get(name)
        if model is not None and have is not None and len(have.facets) > 0:
            yield name, spec, model, have


def _facet_pressures(value: Any, mesh: Any, name: str, facets: np.ndarray) -> np.ndarray:
    """The interface's contact pressure [Pa] at its facet centroids: a number as it is, a
    table or profile (:mod:`femtbr.pipeline.pressure`) evaluated there with the facet areas as
    the quadrature of its normalisation (one point per facet)."""
    if isinstance(value, (int, float)):
        return np.array([float(value)])
    from femtbr.fem.values.pressure import resolve_pressure
    from femtbr.pipeline.pressure import interface_pressure

    facets = np.asarray(facets)
    where = f"interfaces.{name}.pressure"
    field = interface_pressure(value, mesh.points[np.unique(facets)], where)
    centroids = mesh.points[facets].mean(axis=1)[:, None, :]
    areas = _facet_measures(mesh.points, facets)[:, None]
    return resolve_pressure(field, lambda: centroids, areas, where)[1].ravel()


def _facet_measures(points: np.ndarray, facets: np.ndarray) -> np.ndarray:
    """Facet area [m²] (length [m] in 2D); a quadrilateral as half the cross product of its
    diagonals (exact for planar quadrilaterals)."""
    X = points[facets]
    if facets.shape[1] == 2:
        return np.linalg.norm(X[:, 1] - X[:, 0], axis=1)
    if facets.shape[1] == 3:
        return 0.5 * np.linalg.norm(np.cross(X[:, 1] - X[:, 0], X[:, 2] - X[:, 0]), axis=1)
    return 0.5 * np.linalg.norm(np.cross(X[:, 2] - X[:, 0], X[:, 3] - X[:, 1]), axis=1)


def roundoff_problems(g: Conductances) -> Problems:
    """``materials.<region>.k`` for each region whose conductance is lost in round-off (the
    solve's rule: k·ℓ^(d−2) at or below :attr:`Conductances.tiny`)."""
    scale = g.tiny / EPS
    return [(f"materials.{name}.k", f"k = {k:.4g} W/(m K) makes region {name!r} conduct no "
             f"heat in double precision (k·ℓ^(d-2) = {gr:.3g} is below ε = {EPS:.2g} times the "
             f"problem's largest conductance {scale:.3g}); the steady temperature is undefined")
            for name, (k, gr) in g.regions.items() if not gr > g.tiny]


def _zero_interfaces(case: Any, mesh: Any, models: Mapping[str, Any],
                     T: float) -> tuple[Problems, set]:
    """Interfaces whose h is zero at ``T`` [K] (named with the input that made it zero), and
    the set of those that conduct."""
    out, conducting = [], set()
    for name, spec, model, have in _split_interfaces(case, mesh, models):
        try:
            p = _facet_pressures(spec.pressure, mesh, name, have.facets)
        except FemtbrError as exc:
            out.append((f"interfaces.{name}.pressure", str(exc)))
            conducting.add(name)
            continue
        h, problem = _evaluate(model, name, T, p)
        if problem is not None:
            out.append(problem)
            conducting.add(name)  # reported as what it is, not as a missing heat path
            continue
        if np.any(h > 0):
            conducting.add(name)
            continue
        why = (f"; pressure = 0 Pa: set interfaces.{name}.pressure" if np.all(p == 0)
               else f"; check the parameters of interfaces.{name}")
        shown = f"{p[0]:g}" if np.ptp(p) == 0 else f"{p.min():g}..{p.max():g}"
        out.append((f"interfaces.{name}", f"h = 0 W/(m² K) at T = {T:.6g} K and pressure = "
                    f"{shown} Pa (model {type(model).__name__}): the interface "
                    f"carries no heat{why}"))
    return out, conducting


def _evaluate(model: Any, name: str, T: float, p: np.ndarray) -> tuple[Any, Any]:
    """h [W/(m² K)] of interface ``name`` at the solve's first evaluation point (``T`` [K],
    ``p`` [Pa] at its facets), or the problem the solve's ``System.conductance`` would raise
    there, with the same key path."""
    import warnings

    key = f"interfaces.{name}"
    try:
        with warnings.catch_warnings():  # range warnings are the run's to issue
            warnings.simplefilter("ignore")
            h, dh = model.conductance(np.full(p.shape, T), p)
    except FemtbrError as exc:
        where = {"p": f"{key}.pressure", "T": key}.get(getattr(exc, "quantity", None), key)
        return None, (where, f"{exc} at T = {T:.6g} K" if where == key else str(exc))
    except (ArithmeticError, ValueError) as exc:
        return None, (key, f"conductance model failed at T = {T:.6g} K: {exc}")
    h, dh = np.asarray(h, float), np.asarray(dh, float)
    if not (np.all(np.isfinite(h)) and np.all(np.isfinite(dh))):
        return None, (key, f"conductance model returned NaN/inf at T = {T:.6g} K, "
                           f"p = {p.min():g}..{p.max():g} Pa")
    if np.any(h < 0):
        return None, (key, f"conductance must be >= 0, got {h.min():.4g} W/(m² K)")
    return h, None


def _sinks(case: Any, g: Conductances) -> set[str]:
    """Boundaries that take heat out: fixed temperature, or a convection / radiation
    conductance above round-off."""
    return {name for name, b in case.boundaries.items()
            if b.type == "temperature" or g.boundaries.get(name, 0.0) > g.tiny}


def _parts(mesh: Any, split_regions: bool) -> list[tuple[str, np.ndarray]]:
    """The nodes of the heat-path graph: ``(region, vertex mask)`` per connected part of each
    region (cells of one region joined by shared vertices) when ``split_regions``, else one
    node per region.  Remembered per mesh object (sweep cases share one mesh)."""
    key = (id(mesh), split_regions)
    hit = _PARTS.get(key)
    if hit is not None and hit[0]() is mesh:
        return hit[1]
    out = []
    labels = _part_labels(mesh) if split_regions else None
    for name, cells in mesh.regions.items():
        cells = np.asarray(cells)
        groups = [cells] if labels is None else [cells[labels[cells] == lab]
                                                 for lab in np.unique(labels[cells])]
        for part in groups:
            mask = np.zeros(len(mesh.points), bool)
            mask[mesh.cells[part].ravel()] = True
            out.append((name, mask))
    _PARTS[key] = (weakref.ref(mesh, lambda _ref: _PARTS.pop(key, None)), out)
    return out


def _part_labels(mesh: Any) -> np.ndarray:
    """A part label per cell: cells of the same region sharing a vertex are one part
    (``scipy.sparse.csgraph.connected_components`` on the cell / (region, vertex) graph)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_cells, nv = mesh.cells.shape
    rid = mesh.region_of_cell().astype(np.int64)
    _, node = np.unique((rid[:, None] * len(mesh.points) + mesh.cells).ravel(),
                        return_inverse=True)
    rows, cols = np.repeat(np.arange(n_cells), nv), n_cells + node.ravel()
    n = n_cells + int(node.max()) + 1
    graph = coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    return connected_components(graph, directed=False)[1][:n_cells]


#: ``(id(mesh), split) -> (weak reference to the mesh, heat-path graph nodes)``
_PARTS: dict[tuple[int, bool], tuple[Any, list[tuple[str, np.ndarray]]]] = {}


def heat_path_problems(case: Any, mesh: Any, models: Mapping[str, Any],
                       g: Conductances) -> Problems:
    """Zero-h interfaces and regions (or split-apart parts of a region, for mesh files) without
    a path to a heat sink."""
    zero, conducting = _zero_interfaces(case, mesh, models, _operating_temperature(case))
    conducting = {n for n in conducting if g.interfaces.get(n, np.inf) > g.tiny}
    # the builders' regions are connected by construction; a mesh file's may not be
    nodes = _parts(mesh, split_regions=case.geometry.mesh is not None
                   or case.geometry.builder == "msh")
    # nodes are joined where their cells share vertices (the solve joins cells by shared
    # DOFs), except across an interface that carries no heat (its vertices are split)
    split = {frozenset(s.between) for n, s in case.interfaces.items() if n not in conducting}
    sinks = _sinks(case, g)
    reached: set[int] = set()
    for name in sinks:
        facets = np.asarray(mesh.boundaries[name])
        if facets.size:  # the part owning a facet uses all of its vertices
            reached |= {i for i, (_, v) in enumerate(nodes) if np.any(v[facets].all(axis=1))}
    frontier = list(reached)
    while frontier:
        i = frontier.pop()
        region, verts = nodes[i]
        for j, (other, v) in enumerate(nodes):
            if (j not in reached and other != region
                    and frozenset((region, other)) not in split and np.any(verts & v)):
                reached.add(j)
                frontier.append(j)
    cut = [i for i in range(len(nodes)) if i not in reached and nodes[i][1].any()]
    if not cut:
        return zero
    whole = {r for r, _ in nodes} - {nodes[i][0] for i in reached}
    shown = dict.fromkeys(repr(nodes[i][0]) + ("" if nodes[i][0] in whole else
                                               " (a split-apart part of it)") for i in cut)
    dead = [f"boundary {b!r}" for b, spec in case.boundaries.items()
            if b not in sinks and spec.type != "adiabatic" and spec.type != "flux"]
    dead += [f"interface {n!r}" for n in case.interfaces if n not in conducting]
    msg = (f"region(s) {', '.join(shown)} have no heat path to a fixed-temperature, "
           "convection (h > 0) or radiation (ε > 0) boundary; their steady temperature is "
           "undefined")
    if dead:
        msg += (f"; carrying no heat (h, emissivity or h·area zero or lost in round-off): "
                f"{', '.join(dead)}")
    elif not sinks:
        msg += "; the case has no such boundary"
    return zero + [("boundaries", msg)]
