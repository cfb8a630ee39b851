"""The one parameter declaration (:class:`femtbr.params.Param`) shared by models, builders and
materials: kinds, inclusive/exclusive bounds, choices, conversion, error naming, description."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from femtbr.errors import CaseError, MaterialError, ModelError
from femtbr.params import Param, param, specs


class Wrong(Exception):
    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


def fail(spec: Param, value: object) -> Wrong:
    with pytest.raises(Wrong) as info:
        spec.check(value, "a.b", Wrong)
    assert info.value.where == "a.b"
    return info.value


# ----------------------------------------------------------------------------- bounds
@pytest.mark.parametrize("lo_inclusive, ok_at_lo", [(True, True), (False, False)])
@pytest.mark.parametrize("hi_inclusive, ok_at_hi", [(True, True), (False, False)])
def test_bounds_inclusive_and_exclusive(lo_inclusive, ok_at_lo, hi_inclusive, ok_at_hi):
    spec = Param("x", lo=-1.0, hi=0.5, lo_inclusive=lo_inclusive, hi_inclusive=hi_inclusive)
    assert spec.check(0.0, "a.b", Wrong) == 0.0
    for edge, ok in ((-1.0, ok_at_lo), (0.5, ok_at_hi)):
        if ok:
            assert spec.check(edge, "a.b", Wrong) == edge
        else:
            fail(spec, edge)
    # just outside is always rejected, whatever the flags
    for outside in (math.nextafter(-1.0, -2.0), math.nextafter(0.5, 1.0)):
        fail(spec, outside)


def test_bound_messages_name_the_operator_unit_and_value():
    spec = Param("sigma", unit="m", positive=True, hi=1e-3)
    assert fail(spec, 0).message == "must be > 0 [m], got 0"
    assert fail(spec, 2e-3).message == "must be <= 0.001 [m], got 0.002"
    assert fail(Param("n", lo=1, kind="int"), 0).message == "must be >= 1, got 0"
    open_hi = Param("nu", unit="-", lo=-1.0, hi=0.5, hi_inclusive=False)
    assert fail(open_hi, 0.5).message == "must be < 0.5 [-], got 0.5"


def test_positive_is_an_exclusive_zero_lower_bound():
    spec = Param("h", positive=True)
    assert (spec.lo, spec.lo_inclusive) == (0.0, False)
    assert spec.check(1e-300, "a.b", Wrong) == 1e-300
    fail(spec, 0.0)
    with pytest.raises(ValueError, match="not both"):
        Param("h", lo=1.0, positive=True)


# ----------------------------------------------------------------------------- kinds
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_numbers_must_be_finite(value):
    assert "finite" in fail(Param("x"), value).message


@pytest.mark.parametrize("value", [True, "3", [1.0], {"x": 1.0}])
def test_a_float_rejects_what_is_not_a_number(value):
    assert fail(Param("x", unit="K"), value).message.startswith("must be a number [K], got ")


def test_numbers_are_converted_int_and_float():
    import numpy as np

    assert type(Param("x").check(3, "a.b", Wrong)) is float
    assert type(Param("x").check(np.float32(0.5), "a.b", Wrong)) is float
    n = Param("n", kind="int")
    assert n.check(4.0, "a.b", Wrong) == 4 and type(n.check(4.0, "a.b", Wrong)) is int
    assert fail(n, 2.5).message == "must be an integer, got 2.5"


def test_other_kinds_and_unions():
    assert Param("b", kind="bool").check(False, "a.b", Wrong) is False
    assert fail(Param("b", kind="bool"), 0).message == "must be true or false, got 0"
    assert Param("s", kind="list").check((1, 2), "a.b", Wrong) == [1, 2]
    assert fail(Param("s", kind="str"), 3).message == "must be a string, got 3"
    either = Param("up", kind=("float", "table"), positive=True)
    assert either.check({"model": "constant"}, "a.b", Wrong) == {"model": "constant"}
    assert fail(either, "x").message == "must be a number or a table, got 'x'"
    assert fail(either, -1.0).message == "must be > 0, got -1.0"  # bounds apply to numbers
    with pytest.raises(ValueError, match="unknown kind 'vector'"):
        Param("v", kind="vector")


def test_choices_and_none():
    spec = Param("form", "correlation", kind="str", choices=("correlation", "theory"))
    assert spec.check("theory", "a.b", Wrong) == "theory"
    assert fail(spec, "fit").message == "must be one of ['correlation', 'theory'], got 'fit'"
    assert spec.check(None, "a.b", Wrong) is None  # absence is the caller's decision


# ----------------------------------------------------------------------------- describe
def test_describe_and_allowed_text():
    d = Param("sigma", 1e-6, "m", "roughness", positive=True, hi=1e-3).describe()
    assert d["unit"] == "m" and d["doc"] == "roughness" and d["default"] == 1e-6
    assert d["range"] == [0.0, 1e-3] and d["range_inclusive"] == [False, True]
    assert d["allowed"] == "(0, 0.001]" and d["kind"] == "float" and not d["required"]
    assert Param("x", lo=1.0).allowed() == "[1, inf)"
    assert Param("x", hi=2.0, hi_inclusive=False).allowed() == "(-inf, 2)"
    assert Param("x", kind="str", choices=("a", "b")).allowed() == "one of 'a', 'b'"


def test_dataclass_fields_declared_with_param():
    @dataclass(frozen=True)
    class Thing:
        k: float = param(unit="W/(m K)", positive=True, doc="conductivity")
        layers: list = param([1], kind="list", unit="-")
        other: int = 3

    declared = specs(Thing)
    assert list(declared) == ["k", "layers"]
    assert declared["k"].name == "k" and declared["k"].required
    assert declared["layers"].default == [1] and not declared["layers"].required
    assert Thing(k=1.0).layers is not Thing(k=1.0).layers  # a fresh list per instance


# ----------------------------------------------------------------------------- callers
def test_each_caller_raises_its_own_error_naming_its_key():
    from femtbr import materials, models
    from femtbr.geometry import get_builder

    with pytest.raises(ModelError, match=r"^cmy\.sigma: must be <= 0\.001 \[m\], got 0\.01$"):
        models.create("cmy", k_s=100.0, sigma=1e-2, m=0.1, H_c=1e9)
    with pytest.raises(CaseError) as info:
        get_builder("stack").resolve({"grading": 5.0})
    assert info.value.problems == [("geometry.grading", "must be <= 3, got 5.0")]
    with pytest.raises(MaterialError, match=r"^material 'x': nu: must be < 0\.5 \[-\], got 0\.5$"):
        materials.from_dict("x", {"k": 1.0, "nu": 0.5})


def test_material_units_come_from_the_declarations():
    from femtbr.materials import properties, property_units

    units = property_units()
    assert units["density"] == "kg/m^3" and units["conductivity"] == units["k"] == "W/(m K)"
    assert properties()["c2"]["range"] == [-1.0, 1.0]
    assert properties()["gamma"]["range_inclusive"] == [False, False]


def test_list_entry_numbers_of_a_builder_are_checked_the_same_way():
    from femtbr.geometry import build

    layer = {"name": "a", "material": "silicon", "thickness": float("nan")}
    with pytest.raises(CaseError) as info:
        build("stack", {"layers": [layer]})
    assert info.value.problems == [("geometry.layers[0].thickness",
                                    "must be a finite number, got nan")]
