"""k(T) and cp(T) tables: piecewise-linear by default (as documented), power law on request."""

from __future__ import annotations

import math

import numpy as np
import pytest

from femtbr import materials
from femtbr.errors import CaseError, MaterialError
from femtbr.materials import PropertyTable
from femtbr.pipeline import load_case

CASES = "cases"


def test_linear_is_the_default_and_gives_the_documented_midpoint():
    t = PropertyTable((300.0, 310.0), (1.0, 6.0))
    y, dy = t(305.0)
    assert y == pytest.approx(3.5, rel=1e-15)  # (1 + 6)/2: the documented example
    assert dy == pytest.approx(0.5, rel=1e-15)  # (6 − 1)/(310 − 300)


def test_power_interpolation_on_request():
    t = PropertyTable((300.0, 310.0), (1.0, 6.0), interpolation="power")
    y, dy = t(305.0)
    s = math.log(6.0) / math.log(310.0 / 300.0)  # ln y linear in ln T
    assert y == pytest.approx((305.0 / 300.0) ** s, rel=1e-14)  # 2.466, the old behaviour
    assert dy == pytest.approx(s * y / 305.0, rel=1e-14)


def test_linear_jacobian_is_one_sided_at_breakpoints():
    t = PropertyTable((100.0, 200.0, 400.0), (10.0, 30.0, 20.0))
    slopes = (30.0 - 10.0) / 100.0, (20.0 - 30.0) / 200.0
    # at an interior breakpoint: the right-hand (upper segment's) slope
    assert t(200.0)[1] == pytest.approx(slopes[1], rel=1e-15)
    assert t(100.0)[1] == pytest.approx(slopes[0], rel=1e-15)
    # the last point takes the last segment (there is no segment above it)
    assert t(400.0)[1] == pytest.approx(slopes[1], rel=1e-15)
    # inside a segment: finite differences of the value
    T = np.array([130.0, 170.0, 250.0, 390.0])
    eps = 1e-3
    fd = (t(T + eps)[0] - t(T - eps)[0]) / (2 * eps)
    np.testing.assert_allclose(t(T)[1], fd, rtol=1e-9)
    # outside: clamped value, zero slope (with a RangeWarning)
    with pytest.warns(materials.RangeWarning):
        y, dy = t(np.array([50.0, 500.0]))
    np.testing.assert_array_equal(y, [10.0, 20.0])
    np.testing.assert_array_equal(dy, [0.0, 0.0])


def test_unknown_interpolation_is_refused():
    with pytest.raises(ValueError, match="interpolation"):
        PropertyTable((1.0, 2.0), (1.0, 2.0), interpolation="cubic")
    with pytest.raises(MaterialError, match=r"'x': cp: bad table: interpolation"):
        materials.from_dict("x", {"cp": {"T": [1, 2], "cp": [1, 2], "interpolation": "cubic"}})


def test_material_tables_follow_their_interpolation():
    m = materials.from_dict("x", {"k": {"T": [300, 310], "k": [1, 6]},
                                  "cp": {"T": [300, 310], "cp": [100, 600]}})
    assert m.conductivity(305.0)[0] == pytest.approx(3.5)
    assert m.specific_heat(305.0) == pytest.approx(350.0)
    p = materials.from_dict("y", {"cp": {"T": [300, 310], "cp": [100, 600],
                                         "interpolation": "power"}})
    s = math.log(6.0) / math.log(310.0 / 300.0)
    assert p.specific_heat(305.0) == pytest.approx(100.0 * (305.0 / 300.0) ** s)


def test_case_accepts_k_and_cp_tables():
    case = load_case(f"{CASES}/multilayer_stack.toml", [
        "materials.die.k={T=[300, 310], k=[100, 600]}",
        "materials.die.cp={T=[300, 310], cp=[100, 600]}",
        'materials.solder.k={T=[300, 310], k=[10, 60], interpolation="power"}',
    ])
    from femtbr.pipeline.prepare import material_of

    die = material_of("die", case.materials["die"])
    assert die.conductivity(305.0)[0] == pytest.approx(350.0)
    assert die.specific_heat(305.0) == pytest.approx(350.0)
    solder = material_of("solder", case.materials["solder"])
    assert solder.conductivity(305.0)[0] == pytest.approx(10 * 6 ** (math.log(305 / 300)
                                                                      / math.log(310 / 300)))


def test_a_bad_big_table_gives_a_short_message():
    T = ", ".join(str(300 + i) for i in range(800))
    cp = ", ".join("500" for _ in range(799))
    with pytest.raises(CaseError) as info:
        load_case(f"{CASES}/multilayer_stack.toml", [f"materials.die.cp={{T=[{T}], cp=[{cp}]}}"])
    text = str(info.value)
    assert "materials.die.cp" in text
    assert all(len(line) < 300 for line in text.splitlines())
    with pytest.raises(CaseError) as info:
        load_case(f"{CASES}/multilayer_stack.toml", [f"materials.die.cp=[{cp}]"])
    assert all(len(line) < 300 for line in str(info.value).splitlines())
