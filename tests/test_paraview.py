"""ParaView's own reader (pvpython) opens fields.vtu, interfaces.vtu and a .pvd time series.

pvpython comes from the Debian package ``python3-paraview`` (only a *Recommends* of ``paraview``,
so ``apt-get install --no-install-recommends paraview`` alone does not provide it).  It runs
headless (no display; ``--no-mpi`` so no MPI runtime is needed); we run it in a subprocess that
prints what ParaView sees as JSON, and check that against the Solution here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from dataclasses import replace

import numpy as np
import pytest
from test_export_fixtures import H, Q, layered_solution

from femtbr.export import write_fields_vtu, write_outputs, write_pvd
from femtbr.pipeline.report import build_summary

PVPYTHON = shutil.which("pvpython")
pytestmark = pytest.mark.skipif(
    PVPYTHON is None, reason="pvpython not found (Debian: apt install python3-paraview)"
)

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from paraview import servermanager
    from paraview.simple import PVDReader, XMLUnstructuredGridReader

    def arrays(data):
        out = {}
        for i in range(data.GetNumberOfArrays()):
            a = data.GetArray(i)
            out[a.GetName()] = [a.GetNumberOfComponents(), a.GetNumberOfTuples(),
                                list(a.GetRange(-1 if a.GetNumberOfComponents() > 1 else 0))]
        return out

    def describe(d):
        return {"points": d.GetNumberOfPoints(), "cells": d.GetNumberOfCells(),
                "point": arrays(d.GetPointData()), "cell": arrays(d.GetCellData()),
                "field": {d.GetFieldData().GetArrayName(i): d.GetFieldData().GetArray(i).GetValue(0)
                          for i in range(d.GetFieldData().GetNumberOfArrays())},
                "cell_types": sorted({d.GetCellType(i) for i in range(d.GetNumberOfCells())})}

    fields, interfaces, pvd = sys.argv[1:4]
    res = {}
    for key, name in (("fields", fields), ("interfaces", interfaces)):
        r = XMLUnstructuredGridReader(FileName=[name])
        r.UpdatePipeline()
        res[key] = describe(servermanager.Fetch(r))
    r = PVDReader(FileName=pvd)
    res["times"] = list(r.TimestepValues)
    res["T_range_at"] = {}
    for t in res["times"]:
        r.UpdatePipeline(t)
        d = servermanager.Fetch(r)
        res["T_range_at"][repr(t)] = list(d.GetPointData().GetArray("temperature").GetRange())
    print("JSON" + json.dumps(res))
    """
)

VTK_LINE, VTK_QUAD, VTK_HEXAHEDRON = 3, 9, 12


def _pvpython(tmp_path, *args):
    script = tmp_path / "inspect.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [PVPYTHON, "--no-mpi", "--force-offscreen-rendering", str(script), *map(str, args)],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = [s for s in proc.stdout.splitlines() if s.startswith("JSON")][-1]
    return json.loads(line[4:])


@pytest.mark.parametrize("cell_type", ["hexahedron", "quad"])
def test_pvpython_reads_outputs(tmp_path, cell_type):
    s = layered_solution(cell_type)
    out = tmp_path / "run"
    write_outputs(s, build_summary(s, name="slab", parameters={}), out, render=False)
    # A two-step series: the second step is 10 K warmer everywhere.
    steps = tmp_path / "series"
    steps.mkdir()
    write_fields_vtu(s, steps / "t0.vtu")
    write_fields_vtu(replace(s, temperature=s.temperature + 10.0), steps / "t1.vtu")
    pvd = write_pvd([(0.0, "t0.vtu"), (2.5, "t1.vtu")], steps / "series.pvd")

    seen = _pvpython(tmp_path, out / "fields.vtu", out / "interfaces.vtu", pvd)

    f = seen["fields"]
    assert f["points"] == len(s.points) and f["cells"] == len(s.cells)  # split copies kept
    assert f["cell_types"] == [VTK_HEXAHEDRON if cell_type == "hexahedron" else VTK_QUAD]
    assert set(f["point"]) == {"temperature"}
    assert set(f["cell"]) == {"region", "heat_flux", "conductivity"}
    ncomp, ntup, rng = f["point"]["temperature"]
    assert (ncomp, ntup) == (1, len(s.points))
    np.testing.assert_allclose(rng, [s.temperature.min(), s.temperature.max()], rtol=1e-14)
    assert f["cell"]["heat_flux"][0] == 3
    np.testing.assert_allclose(f["cell"]["heat_flux"][2], [Q, Q], rtol=1e-14)  # |q| range
    assert f["cell"]["region"][2] == [0, len(s.region_names) - 1]
    assert f["field"] == {f"region:{n}": i for i, n in enumerate(s.region_names)}

    i = seen["interfaces"]
    n_facets = sum(len(r.facet_cells) for r in s.interfaces.values())
    assert i["cells"] == n_facets
    assert i["cell_types"] == [VTK_QUAD if cell_type == "hexahedron" else VTK_LINE]
    assert {"interface", "T_a", "T_b", "jump", "heat_flux", "h", "h_contact", "h_gap",
            "pressure"} == set(i["cell"])
    assert set(i["point"]) == {"T_a", "T_b", "pressure"}
    np.testing.assert_allclose(i["cell"]["jump"][2], sorted(Q / np.array(H)), rtol=1e-12)
    np.testing.assert_allclose(i["cell"]["h"][2], sorted(H), rtol=1e-14)
    assert i["field"] == {f"interface:{n}": k for k, n in enumerate(s.interfaces)}

    assert seen["times"] == [0.0, 2.5]
    T0 = [s.temperature.min(), s.temperature.max()]
    np.testing.assert_allclose(seen["T_range_at"]["0.0"], T0, rtol=1e-14)
    np.testing.assert_allclose(seen["T_range_at"]["2.5"], np.add(T0, 10.0), rtol=1e-14)
