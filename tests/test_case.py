"""Case layer: schema, units, defaults merge, overrides, error collection with key paths."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from femtbr.case import apply_overrides, parse_path, to_si
from femtbr.errors import CaseError
from femtbr.pipeline import load_case, validate, with_overrides

BASE = """
name = "t"
[geometry]
builder = "stack"
dim = 2
width = "10 mm"
layers = [{name = "die", material = "silicon", thickness = "0.5 mm"},
          {name = "tim", material = "tim_grease", thickness = "50 um"}]
[interfaces.die_tim]
model = "constant"
h = "2e5 W/m^2/K"
[boundaries.bottom]
h = "2000 W/m^2/K"
"""


def write(tmp_path: Path, text: str = BASE, name: str = "c.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def problems(exc: pytest.ExceptionInfo[CaseError]) -> dict[str, str]:
    return dict(exc.value.problems)


# ----------------------------------------------------------------------------- units
@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("85 degC", "K", 358.15),
        ("32 degF", "K", 273.15),
        ("50 um", "m", 50e-6),
        ("1 MPa", "Pa", 1e6),
        ("3 W/m/K", "W/(m*K)", 3.0),
        ("2 W/cm^2", "W/m^2", 2e4),
        ("1e5 W/(m^2 K)", "W/(m^2*K)", 1e5),
        (12, "m", 12.0),
        ("0.5", "", 0.5),
    ],
)
def test_units_convert_to_si(value, unit, expected):
    assert to_si(value, unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("value", ["3 kg", "abc", "5 furlongs/fortnight/K", True, [1]])
def test_units_reject_wrong_dimension_or_garbage(value):
    with pytest.raises(ValueError):
        to_si(value, "K")


# ----------------------------------------------------------------------------- loading
def test_load_converts_units_and_fills_builder_defaults(tmp_path):
    case = load_case(write(tmp_path))
    assert case.geometry.parameters["width"] == pytest.approx(0.01)
    assert case.geometry.parameters["layers"][1]["thickness"] == pytest.approx(50e-6)
    # builder defaults: materials from the layers, the bottom convection merged with the case
    assert case.materials["die"].use == "silicon"
    assert case.boundaries["bottom"].type == "convection"
    assert case.boundaries["bottom"].h == 2000.0
    assert case.boundaries["bottom"].T_inf == pytest.approx(298.15)
    assert "source_chip" in case.boundaries
    # interface regions come from the geometry; the model parameter is converted
    assert case.interfaces["die_tim"].between == ("die", "tim")
    assert case.interfaces["die_tim"].model_extra["h"] == 2e5


def test_case_is_frozen(tmp_path):
    case = load_case(write(tmp_path))
    from pydantic import ValidationError

    with pytest.raises(ValidationError):  # frozen instance
        case.name = "other"


def test_side_a_b_filled_from_region_materials(tmp_path):
    text = BASE.replace('model = "constant"\nh = "2e5 W/m^2/K"', 'model = "dmm"')
    with pytest.raises(CaseError) as exc:  # grease has no sound speeds: named at side_b
        load_case(write(tmp_path, text))
    assert "lacks 'vL'" in problems(exc)["interfaces.die_tim.side_b"]
    case = load_case(write(tmp_path, text + '[materials.tim]\nuse = "indium"\n'))
    extra = case.interfaces["die_tim"].model_extra
    assert (extra["side_a"], extra["side_b"]) == ("silicon", "indium")


def test_composed_interface_parts_validated_with_key_path(tmp_path):
    text = BASE.replace(
        'model = "constant"\nh = "2e5 W/m^2/K"',
        'model = "series"\nparts = [{model = "dmm"}, {model = "constant", h = -1.0}]',
    )
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path, text))
    assert "interfaces.die_tim.parts[1].h" in problems(exc)
    assert "must be >= 0" in problems(exc)["interfaces.die_tim.parts[1].h"]


def test_every_problem_is_reported_with_its_key_path(tmp_path):
    text = BASE + textwrap.dedent(
        """
        colour = "red"
        [solver]
        order = 3
        rtol = -1
        [sources.nowhere]
        power = "5 kg"
        [materials.die]
        use = "unobtainium"
        """
    )
    # TOML: colour after a table header belongs to [boundaries.bottom]
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path, text))
    p = problems(exc)
    assert "unknown key" in p["boundaries.bottom.colour"]
    assert "one of 1 or 2" in p["solver.order"]
    assert p["solver.rtol"] == "must be > 0, got -1"
    assert "[mass]" in p["sources.nowhere.power"]
    assert "no region 'nowhere'" in p["sources.nowhere"]
    assert "unknown material 'unobtainium'" in p["materials.die.use"]
    assert len(p) >= 6


def test_unknown_model_and_parameter(tmp_path):
    text = BASE.replace('h = "2e5 W/m^2/K"', "hh = 1.0")
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path, text))
    assert "unknown parameter of model 'constant'" in problems(exc)["interfaces.die_tim.hh"]
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path, BASE.replace('"constant"', '"magic"')))
    assert "available models" in problems(exc)["interfaces.die_tim.model"]


def test_negative_thickness_and_bad_unit_in_geometry(tmp_path):
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path, BASE.replace('"50 um"', '"-50 um"')))
    assert "must be > 0" in problems(exc)["geometry.layers[1].thickness"]
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path, BASE.replace('"10 mm"', '"10 kg"')))
    assert "[mass]" in problems(exc)["geometry.width"]


def test_toml_syntax_error(tmp_path):
    with pytest.raises(CaseError, match="TOML syntax error"):
        load_case(write(tmp_path, BASE + "\n[oops\n"))


def test_boundary_type_requires_its_keys(tmp_path):
    text = BASE + '[boundaries.top]\ntype = "radiation"\nh = 5.0\n'
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path, text))
    msg = problems(exc)["boundaries.top"]
    assert "requires emissivity, T_inf" in msg and "does not take h" in msg


def test_region_missing_from_mesh(tmp_path):
    text = BASE + '[materials.ghost]\nuse = "copper"\n'
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path, text))
    assert "no region 'ghost' in the mesh" in problems(exc)["materials.ghost"]


def test_interface_between_regions_that_do_not_touch(tmp_path):
    text = (
        BASE.replace(
            '{name = "tim", material = "tim_grease", thickness = "50 um"}]',
            '{name = "tim", material = "tim_grease", thickness = "50 um"},\n'
            ' {name = "cu", material = "copper", thickness = "1 mm"}]',
        )
        + '[interfaces.die_cu]\nbetween = ["die", "cu"]\nmodel = "constant"\nh = 1e5\n'
    )
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path, text))
    assert "do not touch" in problems(exc)["interfaces.die_cu.between"]


# ----------------------------------------------------------------------------- overrides
def test_parse_path_forms():
    assert parse_path("interfaces.x.parts[0].sigma") == ["interfaces", "x", "parts", 0, "sigma"]
    assert parse_path("interfaces.x.parts.0.sigma") == ["interfaces", "x", "parts", 0, "sigma"]


def test_overrides_parse_toml_values_and_bare_strings(tmp_path):
    path = write(tmp_path)
    case = load_case(
        path,
        [
            "solver.rtol=1e-8",
            "interfaces.die_tim.h=3e5",
            "boundaries.bottom.T_inf=85degC",
            'materials.tim.use="copper"',
            "outputs.render=false",
        ],
    )
    assert case.solver.rtol == 1e-8
    assert case.interfaces["die_tim"].model_extra["h"] == 3e5
    assert case.boundaries["bottom"].T_inf == pytest.approx(358.15)
    assert case.materials["tim"].use == "copper"
    assert case.outputs.render is False
    # the dict form used by sweeps gives the same case
    same = load_case(
        path,
        {
            "solver.rtol": 1e-8,
            "interfaces.die_tim.h": 3e5,
            "boundaries.bottom.T_inf": "85 degC",
            "materials.tim.use": "copper",
            "outputs.render": False,
        },
    )
    assert same == case


def test_override_of_builder_parameter_changes_geometry(tmp_path):
    case = load_case(write(tmp_path), ["geometry.layers[0].thickness=1e-3"])
    assert case.geometry.parameters["layers"][0]["thickness"] == 1e-3


def test_override_unknown_key_lists_valid_keys(tmp_path):
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path), ["solver.rtoll=1", "interfaces.die_tim.hh=1", "nokey"])
    p = problems(exc)
    assert "valid keys:" in p["solver.rtoll"] and "rtol" in p["solver.rtoll"]
    assert "valid keys:" in p["interfaces.die_tim.hh"] and " h" in p["interfaces.die_tim.hh"]
    assert "KEY=VALUE" in p["nokey"]


def test_apply_overrides_does_not_mutate_input():
    raw = {"solver": {"rtol": 1e-9}, "name": "a"}
    out = apply_overrides(raw, ["solver.rtol=1e-6"])
    assert raw["solver"]["rtol"] == 1e-9 and out["solver"]["rtol"] == 1e-6
    with pytest.raises(CaseError, match="out of range"):
        apply_overrides({"a": [1]}, ["a[3]=2"])


def test_mesh_file_case_checks_regions(tmp_path):
    gmsh = pytest.importorskip("gmsh")
    del gmsh
    from femtbr.geometry import load_msh  # noqa: F401

    msh = Path(__file__).parents[1] / "meshes"
    files = sorted(msh.glob("*.msh")) if msh.is_dir() else []
    if not files:
        pytest.skip("no .msh file in meshes/")
    mesh = load_msh(files[0])
    regions = sorted(mesh.regions)
    text = f'name = "m"\n[geometry]\nmesh = "{files[0]}"\n' + "".join(
        f'[materials.{r}]\nuse = "copper"\n' for r in regions[1:]
    )
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path, text))
    assert "has no material" in problems(exc)[f"materials.{regions[0]}"]


def test_validate_accepts_a_dict():
    import tomllib

    case = validate(tomllib.loads(BASE))
    assert case.name == "t"


def test_mesh_file_case_runs_like_the_equivalent_builder(tmp_path):
    """meshes/stack3.msh (gmsh tetrahedra) is the stack builder's default geometry: the same
    case on both meshes gives the same junction temperature rise within discretisation error."""
    import warnings

    from femtbr.pipeline import run

    msh = Path(__file__).resolve().parents[1] / "meshes" / "stack3.msh"
    if not msh.is_file():
        pytest.skip("meshes/stack3.msh missing")
    common = """
        [materials.die]
        use = "silicon"
        k = 148.0
        [materials.tim]
        use = "tim_grease"
        [materials.spreader]
        use = "copper"
        k = 390.0
        [interfaces.die_tim]
        between = ["die", "tim"]
        model = "constant"
        h = 2e5
        [boundaries.bottom]
        type = "convection"
        h = 1000.0
        T_inf = 298.15
        [report]
        junction = "die"
        """
    mesh_case = write(
        tmp_path,
        f'name = "m"\n[geometry]\nmesh = "{msh}"\n'
        '[boundaries.source_chip]\ntype = "flux"\nq = 6.25e5\n' + textwrap.dedent(common),
        "mesh.toml",
    )
    builder_case = write(
        tmp_path, 'name = "b"\n[geometry]\nbuilder = "stack"\n' + textwrap.dedent(common), "b.toml"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = run(load_case(mesh_case), write=False).summary
        b = run(load_case(builder_case), write=False).summary
    assert a["energy_balance"] < 1e-8
    rise_a = a["regions"]["die"]["T_max"] - 298.15
    rise_b = b["regions"]["die"]["T_max"] - 298.15
    print(f"die T_max rise: gmsh tets {rise_a:.4f} K, builder hexes {rise_b:.4f} K")
    assert rise_a == pytest.approx(rise_b, rel=5e-3)
    assert a["interfaces"]["die_tim"]["heat"] == pytest.approx(10.0, rel=1e-6)


def test_broken_geometry_does_not_cascade(tmp_path):
    """A bad builder parameter is reported once; interface checks that need the regions wait,
    but plain range errors of model parameters still show."""
    with pytest.raises(CaseError) as exc:
        load_case(write(tmp_path), ["geometry.width=-1", "interfaces.die_tim.h=-5"])
    assert problems(exc) == {
        "geometry.width": "must be > 0 [m], got -1",
        "interfaces.die_tim.h": "must be >= 0 [W/(m^2 K)], got -5",
    }


def test_resolved_case_round_trips_and_with_overrides(tmp_path):
    case = load_case(write(tmp_path))
    assert validate(case.model_dump(mode="json", exclude_none=True)) == case
    changed = with_overrides(case, ["interfaces.die_tim.h=4e5"])
    assert changed.interfaces["die_tim"].model_extra["h"] == 4e5
    assert case.interfaces["die_tim"].model_extra["h"] == 2e5
