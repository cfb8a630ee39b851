"""Cost of adjoint sensitivities against the forward solve (issue 16: ≤ 1.5×).

For ``cases/cpu_heatsink.toml`` at each ``geometry.refine``: the forward solve (Newton, its
timings ``total``) and then all sensitivities of one output (T_junction) to every scalar input
of the case — one transposed solve with the Newton solve's AMG hierarchy plus ∂R/∂θ of every
parameter — timed with ``perf_counter``; the ratio is printed.  Mesh building is not counted
in either.  A second forward solve on the same Discretization (warm: cached bulk matrix and
AMG hierarchy) is printed as well, since a sweep or fit pays that one.

Usage::

    python benchmarks/bench_sensitivity.py                  # refine 1 (the default mesh)
    python benchmarks/bench_sensitivity.py --refine 1 3.1   # and ~1M DOFs
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

CASE = Path(__file__).resolve().parents[1] / "cases" / "cpu_heatsink.toml"


def measure(refine: float) -> dict:
    from femtbr.fem.solve import discretize, solve_state
    from femtbr.pipeline import load
    from femtbr.pipeline.prepare import prepare
    from femtbr.sensitivity import compute

    loaded = load(CASE, [f"geometry.refine={refine}"])
    problem = prepare(loaded.case, loaded.geometry, materials=loaded.materials,
                      models=loaded.models).problem
    disc = discretize(problem)
    t0 = time.perf_counter()
    state = solve_state(problem, disc)
    forward = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm = solve_state(problem, disc)
    forward_warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    sens = compute(loaded.case, warm, ["T_junction"])
    adjoint = time.perf_counter() - t0
    del state
    return {"refine": refine, "n_dofs": disc.n_dofs, "parameters": len(sens.parameters),
            "forward": forward, "forward_warm": forward_warm, "sensitivities": adjoint}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refine", type=float, nargs="+", default=[1.0])
    args = ap.parse_args(argv)
    print(f"{'refine':>6s} {'DOFs':>9s} {'params':>6s} {'forward':>9s} {'warm':>9s} "
          f"{'sens':>9s} {'sens/fwd':>8s} {'sens/warm':>9s}")
    for r in args.refine:
        m = measure(r)
        print(f"{m['refine']:6.2f} {m['n_dofs']:9d} {m['parameters']:6d} {m['forward']:8.2f}s "
              f"{m['forward_warm']:8.2f}s {m['sensitivities']:8.2f}s "
              f"{m['sensitivities'] / m['forward']:8.2f} "
              f"{m['sensitivities'] / m['forward_warm']:9.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
