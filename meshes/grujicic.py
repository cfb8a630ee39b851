"""gmsh recipe: a cylindrical electronic package seated in a finned heat sink, MSH 4.1.

The contact-resistance benchmark geometry of M. Grujicic, C. L. Zhao, E. C. Dusel, "The
effect of thermal contact resistance on heat management in the electronic packaging",
Appl. Surf. Sci. 246 (2005) 290-302: a cylindrical package whose heat must cross a
package/heat-sink contact before reaching a plate-fin sink.  The paper's exact dimensions are
not reproduced here; the dimensions ASSUMED (mm) are:

* ``die``: silicon disc Ø 10 × 0.6 at the bottom centre of the package (heat source);
* ``package``: cylinder Ø 24 × 6 (e.g. alumina), its top 2 mm seated in a Ø 24 × 2 pocket
  machined in the underside of the sink base, so the contact ``package_sink`` has a flat
  (pocket floor) and a cylindrical (pocket wall) part;
* ``heatsink``: aluminium base 50 × 50 × 6 with 9 plate fins 1.5 mm thick, 25 mm tall,
  parallel to y, spread over the base width.

Physical groups — volumes ``die``, ``package``, ``heatsink``; interfaces ``die_package``,
``package_sink``; boundaries ``fins``, ``base_top``, ``sink_other`` (base sides and
underside), ``package_outer`` (exposed package faces), ``die_bottom``.  Written in metres.

Usage: ``python meshes/grujicic.py [out.msh] [size_mm]``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def make(path: str | Path, size: float = 3.0, binary: bool = True) -> Path:
    """Write the mesh to ``path`` (``size`` = largest element size in mm)."""
    import gmsh

    from femtbr.geometry.gmsh_output import write_msh41

    r_die, t_die = 5.0, 0.6
    r_pkg, h_pkg, pocket = 12.0, 6.0, 2.0
    base, t_base = 50.0, 6.0
    n_fins, t_fin, h_fin = 9, 1.5, 25.0
    z_base = h_pkg - pocket  # underside of the base
    z_bt = z_base + t_base
    gmsh.initialize(["-noenv"])
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("grujicic")
        occ = gmsh.model.occ
        die = occ.addCylinder(0, 0, 0, 0, 0, t_die, r_die)
        pkg = occ.addCylinder(0, 0, 0, 0, 0, h_pkg, r_pkg)
        pkg_cut, _ = occ.cut([(3, pkg)], [(3, die)], removeTool=False)
        parts = [(3, occ.addBox(-base / 2, -base / 2, z_base, base, base, t_base))]
        pitch = (base - t_fin) / (n_fins - 1)
        for i in range(n_fins):
            x0 = -base / 2 + i * pitch
            parts.append((3, occ.addBox(x0, -base / 2, z_bt, t_fin, base, h_fin)))
        pocket_tool = occ.addCylinder(0, 0, z_base, 0, 0, pocket, r_pkg)
        base_v, _ = occ.cut(parts[:1], [(3, pocket_tool)])
        # fins stay separate volumes of the same region (a fused solid would merge the fin
        # ends with the coplanar base faces into one surface)
        sink = base_v + parts[1:]
        occ.fragment([(3, die), *pkg_cut, *sink], [])
        occ.synchronize()
        owner = {}
        for _, v in gmsh.model.getEntities(3):
            x0, y0, z0, x1, y1, z1 = gmsh.model.getBoundingBox(3, v)
            if z0 > z_base - 1e-3:
                owner[v] = "heatsink"  # base and fins
            elif z1 < t_die + 1e-3 and x1 - x0 < 2 * r_die + 1e-3:
                owner[v] = "die"
            else:
                owner[v] = "package"
        for name in ("die", "package", "heatsink"):
            gmsh.model.addPhysicalGroup(3, [v for v, n in owner.items() if n == name], name=name)
        pairs = {("die", "package"): "die_package", ("heatsink", "package"): "package_sink"}
        groups: dict[str, list[int]] = {}
        eps = 1e-4
        for _, s in gmsh.model.getEntities(2):
            up, _ = gmsh.model.getAdjacencies(2, s)
            names = sorted({owner[v] for v in up})
            if len(up) == 2 and len(names) == 1:
                continue  # inside one region (fin root on the base)
            x0, y0, z0, x1, y1, z1 = gmsh.model.getBoundingBox(2, s)
            if len(names) == 2:
                key = pairs[tuple(names)]
            elif names == ["heatsink"]:
                if z0 > z_bt - eps and z1 > z_bt + eps:
                    key = "fins"
                elif abs(z0 - z_bt) < eps and abs(z1 - z_bt) < eps:
                    key = "base_top"
                else:
                    key = "sink_other"
            elif names == ["die"]:
                key = "die_bottom"
            else:
                key = "package_outer"
            groups.setdefault(key, []).append(s)
        for key, ss in groups.items():
            gmsh.model.addPhysicalGroup(2, ss, name=key)
        gmsh.option.setNumber("Mesh.MeshSizeMax", size)
        gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 24)
        gmsh.model.mesh.generate(3)
        path = write_msh41(path, scale=1e-3, binary=binary)
    finally:
        gmsh.finalize()
    return path


if __name__ == "__main__":
    from femtbr.geometry.gmsh_output import recipe_main

    recipe_main(make, __file__, 3.0, sys.argv[1:])
