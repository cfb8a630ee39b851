"""The :class:`Geometry` value, builder parameter specs and the builder registry.

A builder is a function ``params -> Geometry`` registered under a name with a tuple of
:class:`femtbr.params.Param` (unit, default, meaning, bounds: the one parameter declaration of
models, builders and materials).  :func:`build` validates the user's table
against the spec (unknown keys, wrong types and out-of-range values raise
:class:`~femtbr.errors.CaseError` naming ``geometry.<key>``) and fills in defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from femtbr.errors import CaseError
from femtbr.mesh import TaggedMesh
from femtbr.params import Param

__all__ = ["Builder", "Geometry", "Param", "build", "builders", "estimate_size", "get_builder",
           "register"]


def _case_error(where: str, message: str) -> CaseError:
    return CaseError([(where, message)])


@dataclass(frozen=True)
class Geometry:
    """A meshed geometry plus the builder's default case tables.

    Attributes
    ----------
    mesh
        The tagged mesh (SI metres).
    materials
        Region -> material name.
    boundaries
        Boundary name -> condition table, e.g. ``{"type": "convection", "h": 10.0,
        "T_inf": 298.15}``, ``{"type": "temperature", "T": 300.0}``, ``{"type": "flux", "q": q}``
        (W/m² into the body).  Boundaries not listed are adiabatic.
    sources
        Region -> ``{"power": W}`` volumetric heating.
    interfaces
        Interface name -> ``(region_a, region_b)``.
    info
        Figures for reports: volumes, areas, layer thicknesses, footprints, parameters.
    """

    mesh: TaggedMesh
    materials: Mapping[str, str] = field(default_factory=dict)
    boundaries: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sources: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    interfaces: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("materials", "boundaries", "sources", "interfaces", "info"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))


BuilderFn = Callable[[dict[str, Any]], Geometry]


@dataclass(frozen=True)
class Builder:
    """A registered builder: its function, parameter specs and a one-line description."""

    name: str
    fn: BuilderFn
    params: tuple[Param, ...]
    doc: str
    #: Whether the builder meshes a :class:`~femtbr.geometry.grid.LabelGrid` whose size
    #: :mod:`femtbr.geometry.size` estimates before building (False for mesh files).
    sized: bool = True

    def resolve(self, params: Mapping[str, Any], prefix: str = "geometry") -> dict[str, Any]:
        """Defaults merged with validated user values; unknown or missing keys raise."""
        spec = {p.name: p for p in self.params}
        problems = []
        for k in params:
            if k not in spec:
                problems.append(
                    (f"{prefix}.{k}", f"unknown parameter of builder {self.name!r}; "
                     f"expected one of {sorted(spec)}")
                )
        if problems:
            raise CaseError(problems)
        out = {}
        for name, p in spec.items():
            if name in params:
                out[name] = p.check(params[name], f"{prefix}.{name}", _case_error)
            elif p.required:
                raise CaseError([(f"{prefix}.{name}", "required parameter is missing")])
            else:
                out[name] = p.default
        return out


_REGISTRY: dict[str, Builder] = {}


def register(name: str, params: tuple[Param, ...], doc: str,
             sized: bool = True) -> Callable[[BuilderFn], BuilderFn]:
    """Decorator registering a builder function under ``name`` (``sized``: see
    :attr:`Builder.sized`)."""

    def deco(fn: BuilderFn) -> BuilderFn:
        _REGISTRY[name] = Builder(name, fn, params, doc, sized)
        return fn

    return deco


def get_builder(name: str) -> Builder:
    """The builder called ``name``; :class:`CaseError` listing the available ones otherwise."""
    if name not in _REGISTRY:
        raise CaseError(
            [("geometry.builder", f"unknown builder {name!r}; available: {sorted(_REGISTRY)}")]
        )
    return _REGISTRY[name]


def build(name: str, params: Mapping[str, Any] | None = None, max_dofs: int | None = None,
          order: int = 1) -> Geometry:
    """Build geometry ``name`` from ``params`` (the case's [geometry] table minus "builder").

    The mesh size is estimated first (:func:`femtbr.geometry.size.check`): a mesh above
    ``max_dofs`` unknowns at element ``order`` (``None``: the default limit for this machine's
    memory) raises :class:`CaseError` naming the parameters that made it large, before anything
    large is allocated.
    """
    from femtbr.geometry import size

    b = get_builder(name)
    resolved = b.resolve(dict(params or {}))
    if b.sized:
        size.check(b, params or {}, max_dofs, order)
    return b.fn(resolved)


def estimate_size(name: str, params: Mapping[str, Any] | None = None, order: int = 1) -> Any:
    """The :class:`femtbr.geometry.size.MeshSize` builder ``name`` would make from ``params``,
    estimated without building (``None`` for a builder that makes no tensor grid)."""
    from femtbr.geometry import size

    return size.estimate(get_builder(name), params or {}, order)


def builders() -> dict[str, dict[str, Any]]:
    """Name -> {"doc": ..., "params": {param: :meth:`Param.describe`}} of every builder."""
    return {
        n: {"doc": b.doc, "params": {p.name: p.describe() for p in b.params}}
        for n, b in sorted(_REGISTRY.items())
    }
