"""``[sensitivity]``, ``[uncertainty]`` and ``[fit]`` tables of a case (issue 16).

Parameters are named by case key (``--set`` syntax, e.g. ``boundaries.fins.h``,
``interfaces.die_tim1.parts[1].h``, ``materials.die.k_scale`` for a factor on a k(T) table);
outputs by the names of :mod:`femtbr.sensitivity.outputs` (``T_junction``, ``R_ja``,
``probes.<name>``, ``regions.<r>.T_mean``, ``boundaries.<b>.T_mean``, ``interfaces.<i>.heat``).
Numbers are SI or quantity strings (``"2 K"``, ``"0.05 MPa"``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _si(v: Any) -> Any:
    from femtbr.case.units import to_base_si

    return to_base_si(v)


class SensitivitySpec(_Strict):
    """``[sensitivity]``: the outputs whose adjoint sensitivities a run reports."""

    outputs: list[str] = Field(default_factory=lambda: ["T_junction"],
                               description="output names (femtbr.sensitivity.outputs)")


class Distribution(_Strict):
    """One uncertain input.  ``normal``: ``mean`` (default: the case's value) and ``std`` or
    ``rel_std`` (std / mean); ``lognormal``: the same mean and std of the variable itself;
    ``uniform``: ``min`` and ``max``."""

    distribution: Literal["normal", "lognormal", "uniform"] = "normal"
    mean: float | None = None
    std: float | None = Field(None, ge=0)
    rel_std: float | None = Field(None, ge=0)
    min: float | None = None
    max: float | None = None

    _units = field_validator("mean", "std", "min", "max", mode="before")(
        classmethod(lambda cls, v: _si(v)))

    @model_validator(mode="after")
    def _complete(self) -> Distribution:
        if self.distribution == "uniform":
            if self.min is None or self.max is None or not self.max > self.min:
                raise ValueError("uniform needs min < max")
        elif (self.std is None) == (self.rel_std is None):
            raise ValueError(f"{self.distribution} needs exactly one of std or rel_std")
        return self


class UncertaintySpec(_Strict):
    """``[uncertainty]``: input distributions and how to propagate them."""

    method: Literal["first_order", "sampling", "both"] = "first_order"
    parameters: dict[str, Distribution] = Field(description="case key -> distribution")
    outputs: list[str] = Field(default_factory=lambda: ["T_junction"])
    samples: int = Field(64, ge=2, description="sampling: number of solves")
    sampler: Literal["lhs", "random"] = Field("lhs", description="Latin hypercube or plain MC")
    seed: int = 0

    @field_validator("parameters")
    @classmethod
    def _some(cls, v: dict[str, Distribution]) -> dict[str, Distribution]:
        if not v:
            raise ValueError("name at least one uncertain parameter")
        return v


class Measurement(_Strict):
    """A measured value of an output (``T`` [K]) with its standard uncertainty ``sigma``."""

    T: float
    sigma: float = Field(gt=0)

    _units = field_validator("T", "sigma", mode="before")(classmethod(lambda cls, v: _si(v)))


class FitParameter(_Strict):
    """A parameter to estimate: bounds and an optional start (default: the case's value)."""

    min: float
    max: float
    initial: float | None = None

    _units = field_validator("min", "max", "initial", mode="before")(
        classmethod(lambda cls, v: _si(v)))

    @model_validator(mode="after")
    def _order(self) -> FitParameter:
        if not self.max > self.min:
            raise ValueError(f"max ({self.max}) must exceed min ({self.min})")
        return self


class FitSpec(_Strict):
    """``[fit]``: measurements (probe name or output name -> T, sigma) and the parameters to
    estimate by weighted least squares."""

    measurements: dict[str, Measurement]
    parameters: dict[str, FitParameter]

    @model_validator(mode="after")
    def _some(self) -> FitSpec:
        if not self.measurements or not self.parameters:
            raise ValueError("give at least one measurement and one parameter")
        return self
