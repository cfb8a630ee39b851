"""Charts of sensitivity, uncertainty and fit results (matplotlib, Agg canvas, no display).

* :func:`plot_tornado` — ``tornado.png``: per parameter the linearised change of an output
  for −10 % and +10 % of the parameter, largest on top (a tornado diagram).
* :func:`plot_histogram` — ``uncertainty.png``: histogram of sampled output values with the
  mean and the P5/P95 percentiles marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from femtbr.export.charts import _figure, _save

#: Parameters shown on a tornado chart (the rest are smaller).
TORNADO_BARS = 15


def plot_tornado(section: Mapping[str, Any], output: str, path: str | Path) -> Path | None:
    """Draw the tornado chart of one output's ``sensitivities`` entry (value, unit, ranked
    ``parameters`` rows with ``change_10pct``); None when no parameter moves the output."""
    rows = [r for r in section.get("parameters", []) if r.get("change_10pct")][:TORNADO_BARS]
    if not rows:
        return None
    rows = rows[::-1]  # largest on top
    up = np.array([r["change_10pct"] for r in rows])
    labels = [r["parameter"] for r in rows]
    fig, ax = _figure((8.0, 1.2 + 0.35 * len(rows)))
    y = np.arange(len(rows))
    ax.barh(y, up, color="#c0392b", label="+10 %")
    ax.barh(y, -up, color="#2e86c1", label="−10 %")
    ax.axvline(0.0, color="k", lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    unit = section.get("unit", "")
    ax.set_xlabel(f"change of {output} [{unit}] (linearised, ±10 % of each parameter)")
    ax.set_title(f"{output} = {section.get('value', float('nan')):.6g} {unit}")
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def plot_histogram(values: Sequence[float], output: str, unit: str,
                   path: str | Path) -> Path:
    """Histogram of sampled ``values`` of an output with mean, P5 and P95 marked."""
    v = np.asarray(values, float)
    fig, ax = _figure((7.0, 4.0))
    ax.hist(v, bins=max(5, min(40, int(np.sqrt(v.size)) + 1)), color="#7f8c8d")
    for q, style in ((5, ":"), (95, ":")):
        ax.axvline(np.percentile(v, q), color="k", ls=style, label=f"P{q}")
    ax.axvline(v.mean(), color="#c0392b", label="mean")
    ax.set_xlabel(f"{output} [{unit}]")
    ax.set_ylabel("samples")
    ax.legend(fontsize=8)
    return _save(fig, path)
