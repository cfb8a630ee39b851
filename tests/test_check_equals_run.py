"""``femtbr check`` rejects what ``femtbr run`` rejects, with the same key path (issue 14 item 5,
issue 13 item 9): every bad-input class is fed to both through :func:`femtbr.cli.main`; both must
exit 2 and both messages must name the key path (or the cause) of the mutation."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from femtbr.cli import main

CASES = Path(__file__).resolve().parents[1] / "cases"

#: a die of a material the library lacks, given inline without conductivity / without specific
#: heat (``--set`` would merge into the library material, which has both)
NO_K = [('material = "silicon", thickness = "0.5 mm"', 'material = "custom", thickness = "0.5 mm"'),
        ('[materials.die]\nuse = "silicon"\nk = "148 W/m/K"',
         '[materials.die]\ndensity = "2330 kg/m^3"\ncp = "700 J/kg/K"')]
NO_CP = [('material = "silicon", thickness = "0.75 mm"',
          'material = "custom", thickness = "0.75 mm"'),
         ('[materials.die]\nuse = "silicon"\nk = "148 W/m/K"',
          '[materials.die]\nk = "148 W/m/K"\ndensity = "2330 kg/m^3"')]

#: name -> (case, --set overrides, (old, new) text edits of the file or None, expected text)
MUTATIONS = {
    "probe_far_outside": ("multilayer_stack", ["probes.p=[1e30,0,0]"], None, "probes.p"),
    "probe_below_the_body": ("multilayer_stack", ["probes.p=[0.005,0.005,-0.01]"], None,
                             "probes.p"),
    "probe_wrong_dimension": ("multilayer_stack", ["probes.p=[0.005,0.005]"], None, "probes.p"),
    "probe_outside_transient": ("cpu_power_pulse", ["probes.junction=[1,1,1]"], None,
                                "probes.junction"),
    "layer_thickness_in_kg": ("multilayer_stack", ['geometry.layers[0].thickness="3 kg"'], None,
                              "geometry.layers[0].thickness"),
    "source_power_in_s": ("multilayer_stack", ['geometry.sources[0].power="10 s"'], None,
                          "geometry.sources[0].power"),
    "source_size_in_K": ("multilayer_stack", ['geometry.sources[0].size="3 K"'], None,
                         "geometry.sources[0].size"),
    "no_heat_path": ("multilayer_stack", ["geometry.h=0"], None, "no heat path"),
    "zero_h_interface": ("multilayer_stack", ["interfaces.die_solder.h=0"], None,
                         "interfaces.die_solder"),
    "zero_h_interface_2d": ("thin_film_kapitza",
                            ["interfaces.al_si.model=constant", "interfaces.al_si.h=0"], None,
                            "interfaces.al_si"),
    "contact_at_zero_pressure": ("si_cu_pressed_vs_bonded", ["interfaces.si_cu.pressure=0"],
                                 None, "interfaces.si_cu"),
    "max_dofs": ("multilayer_stack", ["solver.max_dofs=100"], None, "solver.max_dofs"),
    "max_dofs_order_2": ("multilayer_stack", ["solver.order=2", "solver.max_dofs=2000"], None,
                         "solver.max_dofs"),
    "region_without_k": ("multilayer_stack", [], NO_K, "materials.die"),
    "transient_without_cp": ("cpu_power_pulse", [], NO_CP, "materials.die.cp"),
    "ambient_on_fixed_T": ("cpu_power_pulse",
                           ['geometry.bottom="temperature"',
                            'transient.ambient.bottom={kind="step", before=300, after=310, '
                            't_start=1}'], None, "transient.ambient.bottom"),
    "power_wave_of_no_source": ("cpu_power_pulse", ['transient.power.nosuch={kind="step"}'],
                                None, "transient.power.nosuch"),
    "k_lost_in_roundoff": ("multilayer_stack", ["materials.solder.k=1e-300"], None,
                           "materials.solder.k"),
    "k_huge_next_to_others": ("multilayer_stack", ["materials.spreader.k=1e300"], None,
                              "conduct no heat"),
    "negative_k": ("multilayer_stack", ["materials.die.k=-1"], None, "materials.die.k"),
    "unknown_material": ("multilayer_stack", ["materials.die.use=unobtainium"], None,
                         "materials.die.use"),
    "unknown_model": ("multilayer_stack", ["interfaces.die_solder.model=nosuch"], None,
                      "interfaces.die_solder.model"),
    "negative_width": ("multilayer_stack", ["geometry.width=-1"], None, "geometry.width"),
    "unknown_boundary": ("multilayer_stack", ["boundaries.nosuch.type=convection"], None,
                         "boundaries.nosuch"),
}


def cli(args: list[str]) -> tuple[int, str]:
    """Exit code and stderr of ``femtbr ARGS`` run in this process."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(args)
    return code, err.getvalue()


def case_file(name: str, edits: list[tuple[str, str]] | None, tmp_path: Path) -> Path:
    """The example case, or a copy with the text ``edits`` (old, new) applied."""
    path = CASES / f"{name}.toml"
    if edits is None:
        return path
    text = path.read_text()
    for old, new in edits:
        assert old in text, f"the edit {old!r} does not apply to {path.name}"
        text = text.replace(old, new)
    copy = tmp_path / path.name
    copy.write_text(text)
    return copy


@pytest.mark.parametrize("kind", sorted(MUTATIONS))
def test_check_and_run_reject_the_same_input(kind, tmp_path):
    case, sets, edit, expect = MUTATIONS[kind]
    path = case_file(case, edit, tmp_path)
    overrides = [a for s in sets for a in ("--set", s)]
    check_code, check_err = cli(["check", str(path), *overrides])
    run_code, run_err = cli(["run", str(path), "--out", str(tmp_path / "out"), "-q",
                             "--set", "outputs.render=false", *overrides])
    assert (check_code, run_code) == (2, 2), (check_err, run_err)
    assert expect in check_err, check_err
    assert expect in run_err, run_err
    assert "Traceback" not in check_err + run_err
    assert not (tmp_path / "out" / "summary.json").exists()


def test_at_least_15_bad_input_classes():
    assert len(MUTATIONS) >= 15
