"""The default "run one case" of a sweep, with per-process reuse of mesh and discretization.

Each worker process keeps the discretizations it built (:class:`femtbr.fem.Discretization`:
validated mesh, node split, numbering, sparsity pattern, bulk stiffness matrix for the last set
of constant conductivities) keyed by a hash of the resolved ``[geometry]`` table, the element
order and the names of the split interfaces.  Cases that differ only in interface, boundary,
source or material keys reuse it; only the interface/boundary/source terms are assembled again.
The mesh itself is cached by :func:`femtbr.case.geometry_source.geometry_for`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from femtbr.errors import ConvergenceError

log = logging.getLogger(__name__)

CACHE_SIZE = 2  # discretizations kept per process (they can be large)
_CACHE: OrderedDict[str, Any] = OrderedDict()
_LOCK = threading.Lock()  # Dask workers may run several threads
STATS = {"built": 0, "reused": 0}


def warm_up() -> None:
    """Import the case, finite-element and export layers (called once per worker process)."""
    import femtbr.case
    import femtbr.case.units
    import femtbr.export
    import femtbr.fem
    import femtbr.runner  # noqa: F401

    femtbr.case.units.registry()  # pint's registry takes ~0.5 s to build


def discretization_key(case: Any) -> str:
    """Hash of what a discretization depends on: geometry table, order, split interfaces."""
    blob = json.dumps(
        {
            "geometry": case.geometry.model_dump(mode="json"),
            "order": case.solver.order,
            "split": sorted(case.interfaces),
            "between": {k: list(v.between) for k, v in sorted(case.interfaces.items())},
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _discretization(case: Any, problem: Any) -> tuple[Any, bool]:
    from femtbr.fem import discretize

    key = discretization_key(case)
    order, split = problem.options.order, tuple(problem.interfaces)
    with _LOCK:
        disc = _CACHE.get(key)
        if disc is not None and disc.compatible(problem.mesh, split, order):
            _CACHE.move_to_end(key)
            STATS["reused"] += 1
            return disc, True
    disc = discretize(problem)
    with _LOCK:
        _CACHE[key] = disc
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        STATS["built"] += 1
    return disc, False


def clear_cache() -> None:
    """Forget the cached discretizations of this process (benchmarks: cold runs)."""
    with _LOCK:
        _CACHE.clear()


def run_case(
    base: Mapping[str, Any], params: Mapping[str, Any], case_path: str, out_dir: Path
) -> dict[str, Any]:
    """Validate ``base`` with ``params`` as ``--set`` overrides, solve, write, return the summary.

    Relative paths in the case resolve against the folder of ``case_path``.  Unless the case
    asks for it explicitly (``[outputs] render``), no PNG is rendered per case.  The summary
    gains ``sweep.reused`` (1 when the discretization came from the cache), ``sweep.t_solve``
    [s] (problem set-up and solve) and the solver's phase timings ``sweep.t_<phase>`` [s].

    Raises
    ------
    CaseError
        An override is invalid (unknown key, bad value).
    ConvergenceError
        Newton did not converge (nothing is written).
    """
    from femtbr.case import validate
    from femtbr.export import write_outputs
    from femtbr.fem import solve
    from femtbr.runner import build_problem, summarize

    overrides = dict(params)
    if "render" not in (base.get("outputs") or {}):
        overrides.setdefault("outputs.render", False)
    case = validate(base, base_dir=Path(case_path).parent, overrides=overrides)
    t0 = time.perf_counter()
    prepared = build_problem(case)
    disc, reused = _discretization(case, prepared.problem)
    solution = solve(prepared.problem, disc)
    if not solution.converged:
        raise ConvergenceError(
            f"Newton did not converge in {solution.iterations} iterations",
            solution.residual_history,
        )
    t_solve = time.perf_counter() - t0
    summary = summarize(case, prepared, solution)
    write_outputs(solution, summary, out_dir, render=case.outputs.render)
    summary["sweep"] = {"reused": float(reused), "t_solve": t_solve}
    summary["sweep"].update({f"t_{k}": float(v) for k, v in solution.timings.items()})
    return summary
