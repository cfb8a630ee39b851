"""The main job as a user runs it: ``femtbr run cases/cpu_heatsink.toml``, whole processes.

Configurations (each run in its own ``femtbr run`` process, no picture: ``outputs.render=false``):

* ``main``: the case as shipped (silicon, copper and aluminium with k(T), the DMM interface)
  at ``geometry.refine`` (default 3.1, ~1.1M DOFs);
* ``const``: the same mesh with every temperature-dependent k replaced by a constant (the
  library value near the operating temperature): the ratio main/const is the price of k(T);
* ``default``: the shipped case at its default mesh (~50k DOFs);
* ``skfem``: ``main`` with ``--set solver.backend=skfem``: femtbr's solver with every term
  assembled by ``skfem.asm`` of :mod:`femtbr.fem.forms` instead of the fast kernels;
* ``plain``: the same case and mesh solved as a scikit-fem user would with the plugin
  (``plain_skfem_pipeline.py``: ``femtbr.skfem.split``, ``skfem.asm`` of the forms (the
  T-dependent ones every Newton step), ``skfem.condense``, ``skfem.solve`` with
  ``solver_iter_pcg`` and pyamg smoothed-aggregation AMG, plain Newton to femtbr's default
  tolerance) in a process of its own (``--child-plain``).
  Neither ``skfem`` nor ``plain`` runs by default (tens of minutes at 1M DOFs): name them in
  ``--only``.

With ``skfem`` or ``plain`` among the configurations, the script also prints the wall and peak
ratios skfem/main and plain/main (the goal of issue 11: the default path ≥ 5× the plain
pipeline) and the largest nodal temperature difference between the solutions of main, skfem
and plain (each child saves its DOF vector, the split numbering all three share).

Per run: wall time, CPU time (user + system: less sensitive than wall to other jobs on a
shared machine) and peak RSS of the process (``os.wait4``: this child's own figures), Newton
steps and the Krylov iterations of each step's linear solve (recorded in the child by wrapping
``femtbr.fem.linalg.linear.solve``), and the junction-to-ambient resistance it reports.  With
``--baseline REV`` the same runs are made on the source of git revision REV (extracted with
``git archive`` to a temporary directory) and the ratios printed.  ``--repeat N`` runs each
configuration N times (A B A B … when a baseline is given) and prints min and max.

With ``--ccx``: CalculiX (``ccx``, Debian ``calculix-ccx``; ``*HEAT TRANSFER, STEADY STATE,
SOLVER=ITERATIVE CHOLESKY``) and femtbr (in-process ``femtbr.fem.solve``) solve the builder's
problem with perfect bonds (no interface conductances) on the identical hexahedral mesh, with
the same k(T) (CalculiX gets femtbr's material interpolants tabulated every 1 K, which its
linear interpolation then follows to ~1e-5), the same source and convection; printed: both
times, the ratio and the largest nodal temperature difference.

Usage::

    python benchmarks/bench_main_job.py                          # main, const, default
    python benchmarks/bench_main_job.py --baseline HEAD~3 --repeat 2
    python benchmarks/bench_main_job.py --only default --refine 1
    python benchmarks/bench_main_job.py --ccx --refine 1           # CalculiX comparison
    python benchmarks/bench_main_job.py --only main,skfem,plain    # scikit-fem ratios
    python benchmarks/bench_main_job.py --child ARGS...          # internal: one run
    python benchmarks/bench_main_job.py --child-plain ARGS...    # internal: one plain run
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASE = "cases/cpu_heatsink.toml"
#: k [W/(m K)] of the library materials near the operating temperature (~330-345 K) for
#: the ``const`` configuration (indium and the grease are constant already).
CONST_K = {"die": ("silicon", 130.0), "lid": ("copper", 395.0), "heatsink": ("aluminum", 212.0)}
RJA = re.compile(r"junction-to-ambient resistance .*: ([0-9.eE+-]+) K/W")
#: File a child saves its DOF vector [K] to, in its output directory.
FIELD = "temperature.npy"
#: Configurations run by ``--child-plain`` (the plain scikit-fem pipeline).
PLAIN = ("plain",)


def child(argv: list[str]) -> int:
    """Run ``femtbr run`` in this process, then print one JSON line of solver figures."""
    from femtbr import cli

    try:  # where the linear solver lives (fem/linalg/ since fem/ was divided into rooms)
        linear = importlib.import_module("femtbr.fem.linalg.linear")
    except ModuleNotFoundError:  # a --baseline revision before that
        linear = importlib.import_module("femtbr.fem.linear")

    its: list[int] = []
    inner = linear.solve

    def solve(*a, **k):
        x, info = inner(*a, **k)
        its.append(int(info["iterations"]))
        return x, info

    linear.solve = solve
    fem_solve = importlib.import_module("femtbr.fem.solve")  # the module (femtbr.fem.solve is
    # also the name of the function femtbr.fem exports)
    fields: list[np.ndarray] = []  # the DOF vector, saved for the comparison of solutions
    inner_solve = fem_solve.solve

    def solve_and_keep(*a, **k):
        res = inner_solve(*a, **k)
        fields.append(np.asarray(getattr(res, "solution", res).temperature))
        return res

    fem_solve.solve = solve_and_keep
    code = cli.main(["run", *argv])
    if fields and "--out" in argv:
        np.save(os.path.join(argv[argv.index("--out") + 1], FIELD), fields[-1])
    print(json.dumps({"linear_iterations": its, "code": code}), flush=True)
    return 0


def child_plain(argv: list[str]) -> int:
    """Solve ``CASE --out DIR [--set K=V ...]`` with the plain scikit-fem pipeline; print its
    Newton steps and one JSON line of figures; save the DOF vector in DIR."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from plain_skfem_pipeline import junction_to_ambient, load_problem, solve_plain

    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("--out", required=True)
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    args = ap.parse_args(argv)
    case, problem = load_problem(args.case, args.overrides)
    res = solve_plain(problem, progress=lambda line: print(line, flush=True))
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, FIELD), res.T)
    print(json.dumps({"linear_iterations": res.linear_iterations, "code": 0,
                      "newton": res.iterations, "R_ja": junction_to_ambient(case, problem, res),
                      "timings": res.timings}), flush=True)
    return 0


def configs(refine: float) -> dict[str, list[str]]:
    base = ["--set", "outputs.render=false"]
    big = [*base, "--set", f"geometry.refine={refine}"]
    const = [a for r, (use, k) in CONST_K.items()
             for a in ("--set", f"materials.{r}.use={use}", "--set", f"materials.{r}.k={k}")]
    return {"main": big, "const": big + const, "default": base,
            "skfem": [*big, "--set", "solver.backend=skfem"], "plain": big}


def run_once(src: str, args: list[str], out: str, plain: bool = False) -> dict:
    """One whole ``femtbr run`` process (with ``plain``: one plain scikit-fem pipeline
    process) on source tree ``src``: its figures, and its DOF vector [K] as ``"T"``."""
    env = dict(os.environ, PYTHONPATH=src)
    cmd = [sys.executable, os.path.abspath(__file__), "--child-plain" if plain else "--child",
           CASE, "--out", out, *args]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=src, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    text = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    info = json.loads(lines[-1]) if lines else {}
    m = RJA.search(text)
    newton = len(re.findall(r"Newton \d+: residual", text)) - 1
    if status != 0 or not (m or "R_ja" in info):
        raise RuntimeError(f"run failed ({status}): {text[-1500:]}")
    R_ja = float(info["R_ja"]) if "R_ja" in info else float(m.group(1))
    summary = os.path.join(out, "summary.json")
    if os.path.exists(summary):  # all digits (the printed table has five)
        with open(summary) as f:
            R_ja = float((json.load(f).get("breakdown") or {}).get("junction_to_ambient", R_ja))
    field = os.path.join(out, FIELD)
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "peak_gib": ru.ru_maxrss / 2**20,
            "newton": info.get("newton", newton),
            "linear": info.get("linear_iterations", []), "R_ja": R_ja,
            "T": np.load(field) if os.path.exists(field) else None}


def extract(rev: str, dest: str) -> str:
    """The source tree of git revision ``rev`` under ``dest`` (``git archive``)."""
    arch = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", dest], input=arch.stdout, check=True)
    return dest


def fmt(rs: list[dict]) -> str:
    w = [r["wall"] for r in rs]
    g = [r["peak_gib"] for r in rs]
    r = rs[0]
    c = [r.get("cpu", float("nan")) for r in rs]
    return (f"wall {min(w):7.2f} s (max {max(w):6.2f})  cpu {min(c):7.2f} s  peak {min(g):5.2f} "
            f"GiB (max {max(g):5.2f})  Newton {r['newton']}  linear its/step {r['linear']}  "
            f"R_ja {r['R_ja']:.6f} K/W")


def scikit_fem_ratios(res: dict[tuple[str, str], list[dict]], tree: str = "new") -> None:
    """Print skfem/main and plain/main (wall, CPU time, peak; min over the repeats; issue 11's
    goal is plain/main ≥ 5) and the largest
    nodal temperature difference between the solutions of main, skfem and plain."""
    if (tree, "main") not in res:
        return
    wall = {n: min(r["wall"] for r in rs) for (t, n), rs in res.items() if t == tree}
    cpu = {n: min(r["cpu"] for r in rs) for (t, n), rs in res.items() if t == tree}
    peak = {n: min(r["peak_gib"] for r in rs) for (t, n), rs in res.items() if t == tree}
    for name in ("skfem", "plain"):
        if name in wall:
            print(f"{tree}: {name} / main wall ratio {wall[name] / wall['main']:.2f}, "
                  f"cpu-time ratio {cpu[name] / cpu['main']:.2f}, "
                  f"peak ratio {peak[name] / peak['main']:.2f}")
    fields = {n: res[(tree, n)][0]["T"] for n in ("main", "skfem", "plain")
              if (tree, n) in res and res[(tree, n)][0]["T"] is not None}
    names = list(fields)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            print(f"{tree}: max |T_{a} - T_{b}| = {np.abs(fields[a] - fields[b]).max():.3e} K "
                  f"({fields[a].size} DOFs; R_ja {res[(tree, a)][0]['R_ja']:.8f} vs "
                  f"{res[(tree, b)][0]['R_ja']:.8f} K/W)")


# ---------------------------------------------------------------------------------- CalculiX
#: DC3D8 faces (CalculiX / Abaqus numbering F1..F6) as 0-based VTK local vertices.
CCX_FACES = ({0, 1, 2, 3}, {4, 5, 6, 7}, {0, 1, 4, 5}, {1, 2, 5, 6}, {2, 3, 6, 7}, {0, 3, 4, 7})
#: Temperatures [K] of the k(T) tables handed to CalculiX.
CCX_T = np.arange(250.0, 501.0, 1.0)


def bonded_problem(refine: float):
    """The builder's geometry at ``refine`` as a femtbr problem with perfect bonds."""
    from femtbr.fem import Convection, Problem, SolverOptions, Source
    from femtbr.geometry import build
    from femtbr.materials import get

    g = build("cpu_heatsink", {"refine": refine})
    k = {}
    for region, name in g.materials.items():
        mat = get(name)
        k[region] = mat.conductivity if mat.k_range is not None else float(
            mat.conductivity(300.0)[0])
    bcs = {n: Convection(b["h"], b["T_inf"]) for n, b in g.boundaries.items()}
    srcs = {n: Source(power=s["power"]) for n, s in g.sources.items()}
    return g, Problem(g.mesh, k, sources=srcs, boundaries=bcs, interfaces={},
                      options=SolverOptions())


def write_ccx(path: str, g, pb) -> None:
    """CalculiX deck of ``pb`` (C3D8/DC3D8 node order equals VTK's)."""
    from femtbr.fem.assembly.discretization import Discretization
    from femtbr.fem.fast.reference import VTK_TO_SKFEM

    m = g.mesh
    disc = Discretization(m)
    with open(path, "w") as f:
        f.write("*HEADING\nfemtbr cpu_heatsink, bonded\n*NODE, NSET=NALL\n")
        np.savetxt(f, np.column_stack([np.arange(1, m.points.shape[0] + 1), m.points]),
                   fmt="%d,%.12e,%.12e,%.12e")
        f.write("*ELEMENT, TYPE=DC3D8, ELSET=EALL\n")
        np.savetxt(f, np.column_stack([np.arange(1, m.n_cells + 1), m.cells + 1]), fmt="%d",
                   delimiter=",")
        for i, region in enumerate(m.regions):
            f.write(f"*ELSET, ELSET=E{i}\n")
            np.savetxt(f, (np.asarray(m.regions[region]) + 1).reshape(-1, 1), fmt="%d")
            f.write(f"*MATERIAL, NAME=M{i}\n*CONDUCTIVITY\n")
            kf = pb.conductivity[region]
            if callable(kf):
                np.savetxt(f, np.column_stack([kf(CCX_T)[0], CCX_T]), fmt="%.12e",
                           delimiter=",")
            else:
                f.write(f"{kf:.12e}\n")
            f.write("*DENSITY\n1.\n*SPECIFIC HEAT\n1.\n"
                    f"*SOLID SECTION, ELSET=E{i}, MATERIAL=M{i}\n")
        T0 = min(bc.T_inf for bc in pb.boundaries.values())
        f.write(f"*INITIAL CONDITIONS, TYPE=TEMPERATURE\nNALL, {T0}\n*STEP, INC=100\n"
                "*HEAT TRANSFER, STEADY STATE, SOLVER=ITERATIVE CHOLESKY\n1., 1.\n*DFLUX\n")
        for region, src in pb.sources.items():
            vol = float(disc.region_volume(region))
            i = list(m.regions).index(region)
            f.write(f"E{i}, BF, {src.power / vol:.12e}\n")
        f.write("*FILM\n")
        for name, bc in pb.boundaries.items():
            cell, local, _ = disc.boundary_facets[name]
            vtk = VTK_TO_SKFEM["hexahedron"][local]  # VTK local vertices of each facet
            for k, face in enumerate(CCX_FACES):
                on = np.all(np.isin(vtk, list(face)), axis=1)
                if on.any():
                    np.savetxt(f, (cell[on] + 1).reshape(-1, 1),
                               fmt=f"%d, F{k + 1}, {bc.T_inf}, {bc.h}")
        f.write("*NODE PRINT, NSET=NALL\nNT\n*END STEP\n")


def compare_ccx(refine: float) -> None:
    """Time femtbr and CalculiX on the bonded problem; print the largest |ΔT|."""
    from femtbr.fem import solve

    ccx = shutil.which("ccx")
    if ccx is None:
        print("ccx not found (Debian package calculix-ccx)")
        return
    g, pb = bonded_problem(refine)
    t0 = time.perf_counter()
    sol = solve(pb)
    t_femtbr = time.perf_counter() - t0
    T_f = sol.temperature[: g.mesh.points.shape[0]]
    d = tempfile.mkdtemp(prefix="femtbr_ccx_")
    try:
        write_ccx(os.path.join(d, "job.inp"), g, pb)
        env = dict(os.environ, OMP_NUM_THREADS="2", CCX_NPROC_EQUATION_SOLVER="2")
        t0 = time.perf_counter()
        res = subprocess.run([ccx, "-i", "job"], cwd=d, capture_output=True, text=True,
                             env=env, check=False)
        t_ccx = time.perf_counter() - t0
        if res.returncode != 0:
            raise RuntimeError(res.stdout[-2000:] + res.stderr[-2000:])
        T = {}
        with open(os.path.join(d, "job.dat")) as f:
            for line in f:  # the last increment's values win
                parts = line.split()
                if len(parts) == 2 and parts[0].isdigit():
                    T[int(parts[0])] = float(parts[1])
        T_c = np.array([T[i + 1] for i in range(T_f.size)])
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print(f"bonded cpu_heatsink refine {refine}: {T_f.size} nodes; femtbr solve {t_femtbr:.2f} s "
          f"({sol.iterations} Newton steps), ccx {t_ccx:.2f} s (incl. reading its deck), "
          f"ratio ccx/femtbr {t_ccx / t_femtbr:.2f}; T_max femtbr {T_f.max():.5f} K, ccx "
          f"{T_c.max():.5f} K; max |T_femtbr - T_ccx| = {np.abs(T_f - T_c).max():.3e} K")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refine", type=float, default=3.1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--only", default="main,const,default", help="comma-separated configurations")
    ap.add_argument("--baseline", help="git revision to compare against")
    ap.add_argument("--ccx", action="store_true", help="the CalculiX comparison only")
    ap.add_argument("--child", nargs=argparse.REMAINDER)
    ap.add_argument("--child-plain", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    if args.child is not None:
        return child(args.child)
    if args.child_plain is not None:
        return child_plain(args.child_plain)
    if args.ccx:
        compare_ccx(args.refine)
        return 0
    cfg = configs(args.refine)
    names = [n.strip() for n in args.only.split(",")]
    if set(names) - set(cfg):
        ap.error(f"--only: unknown configuration(s) {sorted(set(names) - set(cfg))}; choose "
                 f"from {sorted(cfg)}")
    tmp = tempfile.mkdtemp(prefix="bench_main_job_")
    trees = {"new": ROOT}
    try:
        if args.baseline:
            os.makedirs(os.path.join(tmp, "base"))
            trees["base"] = extract(args.baseline, os.path.join(tmp, "base"))
        res: dict[tuple[str, str], list[dict]] = {}
        for name in names:
            for i in range(args.repeat):
                for tree, src in trees.items():  # A B A B ...
                    r = run_once(src, cfg[name], os.path.join(tmp, f"{tree}_{name}_{i}"),
                                 plain=name in PLAIN)
                    res.setdefault((tree, name), []).append(r)
                    print(f"{tree:4s} {name:8s} {fmt([r])}", flush=True)
        print("\nsummary (min and max over the repeats)")
        for (tree, name), rs in res.items():
            print(f"{tree:4s} {name:8s} {fmt(rs)}")
        for tree in trees:
            if (tree, "main") in res and (tree, "const") in res:
                a = min(r["wall"] for r in res[(tree, "main")])
                b = min(r["wall"] for r in res[(tree, "const")])
                print(f"{tree}: k(T) / constant k wall ratio {a / b:.2f}")
            scikit_fem_ratios(res, tree)
        if "base" in trees:
            for name in names:
                a = min(r["wall"] for r in res[("new", name)])
                b = min(r["wall"] for r in res[("base", name)])
                ga = min(r["peak_gib"] for r in res[("new", name)])
                gb = min(r["peak_gib"] for r in res[("base", name)])
                print(f"{name}: new / baseline wall {a / b:.3f}, peak {ga / gb:.3f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
