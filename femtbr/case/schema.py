"""The case-file schema: frozen pydantic models, one per TOML table.

Numbers are SI; quantity keys also accept strings with units (see :mod:`femtbr.case.units`).
Tables whose keys depend on a registry (model parameters of an interface, inline material
properties, builder parameters) accept extra keys here and are checked against the registry by
:mod:`femtbr.case.semantics`, which also converts their units.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from femtbr.case.analysis_spec import FitSpec, SensitivitySpec, UncertaintySpec
from femtbr.case.pressure_spec import InterfacePressure
from femtbr.case.quantities import (
    HTC,
    Conductivity,
    Coordinate,
    Density,
    Fraction,
    HeatFluxDensity,
    Power,
    PowerDensity,
    SpecificHeat,
    Temperature,
)
from femtbr.case.sweep_spec import SweepSpec
from femtbr.case.transient_spec import TransientSpec
from femtbr.case.units import to_si

NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$"


class Strict(BaseModel):
    """Base: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Open(BaseModel):
    """Base of tables whose extra keys are checked against a registry later."""

    model_config = ConfigDict(extra="allow", frozen=True)


class GeometrySpec(Open):
    """``[geometry]``: a parametric builder with its parameters as further keys, or a gmsh
    ``.msh`` file (MSH 4.1, named physical groups).  Builder parameters are checked against the
    builder (``femtbr.geometry.builders()``)."""

    builder: str | None = Field(None, description="geometry builder name, e.g. 'cpu_heatsink'")
    mesh: str | None = Field(None, description="path of a .msh file, relative to the case file")
    mesh_unit: str = Field("m", description="length unit of the mesh coordinates, e.g. 'mm'")
    axisymmetric: StrictBool = Field(
        False, description="the 2D mesh is an r–z section (x = r ≥ 0, axis at x = 0, y = z) of "
        "a body of revolution: every term weighted by 2πr; powers, heats and areas are totals "
        "over the full turn (per radian = total / 2π)")

    @model_validator(mode="after")
    def _one_source(self) -> GeometrySpec:
        if (self.builder is None) == (self.mesh is None):
            raise ValueError("give exactly one of 'builder' or 'mesh'")
        if self.mesh is not None and self.model_extra:
            raise ValueError(
                f"unknown keys {sorted(self.model_extra)}: parameters only apply to a 'builder'"
            )
        if self.mesh is not None:
            to_si(f"1 {self.mesh_unit}", "m")
        return self

    @property
    def parameters(self) -> dict[str, Any]:
        """The builder parameters (every key but builder/mesh/mesh_unit/axisymmetric), SI."""
        return dict(self.model_extra or {})


class _TableInT(Strict):
    """A property tabulated against temperature; the subclass declares the value column
    (:attr:`column`) and its interpolation."""

    column: ClassVar[str]

    T: list[Temperature] = Field(min_length=2, description="temperatures [K], increasing")

    @model_validator(mode="after")
    def _shape(self) -> _TableInT:
        _check_table(self.T, getattr(self, self.column), self.column)
        return self


class KTable(_TableInT):
    """Tabulated k(T), interpolated piecewise-linearly (or as power laws; constant beyond the
    ends): femtbr.materials.PropertyTable."""

    column: ClassVar[str] = "k"

    k: list[Conductivity] = Field(min_length=2, description="conductivities [W/(m K)]")
    interpolation: Literal["linear", "power"] = Field(
        "linear", description="'linear' (default) or 'power' (log k linear in log T)")


class CpTable(_TableInT):
    """Tabulated cp(T), interpolated like :class:`KTable`."""

    column: ClassVar[str] = "cp"

    cp: list[SpecificHeat] = Field(min_length=2, description="specific heats [J/(kg K)]")
    interpolation: Literal["linear", "power"] = Field(
        "linear", description="'linear' (default) or 'power' (log cp linear in log T)")


def _check_table(T: list[float], values: list[float], name: str) -> None:
    if len(T) != len(values):
        raise ValueError(f"'T' has {len(T)} entries but {name!r} has {len(values)}")
    if any(b <= a for a, b in zip(T, T[1:], strict=False)):
        raise ValueError("'T' must be strictly increasing")


class LayeredK(Strict):
    """Orthotropic layer: in-plane and through-plane conductivities (through-plane is z in 3D,
    y in 2D), each a number or a table in T (femtbr.materials.anisotropy)."""

    in_plane: float | KTable = Field(description="in-plane conductivity [W/(m K)]")
    through_plane: float | KTable = Field(description="through-plane conductivity [W/(m K)]")

    @field_validator("in_plane", "through_plane", mode="before")
    @classmethod
    def _value(cls, v: Any) -> Any:
        return _k_value(v)


def _built(model: type[BaseModel], v: dict, where: str) -> BaseModel:
    """``model(**v)``, its first error as a ValueError naming the sub-key."""
    try:
        return model(**v)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ValueError(f"{where}{'.' if where and loc else ''}{loc}: {err['msg']}") from None


def _k_value(v: Any) -> Any:
    """A conductivity number in SI (> 0), or a table left to :class:`KTable`."""
    if isinstance(v, (dict, KTable)):
        return v
    k = to_si(v, "W/(m*K)")
    if k <= 0:
        raise ValueError(f"must be > 0, got {k!r}")
    return k


class MaterialSpec(Open):
    """``[materials.<region>]``: a library material (``use``) and/or inline properties.

    Inline keys override the library values; other property names accepted by the material
    library (sound speeds, Debye temperature, hardness …) may be given as extra keys.
    """

    use: str | None = Field(None, description="library material name, e.g. 'silicon'")
    k: float | KTable | list[float | KTable] | LayeredK | None = Field(
        None, description="conductivity [W/(m K)]: a number, or a table {T=[...], k=[...]}; "
        "anisotropic: principal values [k_x, k_y, k_z] (2D: [k_x, k_y]) or {in_plane = ..., "
        "through_plane = ...}, each a number or a table"
    )
    axes: list[list[float]] | None = Field(
        None, description="principal axes of a tensor k as orthonormal rows (row i: direction "
        "of the i-th principal value)")
    rotation: float | list[float] | None = Field(
        None, description="instead of axes: rotation of the principal axes in degrees, one "
        "angle (2D, counter-clockwise) or z-y-x Euler angles [alpha, beta, gamma] (3D)")
    density: Density | None = None
    cp: float | CpTable | None = Field(
        None, description="specific heat [J/(kg K)]: a number, or a table {T=[...], cp=[...]}"
    )

    @field_validator("k", mode="before")
    @classmethod
    def _k(cls, v: Any) -> Any:
        if v is None:
            return v
        if isinstance(v, (list, tuple)):
            if len(v) not in (2, 3):
                raise ValueError(f"2 (2D) or 3 (3D) principal values, got {len(v)}")
            return [_built(KTable, x, f"[{i}]") if isinstance(x, dict) else _k_value(x)
                    for i, x in enumerate(v)]
        if isinstance(v, dict) and ("in_plane" in v or "through_plane" in v):
            return _built(LayeredK, v, "")  # one clear error, not one per union member
        return _k_value(v)

    @field_validator("cp", mode="before")
    @classmethod
    def _cp(cls, v: Any) -> Any:
        if v is None or isinstance(v, (dict, CpTable)):
            return v
        cp = to_si(v, "J/(kg*K)")
        if cp <= 0:
            raise ValueError(f"must be > 0, got {cp!r}")
        return cp

    @model_validator(mode="after")
    def _given(self) -> MaterialSpec:
        if self.use is None and self.k is None:
            raise ValueError("give 'use' (a library material) or an inline conductivity 'k'")
        return self


class PartSpec(Open):
    """One part of a composed interface model: ``{model = "...", <parameters>}``."""

    model: str = Field(description="registered model name (see `femtbr models`)")
    label: str | None = Field(None, description="name of this part in outputs")
    parts: list[PartSpec] | None = Field(None, description="nested composition parts")


class InterfaceSpec(Open):
    """``[interfaces.<name>]``: a split interface between two regions with a conductance model.

    Model parameters are extra keys (``h = 2e5``, ``sigma = "1 um"`` …); see
    ``femtbr models NAME``.  ``side_a``/``side_b`` material names are filled from the regions
    when the model takes them and the case omits them.
    """

    between: tuple[str, str] = Field(description="the two regions [side a, side b]")
    model: str = Field(description="registered model name, or 'series'/'parallel' with parts")
    parts: list[PartSpec] | None = Field(None, description="parts of a composed model")
    pressure: InterfacePressure = 0.0

    @model_validator(mode="after")
    def _regions(self) -> InterfaceSpec:
        if self.between[0] == self.between[1]:
            raise ValueError(f"'between' needs two different regions, got {list(self.between)}")
        return self


BOUNDARY_KEYS: dict[str, tuple[str, ...]] = {
    "adiabatic": (),
    "temperature": ("T",),
    "flux": ("q",),
    "convection": ("h", "T_inf"),
    "radiation": ("emissivity", "T_inf"),
    "convection+radiation": ("h", "emissivity", "T_inf"),
}


class BoundarySpec(Strict):
    """``[boundaries.<name>]``: a condition on a named outer boundary (others are adiabatic)."""

    type: Literal[
        "adiabatic", "temperature", "flux", "convection", "radiation", "convection+radiation"
    ]
    T: Temperature | None = None
    q: HeatFluxDensity | None = None
    h: HTC | None = None
    T_inf: Temperature | None = None
    emissivity: Fraction | None = None

    @model_validator(mode="after")
    def _keys(self) -> BoundarySpec:
        need = BOUNDARY_KEYS[self.type]
        given = {k for k in ("T", "q", "h", "T_inf", "emissivity") if getattr(self, k) is not None}
        problems = []
        if missing := [k for k in need if k not in given]:
            problems.append(f"type {self.type!r} requires {', '.join(missing)}")
        if extra := sorted(given - set(need)):
            problems.append(f"type {self.type!r} does not take {', '.join(extra)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class SourceSpec(Strict):
    """``[sources.<region>]``: uniform volumetric heating; exactly one of power or density."""

    power: Power | None = None
    density: PowerDensity | None = None

    @model_validator(mode="after")
    def _one(self) -> SourceSpec:
        if (self.power is None) == (self.density is None):
            raise ValueError("give exactly one of 'power' [W] or 'density' [W/m^3]")
        return self


class SolverSpec(Strict):
    """``[solver]``: element order and Newton / linear-solver settings."""

    order: Literal[1, 2] = 1
    rtol: float = Field(1e-10, gt=0, lt=1, description="Newton relative residual tolerance")
    max_iterations: int = Field(50, ge=1, description="Newton iteration limit")
    linear_solver: Literal["auto", "direct", "amg"] = "auto"
    linear_rtol: float = Field(1e-12, gt=0, lt=1)
    T_initial: Temperature | None = Field(None, description="initial guess")
    backend: Literal["fast", "skfem"] = Field(
        "fast", description="assembly: fast kernels, or skfem.asm of the forms (reference)")
    max_dofs: int | None = Field(None, ge=1, description="largest mesh accepted, in unknowns "
                                 "(default: a quarter of the memory, see femtbr.geometry.size)")


class OutputSpec(Strict):
    """``[outputs]``: where to write, and whether to render ``fields.png``.  A run always writes
    ``summary.json``, ``fields.vtu`` and (with split interfaces) ``interfaces.vtu``."""

    directory: str | None = Field(
        None, description="output directory (default results/<name>/); --out wins"
    )
    render: bool = Field(True, description="render fields.png off-screen when possible")


class ReportSpec(Strict):
    """``[report]``: how the junction-to-ambient resistance and its breakdown are defined."""

    junction: str | None = Field(
        None, description="region whose T_max is the junction (default: largest source)"
    )
    ambient: Temperature | None = Field(
        None, description="ambient temperature (default: the boundaries' T_inf / T)"
    )
    path: list[str] | None = Field(
        None, description="regions of the series heat path, junction first (default: found)"
    )


class Case(Strict):
    """A complete case: the validated, immutable value the runner consumes."""

    name: str = Field(pattern=NAME_PATTERN, description="case name (output directory name)")
    description: str = ""
    geometry: GeometrySpec
    materials: dict[str, MaterialSpec] = Field(
        default_factory=dict, description="region name -> material"
    )
    interfaces: dict[str, InterfaceSpec] = Field(default_factory=dict)
    boundaries: dict[str, BoundarySpec] = Field(default_factory=dict)
    sources: dict[str, SourceSpec] = Field(default_factory=dict)
    solver: SolverSpec = Field(default_factory=SolverSpec)
    outputs: OutputSpec = Field(default_factory=OutputSpec)
    probes: dict[str, list[Coordinate]] = Field(
        default_factory=dict, description="probe name -> point [x, y(, z)] in m"
    )
    report: ReportSpec = Field(default_factory=ReportSpec)
    transient: TransientSpec | None = None
    sweep: SweepSpec | None = None
    sensitivity: SensitivitySpec | None = None
    uncertainty: UncertaintySpec | None = None
    fit: FitSpec | None = None

    @field_validator("probes")
    @classmethod
    def _points(cls, v: dict[str, list[float]]) -> dict[str, list[float]]:
        for name, p in v.items():
            if len(p) not in (2, 3):
                raise ValueError(f"probe {name!r}: a point has 2 or 3 coordinates, got {len(p)}")
        return v
