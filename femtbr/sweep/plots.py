"""Matplotlib PNGs of every collected output against every swept parameter.

For output *y* and parameter *x*, the finished cases are grouped by the values of the other swept
parameters: one curve per group (e.g. junction resistance vs contact pressure, one curve per
roughness).  When no two cases share the other parameters (random / Latin-hypercube samples),
the plot is a scatter.  An axis spanning more than two decades of positive values is logarithmic.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from femtbr.case.units import as_number
from femtbr.sweep.store import STATUS_OK, atomic_write, output_columns

log = logging.getLogger(__name__)

MAX_CURVES = 10


def _slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", key).strip("_")


def _fmt(value: str) -> str:
    try:
        return f"{float(value):.4g}"
    except ValueError:
        return value


def _logscale(values: Sequence[float]) -> bool:
    pos = [v for v in values if v > 0]
    return len(pos) == len(values) and len(pos) > 1 and max(pos) / min(pos) >= 100.0


def plot_study(
    records: Sequence[Mapping[str, Any]],
    parameters: Sequence[str],
    collect: Sequence[str],
    out_dir: str | Path,
) -> list[Path]:
    """Write ``plots/<output>__vs__<parameter>.png`` for every pair; return the paths.

    Parameters whose values are not numbers (or quantity strings) are skipped.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    ok = [r for r in records if r["status"] == STATUS_OK]
    collect = output_columns(ok, collect)
    written: list[Path] = []
    if not ok:
        return written
    out = Path(out_dir) / "plots"
    for x in parameters:
        xs = {r["case_id"]: as_number(r["params"].get(x)) for r in ok}
        if any(v is None for v in xs.values()):
            log.info("not plotting against %s: values are not numbers", x)
            continue
        others = [p for p in parameters if p != x]
        groups: dict[tuple, list[Mapping[str, Any]]] = defaultdict(list)
        for r in ok:
            groups[tuple(str(r["params"].get(p)) for p in others)].append(r)
        curves = len(groups) <= MAX_CURVES and any(len(g) > 1 for g in groups.values())
        for y in collect:
            fig, ax = plt.subplots(figsize=(6.0, 4.2), dpi=110)
            if curves:
                for label, rows in groups.items():
                    rows = sorted(rows, key=lambda r: xs[r["case_id"]])
                    pairs = zip(others, label, strict=True)
                    name = ", ".join(f"{p.split('.')[-1]}={_fmt(v)}" for p, v in pairs)
                    ax.plot(
                        [xs[r["case_id"]] for r in rows],
                        [r["outputs"].get(y, math.nan) for r in rows],
                        "o-",
                        label=name or None,
                    )
                if others:
                    ax.legend(fontsize=7)
            else:
                ax.plot(
                    [xs[r["case_id"]] for r in ok], [r["outputs"].get(y, math.nan) for r in ok], "o"
                )
            if _logscale(list(xs.values())):
                ax.set_xscale("log")
            if _logscale([r["outputs"].get(y, math.nan) for r in ok]):
                ax.set_yscale("log")
            ax.set_xlabel(f"{x} (SI)")
            ax.set_ylabel(f"{y} (SI)")
            ax.grid(True, alpha=0.3)
            fig.tight_layout()
            path = out / f"{_slug(y)}__vs__{_slug(x)}.png"
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
            plt.close(fig)
            atomic_write(path, buf.getvalue())
            written.append(path)
    return written
