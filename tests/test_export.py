"""VTU / PVD / summary outputs: round trips through meshio and the physics they must show."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import meshio
import numpy as np
import pytest
from test_export_fixtures import LAYERS, WIDTH, H, Q, layered_solution

from femtbr.errors import FemtbrError
from femtbr.export import (
    flatten_summary,
    read_pvd,
    write_fields_vtu,
    write_interfaces_vtu,
    write_pvd,
    write_summary,
)
from femtbr.export.summary import jsonable
from femtbr.geometry.measure import facet_areas
from femtbr.pipeline.report import build_summary

CELL_TYPES = ["quad", "triangle", "hexahedron"]


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_fields_vtu_round_trip(tmp_path, cell_type):
    s = layered_solution(cell_type)
    dim = s.points.shape[1]
    path = write_fields_vtu(s, tmp_path / "fields.vtu")
    m = meshio.read(path)
    assert m.points.shape == (len(s.points), 3)
    np.testing.assert_array_equal(m.points[:, :dim], s.points)
    np.testing.assert_array_equal(m.points[:, dim:], 0.0)
    assert [c.type for c in m.cells] == [cell_type]
    np.testing.assert_array_equal(m.cells[0].data, s.cells)
    np.testing.assert_array_equal(m.point_data["temperature"], s.temperature)
    np.testing.assert_array_equal(m.cell_data["region"][0], s.region_id)
    np.testing.assert_array_equal(m.cell_data["conductivity"][0], s.conductivity)
    flux = m.cell_data["heat_flux"][0]
    assert flux.shape == (len(s.cells), 3)  # 3 components even in 2D (ParaView glyphs)
    np.testing.assert_array_equal(flux[:, :dim], s.heat_flux)
    np.testing.assert_array_equal(flux[:, dim:], 0.0)
    # meshio drops field_data on write; we add it back: region name -> id.
    assert {k: int(v[0]) for k, v in m.field_data.items()} == {
        f"region:{n}": i for i, (n, _, _) in enumerate(LAYERS)
    }


@pytest.mark.parametrize("cell_type", ["quad", "hexahedron"])
def test_split_nodes_show_the_jump(tmp_path, cell_type):
    """Coincident split copies carry different T; the difference is q/h (series law)."""
    s = layered_solution(cell_type)
    m = meshio.read(write_fields_vtu(s, tmp_path / "fields.vtu"))
    _, inv, counts = np.unique(
        np.round(m.points / WIDTH, 12), axis=0, return_inverse=True, return_counts=True
    )
    inv = inv.ravel()
    twins = np.flatnonzero(counts[inv] == 2)
    assert len(twins) == 2 * len(H) * len(np.unique(np.round(m.points[:, 1:], 12), axis=0))
    x_if = np.cumsum([L for _, L, _ in LAYERS])[:-1]
    for x, h in zip(x_if, H, strict=True):
        at = twins[np.isclose(m.points[twins, 0], x, rtol=0, atol=1e-12)]
        order = at[np.argsort(inv[at], kind="stable")]
        pairs = order.reshape(-1, 2)
        T = m.point_data["temperature"]
        dT = np.abs(T[pairs[:, 0]] - T[pairs[:, 1]])
        np.testing.assert_allclose(dT, Q / h, rtol=1e-12)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_interfaces_vtu_round_trip(tmp_path, cell_type):
    s = layered_solution(cell_type)
    m = meshio.read(write_interfaces_vtu(s, tmp_path / "interfaces.vtu"))
    ids = {k.split(":", 1)[1]: int(v[0]) for k, v in m.field_data.items()}
    assert ids == {n: i for i, n in enumerate(s.interfaces)}
    facet_type = "quad" if cell_type == "hexahedron" else "line"
    assert [c.type for c in m.cells] == [facet_type]
    cells = m.cells[0].data
    iid = m.cell_data["interface"][0]
    for name, r in s.interfaces.items():
        sel = iid == ids[name]
        assert sel.sum() == len(r.facet_cells)
        for key in ("T_a", "T_b", "jump", "heat_flux", "h"):
            np.testing.assert_array_equal(m.cell_data[key][0][sel], getattr(r, key))
        # Geometry survives the renumbering: cell centroids = facet centres.
        np.testing.assert_allclose(
            m.points[cells[sel]].mean(axis=1)[:, : s.points.shape[1]], r.centers, rtol=1e-14
        )
        np.testing.assert_allclose(m.cell_data["jump"][0][sel], Q / H[ids[name]], rtol=1e-12)
    # Components: h_<part> present on the composed interface, NaN elsewhere.
    composed = iid == ids["die_tim"]
    np.testing.assert_allclose(m.cell_data["h_contact"][0][composed], 0.7 * H[0])
    np.testing.assert_allclose(m.cell_data["h_gap"][0][composed], 0.3 * H[0])
    assert np.all(np.isnan(m.cell_data["h_gap"][0][~composed]))
    # Point data T_a is the side-a copy's temperature: at each interface point the volume mesh
    # has two coincident copies, and side a (the upstream layer) is the hotter one.
    dim = s.points.shape[1]
    copies: dict[tuple, list[float]] = {}
    for p, t in zip(np.round(s.points, 12), s.temperature, strict=True):
        copies.setdefault(tuple(p), []).append(t)
    for p, t in zip(np.round(m.points[:, :dim], 12), m.point_data["T_a"], strict=True):
        ts = copies[tuple(p)]
        assert len(ts) == 2 and t == max(ts) and t - min(ts) > 1.0
    # Point data T_b is the other (side-b, colder) copy's temperature at the same point.
    for p, t in zip(np.round(m.points[:, :dim], 12), m.point_data["T_b"], strict=True):
        assert t == min(copies[tuple(p)])
    np.testing.assert_allclose(m.point_data["T_a"] - m.point_data["T_b"] > 1.0, True)


def test_interfaces_without_facets_fall_back_to_centre_vertices(tmp_path):
    s = layered_solution("quad")
    ifs = {n: replace(r, facet_cells=None) for n, r in s.interfaces.items()}
    m = meshio.read(write_interfaces_vtu(replace(s, interfaces=ifs), tmp_path / "i.vtu"))
    assert [c.type for c in m.cells] == ["vertex"]
    centers = np.vstack([r.centers for r in s.interfaces.values()])
    np.testing.assert_allclose(m.points[m.cells[0].data[:, 0], :2], centers)
    np.testing.assert_array_equal(
        m.cell_data["jump"][0], np.concatenate([r.jump for r in s.interfaces.values()])
    )


def test_pvd_round_trip_and_validation(tmp_path):
    entries = [(0.0, "steps/t0000.vtu"), (0.5, "steps/t0001.vtu"), (1.25, "steps/t0002.vtu")]
    p = write_pvd(entries, tmp_path / "series.pvd")
    assert read_pvd(p) == entries
    text = p.read_text()
    assert text.startswith('<?xml version="1.0"?>') and 'type="Collection"' in text
    with pytest.raises(FemtbrError, match="relative"):
        write_pvd([(0.0, tmp_path / "abs.vtu")], tmp_path / "bad.pvd")
    with pytest.raises(FemtbrError, match="finite"):
        write_pvd([(math.nan, "a.vtu")], tmp_path / "bad.pvd")
    assert not (tmp_path / "bad.pvd").exists()
    # Names that need XML escaping survive.
    odd = [(1.0, 'case "a"&<b>.vtu')]
    assert read_pvd(write_pvd(odd, tmp_path / "odd.pvd")) == odd


def test_facet_areas_exact():
    pts = np.array([[0, 0, 0], [2, 0, 0], [2, 3, 0], [0, 3, 0]], float)
    assert facet_areas(pts, np.array([[0, 1]]))[0] == pytest.approx(2.0)
    assert facet_areas(pts, np.array([[0, 1, 2]]))[0] == pytest.approx(3.0)
    assert facet_areas(pts, np.array([[0, 1, 2, 3]]))[0] == pytest.approx(6.0)
    assert facet_areas(pts[:, :2], np.array([[1, 2]]))[0] == pytest.approx(3.0)


def test_summary_keys_values_and_strict_json(tmp_path):
    s = layered_solution("quad", graded=True)
    # A component varying linearly along the interface: its area-weighted mean over [0, W]
    # is the value at W/2 (midpoint rule is exact for linear functions), whatever the grading;
    # a plain facet mean would be biased towards the fine end.
    r = s.interfaces["die_tim"]
    y = r.centers[:, 1]
    comps = {"contact": H[0] * y / WIDTH, "gap": np.full(len(y), 0.25 * H[0])}
    s = replace(s, interfaces={**s.interfaces, "die_tim": replace(r, components=comps)})
    assert abs(np.mean(y) / WIDTH - 0.5) > 0.05  # the grading matters for this check
    params = {"geometry": {"t_die": np.float64(5e-4), "n": np.int64(3)}, "tag": "x"}
    summ = build_summary(s, name="slab", parameters=params, probes={"centre": np.float64(355.0)})
    assert set(summ) == {
        "name", "converged", "iterations", "energy_balance", "energy_balance_W", "regions",
        "interfaces", "boundaries", "probes", "parameters", "sources",
    }  # fmt: skip
    assert set(summ["regions"]["die"]) == {"T_max", "T_mean", "T_min", "power"}
    ifc = summ["interfaces"]["die_tim"]
    assert set(ifc) == {"area", "heat", "jump_mean", "h_mean", "resistance", "components",
                        "pressure"}
    assert set(ifc["pressure"]) == {"force", "mean", "min", "max", "h_weighted_mean"}
    assert ifc["resistance"] == pytest.approx(1.0 / H[0])
    assert ifc["jump_mean"] == pytest.approx(Q / H[0])
    assert ifc["components"]["contact"] == pytest.approx(0.5 * H[0], rel=1e-12)
    assert ifc["components"]["gap"] == pytest.approx(0.25 * H[0], rel=1e-12)
    assert summ["interfaces"]["tim_sink"]["components"] == {}
    assert summ["boundaries"] == {"hot": {"heat": -Q * WIDTH}, "cold": {"heat": Q * WIDTH}}
    assert summ["probes"] == {"centre": 355.0}
    assert type(summ["parameters"]["geometry"]["n"]) is int
    path = write_summary(summ, tmp_path / "summary.json")
    text = path.read_text()

    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    assert json.loads(text, parse_constant=no_constants) == summ
    assert list(json.loads(text)) == sorted(summ)


def test_non_finite_values_become_null(tmp_path):
    s = layered_solution("quad")
    r = replace(s.interfaces["tim_sink"], heat=0.0, resistance=math.inf)
    s = replace(s, interfaces={**s.interfaces, "tim_sink": r})
    summ = build_summary(s, name="x", parameters={"limit": float("nan")})
    assert summ["interfaces"]["tim_sink"]["resistance"] is None
    json.loads(write_summary(summ, tmp_path / "s.json").read_text())
    flat = flatten_summary(summ)
    assert math.isnan(flat["interfaces.tim_sink.resistance"])
    assert math.isnan(flat["parameters.limit"])


def test_flatten_summary_dotted_scalars():
    s = layered_solution("quad")
    summ = build_summary(s, name="slab", parameters={"bc": {"h": 40.0, "kind": "conv"}})
    flat = flatten_summary(summ)
    assert flat["interfaces.die_tim.resistance"] == pytest.approx(1.0 / H[0])
    assert flat["interfaces.die_tim.components.contact"] == pytest.approx(0.7 * H[0])
    assert flat["regions.die.T_max"] == pytest.approx(360.0)
    assert flat["converged"] == 1.0 and flat["iterations"] == 1.0
    assert flat["parameters.bc.h"] == 40.0
    assert "name" not in flat and "parameters.bc.kind" not in flat
    assert all(isinstance(v, float) for v in flat.values())


def test_jsonable_converts_numpy_and_specials():
    out = jsonable({1: np.arange(3), "b": np.bool_(True), "t": (np.float32(0.5), -np.inf)})
    assert out == {"1": [0, 1, 2], "b": True, "t": [0.5, None]}
    json.dumps(out, allow_nan=False)


def test_series_writer_steps_and_pvd(tmp_path):
    from femtbr.export.transient_series import SeriesWriter

    s = layered_solution("quad")
    states = [(0.0, s.temperature - 5.0), (0.1, s.temperature - 1.0), (0.3, s.temperature)]
    writer = SeriesWriter(tmp_path, lambda T, t: replace(s, temperature=T), subdir="steps")
    for t, T in states:
        writer(t, T)
    pvd = writer.write_collections()[0]
    listed = read_pvd(pvd)
    assert [t for t, _ in listed] == [0.0, 0.1, 0.3]
    for (_, rel), (_, T) in zip(listed, states, strict=True):
        m = meshio.read(tmp_path / rel)
        np.testing.assert_array_equal(m.point_data["temperature"], T)
        np.testing.assert_array_equal(m.cell_data["region"][0], s.region_id)
    with pytest.raises(FemtbrError, match="not after"):
        writer(0.3, s.temperature)
    bad = SeriesWriter(tmp_path / "c", lambda T, t: replace(s, temperature=T))
    with pytest.raises(FemtbrError, match="shape"):
        bad(0.0, s.temperature[:-1])


def test_interface_arrays_of_the_wrong_length_are_named(tmp_path):
    s = layered_solution("quad")
    r = s.interfaces["tim_sink"]
    bad = replace(s, interfaces={**s.interfaces, "tim_sink": replace(r, h=r.h[:-1])})
    with pytest.raises(FemtbrError, match=r"interface 'tim_sink': h has shape"):
        write_interfaces_vtu(bad, tmp_path / "i.vtu")
    assert not any(tmp_path.iterdir())


def test_vtu_written_through_meshios_supported_zlib_path(tmp_path):
    """write_vtu writes binary zlib-compressed VTU through meshio's own options (no patching of
    meshio): the data read back unchanged, and the file is the same size as meshio's."""
    import meshio.vtu._vtu as meshio_vtu

    from femtbr.export.vtu import write_vtu

    before = dict(vars(meshio_vtu))
    rng = np.random.default_rng(0)
    pts = rng.random((4000, 3))
    mesh = meshio.Mesh(pts, [("vertex", np.arange(4000).reshape(-1, 1))],
                       point_data={"T": 300 + rng.random(4000)})
    write_vtu(mesh, tmp_path / "ours.vtu")
    assert dict(vars(meshio_vtu)) == before
    meshio.write(tmp_path / "meshio.vtu", mesh, file_format="vtu")
    back = meshio.read(tmp_path / "ours.vtu")
    assert np.array_equal(back.points, pts)
    assert np.array_equal(back.point_data["T"], mesh.point_data["T"])
    assert b'compressor="vtkZLibDataCompressor"' in (tmp_path / "ours.vtu").read_bytes()[:4096]
    assert (tmp_path / "ours.vtu").stat().st_size == (tmp_path / "meshio.vtu").stat().st_size
