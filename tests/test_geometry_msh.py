"""gmsh MSH 4.1 loading, mesh checks, committed gmsh meshes, builder vs gmsh convergence."""

from __future__ import annotations

import importlib.util
import math
import signal
from pathlib import Path

import numpy as np
import pytest
from gmsh_session import gmsh_session

from femtbr.errors import CaseError, MeshError
from femtbr.geometry import (
    Geometry,
    build,
    check_mesh,
    group_areas,
    load_msh,
    region_volumes,
    require_groups,
)
from femtbr.mesh import Interface, TaggedMesh

MESHES = Path(__file__).resolve().parents[1] / "meshes"
gmsh = pytest.importorskip("gmsh")


def _recipe(name):
    spec = importlib.util.spec_from_file_location(name, MESHES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rel(a, b):
    return abs(a / b - 1)


# ------------------------------------------------------------------ committed meshes


def test_stack3_msh_regions_interfaces_boundaries_exact():
    m = load_msh(MESHES / "stack3.msh")
    assert m.cell_type == "tetra"
    vol, area = region_volumes(m), group_areas(m)
    A = 10e-3 * 10e-3
    for r, t in (("die", 0.5e-3), ("tim", 0.05e-3), ("spreader", 2e-3)):
        assert _rel(vol[r], A * t) <= 1e-12
    assert {n: (i.region_a, i.region_b) for n, i in m.interfaces.items()} == {
        "die_tim": ("die", "tim"), "tim_spreader": ("tim", "spreader")}
    assert _rel(area["die_tim"], A) <= 1e-12 and _rel(area["tim_spreader"], A) <= 1e-12
    assert _rel(area["source_chip"], 16e-6) <= 1e-12
    assert set(m.boundaries) == {"source_chip", "top", "sides", "bottom"}


def test_cpu_heatsink_msh():
    m = load_msh(MESHES / "cpu_heatsink.msh")
    vol, area = region_volumes(m), group_areas(m)
    mm = 1e-3
    assert _rel(vol["lid"], (30 * 30 * 2 + (30**2 - 26**2) * 0.8) * mm**3) <= 1e-12
    assert _rel(vol["tim1"], 12 * 12 * 0.05 * mm**3) <= 1e-12
    assert _rel(area["lid_substrate"], (30**2 - 26**2) * mm**2) <= 1e-12
    assert _rel(area["tim2_heatsink"], 900 * mm**2) <= 1e-12
    # 12 tapered fins 1.6 -> 0.8 mm, 30 mm tall, 80 mm long: flanks + tips + ends
    flank = math.hypot(30.0, 0.4)
    fins = 12 * (2 * flank * 80 + 0.8 * 80 + 2 * 30 * (1.6 + 0.8) / 2) * mm**2
    assert _rel(area["fins"], fins) <= 1e-12
    assert {"fins", "base_top", "base_sides", "base_bottom", "package", "board_bottom"} == set(
        m.boundaries)


def test_grujicic_msh():
    m = load_msh(MESHES / "grujicic.msh")
    vol, area = region_volumes(m), group_areas(m)
    mm = 1e-3
    assert set(m.regions) == {"die", "package", "heatsink"}
    itf = m.interfaces["package_sink"]
    assert {itf.region_a, itf.region_b} == {"package", "heatsink"}
    # curved faces are polygonal: within the chordal error of the mesh
    assert _rel(vol["die"], math.pi * 5**2 * 0.6 * mm**3) < 0.01
    assert _rel(area["package_sink"], (math.pi * 12**2 + 2 * math.pi * 12 * 2) * mm**2) < 0.01
    assert _rel(area["fins"], 9 * (2 * 25 * 50 + 1.5 * 50 + 2 * 1.5 * 25) * mm**2) <= 1e-12


def test_msh_builder_and_require_groups():
    g = build("msh", {"path": str(MESHES / "stack3.msh"), "materials": {"die": "silicon"}})
    assert isinstance(g, Geometry)
    assert g.interfaces["die_tim"] == ("die", "tim")
    require_groups(g.mesh, regions=["die"], boundaries=["bottom"], interfaces=["die_tim"])
    with pytest.raises(MeshError, match="'lid'"):
        require_groups(g.mesh, regions=["lid"])
    with pytest.raises(CaseError, match="geometry.materials.lid"):
        build("msh", {"path": str(MESHES / "stack3.msh"), "materials": {"lid": "copper"}})
    with pytest.raises(CaseError, match="geometry.path"):
        build("msh", {})


@pytest.fixture(autouse=True)
def _keep_sigpipe_ignored():
    """The gmsh library resets SIGPIPE to its default action (terminate) in this process.

    Python ignores SIGPIPE so that a write to a closed pipe raises BrokenPipeError; without it a
    later test whose worker process dies (sweeps) would kill the whole pytest run with signal 13.
    """
    yield
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)


# ------------------------------------------------------------------ bad files


def _two_boxes(path, version=4.1, groups=True, mixed=False):
    """Two unit boxes side by side, optionally with faulty physical groups."""
    with gmsh_session():
        occ = gmsh.model.occ
        a, b = occ.addBox(0, 0, 0, 1, 1, 1), occ.addBox(1, 0, 0, 1, 1, 1)
        occ.fragment([(3, a)], [(3, b)])
        occ.synchronize()
        if groups:
            gmsh.model.addPhysicalGroup(3, [a], name="left")
            gmsh.model.addPhysicalGroup(3, [b], name="right")
            shared = [s for _, s in gmsh.model.getEntities(2)
                      if len(gmsh.model.getAdjacencies(2, s)[0]) == 2]
            outer = [s for _, s in gmsh.model.getEntities(2) if s not in shared]
            gmsh.model.addPhysicalGroup(2, shared + (outer[:1] if mixed else []), name="glue")
            gmsh.model.addPhysicalGroup(2, outer[1:], name="skin")
        gmsh.option.setNumber("Mesh.MeshSizeMax", 0.5)
        gmsh.model.mesh.generate(3)
        gmsh.option.setNumber("Mesh.MshFileVersion", version)
        gmsh.write(str(path))
    return path


def test_two_boxes_interface(tmp_path):
    m = load_msh(_two_boxes(tmp_path / "ok.msh"))
    assert (m.interfaces["glue"].region_a, m.interfaces["glue"].region_b) == ("left", "right")
    assert group_areas(m)["glue"] == pytest.approx(1.0, rel=1e-12)
    assert region_volumes(m)["left"] == pytest.approx(1.0, rel=1e-12)


def test_2d_mesh_with_line_groups(tmp_path):
    """2D analog: surface groups are regions, curve groups interfaces or boundaries."""
    p = tmp_path / "two_rects.msh"
    with gmsh_session():
        occ = gmsh.model.occ
        a, b = occ.addRectangle(0, 0, 0, 2, 1), occ.addRectangle(0, 1, 0, 2, 0.5)
        occ.fragment([(2, a)], [(2, b)])
        occ.synchronize()
        gmsh.model.addPhysicalGroup(2, [a], name="lower")
        gmsh.model.addPhysicalGroup(2, [b], name="upper")
        shared = [c for _, c in gmsh.model.getEntities(1)
                  if len(gmsh.model.getAdjacencies(1, c)[0]) == 2]
        gmsh.model.addPhysicalGroup(1, shared, name="upper_lower")
        bottom = [c for _, c in gmsh.model.getEntities(1)
                  if gmsh.model.getBoundingBox(1, c)[4] < 1e-6]
        gmsh.model.addPhysicalGroup(1, bottom, name="bottom")
        gmsh.option.setNumber("Mesh.MeshSizeMax", 0.2)
        gmsh.option.setNumber("Mesh.RecombineAll", 1)
        gmsh.model.mesh.generate(2)
        gmsh.write(str(p))
    m = load_msh(p, scale=1e-3)
    assert m.cell_type == "quad" and m.points.shape[1] == 2
    itf = m.interfaces["upper_lower"]
    assert (itf.region_a, itf.region_b) == ("upper", "lower")  # from the name <a>_<b>
    assert group_areas(m)["upper_lower"] == pytest.approx(2e-3, rel=1e-12)
    assert group_areas(m)["bottom"] == pytest.approx(2e-3, rel=1e-12)
    assert region_volumes(m)["upper"] == pytest.approx(1e-6, rel=1e-12)


def test_msh22_rejected_with_advice(tmp_path):
    with pytest.raises(MeshError, match=r"2\.2.*MSH 4\.1"):
        load_msh(_two_boxes(tmp_path / "old.msh", version=2.2))


def test_untagged_rejected(tmp_path):
    with pytest.raises(MeshError, match="no named physical groups"):
        load_msh(_two_boxes(tmp_path / "raw.msh", groups=False))


def test_group_mixing_inner_and_outer_facets_named(tmp_path):
    with pytest.raises(MeshError, match="'glue' mixes inner and outer"):
        load_msh(_two_boxes(tmp_path / "mixed.msh", mixed=True))


def test_group_inside_one_region_named(tmp_path):
    p = tmp_path / "inner.msh"
    with gmsh_session():
        occ = gmsh.model.occ
        box = occ.addBox(0, 0, 0, 1, 1, 1)
        rect = occ.addRectangle(0.25, 0.25, 0.5, 0.5, 0.5)
        occ.fragment([(3, box)], [(2, rect)])
        occ.synchronize()
        gmsh.model.addPhysicalGroup(3, [box], name="solid")
        gmsh.model.addPhysicalGroup(2, [rect], name="crack")
        gmsh.option.setNumber("Mesh.MeshSizeMax", 0.3)
        gmsh.model.mesh.generate(3)
        gmsh.write(str(p))
    with pytest.raises(MeshError, match="'crack' lies inside region 'solid'"):
        load_msh(p)


def test_empty_group_named(tmp_path):
    p = _two_boxes(tmp_path / "ok.msh")
    text = p.read_text()
    n = int(text.split("$PhysicalNames\n")[1].split("\n")[0])
    text = text.replace(f"$PhysicalNames\n{n}\n", f'$PhysicalNames\n{n + 1}\n3 99 "ghost"\n')
    p.write_text(text)
    with pytest.raises(MeshError, match="'ghost'.*empty"):
        load_msh(p)


def test_missing_and_foreign_files(tmp_path):
    with pytest.raises(MeshError, match="does not exist"):
        load_msh(tmp_path / "nope.msh")
    bad = tmp_path / "x.msh"
    bad.write_text("hello\n")
    with pytest.raises(MeshError, match="not a gmsh MSH file"):
        load_msh(bad)


# ------------------------------------------------------------------ checks on TaggedMesh


def _cube_pair():
    g = build("stack", {"width": 1.0, "depth": 1.0, "sources": [], "mesh_size": 0.5,
                        "layers": [{"name": "a", "thickness": 1.0},
                                   {"name": "b", "thickness": 1.0}]})
    return g.mesh


def test_check_detects_inverted_and_degenerate_cells():
    m = _cube_pair()
    cells = m.cells.copy()
    cells[3] = cells[3][[4, 5, 6, 7, 0, 1, 2, 3]]  # turned inside out
    with pytest.raises(MeshError, match="inverted.*region"):
        check_mesh(TaggedMesh(m.points, cells, m.cell_type, regions=m.regions))
    pts = m.points.copy()
    c = m.cells[0]
    pts[c[4:]] = pts[c[:4]]  # flattened first cell (and its neighbours)
    with pytest.raises(MeshError, match="(degenerate|inverted)"):
        check_mesh(TaggedMesh(pts, m.cells, m.cell_type, regions=m.regions))


def test_check_detects_bad_groups():
    m = _cube_pair()
    bad_itf = m.with_interfaces({"a_b": Interface(m.boundaries["bottom"], "a", "b")})
    with pytest.raises(MeshError, match="interface 'a_b'.*not shared"):
        check_mesh(bad_itf)
    inner = m.with_boundaries({"bottom": m.interfaces["a_b"].facets})
    with pytest.raises(MeshError, match="boundary 'bottom'.*inside"):
        check_mesh(inner)
    with pytest.raises(MeshError, match="region 'c' is empty"):
        check_mesh(TaggedMesh(m.points, m.cells, m.cell_type,
                              regions={**m.regions, "c": np.array([], dtype=int)}))


# ------------------------------------------------------------------ builder vs gmsh


@pytest.mark.slow
def test_builder_and_gmsh_stack_converge_to_the_same_resistance(tmp_path):
    """The default 3-layer stack (h = 1e4 W/m²K) meshed by the builder (nested hexahedra,
    h, h/2, h/3) and by gmsh (tetrahedra, 1.0, 0.7, 0.5 mm): each sequence converges
    monotonically and the two extrapolated total resistances agree within 0.3 %; the finest
    meshes differ by less than their estimated discretisation errors."""
    fem = pytest.importorskip("femtbr.fem")
    if not hasattr(fem, "solve"):
        pytest.skip("femtbr.fem.solve not available yet")
    from test_geometry_spreading import richardson3, source_mean_temperature

    k = {"die": 150.0, "tim": 4.0, "spreader": 390.0}

    def resistance(mesh):
        bcs = {"source_chip": fem.HeatFlux(10.0 / 16e-6), "bottom": fem.Convection(1e4, 300.0)}
        sol = fem.solve(fem.Problem(mesh=mesh, conductivity=k, boundaries=bcs))
        assert sol.energy_balance < 1e-8
        return (source_mean_temperature(Geometry(mesh=mesh), sol, "source_chip") - 300.0) / 10

    rb = [resistance(build("stack", {"subdivide": s, "mesh_size": 1e-3, "edge_size": 0.25e-3,
                                     "grading": 1.5, "h": 1e4}).mesh) for s in (1, 2, 3)]
    sizes = [1.0, 0.7, 0.5]
    stack3 = _recipe("stack3")
    rg = [resistance(load_msh(stack3.make(tmp_path / f"s{h}.msh", mesh_size=h)))
          for h in sizes]
    rb_ext, pb = richardson3(rb, [1, 1 / 2, 1 / 3])
    rg_ext, pg = richardson3(rg, sizes)
    for r in (rb, rg):
        assert abs(r[2] - r[1]) < abs(r[1] - r[0])
    assert pb > 0.8 and pg > 0.8
    assert rg_ext == pytest.approx(rb_ext, rel=3e-3)
    err_b, err_g = abs(rb[2] - rb_ext), abs(rg[2] - rg_ext)
    assert abs(rb[2] - rg[2]) <= 1.5 * (err_b + err_g)
