"""Mutated case files reach the loader: only femtbr errors (never a crash) come out."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stack_cases import stack_geometry

from femtbr.errors import FemtbrError
from femtbr.pipeline import validate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BASE = tomllib.loads(
    stack_geometry(name="fuzz", source_size="2 mm", power=1.0)
    + """[interfaces.die_cu]
model = "series"
parts = [{model = "dmm"}, {model = "constant", h = 1e5}]
pressure = "1 MPa"
[boundaries.bottom]
type = "convection"
h = 1000.0
T_inf = "25 degC"
[solver]
rtol = 1e-9
[probes]
p = ["1 mm", 0.0]
"""
)
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["50 um", "-1 mm", "3 kg", "85 degC", "nan", "copper", "dmm", "1e400 Pa"]),
    st.lists(st.integers(-2, 2), max_size=3),
    st.dictionaries(
        st.sampled_from(["model", "use", "h", "x", "type"]), st.text(max_size=5), max_size=2
    ),
)


def paths(node, prefix=()):
    """Every key path of a nested dict/list."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k)
            yield from paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*prefix, i)
            yield from paths(v, (*prefix, i))


ALL_PATHS = list(paths(BASE))


def mutate(raw, path, action, value):
    import copy

    out = copy.deepcopy(raw)
    node = out
    for k in path[:-1]:
        node = node[k]
    last = path[-1]
    if action == "delete":
        del node[last]
    elif action == "replace":
        node[last] = value
    elif isinstance(node, dict):  # add a sibling key
        node[f"{last}_x"] = value
    else:
        node.append(value)
    return out


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["delete", "replace", "add"]), junk),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_cases_raise_only_femtbr_errors(mutations):
    raw = BASE
    for path, action, value in mutations:
        try:
            raw = mutate(raw, path, action, value)
        except (KeyError, IndexError, TypeError, AttributeError):
            continue  # an earlier mutation removed the path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            validate(raw)
        except FemtbrError as exc:
            assert str(exc)
            assert exc.exit_code == 2


def test_base_of_the_fuzz_is_valid():
    assert validate(BASE).name == "fuzz"


@pytest.mark.parametrize("text", ["", "name = 1", "[geometry]\nbuilder = 3", "x = [1,"])
def test_small_garbage(text, tmp_path):
    from femtbr.pipeline import load_case

    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(FemtbrError):
        load_case(p)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("geometry", "layers"), None),
        (("probes", "p"), "abc"),
        (("interfaces", "die_cu", "parts"), [1]),
        (("name",), None),
        (("geometry", "sources", 0, "power"), "1e400 W"),
        (("interfaces", "die_cu", "parts", 0), {"model": "x"}),
        (("geometry", "dim"), float("nan")),
        (("interfaces", "die_cu", "pressure"), "nan"),
        (("geometry",), {"type": "x"}),
        (("materials",), [1]),
        (("interfaces", "die_cu", "parts", 1, "h"), float("inf")),
        (("boundaries", "bottom", "type"), "convection+radiation"),
    ],
)
def test_known_mutations(path, value):
    with pytest.raises(FemtbrError) as exc:
        validate(mutate(BASE, path, "replace", value))
    assert exc.value.exit_code == 2


CASE_TEXT = (Path(__file__).resolve().parents[1] / "cases" / "multilayer_stack.toml").read_text()


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(CASE_TEXT) - 1),
            st.integers(0, 6),
            st.sampled_from(["", "-", "0", "x", "=", '"', "[", "]", "\n", " um", "e9"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_case_files_raise_only_femtbr_errors(edits, tmp_path):
    """Text-level edits (delete a few characters, insert junk) of a real case file."""
    from femtbr.pipeline import load_case

    text = CASE_TEXT
    for pos, n, ins in edits:
        pos = min(pos, len(text))
        text = text[:pos] + ins + text[pos + n :]
    p = tmp_path / "mutated.toml"
    p.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            load_case(p)
        except FemtbrError as exc:
            assert exc.exit_code == 2 and str(exc)
