"""``[sweep]`` table of a case (issue 6): which case keys vary, how, and what to collect.

``parameters`` maps a case key path (the same syntax as ``--set``, e.g.
``"interfaces.die_tim1.pressure"``) to either a list of values (``grid``: cartesian product;
``zip``: lists of equal length taken together) or a range ``{min, max, log}`` (``random`` and
``lhs``: ``samples`` seeded draws).  ``outputs`` are summary key paths to collect as columns.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """A sampling range for ``random``/``lhs`` studies (SI numbers)."""

    min: float
    max: float
    log: bool = False

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
    seed: int = 0
    outputs: list[str] = Field(
        default_factory=list, description="summary key paths to collect (default: main scalars)"
    )

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
