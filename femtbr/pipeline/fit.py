"""``femtbr fit``: estimate case parameters from measured temperatures (``[fit]``).

Weighted least squares, minimise Σ_k r_k², r_k = (J_k(θ) − y_k)/σ_k, over the bounded box of
``[fit.parameters]`` with :func:`scipy.optimize.least_squares` (trust-region reflective),
in scaled unknowns x_i = θ_i/s_i (s_i: the start value, else the box width).  Each J_k is an
output (a probe's temperature, or any :mod:`femtbr.sensitivity.outputs` name); every solve
reuses one Discretization (parameters that change the mesh cannot be fitted).  The Jacobian
dJ_k/dθ_i is exact: forward (tangent) solves, one per parameter, when there are fewer
parameters than measurements, else adjoint solves, one per measurement (``gradient`` in the
result says which).

At the optimum, with the weighted Jacobian W = ∂r/∂θ (Gauss–Newton; Seber & Wild,
*Nonlinear Regression* (1989), §2.1–2.2): covariance C = (WᵀW)⁻¹, standard errors √C_ii,
correlations C_ij/√(C_ii C_jj), χ² = Σ r_k² with n − p degrees of freedom.
Identifiability: the singular values s of W in relative units (columns times |θ_i|); a
direction v with s < ``RANK_RTOL``·s_max, or whose relative standard error 1/s exceeds
``MAX_REL_ERROR``, is not determined by the data: it is reported as a combination
Σ v_i ln θ_i (the parameters it involves get no standard error), instead of estimates that
only look determined; the standard errors of the other parameters are then conditional on
the undetermined combination.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from femtbr.errors import CaseError, ConvergenceError

log = logging.getLogger(__name__)
GRADIENT_MODES = {"forward": "forward (one tangent solve per parameter)",
                  "adjoint": "adjoint (one transposed solve per measurement)"}
#: Relative singular value below which a direction of the weighted Jacobian is rank-deficient.
RANK_RTOL = 1e-6
#: Relative standard error (1 = 100 %) above which a direction is called not identifiable.
MAX_REL_ERROR = 10.0


@dataclass(frozen=True)
class FitResult:
    """The ``fit`` section (:meth:`section`) and the raw arrays."""

    keys: tuple[str, ...]
    units: tuple[str, ...]
    estimates: np.ndarray
    standard_errors: np.ndarray
    correlation: np.ndarray
    measured: dict[str, tuple[float, float]]
    fitted: np.ndarray
    chi2: float
    singular_values: np.ndarray
    non_identifiable: list[dict[str, float]]
    gradient: str
    evaluations: int
    status: str

    @property
    def identifiable(self) -> bool:
        return not self.non_identifiable

    def section(self) -> dict[str, Any]:
        """JSON-ready summary."""
        n, p = len(self.measured), len(self.keys)
        return {
            "parameters": {k: {"estimate": float(e), "unit": u,
                               "standard_error": float(s) if np.isfinite(s) else None}
                           for k, u, e, s in zip(self.keys, self.units, self.estimates,
                                                 self.standard_errors, strict=True)},
            "correlation": {k: {k2: float(c) if np.isfinite(c) else None
                                for k2, c in zip(self.keys, row, strict=True)}
                            for k, row in zip(self.keys, self.correlation, strict=True)},
            "residuals": {m: {"measured": y, "sigma": s, "fitted": float(f),
                              "normalised": float((f - y) / s)}
                          for (m, (y, s)), f in zip(self.measured.items(), self.fitted,
                                                    strict=True)},
            "chi2": self.chi2, "dof": n - p,
            "identifiable": self.identifiable,
            "non_identifiable": self.non_identifiable,
            "singular_values": [float(s) for s in self.singular_values],
            "condition": float(self.singular_values[0] / self.singular_values[-1])
            if self.singular_values[-1] > 0 else None,
            "gradient": self.gradient, "evaluations": self.evaluations,
            "status": self.status,
        }


def _output_name(case: Any, name: str) -> str:
    return f"probes.{name}" if name in case.probes else name


def fit(loaded: Any) -> FitResult:
    """Fit the ``[fit]`` table of a loaded case (:func:`femtbr.pipeline.load`).

    Raises
    ------
    CaseError
        No ``[fit]`` table, an unknown parameter key or measurement name.
    ConvergenceError
        A forward solve did not converge.
    """
    from scipy.optimize import least_squares

    from femtbr.fem.solve import discretize, solve_state
    from femtbr.pipeline.prepare import prepare
    from femtbr.sensitivity import build_output, enumerate_parameters, problem_at
    from femtbr.sensitivity.adjoint import sensitivities
    from femtbr.sensitivity.forward import tangent_sensitivities

    case = loaded.case
    spec = case.fit
    if spec is None:
        raise CaseError([("fit", "the case has no [fit] table")])
    problem = prepare(case, loaded.geometry, materials=loaded.materials,
                      models=loaded.models).problem
    by_key = {p.key: p for p in enumerate_parameters(case, problem)}
    bad = [(f"fit.parameters.{k}", f"not a scalar input of the case; inputs are: "
            f"{', '.join(sorted(by_key))}") for k in spec.parameters if k not in by_key]
    if bad:
        raise CaseError(bad)
    params = [by_key[k] for k in spec.parameters]
    outputs = [_output_name(case, m) for m in spec.measurements]
    y = np.array([m.T for m in spec.measurements.values()])
    sigma = np.array([m.sigma for m in spec.measurements.values()])
    lo = np.array([f.min for f in spec.parameters.values()])
    hi = np.array([f.max for f in spec.parameters.values()])
    start = np.array([f.initial if f.initial is not None else p.value
                      for f, p in zip(spec.parameters.values(), params, strict=True)])
    start = np.clip(start, lo, hi)
    scale = np.where(start != 0, np.abs(start), hi - lo)
    disc = discretize(problem)
    mode = "forward" if len(params) < len(outputs) else "adjoint"
    cache: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
    count = [0]

    def evaluate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = x.tobytes()
        if key not in cache:
            theta = x * scale
            st = solve_state(problem_at(case, problem, dict(zip(params, theta, strict=True))),
                             disc)
            count[0] += 1
            outs = [build_output(o, case, st.system, st.solution, st.T) for o in outputs]
            p_at = [dataclasses.replace(p, value=float(t))
                    for p, t in zip(params, theta, strict=True)]
            fn = tangent_sensitivities if mode == "forward" else sensitivities
            dJ = fn(case, st, outs, p_at)
            J = np.array([o.value for o in outs])
            cache.clear()
            cache[key] = ((J - y) / sigma, dJ * scale[None, :] / sigma[:, None])
        return cache[key]

    try:
        res = least_squares(lambda x: evaluate(x)[0], start / scale,
                            jac=lambda x: evaluate(x)[1], bounds=(lo / scale, hi / scale),
                            method="trf", x_scale=1.0, xtol=1e-10, ftol=1e-12, gtol=1e-10)
    except CaseError:
        raise
    except ConvergenceError as exc:
        raise ConvergenceError(f"fit: a forward solve failed: {exc}", exc.history) from exc
    r, W = evaluate(res.x)
    theta = res.x * scale
    return _statistics(spec, params, theta, W / scale[None, :], r, y, sigma, mode,
                       count[0], res.message)


def _statistics(spec: Any, params: list, theta: np.ndarray, W: np.ndarray, r: np.ndarray,
                y: np.ndarray, sigma: np.ndarray, mode: str, evaluations: int,
                status: str) -> FitResult:
    """Standard errors, correlation and identifiability at the optimum (module docstring)."""
    rel = W * np.abs(theta)[None, :]  # ∂r/∂ln θ
    _, s, vt = np.linalg.svd(rel, full_matrices=False)
    p = len(params)
    if s.size < p:
        s = np.r_[s, np.zeros(p - s.size)]
        vt = np.linalg.svd(np.vstack([rel, np.zeros((p - rel.shape[0], p))]))[2]
    weak = [i for i in range(p) if s[i] <= RANK_RTOL * s[0] or
            (s[i] > 0 and 1.0 / s[i] > MAX_REL_ERROR) or s[i] == 0]
    combos = []
    involved = np.zeros(p, bool)
    for i in weak:
        v = vt[i] / np.max(np.abs(vt[i]))
        combos.append({params[j].key: float(v[j]) for j in range(p) if abs(v[j]) > 1e-3})
        involved |= np.abs(v) > 1e-3
    se = np.full(p, np.nan)
    corr = np.full((p, p), np.nan)
    if not weak:
        cov = np.linalg.inv(W.T @ W)
        se = np.sqrt(np.diag(cov))
        corr = cov / np.outer(se, se)
    else:  # the determined part only: pseudo-inverse on the strong subspace
        keep = ~involved
        if keep.any():
            Wk = W[:, keep]
            cov = np.linalg.inv(Wk.T @ Wk)
            se[keep] = np.sqrt(np.diag(cov))
            corr[np.ix_(keep, keep)] = cov / np.outer(se[keep], se[keep])
    fitted = y + r * sigma
    return FitResult(
        keys=tuple(p_.key for p_ in params), units=tuple(p_.unit for p_ in params),
        estimates=theta, standard_errors=se, correlation=corr,
        measured={m: (float(v.T), float(v.sigma)) for m, v in spec.measurements.items()},
        fitted=fitted, chi2=float(r @ r), singular_values=s, non_identifiable=combos,
        gradient=GRADIENT_MODES[mode],
        evaluations=evaluations, status=str(status))
