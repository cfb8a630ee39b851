"""Run a case with a ``[transient]`` table: time integration and its files.

Called by :func:`femtbr.runner.run` when ``case.transient`` is set.  Writes, as one atomic set
in the output directory:

* ``fields.pvd`` / ``interfaces.pvd`` + ``series/*.vtu`` — one VTU pair per kept step;
* ``fields.vtu`` / ``interfaces.vtu`` — the final state;
* ``history.csv`` — per accepted step: T_max of every region, probe temperatures, stored heat;
* ``energy.csv`` — per step: stored heat, source heat, heat out per boundary [J], imbalance;
* ``zth.csv`` / ``zth.png`` — Z_th(t) = (T_j(t) − T_j(t_s))/P when every power waveform is a
  step at the same time t_s (T_j: hottest DOF of the stepped source regions);
* ``summary.json`` — the final state's summary plus a ``transient`` section.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from femtbr.case.schema import Case
from femtbr.errors import CaseError

log = logging.getLogger(__name__)


def heat_capacity_of(region: str, material: Any) -> Any:
    """ρc_p [J/(m³ K)] of a region's material: a number, or a function of T with a cp table.

    Raises
    ------
    CaseError
        Naming ``materials.<region>.density`` / ``.cp`` when missing.
    """
    rho = getattr(material, "density", None)
    if rho is None:
        raise CaseError([(f"materials.{region}.density", "a transient run needs the density")])
    if getattr(material, "cp_table", None) is None and getattr(material, "cp", None) is None:
        raise CaseError([(f"materials.{region}.cp", "a transient run needs the specific heat")])
    if getattr(material, "cp_table", None) is None:
        return float(rho) * float(material.cp)
    return lambda T: float(rho) * material.specific_heat(T)


def transient_problem(case: Case, prepared: Any, base_dir: str | Path | None = None) -> Any:
    """The :class:`~femtbr.fem.transient_problem.TransientProblem` of a case."""
    from femtbr.case.transient_spec import transient_loads
    from femtbr.fem.transient_problem import TransientProblem

    bd = None if base_dir is None else str(base_dir)
    rho_cp = {r: heat_capacity_of(r, m) for r, m in prepared.materials.items()}
    loads = transient_loads(case.transient, case.sources, case.boundaries, bd)
    return TransientProblem(prepared.problem, rho_cp, **loads)


def _step_time(case: Case) -> float | None:
    """t_s if every power waveform is a step at the same time, else None."""
    ws = list(case.transient.power.values())
    if not ws or any(w.kind != "step" for w in ws):
        return None
    ts = {float(w.t_start) for w in ws}
    return ts.pop() if len(ts) == 1 else None


def run_transient(
    case: Case,
    out_dir: str | Path | None = None,
    progress: Any = None,
    write: bool = True,
    base_dir: str | Path | None = None,
) -> Any:
    """Integrate ``case`` in time and write its outputs (see the module docstring).

    Parameters
    ----------
    case
        A validated case with a ``[transient]`` table.
    out_dir
        Output directory (default as for steady runs).
    progress
        ``progress(stage, info)`` callback.
    write
        False to skip the files.
    base_dir
        Directory that relative CSV paths of waveforms are relative to (the case file's).

    Returns
    -------
    femtbr.runner.RunResult
        ``solution`` is the final state; ``summary["transient"]`` has the run's figures.

    Raises
    ------
    ConvergenceError
        Newton failed in a step (nothing is written).
    """
    from femtbr.case.transient_spec import time_stepping
    from femtbr.export import (
        atomic_output_dir,
        write_fields_vtu,
        write_interfaces_vtu,
        write_summary,
    )
    from femtbr.export.transient_series import (
        SeriesWriter,
        plot_thermal_impedance,
        thermal_impedance,
        write_history_csv,
    )
    from femtbr.fem.probe import locate
    from femtbr.fem.transient import TransientSolver
    from femtbr.fem.transient_system import FESemiDiscrete
    from femtbr.runner import RunResult, build_problem, default_out_dir, summarize

    spec = case.transient
    prepared = build_problem(case, progress)
    tp = transient_problem(case, prepared, base_dir)
    stepping = time_stepping(spec)
    if spec.initial == "uniform":
        T_ref = float(spec.T_initial)
    else:
        T_ref = float(
            np.mean(
                [b.T_inf for b in case.boundaries.values() if b.T_inf is not None]
                or [b.T for b in case.boundaries.values() if b.T is not None]
                or [300.0]
            )
        )
    sysm = FESemiDiscrete(replace(tp, T_ref=T_ref), T_ref=T_ref)
    t0 = stepping.t_start
    if spec.initial == "uniform":
        T0 = np.full(sysm.n_dofs, float(spec.T_initial))
        d, v, _ = sysm.dirichlet(t0)
        T0[d] = v
    else:
        T0 = sysm.steady_state(t0, side="left")
    if progress:
        progress("transient", {"n_dofs": sysm.n_dofs, "t_end": stepping.t_end})

    region_dofs = sysm.region_dofs()
    probe_names = list(case.probes)
    probe_pts = np.array([case.probes[n] for n in probe_names], float) if probe_names else None
    template = sysm.solution(T0, t0)
    nv = template.temperature.size
    located = locate(template, probe_pts) if probe_pts is not None else None

    def monitor(t: float, T: np.ndarray) -> dict[str, float]:
        out = {f"T_max_{r}": float(T[d].max()) for r, d in region_dofs.items()}
        if located is not None:
            for n, val in zip(probe_names, located.values_of_dofs(T, nv), strict=True):
                out[f"probe_{n}"] = float(val)
        return out

    t_s = _step_time(case)
    stepped = list(spec.power) if t_s is not None else []
    junction = np.unique(np.concatenate([region_dofs[r] for r in stepped])) if stepped else None

    def zmon(t: float, T: np.ndarray) -> dict[str, float]:
        return {"T_j": float(T[junction].max())} if junction is not None else {}

    target = Path(out_dir) if out_dir is not None else default_out_dir(case)
    files: list[Path] = []

    def integrate(stage: Path | None):
        writer = None
        if stage is not None:
            writer = SeriesWriter(stage, lambda T, t: sysm.solution(T, t))
        solver = TransientSolver(sysm, stepping, monitors=[monitor, zmon], on_save=writer)
        return solver.run(T0), writer

    def finish(res, stage: Path | None) -> tuple[Any, dict]:
        final = sysm.solution(res.final, res.times[-1])
        summary = summarize(case, prepared, final)
        info: dict[str, Any] = {
            "scheme": stepping.scheme,
            "t_end": res.times[-1],
            "steps": len(res.steps),
            "rejected_steps": res.rejected,
            "factorizations": res.n_factorizations,
            "newton_iterations_max": max((r.iterations for r in res.steps), default=0),
            "energy_imbalance_max": res.max_imbalance,
            "stored_heat": res.steps[-1].energy if res.steps else 0.0,
            "T_max_over_time": {r: max(res.monitors[f"T_max_{r}"]) for r in region_dofs},
        }
        summary["energy_balance"] = res.max_imbalance
        if junction is not None:
            P = float(sum(sysm.source_powers()[r] for r in stepped))
            times = np.array(res.times)
            Tj = np.array(res.monitors["T_j"])
            keep = times >= t_s - 1e-12 * max(1.0, abs(t_s))
            i0 = int(np.argmax(keep))
            z = thermal_impedance(Tj[i0:], P)
            Tss = sysm.steady_state(t_s, side="right")
            r_ss = float((Tss[junction].max() - Tj[i0]) / P)
            info.update(zth_final=float(z[-1]), R_th_steady=r_ss, power_step=P)
            if stage is not None:
                tt = times[i0:] - t_s
                write_history_csv(stage / "zth.csv", tt, {"Z_th_K_per_W": z})
                plot_thermal_impedance(
                    stage / "zth.png",
                    tt,
                    z,
                    steady=r_ss,
                    title=f"{case.name}: Z_th for a {P:.4g} W step",
                )
        summary["transient"] = info
        if stage is not None:
            cols = {k: v for k, v in res.monitors.items() if k != "T_j"}
            cols["stored_heat_J"] = [0.0] + [r.energy for r in res.steps]
            write_history_csv(stage / "history.csv", res.times, cols)
            names = sorted({k for r in res.steps for k in r.heat_out})
            ecols: dict[str, list[float]] = {
                "dt_s": [r.dt for r in res.steps],
                "newton_iterations": [r.iterations for r in res.steps],
                "stored_J": [r.stored for r in res.steps],
                "heat_in_J": [r.heat_in for r in res.steps],
                **{f"heat_out_{n}_J": [r.heat_out.get(n, 0.0) for r in res.steps] for n in names},
                "imbalance": [r.imbalance for r in res.steps],
            }
            write_history_csv(stage / "energy.csv", [r.t for r in res.steps], ecols)
            write_fields_vtu(final, stage / "fields.vtu")
            if final.interfaces:
                write_interfaces_vtu(final, stage / "interfaces.vtu")
            write_summary(summary, stage / "summary.json")
        return final, summary

    if not write:
        res, _ = integrate(None)
        final, summary = finish(res, None)
        return RunResult(solution=final, summary=summary, out_dir=None, files=[])
    clean = (
        "summary.json",
        "fields.vtu",
        "interfaces.vtu",
        "fields.png",
        "fields.pvd",
        "interfaces.pvd",
        "series",
        "history.csv",
        "energy.csv",
        "zth.csv",
        "zth.png",
    )
    with atomic_output_dir(target, clean=clean, last=("summary.json",)) as stage:
        res, writer = integrate(stage)
        writer.write_collections()
        final, summary = finish(res, stage)
        names = sorted(p.name for p in stage.iterdir())
    files = [target.resolve() / n for n in names]
    log.info("transient run %s: %d steps, wrote %s", case.name, len(res.steps), ", ".join(names))
    return RunResult(solution=final, summary=summary, out_dir=target, files=files)
