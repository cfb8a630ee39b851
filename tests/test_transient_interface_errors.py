"""A conductance model evaluated by the transient system names ``interfaces.<name>`` as the
steady assembly does (issue 14): the linearity probe goes through ``System.conductance``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from femtbr.errors import CaseError, ModelError
from femtbr.pipeline import load
from femtbr.pipeline.prepare import prepare

CASE = Path(__file__).resolve().parents[1] / "cases" / "cpu_power_pulse.toml"


class FailsAt:
    """A model that rejects its evaluation point: pressure always, or T above ``T_max``."""

    def __init__(self, quantity: str, T_max: float = np.inf):
        self.quantity, self.T_max = quantity, T_max

    def conductance(self, T, p):
        T = np.asarray(T, float)
        if self.quantity == "p" or np.any(T > self.T_max):
            raise ModelError("out of range", model="fails", quantity=self.quantity)
        return np.full(T.shape, 1e5), np.zeros(T.shape)


def system_with(model):
    from femtbr.fem.backends import system_for
    from femtbr.fem.solve import discretize

    loaded = load(CASE, {"geometry.mesh_size": "5 mm"})
    models = {**loaded.models, "die_tim1": model}
    problem = prepare(loaded.case, loaded.geometry, materials=loaded.materials,
                      models=models).problem
    return system_for(problem, discretize(problem))


def test_bad_pressure_names_the_interface_key():
    from femtbr.fem.transient.transient_system import _interfaces_linear

    with pytest.raises(CaseError) as err:
        _interfaces_linear(system_with(FailsAt("p")))
    assert [k for k, _ in err.value.problems] == ["interfaces.die_tim1.pressure"]


def test_model_out_of_its_temperature_range_at_the_probe_is_treated_as_nonlinear():
    from femtbr.fem.transient.transient_system import _interfaces_linear

    # 800 K is only a probe point of the linearity test, not a temperature of the run
    assert _interfaces_linear(system_with(FailsAt("T", T_max=500.0))) is False


class NegativeBelow:
    """h = 1e5 (1 + 0.05 (T − 300 K)): negative below 280 K, e.g. at the 250 K probe point."""

    def conductance(self, T, p):
        T = np.asarray(T, float)
        return 1e5 * (1 + 0.05 * (T - 300.0)), np.full(T.shape, 5e3)


def test_negative_h_at_a_probe_point_is_not_an_error_of_the_run():
    from femtbr.fem.transient.transient_system import _interfaces_linear

    assert _interfaces_linear(system_with(NegativeBelow())) is False
