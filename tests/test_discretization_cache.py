"""The typed discretization cache: keyed by values, rebuilt to the same numbers after clear()."""

from __future__ import annotations

import numpy as np

from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.assembly.discretization_cache import BulkMatrix, FacetBlock
from femtbr.fem.meshes import tensor_mesh


def _disc() -> Discretization:
    m = tensor_mesh(np.linspace(0, 2, 7), np.linspace(0, 1, 4), None, "quad",
                    lambda c: np.where(c[:, 0] < 1, "a", "b"))
    return Discretization(m.interface_between("ab", "a", "b"), ["ab"])


def test_bulk_keyed_by_conductivities_and_clear_rebuilds_the_same():
    disc = _disc()
    A1 = disc.bulk_matrix({"a": 1.0, "b": 2.0})
    assert disc.bulk_matrix({"b": 2.0, "a": 1.0}) is A1  # same values: a hit
    assert disc.cache.bulk == BulkMatrix((("a", 1.0), ("b", 2.0)), A1)
    A3 = disc.bulk_matrix({"a": 3.0, "b": 6.0})  # other values: rebuilt, 3× the first
    assert A3 is not A1 and abs(A3 - 3.0 * A1).max() <= 1e-14 * abs(A1).max()
    w = disc.region_weights("a").copy()
    assert abs(w.sum() - 1.0) <= 1e-14  # the 1 m × 1 m region (per metre of depth)
    dofs = disc.edofs[:2]
    pos = disc.positions(FacetBlock("interface", "x"), dofs, dofs)
    assert disc.positions(FacetBlock("interface", "x"), dofs, dofs) is pos
    pattern = disc.pattern
    disc.cache.clear()
    assert disc.cache.bulk is None and not disc.cache.positions and disc.cache.pattern is None
    assert disc.cache.solver.amg is None
    assert abs(disc.bulk_matrix({"a": 3.0, "b": 6.0}) - A3).max() == 0.0
    assert np.array_equal(disc.region_weights("a"), w)
    assert all(np.array_equal(x, y) for x, y in zip(disc.pattern, pattern, strict=True))
    assert np.array_equal(disc.positions(FacetBlock("interface", "x"), dofs, dofs), pos)
