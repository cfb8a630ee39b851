"""What each piece of special machinery in ``femtbr/fem`` saves on the main job.

Each configuration switches ONE piece off (a monkeypatch or an environment variable in a fresh
child process) and solves ``cases/cpu_heatsink.toml`` (k(T) everywhere, the DMM interface) at
``geometry.refine``; the runs are interleaved (shipped, then each switch, ``--repeat`` times) and
the minimum over the repeats is compared with the shipped configuration of the same script:

* ``one_thread``: ``FEMTBR_THREADS=1`` (no row-block parallel products ``ParallelCSR``, no cell
  loops in two threads);
* ``plain_matmul``: ``X @ A`` instead of :func:`femtbr.fem.fast.kernels.thin_matmul` in the k(T)
  conduction kernel;
* ``amg_float64``: the AMG hierarchy in float64 instead of float32;
* ``no_lines``: point Gauss–Seidel on the finest level instead of the line blocks of flat
  cells (:mod:`femtbr.fem.linalg.line_relaxation`);
* ``no_amg_reuse``: a fresh AMG hierarchy for every linear solve (no reuse across Newton
  steps);
* ``no_metric_cache``: the k(T) conduction term recomputes the cell geometry at every
  evaluation (every cell through the general, non-affine path) instead of using the per-cell
  metric of the affine cells kept from the first evaluation;
* ``no_region_cache``: the k(T) conduction term's per-region data (metrics and the cells'
  positions in the sparsity pattern) rebuilt at every evaluation;
* ``no_scatter_cache``: the distinct pattern positions of the facet blocks (convection,
  radiation, interfaces) found again at every evaluation.

Printed per configuration: the solve's phase times (``Solution.timings``: bulk, assemble =
residual/Jacobian evaluations in Newton, linear, total) and the child process's CPU time
(user + system, whole process: less sensitive to other load on the machine than wall time,
but blind to what threads save), each as a ratio to the shipped run, and the largest
temperature difference to it (every switch must give the same answer).

Usage::

    python benchmarks/bench_machinery.py                       # default mesh, 3 repeats
    python benchmarks/bench_machinery.py --refine 2 --repeat 1 --only one_thread,plain_matmul
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASE = os.path.join(ROOT, "cases", "cpu_heatsink.toml")
CONFIGS = ("shipped", "one_thread", "plain_matmul", "amg_float64", "no_lines",
           "no_amg_reuse", "no_metric_cache", "no_region_cache", "no_scatter_cache")
PHASES = ("bulk", "assemble", "linear", "total", "cpu")


def _switch_off(config: str) -> None:
    """Apply ``config``'s monkeypatch in this (child) process."""
    from femtbr.fem.assembly import assemble
    from femtbr.fem.fast import conduction
    from femtbr.fem.linalg import linear

    if config == "plain_matmul":
        conduction.thin_matmul = lambda X, A: X @ A
    elif config == "amg_float64":
        linear.AMG_OPTIONS = dict(linear.AMG_OPTIONS, dtype=np.float64)
    elif config == "no_lines":
        linear.AMG_OPTIONS = dict(linear.AMG_OPTIONS, line_levels=0)
    elif config == "no_amg_reuse":
        inner = linear.solve

        def fresh(A, b, method, rtol, symmetric, cache):
            cache.amg = None
            return inner(A, b, method, rtol, symmetric, cache)

        linear.solve = fresh
    elif config == "no_metric_cache":
        def non_affine(disc, cells, rule):
            for s in conduction.chunks(cells.size):
                yield cells[s], None

        conduction._affine_groups = non_affine
    elif config == "no_region_cache":
        terms = conduction.conduction_terms

        def uncached(disc, *a, **k):
            disc.cache.conduction.clear()
            return terms(disc, *a, **k)

        assemble.conduction_terms = uncached
    elif config == "no_scatter_cache":
        scatter = assemble.System._scatter_add

        def rescatter(self, *a):
            self._facet_scatter = None
            return scatter(self, *a)

        assemble.System._scatter_add = rescatter


def child(config: str, refine: float, out: str) -> None:
    """Solve the main job with ``config`` switched off; timings to stdout, T to ``out``."""
    from femtbr.fem import solve
    from femtbr.pipeline.geometry import build_geometry, geometry_table
    from femtbr.pipeline.load import load_case
    from femtbr.pipeline.prepare import prepare

    _switch_off(config)
    overrides = {"geometry.refine": refine} if refine != 1.0 else {}
    case = load_case(CASE, overrides)
    problem = prepare(case, build_geometry(geometry_table(case), os.path.dirname(CASE))).problem
    sol = solve(problem)
    np.save(out, sol.temperature)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    timings = dict(sol.timings, cpu=ru.ru_utime + ru.ru_stime)
    print(json.dumps({"timings": timings, "n_dofs": int(sol.n_dofs)}), flush=True)


def run(config: str, refine: float, out: str) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT)
    if config == "one_thread":
        env["FEMTBR_THREADS"] = "1"
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", config,
                        str(refine), out], env=env, capture_output=True, text=True, check=False)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"{config}: failed\n{p.stderr[-2000:]}")
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refine", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default=",".join(CONFIGS[1:]))
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], float(args.child[1]), args.child[2])
        return 0
    wanted = ["shipped", *[c for c in args.only.split(",") if c and c != "shipped"]]
    for c in wanted:
        if c not in CONFIGS:
            ap.error(f"--only: unknown configuration {c!r}; choose from {', '.join(CONFIGS)}")
    import tempfile

    best: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        temps = {}
        for _ in range(args.repeat):
            for c in wanted:
                out = os.path.join(tmp, f"{c}.npy")
                r = run(c, args.refine, out)
                temps[c] = np.load(out)
                t = best.setdefault(c, {})
                for k in PHASES:
                    v = float(r["timings"].get(k, 0.0))
                    t[k] = min(t.get(k, v), v)
                n_dofs = r["n_dofs"]
        print(f"main job, refine {args.refine:g} ({n_dofs} DOFs), min of {args.repeat} "
              f"interleaved runs; ratio = switched off / shipped (> 1: the machinery pays)")
        base = best["shipped"]
        for c in wanted:
            t = best[c]
            cells = "  ".join(f"{k} {t[k]:6.2f} s ({t[k] / base[k]:5.2f})" if base[k] > 0
                              else f"{k} {t[k]:6.2f} s" for k in PHASES)
            dT = float(np.abs(temps[c] - temps["shipped"]).max())
            print(f"{c:16s} {cells}  max|ΔT| {dT:.1e} K", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
