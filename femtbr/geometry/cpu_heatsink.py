"""``cpu_heatsink`` builder: die, TIM1, lid (IHS), TIM2, finned heat-sink, optional substrate.

Coordinates: x, y centred on the die; z up from the bottom of the package (substrate, or the
die when there is none).  Bottom to top: ``substrate`` (optional), ``die`` (with hot-spot
regions ``hotspot_<name>`` in its bottom, active, ``hotspot_depth``), ``tim1`` (die footprint),
``lid``, ``tim2`` (lid footprint), ``heatsink`` (base plate plus ``fin_count`` plate fins
parallel to y, equally pitched along x, except that a fin face closer than ``fin_snap``
(0.1 mm) to an x-outline of the die, lid, substrate or a hot spot is moved onto it, the fin
keeping its thickness: with the defaults the two fins next to the lid edges move 52.6 µm
towards the centre, which removes cells of aspect ratio ~50 from the grid; volumes and areas
are those of the moved fins, i.e. unchanged).  The air between the fins is removed: the mesh is a
tensor grid with deactivated cells and compact node numbering.

Boundaries: ``fins`` (every fin face above the base), ``base_top`` (base between the fins),
``base_sides``, ``base_bottom`` (base underside outside TIM2), ``package`` (exposed faces of
die, TIMs, lid and substrate top/sides), ``die_bottom`` or ``board_bottom``.  Convection with
``h_fins`` on ``fins`` and ``h_base`` on ``base_top``; the rest is adiabatic unless
``h_rest > 0``.  Interfaces: ``die_tim1``, ``tim1_lid``, ``lid_tim2``, ``tim2_heatsink`` and,
with a substrate, ``die_substrate`` (plus ``hotspot_<name>_substrate``).

Die power ``die_power`` [W] is the total; each hot spot's power heats its region and the rest
heats the die volume uniformly.  Defaults are a desktop CPU (12 × 12 × 0.75 mm die, 50 µm
solder TIM1, 30 × 30 × 2 mm copper lid, 75 µm grease TIM2, 80 × 80 × 6 mm aluminium base with
20 fins 1 mm × 35 mm, 40 W/m²K forced air); the default mesh has ~51k nodes (refine = 3.1: ~1M).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from femtbr.errors import CaseError
from femtbr.geometry import tables
from femtbr.geometry.base import Geometry, Param, register
from femtbr.geometry.grading import axis_nodes, merge_breaks
from femtbr.geometry.grid import FacetSet, LabelGrid, to_mesh

mm = 1e-3


def _len(name, default, doc, **kw):
    return Param(name, default, "m", doc, positive=True, **kw)


PARAMS = (
    Param("die_size", [12 * mm, 12 * mm], "m", "die footprint [a, b] (or one number)", "any"),
    _len("die_thickness", 0.75 * mm, "die thickness"),
    Param("die_power", 95.0, "W", "total die power (hot spots included)", lo=0.0),
    Param("hotspots", [], "", "hot spots {name, size [m], centre [m] relative to the die "
          "centre, power [W]}", "list", fields={"size": "m", "centre": "m", "power": "W"}),
    _len("hotspot_depth", 0.1 * mm, "thickness of the heated hot-spot layer at the die bottom"),
    _len("tim1_thickness", 50e-6, "TIM1 thickness (die footprint)"),
    Param("lid_size", [30 * mm, 30 * mm], "m", "lid (IHS) footprint", "any"),
    _len("lid_thickness", 2 * mm, "lid thickness"),
    _len("tim2_thickness", 75e-6, "TIM2 thickness (lid footprint)"),
    Param("base_size", [80 * mm, 80 * mm], "m", "heat-sink base footprint", "any"),
    _len("base_thickness", 6 * mm, "heat-sink base thickness"),
    Param("fin_count", 20, "", "number of plate fins (parallel to y)", "int", 0),
    _len("fin_thickness", 1 * mm, "fin thickness"),
    _len("fin_height", 35 * mm, "fin height above the base"),
    Param("fin_pitch", None, "m", "fin pitch (default: fins spread over the base width)", "any"),
    Param("fin_snap", 0.1 * mm, "m", "a fin face closer than this to an outline of the package "
          "(die, lid, substrate, hot spot) moves onto it, the fin keeping its thickness "
          "(0: fins exactly at the pitch)", lo=0.0),
    Param("substrate_size", [37.5 * mm, 37.5 * mm], "m", "package substrate footprint", "any"),
    Param("substrate_thickness", 0.0, "m", "substrate thickness (0: no substrate)", lo=0.0),
    Param("die_material", "silicon", "", "material of die and hot spots", "str"),
    Param("tim1_material", "indium", "", "TIM1 material", "str"),
    Param("lid_material", "copper", "", "lid material", "str"),
    Param("tim2_material", "tim_grease", "", "TIM2 material", "str"),
    Param("sink_material", "aluminum", "", "heat-sink material", "str"),
    Param("substrate_material", "fr4", "", "substrate material", "str"),
    Param("h_fins", 40.0, "W/(m^2 K)", "convection coefficient on the fins", lo=0.0),
    Param("h_base", 40.0, "W/(m^2 K)", "convection coefficient on the base between fins",
          lo=0.0),
    Param("h_rest", 0.0, "W/(m^2 K)", "convection on all other faces (0: adiabatic)", lo=0.0),
    Param("T_inf", 298.15, "K", "air temperature", positive=True),
    _len("mesh_size", 2.5 * mm, "largest cell size"),
    _len("edge_size", 0.5 * mm, "cell size at die and hot-spot edges"),
    Param("grading", 1.3, "", "geometric growth ratio away from die edges", lo=1.01, hi=3.0),
    Param("min_cells_per_layer", 2, "", "minimum cells across each layer", "int", 1),
    Param("fin_cells", 1, "", "cells across a fin", "int", 1),
    Param("refine", 1.0, "", "refinement factor dividing all sizes (3.1 gives ~1M nodes)",
          positive=True),
)


def _size(p: dict[str, Any], key: str) -> tuple[float, float]:
    return tables.vector({key: p[key]}, key, "geometry", 2, positive=True)


def _hotspots(p: dict[str, Any], die: tuple[float, float]) -> list[dict[str, Any]]:
    half = (die[0] / 2, die[1] / 2)
    return tables.footprints(p["hotspots"], "geometry.hotspots", (-half[0], -half[1]), half,
                             "hot spot", "h")


def _fins(p: dict[str, Any], base: tuple[float, float]) -> list[float]:
    """x-centres of the fins."""
    n, t = p["fin_count"], p["fin_thickness"]
    if n == 0:
        return []
    if n == 1:
        return [0.0]
    pitch = p["fin_pitch"]
    if pitch is None:
        pitch = (base[0] - t) / (n - 1)
    if isinstance(pitch, bool) or not isinstance(pitch, (int, float)) or not pitch > t:
        raise CaseError([("geometry.fin_pitch", f"must be a length > fin_thickness ({t} m), "
                          f"got {pitch!r}")])
    span = (n - 1) * pitch + t
    if span > base[0] * (1 + 1e-12):
        raise CaseError([("geometry.fin_pitch", f"{n} fins at pitch {pitch} m span {span} m, "
                          f"wider than the base ({base[0]} m)")])
    return [(i - (n - 1) / 2) * pitch for i in range(n)]


def _snap_fins(fins: list[float], tf: float, lines: list[float], snap: float,
               base_half: float) -> list[float]:
    """Fin centres moved so that a fin face within ``snap`` of a package outline ``lines``
    lies on it (the nearest such outline; the fin keeps its thickness and stays on the base
    and clear of its neighbours, else it stays put).

    The tensor grid carries every feature line through the whole height, so a fin face 53 µm
    from the lid edge (the default geometry at the computed pitch) would cut cells of aspect
    ratio ~50 through the base and the fins; such slivers slow the AMG solves without adding
    accuracy.
    """
    out = list(fins)
    line = np.asarray(lines, dtype=float)
    for i, c in enumerate(fins):
        best = 0.0
        for face in (c - tf / 2, c + tf / 2):
            gap = line - face
            near = gap[(np.abs(gap) > 1e-12 * base_half) & (np.abs(gap) < snap)]
            for g in near:
                if best == 0.0 or abs(g) < abs(best):
                    best = float(g)
        if best == 0.0:
            continue
        new = c + best
        clear = all(abs(new - o) >= tf * (1 + 1e-9) for j, o in enumerate(out) if j != i)
        if clear and abs(new) + tf / 2 <= base_half * (1 + 1e-12):
            out[i] = new
    return out


def _check_nested(inner, outer, key_in, key_out):
    if inner[0] > outer[0] * (1 + 1e-12) or inner[1] > outer[1] * (1 + 1e-12):
        raise CaseError([(f"geometry.{key_in}", f"{list(inner)} m must fit within "
                          f"{key_out} {list(outer)} m")])


@register("cpu_heatsink", PARAMS, "CPU package (die, TIM1, lid, TIM2) under a plate-fin sink")
def build_cpu_heatsink(p: dict[str, Any]) -> Geometry:
    """Build the ``cpu_heatsink`` geometry from resolved parameters (see module docstring)."""
    die, lid, base = _size(p, "die_size"), _size(p, "lid_size"), _size(p, "base_size")
    _check_nested(die, lid, "die_size", "lid_size")
    _check_nested(lid, base, "lid_size", "base_size")
    has_sub = p["substrate_thickness"] > 0
    sub = _size(p, "substrate_size") if has_sub else die
    _check_nested(die, sub, "die_size", "substrate_size")
    hs = _hotspots(p, die)
    p_hs = sum(h["power"] for h in hs)
    if p_hs > p["die_power"] * (1 + 1e-12):
        raise CaseError([("geometry.hotspots", f"hot-spot powers sum to {p_hs} W, more than "
                          f"die_power {p['die_power']} W")])
    if hs and p["hotspot_depth"] >= p["die_thickness"]:
        raise CaseError([("geometry.hotspot_depth", "must be smaller than die_thickness")])
    fins = _fins(p, base)
    tf = p["fin_thickness"]
    outlines = [s * b[0] / 2 for b in (die, lid, *([sub] if has_sub else [])) for s in (-1, 1)]
    outlines += [h["centre"][0] + s * h["size"][0] / 2 for h in hs for s in (-1, 1)]
    pitched = fins
    fins = _snap_fins(fins, tf, outlines, p["fin_snap"], base[0] / 2)
    # z levels
    names_z = (["substrate"] if has_sub else []) + ["die", "tim1", "lid", "tim2", "base"]
    thick = {"substrate": p["substrate_thickness"], "die": p["die_thickness"],
             "tim1": p["tim1_thickness"], "lid": p["lid_thickness"],
             "tim2": p["tim2_thickness"], "base": p["base_thickness"]}
    z = {}
    level = 0.0
    for n in names_z:
        z[n] = (level, level + thick[n])
        level += thick[n]
    z_bt = z["base"][1]
    z_top = z_bt + (p["fin_height"] if fins else 0.0)
    # mesh axes
    r = p["refine"]
    h_max, h_edge = p["mesh_size"] / r, p["edge_size"] / r
    g = 1.0 + (p["grading"] - 1.0) / r  # the whole size function divided by refine
    n_layer = max(1, math.ceil(p["min_cells_per_layer"] * r))
    n_fin = max(1, math.ceil(p["fin_cells"] * r)) if r > 1 else p["fin_cells"]
    axes = []
    for d in range(2):
        boxes = [die, lid, base, sub]
        edges = [s * b[d] / 2 for b in boxes for s in (-1, 1)]
        spots = [h["centre"][d] + s * h["size"][d] / 2 for h in hs for s in (-1, 1)]
        fin_e = [c + s * tf / 2 for c in fins for s in (-1, 1)] if d == 0 else []
        brk = merge_breaks(edges + spots + fin_e)
        mins = np.ones(brk.size - 1, dtype=int)
        if d == 0 and fins:
            mid = 0.5 * (brk[1:] + brk[:-1])
            in_fin = np.any(np.abs(mid[:, None] - np.array(fins)[None, :]) < tf / 2, axis=1)
            mins[in_fin] = n_fin
        ref = [s * die[d] / 2 for s in (-1, 1)] + spots
        axes.append(axis_nodes(brk, h_max, ref, h_edge, g, mins))
    zb = sorted({v for pair in z.values() for v in pair} | {z_top})
    if hs:
        zb = sorted(set(zb) | {z["die"][0] + p["hotspot_depth"]})
    zb = merge_breaks(zb)
    axes.append(axis_nodes(zb, h_max, list(z["die"]), h_edge, g, n_layer))
    grid = LabelGrid.empty(axes)

    def box(name, size, zr, centre=(0.0, 0.0)):
        grid.paint(name, [centre[0] - size[0] / 2, centre[1] - size[1] / 2, zr[0]],
                   [centre[0] + size[0] / 2, centre[1] + size[1] / 2, zr[1]])

    if has_sub:
        box("substrate", sub, z["substrate"])
    box("die", die, z["die"])
    for h in hs:
        box(f"hotspot_{h['name']}", h["size"], (z["die"][0], z["die"][0] + p["hotspot_depth"]),
            h["centre"])
    box("tim1", die, z["tim1"])
    box("lid", lid, z["lid"])
    box("tim2", lid, z["tim2"])
    box("heatsink", base, z["base"])
    for c in fins:
        box("heatsink", (tf, base[1]), (z_bt, z_top), (c, 0.0))
    interfaces = {"die_tim1": ("die", "tim1"), "tim1_lid": ("tim1", "lid"),
                  "lid_tim2": ("lid", "tim2"), "tim2_heatsink": ("tim2", "heatsink")}
    if has_sub:
        interfaces["die_substrate"] = ("die", "substrate")
        for h in hs:
            interfaces[f"hotspot_{h['name']}_substrate"] = (f"hotspot_{h['name']}", "substrate")
    sink = grid.names.index("heatsink")
    bottom_name = "board_bottom" if has_sub else "die_bottom"
    tol = 1e-9 * z_top

    def classify(fs: FacetSet) -> np.ndarray:
        names = np.full(len(fs.axis), "package", dtype=object)
        zc = fs.centre[:, 2]
        names[(fs.axis == 2) & (fs.sign < 0) & (zc < tol)] = bottom_name
        hsk = fs.region == sink
        names[hsk & (zc < z_bt - tol)] = "base_sides"
        names[hsk & (fs.axis == 2) & (fs.sign < 0)] = "base_bottom"
        names[hsk & (fs.axis == 2) & (fs.sign > 0) & (np.abs(zc - z_bt) < tol)] = "base_top"
        names[hsk & (zc > z_bt + tol)] = "fins"
        return names

    mesh = to_mesh(grid, interfaces, classify)
    bc = {"fins": {"type": "convection", "h": p["h_fins"], "T_inf": p["T_inf"]},
          "base_top": {"type": "convection", "h": p["h_base"], "T_inf": p["T_inf"]}}
    if p["h_rest"] > 0:
        for n in ("base_sides", "base_bottom", "package", bottom_name):
            bc[n] = {"type": "convection", "h": p["h_rest"], "T_inf": p["T_inf"]}
    bc = {k: v for k, v in bc.items() if k in mesh.boundaries}
    mats = {"die": p["die_material"], "tim1": p["tim1_material"], "lid": p["lid_material"],
            "tim2": p["tim2_material"], "heatsink": p["sink_material"]}
    if has_sub:
        mats["substrate"] = p["substrate_material"]
    sources = {"die": {"power": p["die_power"] - p_hs}}
    for h in hs:
        mats[f"hotspot_{h['name']}"] = p["die_material"]
        sources[f"hotspot_{h['name']}"] = {"power": h["power"]}
    vol_hs = sum(h["area"] for h in hs) * p["hotspot_depth"]
    info = {
        "builder": "cpu_heatsink",
        "z_levels": {k: list(v) for k, v in z.items()} | {"fin_top": z_top},
        "layer_thickness": {k: thick[k] for k in names_z},
        "footprint_area": {"die": die[0] * die[1], "lid": lid[0] * lid[1],
                           "base": base[0] * base[1], "substrate": sub[0] * sub[1]},
        "volumes": {
            "die": die[0] * die[1] * p["die_thickness"] - vol_hs,
            "tim1": die[0] * die[1] * p["tim1_thickness"],
            "lid": lid[0] * lid[1] * p["lid_thickness"],
            "tim2": lid[0] * lid[1] * p["tim2_thickness"],
            "heatsink": base[0] * base[1] * p["base_thickness"]
            + len(fins) * tf * base[1] * p["fin_height"],
            **({"substrate": sub[0] * sub[1] * p["substrate_thickness"]} if has_sub else {}),
            **{f"hotspot_{h['name']}": h["area"] * p["hotspot_depth"] for h in hs},
        },
        "fin_positions": fins,
        "fin_shift": [a - b for a, b in zip(fins, pitched, strict=True)],
        "fin_area_nominal": len(fins) * (2 * p["fin_height"] * base[1] + tf * base[1]
                                         + 2 * tf * p["fin_height"]),
        "n_points": int(mesh.points.shape[0]),
        "n_cells": mesh.n_cells,
    }
    return Geometry(mesh=mesh, materials=mats, boundaries=bc, sources=sources,
                    interfaces=interfaces, info=info)
