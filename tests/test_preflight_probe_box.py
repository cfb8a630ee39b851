"""The probe bounding-box test of the preflight against the explicit per-cell boxes."""

import numpy as np
import pytest

from femtbr.pipeline.preflight import in_some_cell_box


@pytest.mark.parametrize("dim", [2, 3])
def test_bit_test_equals_explicit_boxes(dim):
    rng = np.random.default_rng(dim)
    points = rng.random((60, dim))
    cells = rng.integers(0, 60, size=(25, dim + 1))
    cells[:, 0] = np.arange(25)  # a few distinct vertices per cell
    lo, hi = points[cells].min(axis=1), points[cells].max(axis=1)
    tol = 1e-9
    probes = np.vstack([rng.random((200, dim)) * 1.4 - 0.2, lo[:5], hi[:5]])
    for x in probes:
        want = bool(np.any(np.all((x >= lo - tol) & (x <= hi + tol), axis=1)))
        assert in_some_cell_box(points, cells, x, tol) is want
