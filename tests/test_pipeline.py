"""femtbr.pipeline: what checking a case builds is what the run uses (built once per run)."""

from __future__ import annotations

from pathlib import Path

import pytest

import femtbr
from femtbr import pipeline
from femtbr.pipeline.geometry import build_geometry

CASE = Path(__file__).resolve().parents[1] / "cases" / "multilayer_stack.toml"


def test_run_uses_the_geometry_materials_and_models_check_built(monkeypatch):
    calls = []

    def counting(table, base_dir):
        calls.append(table.get("builder"))
        return build_geometry(table, base_dir)

    loaded = pipeline.load(CASE, geometry=counting)
    assert calls == ["stack"]
    assert set(loaded.materials) == set(loaded.case.materials)
    assert set(loaded.models) == set(loaded.case.interfaces)

    def rebuilt(*args, **kwargs):
        raise AssertionError("built again")

    monkeypatch.setattr(pipeline.prepare, "material_of", rebuilt)
    monkeypatch.setattr(pipeline.prepare, "interface_model", rebuilt)
    monkeypatch.setattr(pipeline.geometry, "build_geometry", rebuilt)
    handed = pipeline.run(loaded, write=False)
    assert calls == ["stack"]  # no second mesh
    prepared = pipeline.prepare.prepare(
        loaded.case, loaded.geometry, materials=loaded.materials, models=loaded.models
    )
    for name, model in loaded.models.items():  # the very objects check built
        assert prepared.problem.interfaces[name].model is model
    monkeypatch.undo()
    fresh = femtbr.run(femtbr.load_case(CASE), write=False)  # a plain case builds its own
    assert fresh.summary["regions"] == handed.summary["regions"]


def test_a_plain_run_keeps_no_module_level_cache():
    """Two loads of the same case build two geometries: nothing is cached behind the caller's
    back (a sweep worker keeps its own :class:`~femtbr.pipeline.Reuse`)."""
    a = pipeline.load(CASE).geometry
    b = pipeline.load(CASE).geometry
    assert a is not b


def test_reuse_keeps_geometry_and_discretization_by_a_typed_key():
    reuse = pipeline.Reuse()
    first = pipeline.load(CASE, geometry=reuse.geometry)
    again = pipeline.load(CASE, {"interfaces.die_solder.h": 2e5}, geometry=reuse.geometry)
    assert first.geometry is again.geometry
    key = pipeline.DiscretizationKey.of(first.case)
    assert key == pipeline.DiscretizationKey.of(again.case)
    assert hash(key) == hash(pipeline.DiscretizationKey.of(again.case))
    r1 = pipeline.run(first, write=False, reuse=reuse)
    r2 = pipeline.run(again, write=False, reuse=reuse)
    assert (r1.summary["sweep"]["reused"], r2.summary["sweep"]["reused"]) == (0.0, 1.0)
    assert (reuse.stats.built, reuse.stats.reused) == (1, 1)
    # the reused discretization gives the numbers of a cold solve
    cold = pipeline.run(again, write=False)
    for name, region in cold.summary["regions"].items():
        assert r2.summary["regions"][name]["T_max"] == pytest.approx(region["T_max"], rel=1e-12)
