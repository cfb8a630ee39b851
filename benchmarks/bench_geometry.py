"""Benchmark: build the CPU–heatsink hexahedral mesh at ~1M nodes (target ≤ 10 s).

Prints wall time and peak RSS of building the geometry (grid, labels, compact numbering,
regions, interfaces, boundaries), then of the mesh checks, for the default density and for
``refine`` = 3.1 (~1.1M nodes = Q1 DOFs).  Not run in CI.

Usage: ``python benchmarks/bench_geometry.py [refine ...]``
"""

from __future__ import annotations

import resource
import sys
import time


def peak_rss_gb() -> float:
    """Peak resident set size of this process [GB] (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def main(argv: list[str]) -> int:
    from femtbr.geometry import build, check_mesh

    refines = [float(a) for a in argv] or [1.0, 3.1]
    print(f"{'refine':>7} {'nodes (Q1 DOF)':>15} {'hexahedra':>10} {'build s':>8} "
          f"{'check s':>8} {'peak RSS GB':>11}")
    for r in refines:
        t0 = time.perf_counter()
        g = build("cpu_heatsink", {"refine": r})
        t1 = time.perf_counter()
        check_mesh(g.mesh)
        t2 = time.perf_counter()
        print(f"{r:7.2f} {g.mesh.points.shape[0]:15,d} {g.mesh.n_cells:10,d} {t1 - t0:8.2f} "
              f"{t2 - t1:8.2f} {peak_rss_gb():11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
