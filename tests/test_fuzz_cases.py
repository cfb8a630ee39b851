"""Fuzz test over case files and ``--set`` overrides (issue 14, "Must show").

Hypothesis (``derandomize=True``: the same :data:`EXAMPLES` examples on every run, CI included)
mutates the small example cases of :data:`SMALL` (a few thousand DOFs each): it deletes keys
from the file, or overrides a key with ``--set`` by a wrong type, a wrong unit, a negative /
zero / NaN / huge number, or an unknown name.  For each mutation ``femtbr check`` and
``femtbr run`` (through :func:`femtbr.cli.main`) must

* never crash: exit code in {0, 2, 3} (1 is an internal error with a traceback);
* agree: check exits 2 exactly when run exits 2 (run may exit 3: no convergence);
* never exit 0 with nonsense: a written ``summary.json`` has finite, positive temperatures and
  an energy balance within the solver's tolerance.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from femtbr.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES = Path(__file__).resolve().parents[1] / "cases"
#: Examples per CI run (derandomized: the same ones every run; ~0.15 s each on average, as
#: most mutations stop at validation: ~15 s in all).
EXAMPLES = 100
#: Relative energy-balance error a converged run must meet (the design note's rule is 1e-8;
#: a looser bound here only separates a failed balance, ~1, from round-off).
BALANCE = 1e-6

#: Small example cases (a few thousand DOFs each; a run takes about a second).
SMALL = ("multilayer_stack", "thin_film_kapitza", "si_cu_pressed_vs_bonded",
         "vacuum_vs_gas_contact")
BASES = {name: tomllib.loads((CASES / f"{name}.toml").read_text()) for name in SMALL}

BAD_VALUES = st.sampled_from([
    '"abc"', "true", "[1, 2]", '{x = 1}',                     # wrong types
    '"3 kg"', '"10 s"', '"5 furlongs"', '"1 W/m/K"',          # wrong or unknown units
    "-1", "0", "-1e-300", "nan", "inf", "1e300", "1e-300",    # negative, zero, NaN, huge
    '"nosuch"',                                               # unknown names
])


def leaf_paths(table: Any, prefix: str = "") -> list[str]:
    """Every key path of a case table in ``--set`` syntax (``a.b``, ``a.list[0].c``)."""
    out = []
    if isinstance(table, dict):
        for k, v in table.items():
            out += [f"{prefix}{k}"] + leaf_paths(v, f"{prefix}{k}.")
    elif isinstance(table, list):
        for i, v in enumerate(table):
            if isinstance(v, dict):
                out += leaf_paths(v, f"{prefix[:-1]}[{i}].")
    return out


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_value(x)}" for k, x in v.items()) + "}"


def to_toml(table: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer for case tables (scalars, lists, inline tables, nested tables)."""
    lines = [f"{json.dumps(k)} = {_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    for k, v in table.items():
        if isinstance(v, dict):
            name = f"{prefix}{json.dumps(k)}"
            lines += ["", f"[{name}]", to_toml(v, name + ".")]
    return "\n".join(lines)


def delete(table: dict[str, Any], path: str) -> dict[str, Any]:
    """A deep copy of ``table`` without the key ``path`` (a path through list entries is kept)."""
    out = json.loads(json.dumps(table))
    node: Any = out
    keys = path.split(".")
    for k in keys[:-1]:
        node = node.get(k) if isinstance(node, dict) and "[" not in k else None
    if isinstance(node, dict):
        node.pop(keys[-1], None)
    return out


@st.composite
def mutations(draw: Any) -> tuple[str, dict[str, Any], list[str]]:
    case = draw(st.sampled_from(sorted(BASES)))
    base = BASES[case]
    paths = leaf_paths(base) + ["nosuch", "geometry.nosuch", "solver.order", "probes.p"]
    kind = draw(st.sampled_from(["delete", "set", "set", "set"]))
    path = draw(st.sampled_from(paths))
    if kind == "delete":
        return case, delete(base, path), []
    return case, base, [f"{path}={draw(BAD_VALUES)}"]


def cli(args: list[str]) -> int:
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        return main(args)


def assert_sensible(summary: dict[str, Any]) -> None:
    temps = [r[k] for r in summary["regions"].values() for k in ("T_max", "T_mean")]
    temps += list((summary.get("probes") or {}).values())
    assert all(isinstance(t, float) and math.isfinite(t) and t > 0 for t in temps), temps
    assert summary["converged"] is True
    assert summary["energy_balance"] <= BALANCE, summary["energy_balance"]


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutation=mutations())
def test_mutated_cases_check_equals_run_and_no_nonsense(mutation, tmp_path_factory):
    case, table, sets = mutation
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"{case}.toml"
    path.write_text(to_toml(table))
    overrides = [a for s in sets for a in ("--set", s)]
    out = folder / "out"
    check = cli(["check", str(path), *overrides])
    run = cli(["run", str(path), "--out", str(out), "-q", "--set", "outputs.render=false",
               *overrides])
    assert check in (0, 2) and run in (0, 2, 3), (check, run, sets)
    assert (check == 2) == (run == 2), (check, run, sets)
    if run == 0:
        assert_sensible(json.loads((out / "summary.json").read_text()))
    else:
        assert not (out / "summary.json").exists()


def test_writer_round_trips_the_examples():
    for table in BASES.values():
        assert tomllib.loads(to_toml(table)) == table
