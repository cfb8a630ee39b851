"""gmsh recipe: a CPU package under a heat sink with real (tapered) plate fins, MSH 4.1.

Shapes beyond the ``cpu_heatsink`` builder's boxes: the lid (IHS) has a skirt glued to the
substrate around the die cavity, and the fins are tapered (thicker at the root).  Modelled in
mm, written in metres.  Default dimensions (mm):

* substrate 37.5 × 37.5 × 1.2; die 12 × 12 × 0.75 on it; TIM1 12 × 12 × 0.05;
* lid 30 × 30 × 2 plate with a 2 mm-wide skirt down to the substrate (cavity 26 × 26 × 0.8);
* TIM2 30 × 30 × 0.075; sink base 80 × 80 × 6; ``fins`` (12) tapered 1.6 → 0.8 mm, 30 mm tall.

Physical groups — volumes: ``substrate``, ``die``, ``tim1``, ``lid``, ``tim2``, ``heatsink``;
interfaces: ``die_substrate``, ``die_tim1``, ``tim1_lid``, ``lid_substrate``, ``lid_tim2``,
``tim2_heatsink``; boundaries: ``fins``, ``base_top``, ``base_sides``, ``base_bottom``,
``package`` (other exposed package faces), ``board_bottom``.

Usage: ``python meshes/cpu_heatsink.py [out.msh] [size_mm]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: Interface name of each pair of touching regions (in the order regions are defined).
PAIRS = {("substrate", "die"): "die_substrate", ("die", "tim1"): "die_tim1",
         ("tim1", "lid"): "tim1_lid", ("substrate", "lid"): "lid_substrate",
         ("lid", "tim2"): "lid_tim2", ("tim2", "heatsink"): "tim2_heatsink"}


def make(path: str | Path, size: float = 5.0, n_fins: int = 12, fin_root: float = 1.6,
         fin_tip: float = 0.8, fin_height: float = 30.0, binary: bool = True) -> Path:
    """Write the mesh to ``path`` (lengths in mm, ``size`` the largest element size)."""
    import gmsh

    from femtbr.geometry.gmsh_output import write_msh41

    sub, t_sub = 37.5, 1.2
    die, t_die, t_tim1 = 12.0, 0.75, 0.05
    lid, t_lid, skirt = 30.0, 2.0, 2.0
    t_tim2, base, t_base = 0.075, 80.0, 6.0
    z_die = t_sub
    z_tim1 = z_die + t_die
    z_lid = z_tim1 + t_tim1
    z_tim2 = z_lid + t_lid
    z_base = z_tim2 + t_tim2
    z_bt = z_base + t_base
    gmsh.initialize(["-noenv"])
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("cpu_heatsink")
        occ = gmsh.model.occ
        v_sub = occ.addBox(-sub / 2, -sub / 2, 0, sub, sub, t_sub)
        v_die = occ.addBox(-die / 2, -die / 2, z_die, die, die, t_die)
        v_tim1 = occ.addBox(-die / 2, -die / 2, z_tim1, die, die, t_tim1)
        plate = occ.addBox(-lid / 2, -lid / 2, z_lid, lid, lid, t_lid)
        outer = occ.addBox(-lid / 2, -lid / 2, z_die, lid, lid, z_lid - z_die)
        inner = occ.addBox(-lid / 2 + skirt, -lid / 2 + skirt, z_die, lid - 2 * skirt,
                           lid - 2 * skirt, z_lid - z_die)
        ring, _ = occ.cut([(3, outer)], [(3, inner)])
        lidv, _ = occ.fuse([(3, plate)], ring)
        v_tim2 = occ.addBox(-lid / 2, -lid / 2, z_tim2, lid, lid, t_tim2)
        parts = [(3, occ.addBox(-base / 2, -base / 2, z_base, base, base, t_base))]
        pitch = (base - fin_root) / (n_fins - 1)
        for i in range(n_fins):
            xc = -base / 2 + fin_root / 2 + i * pitch
            pts = [occ.addPoint(xc - fin_root / 2, -base / 2, z_bt),
                   occ.addPoint(xc + fin_root / 2, -base / 2, z_bt),
                   occ.addPoint(xc + fin_tip / 2, -base / 2, z_bt + fin_height),
                   occ.addPoint(xc - fin_tip / 2, -base / 2, z_bt + fin_height)]
            lines = [occ.addLine(pts[j], pts[(j + 1) % 4]) for j in range(4)]
            s = occ.addPlaneSurface([occ.addCurveLoop(lines)])
            ext = occ.extrude([(2, s)], 0, base, 0)
            parts += [e for e in ext if e[0] == 3]
        sink = parts  # fins stay separate volumes (fusing merges coplanar fin ends and base)
        occ.fragment([(3, v_sub), (3, v_die), (3, v_tim1), *lidv, (3, v_tim2), *sink], [])
        occ.synchronize()
        eps = 1e-4

        def vols_in(x0, y0, z0, x1, y1, z1):
            return [v[1] for v in gmsh.model.getEntitiesInBoundingBox(
                x0 - eps, y0 - eps, z0 - eps, x1 + eps, y1 + eps, z1 + eps, 3)]

        boxes = {  # first match wins: the lid's bounding box also contains die and TIM1
            "die": (-die / 2, -die / 2, z_die, die / 2, die / 2, z_tim1),
            "tim1": (-die / 2, -die / 2, z_tim1, die / 2, die / 2, z_lid),
            "substrate": (-sub / 2, -sub / 2, 0, sub / 2, sub / 2, t_sub),
            "tim2": (-lid / 2, -lid / 2, z_tim2, lid / 2, lid / 2, z_base),
            "heatsink": (-base / 2, -base / 2, z_base, base / 2, base / 2, z_bt + fin_height),
            "lid": (-lid / 2, -lid / 2, z_die, lid / 2, lid / 2, z_tim2),
        }
        regions: dict[str, list[int]] = {}
        taken: set[int] = set()
        for name, bb in boxes.items():
            regions[name] = [v for v in vols_in(*bb) if v not in taken]
            taken.update(regions[name])
        regions = {n: regions[n] for n in ("substrate", "die", "tim1", "lid", "tim2", "heatsink")}
        owner = {}
        for name, vs in regions.items():
            gmsh.model.addPhysicalGroup(3, vs, name=name)
            for v in vs:
                owner[v] = name
        order = list(regions)
        groups: dict[str, list[int]] = {}
        for _, s in gmsh.model.getEntities(2):
            up, _ = gmsh.model.getAdjacencies(2, s)
            names = sorted({owner[v] for v in up if v in owner}, key=order.index)
            if len(up) == 2 and len(names) == 1:
                continue  # inside one region (fin root on the base)
            if len(names) == 2:
                groups.setdefault(PAIRS[tuple(names)], []).append(s)
                continue
            x0, y0, z0, x1, y1, z1 = gmsh.model.getBoundingBox(2, s)
            if names == ["heatsink"]:
                if z0 > z_bt - eps and z1 > z_bt + eps:
                    key = "fins"
                elif abs(z1 - z_bt) < eps and abs(z0 - z_bt) < eps:
                    key = "base_top"
                elif abs(z1 - z_base) < eps and abs(z0 - z_base) < eps:
                    key = "base_bottom"
                else:
                    key = "base_sides"
            elif names == ["substrate"] and z1 < eps:
                key = "board_bottom"
            else:
                key = "package"
            groups.setdefault(key, []).append(s)
        for key, ss in groups.items():
            gmsh.model.addPhysicalGroup(2, ss, name=key)
        gmsh.option.setNumber("Mesh.MeshSizeMax", size)
        gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
        f = gmsh.model.mesh.field
        box = f.add("Box")
        for k, v in (("XMin", -lid / 2), ("XMax", lid / 2), ("YMin", -lid / 2),
                     ("YMax", lid / 2), ("ZMin", 0), ("ZMax", z_base + 1),
                     ("VIn", size / 3), ("VOut", size), ("Thickness", 10)):
            f.setNumber(box, k, v)
        f.setAsBackgroundMesh(box)
        gmsh.model.mesh.generate(3)
        path = write_msh41(path, scale=1e-3, binary=binary)
    finally:
        gmsh.finalize()
    return path


if __name__ == "__main__":
    from femtbr.geometry.gmsh_output import recipe_main

    recipe_main(make, __file__, 5.0, sys.argv[1:])
