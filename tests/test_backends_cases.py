"""Every example case gives the same summary on the fast and the scikit-fem backends.

The backends assemble the same residual to round-off (``tests/test_fem_forms.py``); here whole
runs (small meshes: ``geometry.refine=0.3``, the transient cut to its first pulse period) are
compared scalar by scalar.  Each backend's heats are exact only up to its own energy imbalance
(``energy_balance_W`` of its summary, in W), so two heats may differ by up to the two imbalances
together: the tolerance is 1e-9 relative, or 4 (W_fast + W_skfem) over the heat through the
boundaries if that is larger (it is only in ``helium_kapitza``, where the He II conductivity of
1e4 W/(m K) makes the 1e-4 W of heat a difference of conduction terms 1e8 times larger).
Solver statistics (iteration and factorisation counts) and the balances themselves are not
compared.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from femtbr.fem.skfem_backend import FormSystem
from femtbr.pipeline import load_case, run

CASES = Path(__file__).resolve().parents[1] / "cases"
ALL = sorted(CASES.glob("*.toml"))
SMALL = {"cpu_power_pulse": ["transient.t_end=2 s"]}
SKIP = {"energy_balance", "energy_balance_W", "energy_imbalance_max", "iterations",
        "newton_iterations_max", "factorizations", "rejected_steps"}


def _flat(d, pre: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            if k not in SKIP:
                out.update(_flat(v, f"{pre}.{k}"))
    elif isinstance(d, list | tuple):
        for i, v in enumerate(d):
            out.update(_flat(v, f"{pre}[{i}]"))
    elif isinstance(d, int | float) and not isinstance(d, bool):
        out[pre] = float(d)
    return out


def _summary(path: Path, backend: str) -> dict:
    over = ["outputs.render=false", "geometry.refine=0.3", f"solver.backend={backend}",
            *SMALL.get(path.stem, [])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # correlation-range warnings are the models' business
        return run(load_case(path, over), write=False).summary


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_case_summary_same_on_both_backends(path, monkeypatch):
    calls = []
    evaluate = FormSystem.evaluate

    def spy(self, *args, **kwargs):
        calls.append(1)
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(FormSystem, "evaluate", spy)
    fast = _summary(path, "fast")
    assert not calls  # the default path does not touch the forms
    ref = _summary(path, "skfem")
    assert calls  # [solver] backend reached the assembly
    assert fast["converged"] and ref["converged"]
    through = sum(abs(b["heat"]) for b in fast["boundaries"].values())
    imbalance = fast.get("energy_balance_W") or 0.0, ref.get("energy_balance_W") or 0.0
    tol = max(1e-9, 4 * sum(imbalance) / through)
    a, b = _flat(fast), _flat(ref)
    assert a.keys() == b.keys()
    assert len(a) > 10
    # a resistance of a perfect bond is zero up to round-off: scale the breakdown by its total
    total = abs(fast.get("breakdown", {}).get("junction_to_ambient") or 0.0)
    bad = {}
    for key, x in a.items():
        scale = max(abs(x), total) if key.startswith(".breakdown") else abs(x)
        if abs(x - b[key]) > tol * scale:
            bad[key] = (x, b[key])
    assert not bad, f"differ beyond {tol:.2g} relative: {bad}"
