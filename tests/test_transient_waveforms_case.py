"""Waveforms in case files wherever the docs promise them (issue 13, item 6).

* ``[transient.temperature.<boundary>]``: a step in the fixed temperature of a slab's face
  against the Fourier series of the slab with the other face insulated.
* ``[transient.ambient.<boundary>]`` of every kind (constant, step, pulse, table) on a slab of
  Biot number 1e-4 against the lumped-capacitance ODE ρcL dT/dt = h (T∞(t) − T), solved in
  closed form segment by segment.
* Bad waveforms: errors at the case key path, never echoing a whole table.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from femtbr.errors import CaseError
from femtbr.pipeline import load_case, run

SLAB = """
name = "slab"
[geometry]
builder = "stack"
dim = 2
width = "1 mm"
layers = [{{ name = "slab", material = "silicon", thickness = "1 mm" }}]
sources = []
bottom = "{bottom}"
{bottom_keys}
min_cells_per_layer = 40
mesh_size = "1 mm"
[materials.slab]
k = {k}
density = 1000.0
cp = 1000.0
[probes]
back = ["0.5 mm", "1 mm"]
[transient]
t_end = {t_end}
dt = {dt}
scheme = "bdf2"
initial = "uniform"
T_initial = 300.0
save_every = 1000000
{waveform}
"""


def _case(tmp_path: Path, waveform: str, **kw) -> Path:
    fields = dict(bottom="temperature", bottom_keys="T_bottom = 300.0", k=100.0, t_end=2e-3,
                  dt=1e-5)
    fields.update(kw)
    p = tmp_path / "slab.toml"
    p.write_text(SLAB.format(waveform=waveform, **fields))
    return p


def _history(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    return (np.array([float(r["time_s"]) for r in rows]),
            np.array([float(r["probe_back"]) for r in rows]))


def slab_series(t, L, alpha, n_terms=200):
    """θ(L, t) = (T − T_s)/(T_0 − T_s) at the insulated face of a slab 0 < y < L whose face
    y = 0 steps to T_s at t = 0 (Carslaw & Jaeger, *Conduction of Heat in Solids*, 2nd ed.,
    §3.3 eq. (3)): Σ 4/((2n+1)π) sin(λ_n L) exp(−α λ_n² t), λ_n = (2n+1)π/(2L)."""
    n = np.arange(n_terms)
    lam = (2 * n + 1) * np.pi / (2 * L)
    return float(np.sum(4 / ((2 * n + 1) * np.pi) * np.sin(lam * L) * np.exp(-alpha * lam**2 * t)))


@pytest.mark.parametrize("t_step", [0.0, 5.05e-4])
def test_step_in_fixed_temperature_matches_the_slab_series(tmp_path, t_step):
    # k = 100, ρc = 1e6: α = 1e-4 m²/s, L = 1 mm, L²/α = 10 ms; run to 0.2 L²/α after the step
    # (a step inside the run, off the step grid, is landed on and acts after it)
    wave = ('[transient.temperature.bottom]\nkind = "step"\nafter = "76.85 degC"\n'
            f"t_start = {t_step}")
    res = run(load_case(_case(tmp_path, wave, t_end=2e-3 + t_step)), out_dir=tmp_path / "out")
    t, T = _history(tmp_path / "out" / "history.csv")
    L, alpha = 1e-3, 1e-4
    assert np.max(np.abs(T[t <= t_step] - 300.0)) < 1e-9
    assert np.any(np.isclose(t, t_step, rtol=0, atol=1e-15))
    for ts in (5e-4, 1e-3, 2e-3):
        i = int(np.argmin(np.abs(t - (t_step + ts))))
        exact = 350.0 + (300.0 - 350.0) * slab_series(t[i] - t_step, L, alpha)
        assert T[i] == pytest.approx(exact, abs=4e-4 * 50.0), (t[i], T[i], exact)
    assert res.summary["transient"]["energy_imbalance_max"] < 1e-8


def _lumped(T0: float, lam: float, knots, right, left) -> float:
    """Exact T(t_end) of dT/dt = λ(T∞(t) − T) with T∞ linear between ``knots``: ``right[i]`` its
    value just after knot i, ``left[i]`` just before knot i+1."""
    T = T0
    for i in range(len(knots) - 1):
        d = knots[i + 1] - knots[i]
        slope = (left[i] - right[i]) / d
        e = math.exp(-lam * d)
        i0 = -math.expm1(-lam * d) / lam
        i1 = d / lam - i0 / lam
        T = e * T + lam * (right[i] * i0 + slope * i1)
    return T


# λ = h/(ρcL) = 100/(1e6 · 1e-3) = 0.1 1/s: t_end = 20 s covers two time constants
AMBIENT = {
    "constant": ('kind = "constant"\nlevel = 350.0', [0.0, 20.0], [350.0], [350.0]),
    "step": ('kind = "step"\nt_start = 3.0\nafter = 350.0', [0.0, 3.0, 20.0], [300.0, 350.0],
             [300.0, 350.0]),
    "pulse": ('kind = "pulse"\nt_start = 1.0\nperiod = 8.0\nduty = 0.25\nhigh = 400.0',
              [0.0, 1.0, 3.0, 9.0, 11.0, 17.0, 19.0, 20.0],
              [300.0, 400.0, 300.0, 400.0, 300.0, 400.0, 300.0],
              [300.0, 400.0, 300.0, 400.0, 300.0, 400.0, 300.0]),
    "table": ('kind = "table"\ntimes = [0.0, 4.3, 20.0]\nvalues = [300.0, "86.85 degC", 320.0]',
              [0.0, 4.3, 20.0], [300.0, 360.0], [360.0, 320.0]),
}


@pytest.mark.parametrize("kind", sorted(AMBIENT))
def test_every_ambient_waveform_kind_matches_lumped_capacitance(tmp_path, kind):
    body, knots, right, left = AMBIENT[kind]
    wave = "[transient.ambient.bottom]\n" + body
    case = load_case(_case(tmp_path, wave, bottom="convection",
                           bottom_keys="h = 100.0\nT_inf = 300.0", k=1000.0, t_end=20.0,
                           dt=0.01))
    res = run(case, write=False)
    exact = _lumped(300.0, 0.1, knots, right, left)
    # Bi = hL/k = 1e-4: uniform to 1e-4·ΔT; BDF2 at dt = 0.01 s (λdt = 1e-3): error ≪ 1 mK
    assert res.summary["probes"]["back"] == pytest.approx(exact, abs=5e-3), exact


@pytest.mark.parametrize(
    "wave,key,words",
    [
        ('[transient.ambient.bottom]\nkind = "step"\nafter = 350.0', "transient.ambient.bottom",
         "convection or radiation"),
        ('[transient.temperature.nowhere]\nkind = "step"\nafter = 350.0',
         "transient.temperature.nowhere", "no such boundary"),
        ('[transient.temperature.bottom]\nkind = "step"', "transient.temperature.bottom",
         "requires 'after'"),
        ('[transient.temperature.bottom]\nkind = "constant"\nhigh = 350.0',
         "transient.temperature.bottom", "does not take high"),
    ],
)
def test_bad_waveforms_name_the_key_path(tmp_path, wave, key, words):
    with pytest.raises(CaseError) as exc:
        case = load_case(_case(tmp_path, wave))
        run(case, write=False)
    assert any(k == key and words in m for k, m in exc.value.problems), exc.value.problems


def test_error_messages_do_not_echo_a_whole_table(tmp_path):
    big = ", ".join(f"{300 + 0.001 * i:.3f}" for i in range(2000))  # ~16 kB
    wave = f'[transient.temperature.bottom]\nkind = "constant"\nlevel = [{big}]'
    with pytest.raises(CaseError) as exc:
        load_case(_case(tmp_path, wave))
    msgs = [m for k, m in exc.value.problems if k.startswith("transient.temperature.bottom")]
    assert msgs and all(len(m) <= 160 for m in msgs), [len(m) for m in msgs]


def test_a_dense_ambient_table_keeps_the_case_dt_and_bdf2_is_not_backward_euler(tmp_path):
    """The issue's symptom: a table with points every 0.1 s cut a dt = 0.8 s run into 0.1 s
    steps and made bdf2 and backward_euler agree to the last digit."""
    times = ", ".join(f"{0.1 * i:.1f}" for i in range(321))
    values = ", ".join(f"{300.0 + 40.0 * math.sin(0.05 * i):.6f}" for i in range(321))
    wave = f'[transient.ambient.bottom]\nkind = "table"\ntimes = [{times}]\nvalues = [{values}]'
    path = _case(tmp_path, wave, bottom="convection", bottom_keys="h = 100.0\nT_inf = 300.0",
                 k=1000.0, t_end=32.0, dt=0.8)
    out = {}
    for scheme in ("bdf2", "backward_euler"):
        res = run(load_case(path, {"transient.scheme": scheme}), write=False)
        assert res.summary["transient"]["steps"] == 40
        out[scheme] = res.summary["probes"]["back"]
    assert abs(out["bdf2"] - out["backward_euler"]) > 1e-3
