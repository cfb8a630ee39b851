"""A closed-form stand-in runner, to exercise the sweep machinery without the finite elements.

:func:`wall_runner` treats a case table as a 1D plane wall: layers ``[wall.layers]`` of
thickness ``t`` [m] and conductivity ``k`` [W/(m K)] in series with a contact conductance
``wall.h`` [W/(m² K)], heat flux ``wall.q`` [W/m²] into a sink at ``wall.T_sink`` [K].  The
series-resistance result R = Σ t_i/k_i + 1/h (Incropera, *Fundamentals of Heat and Mass
Transfer*, 6th ed., eq. 3.19) makes the collected numbers exact.  ``wall.fail = true`` raises
:class:`~femtbr.errors.ConvergenceError`, ``wall.crash = true`` kills the worker process;
``wall.sleep`` [s] slows a case down.

:func:`spy_case_runners` records the :class:`~femtbr.sweep.runner.CaseRunner` instances the
sweep workers of the test process build (one per worker is the contract).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from femtbr.errors import CaseError, ConvergenceError


def spy_case_runners(monkeypatch) -> list:
    """Make the default runner reference build recording :class:`CaseRunner` instances; return
    the list they are appended to, in order of creation."""
    from femtbr.sweep import runner as sweep_runner

    made: list = []

    class Spy(sweep_runner.CaseRunner):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(sweep_runner, "CaseRunner", Spy)  # what the runner reference names
    return made


def _set(table: dict[str, Any], dotted: str, value: Any) -> None:
    *heads, last = dotted.split(".")
    node = table
    for h in heads:
        node = node.setdefault(h, {})
    node[last] = value


def wall_runner(
    base: Mapping[str, Any], params: Mapping[str, Any], case_path: str, out_dir: Path
) -> dict[str, Any]:
    """Solve the plane wall in closed form and write ``summary.json`` to ``out_dir``."""
    case = json.loads(json.dumps(base))
    for key, value in params.items():
        _set(case, key, value)
    wall = case["wall"]
    time.sleep(float(wall.get("sleep", 0.0)))
    if wall.get("crash"):
        os._exit(3)  # a worker process dying (segfault, OOM kill)
    if wall.get("fail"):
        raise ConvergenceError("wall: injected failure", [1.0, 0.5, 0.4])
    h = wall["h"]
    if not isinstance(h, (int, float)) or h <= 0:
        raise CaseError([("wall.h", f"must be a number > 0, got {h!r}")])
    r_layers = sum(layer["t"] / layer["k"] for layer in wall["layers"].values())
    resistance = r_layers + 1.0 / h
    summary = {
        "converged": True,
        "resistance": resistance,
        "regions": {"hot": {"T_max": wall["T_sink"] + wall["q"] * resistance}},
        "interfaces": {"contact": {"jump_mean": wall["q"] / h, "resistance": 1.0 / h}},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_text(json.dumps(summary))
    return summary


#: A tiny 2D two-layer stack (silicon on copper, 4 mm wide) for tests of real sweeps.  Heat
#: enters uniformly over the whole top (q = 4 W/m / 4 mm = 1000 W/m²) and leaves by convection
#: at the bottom, so the flow is one-dimensional and
#: T_max(die) = T_inf + q (t_die/k_die + 1/h_contact + t_cu/k_cu + 1/h_bottom).
TINY_STACK = """
name = "tiny_stack"
[geometry]
builder = "stack"
dim = 2
width = "4 mm"
layers = [
  { name = "die", material = "silicon", thickness = "0.5 mm" },
  { name = "spreader", material = "copper", thickness = "1 mm" },
]
sources = [{ name = "chip", size = "4 mm", power = "4 W" }]
bottom = "convection"
h = "5000 W/m^2/K"
T_inf = "300 K"
mesh_size = "1 mm"

[materials.die]
use = "silicon"
k = "150 W/m/K"
[materials.spreader]
use = "copper"
k = "400 W/m/K"

[interfaces.die_spreader]
model = "constant"
h = "1e5 W/m^2/K"
"""
