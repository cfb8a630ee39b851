"""Every quantity in a case is converted with the unit its key declares or rejected at its key
path (issue 14 item 3): builder parameters, builder list entries (layers, sources, hot spots),
list-valued lengths, waveforms, sweep values and ranges; and the size guard sees the case's
``solver.max_dofs`` and ``solver.order``."""

from __future__ import annotations

from pathlib import Path

import pytest

from femtbr.errors import CaseError
from femtbr.geometry.base import estimate_size
from femtbr.pipeline import load

CASES = Path(__file__).resolve().parents[1] / "cases"
STACK = CASES / "multilayer_stack.toml"  # 3 layers, one 10 mm x 10 mm source of 10 W on top
FILM = CASES / "thin_film_kapitza.toml"  # 2D: 100 nm Al / 100 nm Si / 1 um diamond
CPU = CASES / "cpu_heatsink.toml"
PULSE = CASES / "cpu_power_pulse.toml"


def problems(path: Path, overrides: dict) -> dict[str, str]:
    with pytest.raises(CaseError) as err:
        load(path, overrides)
    return dict(err.value.problems)


@pytest.mark.parametrize(
    ("path", "key", "value", "dimension"),
    [
        (STACK, "geometry.layers[0].thickness", "3 kg", "[mass]"),
        (STACK, "geometry.layers[1].power", "2 K", "[temperature]"),
        (STACK, "geometry.sources[0].power", "10 s", "[time]"),
        (STACK, "geometry.sources[0].size", "10 W", "[mass] * [length] ** 2 / [time] ** 3"),
        (STACK, "geometry.width", "3 kg", "[mass]"),
        (CPU, "geometry.die_thickness", "1 Pa", "[mass] / [length] / [time] ** 2"),
    ],
)
def test_wrong_dimension_rejected_at_its_key_path(path, key, value, dimension):
    found = problems(path, {key: value})
    assert list(found) == [key]
    assert dimension in found[key] and "expected a quantity in [" in found[key]


def test_list_elements_and_nested_lists_name_their_index():
    found = problems(STACK, {"geometry.sources[0].size": ["10 mm", "3 kg"]})
    assert list(found) == ["geometry.sources[0].size[1]"]
    found = problems(CPU, {"geometry.die_size": ["12 mm", "1 s"]})
    assert list(found) == ["geometry.die_size[1]"]
    found = problems(CPU, {"geometry.hotspots": [{"name": "h", "size": "1 mm",
                                                  "centre": ["0 mm", "2 kg"], "power": "5 W"}]})
    assert list(found) == ["geometry.hotspots[0].centre[1]"]


def test_layer_thickness_converted_with_its_unit():
    # the 2D section's height is the sum of the layer thicknesses: 0.1 + 0.25 + 1 um
    geo = load(FILM, {"geometry.layers[1].thickness": "250 nm"}).geometry
    y = geo.mesh.points[:, 1]
    assert y.max() - y.min() == pytest.approx(1.35e-6, rel=1e-12)


def test_source_power_converted_with_its_unit():
    # 10000 mW over the 10 mm x 10 mm top is a flux of 10 W / 1e-4 m^2 = 1e5 W/m^2
    case = load(STACK, {"geometry.sources[0].power": "10000 mW"}).case
    assert case.boundaries["source_chip"].q == pytest.approx(1e5, rel=1e-12)


def test_builder_numbers_must_be_finite():
    found = problems(FILM, {"geometry.min_cells_per_layer": float("nan")})
    assert "geometry.min_cells_per_layer" in found
    found = problems(STACK, {"geometry.grading": float("inf")})
    assert "finite" in found["geometry.grading"]


def test_model_number_parameter_rejects_a_list():
    found = problems(STACK, {"interfaces.die_solder.h": [1, 2]})
    assert "must be a number" in found["interfaces.die_solder.h"]


def test_waveform_quantities_checked():
    found = problems(PULSE, {"transient.power.die.period": "2 kg"})
    assert any(k.startswith("transient.power.die") and "[mass]" in m for k, m in found.items())


def sweep_case(tmp_path: Path, parameters: str, mode: str = "grid") -> Path:
    text = STACK.read_text() + f'\n[sweep]\nmode = "{mode}"\nsamples = 3\n[sweep.parameters]\n'
    path = tmp_path / "study.toml"
    path.write_text(text + parameters + "\n")
    return path


def test_sweep_values_checked_against_the_swept_key(tmp_path):
    path = sweep_case(tmp_path, '"interfaces.die_solder.h" = ["1e5 W/m^2/K", "3 kg"]')
    found = problems(path, {})
    key = "sweep.parameters.'interfaces.die_solder.h'[1]"
    assert list(found) == [key] and "[mass]" in found[key]
    path = sweep_case(tmp_path, '"geometry.layers[0].thickness" = {min = "1 s", max = "1 mm"}',
                      mode="random")
    found = problems(path, {})
    key = "sweep.parameters.'geometry.layers[0].thickness'.min"
    assert "[time]" in found[key]  # (1 s read as 1 also makes min > max: reported too)


def test_sweep_values_in_the_right_unit_pass(tmp_path):
    path = sweep_case(tmp_path, '"interfaces.die_solder.h" = ["1e5 W/m^2/K", "2e5 W/m^2/K"]')
    assert load(path).case.sweep is not None


def uncertainty_case(tmp_path: Path, distribution: str) -> Path:
    text = (STACK.read_text() + '\n[uncertainty]\nmethod = "first_order"\n'
            '[uncertainty.parameters."interfaces.die_solder.h"]\n' + distribution + "\n")
    path = tmp_path / "uq.toml"
    path.write_text(text)
    return path


def test_uncertainty_quantities_checked_against_their_key(tmp_path):
    path = uncertainty_case(tmp_path, 'distribution = "normal"\nmean = "1e5 W/m^2/K"\n'
                                      'std = "2 s"')
    found = problems(path, {})
    key = "uncertainty.parameters.'interfaces.die_solder.h'.std"
    assert list(found) == [key] and "[time]" in found[key]
    path = uncertainty_case(tmp_path, 'distribution = "uniform"\nmin = "1 kg"\n'
                                      'max = "2e5 W/m^2/K"')
    assert "[mass]" in problems(path, {})["uncertainty.parameters.'interfaces.die_solder.h'.min"]
    path = uncertainty_case(tmp_path, 'distribution = "normal"\nmean = "1e5 W/m^2/K"\n'
                                      'std = "2e4 W/m^2/K"')
    assert load(path).case.uncertainty is not None


def test_max_dofs_and_order_reach_the_size_guard():
    params = {"dim": 3, "width": 0.01, "mesh_size": 0.0025, "layers": [
        {"name": "die", "material": "silicon", "thickness": 5e-4},
        {"name": "solder", "material": "sac305", "thickness": 1e-4},
        {"name": "spreader", "material": "copper", "thickness": 2e-3}],
        "sources": [{"name": "chip", "size": 0.01, "power": 10.0}], "h": 5000.0,
        "T_inf": 303.15}
    dofs1 = estimate_size("stack", params, order=1).dofs
    dofs2 = estimate_size("stack", params, order=2).dofs
    assert dofs2 > dofs1
    limit = {"solver.max_dofs": dofs1 + 1}
    load(STACK, limit)  # order 1 fits
    found = problems(STACK, {**limit, "solver.order": 2})
    assert len(found) == 1
    (message,) = found.values()
    assert f"more than {dofs1 + 1:.3g} DOFs (solver.max_dofs)" in message
