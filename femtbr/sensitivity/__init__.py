"""Which input matters: adjoint sensitivities of steady outputs to every scalar input.

:func:`compute` takes a converged :class:`~femtbr.fem.solve.SteadyState` and returns, per
output (:mod:`.outputs`), the derivative with respect to every parameter (:mod:`.parameters`)
from one transposed solve (:mod:`.adjoint`), ranked by effect.  For each parameter θ of value
θ₀ the table gives dJ/dθ, the linearised change for ±10 % of θ₀, ΔJ = 0.1 θ₀ dJ/dθ, and the
normalised sensitivity θ₀/ΔT · dJ/dθ with ΔT = J − T_ambient for a temperature (the rise
the normalisation compares with; the logarithmic sensitivity of the rise) and ΔT = J for other
outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from femtbr.sensitivity.adjoint import adjoint_solve, sensitivities
from femtbr.sensitivity.outputs import Output, build_output
from femtbr.sensitivity.parameters import Parameter, enumerate_parameters
from femtbr.sensitivity.perturb import problem_at

__all__ = [
    "Output",
    "Parameter",
    "Sensitivities",
    "adjoint_solve",
    "build_output",
    "compute",
    "enumerate_parameters",
    "problem_at",
    "sensitivities",
]

DEFAULT_OUTPUTS = ("T_junction",)


@dataclass(frozen=True)
class Sensitivities:
    """Derivatives of ``outputs`` (values ``values``) with respect to ``parameters``:
    ``derivatives[i, j]`` = dJ_i/dθ_j; ``reference[i]`` the ΔT of the normalisation."""

    outputs: tuple[str, ...]
    units: tuple[str, ...]
    values: np.ndarray
    reference: np.ndarray
    parameters: tuple[Parameter, ...]
    derivatives: np.ndarray

    def of(self, output: str) -> dict[str, float]:
        """Parameter key -> dJ/dθ of one output."""
        i = self.outputs.index(output)
        return {p.key: float(d) for p, d in zip(self.parameters, self.derivatives[i],
                                                 strict=True)}

    def rows(self, output: str | None = None) -> list[dict[str, Any]]:
        """The ranked table of one output (default the first): parameter, value, unit, dJ/dθ,
        change for ±10 %, normalised sensitivity, sorted by |change|."""
        i = self.outputs.index(output) if output else 0
        rows = []
        for p, d in zip(self.parameters, self.derivatives[i], strict=True):
            change = 0.1 * p.value * d
            rows.append({
                "parameter": p.key, "value": p.value, "unit": p.unit,
                "derivative": float(d),
                "derivative_unit": f"{self.units[i]}/({p.unit})",
                "change_10pct": float(change),
                "normalised": float(p.value * d / self.reference[i])
                if self.reference[i] != 0 else float("nan"),
            })
        return sorted(rows, key=lambda r: -abs(r["change_10pct"]))

    def section(self) -> dict[str, Any]:
        """The ``sensitivities`` section of ``summary.json``."""
        return {name: {"value": float(self.values[i]), "unit": self.units[i],
                       "reference_rise": float(self.reference[i]),
                       "parameters": self.rows(name)}
                for i, name in enumerate(self.outputs)}


def _reference(case: Any, system: Any, out: Output) -> float:
    from femtbr.errors import CaseError
    from femtbr.sensitivity.outputs import _ambient

    if out.unit == "K":
        try:
            return out.value - _ambient(case, system)
        except CaseError:  # no cooling boundary: the rise over the fixed temperatures' mean
            fixed = np.asarray(getattr(system, "dir_vals", ()), float)
            return out.value - float(fixed.mean()) if fixed.size else out.value
    return out.value


def compute(case: Any, state: Any, outputs: Sequence[str] = DEFAULT_OUTPUTS,
            parameters: Sequence[Parameter] | None = None) -> Sensitivities:
    """Adjoint sensitivities of ``outputs`` of the solved ``state`` of ``case`` to
    ``parameters`` (default: every scalar input, :func:`enumerate_parameters`)."""
    system, T = state.system, state.T
    params = tuple(parameters if parameters is not None
                   else enumerate_parameters(case, system.problem))
    outs = [build_output(name, case, system, state.solution, T) for name in outputs]
    deriv = sensitivities(case, state, outs, params)
    return Sensitivities(
        outputs=tuple(o.name for o in outs),
        units=tuple(o.unit for o in outs),
        values=np.array([o.value for o in outs]),
        reference=np.array([_reference(case, system, o) for o in outs]),
        parameters=params,
        derivatives=deriv,
    )


def format_table(section: dict[str, Any]) -> str:
    """The ranked table of each output of a ``sensitivities`` summary section, as text."""
    lines = []
    for name, entry in section.items():
        unit = entry["unit"]
        lines.append(f"\nsensitivities of {name} = {entry['value']:.6g} {unit} "
                     f"(normalised by ΔT = {entry['reference_rise']:.6g} {unit})")
        lines.append(f"{'parameter':44s} {'value':>12s} {'unit':>10s} "
                     f"{'d' + name + '/dθ':>14s} {'±10 %':>11s} {'θ/ΔT·dJ/dθ':>11s}")
        for r in entry["parameters"]:
            norm = r["normalised"]
            lines.append(f"{r['parameter']:44s} {r['value']:12.5g} {r['unit']:>10s} "
                         f"{r['derivative']:14.5g} {'±':>1s}{abs(r['change_10pct']):10.4g} "
                         f"{norm if norm is not None else float('nan'):11.4g}")
        lines.append(f"(dJ/dθ in {unit} per parameter unit; ±10 %: linearised change of "
                     f"{name}, sign of +10 %: see the derivative)")
    return "\n".join(lines) + "\n"
