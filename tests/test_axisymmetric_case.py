"""Axisymmetric cases end to end: the pressed-cylinders example, a gmsh r–z mesh, bad input,
and a ``fields.vtu`` that revolves about its y axis.

The references are computed here: the axial series resistance of two coaxial cylinders
2L/(kA) + 1/(hA), A = πR² (Carslaw & Jaeger, *Conduction of Heat in Solids*, 2nd ed. (1959),
ch. 1: T linear in z, exact for P1/Q1), with h from the Cooper–Mikic–Yovanovich plastic
correlation h = 1.25 k_s (m/σ)(P/H_c)^0.95 (Yovanovich, IEEE Trans. Compon. Packag. Technol. 28
(2005) 182).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from femtbr.cli import main
from femtbr.pipeline import load_case, run

CASES = Path(__file__).resolve().parents[1] / "cases"

# cases/cylinder_contact_rz.toml
RADIUS, LENGTH, K, T_HOT, T_COLD = 12.5e-3, 25e-3, 16.2, 350.0, 300.0
SIGMA, SLOPE, H_C = 1.5e-6, 0.1, 3.5e9


def cmy(pressure: float) -> float:
    """CMY plastic contact conductance [W/(m² K)] of the example's joint."""
    return 1.25 * K * (SLOPE / SIGMA) * (pressure / H_C) ** 0.95


def axial(h: float, k: float = K, length: float = LENGTH) -> tuple[float, float]:
    """Heat [W] through the two cylinders and the jump [K] at their joint."""
    A = math.pi * RADIUS**2
    Q = (T_HOT - T_COLD) / (2 * length / (k * A) + 1.0 / (h * A))
    return Q, Q / (h * A)


def run_case(path: Path, overrides=(), out: Path | None = None):
    case = load_case(path, list(overrides))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(case, out_dir=out, write=out is not None)


@pytest.mark.parametrize("pressure", [1e6, 5e6])
def test_cylinder_contact_example_is_the_axial_closed_form(pressure):
    s = run_case(CASES / "cylinder_contact_rz.toml",
                 [f"interfaces.upper_lower.pressure={pressure}"]).summary
    Q, jump = axial(cmy(pressure))
    i = s["interfaces"]["upper_lower"]
    assert s["axisymmetric"] is True
    assert s["energy_balance"] <= 1e-8
    assert i["area"] == pytest.approx(math.pi * RADIUS**2, rel=1e-12)
    assert i["h_mean"] == pytest.approx(cmy(pressure), rel=1e-12)
    assert i["heat"] == pytest.approx(Q, rel=1e-10)
    assert i["jump_mean"] == pytest.approx(jump, rel=1e-10)
    assert s["boundaries"]["bottom"]["heat"] == pytest.approx(Q, rel=1e-10)
    # T is linear in each cylinder: the mean of the upper one is its mid-height value
    assert s["regions"]["upper"]["T_mean"] == pytest.approx(
        T_HOT - Q * LENGTH / (2 * K * math.pi * RADIUS**2), rel=1e-12)


def test_cylinder_contact_example_order_2_and_triangles():
    s = run_case(CASES / "cylinder_contact_rz.toml",
                 ["solver.order=2", 'geometry.cell_type="triangle"']).summary
    Q, jump = axial(cmy(1e6))
    assert s["interfaces"]["upper_lower"]["heat"] == pytest.approx(Q, rel=1e-10)
    assert s["interfaces"]["upper_lower"]["jump_mean"] == pytest.approx(jump, rel=1e-10)


def test_axisymmetric_key_errors_name_the_key(capsys):
    path = str(CASES / "cylinder_contact_rz.toml")
    assert main(["check", path, "--set", "geometry.dim=3"]) == 2
    assert "geometry.axisymmetric: needs dim = 2" in capsys.readouterr().err
    assert main(["check", str(CASES / "cpu_heatsink.toml"), "--set",
                 "geometry.axisymmetric=true"]) == 2
    assert "geometry.axisymmetric: unknown parameter of builder 'cpu_heatsink'" in \
        capsys.readouterr().err
    assert main(["check", path, "--set", "geometry.axisymmetric=1"]) == 2
    assert "geometry.axisymmetric" in capsys.readouterr().err


@pytest.mark.parametrize("verb", ["check", "run"])
def test_condition_on_the_axis_is_refused(tmp_path, capsys, verb):
    code = main([verb, str(CASES / "cylinder_contact_rz.toml"),
                 *(["--out", str(tmp_path)] if verb == "run" else []),
                 "--set", 'boundaries.axis={type="convection", h=10.0, T_inf=300.0}'])
    assert code == 2
    assert "boundaries.axis: 20 of its facets lie on the axis r = 0" in capsys.readouterr().err
    assert not (tmp_path / "summary.json").exists()
    # adiabatic (the default) is accepted
    assert main(["check", str(CASES / "cylinder_contact_rz.toml"), "--set",
                 'boundaries.axis={type="adiabatic"}']) == 0


# ----------------------------------------------------------------------------- gmsh mesh
def _two_cylinder_msh(path: Path, shift: float = 0.0) -> Path:
    """Unstructured triangles of the r–z section of the two cylinders (mm), with physical
    groups upper, lower, joint, top, bottom, axis, rim; ``shift`` moves it along r."""
    gmsh = pytest.importorskip("gmsh")
    from femtbr.geometry.gmsh_output import write_msh41

    r, L = RADIUS * 1e3, LENGTH * 1e3
    gmsh.initialize(interruptible=False)
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("rz")
        occ = gmsh.model.occ
        lower = occ.addRectangle(shift, 0, 0, r, L)
        upper = occ.addRectangle(shift, L, 0, r, L)
        occ.fragment([(2, lower)], [(2, upper)])
        occ.synchronize()
        gmsh.model.addPhysicalGroup(2, [lower], name="lower")
        gmsh.model.addPhysicalGroup(2, [upper], name="upper")
        lines = {}
        for _, tag in gmsh.model.getEntities(1):
            x0, y0, _, x1, y1, _ = gmsh.model.getBoundingBox(1, tag)
            if abs(y0 - y1) < 1e-3:  # bounding boxes carry gmsh's tolerance
                key = {0.0: "bottom", L: "joint", 2 * L: "top"}[round((y0 + y1) / 2, 2)]
            else:
                key = "axis" if abs((x0 + x1) / 2 - shift) < 1e-3 else "rim"
            lines.setdefault(key, []).append(tag)
        for name, tags in lines.items():
            gmsh.model.addPhysicalGroup(1, tags, name=name)
        gmsh.option.setNumber("Mesh.MeshSizeMax", 3.0)
        gmsh.model.mesh.generate(2)
        return write_msh41(path, scale=1e-3)
    finally:
        gmsh.finalize()


def _mesh_case(tmp_path: Path, msh: Path, builder: bool = False) -> Path:
    case = tmp_path / "rz.toml"
    source = f'builder = "msh"\npath = "{msh.name}"' if builder else f'mesh = "{msh.name}"'
    case.write_text(f'''name = "rz_msh"
[geometry]
{source}
axisymmetric = true
[materials.upper]
k = {K}
[materials.lower]
k = {K}
[boundaries.top]
type = "temperature"
T = {T_HOT}
[boundaries.bottom]
type = "temperature"
T = {T_COLD}
[interfaces.joint]
between = ["upper", "lower"]
model = "constant"
h = 2000.0
''')
    return case


@pytest.mark.parametrize("builder", [False, True], ids=["mesh", "msh-builder"])
def test_gmsh_rz_mesh_is_the_axial_closed_form(tmp_path, builder):
    case = _mesh_case(tmp_path, _two_cylinder_msh(tmp_path / "rz.msh"), builder)
    s = run_case(case).summary
    Q, jump = axial(2000.0)
    assert s["interfaces"]["joint"]["heat"] == pytest.approx(Q, rel=1e-10)
    assert s["interfaces"]["joint"]["jump_mean"] == pytest.approx(jump, rel=1e-10)
    assert s["energy_balance"] <= 1e-8


@pytest.mark.parametrize("builder", [False, True], ids=["mesh", "msh-builder"])
def test_gmsh_mesh_left_of_the_axis_is_named(tmp_path, capsys, builder):
    case = _mesh_case(tmp_path, _two_cylinder_msh(tmp_path / "rz.msh", shift=-2.0), builder)
    assert main(["check", str(case)]) == 2
    err = capsys.readouterr().err
    assert "geometry.axisymmetric:" in err and "r = x < 0" in err and "region" in err


# ----------------------------------------------------------------------------- ParaView
def test_fields_vtu_revolves_about_the_y_axis(tmp_path):
    """What ParaView's Extract Surface → Rotational Extrusion (Rotation Axis 0 1 0) does,
    through the same VTK filter in pyvista: the solid of revolution spans the cylinders'
    diameter in x and z, their length in y, and carries the temperature."""
    pv = pytest.importorskip("pyvista")
    run_case(CASES / "cylinder_contact_rz.toml", ["outputs.render=false"], out=tmp_path)
    grid = pv.read(tmp_path / "fields.vtu")
    assert np.allclose(grid.points[:, 2], 0.0)  # z = 0: the r–z plane is the x–y plane
    surface = grid.extract_surface(algorithm="dataset_surface")
    body = surface.extrude_rotate(resolution=72, angle=360.0, capping=False,
                                  rotation_axis=(0, 1, 0))
    xmin, xmax, ymin, ymax, zmin, zmax = body.bounds
    assert (xmin, xmax) == pytest.approx((-RADIUS, RADIUS), rel=1e-6)
    assert (zmin, zmax) == pytest.approx((-RADIUS, RADIUS), rel=1e-6)
    assert (ymin, ymax) == pytest.approx((0.0, 2 * LENGTH), abs=1e-8)  # float32 points
    T = body.point_data["temperature"]
    assert T.min() == pytest.approx(T_COLD) and T.max() == pytest.approx(T_HOT)


def test_stack_disc_source_delivers_its_total_power(tmp_path):
    """A 4 mm disc footprint on an r–z stack of radius 10 mm: its default flux is P over the
    disc area π(2 mm)², so the revolved footprint takes in exactly P and the bottom gives it
    out; an off-axis footprint is an annulus and does the same."""
    for centre, size in ((2e-3, 4e-3), (6e-3, 2e-3)):
        case = tmp_path / f"stack_{centre}.toml"
        case.write_text(f'''name = "stack_rz"
[geometry]
builder = "stack"
dim = 2
axisymmetric = true
width = 0.01
layers = [{{name = "die", material = "silicon", thickness = 5e-4}},
          {{name = "base", material = "copper", thickness = 2e-3}}]
sources = [{{name = "chip", size = {size}, centre = [{centre}], power = 7.0}}]
bottom = "temperature"
[interfaces.die_base]
model = "constant"
h = 1e5
''')
        s = run_case(case).summary
        assert s["boundaries"]["source_chip"]["heat"] == pytest.approx(-7.0, rel=1e-12)
        assert s["boundaries"]["bottom"]["heat"] == pytest.approx(7.0, rel=1e-8)
        assert s["interfaces"]["die_base"]["area"] == pytest.approx(math.pi * 1e-4, rel=1e-12)
