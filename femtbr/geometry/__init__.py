"""Parametric geometry builders and mesh loading (numpy and gmsh only; no scikit-fem).

* :func:`build` ``(name, params) -> Geometry`` and :func:`builders` (the registry);
  builders ``stack``, ``cpu_heatsink`` and ``msh`` (a gmsh MSH 4.1 file).
* :func:`load_msh` — read a gmsh MSH 4.1 file with named physical groups.
* :func:`check_mesh`, :func:`require_groups` — mesh sanity checks.
"""

from femtbr.geometry import cpu_heatsink as _cpu  # noqa: F401  (registers the builder)
from femtbr.geometry import msh as _msh  # noqa: F401
from femtbr.geometry import stack as _stack  # noqa: F401
from femtbr.geometry.base import Geometry, Param, build, builders, get_builder
from femtbr.geometry.checks import check_mesh, require_groups
from femtbr.geometry.measure import group_areas, region_volumes
from femtbr.geometry.msh import load_msh

__all__ = [
    "Geometry",
    "Param",
    "build",
    "builders",
    "check_mesh",
    "get_builder",
    "group_areas",
    "load_msh",
    "region_volumes",
    "require_groups",
]
