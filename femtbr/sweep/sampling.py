"""Design of experiments: cartesian grids, zipped lists, random and Latin-hypercube samples.

Each function returns the list of points of a study, a point being ``{dotted case key: value}``.

Latin-hypercube sampling follows McKay, Beckman & Conover, "A comparison of three methods for
selecting values of input variables in the analysis of output from a computer code",
Technometrics 21(2), 239-245 (1979), as implemented by :class:`scipy.stats.qmc.LatinHypercube`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from femtbr.errors import CaseError

Point = dict[str, Any]


@dataclass(frozen=True)
class Range:
    """A sampling interval of one case key.

    Attributes
    ----------
    lo, hi
        Bounds in the key's SI unit, ``lo < hi``.
    log
        Sample uniformly in ``log(value)`` (needs ``lo > 0``).
    integer
        Round samples to the nearest integer (e.g. a fin count).
    """

    lo: float
    hi: float
    log: bool = False
    integer: bool = False

    def scale(self, u: np.ndarray) -> list[Any]:
        """Map unit-interval samples ``u`` in [0, 1) onto the range."""
        if self.log:
            x = np.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))
        else:
            x = self.lo + u * (self.hi - self.lo)
        if self.integer:
            return [int(v) for v in np.clip(np.rint(x), math.ceil(self.lo), math.floor(self.hi))]
        return [float(v) for v in x]


def grid(values: Mapping[str, Sequence[Any]]) -> list[Point]:
    """Cartesian product of the value lists, last key fastest."""
    keys = list(values)
    combos = itertools.product(*(values[k] for k in keys))
    return [dict(zip(keys, combo, strict=True)) for combo in combos]


def zipped(values: Mapping[str, Sequence[Any]], where: str = "sweep.zip") -> list[Point]:
    """Element-wise combination of equally long value lists."""
    lengths = {k: len(v) for k, v in values.items()}
    if len(set(lengths.values())) > 1:
        raise CaseError([(where, f"zipped lists must have equal lengths, got {lengths}")])
    keys = list(values)
    combos = zip(*(values[k] for k in keys), strict=True)
    return [dict(zip(keys, combo, strict=True)) for combo in combos]


def sample(ranges: Mapping[str, Range], n: int, method: str = "lhs", seed: int = 0) -> list[Point]:
    """``n`` seeded samples of the ranges, by ``"lhs"`` (Latin hypercube) or ``"random"``.

    Parameters
    ----------
    ranges
        Case key -> :class:`Range`.
    n
        Number of samples (>= 1).
    method
        ``"lhs"``: one sample per stratum of each key (McKay et al. 1979), randomised by
        :class:`scipy.stats.qmc.LatinHypercube`; ``"random"``: independent uniform samples.
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same samples.
    """
    if n < 1:
        raise CaseError([("sweep.sample.n", f"must be >= 1, got {n}")])
    keys = list(ranges)
    rng = np.random.default_rng(seed)
    if method == "lhs":
        from scipy.stats import qmc  # ~0.6 s to import: only when sampling

        u = qmc.LatinHypercube(d=len(keys), rng=rng).random(n)
    elif method == "random":
        u = rng.random((n, len(keys)))
    else:
        raise CaseError([("sweep.sample.method", f"must be 'lhs' or 'random', got {method!r}")])
    columns = {k: ranges[k].scale(u[:, j]) for j, k in enumerate(keys)}
    return [{k: columns[k][i] for k in keys} for i in range(n)]
