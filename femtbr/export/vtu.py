"""VTU files of a :class:`~femtbr.fem.Solution`: the split volume mesh and the interface surfaces.

Both files are VTK XML unstructured grids written by meshio (binary, zlib at meshio's default
level) and then moved into place atomically.  Points are always 3D and vectors always have 3
components (VTK / ParaView conventions; a 2D problem gets z = 0).  Because meshio
does not write VTU ``FieldData``, the names behind the integer ids (``region`` in
``fields.vtu``, ``interface`` in ``interfaces.vtu``) are added as a small ``<FieldData>`` block
of one-value ``Int32`` arrays named ``region:<name>`` / ``interface:<name>``; meshio and
ParaView both read it back.

An axisymmetric (r–z) solution is written as its section in the x–y plane (x = r, y = z, z = 0)
with the axis along y.  ParaView revolves it with *Extract Surface* followed by *Rotational
Extrusion* (Rotation Axis 0 1 0, Angle 360; pyvista: ``extract_surface().extrude_rotate(
rotation_axis=(0, 1, 0))``), which carries the point data around.

The volume mesh keeps the split interface vertices, so ParaView shows the temperature jump at
each interface.  Do not apply ParaView's *Clean* filter (or pyvista ``clean()``): it merges the
coincident copies and the jump disappears.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import meshio
import numpy as np

from femtbr.errors import FemtbrError
from femtbr.export.atomic import atomic_path
from femtbr.fem.values.solution import InterfaceResult, Solution

#: meshio cell type of an interface facet by its number of vertices and the mesh dimension.
_FACET_TYPE = {2: "line", 3: "triangle", 4: "quad"}


def _pad3(a: np.ndarray) -> np.ndarray:
    """Pad ``(n, d)`` (d ≤ 3) to ``(n, 3)`` with zeros; ``(n,)`` is treated as ``(n, 1)``."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if a.shape[1] > 3:
        raise FemtbrError(f"cannot write a {a.shape[1]}-component vector to VTU (max 3)")
    return np.pad(a, ((0, 0), (0, 3 - a.shape[1])))


def _field_data_block(ids: Mapping[str, int]) -> bytes:
    """``<FieldData>`` XML with one Int32 array per name (value = the id)."""
    from xml.sax.saxutils import quoteattr

    rows = "".join(
        f'<DataArray type="Int32" Name={quoteattr(k)} NumberOfTuples="1" format="ascii">'
        f"{int(v)}</DataArray>\n"
        for k, v in ids.items()
    )
    return f"<FieldData>\n{rows}</FieldData>\n".encode()


def write_vtu(
    mesh: meshio.Mesh, path: str | os.PathLike[str], field_ids: Mapping[str, int] | None = None
) -> Path:
    """Write a meshio mesh as VTU (binary, zlib) atomically, with ``field_ids`` as FieldData.

    ``field_ids`` maps names to integers, written as one-value Int32 ``FieldData`` arrays that
    meshio's writer would otherwise drop.
    """
    path = Path(path)
    field_ids = field_ids or {}
    with atomic_path(path) as tmp:
        raw = tmp.with_name(tmp.name + ".raw")
        try:
            # meshio's supported options: binary, zlib at its default level
            meshio.write(raw, mesh, file_format="vtu", binary=True, compression="zlib")
            with open(raw, "rb") as src, open(tmp, "wb") as dst:
                head = src.read(1 << 16)
                tag = b"<UnstructuredGrid>"
                at = head.find(tag)
                if field_ids and at >= 0:
                    cut = at + len(tag)
                    head = head[:cut] + b"\n" + _field_data_block(field_ids) + head[cut:]
                dst.write(head)
                shutil.copyfileobj(src, dst, 1 << 20)
        finally:
            raw.unlink(missing_ok=True)
    return path


def fields_mesh(solution: Solution) -> meshio.Mesh:
    """The volume mesh of ``solution`` as a meshio mesh (split vertices, 3D points).

    Point data ``temperature`` [K]; cell data ``region`` (int32 index into
    ``solution.region_names``), ``heat_flux`` (3-vector, W/m²) and ``conductivity`` [W/(m K)];
    when a region is anisotropic also ``conductivity_tensor`` (9 components, row-major
    XX XY XZ YX … ZZ, which ParaView reads as a tensor) [W/(m K)], ``conductivity`` then
    being the mean of the principal values.
    """
    n_cells = solution.cells.shape[0]
    for name, arr in (("region_id", solution.region_id), ("conductivity", solution.conductivity)):
        if np.shape(arr)[0] != n_cells:
            raise FemtbrError(f"Solution.{name} has {np.shape(arr)[0]} rows, mesh {n_cells} cells")
    if np.shape(solution.temperature)[0] != solution.points.shape[0]:
        raise FemtbrError("Solution.temperature does not match the number of points")
    cell_data = {
        "region": [np.asarray(solution.region_id, dtype=np.int32)],
        "heat_flux": [_pad3(solution.heat_flux)],
        "conductivity": [np.asarray(solution.conductivity, dtype=float)],
    }
    tensor = getattr(solution, "conductivity_tensor", None)
    if tensor is not None:
        cell_data["conductivity_tensor"] = [np.asarray(tensor, float).reshape(n_cells, 9)]
    # Int32 connectivity (and offsets, which meshio writes in the same type) while the point
    # count allows: half the bytes to compress of the largest arrays of the file
    index = np.int32 if solution.points.shape[0] < 2**31 else np.int64
    return meshio.Mesh(
        _pad3(solution.points),
        [(solution.cell_type, np.asarray(solution.cells, dtype=index))],
        point_data={"temperature": np.asarray(solution.temperature, dtype=float)},
        cell_data=cell_data,
    )


def write_fields_vtu(solution: Solution, path: str | os.PathLike[str]) -> Path:
    """Write the split volume mesh with ``temperature``, ``region``, ``heat_flux``,
    ``conductivity`` to ``path`` (VTU) atomically; return the path."""
    ids = {f"region:{n}": i for i, n in enumerate(solution.region_names)}
    return write_vtu(fields_mesh(solution), Path(path), ids)


def _component(res, part: str) -> np.ndarray:
    """h of ``part`` on the facets of ``res``, NaN where the interface has no such part."""
    if part in res.components:
        return np.asarray(res.components[part], dtype=float)
    return np.full(len(res.T_a), np.nan)


def _pressure(res: InterfaceResult) -> np.ndarray:
    """Facet-centre contact pressure [Pa] of ``res`` (NaN when the result carries none)."""
    if res.pressure is None:
        return np.full(len(np.atleast_1d(res.h)), np.nan)
    return np.asarray(res.pressure, float)


def interfaces_mesh(solution: Solution) -> tuple[meshio.Mesh, dict[str, int]]:
    """The interface facets of ``solution`` as a meshio mesh, and name -> interface id.

    Cells are the interface facets (lines in 2D, triangles/quads in 3D) on the side-*a* copies
    of the split vertices; points are the used vertices only.  Cell data: ``interface`` (int32
    id), ``T_a``, ``T_b``, ``jump`` = T_a - T_b [K], ``heat_flux`` (normal, a → b) [W/m²],
    ``h`` [W/m²K], ``pressure`` [Pa] (also as point data: the mean of the facets around
    each vertex) and ``h_<part>`` for every component of a composed model (NaN on interfaces
    without that part).  Point data: ``T_a`` and ``T_b`` [K], the temperatures of the side-*a*
    and side-*b* copies of each interface vertex (:func:`opposite_copies`; NaN where no
    side-*b* copy is found).
    An interface without ``facet_cells`` is written as vertex cells at its facet centres.
    """
    names = list(solution.interfaces)
    comp_names = sorted({c for r in solution.interfaces.values() for c in r.components})
    blocks: dict[str, list[tuple[int, np.ndarray, object]]] = {}
    centre_points: list[np.ndarray] = []
    n_vol = solution.points.shape[0]
    for iid, name in enumerate(names):
        res = solution.interfaces[name]
        if res.facet_cells is not None and len(res.facet_cells):
            fc = np.asarray(res.facet_cells, dtype=np.int64)
            if fc.shape[1] not in _FACET_TYPE:
                raise FemtbrError(f"interface {name!r}: facets with {fc.shape[1]} vertices")
            ctype = _FACET_TYPE[fc.shape[1]]
        else:
            c = np.asarray(res.centers, dtype=float).reshape(len(res.T_a), -1)
            start = n_vol + sum(len(p) for p in centre_points)
            centre_points.append(c)
            fc = np.arange(start, start + len(c), dtype=np.int64)[:, None]
            ctype = "vertex"
        for key in ("T_a", "T_b", "jump", "heat_flux", "h", *res.components):
            arr = res.components[key] if key in res.components else getattr(res, key)
            if np.shape(arr) != (len(fc),):
                raise FemtbrError(
                    f"interface {name!r}: {key} has shape {np.shape(arr)}, "
                    f"expected ({len(fc)},) (one value per facet)"
                )
        blocks.setdefault(ctype, []).append((iid, fc, res))
    pts = _pad3(solution.points)
    if centre_points:
        pts = np.vstack([pts, _pad3(np.vstack(centre_points))])
    temp = np.concatenate(
        [np.asarray(solution.temperature, float), np.full(len(pts) - n_vol, np.nan)]
    )
    cells, data = [], {k: [] for k in ("interface", "T_a", "T_b", "jump", "heat_flux", "h")}
    data.update({f"h_{c}": [] for c in comp_names})
    data["pressure"] = []
    for ctype, items in blocks.items():
        cells.append((ctype, np.vstack([fc for _, fc, _ in items])))
        rs = [r for _, _, r in items]
        data["interface"].append(
            np.concatenate([np.full(len(fc), i, np.int32) for i, fc, _ in items])
        )
        for key in ("T_a", "T_b", "jump", "heat_flux", "h"):
            data[key].append(np.concatenate([np.asarray(getattr(r, key), float) for r in rs]))
        for c in comp_names:
            data[f"h_{c}"].append(np.concatenate([_component(r, c) for r in rs]))
        data["pressure"].append(np.concatenate([_pressure(r) for r in rs]))
    used = np.unique(np.concatenate([c.ravel() for _, c in cells])) if cells else np.zeros(0, int)
    renum = np.full(len(pts), -1, dtype=np.int64)
    renum[used] = np.arange(len(used))
    temp_b = np.full(len(pts), np.nan)
    coincident = CoincidentPoints(solution.points) if blocks else None
    for items in blocks.values():
        for _, fc, _ in items:
            if fc.shape[1] > 1:  # facets, not centre vertices
                side_a = np.unique(fc)
                other = opposite_copies(solution, side_a, coincident)
                found = other >= 0
                temp_b[side_a[found]] = np.asarray(solution.temperature, float)[other[found]]
    # point pressure: mean of the facet-centre values around each vertex [Pa]
    p_sum, p_cnt = np.zeros(len(pts)), np.zeros(len(pts))
    for (_, c), pc in zip(cells, data["pressure"], strict=True):
        np.add.at(p_sum, c, np.repeat(pc[:, None], c.shape[1], axis=1))
        np.add.at(p_cnt, c, 1.0)
    with np.errstate(invalid="ignore"):
        p_pt = p_sum / p_cnt
    mesh = meshio.Mesh(
        pts[used],
        [(t, renum[c]) for t, c in cells],
        point_data={"T_a": temp[used], "T_b": temp_b[used], "pressure": p_pt[used]},
        cell_data=data,
    )
    return mesh, {n: i for i, n in enumerate(names)}


class CoincidentPoints:
    """The points of a mesh grouped by identical coordinates (the copies of a split vertex).

    ``group[i]`` is the group of point ``i``; ``order`` lists the points group by group (in
    index order within a group), group ``g`` being ``order[starts[g]:starts[g + 1]]``.  One
    row sort of the points serves every interface.
    """

    def __init__(self, points: np.ndarray):
        points = np.asarray(points)
        self.order = np.lexsort(points.T[::-1])  # stable: index order within a group
        sp = points[self.order]
        new = np.r_[True, np.any(sp[1:] != sp[:-1], axis=1)]
        self.group = np.empty(len(points), dtype=np.int64)
        self.group[self.order] = np.cumsum(new) - 1
        self.starts = np.flatnonzero(np.r_[new, True])


def opposite_copies(solution: Solution, side_a: np.ndarray,
                    coincident: CoincidentPoints | None = None) -> np.ndarray:
    """For each side-*a* vertex of an interface, the index of its side-*b* copy (-1 if none).

    Node splitting duplicates interface vertices at identical coordinates; the side-*b* copy of
    ``v`` is another vertex at ``v``'s position.  Where a vertex has several other copies (a
    triple junction), the one in the region that most of the interface's other vertices face
    is taken.  ``coincident`` (the solution's points grouped) may be shared between calls.
    """
    side_a = np.asarray(side_a, dtype=np.int64)
    co = coincident if coincident is not None else CoincidentPoints(solution.points)
    g = co.group[side_a]
    first, size = co.starts[g], co.starts[g + 1] - co.starts[g]
    out = np.full(len(side_a), -1, dtype=np.int64)
    pair = size == 2  # one other copy: the other member of the group
    lead = co.order[first[pair]]
    out[pair] = np.where(lead == side_a[pair], co.order[first[pair] + 1], lead)
    many = np.flatnonzero(size > 2)
    if many.size == 0:
        return out
    others = [m[m != side_a[i]] for i in many
              for m in (co.order[first[i]:first[i] + size[i]],)]
    if not pair.any():
        out[many] = [o[0] for o in others]
        return out
    cells = np.asarray(solution.cells)
    region_of = np.full(len(co.group), -1, dtype=np.int64)
    region_of[cells.ravel()] = np.repeat(np.asarray(solution.region_id), cells.shape[1])
    single = region_of[out[pair]]
    facing = np.bincount(single[single >= 0]).argmax()
    for i, o in zip(many, others, strict=True):
        hit = o[region_of[o] == facing]
        out[i] = hit[0] if len(hit) else -1
    return out


def write_interfaces_vtu(solution: Solution, path: str | os.PathLike[str]) -> Path:
    """Write the interface surfaces with ``T_a``, ``T_b``, ``jump``, ``heat_flux``, ``h`` and
    ``h_<part>`` (see :func:`interfaces_mesh`) to ``path`` (VTU) atomically; return the path."""
    mesh, ids = interfaces_mesh(solution)
    return write_vtu(mesh, Path(path), {f"interface:{n}": i for n, i in ids.items()})


def write_pvd(
    entries: Sequence[tuple[float, str | os.PathLike[str]]]
    | Sequence[tuple[float, str | os.PathLike[str], int]],
    path: str | os.PathLike[str],
) -> Path:
    """Write a ParaView collection file (``.pvd``) listing data files by time, atomically.

    Parameters
    ----------
    entries
        ``(time, file)`` or ``(time, file, part)`` tuples; ``time`` is the time step value [s]
        for a transient run or any ordering value (case index, swept parameter) for a study;
        ``file`` is relative to the ``.pvd`` file's directory (POSIX separators are written).
    path
        The ``.pvd`` file.

    Raises
    ------
    FemtbrError
        If a file name is absolute or a time is not finite.
    """
    from xml.sax.saxutils import quoteattr

    buf = io.StringIO()
    buf.write('<?xml version="1.0"?>\n')
    buf.write('<VTKFile type="Collection" version="0.1" byte_order="LittleEndian">\n')
    buf.write("  <Collection>\n")
    for entry in entries:
        t, f = float(entry[0]), Path(entry[1])
        part = int(entry[2]) if len(entry) > 2 else 0
        if f.is_absolute():
            raise FemtbrError(f"write_pvd: file {str(f)!r} must be relative to the .pvd file")
        if not np.isfinite(t):
            raise FemtbrError(f"write_pvd: time of {f.as_posix()!r} is {t}, must be finite")
        buf.write(
            f'    <DataSet timestep="{t!r}" group="" part="{part}" '
            f"file={quoteattr(f.as_posix())}/>\n"
        )
    buf.write("  </Collection>\n</VTKFile>\n")
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    return Path(path)


def read_pvd(path: str | os.PathLike[str]) -> list[tuple[float, str]]:
    """Read a ``.pvd`` collection: ``(time, file)`` pairs in file order (file as written)."""
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    return [(float(d.get("timestep", "0")), d.get("file", "")) for d in root.iter("DataSet")]
