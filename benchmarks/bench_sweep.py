"""Sweep benchmark: 32-case pressure x roughness study of the CPU-heatsink (issue 6).

Measures, on cases/pressure_roughness_study.toml (8 clamping pressures x 4 roughnesses, one
shared mesh):

1. a cold single run: a fresh ``python -m femtbr run`` process for the first case (imports,
   meshing, node split, bulk matrix, AMG set-up, Newton solve, VTU output; no PNG and
   single-threaded BLAS, as in sweep workers);
2. the study on 1 worker process: total time, and the per-case time of the cases that reused
   the worker's discretization (median of their recorded wall times);
3. the study on 2 worker processes: total time and the speed-up over 1 worker.

Targets (design note section 6): per-case time with reuse <= 30% of the cold single run;
2 workers >= 1.7x faster than 1.  The machine may be shared: the load average is printed
before and after so that contention can be judged.

Usage::

    python benchmarks/bench_sweep.py [--case CASE] [--out DIR] [--skip-one] [--skip-two]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from femtbr.sweep import sweep
from femtbr.sweep.executors import SINGLE_THREAD_ENV
from femtbr.sweep.plots import plot_study
from femtbr.sweep.study import load_study

ROOT = Path(__file__).resolve().parents[1]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def _spin(n: int) -> float:
    t0 = time.perf_counter()
    s = 0
    for i in range(n):
        s += i * i
    return time.perf_counter() - t0


def cpu_capacity(n: int = 10_000_000) -> float:
    """Control: how much faster two CPU-bound processes finish two jobs than one process does
    (2.0 on two free cores; ~1.0 when the "two" CPUs deliver one core's worth of work)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=ctx) as ex:
        ex.submit(_spin, 1000).result()
        t0 = time.perf_counter()
        list(ex.map(_spin, [n, n]))
        one = time.perf_counter() - t0
    with ProcessPoolExecutor(2, mp_context=ctx) as ex:
        list(ex.map(_spin, [1000, 1000]))
        t0 = time.perf_counter()
        list(ex.map(_spin, [n, n]))
        two = time.perf_counter() - t0
    return one / two


def with_reuse_column(case: Path, tmp: Path) -> Path:
    """A copy of ``case`` (same folder semantics) that also collects ``sweep.reused``."""
    text = case.read_text()
    if "collect = [" not in text:
        raise SystemExit(f"{case}: expected a 'collect = [' list in its [sweep] table")
    text = text.replace("collect = [", 'collect = [\n  "sweep.reused",', 1)
    out = case.parent / f".bench_{os.getpid()}_{case.name}"
    out.write_text(text)
    return out


def without_study(case: Path) -> Path:
    """A copy of ``case`` without its ``[sweep]`` tables (``femtbr run`` runs single cases)."""
    text = case.read_text()
    cut = text.find("\n[sweep")
    if cut < 0 or "\n[" in text[cut + 1 :].replace("\n[sweep", ""):
        raise SystemExit(f"{case}: expected the [sweep] tables at the end of the file")
    out = case.parent / f".bench_base_{os.getpid()}_{case.name}"
    out.write_text(text[:cut] + "\n")
    return out


def cold_run(case: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU time [s] of a fresh ``femtbr run`` process on the first case of the study."""
    params = load_study(case).cases[0].params
    base = without_study(case)
    cmd = [sys.executable, "-m", "femtbr", "run", str(base), "--out", str(out), "--quiet"]
    cmd += ["--set", "outputs.render=false"]
    for key, value in params.items():
        cmd += ["--set", f"{key}={value!r}" if isinstance(value, str) else f"{key}={value}"]
    t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, **{k: os.environ.get(k, "1") for k in SINGLE_THREAD_ENV}}
    try:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)  # BLAS as in workers
    finally:
        base.unlink(missing_ok=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return time.perf_counter() - t0, cpu


def study(case: Path, out: Path, workers: int) -> tuple[float, list[dict]]:
    t0 = time.perf_counter()
    res = sweep(case, out, workers=workers, plots=False)
    total = time.perf_counter() - t0
    if res.n_failed:
        raise SystemExit(f"{res.n_failed} cases failed: {[r['error'] for r in res.records]}")
    if workers > 1:  # the plots, outside the timing
        plot_study(res.records, res.study.parameters, res.study.collect, out)
    return total, list(res.records)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", default=str(ROOT / "cases" / "pressure_roughness_study.toml"))
    ap.add_argument("--out", default=None, help="keep the study folders here")
    ap.add_argument("--skip-one", action="store_true", help="skip the 1-worker study")
    ap.add_argument("--skip-two", action="store_true", help="skip the 2-worker study")
    args = ap.parse_args()
    base = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    base.mkdir(parents=True, exist_ok=True)
    case = with_reuse_column(Path(args.case).resolve(), base)
    try:
        n = len(load_study(case).cases)
        print(f"study: {Path(args.case).name}, {n} cases; {load()}", flush=True)
        t_cold, cpu_cold = cold_run(case, base / "cold")
        print(
            f"cold single run (fresh process, no PNG): {t_cold:7.2f} s wall, {cpu_cold:6.2f} s CPU"
            f"   [{load()}]",
            flush=True,
        )
        t1 = t2 = med1 = None
        if not args.skip_one:
            shutil.rmtree(base / "w1", ignore_errors=True)
            t1, recs = study(case, base / "w1", 1)
            warm = [r["wall_time"] for r in recs if r["outputs"].get("sweep.reused") == 1.0]
            cold = [r["wall_time"] for r in recs if r["outputs"].get("sweep.reused") == 0.0]
            med = med1 = statistics.median(warm)
            print(f"1 worker : {t1:7.2f} s total, {t1 / n:6.2f} s/case overall", flush=True)
            print(f"  first case of the worker (builds mesh, split, bulk): {cold[0]:6.2f} s")
            print(
                f"  per-case time with reuse: median {med:6.2f} s, mean "
                f"{statistics.mean(warm):6.2f} s over {len(warm)} cases"
            )
            print(
                f"  reuse ratio = median per-case / cold single run = {med / t_cold:5.1%} "
                f"(target <= 30%)   [{load()}]",
                flush=True,
            )
            cpu = statistics.median(
                r["cpu_time"] for r in recs if r["outputs"].get("sweep.reused") == 1.0
            )
            print(
                f"  in CPU time (less sensitive to contention): {cpu:6.2f} s per reused case "
                f"= {cpu / cpu_cold:5.1%} of the cold run's CPU time"
            )
        if not args.skip_two:
            print(f"control: 2 CPU-bound processes vs 1 -> {cpu_capacity():4.2f}x", flush=True)
            shutil.rmtree(base / "w2", ignore_errors=True)
            t2, recs = study(case, base / "w2", 2)
            print(f"2 workers: {t2:7.2f} s total, {t2 / n:6.2f} s/case overall", flush=True)
            med2 = statistics.median(r["wall_time"] for r in recs)
            note = f" ({med2 / med1:.2f}x the 1-worker median: >1 = cores shared)" if med1 else ""
            print(f"  per-case median in the 2-worker run: {med2:6.2f} s{note}")
            if t1 is not None:
                print(f"  speed-up 2 vs 1 worker: {t1 / t2:5.2f}x (target >= 1.7x)   [{load()}]")
                print(f"control after: 2 CPU-bound processes vs 1 -> {cpu_capacity():4.2f}x")
            print(f"  results: {base / 'w2' / 'results.csv'}, plots in {base / 'w2' / 'plots'}")
    finally:
        case.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
