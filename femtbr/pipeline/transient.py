"""The transient steps of a run: a case with a ``[transient]`` table integrated in time.

:func:`femtbr.pipeline.run` calls :func:`integrate` and then writes, as one atomic set:

* ``fields.pvd`` / ``interfaces.pvd`` + ``series/*.vtu`` — one VTU pair per kept step;
* ``fields.vtu`` / ``interfaces.vtu`` — the final state;
* ``history.csv`` — per accepted step: T_max of every region, probe temperatures, stored heat;
* ``energy.csv`` — per step: stored heat, source heat, heat out per boundary [J], imbalance;
* ``zth.csv`` / ``zth.png`` — Z_th(t) = (T_j(t) − T_j(t_s))/P (JEDEC JESD51-14) when every
  power waveform is a step at the same time t_s (T_j: hottest DOF of the stepped regions);
* ``summary.json`` — built by :mod:`femtbr.pipeline.report` before any of these is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from femtbr.case.schema import Case
from femtbr.errors import CaseError
from femtbr.pipeline.prepare import Prepared

#: Result files of a transient run (what a new run into the same folder replaces).
TRANSIENT_FILES = (
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


def transient_problem(case: Case, prepared: Prepared) -> Any:
    """The :class:`~femtbr.fem.values.transient_problem.TransientProblem` of a case.

    Waveform CSV paths are absolute (the case layer resolved them against the case file).
    """
    from femtbr.fem.values.transient_problem import TransientProblem
    from femtbr.pipeline.transient_inputs import transient_loads

    loads = transient_loads(case.transient, case.sources, case.boundaries)
    return TransientProblem(
        prepared.problem,
        {r: heat_capacity_of(r, m) for r, m in prepared.materials.items()},
        **loads,
    )


def _reference_temperature(case: Case) -> float:
    """T_ref [K] of the linearisation: T_initial, else the mean ambient/fixed temperature."""
    spec = case.transient
    if spec.initial == "uniform":
        return float(spec.T_initial)
    b = case.boundaries.values()
    temps = [x.T_inf for x in b if x.T_inf is not None] or [x.T for x in b if x.T is not None]
    return float(np.mean(temps or [300.0]))


def _initial_state(case: Case, system: Any, t0: float) -> np.ndarray:
    """T(t0): uniform with the Dirichlet values, or the steady state just before t0."""
    spec = case.transient
    if spec.initial != "uniform":
        return system.steady_state(t0, side="left")
    T0 = np.full(system.n_dofs, float(spec.T_initial))
    d, v, _ = system.dirichlet(t0)
    T0[d] = v
    return T0


def step_time(case: Case) -> float | None:
    """t_s [s] if every power waveform is a step at the same time, else None."""
    ws = list(case.transient.power.values())
    if not ws or any(w.kind != "step" for w in ws):
        return None
    ts = {float(w.t_start) for w in ws}
    return ts.pop() if len(ts) == 1 else None


def _monitors(case: Case, system: Any, template: Any, junction: Any) -> list[Callable]:
    """Per accepted state: T_max of every region, probe temperatures, T_j of the stepped
    regions (for Z_th)."""
    from femtbr.fem.post.probe import locate

    region_dofs = system.region_dofs()
    names = list(case.probes)
    points = np.array([case.probes[n] for n in names], float) if names else None
    nv = template.temperature.size
    located = locate(template, points) if points is not None else None  # once per run

    def regions_and_probes(t: float, T: np.ndarray) -> dict[str, float]:
        out = {f"T_max_{r}": float(T[d].max()) for r, d in region_dofs.items()}
        if located is not None:
            for n, val in zip(names, located.values_of_dofs(T, nv), strict=True):
                out[f"probe_{n}"] = float(val)
        return out

    def junction_temperature(t: float, T: np.ndarray) -> dict[str, float]:
        return {"T_j": float(T[junction].max())} if junction is not None else {}

    return [regions_and_probes, junction_temperature]


@dataclass(frozen=True)
class Integration:
    """A finished time integration and what the report and the files need."""

    system: Any
    stepping: Any
    result: Any
    final: Any
    region_dofs: dict[str, Any]
    zth: dict[str, Any] | None  # Z_th(t) figures and series, or None


def _progress_monitor(progress: Any, t_end: float) -> Callable:
    """A monitor reporting each accepted step (the first call is the initial state)."""
    states = [0]

    def report(t: float, T: np.ndarray) -> dict[str, float]:
        if states[0]:
            progress("time step", {"step": states[0], "t": t, "t_end": t_end})
        states[0] += 1
        return {}

    return report


def integrate(
    case: Case,
    prepared: Prepared,
    *,
    discretization: Any = None,
    progress: Any = None,
    on_save_factory: Callable[[Any], Any] | None = None,
) -> Integration:
    """Integrate the case in time.

    Parameters
    ----------
    discretization
        A reusable :class:`femtbr.fem.Discretization` of the problem (sweeps), or None.
    progress
        ``progress(stage, info)``; called once per accepted time step.
    on_save_factory
        ``factory(system) -> on_save(t, T)`` streaming kept states (the VTU series), or None.

    Raises
    ------
    ConvergenceError
        Newton failed in a step.
    """
    from femtbr.fem.transient.transient import TransientSolver
    from femtbr.fem.transient.transient_system import FESemiDiscrete
    from femtbr.pipeline.transient_inputs import time_stepping

    tp = transient_problem(case, prepared)
    stepping = time_stepping(case.transient)
    T_ref = _reference_temperature(case)
    system = FESemiDiscrete(replace(tp, T_ref=T_ref), discretization, T_ref=T_ref)
    t0 = stepping.t_start
    T0 = _initial_state(case, system, t0)
    if progress:
        progress("transient", {"n_dofs": system.n_dofs, "t_end": stepping.t_end})
    region_dofs = system.region_dofs()
    t_s = step_time(case)
    stepped = list(case.transient.power) if t_s is not None else []
    junction = np.unique(np.concatenate([region_dofs[r] for r in stepped])) if stepped else None
    monitors = _monitors(case, system, system.solution(T0, t0), junction)
    if progress:
        monitors.append(_progress_monitor(progress, stepping.t_end))
    on_save = on_save_factory(system) if on_save_factory is not None else None
    res = TransientSolver(system, stepping, monitors=monitors, on_save=on_save).run(T0)
    final = system.solution(res.final, res.times[-1])
    zth = None
    if junction is not None:
        zth = _thermal_impedance(system, res, junction, stepped, t_s)
    return Integration(system, stepping, res, final, region_dofs, zth)


def _thermal_impedance(system: Any, res: Any, junction: Any, stepped: list, t_s: float) -> dict:
    """Z_th(t) after the power step and its steady limit R_th = (T_j,ss − T_j(t_s)) / P."""
    from femtbr.export.transient_series import thermal_impedance

    P = float(sum(system.source_powers()[r] for r in stepped))
    times = np.array(res.times)
    Tj = np.array(res.monitors["T_j"])
    i0 = int(np.argmax(times >= t_s - 1e-12 * max(1.0, abs(t_s))))
    z = thermal_impedance(Tj[i0:], P)
    steady = system.steady_state(t_s, side="right")
    r_ss = float((steady[junction].max() - Tj[i0]) / P)
    return {
        "figures": {"zth_final": float(z[-1]), "R_th_steady": r_ss, "power_step": P},
        "t": times[i0:] - t_s,
        "z": z,
    }


def write_transient_files(stage: Path, case: Case, run: Integration, summary: dict) -> None:
    """The tables, the final state and the summary of a transient run into ``stage``."""
    from femtbr.export import write_fields_vtu, write_interfaces_vtu, write_summary
    from femtbr.export.transient_series import plot_thermal_impedance, write_history_csv

    res = run.result
    if run.zth is not None:
        write_history_csv(stage / "zth.csv", run.zth["t"], {"Z_th_K_per_W": run.zth["z"]})
        P = run.zth["figures"]["power_step"]
        plot_thermal_impedance(
            stage / "zth.png", run.zth["t"], run.zth["z"],
            steady=run.zth["figures"]["R_th_steady"],
            title=f"{case.name}: Z_th for a {P:.4g} W step",
        )
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
    write_fields_vtu(run.final, stage / "fields.vtu")
    if run.final.interfaces:
        write_interfaces_vtu(run.final, stage / "interfaces.vtu")
    write_summary(summary, stage / "summary.json")
