"""``run``: the one path from a validated case to its report and files — steady or transient,
alone or as a sweep case.

Steps: the geometry (handed in, or built from the case) -> :func:`~.prepare.prepare` (problem,
materials, models: built once) -> solve (:func:`femtbr.fem.solve`) or integrate in time
(:mod:`.transient`) -> the report (:mod:`.report`, built once, before anything is written) ->
the files, written as one atomic set.  ``femtbr run``, :func:`femtbr.run`, sweeps (local and
Dask) and the tests all call :func:`run`.  Nothing is written unless the solve converged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from femtbr.case import Resolved
from femtbr.case.schema import Case
from femtbr.pipeline.prepare import Prepared, Progress, prepare

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """What :func:`run` returns: the (final) solution, the summary dict, where and what was
    written."""

    solution: Any
    summary: dict[str, Any]
    out_dir: Path | None
    files: list[Path] = field(default_factory=list)
    #: :class:`femtbr.sensitivity.Sensitivities` when asked for (steady runs), else None
    sensitivities: Any = None


def default_out_dir(case: Case) -> Path:
    """``[outputs] directory`` or ``results/<case name>/``."""
    return Path(case.outputs.directory or Path("results") / case.name)


def _geometry(case: Case, geometry: Any, reuse: Any, progress: Progress | None) -> Any:
    """The handed-in geometry, else the one the reuse cache or the builder gives."""
    if geometry is not None:
        return geometry
    from femtbr.pipeline.geometry import build_geometry, geometry_table
    from femtbr.pipeline.load import reporting

    source = reuse.geometry if reuse is not None else build_geometry
    if progress:
        source = reporting(source, progress)
    return source(geometry_table(case), Path("."))


def _discretization(case: Case, prepared: Prepared, reuse: Any) -> tuple[Any, bool]:
    if reuse is None:
        return None, False
    return reuse.discretization(case, prepared.problem)


Finish = Callable[[dict[str, Any], Any], None]  # adds sections to a summary before writing


def _steady(case, prepared, disc, out, progress, finish: Finish, keep_state: bool = False
            ) -> tuple[Any, dict, list]:
    """Solve; with ``keep_state`` ``finish`` gets the :class:`~femtbr.fem.solve.SteadyState`
    (the sensitivities need its Jacobian; otherwise it is not kept alive)."""
    from femtbr.fem.solve import solve
    from femtbr.pipeline.report import steady_summary

    state = solve(prepared.problem, disc, keep_state=keep_state)
    solution = state.solution if keep_state else state
    summary = steady_summary(case, prepared, solution)
    finish(summary, state)
    del state
    if out is None:
        return solution, summary, []
    from femtbr.export import write_outputs

    if progress:
        progress("writing outputs", {"directory": str(out)})
    files = write_outputs(solution, summary, out, render=case.outputs.render)
    return solution, summary, files


def _transient(case, prepared, disc, out, progress, finish: Finish) -> tuple[Any, dict, list]:
    """Integrate in time; with ``out``, the VTU series streams into a staged folder that
    replaces ``out``'s result files only when everything (the summary last) is written."""
    from femtbr.pipeline.report import transient_summary
    from femtbr.pipeline.transient import TRANSIENT_FILES, integrate, write_transient_files

    def report(run: Any) -> dict[str, Any]:
        zth = run.zth["figures"] if run.zth is not None else None
        summary = transient_summary(
            case, prepared, run.final, run.result, run.stepping, run.region_dofs, zth
        )
        finish(summary, run.final)
        return summary

    if out is None:
        run = integrate(case, prepared, discretization=disc, progress=progress)
        return run.final, report(run), []
    from femtbr.export import atomic_output_dir
    from femtbr.export.transient_series import SeriesWriter

    writers: list[Any] = []

    def series(system: Any) -> Any:
        writers.append(SeriesWriter(stage, lambda T, t: system.solution(T, t)))
        return writers[-1]

    with atomic_output_dir(out, clean=TRANSIENT_FILES, last=("summary.json",)) as stage:
        run = integrate(
            case, prepared, discretization=disc, progress=progress, on_save_factory=series
        )
        summary = report(run)
        writers[0].write_collections()
        if progress:
            progress("writing outputs", {"directory": str(out)})
        write_transient_files(stage, case, run, summary)
        names = sorted(p.name for p in stage.iterdir())
    log.info("transient run %s: %d steps", case.name, len(run.result.steps))
    return run.final, summary, [out.resolve() / n for n in names]


def run(
    case: Case | Resolved,
    out_dir: str | Path | None = None,
    progress: Progress | None = None,
    write: bool = True,
    *,
    reuse: Any = None,
    sensitivity: Sequence[str] | None = None,
) -> RunResult:
    """Solve ``case`` (steady, or in time when it has a ``[transient]`` table) and write its
    outputs.

    Parameters
    ----------
    case
        A validated case (:func:`femtbr.load_case`), or what :func:`femtbr.pipeline.load`
        returns: the case with the geometry, materials and models built to check it, which
        are then used as they are (not built again).
    out_dir
        Output directory; default ``[outputs] directory`` or ``results/<name>/``.
    progress
        ``progress(stage, info)`` callback (meshing, Newton iterations, time steps …).
    write
        False to skip writing files (tests, studies that collect scalars only).
    reuse
        A :class:`~femtbr.pipeline.reuse.Reuse` held by the caller (a sweep worker): geometry
        and discretization are reused across runs, and the summary gains a ``sweep`` section
        (reuse flag and timings, :func:`~femtbr.pipeline.report.sweep_section`).
    sensitivity
        Outputs whose adjoint sensitivities to every scalar input are computed (steady runs;
        default ``[sensitivity] outputs`` when the case has that table, else none): the
        summary gains ``sensitivities`` and the result ``sensitivities``
        (:mod:`femtbr.sensitivity`).

    Raises
    ------
    ConvergenceError
        Newton did not converge; nothing is written.
    InputError
        Bad mesh, model or material (exit code 2).
    """
    t0 = time.perf_counter()
    built = case if isinstance(case, Resolved) else None
    if built is not None:
        case = built.case
    geo = _geometry(case, built.geometry if built else None, reuse, progress)
    prepared = prepare(
        case,
        geo,
        progress,
        materials=built.materials if built else None,
        models=built.models if built else None,
    )
    disc, reused = _discretization(case, prepared, reuse)
    target = (Path(out_dir) if out_dir is not None else default_out_dir(case)) if write else None

    wanted = _sensitivity_outputs(case, sensitivity)
    if wanted and case.transient is not None:
        from femtbr.errors import CaseError

        raise CaseError([("sensitivity", "adjoint sensitivities are computed for steady runs "
                          "only: remove [transient] (or --sensitivity)")])
    computed: list[Any] = []

    def finish(summary: dict[str, Any], solution: Any) -> None:
        state = solution if hasattr(solution, "system") else None  # a steady SteadyState
        solution = state.solution if state is not None else solution
        if wanted and state is not None:
            from femtbr.pipeline.report import sensitivity_section
            from femtbr.sensitivity import compute

            if progress:
                progress("sensitivities", {"outputs": list(wanted)})
            computed.append(compute(case, state, wanted))
            summary["sensitivities"] = sensitivity_section(computed[-1])
        if reuse is not None:
            timings = getattr(solution, "timings", None) or {}
            summary["sweep"] = _sweep_section(reused, time.perf_counter() - t0, timings)

    if case.transient is not None:
        solution, summary, files = _transient(case, prepared, disc, target, progress, finish)
    else:
        solution, summary, files = _steady(case, prepared, disc, target, progress, finish,
                                           keep_state=bool(wanted))
    return RunResult(solution=solution, summary=summary, out_dir=target, files=files,
                     sensitivities=computed[-1] if computed else None)


def _sensitivity_outputs(case: Case, asked: Sequence[str] | None) -> tuple[str, ...]:
    if asked is not None:
        return tuple(asked)
    return tuple(case.sensitivity.outputs) if case.sensitivity is not None else ()


def _sweep_section(reused: bool, t_solve: float, timings: Any) -> dict[str, float]:
    from femtbr.pipeline.report import sweep_section

    return sweep_section(reused, t_solve, timings)
