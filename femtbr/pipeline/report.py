"""The report of a run — ``summary.json`` — built here, once, before anything is written.

Layout (design note §3)::

    name            case name
    converged       bool
    iterations      Newton iterations (steady runs)
    energy_balance  relative energy-balance error (rule: femtbr.fem.solve)
    energy_balance_W  absolute imbalance |Σ sources − Σ heat out| [W] (W/m in 2D)
    regions         {name: {T_max, T_mean, T_min [K], power [W] (volumetric), heat_input [W]
                            (volumetric + fixed flux into its faces)}}
    sources         {region: {power [W], T_mean, T_max, T_min [K]}} for every region with a
                    volumetric source: its footprint is the source region itself (the volume
                    the heat is generated in; T_mean volume-weighted).  A heated patch given
                    as a flux boundary is reported under ``boundaries``.
    interfaces      {name: {area [m²], heat [W, a → b], jump_mean [K], h_mean [W/m²K],
                            resistance [m²K/W], components {part: area-weighted mean h},
                            pressure {force [N] = ∫p dA, mean, min, max, h_weighted_mean
                            = ∫hp dA/∫h dA [Pa]},
                            T_mean [K], between, model, kapitza_length {region: k·R [m]}}}
    boundaries      {name: {heat [W] leaving the body, area [m²], T_mean (area-weighted),
                            T_min, T_max [K]}} for every named boundary of the mesh
                    (adiabatic ones with heat 0)
    probes          {name: T [K]}
    breakdown       junction-to-ambient resistance and its parts (:mod:`.breakdown`)
    transient       time-integration figures (transient runs, :func:`transient_section`)
    sweep           reuse and phase timings [s] (runs that were handed a ``Reuse``)
    sensitivities   {output: {value, unit, reference_rise, parameters: [ranked rows]}}
                    (:func:`sensitivity_section`)
    parameters      the case's resolved parameters

Non-finite numbers (e.g. the resistance of an adiabatic interface) are written as ``null`` so
that the file is strict JSON.  In 2D, areas are per metre of depth (m²/m) and heats W/m.
An axisymmetric run (``geometry.axisymmetric = true``, ``"axisymmetric": true`` in the summary)
reports the body of revolution over the full turn: volumes m³, areas m², powers and heats W
(total W; per radian = total / 2π), in line with a source ``power`` being the body's total.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from femtbr.case.schema import Case
from femtbr.errors import CaseError, InputError
from femtbr.export.summary import jsonable
from femtbr.pipeline.breakdown import breakdown
from femtbr.pipeline.measures import boundary_region, component_means, conductivity_at
from femtbr.pipeline.prepare import Prepared


def build_summary(
    solution: Any,
    *,
    name: str,
    parameters: Mapping[str, Any],
    probes: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The solution part of the summary (JSON-safe; see the module docstring for its keys).

    Parameters
    ----------
    solution
        The solved problem (:class:`femtbr.fem.Solution`).
    name
        Case name.
    parameters
        The case's resolved parameters (nested mappings of JSON-representable values).
    probes
        Probe name -> temperature [K] (see :func:`probe_temperatures`).
    """
    interfaces = {
        iname: {
            "area": r.area,
            "heat": r.heat,
            "jump_mean": r.jump_mean,
            "h_mean": r.h_mean,
            "resistance": r.resistance,
            "components": component_means(solution, r),
            "pressure": {"force": r.force, "mean": r.p_mean, "min": r.p_min, "max": r.p_max,
                         "h_weighted_mean": r.p_h_mean},
        }
        for iname, r in solution.interfaces.items()
    }
    boundaries: dict[str, dict[str, float]] = {}
    for n in [*solution.boundaries, *(s for s in solution.surfaces
                                      if s not in solution.boundaries)]:
        entry = boundaries[n] = {"heat": float(solution.boundaries.get(n, 0.0))}
        if n in solution.surfaces:
            sr = solution.surfaces[n]
            entry.update(area=sr.area, T_mean=sr.T_mean, T_min=sr.T_min, T_max=sr.T_max)
    summary = {
        "name": name,
        "converged": solution.converged,
        "iterations": solution.iterations,
        "energy_balance": solution.energy_balance,
        "energy_balance_W": solution.energy_balance_W,
        "regions": {
            n: {"T_max": r.T_max, "T_mean": r.T_mean, "T_min": r.T_min, "power": r.power}
            for n, r in solution.regions.items()
        },
        "sources": {
            n: {"power": r.power, "T_mean": r.T_mean, "T_max": r.T_max, "T_min": r.T_min}
            for n, r in solution.regions.items() if r.power != 0
        },
        "interfaces": interfaces,
        "boundaries": boundaries,
        "probes": dict(probes or {}),
        "parameters": parameters,
    }
    if getattr(solution, "axisymmetric", False):
        summary["axisymmetric"] = True  # totals over the full turn (module docstring)
    return jsonable(summary)


def probe_temperatures(solution: Any, probes: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """Temperature [K] at each named probe point, interpolated with the solution's elements.

    All points are located in one search (the cell centroids and their k-d tree are built
    once, not once per probe); only when that fails is each point tried alone, to name it.

    Raises
    ------
    CaseError
        ``probes.<name>`` when a point lies outside the mesh.
    """
    from femtbr.fem import probe

    dim = solution.points.shape[1]
    names = list(probes)
    points = [np.asarray(probes[name], float)[:dim] for name in names]
    if names and all(x.shape == (dim,) for x in points):
        try:
            values = probe(solution, np.array(points))
            return {name: float(v) for name, v in zip(names, values, strict=True)}
        except InputError:
            pass  # one of them is outside: find and name it below
    out: dict[str, float] = {}
    for name, x in zip(names, points, strict=True):
        try:
            out[name] = float(probe(solution, x[None, :])[0])
        except InputError:
            raise CaseError(
                [(f"probes.{name}", f"point {list(probes[name])} lies outside the mesh")]
            ) from None
    return out


def _interface_details(case: Case, prepared: Prepared, solution: Any, entry: dict, name: str):
    """Kapitza lengths k·R [m] on each side, mean temperature, regions and model name."""
    res = solution.interfaces[name]
    a, b = case.interfaces[name].between
    entry["kapitza_length"] = {
        region: (
            conductivity_at(prepared.materials[region], res.T_mean) * res.resistance
            if math.isfinite(res.resistance)
            else None
        )
        for region in (a, b)
    }
    entry["T_mean"] = res.T_mean
    entry["between"] = [a, b]
    entry["model"] = case.interfaces[name].model


def heat_inputs(case: Case, prepared: Prepared, solution: Any) -> dict[str, float]:
    """Heat [W] put into each region: its volumetric power plus the fixed heat flux entering
    through boundaries on its faces (how the stack builder heats its top layer)."""
    out = {n: max(float(r.power), 0.0) for n, r in solution.regions.items()}
    mesh = prepared.problem.mesh
    for name, q in solution.boundaries.items():
        spec = case.boundaries.get(name)
        if spec is not None and spec.type == "flux" and q < 0:
            region = boundary_region(mesh, name)
            if region in out:
                out[region] += -float(q)
    return out


def steady_summary(case: Case, prepared: Prepared, solution: Any) -> dict[str, Any]:
    """The summary of a solved state: solution figures, probes, interface details, breakdown."""
    summary = build_summary(
        solution,
        name=case.name,
        parameters=case.model_dump(mode="json"),
        probes=probe_temperatures(solution, case.probes),
    )
    for name, entry in summary["interfaces"].items():
        _interface_details(case, prepared, solution, entry, name)
    for name, q in heat_inputs(case, prepared, solution).items():
        summary["regions"][name]["heat_input"] = q
    summary["breakdown"] = breakdown(case, prepared, solution)
    return jsonable(summary)


def transient_section(result: Any, stepping: Any, region_dofs: Mapping[str, Any]) -> dict:
    """Figures of a time integration (:class:`femtbr.fem.transient.transient.TransientResult`)."""
    return {
        "scheme": stepping.scheme,
        "t_end": result.times[-1],
        "steps": len(result.steps),
        "rejected_steps": result.rejected,
        "factorizations": result.n_factorizations,
        "newton_iterations_max": max((r.iterations for r in result.steps), default=0),
        "newton_iterations_total": sum(r.iterations for r in result.steps),
        "energy_imbalance_max": result.max_imbalance,
        "stored_heat": result.steps[-1].energy if result.steps else 0.0,
        "T_max_over_time": {r: max(result.monitors[f"T_max_{r}"]) for r in region_dofs},
    }


def transient_summary(
    case: Case, prepared: Prepared, final: Any, result: Any, stepping: Any, region_dofs: Any,
    zth: Mapping[str, float] | None,
) -> dict[str, Any]:
    """The summary of a transient run: the final state's summary plus a ``transient`` section
    (with Z_th figures when every power waveform is a step at one time)."""
    summary = steady_summary(case, prepared, final)
    summary["energy_balance"] = result.max_imbalance
    section = transient_section(result, stepping, region_dofs)
    section.update(zth or {})
    summary["transient"] = section
    return jsonable(summary)


def sweep_section(reused: bool, t_solve: float, timings: Mapping[str, float]) -> dict:
    """``sweep``: 1.0 when the discretization was reused, set-up + solve time and the solver's
    phase timings [s] (the columns a study collects about its own cost)."""
    section = {"reused": float(reused), "t_solve": float(t_solve)}
    section.update({f"t_{k}": float(v) for k, v in timings.items()})
    return section


def sensitivity_section(sens: Any) -> dict[str, Any]:
    """``sensitivities``: per output its value, unit, the rise ΔT of the normalisation, and the
    parameters ranked by the change ±10 % of each makes: ``parameter`` (case key), ``value``,
    ``unit``, ``derivative`` dJ/dθ (``derivative_unit``), ``change_10pct`` and ``normalised``
    θ/ΔT·dJ/dθ (:class:`femtbr.sensitivity.Sensitivities`)."""
    return jsonable(sens.section())


def uncertainty_section(section: dict[str, Any]) -> dict[str, Any]:
    """``uncertainty`` (written as ``uncertainty.json``): ``method``, the resolved input
    ``parameters`` {key: distribution, mean, std}, and per method (``first_order``,
    ``sampling``) and output: ``unit``, ``mean``, ``std``, ``P5``/``P50``/``P95`` and
    ``variance_share`` {key: share} (:mod:`femtbr.sweep.uncertainty`), JSON-safe."""
    return jsonable(section)


def fit_section(result: Any) -> dict[str, Any]:
    """``fit`` (written as ``fit.json``): per parameter its ``estimate``, ``unit`` and
    ``standard_error`` (null when not identifiable), ``correlation``, ``residuals`` per
    measurement (measured, sigma, fitted, normalised), ``chi2``/``dof``, ``identifiable`` and
    the ``non_identifiable`` combinations, the singular values and condition number of the
    weighted Jacobian, and which ``gradient`` (forward or adjoint) was used
    (:class:`femtbr.pipeline.fit.FitResult`)."""
    return jsonable(result.section())
