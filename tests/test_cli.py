"""The femtbr command line: exit codes, messages without tracebacks, nothing written on failure."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from stack_cases import FIXED_BOTTOM_CONTACT, stack_geometry

from femtbr.cli import main

ROOT = Path(__file__).resolve().parents[1]

SMALL = stack_geometry() + FIXED_BOTTOM_CONTACT + """[probes]
mid = ["2 mm", "1 mm"]
"""


def case_file(tmp_path: Path, text: str = SMALL) -> Path:
    p = tmp_path / "case.toml"
    p.write_text(textwrap.dedent(text))
    return p


def test_check_ok(tmp_path, capsys):
    assert main(["check", str(case_file(tmp_path))]) == 0
    assert "ok" in capsys.readouterr().out


BAD = {
    "toml_syntax": (SMALL + "\n[oops\n", "TOML syntax error"),
    "unknown_key": (SMALL + "\n[solver]\nrtoll = 1\n", "solver.rtoll"),
    "wrong_type": (SMALL + "\n[solver]\nmax_iterations = 'many'\n", "solver.max_iterations"),
    "bad_unit": (SMALL.replace('"1e5 W/m^2/K"', '"1e5 W/m^2"'), "interfaces.die_cu.h"),
    "negative_thickness": (SMALL.replace('"1 mm"}]', '"-1 mm"}]'), "geometry.layers[1].thickness"),
    "unknown_model": (SMALL.replace('"constant"', '"nonesuch"'), "interfaces.die_cu.model"),
    "unknown_material": (SMALL + '\n[materials.cu]\nuse = "kryptonite"\n', "materials.cu.use"),
    "region_missing": (SMALL + '\n[sources.ghost]\npower = 1.0\n', "sources.ghost"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_case_exit_2_with_key_path_and_nothing_written(kind, tmp_path, capsys):
    text, key = BAD[kind]
    path = case_file(tmp_path, text)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert key in err
    assert "Traceback" not in err
    assert not out.exists()
    assert main(["check", str(path)]) == 2


def test_subprocess_bad_case_has_no_traceback(tmp_path):
    path = case_file(tmp_path, BAD["unknown_key"][0])
    r = subprocess.run(
        [sys.executable, "-m", "femtbr", "check", str(path)], capture_output=True, text=True
    )
    assert r.returncode == 2
    assert "solver.rtoll" in r.stderr and "Traceback" not in r.stderr


def test_bad_override_exit_2(tmp_path, capsys):
    assert main(["check", str(case_file(tmp_path)), "--set", "solver.nope=1"]) == 2
    assert "valid keys" in capsys.readouterr().err


def test_usage_error_exit_2(capsys):
    assert main(["frobnicate"]) == 2


def test_run_writes_outputs_and_table(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["run", str(case_file(tmp_path)), "--out", str(out), "--set", "outputs.render=false"])
    assert rc == 0
    captured = capsys.readouterr()
    assert "junction-to-ambient resistance" in captured.out
    assert "Newton" in captured.err  # progress on stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["converged"] is True
    assert {"fields.vtu", "interfaces.vtu", "summary.json"} <= {p.name for p in out.iterdir()}
    # 1D: 20 W/m over 4 mm: q = 5000 W/m^2; the interface jump is q/h = 0.05 K
    assert summary["interfaces"]["die_cu"]["jump_mean"] == pytest.approx(0.05, rel=1e-6)
    assert summary["probes"]["mid"] > 300.0


def test_non_convergence_exit_3_and_nothing_written(tmp_path, capsys):
    text = SMALL + '\n[solver]\nmax_iterations = 1\n'
    text = text.replace('bottom = "temperature"', 'bottom = "convection"\nh = 1000.0')
    out = tmp_path / "out"
    assert main(["run", str(case_file(tmp_path, text)), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "converge" in err and "Traceback" not in err
    assert not (out / "summary.json").exists()


def test_internal_error_exit_1(tmp_path, monkeypatch, capsys):
    import femtbr.pipeline

    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(femtbr.pipeline, "run", boom)
    assert main(["run", str(case_file(tmp_path))]) == 1
    assert "internal error" in capsys.readouterr().err


def test_models_list_and_describe(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in ("cmy", "dmm", "amm", "series", "parallel", "constant"):
        assert name in out
    assert main(["models", "cmy"]) == 0
    out = capsys.readouterr().out
    assert "sigma" in out and "Cooper" in out
    assert main(["models", "nonesuch"]) == 2
    assert "available models" in capsys.readouterr().err


def test_schema_matches_committed_docs(capsys):
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    committed = (ROOT / "docs" / "case-schema.json").read_text()
    assert printed == committed, "regenerate with: femtbr schema --write docs/case-schema.json"
    schema = json.loads(printed)
    assert "geometry" in schema["properties"] and schema["additionalProperties"] is False


def test_case_reference_documents_every_key():
    """docs/case-reference.md names every key of the JSON Schema."""
    schema = json.loads((ROOT / "docs" / "case-schema.json").read_text())
    doc = (ROOT / "docs" / "case-reference.md").read_text()
    keys = set(schema["properties"])
    for d in schema["$defs"].values():
        keys |= set(d.get("properties", {}))
    missing = sorted(k for k in keys if f"`{k}`" not in doc and f"[{k}" not in doc)
    assert not missing, f"undocumented case keys: {missing}"


def test_sweep_verb_delegates_to_femtbr_sweep(tmp_path, capsys):
    text = SMALL + textwrap.dedent(
        """
        [sweep]
        mode = "grid"
        parameters = { "interfaces.die_cu.h" = [1e5, 2e5] }
        outputs = ["interfaces.die_cu.jump_mean"]
        """
    )
    out = tmp_path / "study"
    rc = main(["sweep", str(case_file(tmp_path, text)), "--out", str(out), "--workers", "1",
               "--no-plots", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    rows = (out / "results.csv").read_text().splitlines()
    assert len(rows) == 3  # header + 2 cases


def test_probe_interpolates_the_1d_profile(tmp_path):
    """A probe inside the copper reads T = T_bottom + q y / k (uniform flux q = 5000 W/m²)."""
    from femtbr.materials import get
    from femtbr.pipeline import load_case, run

    text = SMALL.replace('mid = ["2 mm", "1 mm"]', 'mid = ["1.3 mm", "0.5 mm"]')
    res = run(load_case(case_file(tmp_path, text)), write=False)
    k_cu = float(get("copper").conductivity(300.0)[0])
    # k varies by ~1e-6 relative over the 6 mK rise: far inside the tolerance
    assert res.summary["probes"]["mid"] == pytest.approx(300.0 + 5000.0 * 0.5e-3 / k_cu, abs=1e-7)


def test_probe_outside_the_mesh_exit_2_naming_it(tmp_path, capsys):
    text = SMALL.replace('mid = ["2 mm", "1 mm"]', 'mid = ["2 mm", "9 mm"]')
    out = tmp_path / "out"
    assert main(["run", str(case_file(tmp_path, text)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "probes.mid" in err and "outside the mesh" in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_breakdown_of_a_plate_between_two_fixed_temperatures_says_it_does_not_apply(
    tmp_path, capsys
):
    """Heat enters through a fixed-temperature boundary and leaves through another: there is
    no junction and no ambient, so no shares of a junction-to-ambient resistance."""
    text = SMALL.replace('sources = [{name = "chip", size = "4 mm", power = 20.0}]', "sources = []")
    text += '\n[boundaries.sides]\ntype = "temperature"\nT = "350 K"\n'
    out = tmp_path / "out"
    assert main(["run", str(case_file(tmp_path, text)), "--out", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    b = json.loads((out / "summary.json").read_text())["breakdown"]
    assert b["junction_to_ambient"] is None
    assert "not a junction-to-ambient package" in b["note"] and "sides" in b["note"]
    assert "not a junction-to-ambient package" in printed
    assert "%" not in printed  # no shares


def test_breakdown_of_a_package_still_adds_up(tmp_path):
    """The heated stack on a fixed-temperature sink is a package: R_ja = ΔT/P, parts sum."""
    out = tmp_path / "out"
    assert main(["run", str(case_file(tmp_path)), "--out", str(out), "-q"]) == 0
    s = json.loads((out / "summary.json").read_text())
    b = s["breakdown"]
    assert b["power"] == pytest.approx(20.0, rel=1e-9)
    assert b["junction_to_ambient"] == pytest.approx((s["regions"]["die"]["T_max"] - 300.0) / 20.0)
    # the heated layer's input shows in the region table (a flux on its top face)
    assert s["regions"]["die"]["heat_input"] == pytest.approx(20.0, rel=1e-9)
    assert s["regions"]["cu"]["heat_input"] == 0.0


def test_transient_run_prints_its_step_count(tmp_path, capsys):
    case = ROOT / "cases" / "cpu_power_pulse.toml"
    out = tmp_path / "out"
    argv = ["run", str(case), "--out", str(out), "-q", "--set", "transient.t_end=0.3 s",
            "--set", "outputs.render=false"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    steps = json.loads((out / "summary.json").read_text())["transient"]["steps"]
    assert steps == 6  # 0.3 s in fixed steps of 0.05 s
    assert f"time steps={steps}" in printed and "iterations=0" not in printed


class _Terminal:
    """A text stream that says it is a terminal (as stderr in an interactive shell)."""

    def __init__(self):
        import io

        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True

    def getvalue(self) -> str:
        return self.buffer.getvalue()


def test_progress_is_live_on_a_terminal_and_plain_lines_otherwise(tmp_path, monkeypatch, capsys):
    from femtbr.cli_progress import LiveProgress, PlainProgress, terminal_progress

    live = terminal_progress(_Terminal())
    assert isinstance(live, LiveProgress)
    live.close()
    # not a terminal: plain lines, meshing announced before the mesh is ready
    assert main(["run", str(case_file(tmp_path)), "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert isinstance(terminal_progress(sys.stderr), PlainProgress)
    assert err.index("meshing") < err.index("mesh ready") < err.index("Newton 1")
    # a terminal: the live display shows the Newton residual
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["run", str(case_file(tmp_path)), "--out", str(tmp_path / "b")]) == 0
    shown = term.getvalue()
    assert "Newton" in shown and "residual" in shown and "meshing" in shown


def test_transient_progress_reports_time_steps(tmp_path, capsys):
    case = ROOT / "cases" / "cpu_power_pulse.toml"
    argv = ["run", str(case), "--out", str(tmp_path / "o"), "--set", "transient.t_end=0.5 s",
            "--set", "outputs.render=false"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    # plain lines: every tenth step and the last one
    assert "time step (step=10, t=0.5, t_end=0.5)" in err
