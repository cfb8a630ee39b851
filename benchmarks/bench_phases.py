"""Per-phase wall times of one solve of the ``bench_core`` box (each case in its own process).

Prints every entry of ``Solution.timings`` (``validate``, ``split``, ``bulk``, ``setup``,
``newton`` with its ``linear`` and ``assemble`` parts, ``post``), the sum of the phases outside
the Newton loop, and the process's CPU user/system time, so the non-solver phases can be
compared run to run (system time is mostly first-touch page faults of fresh arrays).

Usage::

    python benchmarks/bench_phases.py                 # n = 46 and 100, tetra and hexahedron
    python benchmarks/bench_phases.py --sizes 100 --cells hexahedron --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

PHASES = ("validate", "split", "bulk", "setup", "newton", "linear", "assemble", "post", "total")
OUTSIDE = ("validate", "split", "bulk", "setup", "post")


def worker(n: int, cell_type: str) -> dict:
    import bench_core

    from femtbr.fem import solve

    sol = solve(bench_core.build_problem(n, cell_type, False))
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"n_dofs": sol.n_dofs, "timings": dict(sol.timings), "user": ru.ru_utime,
            "sys": ru.ru_stime, "peak_gb": ru.ru_maxrss / 1e6}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="46,100")
    ap.add_argument("--cells", default="tetra,hexahedron")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--worker", nargs=2)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(int(args.worker[0]), args.worker[1])))
        return 0
    for n in (int(s) for s in args.sizes.split(",")):
        for ct in args.cells.split(","):
            for _ in range(args.repeat):
                res = subprocess.run([sys.executable, __file__, "--worker", str(n), ct],
                                     capture_output=True, text=True, check=False)
                if res.returncode != 0:
                    print(f"{ct} n={n}: FAILED {res.stderr[-500:]}", flush=True)
                    continue
                r = json.loads(res.stdout.strip().splitlines()[-1])
                t = r["timings"]
                body = " ".join(f"{k} {t.get(k, 0.0):.2f}" for k in PHASES)
                print(f"{ct:10s} n={n:3d} dofs={r['n_dofs']:8d} {body} | outside-newton "
                      f"{sum(t.get(k, 0.0) for k in OUTSIDE):.2f} | cpu user {r['user']:.1f} "
                      f"sys {r['sys']:.1f} peak {r['peak_gb']:.2f} GB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
