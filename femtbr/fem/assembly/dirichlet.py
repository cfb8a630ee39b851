"""Merging the fixed-temperature (Dirichlet) conditions of several boundaries into one set.

Two fixed-temperature boundaries that meet share the nodes along their common edge (or corner).
Those nodes get the **arithmetic mean** of the boundaries' values, whatever order the boundaries
are listed in.  Why the mean: at a corner of opening angle β between two isothermal faces at
T₁ and T₂ the exact solution of Laplace's equation is T = T₁ + (T₂ − T₁) φ/β in the polar angle
φ (the classical wedge solution; Carslaw & Jaeger, *Conduction of Heat in Solids*, 2nd ed.,
§5.2), so the corner value is undefined and the mean over the angles is (T₁ + T₂)/2: the
shared node is the one point where both data hold in the mean, and the rule is symmetric in
the boundaries.  When the values differ, a warning names both boundaries (once per pair).

The owner label of a shared node — the boundary its Dirichlet reaction heat is booked to — is
the alphabetically first of the boundaries that share it (again independent of the order).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

log = logging.getLogger(__name__)


def merge_fixed(
    parts: Sequence[tuple[str, np.ndarray, np.ndarray]], warn: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique constrained DOFs, their values [K] and owner boundary, from per-boundary parts.

    Parameters
    ----------
    parts
        ``(boundary name, DOFs, values [K])`` of each fixed-temperature boundary.
    warn
        Log a warning for every pair of boundaries that share DOFs with different values.

    Returns
    -------
    dofs, values, owners
        Sorted unique DOFs; the mean of the values prescribed on each; and per DOF the
        alphabetically first boundary prescribing it.
    """
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0, dtype=str)
    names = [p[0] for p in parts]
    d = np.concatenate([np.asarray(p[1], np.int64) for p in parts])
    v = np.concatenate(
        [np.broadcast_to(np.asarray(p[2], float), np.shape(p[1])) for p in parts]
    )
    rank = np.argsort(np.argsort(names))  # alphabetical rank of each part
    r = np.concatenate([np.full(len(p[1]), rank[i]) for i, p in enumerate(parts)])
    dofs, inv, count = np.unique(d, return_inverse=True, return_counts=True)
    vals = np.bincount(inv, weights=v, minlength=dofs.size) / count
    best = np.full(dofs.size, len(parts))
    np.minimum.at(best, inv, r)
    by_rank = np.array(sorted(names), dtype=object)
    owners = by_rank[best].astype(str)
    if warn and np.any(count > 1):
        _warn_shared(parts)
    return dofs, vals, owners


def _warn_shared(parts: Sequence[tuple[str, np.ndarray, np.ndarray]]) -> None:
    order = sorted(range(len(parts)), key=lambda i: parts[i][0])
    for ia, a in enumerate(order):
        for b in order[ia + 1:]:
            na, da, va = parts[a]
            nb, db, vb = parts[b]
            common, ja, jb = np.intersect1d(da, db, assume_unique=True, return_indices=True)
            if common.size == 0:
                continue
            ta = np.broadcast_to(np.asarray(va, float), np.shape(da))[ja]
            tb = np.broadcast_to(np.asarray(vb, float), np.shape(db))[jb]
            if np.allclose(ta, tb, rtol=1e-12, atol=0.0):
                continue
            log.warning(
                "fixed-temperature boundaries %r and %r share %d node(s) with different values "
                "(e.g. %.6g K and %.6g K): the shared nodes take the mean of the two",
                na, nb, common.size, float(ta[0]), float(tb[0]),
            )
