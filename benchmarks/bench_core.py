"""Speed and memory of the femtbr core on a 3D layered box, and a CalculiX comparison.

A 1 × 1 × 0.4 (×10 mm) box of four layers (die, TIM, spreader, sink) stacked in z, with three
conductance interfaces whose h depends on temperature, a heat source in the die and convective
cooling on the top face.  Sizes ~100k and ~1M DOFs, P1 tetrahedra (6 Kuhn tets per grid cube)
and Q1 hexahedra.  Each case runs in its own subprocess so peak RSS is its own.

CalculiX (``ccx``, ``*HEAT TRANSFER, STEADY STATE, SOLVER=ITERATIVE CHOLESKY``) solves the same
problem with perfect bonds on the identical hexahedral mesh; femtbr solves that problem too and
the script prints both wall times, the ratio and the largest nodal temperature difference.

Usage::

    python benchmarks/bench_core.py              # 100k cases + CalculiX at 100k
    python benchmarks/bench_core.py --big        # also the 1M cases (and CalculiX at 1M)
    python benchmarks/bench_core.py --sizes 100 --no-ccx --threads 1   # 1M, one thread (A/B)
    python benchmarks/bench_core.py --worker JSON  # internal: one case
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

LAYERS = (("die", 0.0, 0.1, 150.0), ("tim", 0.1, 0.14, 5.0),
          ("spreader", 0.14, 0.3, 400.0), ("sink", 0.3, 0.4, 200.0))  # name, z0, z1 [x10 mm], k
SCALE = 0.01  # m per unit
POWER = 100.0  # W in the die
H_TOP, T_INF = 5.0e3, 300.0


class LinearH:
    """h = h0 (1 + a (T − 300 K)), a T-dependent contact conductance."""

    def __init__(self, h0: float, a: float = 2e-3):
        self.h0, self.a = h0, a

    def conductance(self, T, p):
        return self.h0 * (1 + self.a * (T - 300.0)), self.h0 * self.a * np.ones_like(T)


def grid(n: int):
    """Grid lines: n cells across, z lines matching the layer boundaries (~n·0.4·2.4 cells)."""
    xs = np.linspace(0, 1, n + 1) * SCALE
    nz = max(1, int(round(n * 0.96)))
    zb = [0.0, 0.1, 0.14, 0.3, 0.4]
    per = np.maximum(1, np.round(nz * np.diff(zb) / 0.4).astype(int))
    zs = np.unique(np.concatenate([np.linspace(zb[i], zb[i + 1], per[i] + 1)
                                   for i in range(4)])) * SCALE
    return xs, zs


def build_problem(n: int, cell_type: str, bonded: bool):
    from femtbr.fem import Convection, InterfaceSpec, Problem, SolverOptions, Source
    from femtbr.fem.meshes import plane_facets, tensor_mesh
    from femtbr.mesh import Interface

    xs, zs = grid(n)

    def region(c):
        z = c[:, 2] / SCALE
        return np.select([z < 0.1, z < 0.14, z < 0.3], ["die", "tim", "spreader"], "sink")

    mesh = tensor_mesh(xs, xs, zs, cell_type, region)
    names = [x[0] for x in LAYERS]
    itfs = {}
    for (a, _, z1, _), b, h0 in zip(LAYERS[:-1], names[1:], (2e4, 1e4, 5e4), strict=True):
        f = plane_facets(mesh, 2, z1 * SCALE, cells=mesh.regions[a])
        mesh = mesh.with_interfaces({f"{a}_{b}": Interface(f, a, b)})
        itfs[f"{a}_{b}"] = InterfaceSpec(LinearH(h0), pressure=1e6)
    return Problem(mesh, {x[0]: x[3] for x in LAYERS}, sources={"die": Source(power=POWER)},
                   boundaries={"zmax": Convection(H_TOP, T_INF)},
                   interfaces={} if bonded else itfs, options=SolverOptions())


def worker(spec: dict) -> dict:
    t0 = time.perf_counter()
    pb = build_problem(spec["n"], spec["cell_type"], spec["bonded"])
    t_mesh = time.perf_counter() - t0
    from femtbr.fem import solve

    sol = solve(pb)
    out = {"n_dofs": sol.n_dofs, "n_cells": int(sol.cells.shape[0]), "mesh_s": t_mesh,
           "iterations": sol.iterations, "timings": dict(sol.timings),
           "balance": sol.energy_balance,
           "T_max": max(r.T_max for r in sol.regions.values()),
           "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}
    if spec.get("dump"):
        np.save(spec["dump"], sol.temperature[: pb.mesh.points.shape[0]])
    return out


def run_case(spec: dict) -> dict:
    env = dict(os.environ)
    if spec.get("threads"):
        env["FEMTBR_THREADS"] = str(spec["threads"])
    res = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)],
                         capture_output=True, text=True, check=False, env=env)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------- CalculiX
def write_inp(path: str, n: int) -> None:
    """CalculiX deck of the bonded problem on the hex mesh of ``build_problem(n, 'hexahedron')``.

    C3D8/DC3D8 node order equals VTK's; face F2 of DC3D8 is nodes 5-8-7-6 (the top face).
    """
    pb = build_problem(n, "hexahedron", bonded=True)
    m = pb.mesh
    with open(path, "w") as f:
        f.write("*HEADING\nfemtbr benchmark\n*NODE, NSET=NALL\n")
        ids = np.arange(1, m.points.shape[0] + 1)
        np.savetxt(f, np.column_stack([ids, m.points]), fmt="%d,%.10e,%.10e,%.10e")
        f.write("*ELEMENT, TYPE=DC3D8, ELSET=EALL\n")
        np.savetxt(f, np.column_stack([np.arange(1, m.n_cells + 1), m.cells + 1]), fmt="%d",
                   delimiter=",")
        for name, *_ in LAYERS:
            f.write(f"*ELSET, ELSET=E{name.upper()}\n")
            np.savetxt(f, (m.regions[name] + 1).reshape(-1, 1), fmt="%d")
        zc = m.points[m.cells].mean(axis=1)[:, 2]
        dz = np.diff(np.unique(m.points[:, 2]))[-1]
        top = np.flatnonzero(zc > m.points[:, 2].max() - dz)
        f.write("*ELSET, ELSET=ETOP\n")
        np.savetxt(f, (top + 1).reshape(-1, 1), fmt="%d")
        for name, _, _, k in LAYERS:
            f.write(f"*MATERIAL, NAME=M{name.upper()}\n*CONDUCTIVITY\n{k}\n"
                    "*DENSITY\n1.\n*SPECIFIC HEAT\n1.\n"
                    f"*SOLID SECTION, ELSET=E{name.upper()}, MATERIAL=M{name.upper()}\n")
        vol = SCALE * SCALE * 0.1 * SCALE
        f.write(f"*INITIAL CONDITIONS, TYPE=TEMPERATURE\nNALL, {T_INF}\n"
                "*STEP\n*HEAT TRANSFER, STEADY STATE, SOLVER=ITERATIVE CHOLESKY\n1., 1.\n"
                f"*DFLUX\nEDIE, BF, {POWER / vol:.10e}\n"
                f"*FILM\nETOP, F2, {T_INF}, {H_TOP}\n"
                "*NODE PRINT, NSET=NALL\nNT\n*END STEP\n")


def run_ccx(n: int) -> dict:
    ccx = shutil.which("ccx")
    if ccx is None:
        return {}
    d = tempfile.mkdtemp(prefix="femtbr_ccx_")
    write_inp(os.path.join(d, "box.inp"), n)
    env = dict(os.environ, OMP_NUM_THREADS="2", CCX_NPROC_EQUATION_SOLVER="2")
    t0 = time.perf_counter()
    res = subprocess.run([ccx, "-i", "box"], cwd=d, capture_output=True, text=True, env=env,
                         check=False)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(res.stdout[-2000:] + res.stderr[-2000:])
    T = {}
    with open(os.path.join(d, "box.dat")) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and parts[0].isdigit():
                T[int(parts[0])] = float(parts[1])
    temps = np.array([T[i] for i in sorted(T)])
    shutil.rmtree(d, ignore_errors=True)
    return {"wall_s": wall, "T": temps}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("--big", action="store_true")
    ap.add_argument("--sizes", default=None, help="comma-separated grid n (default 46[,100])")
    ap.add_argument("--no-ccx", action="store_true")
    ap.add_argument("--threads", type=int, default=None,
                    help="FEMTBR_THREADS for the femtbr runs (default: all usable cores)")
    ap.add_argument("--types", default="tetra,hexahedron", help="cell types to run")
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [46, 100] if args.big else [46])
    rows = []
    for n in sizes:
        for ct in args.types.split(","):
            try:
                r = run_case({"n": n, "cell_type": ct, "bonded": False, "threads": args.threads})
            except RuntimeError as exc:
                print(f"{ct} n={n}: FAILED {str(exc)[-500:]}", flush=True)
                continue
            rows.append((n, ct, r))
            t = r["timings"]
            print(f"{ct:10s} n={n:3d} dofs={r['n_dofs']:9d} cells={r['n_cells']:9d} "
                  f"total={t['total']:6.2f}s (validate {t.get('validate', 0):.2f}, split "
                  f"{t.get('split', 0):.2f}, bulk {t['bulk']:.2f}, setup {t['setup']:.2f}, newton "
                  f"{t['newton']:.2f} [linear {t['linear']:.2f}], post {t['post']:.2f}) "
                  f"its={r['iterations']} peak={r['peak_rss_gb']:.2f} GB "
                  f"balance={r['balance']:.1e}", flush=True)
    if len(sizes) > 1:
        for ct in ("tetra", "hexahedron"):
            a = [r for n, c, r in rows if c == ct]
            if len(a) < 2:
                continue
            print(f"{ct}: time ratio {sizes[-1]}/{sizes[0]} = "
                  f"{a[-1]['timings']['total'] / a[0]['timings']['total']:.2f} for "
                  f"{a[-1]['n_dofs'] / a[0]['n_dofs']:.1f}x DOFs")
    if not args.no_ccx and shutil.which("ccx"):
        for n in sizes:
            dump = os.path.join(tempfile.gettempdir(), f"femtbr_bench_T_{n}.npy")
            try:
                fb = run_case({"n": n, "cell_type": "hexahedron", "bonded": True, "dump": dump,
                               "threads": args.threads})
                cx = run_ccx(n)
            except (RuntimeError, OSError, KeyError) as exc:
                print(f"CalculiX comparison n={n}: FAILED {str(exc)[-500:]}", flush=True)
                continue
            T = np.load(dump)
            dT = float(np.max(np.abs(T - cx["T"])))
            print(f"CalculiX n={n}: dofs={fb['n_dofs']} femtbr {fb['timings']['total']:.2f} s "
                  f"(+ mesh build {fb['mesh_s']:.2f} s), ccx {cx['wall_s']:.2f} s "
                  f"(incl. reading its deck), ratio ccx/femtbr = "
                  f"{cx['wall_s'] / fb['timings']['total']:.2f}, max |T_femtbr - T_ccx| = "
                  f"{dT:.3e} K (T_max {T.max():.3f} K)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
