"""Model registry: built-ins, entry-point plugins, errors that list the choices."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest

from femtbr.errors import ModelError
from femtbr.models import ModelBase, available, create, describe, param, registry

OURS = [
    "cmy", "constant", "contact", "elastoplastic", "gap_radiation", "gas_gap", "joint",
    "microcontact", "mikic_elastic", "parallel", "series", "table",
]  # fmt: skip


@dataclass(frozen=True)
class Doubler(ModelBase):
    """A third-party model: h = 2 h0 (T/300)."""

    h0: float = param(1.0, unit="W/(m^2 K)", lo=0)
    summary = "plugin test model"

    def conductance(self, T, p):
        T = np.asarray(T, float)
        return 2.0 * self.h0 * T / 300.0, np.full(T.shape, 2.0 * self.h0 / 300.0)


class FakeEntryPoint:
    def __init__(self, name, target=None, error=None):
        self.name, self.value, self._target, self._error = name, f"fakepkg:{name}", target, error

    def load(self):
        if self._error is not None:
            raise self._error
        return self._target


@pytest.fixture
def plugins(monkeypatch):
    """Install fake entry points in femtbr.models.registry; restore the registry afterwards."""
    eps = []

    def fake_entry_points(group=None):
        assert group == registry.ENTRY_POINT_GROUP
        return list(eps)

    available()  # load the built-ins first, so that teardown can restore exactly them
    before = dict(registry._REGISTRY)
    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    registry.reload_plugins()
    yield eps
    registry._REGISTRY.clear()
    registry._REGISTRY.update(before)
    registry.reload_plugins()


def test_builtins_available_and_described():
    names = available()
    assert set(OURS) <= set(names)
    for name in OURS:
        d = describe(name)
        assert d["name"] == name and "parameters" in d and d["summary"]
        json.dumps(d)  # the CLI prints it


def test_unknown_name_lists_choices():
    with pytest.raises(ModelError, match=r"unknown model 'cmyy'.*available models:.*cmy.*series"):
        create("cmyy")


def test_unknown_parameter_lists_parameters():
    with pytest.raises(ModelError, match=r"model 'constant'.*parameters are: h"):
        create("constant", h=1.0, hh=2.0)


def test_plugin_found_by_name(plugins):
    plugins.append(FakeEntryPoint("doubler", Doubler))
    assert "doubler" in available()
    model = create("doubler", h0=5.0)
    h, dh = model.conductance(np.array([300.0, 600.0]), 0.0)
    np.testing.assert_allclose(h, [10.0, 20.0])
    assert describe("doubler")["parameters"]["h0"]["unit"] == "W/(m^2 K)"
    # usable inside compositions by name
    par = create("parallel", parts=[{"model": "doubler", "h0": 1.0}, {"model": "constant", "h": 1}])
    assert par.conductance(300.0, 0.0)[0] == pytest.approx(3.0)


def test_broken_plugin_warns_and_others_survive(plugins):
    plugins.append(FakeEntryPoint("broken", error=ImportError("no module named fakepkg")))
    plugins.append(FakeEntryPoint("doubler", Doubler))
    with pytest.warns(RuntimeWarning, match="broken.*failed to load"):
        names = available()
    assert "broken" not in names and "doubler" in names and "cmy" in names


def test_plugin_cannot_shadow_builtin(plugins):
    plugins.append(FakeEntryPoint("constant", Doubler))
    assert create("constant", h=3.0).conductance(300.0, 0.0)[0] == 3.0
