"""Every check ``femtbr run`` makes short of solving, made on the built geometry at load time.

:func:`femtbr.pipeline.load` calls :func:`preflight` after the case layer has validated the
names, so ``femtbr check`` and ``femtbr run`` reject the same inputs with the same key paths
(issue 14 item 5): the run goes through the same load.  Checked here, with no finite-element
assembly:

* probes: a point outside every cell's bounding box (exact for the builders' axis-aligned
  tensor grids and their simplex splits; a superset of the body for curved gmsh cells, whose
  exact location the run makes) is named at ``probes.<name>``;
* a region whose material has no thermal conductivity (``materials.<region>.k``);
* a transient case: ρ c_p of every region (``materials.<region>.cp`` / ``.density``) and the
  load waveforms (:func:`~femtbr.pipeline.transient_inputs.transient_loads`: names, kinds,
  CSV tables);
* heat paths (:mod:`femtbr.pipeline.heat_paths`, the solve's checks on the mesh alone): every
  interface model at the solve's first evaluation point and an interface whose h is zero there
  (``interfaces.<name>``), regions whose conductance is lost in round-off
  (``materials.<region>.k``), and regions or split-apart parts of a region with no heat path to
  a cooled boundary (``boundaries``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from femtbr.boxes import box_cells
from femtbr.errors import CaseError
from femtbr.pipeline.heat_paths import conductances, heat_path_problems, roundoff_problems

Problems = list[tuple[str, str]]

#: Relative tolerance of the probe bounding-box test (of the mesh's extent) [-].
PROBE_TOL = 1e-9


def preflight(loaded: Any) -> None:
    """Raise :class:`CaseError` with every problem the run would find before solving.

    Parameters
    ----------
    loaded
        What :func:`femtbr.case.resolve` returned (case, geometry, materials, models).
    """
    case, geo = loaded.case, loaded.geometry
    if geo is None:
        return
    problems: Problems = []
    problems += probe_problems(case.probes, geo.mesh)
    problems += conductivity_problems(case.materials, loaded.materials)
    if case.transient is not None:
        problems += transient_problems(case, loaded.materials)
    if not problems:
        g = conductances(case, geo.mesh, loaded.materials, loaded.models)
        problems += roundoff_problems(g) or heat_path_problems(case, geo.mesh, loaded.models, g)
    if problems:
        raise CaseError(problems)


def probe_problems(probes: Mapping[str, Any], mesh: Any) -> Problems:
    """``probes.<name>`` for each point [m] that lies in no cell's bounding box."""
    if not probes:
        return []
    pts = np.asarray(mesh.points)
    p_lo, p_hi = pts.min(axis=0), pts.max(axis=0)
    tol = PROBE_TOL * float(np.max(p_hi - p_lo))
    out = []
    for name, point in probes.items():
        x = np.asarray(point, float)
        if x.shape != (mesh.dim,):
            continue  # the case layer reports a wrong number of coordinates
        if not np.all(np.isfinite(x)):
            out.append((f"probes.{name}", f"coordinates must be finite, got {x.tolist()}"))
            continue
        if box_cells(pts, mesh.cells, x, tol).size == 0:
            box = f"{np.round(p_lo, 9).tolist()}..{np.round(p_hi, 9).tolist()} m"
            out.append((f"probes.{name}", f"the point {x.tolist()} m lies outside the mesh "
                        f"(bounding box {box})"))
    return out


def conductivity_problems(regions: Any, materials: Mapping[str, Any]) -> Problems:
    """``materials.<region>.k`` for each of ``regions`` whose material (region -> material,
    absent: an inline table without ``use`` or ``k``) gives no conductivity."""
    out = []
    for region in regions:
        mat = materials.get(region)
        if getattr(mat, "k_table", None) is None and getattr(mat, "k_tensor", None) is None:
            out.append((f"materials.{region}.k", "the material has no thermal conductivity; "
                        "give k [W/(m K)] (a number, a table or principal values)"))
    return out


def transient_problems(case: Any, materials: Mapping[str, Any]) -> Problems:
    """Heat capacities and load waveforms of a transient case, as the run builds them."""
    from femtbr.pipeline.transient import heat_capacity_of
    from femtbr.pipeline.transient_inputs import transient_loads

    out: Problems = []
    for region, mat in materials.items():
        try:
            heat_capacity_of(region, mat)
        except CaseError as exc:
            out += exc.problems
    try:
        transient_loads(case.transient, case.sources, case.boundaries)
    except CaseError as exc:
        out += exc.problems
    return out
