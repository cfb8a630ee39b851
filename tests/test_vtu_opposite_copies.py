"""The side-b copy of each side-a interface vertex written to ``interfaces.vtu`` (T_b)."""

from types import SimpleNamespace

import numpy as np

from femtbr.export.vtu import CoincidentPoints, opposite_copies


def test_pairs_triple_junction_and_lone_vertex():
    # (x, y) of 9 points; region of the single cell each point belongs to
    pts = np.array([[0, 0], [1, 0], [0, 0], [2, 0], [1, 0], [2, 0], [1, 0], [5, 5], [3, 0],
                    [3, 0]], float)
    region = np.array([0, 0, 1, 1, 1, 0, 2, 0, 0, 1])
    sol = SimpleNamespace(points=pts, cells=np.arange(len(pts))[:, None], region_id=region)
    side_a = np.array([0, 1, 5, 7, 8])
    # 0 ↔ 2, 5 ↔ 3 (lower index on side b), 8 ↔ 9; 1 has copies 4 (region 1) and 6
    # (region 2): the pairs face region 1, so 4; 7 has no copy
    want = [2, 4, 3, -1, 9]
    assert opposite_copies(sol, side_a).tolist() == want
    shared = CoincidentPoints(pts)
    assert opposite_copies(sol, side_a, shared).tolist() == want
    assert opposite_copies(sol, side_a[::-1], shared).tolist() == want[::-1]


def test_triple_junction_without_pairs_takes_the_first_copy():
    pts = np.array([[0, 0], [0, 0], [0, 0], [1, 1]], float)
    sol = SimpleNamespace(points=pts, cells=np.arange(4)[:, None], region_id=np.arange(4))
    assert opposite_copies(sol, np.array([1, 3])).tolist() == [0, -1]
