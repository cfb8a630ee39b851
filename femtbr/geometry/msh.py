"""Read gmsh MSH 4.1 files with named physical groups into a :class:`~femtbr.mesh.TaggedMesh`.

Expected file: MSH 4.1 (ASCII or binary), first-order elements of one type (tetrahedra or
hexahedra in 3D; triangles or quads in 2D), and named physical groups:

* groups of the top dimension become **regions** (every element in exactly one);
* groups one dimension lower become **interfaces** when all their facets are shared by a cell
  of one region and a cell of another (side *a* is the first region of the group name
  ``<a>_<b>`` when it is written that way, else the region of lower physical tag), or
  **boundaries** when all their facets lie on the outer surface.

Anything else (MSH 2.2, which loses interior interface tags; no named groups; a group mixing
inner and outer facets; empty groups; second-order elements) raises :class:`MeshError`
naming the file and group and saying what is expected.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from femtbr.errors import MeshError
from femtbr.facets import owners
from femtbr.geometry.base import Geometry, Param, register
from femtbr.geometry.checks import check_mesh
from femtbr.geometry.measure import cell_volumes, group_areas, region_volumes
from femtbr.mesh import CELL_FACETS, Interface, TaggedMesh

log = logging.getLogger(__name__)

VOLUME_TYPES = {3: ("tetra", "hexahedron"), 2: ("triangle", "quad")}
FACET_TYPES = {3: ("triangle", "quad"), 2: ("line",)}
HIGHER_ORDER = ("tetra10", "hexahedron20", "hexahedron27", "triangle6", "quad8", "quad9",
                "line3", "wedge", "pyramid", "wedge15", "pyramid13")
HOWTO = ("save as MSH 4.1 with named physical groups for every region, boundary and "
         "interface (gmsh: Mesh.MshFileVersion = 4.1, first-order elements)")


def _version(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(256).decode("ascii", errors="replace").split()
    if not head or head[0] != "$MeshFormat" or len(head) < 2:
        raise MeshError(f"{path}: not a gmsh MSH file (no $MeshFormat header); {HOWTO}")
    return head[1]


def _read(path: Path):
    import meshio

    try:
        return meshio.read(str(path), file_format="gmsh")
    except Exception as exc:  # meshio raises several types
        raise MeshError(f"{path}: cannot read ({exc}); {HOWTO}") from exc


def _group_cells(m, name: str, types: tuple[str, ...],
                 owner: tuple[dict[int, np.ndarray], list[str]] | None = None,
                 ) -> dict[str, list[np.ndarray]]:
    """Cell type -> list of connectivity arrays of group ``name``.

    ``owner`` = (block index -> group index per element (-1 free), group names) records which
    region group took each element, so an element in two region groups is reported.
    """
    out: dict[str, list[np.ndarray]] = {}
    for ib, (block, idx) in enumerate(zip(m.cells, m.cell_sets.get(name, []), strict=False)):
        if idx is None or len(idx) == 0:
            continue
        if block.type not in types:
            raise MeshError(f"physical group {name!r}: element type {block.type!r} not supported "
                            f"(expected {list(types)}); {HOWTO}")
        if owner is not None:
            taken, names = owner
            own = taken.setdefault(ib, np.full(len(block.data), -1, dtype=np.int64))
            clash = own[idx] >= 0
            if clash.any():
                other = names[int(own[idx][clash][0])]
                raise MeshError(f"physical groups {other!r} and {name!r} share "
                                f"{int(clash.sum())} element(s); regions must be disjoint")
            own[idx] = names.index(name)
        out.setdefault(block.type, []).append(block.data[idx])
    return out


def load_msh(path: str | Path, scale: float = 1.0, check: bool = True) -> TaggedMesh:
    """Read a gmsh MSH 4.1 file (see module docstring).

    Parameters
    ----------
    path
        The ``.msh`` file.
    scale
        Factor applied to coordinates (e.g. 1e-3 for a model drawn in mm) to get metres.
    check
        Run :func:`~femtbr.geometry.checks.check_mesh` on the result.

    Raises
    ------
    MeshError
        Unreadable file, wrong version, missing/empty/ambiguous groups, bad elements.
    """
    path = Path(path)
    if not path.is_file():
        raise MeshError(f"mesh file {str(path)!r} does not exist")
    ver = _version(path)
    if not ver.startswith("4"):
        raise MeshError(f"{path}: MSH version {ver} is not supported (MSH 2.2 loses interior "
                        f"interface tags); {HOWTO}")
    m = _read(path)
    groups = {n: (int(v[0]), int(v[1])) for n, v in m.field_data.items()
              if not n.startswith("gmsh:")}
    if not groups:
        raise MeshError(f"{path}: no named physical groups (untagged mesh); {HOWTO}")
    for b in m.cells:
        if b.type in HIGHER_ORDER:
            raise MeshError(f"{path}: element type {b.type!r} not supported; {HOWTO}")
    D = max(d for _, d in groups.values())
    if D not in (2, 3):
        raise MeshError(f"{path}: highest physical group dimension is {D}; need 2 or 3")
    # ---- regions
    region_names = sorted((n for n, (_, d) in groups.items() if d == D), key=lambda n: groups[n])
    owner: tuple[dict[int, np.ndarray], list[str]] = ({}, region_names)
    per_region = {n: _group_cells(m, n, VOLUME_TYPES[D], owner) for n in region_names}
    for n, c in per_region.items():
        if not c:
            raise MeshError(f"{path}: physical group {n!r} (dimension {D}) is empty")
    types = {t for c in per_region.values() for t in c}
    if len(types) > 1:
        raise MeshError(f"{path}: mixed element types {sorted(types)}; use one type per mesh")
    ctype = types.pop()
    blocks = [np.concatenate(per_region[n][ctype]) for n in region_names]
    cells = np.concatenate(blocks).astype(np.int64)
    regions, start = {}, 0
    for n, b in zip(region_names, blocks, strict=True):
        regions[n] = np.arange(start, start + len(b))
        start += len(b)
    # ---- compact points
    used = np.zeros(len(m.points), dtype=bool)
    used[cells.ravel()] = True
    newid = np.cumsum(used) - 1
    pts = np.asarray(m.points, dtype=float)[used] * scale
    cells = newid[cells]
    if D == 2:
        if pts.shape[1] == 3 and np.ptp(pts[:, 2]) > 1e-12 * max(np.ptp(pts[:, :2]), 1e-300):
            raise MeshError(f"{path}: 2D mesh is not in a plane z = const")
        pts = pts[:, :2]
    if ctype in ("triangle", "tetra"):
        vol = cell_volumes(pts, cells, ctype)
        if (vol < 0).any():  # a simplex's orientation is only its vertex order
            cells[vol < 0] = cells[vol < 0][:, [0, 2, 1] if ctype == "triangle" else [0, 2, 1, 3]]
    mesh = TaggedMesh(pts, cells, ctype, regions=regions)
    # ---- facet groups
    rid = mesh.region_of_cell()
    boundaries, interfaces = {}, {}
    for n, (_tag, d) in sorted(groups.items(), key=lambda kv: kv[1]):
        if d != D - 1:
            if d < D - 1:
                log.debug("ignoring physical group %r of dimension %d", n, d)
            continue
        parts = _group_cells(m, n, FACET_TYPES[D])
        if not parts:
            raise MeshError(f"{path}: physical group {n!r} (dimension {d}) is empty")
        f = np.concatenate([np.concatenate(v) for v in parts.values()]).astype(np.int64)
        if not used[f.ravel()].all():
            raise MeshError(f"{path}: physical group {n!r} has facets not on any region cell")
        f = newid[f]
        found = owners(f, mesh.cells, CELL_FACETS[ctype])
        c0, c1, cnt = found.first, found.second, found.count
        if (cnt == 1).all():
            boundaries[n] = f
            continue
        if not (cnt == 2).all():
            raise MeshError(f"{path}: physical group {n!r} mixes inner and outer facets (or has "
                            f"facets on no cell); split it into an interface and a boundary")
        pairs = {tuple(sorted(p)) for p in zip(rid[c0].tolist(), rid[c1].tolist(), strict=True)}
        if len(pairs) != 1:
            names = sorted({region_names[i] for p in pairs for i in p})
            raise MeshError(f"{path}: interface group {n!r} lies between several region pairs "
                            f"({names}); make one group per pair of regions")
        ia, ib = pairs.pop()
        if ia == ib:
            raise MeshError(f"{path}: physical group {n!r} lies inside region "
                            f"{region_names[ia]!r}; an interface must separate two regions")
        a, b = region_names[ia], region_names[ib]
        if n.startswith(f"{b}_") and n.endswith(f"_{a}") and not n.startswith(f"{a}_"):
            a, b = b, a
        interfaces[n] = Interface(f, a, b)
    mesh = TaggedMesh(pts, cells, ctype, regions=regions, boundaries=boundaries,
                      interfaces=interfaces)
    if check:
        check_mesh(mesh)
    return mesh


@register("msh", (
    Param("path", None, "", "gmsh MSH 4.1 file with named physical groups", "str", required=True),
    Param("scale", 1.0, "", "coordinate factor to metres (1e-3 for a model in mm)",
          positive=True),
    Param("materials", {}, "", "region -> material name", "any"),
    Param("axisymmetric", False, "", "the 2D mesh is an r–z section (x = r ≥ 0, axis at x = 0)",
          "bool"),
), "a mesh file (gmsh MSH 4.1 with named physical groups)", sized=False)
def build_msh(p: dict[str, Any]) -> Geometry:
    """Geometry of a mesh file: regions, interfaces, boundaries as named in the file."""
    mesh = load_msh(p["path"], scale=p["scale"])
    axisym = bool(p.get("axisymmetric", False))
    if axisym:
        from femtbr.geometry.axisymmetric import check_section

        check_section(mesh)
    mats = dict(p["materials"] or {})
    for r in mats:
        if r not in mesh.regions:
            from femtbr.errors import CaseError

            raise CaseError([(f"geometry.materials.{r}", f"region not in the mesh; it has "
                              f"{sorted(mesh.regions)}")])
    return Geometry(
        mesh=mesh,
        materials=mats,
        interfaces={n: (i.region_a, i.region_b) for n, i in mesh.interfaces.items()},
        info={"builder": "msh", "path": str(p["path"]), "axisymmetric": axisym,
              "volumes": region_volumes(mesh, axisym),
              "areas": group_areas(mesh, axisym), "n_points": int(mesh.points.shape[0]),
              "n_cells": mesh.n_cells},
    )
