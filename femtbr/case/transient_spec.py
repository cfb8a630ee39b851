"""``[transient]`` table of a case (issue 7): time stepping, initial state, time-dependent loads.

Power waveforms multiply the steady power of a ``[sources.<region>]`` entry:
``constant`` (1), ``step`` (0 before ``t_start``, 1 after), ``pulse`` (1 during the first
``duty`` fraction of each ``period`` after ``t_start``), ``table`` (piecewise-linear factor from
``times``/``values`` or a two-column CSV file ``csv`` relative to the case file).  Ambient
waveforms give the absolute ambient temperature of a boundary in time (``table`` only).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from femtbr.case.quantities import Quantity, Temperature, Time

StartTime = Quantity("s", "start time", ge=0)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Waveform(_Strict):
    """A time function: constant, step, pulse train, or piecewise-linear table."""

    kind: Literal["constant", "step", "pulse", "table"] = "constant"
    t_start: StartTime = 0.0
    period: Time | None = None
    duty: float | None = Field(None, gt=0, le=1, description="on fraction of each period")
    times: list[StartTime] | None = None
    values: list[float] | None = None
    csv: str | None = Field(None, description="two-column CSV (t [s], value), relative path")

    @model_validator(mode="after")
    def _keys(self) -> Waveform:
        if self.kind == "pulse" and (self.period is None or self.duty is None):
            raise ValueError("kind 'pulse' requires period and duty")
        if self.kind == "table":
            inline = self.times is not None or self.values is not None
            if inline == (self.csv is not None):
                raise ValueError("kind 'table' requires either times+values or csv")
            if inline:
                if self.times is None or self.values is None or len(self.times) != len(self.values):
                    raise ValueError("'times' and 'values' must both be given, of equal length")
                if len(self.times) < 2 or any(b <= a for a, b in pairwise(self.times)):
                    raise ValueError("'times' needs >= 2 strictly increasing entries")
        return self


class TransientSpec(_Strict):
    """Time integration settings of a transient run."""

    t_end: Time = Field(description="end time")
    dt: Time = Field(description="(initial) time step")
    scheme: Literal["backward_euler", "crank_nicolson", "bdf2"] = "bdf2"
    adaptive: bool = False
    tolerance: float = Field(1e-3, gt=0, description="local error tolerance [K] when adaptive")
    initial: Literal["uniform", "steady"] = "uniform"
    T_initial: Temperature | None = Field(None, description="uniform initial temperature")
    save_every: int = Field(1, ge=1, description="write every n-th step")
    startup_steps: int = Field(
        0, ge=0, description="Crank-Nicolson: first steps as two backward-Euler half steps"
    )
    newton: Literal["exact", "modified"] = Field(
        "exact", description="exact Jacobian every iteration, or reuse the factorisation"
    )
    power: dict[str, Waveform] = Field(
        default_factory=dict, description="source region -> power factor waveform"
    )
    ambient: dict[str, Waveform] = Field(
        default_factory=dict, description="boundary -> ambient temperature table [K]"
    )

    @model_validator(mode="after")
    def _consistent(self) -> TransientSpec:
        if self.dt > self.t_end:
            raise ValueError(f"dt ({self.dt} s) exceeds t_end ({self.t_end} s)")
        if self.initial == "uniform" and self.T_initial is None:
            raise ValueError("initial = 'uniform' requires T_initial")
        for name, w in self.ambient.items():
            if w.kind != "table":
                raise ValueError(f"ambient.{name}: only kind 'table' is supported")
        return self
