"""A closed-form stand-in runner, to exercise the sweep machinery without the finite elements.

:func:`wall_runner` treats a case table as a 1D plane wall: layers ``[wall.layers]`` of
thickness ``t`` [m] and conductivity ``k`` [W/(m K)] in series with a contact conductance
``wall.h`` [W/(m² K)], heat flux ``wall.q`` [W/m²] into a sink at ``wall.T_sink`` [K].  The
series-resistance result R = Σ t_i/k_i + 1/h (Incropera, *Fundamentals of Heat and Mass
Transfer*, 6th ed., eq. 3.19) makes the collected numbers exact.  ``wall.fail = true`` raises
:class:`~femtbr.errors.ConvergenceError`; ``wall.sleep`` [s] slows a case down.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from femtbr.errors import CaseError, ConvergenceError


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
