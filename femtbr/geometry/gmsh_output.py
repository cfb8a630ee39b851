"""Writing the current gmsh model as femtbr reads it: MSH 4.1, named physical groups, metres.

Used by the recipes in ``meshes/`` (gmsh is imported lazily; it is an optional dependency).
"""

from __future__ import annotations

from pathlib import Path


def write_msh41(path: str | Path, *, scale: float = 1e-3, binary: bool = False) -> Path:
    """Write the current gmsh model to ``path`` as MSH 4.1 (MSH 2.2 loses interior interface tags).

    Parameters
    ----------
    path
        Output file.
    scale
        Factor from model units to metres (the recipes model in mm: 1e-3).
    binary
        Binary MSH (smaller) instead of ASCII.
    """
    import gmsh

    gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
    gmsh.option.setNumber("Mesh.ScalingFactor", scale)
    gmsh.option.setNumber("Mesh.Binary", int(binary))
    path = Path(path)
    gmsh.write(str(path))
    return path


def recipe_main(make, recipe_file: str, default_size: float, argv: list[str]) -> Path:
    """Command line of a ``meshes/`` recipe: ``python RECIPE.py [OUT.msh [SIZE]]``.

    ``make(out, size)`` builds and writes the mesh; ``out`` defaults to the recipe's own name
    with ``.msh``, ``size`` (the characteristic mesh size, mm) to ``default_size``.
    """
    out = argv[0] if argv else str(Path(recipe_file).with_suffix(".msh"))
    size = float(argv[1]) if len(argv) > 1 else default_size
    path = make(out, size)
    print(path)
    return path
