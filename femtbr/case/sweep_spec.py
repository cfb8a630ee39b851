"""``[sweep]`` table of a case (issue 6): which case keys vary, how, and what to collect.

``parameters`` maps a case key path (the same syntax as ``--set``, e.g.
``"interfaces.die_tim1.pressure"``, geometry keys included) to either a list of values
(``grid``: cartesian product, last key fastest; ``zip``: lists of equal length taken together)
or a range ``{min, max, log, integer}`` (``random`` and ``lhs``: ``samples`` seeded draws;
bounds may carry units, ``"0.1 MPa"``).  ``collect`` (alias ``outputs``) lists dotted summary
keys to collect as columns; shell patterns such as ``"interfaces.*.resistance"`` are allowed.
The study itself is built and run by :mod:`femtbr.sweep`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """A sampling range for ``random``/``lhs`` studies (SI numbers or quantity strings)."""

    min: float
    max: float
    log: bool = Field(False, description="sample uniformly in log(value)")
    integer: bool = Field(False, description="round samples to integers (e.g. fin_count)")

    @field_validator("min", "max", mode="before")
    @classmethod
    def _si(cls, v: Any) -> Any:
        from femtbr.case.units import to_base_si

        return to_base_si(v)

    @model_validator(mode="after")
    def _order(self) -> Range:
        if not self.max > self.min:
            raise ValueError(f"max ({self.max}) must exceed min ({self.min})")
        if self.log and self.min <= 0:
            raise ValueError("log sampling needs min > 0")
        return self


class SweepSpec(_Strict):
    """A parametric study over case keys."""

    mode: Literal["grid", "zip", "random", "lhs"] = "grid"
    parameters: dict[str, list[Any] | Range] = Field(
        description="case key path -> values (grid/zip) or range (random/lhs)"
    )
    samples: int | None = Field(None, ge=1, description="number of draws (random/lhs)")
    seed: int = Field(0, description="seed of the random / Latin-hypercube draws")
    outputs: list[str] = Field(
        default_factory=list,
        validation_alias=AliasChoices("outputs", "collect"),
        description="summary key paths (or patterns) to collect; alias 'collect' "
        "(default: interface resistances and region maximum temperatures)",
    )

    @model_validator(mode="before")
    @classmethod
    def _alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and "outputs" in data and "collect" in data:
            raise ValueError("give 'collect' or its alias 'outputs', not both")
        return data

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        if not self.parameters:
            raise ValueError("'parameters' must name at least one case key")
        lists = {k: v for k, v in self.parameters.items() if isinstance(v, list)}
        if self.mode in ("grid", "zip"):
            if len(lists) != len(self.parameters):
                raise ValueError(f"mode {self.mode!r} takes lists of values, not ranges")
            if any(len(v) == 0 for v in lists.values()):
                raise ValueError("every parameter needs at least one value")
            if self.mode == "zip" and len({len(v) for v in lists.values()}) > 1:
                raise ValueError("mode 'zip' needs lists of equal length")
        else:
            if lists:
                raise ValueError(f"mode {self.mode!r} takes ranges {{min, max, log}}")
            if self.samples is None:
                raise ValueError(f"mode {self.mode!r} requires 'samples'")
        return self
