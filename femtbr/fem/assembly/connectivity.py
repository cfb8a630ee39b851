"""Heat-path check before a steady solve: every part of the body must reach a heat sink.

The steady problem ∇·(k∇T) + s = 0 determines T only up to a constant on any connected part
that has no fixed-temperature, convection (h > 0) or radiation (ε > 0) boundary: its stiffness
block has the constant vector in its kernel (a pure Neumann problem, e.g. Brenner & Scott, *The
Mathematical Theory of Finite Element Methods*, 3rd ed. (2008), §5.2), so its temperature is
undefined and, with a source, does not exist.  Newton would return round-off amplified to
±1e16 K.  This module finds such parts on a small graph before any linear solve:

* the connected parts of the split mesh (cells joined by shared DOFs; computed once per
  discretization with ``scipy.sparse.csgraph.connected_components``);
* a small graph of those parts plus one "sink" node, with an edge across every interface
  facet whose conductance h(T̄₀, p) > 0 at the initial temperature, and an edge from the sink
  to the part of every fixed-temperature facet, convection facet with h > 0 or radiation
  facet with ε > 0;
* cells outside the sink's component form parts without a heat path, each named by its
  regions and bounding box.

Two inputs make a heat path vanish although the mesh is connected, and are named as such:

* an interface whose model gives h = 0 on every facet (e.g. a contact model at zero pressure);
* a region whose conductance is lost in round-off: k·ℓ^(d−2) (ℓ the mean cell size, d the
  dimension; the scale of its element stiffness entries [W/K in 3D, W/(m K) in 2D]) below
  ε = 2.2e-16 times the largest such conductance of the problem, so that every matrix row it
  shares is unchanged by it in double precision (``k = 1e-300`` or ``5e-324`` W/(m K)).
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from femtbr.errors import InputError
from femtbr.fem.assembly.assemble import SIGMA_SB, System, _fq_values
from femtbr.fem.assembly.discretization_cache import HeatPathParts

log = logging.getLogger(__name__)
EPS = float(np.finfo(float).eps)


def _region_conductances(system: System, T0: float) -> dict[str, tuple[float, float]]:
    """Region -> (k(T₀) [W/(m K)], k·ℓ^(d−2)) with ℓ = (region volume / cells)^(1/d) [m]."""
    disc = system.disc
    d = disc.points.shape[1]
    out = {}
    for name in disc.region_names:
        n = disc.region_cells[name].size
        if n == 0:
            continue
        if name in system.k_const:
            k = system.k_const[name]
        else:
            kv, _ = system.problem.conductivity[name](np.array([T0]))  # tensor: mean k_i
            k = float(np.asarray(kv, float).ravel()[0])
            if not (np.isfinite(k) and k > 0):  # the assembly reports it (ModelError)
                continue
        ell = (disc.region_volume(name) / n) ** (1.0 / d)
        out[name] = (k, k * ell ** (d - 2))
    return out


def _facet_conductances(system: System, T: np.ndarray,
                        h_itf: dict[str, np.ndarray]) -> list[tuple]:
    """``(kind, name, G, dofs, dofs_b)`` of every convection, radiation and interface term: the
    per-facet conductance G = Σ_q coef w dS [W/K in 3D, W/(m K) in 2D] (radiation: 4εσT³ at
    ``T``), a DOF of each facet and, for interfaces, a DOF of its side-b facet."""
    out = []
    for name, q, coef, _, _, _ in system.robin:
        out.append(("boundary", name, coef.sum(axis=1), q.dofs[:, 0], None))
    for name, q, eps, _, _ in system.rad:
        g = (4 * eps * SIGMA_SB * np.abs(_fq_values(q, T)) ** 3 * q.wdS).sum(axis=1)
        out.append(("boundary", name, g, q.dofs[:, 0], None))
    for itf in system.interfaces:
        g = (h_itf[itf.name] * itf.qa.wdS).sum(axis=1)
        out.append(("interface", itf.name, g, itf.qa.dofs[:, 0], itf.qb.dofs[:, 0]))
    return out


def _interface_h(system: System, T: np.ndarray) -> dict[str, np.ndarray]:
    """Interface -> h [W/(m² K)] at its facet quadrature points (m, nq) at temperature ``T``."""
    out = {}
    for itf in system.interfaces:
        Tbar = 0.5 * (_fq_values(itf.qa, T) + _fq_values(itf.qb, T))
        h, _ = system.conductance(itf, Tbar)
        out[itf.name] = np.asarray(h)
    return out


#: Contact pressure [Pa] at which a zero-pressure interface is probed to name the cause.
PROBE_PRESSURE = 1e6


def _zero_interface_message(system: System, name: str, T: np.ndarray) -> str:
    """Why interface ``name`` has h = 0 everywhere: zero pressure (when the model conducts at
    :data:`PROBE_PRESSURE`) or the model's own parameters."""
    itf = next(i for i in system.interfaces if i.name == name)
    Tbar = 0.5 * (_fq_values(itf.qa, T) + _fq_values(itf.qb, T))
    model = type(itf.model).__name__
    msg = (f"interfaces.{name}: h = 0 W/(m² K) on every facet at the initial temperature "
           f"T̄ = {Tbar.min():.6g}..{Tbar.max():.6g} K with pressure = {itf.pressure.max():g} Pa "
           f"(model {model}): the interface carries no heat")
    h_probe = 0.0
    if not np.any(itf.pressure):
        try:
            h, _ = itf.model.conductance(Tbar, np.full_like(Tbar, PROBE_PRESSURE))
            h_probe = float(np.mean(h))
        except Exception:  # only a diagnostic: any failure means "unknown"
            h_probe = 0.0
    if h_probe > 0:
        return (msg + f"; pressure = 0 Pa made it zero (model {model} gives h = {h_probe:.3g} "
                f"W/(m² K) at {PROBE_PRESSURE:g} Pa): set interfaces.{name}.pressure")
    return msg + f"; check the parameters of interfaces.{name}"


def _mesh_parts(disc) -> tuple[np.ndarray, int]:
    """Connected parts of the split mesh (cells joined by shared DOFs): a part label per DOF
    and the number of parts (cached on the discretization: sweep cases reuse it).  A chain
    through each cell's DOFs joins them; one ``connected_components`` call on n_dofs nodes."""
    hit = disc.cache.heat_path_parts
    if hit is None:
        e = disc.edofs
        n = disc.n_dofs
        r, c = e[:, :-1].ravel(), e[:, 1:].ravel()
        graph = sp.coo_matrix((np.ones(r.size), (r, c)), shape=(n, n)).tocsr()
        n_parts, labels = connected_components(graph, directed=False)
        hit = disc.cache.heat_path_parts = HeatPathParts(labels, int(n_parts))
        log.debug("heat paths: the split mesh has %d connected parts", n_parts)
    return hit


def check_heat_paths(system: System, T: np.ndarray) -> None:
    """Raise :class:`InputError` unless every cell has a heat path to a sink.

    Parameters
    ----------
    system
        The assembled system (loads, boundary terms, interfaces bound to the discretization).
    T
        The initial temperature field [K] (n_dofs,): interface conductances are taken there.

    Raises
    ------
    InputError
        Naming the interface whose h is zero everywhere, the region whose conductivity is lost
        in round-off, or the regions (and bounding box) of each part without a heat path.
    """
    disc = system.disc
    T0 = float(np.mean(T)) if T.size else 0.0
    h_itf = _interface_h(system, T)
    for name, h in h_itf.items():
        if h.size and not np.any(h > 0):
            raise InputError(_zero_interface_message(system, name, T))
    regions = _region_conductances(system, T0)
    facets = _facet_conductances(system, T, h_itf)
    scale = max([g for _, g in regions.values()]
                + [float(g.max(initial=0.0)) for _, _, g, _, _ in facets] + [0.0])
    tiny = EPS * scale  # a conductance at or below this changes no matrix row it shares
    for name, (k, g) in regions.items():
        if not g > tiny:
            raise InputError(
                f"conductivity.{name}: k = {k:.4g} W/(m K) makes region {name!r} conduct no heat "
                f"in double precision (k·ℓ^(d-2) = {g:.3g} is below ε = {EPS:.2g} times the "
                f"problem's largest conductance {scale:.3g}); the steady temperature is undefined")
    parts, n_parts = _mesh_parts(disc)
    sink = n_parts  # the graph of parts: one node per part of the split mesh, plus the sink
    rows, cols = [], []
    grounded = [np.asarray(system.dir_dofs)]
    for _, _, g, dofs, dofs_b in facets:  # interface: a-b edges; boundary: edges to the sink
        if dofs_b is None:
            grounded.append(dofs[g > tiny])
        else:
            rows.append(parts[dofs[g > tiny]])
            cols.append(parts[dofs_b[g > tiny]])
    sunk = np.unique(parts[np.concatenate(grounded).astype(np.int64)])
    rows.append(np.full(sunk.size, sink))
    cols.append(sunk)
    r = np.concatenate([a.astype(np.int64, copy=False) for a in rows])
    c = np.concatenate([a.astype(np.int64, copy=False) for a in cols])
    graph = sp.coo_matrix((np.ones(c.size), (r, c)), shape=(n_parts + 1,) * 2).tocsr()
    _, labels = connected_components(graph, directed=False)
    cell_label = labels[parts[disc.edofs[:, 0]]]
    bad = cell_label != labels[sink]
    if not bad.any():
        return
    dead = sorted({f"{kind} {name!r}" for kind, name, g, _, _ in facets if not np.any(g > tiny)})
    raise InputError(_unreached_message(system, cell_label, bad, dead))


def _unreached_message(system: System, cell_label: np.ndarray, bad: np.ndarray,
                       dead: list[str]) -> str:
    disc = system.disc
    parts = np.unique(cell_label[bad])
    lines = [f"{parts.size} part(s) of the body have no heat path to a fixed-temperature, "
             f"convection (h > 0) or radiation boundary; their steady temperature is undefined:"]
    for lab in parts[:5]:
        cells = np.flatnonzero(cell_label == lab)
        ids = np.unique(disc.region_id[cells])
        names = [disc.region_names[i] for i in ids]
        whole = [nm for nm in names if np.all(cell_label[disc.region_cells[nm]] == lab)]
        what = ", ".join(repr(nm) + ("" if nm in whole else " (a split-apart part of it)")
                         for nm in names)
        X = disc.points[disc.cells[cells].ravel()]
        lo, hi = X.min(axis=0), X.max(axis=0)
        lines.append(f"  region(s) {what}: {cells.size} cells in the box "
                     f"{np.round(lo, 9).tolist()}..{np.round(hi, 9).tolist()} m")
    if parts.size > 5:
        lines.append(f"  ... and {parts.size - 5} more")
    if dead:
        lines.append(f"  carrying no heat (h, emissivity or h·area zero or lost in round-off): "
                     f"{', '.join(dead)}")
    return "\n".join(lines)
