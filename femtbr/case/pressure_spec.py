"""``interfaces.<name>.pressure``: a number, a table/CSV of points, or a named profile.

    pressure = "1 MPa"                                            # uniform
    pressure = {points = [[x, y, z, p], ...]}                     # table [m, Pa]
    pressure = {csv = "pressure.csv"}                             # columns x, y[, z], p
    pressure = {profile = "uniform", force = "400 N"}
    pressure = {profile = "parabolic", force = "400 N", center = [x, y, z], radius = "20 mm"}
    pressure = {profile = "screws", screws = [[x, y, z], ...], screw_force = "100 N",
                spread = "8 mm"}

The pipeline (:mod:`femtbr.pipeline.pressure`) turns this into the pressure field the FE core
evaluates at every facet quadrature point.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from femtbr.case.quantities import Coordinate, Length, Pressure, Quantity

Force = Quantity("N", "clamping force (N/m in 2D)", ge=0)

#: keys each profile takes (besides ``profile``)
PROFILE_KEYS: dict[str, tuple[set[str], set[str]]] = {  # (required, optional)
    "uniform": ({"force"}, set()),
    "parabolic": ({"force"}, {"center", "radius"}),
    "screws": ({"screws", "screw_force", "spread"}, set()),
}
GIVEN = ("points", "csv", "profile", "force", "center", "radius", "screws", "screw_force",
         "spread")


class PressureSpec(BaseModel):
    """A non-uniform contact pressure: exactly one of ``points``, ``csv`` or ``profile``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    points: list[list[float]] | None = Field(
        None, description="rows (x, y[, z], p) [m, Pa]: linear on a Delaunay triangulation, "
                          "nearest value outside the points' hull")
    csv: str | None = Field(None, description="CSV file (relative to the case) with columns "
                                              "x, y[, z], p [m, Pa]; a header line is allowed")
    profile: Literal["uniform", "parabolic", "screws"] | None = Field(
        None, description="a named profile normalised so that ∫p dA equals its force")
    force: Force | None = None
    center: list[Coordinate] | None = Field(
        None, description="parabolic: centre [m] (default: the centre of the interface's "
                          "bounding box)")
    radius: Length | None = Field(
        None, description="parabolic: radius R where p falls to 0 [m] (default: the largest "
                          "distance of an interface vertex from the centre)")
    screws: list[list[Coordinate]] | None = Field(None, description="screw positions [m]")
    screw_force: Force | None = Field(None, description="clamping force per screw [N]")
    spread: Length | None = Field(None, description="screws: Gaussian radius a of each "
                                                    "screw's pressure cone [m]")

    @model_validator(mode="after")
    def _one_kind(self) -> PressureSpec:
        kinds = [k for k in ("points", "csv", "profile") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("give exactly one of 'points', 'csv' or 'profile'")
        given = {k for k in GIVEN if getattr(self, k) is not None} - {kinds[0]}
        if self.profile is None:
            if given:
                raise ValueError(f"{kinds[0]!r} takes no {sorted(given)}")
            if self.points is not None:
                widths = {len(r) for r in self.points}
                if len(widths) != 1 or widths.pop() not in (2, 3, 4) or not self.points:
                    raise ValueError("points: rows of equal length (x, p), (x, y, p) or "
                                     "(x, y, z, p)")
                if any(r[-1] < 0 for r in self.points):
                    raise ValueError("points: pressure p (last column) must be >= 0 Pa")
            return self
        need, optional = PROFILE_KEYS[self.profile]
        if missing := sorted(need - given):
            raise ValueError(f"profile {self.profile!r} requires {', '.join(missing)}")
        if extra := sorted(given - need - optional):
            raise ValueError(f"profile {self.profile!r} does not take {', '.join(extra)}")
        if self.screws is not None and (not self.screws or
                                        any(len(s) not in (2, 3) for s in self.screws)):
            raise ValueError("screws: a list of positions [x, y] or [x, y, z]")
        return self


def _kind(value: Any) -> str:
    return "table[profile]" if isinstance(value, (dict, PressureSpec)) else "number[Pa]"


#: The type of ``interfaces.<name>.pressure``.
InterfacePressure = Annotated[
    Annotated[Pressure, Tag("number[Pa]")] | Annotated[PressureSpec, Tag("table[profile]")],
    Discriminator(_kind),
]
