"""``[uncertainty]``: propagate input distributions to outputs, first order or by sampling.

* ``first_order`` — from the adjoint sensitivities of one solve, no extra solves: with
  independent inputs, J ≈ J(θ₀) + Σ_i J_i'(μ_i − θ₀_i) and Var J ≈ Σ_i (J_i' σ_i)² (the
  first-order second-moment method; e.g. Ghanem, Higdon & Owhadi (eds.), *Handbook of
  Uncertainty Quantification* (2017), ch. "Sensitivity analysis"); percentiles of the normal
  approximation (P5/P95 = μ ∓ 1.6449σ); share of the variance of input i = (J_i' σ_i)²/Var J.
* ``sampling`` — ``samples`` seeded draws (Latin hypercube or Monte Carlo,
  :mod:`femtbr.sensitivity.distributions`), each a full solve run as a ``zip`` study by the
  sweep engine (local workers or Dask, resumable: the study folder is ``<out>/samples``).
  Mean, standard deviation (ddof = 1) and empirical P5/P50/P95; the variance shares are the
  squared standardised regression coefficients β_i² = (b_i σ_θi / σ_J)² of a linear fit
  J ≈ b₀ + Σ b_i θ_i, reported with its R² (Saltelli et al., *Global Sensitivity Analysis.
  The Primer* (2008), §1.2.5): for R² close to 1 they are the variance shares.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from femtbr.errors import CaseError

Z95 = 1.6448536269514722  # Φ⁻¹(0.95)


@dataclass(frozen=True)
class UncertaintyResult:
    """``section``: per method and output the statistics; ``files`` written; ``samples``
    (n, d) input draws and ``values`` {output: (n,)} of a sampling run."""

    section: dict[str, Any]
    files: list[Path] = field(default_factory=list)
    samples: np.ndarray | None = None
    values: Mapping[str, np.ndarray] = field(default_factory=dict)


def _nominal(loaded: Any) -> tuple[Any, dict[str, Any]]:
    """The solved nominal case with sensitivities, and the parameters by key."""
    from femtbr.pipeline import run

    spec = loaded.case.uncertainty
    result = run(loaded, write=False, sensitivity=list(spec.outputs))
    params = {p.key: p for p in result.sensitivities.parameters}
    return result, params


def marginals_of(spec: Any, nominal: Mapping[str, float]) -> list[Any]:
    """The resolved distributions of ``spec.parameters`` (nominal values: default means)."""
    from femtbr.sensitivity.distributions import marginal

    out = []
    for key, dist in spec.parameters.items():
        try:
            out.append(marginal(dist, nominal.get(key, float("nan"))))
        except ValueError as exc:
            raise CaseError([(f"uncertainty.parameters.{key}", str(exc))]) from None
    return out


def first_order(sens: Any, keys: Sequence[str], marginals: Sequence[Any]) -> dict[str, Any]:
    """First-order statistics of each output of ``sens`` (module docstring)."""
    by_key = {p.key: j for j, p in enumerate(sens.parameters)}
    out = {}
    for i, name in enumerate(sens.outputs):
        grad = np.array([sens.derivatives[i, by_key[k]] for k in keys])
        theta0 = np.array([sens.parameters[by_key[k]].value for k in keys])
        mu = np.array([m.mean for m in marginals])
        sd = np.array([m.std for m in marginals])
        contrib = (grad * sd) ** 2
        var = float(contrib.sum())
        mean = float(sens.values[i] + grad @ (mu - theta0))
        std = float(np.sqrt(var))
        out[name] = {"unit": sens.units[i], "mean": mean, "std": std,
                     "P5": mean - Z95 * std, "P50": mean, "P95": mean + Z95 * std,
                     "variance_share": {k: float(c / var) if var > 0 else 0.0
                                        for k, c in zip(keys, contrib, strict=True)}}
    return out


def summary_key(case: Any, output: str) -> str:
    """The ``summary.json`` key a sweep collects for a sensitivity output name."""
    if output == "T_junction":
        junction = case.report.junction or max(
            case.sources, key=lambda r: case.sources[r].power or 0.0, default=None)
        if junction is None:
            raise CaseError([("report.junction", "sampling T_junction: name the junction")])
        return f"regions.{junction}.T_max"
    if output == "R_ja":
        return "breakdown.junction_to_ambient"
    parts = output.split(".")
    if parts[0] in ("probes", "interfaces") or (parts[0] == "regions" and parts[-1] == "T_mean"):
        return output
    raise CaseError([("uncertainty.outputs", f"{output!r} is not in a run's summary: sampling "
                      "takes T_junction, R_ja, probes.<p>, regions.<r>.T_mean, "
                      "interfaces.<i>.heat")])


def sampling_stats(samples: np.ndarray, values: np.ndarray, keys: Sequence[str],
                   unit: str) -> dict[str, Any]:
    """Sample statistics and standardised-regression variance shares (module docstring)."""
    ok = np.isfinite(values)
    x, y = samples[ok], values[ok]
    X = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    sy = float(np.std(y, ddof=1))
    beta = coef[1:] * np.std(x, axis=0, ddof=1) / sy if sy > 0 else np.zeros(len(keys))
    fit = X @ coef
    r2 = 1.0 - float(np.sum((y - fit) ** 2) / np.sum((y - y.mean()) ** 2)) if sy > 0 else 1.0
    return {"unit": unit, "samples": int(ok.sum()), "failed": int((~ok).sum()),
            "mean": float(y.mean()), "std": sy,
            "P5": float(np.percentile(y, 5)), "P50": float(np.percentile(y, 50)),
            "P95": float(np.percentile(y, 95)),
            "variance_share": {k: float(b**2) for k, b in zip(keys, beta, strict=True)},
            "regression_R2": r2}


def run_samples(case_path: str | Path, overrides: Any, spec: Any, case: Any,
                marginals: Sequence[Any], out: Path, **sweep_options: Any
                ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Draw the samples and run them through :func:`femtbr.sweep.sweep` as a ``zip`` study."""
    from femtbr.case.overrides import split_assignments
    from femtbr.sensitivity.distributions import draw
    from femtbr.sweep.api import sweep

    keys = list(spec.parameters)
    samples = draw(list(marginals), spec.samples, spec.sampler, spec.seed)
    collect = {o: summary_key(case, o) for o in spec.outputs}
    table = {"mode": "zip", "outputs": sorted(set(collect.values())),
             "parameters": {k: samples[:, j].tolist() for j, k in enumerate(keys)}}
    sets = dict(split_assignments(overrides)) if overrides else {}
    sets.update({"sweep": table, "sensitivity.outputs": []})
    result = sweep(case_path, out, overrides=sets, plots=False, **sweep_options)
    values = {o: np.array([rec.get("outputs", {}).get(k, np.nan) if rec.get("status") == "ok"
                           else np.nan for rec in result.records], float)
              for o, k in collect.items()}
    return samples, values


def uncertainty(case_path: str | Path, overrides: Any = (), *, out_dir: str | Path | None = None,
                method: str | None = None, write: bool = True, **sweep_options: Any
                ) -> UncertaintyResult:
    """Propagate the ``[uncertainty]`` table of a case (module docstring).

    Writes ``uncertainty.json`` and, for sampling, ``uncertainty_<output>.png`` histograms
    into ``out_dir`` (default ``results/<name>/uncertainty``); ``sweep_options`` (``workers``,
    ``scheduler``, ``resume``, ``progress``) go to the sweep engine.

    Raises
    ------
    CaseError
        No ``[uncertainty]`` table, or a key that is not a scalar input of the case.
    """
    from femtbr.pipeline import load
    from femtbr.pipeline.report import uncertainty_section

    loaded = load(case_path, overrides)
    case = loaded.case
    spec = case.uncertainty
    if spec is None:
        raise CaseError([("uncertainty", "the case has no [uncertainty] table")])
    method = method or spec.method
    nominal_result, params = _nominal(loaded)
    missing = [k for k in spec.parameters if k not in params]
    if missing and method in ("first_order", "both"):
        raise CaseError([(f"uncertainty.parameters.{k}", f"not a scalar input of the case; "
                          f"inputs are: {', '.join(sorted(params))}") for k in missing])
    nominal = {k: p.value for k, p in params.items()}
    marg = marginals_of(spec, nominal)
    keys = list(spec.parameters)
    section: dict[str, Any] = {"method": method, "parameters": {
        k: {"distribution": m.kind, "mean": m.mean, "std": m.std} for k, m in zip(
            keys, marg, strict=True)}}
    if method in ("first_order", "both"):
        section["first_order"] = first_order(nominal_result.sensitivities, keys, marg)
    out = Path(out_dir) if out_dir is not None else Path("results") / case.name / "uncertainty"
    files: list[Path] = []
    samples, values = None, {}
    if method in ("sampling", "both"):
        samples, values = run_samples(case_path, overrides, spec, case, marg, out / "samples",
                                      **sweep_options)
        units = dict(zip(nominal_result.sensitivities.outputs,
                         nominal_result.sensitivities.units, strict=True))
        section["sampling"] = {o: sampling_stats(samples, v, keys, units[o])
                               for o, v in values.items()}
        section["sampling_options"] = {"samples": spec.samples, "sampler": spec.sampler,
                                       "seed": spec.seed}
    section = uncertainty_section(section)
    if write:
        out.mkdir(parents=True, exist_ok=True)
        from femtbr.export.atomic import atomic_path

        with atomic_path(out / "uncertainty.json") as tmp:
            Path(tmp).write_text(json.dumps(section, indent=2))
        files.append(out / "uncertainty.json")
        if values:
            from femtbr.export.sensitivity_charts import plot_histogram

            for o, v in values.items():
                ok = v[np.isfinite(v)]
                if ok.size:
                    unit = section["sampling"][o]["unit"]
                    files.append(plot_histogram(ok, o, unit, out / f"uncertainty_{o}.png"))
    return UncertaintyResult(section, files, samples, values)
