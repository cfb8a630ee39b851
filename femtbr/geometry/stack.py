"""``stack`` builder: a multilayer plate with heat-source footprints on top, cooled below.

Coordinates: x ∈ [0, width], y ∈ [0, depth] (3D), the vertical axis (z in 3D, y in 2D) from
0 at the cooled bottom to the total thickness at the top.  Layers are listed top to bottom.
Each source footprint is its own boundary ``source_<name>`` with a uniform flux default
q = P / area (2D: P is per metre of depth, q = P / size).  The rest of the top is ``top``,
the lateral faces ``sides`` (both adiabatic), the bottom ``bottom`` (convection or fixed
temperature).  Each contact of two layers is the interface ``<upper>_<lower>``.

``axisymmetric = true`` (``dim = 2``) takes the section as r–z (x = r ∈ [0, width] with the
axis at x = 0): the stack is a disc of radius ``width``, a footprint of ``size`` s centred at
c an annulus (a disc for c = s/2) of area π(r₂² − r₁²), r₁,₂ = c ∓ s/2, and its default flux is
P over that area, P the total power.  The facets on the axis are the boundary ``axis`` (a
symmetry line: it takes no condition), ``sides`` is the rim r = width (adiabatic by default).

The mesh is structured: mesh lines through every layer interface and footprint edge,
geometric grading (ratio ``grading``) toward footprint edges and the top surface down to
``edge_size``, at least ``min_cells_per_layer`` cells across every layer; ``refine`` divides
all sizes (and multiplies the per-layer minimum); ``subdivide`` splits every cell into equal
parts, giving nested meshes for convergence studies and Richardson extrapolation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from femtbr.errors import CaseError
from femtbr.geometry import tables
from femtbr.geometry.base import Geometry, Param, register
from femtbr.geometry.grading import axis_nodes, subdivide
from femtbr.geometry.grid import FacetSet, LabelGrid, to_mesh

DEFAULT_LAYERS = [
    {"name": "die", "material": "silicon", "thickness": 0.5e-3},
    {"name": "tim", "material": "tim_grease", "thickness": 50e-6},
    {"name": "spreader", "material": "copper", "thickness": 2.0e-3},
]
DEFAULT_SOURCES = [{"name": "chip", "size": 4e-3, "power": 10.0}]

PARAMS = (
    Param("dim", 3, "", "spatial dimension (2: width × height section, 3: plate)", "int", 2, 3),
    Param("width", 10e-3, "m", "lateral size along x", positive=True),
    Param("depth", None, "m", "lateral size along y (3D; default = width)", "any"),
    Param("layers", DEFAULT_LAYERS, "", "layers top to bottom: {name, material, thickness [m], "
          "power [W] optional volumetric heating}", "list",
          fields={"thickness": "m", "power": "W"}),
    Param("sources", DEFAULT_SOURCES, "", "top-surface footprints: {name, size [m] (number or "
          "[sx, sy]), centre [m] (default: centre of the top), power [W]}", "list",
          fields={"size": "m", "centre": "m", "power": "W"}),
    Param("bottom", "convection", "", "bottom condition", "str",
          choices=("convection", "temperature")),
    Param("h", 1000.0, "W/(m^2 K)", "bottom heat-transfer coefficient", lo=0.0),
    Param("T_inf", 298.15, "K", "coolant temperature of the bottom convection", positive=True),
    Param("T_bottom", 298.15, "K", "bottom temperature when bottom = 'temperature'",
          positive=True),
    Param("mesh_size", None, "m", "largest cell size (default: max lateral size / 12)", "any"),
    Param("edge_size", None, "m", "cell size at footprint edges and the top surface "
          "(default mesh_size / 10)", "any"),
    Param("grading", 1.3, "", "geometric growth ratio away from edges", lo=1.01, hi=3.0),
    Param("min_cells_per_layer", 2, "", "minimum cells across each layer", "int", 1),
    Param("refine", 1.0, "", "refinement factor dividing all sizes", positive=True),
    Param("subdivide", 1, "", "split every cell into subdivide^dim equal cells (nested meshes "
          "for convergence studies)", "int", 1),
    Param("axisymmetric", False, "", "take the 2D section as r–z (x = r ≥ 0, axis at x = 0) "
          "of a body of revolution", "bool"),
    Param("cell_type", "", "", "'' (quad/hexahedron), 'quad', 'hexahedron', 'triangle', "
          "'tetra'", "str", choices=("", "quad", "hexahedron", "triangle", "tetra")),
)


def _opt_length(p: dict[str, Any], key: str, default: float) -> float:
    v = p[key]
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
        raise CaseError([(f"geometry.{key}", f"must be a length > 0 [m], got {v!r}")])
    return float(v)


def _layers(p: dict[str, Any]) -> list[dict[str, Any]]:
    out, seen = [], set()
    for i, e in enumerate(tables.entries(p["layers"], "geometry.layers")):
        key = f"geometry.layers[{i}]"
        tables.check_keys(e, {"name", "material", "thickness", "power"}, key)
        n = tables.name(e, key)
        if n in seen:
            raise CaseError([(f"{key}.name", f"duplicate layer name {n!r}")])
        seen.add(n)
        mat = e.get("material", n)
        if not isinstance(mat, str):
            raise CaseError([(f"{key}.material", f"must be a material name, got {mat!r}")])
        out.append({"name": n, "material": mat,
                    "thickness": tables.number(e, "thickness", key, positive=True),
                    "power": tables.number(e, "power", key, default=0.0, minimum=0.0)})
    if not out:
        raise CaseError([("geometry.layers", "needs at least one layer")])
    return out


def _sources(p: dict[str, Any], lateral: tuple[float, ...]) -> list[dict[str, Any]]:
    return tables.footprints(p["sources"], "geometry.sources", (0.0,) * len(lateral), lateral,
                             "source footprint", "s")


@register("stack", PARAMS, "multilayer plate, source footprints on top, cooled bottom")
def build_stack(p: dict[str, Any]) -> Geometry:
    """Build the ``stack`` geometry from resolved parameters (see module docstring)."""
    dim = p["dim"]
    lateral = (p["width"],) if dim == 2 else (p["width"], _opt_length(p, "depth", p["width"]))
    layers = _layers(p)
    sources = _sources(p, lateral)
    ct = p["cell_type"]
    axisym = bool(p.get("axisymmetric", False))
    if axisym and dim != 2:
        raise CaseError([("geometry.axisymmetric", f"needs dim = 2 (an r–z section), got "
                          f"dim = {dim}")])
    if axisym:
        for s in sources:  # revolved footprint: an annulus r1 < r < r2 (clipped at the axis)
            r1, r2 = max(s["centre"][0] - s["size"][0] / 2, 0.0), s["centre"][0] + s["size"][0] / 2
            s["area"] = math.pi * (r2**2 - r1**2)
    if ct and {"quad": 2, "triangle": 2, "hexahedron": 3, "tetra": 3}[ct] != dim:
        raise CaseError([("geometry.cell_type", f"{ct!r} does not match dim = {dim}")])
    h_max = _opt_length(p, "mesh_size", max(lateral) / 12) / p["refine"]
    h_edge = _opt_length(p, "edge_size", h_max * p["refine"] / 10) / p["refine"]
    n_min = max(1, math.ceil(p["min_cells_per_layer"] * p["refine"]))
    g = 1.0 + (p["grading"] - 1.0) / p["refine"]  # s(x) / refine: a true h-refinement
    tz = np.cumsum([0.0] + [L["thickness"] for L in reversed(layers)])  # bottom-up interfaces
    H = float(tz[-1])
    axes = []
    for d, L in enumerate(lateral):
        edges = [s["centre"][d] + f * s["size"][d] / 2 for s in sources for f in (-1, 1)]
        axes.append(axis_nodes([0.0, L, *edges], h_max, edges, h_edge, g))
    axes.append(axis_nodes(tz, h_max, [H] if sources else [], h_edge, g, n_min))
    grid = LabelGrid.empty([subdivide(a, p["subdivide"]) for a in axes])
    for i, L in enumerate(reversed(layers)):
        lo, hi = [-math.inf] * dim, [math.inf] * dim
        lo[-1], hi[-1] = tz[i], tz[i + 1]
        grid.paint(L["name"], lo, hi)
    # keep region order top to bottom
    order = [L["name"] for L in layers]
    remap = np.array([order.index(n) for n in grid.names] + [-1])
    grid.labels = remap[grid.labels].astype(np.int32)
    grid.names = order
    interfaces = {f"{a['name']}_{b['name']}": (a["name"], b["name"])
                  for a, b in zip(layers[:-1], layers[1:], strict=False)}

    def classify(fs: FacetSet) -> np.ndarray:
        names = np.full(len(fs.axis), "sides", dtype=object)
        if axisym:
            names[(fs.axis == 0) & (fs.sign < 0)] = "axis"
        vert = fs.axis == dim - 1
        names[vert & (fs.sign < 0)] = "bottom"
        top = vert & (fs.sign > 0)
        names[top] = "top"
        for s in sources:
            inside = top.copy()
            for d in range(dim - 1):
                c = fs.centre[:, d]
                inside &= np.abs(c - s["centre"][d]) < s["size"][d] / 2
            names[inside] = f"source_{s['name']}"
        return names

    mesh = to_mesh(grid, interfaces, classify, simplices=ct in ("triangle", "tetra"))
    boundaries: dict[str, dict[str, Any]] = {
        f"source_{s['name']}": {"type": "flux", "q": s["power"] / s["area"]} for s in sources
    }
    boundaries["bottom"] = (
        {"type": "convection", "h": p["h"], "T_inf": p["T_inf"]}
        if p["bottom"] == "convection" else {"type": "temperature", "T": p["T_bottom"]}
    )
    area = math.pi * lateral[0] ** 2 if axisym else math.prod(lateral)
    info = {
        "builder": "stack",
        "dim": dim,
        "axisymmetric": axisym,
        "lateral_size": list(lateral),
        "footprint_area": area,
        "total_thickness": H,
        "layer_thickness": {L["name"]: L["thickness"] for L in layers},
        "volumes": {L["name"]: area * L["thickness"] for L in layers},
        "interface_areas": {n: area for n in interfaces},
        "source_areas": {f"source_{s['name']}": s["area"] for s in sources},
        "source_power": {f"source_{s['name']}": s["power"] for s in sources},
        "adiabatic": [b for b in ("top", "sides") if b in mesh.boundaries],
        "n_points": int(mesh.points.shape[0]),
        "n_cells": mesh.n_cells,
    }
    return Geometry(
        mesh=mesh,
        materials={L["name"]: L["material"] for L in layers},
        boundaries=boundaries,
        sources={L["name"]: {"power": L["power"]} for L in layers if L["power"] > 0},
        interfaces=interfaces,
        info=info,
    )
