"""``[transient]`` table of a case (issue 7): time stepping, initial state, time-dependent loads.

Power waveforms (``[transient.power.<region>]``) multiply the steady power of a
``[sources.<region>]`` entry: ``constant`` (1), ``step`` (0 before ``t_start``, 1 after),
``pulse`` (1 during the first ``duty`` fraction of each ``period`` after ``t_start``), ``table``
(piecewise-linear factor from ``times``/``values`` or a two-column CSV file ``csv`` relative to
the case file).

Temperature waveforms give an absolute temperature [K] in time: the ambient ``T_inf`` of a
convection / radiation boundary (``[transient.ambient.<boundary>]``) or the prescribed ``T`` of a
fixed-temperature boundary (``[transient.temperature.<boundary>]``).  Every kind is allowed:
``constant`` (``level``), ``step`` (``before`` → ``after`` at ``t_start``), ``pulse`` (``high`` for
the first ``duty`` of each ``period`` from ``t_start``, else ``low``), ``table`` (``times`` /
``values`` in K or a CSV).  ``level``, ``before`` and ``low`` default to the boundary's own value
in ``[boundaries.<name>]`` (``T_inf`` or ``T``); ``after`` and ``high`` are required.

Step and pulse edges are discontinuities (the integrator lands on them and restarts BDF2);
table points are only changes of slope (it does not).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


#: The level keys each kind of temperature waveform takes.
LEVEL_KEYS = {
    "constant": ("level",),
    "step": ("before", "after"),
    "pulse": ("low", "high"),
    "table": (),
}
_REQUIRED_LEVELS = {"step": "after", "pulse": "high"}


class TemperatureWaveform(Waveform):
    """An absolute temperature in time [K] (ambient T_inf or fixed boundary T); see module."""

    values: list[Temperature] | None = None
    level: Temperature | None = Field(None, description="constant: the temperature")
    before: Temperature | None = Field(None, description="step: temperature before t_start")
    after: Temperature | None = Field(None, description="step: temperature from t_start on")
    low: Temperature | None = Field(None, description="pulse: temperature between pulses")
    high: Temperature | None = Field(None, description="pulse: temperature during pulses")

    @model_validator(mode="after")
    def _levels(self) -> TemperatureWaveform:
        allowed = LEVEL_KEYS[self.kind]
        given = [k for k in ("level", "before", "after", "low", "high") if getattr(self, k)
                 is not None]
        if extra := [k for k in given if k not in allowed]:
            raise ValueError(f"kind {self.kind!r} does not take {', '.join(extra)}")
        need = _REQUIRED_LEVELS.get(self.kind)
        if need is not None and getattr(self, need) is None:
            raise ValueError(f"kind {self.kind!r} requires {need!r} [K]")
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
    ambient: dict[str, TemperatureWaveform] = Field(
        default_factory=dict,
        description="convection / radiation boundary -> ambient temperature waveform [K]",
    )
    temperature: dict[str, TemperatureWaveform] = Field(
        default_factory=dict,
        description="fixed-temperature boundary -> prescribed temperature waveform [K]",
    )

    @model_validator(mode="after")
    def _consistent(self) -> TransientSpec:
        if self.dt > self.t_end:
            raise ValueError(f"dt ({self.dt} s) exceeds t_end ({self.t_end} s)")
        if self.initial == "uniform" and self.T_initial is None:
            raise ValueError("initial = 'uniform' requires T_initial")
        return self


def check_names(
    spec: TransientSpec, sources: Iterable[str], boundaries: Mapping[str, str]
) -> list[tuple[str, str]]:
    """Problems ``(key path, message)`` of waveforms that name a missing or wrong-kind target.

    ``sources`` are the source regions; ``boundaries`` maps each boundary with a condition to
    its ``type`` (``"temperature"``, ``"convection"``, ...).
    """
    out: list[tuple[str, str]] = []
    src = sorted(sources)
    for r in spec.power:
        if r not in src:
            out.append((f"transient.power.{r}", f"no source in region {r!r}; sources: {src}"))
    wanted = {
        "ambient": ({"convection", "radiation", "convection+radiation"}, "convection or radiation"),
        "temperature": ({"temperature"}, "fixed-temperature"),
    }
    for section, (types, what) in wanted.items():
        fitting = sorted(b for b, t in boundaries.items() if t in types)
        for b in getattr(spec, section):
            if boundaries.get(b) not in types:
                kind = f"a {boundaries[b]!r} boundary" if b in boundaries else "no such boundary"
                out.append((f"transient.{section}.{b}",
                            f"needs a {what} boundary, got {kind}; {what} boundaries: {fitting}"))
    return out

