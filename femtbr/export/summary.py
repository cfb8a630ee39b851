"""``summary.json`` on disk: strict JSON values, the atomic write, and flattening to a table row.

What the summary holds is built in :mod:`femtbr.pipeline.report`.  Non-finite numbers (e.g. the
resistance of an adiabatic interface) become ``null`` so that the file is strict JSON.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from femtbr.export.atomic import atomic_write_text


def jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, tuples, paths and non-finite floats to plain JSON values.

    Non-finite floats become ``None``; mapping keys become strings.
    """
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if obj is None or isinstance(obj, str):
        return obj
    if hasattr(obj, "model_dump"):  # pydantic models
        return jsonable(obj.model_dump())
    return str(obj)


def write_summary(summary: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``summary`` as strict JSON (sorted keys, indented) to ``path`` atomically."""
    text = json.dumps(jsonable(summary), indent=2, sort_keys=True, allow_nan=False)
    return atomic_write_text(path, text + "\n")


def flatten_summary(summary: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a (nested) summary under dotted keys, e.g.
    ``"interfaces.die_tim1.resistance"`` — one row of a sweep's results table.

    Booleans become 0.0/1.0, ``None`` becomes NaN; strings and lists are left out.
    """
    flat: dict[str, float] = {}
    for key, value in summary.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_summary(value, dotted + "."))
        elif value is None:
            flat[dotted] = math.nan
        elif isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
            flat[dotted] = float(value)
    return flat
