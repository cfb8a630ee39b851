"""A quiet gmsh session for tests that build small mesh files (gmsh imported on entry, so a
test module can still skip with ``pytest.importorskip("gmsh")`` when it is missing)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def gmsh_session() -> Iterator[Any]:
    """``gmsh`` initialised without the user's environment and terminal output; finalised on
    exit, also when building the model fails."""
    import gmsh

    gmsh.initialize(["-noenv"])
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        yield gmsh
    finally:
        gmsh.finalize()
