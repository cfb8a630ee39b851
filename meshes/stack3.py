"""gmsh recipe: a 3-layer stack with a square source footprint on top (MSH 4.1, tetrahedra).

The same geometry as the ``stack`` builder's defaults: a 10 × 10 mm plate of layers (top to
bottom) ``die`` 0.5 mm, ``tim`` 50 µm, ``spreader`` 2 mm; a 4 × 4 mm footprint
``source_chip`` centred on top.  Physical groups: volumes ``die``, ``tim``, ``spreader``;
surfaces ``source_chip``, ``top``, ``sides``, ``bottom`` and the interfaces ``die_tim``,
``tim_spreader``.  Coordinates are written in metres (modelled in mm, scaled on output).

Usage::

    python meshes/stack3.py [out.msh] [mesh_size_mm]

or ``make(path, ...)`` from Python (the tests import this file).
"""

from __future__ import annotations

import sys
from pathlib import Path

LAYERS_MM = [("die", 0.5), ("tim", 0.05), ("spreader", 2.0)]


def make(
    path: str | Path,
    width: float = 10.0,
    depth: float | None = None,
    layers: list[tuple[str, float]] | None = None,
    source: tuple[float, float, float, float] | None = None,
    mesh_size: float = 1.0,
    edge_size: float | None = None,
) -> Path:
    """Write the stack mesh to ``path``; lengths in mm.

    Parameters
    ----------
    width, depth
        Plate size [mm] (depth defaults to width).
    layers
        ``(name, thickness_mm)`` top to bottom.
    source
        ``(centre_x, centre_y, size_x, size_y)`` [mm]; default a 4 mm square at the centre.
    mesh_size, edge_size
        Element size far from / at the source edges [mm].
    """
    import gmsh

    from femtbr.geometry.gmsh_output import write_msh41

    depth = width if depth is None else depth
    layers = LAYERS_MM if layers is None else layers
    cx, cy, sx, sy = source if source else (width / 2, depth / 2, 4.0, 4.0)
    edge_size = mesh_size / 4 if edge_size is None else edge_size
    H = sum(t for _, t in layers)
    gmsh.initialize(["-noenv"])
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("stack3")
        occ = gmsh.model.occ
        z, vols = H, []
        for _name, t in layers:
            vols.append((3, occ.addBox(0, 0, z - t, width, depth, t)))
            z -= t
        rect = occ.addRectangle(cx - sx / 2, cy - sy / 2, H, sx, sy)
        occ.fragment(vols, [(2, rect)])
        occ.synchronize()
        eps = 1e-6
        tops = [H - sum(t for _, t in layers[:i]) for i in range(len(layers) + 1)]
        for i, (name, _t) in enumerate(layers):
            vs = gmsh.model.getEntitiesInBoundingBox(
                -eps, -eps, tops[i + 1] - eps, width + eps, depth + eps, tops[i] + eps, 3)
            gmsh.model.addPhysicalGroup(3, [v[1] for v in vs], name=name)
        groups: dict[str, list[int]] = {}
        for _, s in gmsh.model.getEntities(2):
            x0, y0, z0, x1, y1, z1 = gmsh.model.getBoundingBox(2, s)
            if abs(z1 - z0) > eps:
                key = "sides"
            elif abs(z0 - H) < eps:
                inside = x0 >= cx - sx / 2 - eps and x1 <= cx + sx / 2 + eps and \
                    y0 >= cy - sy / 2 - eps and y1 <= cy + sy / 2 + eps
                key = "source_chip" if inside else "top"
            elif abs(z0) < eps:
                key = "bottom"
            else:
                i = min(range(1, len(layers)), key=lambda k: abs(tops[k] - z0))
                key = f"{layers[i - 1][0]}_{layers[i][0]}"
            groups.setdefault(key, []).append(s)
        for key, ss in groups.items():
            gmsh.model.addPhysicalGroup(2, ss, name=key)
        # refine toward the footprint edges
        edges = [c[1] for s in groups["source_chip"]
                 for c in gmsh.model.getBoundary([(2, s)], oriented=False)]
        f = gmsh.model.mesh.field
        d = f.add("Distance")
        f.setNumbers(d, "CurvesList", edges)
        f.setNumber(d, "Sampling", 200)
        th = f.add("Threshold")
        f.setNumber(th, "InField", d)
        f.setNumber(th, "SizeMin", edge_size)
        f.setNumber(th, "SizeMax", mesh_size)
        f.setNumber(th, "DistMin", edge_size)
        f.setNumber(th, "DistMax", 4 * mesh_size)
        f.setAsBackgroundMesh(th)
        gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
        gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
        gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
        gmsh.model.mesh.generate(3)
        path = write_msh41(path, scale=1e-3, binary=False)
    finally:
        gmsh.finalize()
    return path


if __name__ == "__main__":
    from femtbr.geometry.gmsh_output import recipe_main

    recipe_main(lambda out, size: make(out, mesh_size=size), __file__, 1.0, sys.argv[1:])
