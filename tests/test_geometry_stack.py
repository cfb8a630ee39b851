"""The ``stack`` builder: exact volumes and areas, named groups, grading, errors."""

from __future__ import annotations

import numpy as np
import pytest

from femtbr.errors import CaseError, MeshError
from femtbr.geometry import build, builders, check_mesh, group_areas, region_volumes
from femtbr.geometry.grading import axis_nodes, subdivide

LAYERS = [
    {"name": "die", "material": "silicon", "thickness": 0.3e-3, "power": 0.5},
    {"name": "solder", "material": "sac305", "thickness": 40e-6},
    {"name": "dbc", "material": "copper", "thickness": 1.2e-3},
]
SOURCES = [
    {"name": "a", "size": [2e-3, 3e-3], "centre": [3e-3, 5.5e-3], "power": 5.0},
    {"name": "b", "size": 1.5e-3, "centre": [8.2e-3, 2.1e-3], "power": 2.0},
]
W, D = 11e-3, 9e-3


def _rel(a, b):
    return abs(a / b - 1)


@pytest.mark.parametrize("cell_type", ["hexahedron", "tetra"])
def test_volumes_and_areas_equal_parameters_3d(cell_type):
    g = build("stack", {"width": W, "depth": D, "layers": LAYERS, "sources": SOURCES,
                        "cell_type": cell_type})
    m = g.mesh
    assert m.cell_type == cell_type
    check_mesh(m)
    vol, area = region_volumes(m), group_areas(m)
    H = sum(L["thickness"] for L in LAYERS)
    for L in LAYERS:
        assert _rel(vol[L["name"]], W * D * L["thickness"]) <= 1e-12
    for n in ("die_solder", "solder_dbc"):
        assert _rel(area[n], W * D) <= 1e-12
    assert _rel(area["source_a"], 2e-3 * 3e-3) <= 1e-12
    assert _rel(area["source_b"], 1.5e-3**2) <= 1e-12
    assert _rel(area["top"], W * D - 6e-6 - 2.25e-6) <= 1e-12
    assert _rel(area["bottom"], W * D) <= 1e-12
    assert _rel(area["sides"], 2 * (W + D) * H) <= 1e-12
    # footprint centroids where asked (eccentric sources)
    for s in SOURCES:
        f = m.boundaries[f"source_{s['name']}"]
        c = m.points[f].mean(axis=(0, 1))
        assert np.allclose(c[:2], s["centre"], atol=1e-12)
        assert c[2] == pytest.approx(H, abs=1e-15)


@pytest.mark.parametrize("cell_type", ["quad", "triangle"])
def test_volumes_and_areas_equal_parameters_2d(cell_type):
    src = [{"name": "s", "size": 2e-3, "centre": 3e-3, "power": 10.0}]
    g = build("stack", {"dim": 2, "width": W, "layers": LAYERS, "sources": src,
                        "cell_type": cell_type})
    check_mesh(g.mesh)
    vol, area = region_volumes(g.mesh), group_areas(g.mesh)
    for L in LAYERS:
        assert _rel(vol[L["name"]], W * L["thickness"]) <= 1e-12
    assert _rel(area["source_s"], 2e-3) <= 1e-12
    assert _rel(area["die_solder"], W) <= 1e-12
    assert g.boundaries["source_s"] == {"type": "flux", "q": pytest.approx(10.0 / 2e-3)}


def test_case_tables():
    g = build("stack", {"width": W, "depth": D, "layers": LAYERS, "sources": SOURCES,
                        "bottom": "temperature", "T_bottom": 320.0})
    assert g.materials == {"die": "silicon", "solder": "sac305", "dbc": "copper"}
    assert g.interfaces == {"die_solder": ("die", "solder"), "solder_dbc": ("solder", "dbc")}
    assert g.boundaries["source_a"]["q"] == pytest.approx(5.0 / 6e-6, rel=1e-14)
    assert g.boundaries["bottom"] == {"type": "temperature", "T": 320.0}
    assert g.sources == {"die": {"power": 0.5}}
    assert set(g.mesh.boundaries) == {"top", "sides", "bottom", "source_a", "source_b"}
    assert g.info["layer_thickness"]["solder"] == 40e-6
    # interface side a is the upper layer
    itf = g.mesh.interfaces["die_solder"]
    assert (itf.region_a, itf.region_b) == ("die", "solder")


def test_mesh_resolves_layers_and_edges():
    """≥ n cells across every layer, mesh lines through footprint edges with cells no larger
    than edge_size there, geometric grading bounded by the ratio."""
    g = build("stack", {"width": W, "depth": D, "layers": LAYERS, "sources": SOURCES,
                        "min_cells_per_layer": 3, "edge_size": 0.1e-3, "grading": 1.25})
    z = np.unique(g.mesh.points[:, 2])
    levels = np.cumsum([0] + [L["thickness"] for L in reversed(LAYERS)])
    for lo, hi in zip(levels[:-1], levels[1:], strict=True):
        inside = z[(z > lo - 1e-15) & (z < hi + 1e-15)]
        assert inside.size - 1 >= 3
    x = np.unique(g.mesh.points[:, 0])
    dx = np.diff(x)
    for edge in (2e-3, 4e-3, 8.2e-3 - 0.75e-3, 8.2e-3 + 0.75e-3):
        i = np.argmin(abs(x - edge))
        assert abs(x[i] - edge) < 1e-15
        assert max(dx[i - 1], dx[i]) <= 0.1e-3 * 1.1  # equidistribution: cell-averaged size
    assert (dx[1:] / dx[:-1]).max() <= 1.25 * 1.2  # smooth up to rounding of the counts


def test_grading_and_subdivision_helpers():
    x = axis_nodes([0.0, 0.5, 1.0], 0.1, [0.5], 0.01, 1.2, 2)
    assert 0.5 in x and x[0] == 0.0 and x[-1] == 1.0
    assert np.diff(x).max() <= 0.1 + 1e-12 and np.diff(x).min() >= 0.005
    y = subdivide(x, 3)
    assert np.all(np.isin(x, y)) and y.size == 3 * (x.size - 1) + 1
    with pytest.raises(MeshError, match="grading ratio"):
        axis_nodes([0, 1], 0.1, [0.5], 0.01, 1.0)


def test_refine_and_subdivide_increase_density():
    n = [build("stack", {"refine": r}).mesh.points.shape[0] for r in (1.0, 2.0)]
    assert n[1] > 4 * n[0]
    a = build("stack", {"subdivide": 1}).mesh.points
    b = build("stack", {"subdivide": 2}).mesh.points
    assert b.shape[0] > 6 * a.shape[0]
    # nested: every coarse point is a fine point
    key = {tuple(p) for p in np.round(b / 1e-12).astype(np.int64)}
    assert all(tuple(p) in key for p in np.round(a / 1e-12).astype(np.int64))


def test_registry_lists_builders_with_units():
    b = builders()
    assert {"stack", "cpu_heatsink", "msh"} <= set(b)
    assert b["stack"]["params"]["width"]["unit"] == "m"
    assert b["cpu_heatsink"]["params"]["h_fins"]["unit"] == "W/(m^2 K)"


@pytest.mark.parametrize("params, key", [
    ({"widht": 1e-3}, "geometry.widht"),
    ({"width": -1e-3}, "geometry.width"),
    ({"width": "10 mm"}, "geometry.width"),
    ({"layers": [{"name": "a", "thickness": 1e-3}, {"name": "b", "thickness": 0}]},
     "geometry.layers[1].thickness"),
    ({"layers": [{"name": "a", "thickness": 1e-3, "colour": 1}]}, "geometry.layers[0].colour"),
    ({"layers": [{"name": "a", "thickness": 1e-3}, {"name": "a", "thickness": 1e-3}]},
     "geometry.layers[1].name"),
    ({"sources": [{"name": "s", "size": 4e-3, "centre": [9e-3, 5e-3], "power": 1.0}]},
     "geometry.sources[0].centre"),
    ({"sources": [{"name": "s", "size": 4e-3}]}, "geometry.sources[0].power"),
    ({"sources": [{"size": 4e-3, "power": 1, "centre": [3e-3, 3e-3]},
                  {"size": 4e-3, "power": 1, "centre": [5e-3, 5e-3]}]}, "geometry.sources"),
    ({"dim": 2, "cell_type": "tetra"}, "geometry.cell_type"),
    ({"bottom": "radiation"}, "geometry.bottom"),
])
def test_bad_parameters_name_the_key(params, key):
    with pytest.raises(CaseError) as e:
        build("stack", params)
    assert key in str(e.value)


def test_unknown_builder_lists_choices():
    with pytest.raises(CaseError, match="cpu_heatsink"):
        build("stak", {})
