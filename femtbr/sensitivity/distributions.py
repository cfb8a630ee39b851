"""Input distributions of ``[uncertainty]``: moments and seeded draws.

* normal N(μ, σ²);
* lognormal with mean μ and standard deviation σ of the variable itself:
  s² = ln(1 + σ²/μ²), m = ln μ − s²/2, X = exp(m + s Z) (Johnson, Kotz & Balakrishnan,
  *Continuous Univariate Distributions* vol. 1, 2nd ed. (1994), eq. 14.8a–b);
* uniform on [a, b]: mean (a + b)/2, σ = (b − a)/√12.

Draws map a uniform point u ∈ (0, 1)^d through each inverse CDF: ``lhs`` takes u from a
Latin hypercube (McKay, Beckman & Conover, Technometrics 21 (1979) 239;
:class:`scipy.stats.qmc.LatinHypercube`), ``random`` from plain Monte Carlo
(:func:`numpy.random.default_rng`); both seeded, so a study is reproducible from its seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Marginal:
    """One input's distribution with resolved numbers (SI): ``kind``, ``mean``, ``std``,
    ``low``/``high`` (uniform bounds)."""

    kind: str
    mean: float
    std: float
    low: float = float("nan")
    high: float = float("nan")

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF at ``u`` ∈ (0, 1)."""
        if self.kind == "uniform":
            return self.low + (self.high - self.low) * u
        if self.kind == "normal":
            return stats.norm.ppf(u, loc=self.mean, scale=self.std)
        s2 = np.log1p((self.std / self.mean) ** 2)
        return np.exp(np.log(self.mean) - 0.5 * s2 + np.sqrt(s2) * stats.norm.ppf(u))


def marginal(spec: object, nominal: float) -> Marginal:
    """Resolve an ``[uncertainty.parameters]`` entry (:class:`femtbr.case.analysis_spec.
    Distribution`); ``nominal`` (the case's value) is the default mean."""
    if spec.distribution == "uniform":
        lo, hi = float(spec.min), float(spec.max)
        return Marginal("uniform", 0.5 * (lo + hi), (hi - lo) / np.sqrt(12.0), lo, hi)
    mean = float(spec.mean) if spec.mean is not None else float(nominal)
    std = float(spec.std) if spec.std is not None else abs(mean) * float(spec.rel_std)
    if spec.distribution == "lognormal" and not mean > 0:
        raise ValueError(f"lognormal needs a mean > 0, got {mean}")
    return Marginal(spec.distribution, mean, std)


def draw(marginals: list[Marginal], samples: int, sampler: str, seed: int) -> np.ndarray:
    """``samples`` seeded draws, shape (samples, len(marginals))."""
    d = len(marginals)
    if sampler == "lhs":
        u = stats.qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(samples)
    else:
        u = np.random.default_rng(seed).random((samples, d))
    u = np.clip(u, 1e-12, 1 - 1e-12)
    return np.column_stack([m.ppf(u[:, i]) for i, m in enumerate(marginals)])
