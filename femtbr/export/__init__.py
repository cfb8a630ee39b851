"""Outputs of a run: ``summary.json``, ``fields.vtu``, ``interfaces.vtu``, ``fields.png``.

Everything is written atomically (:mod:`femtbr.export.atomic`): a run's files appear together
when the run succeeds, and a failed run leaves no file that looks like a result.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from femtbr.export.atomic import (
    atomic_output_dir,
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
)
from femtbr.export.summary import flatten_summary, jsonable, write_summary
from femtbr.export.vtu import (
    read_pvd,
    write_fields_vtu,
    write_interfaces_vtu,
    write_pvd,
    write_vtu,
)

if TYPE_CHECKING:
    from femtbr.fem.values.solution import Solution

log = logging.getLogger(__name__)

#: File names of one run's results (what a new run replaces or removes).
RESULT_FILES = (
    "summary.json",
    "fields.vtu",
    "interfaces.vtu",
    "fields.png",
    "breakdown.png",
    "profile.png",
    "tornado.png",
)

__all__ = [
    "RESULT_FILES",
    "atomic_output_dir",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "flatten_summary",
    "jsonable",
    "read_pvd",
    "write_fields_vtu",
    "write_interfaces_vtu",
    "write_outputs",
    "write_pvd",
    "write_summary",
    "write_vtu",
]


def write_outputs(
    solution: Solution,
    summary: Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    render: bool = True,
) -> list[Path]:
    """Write a run's result files into ``out_dir`` as one atomic set; return their paths.

    Writes ``fields.vtu``, ``interfaces.vtu`` (when the solution has split interfaces),
    ``fields.png`` (when ``render`` and rendering is possible here), with ``render`` also
    ``breakdown.png`` (when the breakdown applies) and ``profile.png`` (T along the vertical
    line through the hot spot, :mod:`femtbr.export.charts`), ``tornado.png`` (when the summary
    has ``sensitivities``), and ``summary.json``.  They
    are staged next to ``out_dir`` and moved in only when all succeeded (``summary.json``
    last); result files of an earlier run in ``out_dir`` that this run does not produce are
    removed then, so the directory never mixes two runs.  Other files in ``out_dir`` are kept.

    Parameters
    ----------
    solution
        The solved problem.
    summary
        From :mod:`femtbr.pipeline.report`.
    out_dir
        Destination directory (created if missing).
    render
        Try to write ``fields.png`` (see :func:`femtbr.export.render.render_fields_png`).
    """
    out = Path(out_dir)
    with atomic_output_dir(out, clean=RESULT_FILES, last=("summary.json",)) as stage:
        write_fields_vtu(solution, stage / "fields.vtu")
        if solution.interfaces:
            write_interfaces_vtu(solution, stage / "interfaces.vtu")
        if render:
            from femtbr.export.charts import plot_breakdown, plot_vertical_profile
            from femtbr.export.render import render_fields_png

            render_fields_png(stage / "fields.vtu", stage / "fields.png")
            plot_breakdown(summary.get("breakdown") or {}, stage / "breakdown.png")
            plot_vertical_profile(solution, stage / "profile.png")
            if summary.get("sensitivities"):  # the first output's tornado chart
                from femtbr.export.sensitivity_charts import plot_tornado

                name, section = next(iter(summary["sensitivities"].items()))
                plot_tornado(section, name, stage / "tornado.png")
        write_summary(summary, stage / "summary.json")
        names = sorted(p.name for p in stage.iterdir())
    written = [out.resolve() / n for n in names]
    log.info("wrote %s to %s", ", ".join(names), out)
    return written
