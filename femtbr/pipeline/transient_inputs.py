"""The solver objects of a ``[transient]`` table: load profiles and time stepping.

Kept out of :mod:`femtbr.case.transient_spec` so that the case layer imports no finite-element
code; the specification (waveform kinds and their meaning) is documented there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from femtbr.case.transient_spec import (
    LEVEL_KEYS,
    TemperatureWaveform,
    TransientSpec,
    Waveform,
    check_names,
)


def waveform_profile(
    w: Waveform, scale: float = 1.0, base_dir: str | None = None, base: float | None = None
) -> Any:
    """The :mod:`femtbr.fem.values.power_profiles` profile of ``w``, multiplied by ``scale``.

    A power waveform: ``constant`` -> 1, ``step`` -> 0 before / 1 from ``t_start``, ``pulse`` ->
    1 for the first ``duty``·``period`` of each period from ``t_start``, ``table`` -> the (CSV)
    table, whose relative ``csv`` path is resolved against ``base_dir``.  A
    :class:`TemperatureWaveform` uses its levels [K]; ``base`` [K] (the boundary's own value)
    stands in for an omitted ``level`` / ``before`` / ``low``.
    """
    from pathlib import Path

    from femtbr.fem.values import power_profiles as pp

    lv: dict[str, float] = {"level": 1.0, "before": 0.0, "after": 1.0, "low": 0.0, "high": 1.0}
    if isinstance(w, TemperatureWaveform):
        lv = {k: getattr(w, k) if getattr(w, k) is not None else base
              for k in ("level", "before", "after", "low", "high")}
        need = [k for k in LEVEL_KEYS[w.kind] if lv[k] is None]
        if need:
            raise ValueError(f"kind {w.kind!r} needs {need[0]!r}: the boundary has no value")
    if w.kind == "constant":
        prof: Any = pp.Constant(float(lv["level"]))
    elif w.kind == "step":
        prof = pp.Step(after=float(lv["after"]), before=float(lv["before"]), t_step=w.t_start)
    elif w.kind == "pulse":
        prof = pp.PulseTrain(
            high=float(lv["high"]), low=float(lv["low"]), period=float(w.period),
            duty=float(w.duty), t_start=w.t_start,
        )
    elif w.csv is not None:
        path = Path(w.csv)
        if base_dir is not None and not path.is_absolute():
            path = Path(base_dir) / path
        prof = pp.PiecewiseLinear.from_csv(path)
    else:
        prof = pp.PiecewiseLinear(tuple(w.times or ()), tuple(w.values or ()))
    return prof if scale == 1.0 else pp.Scaled(prof, float(scale))


def time_stepping(spec: TransientSpec) -> Any:
    """The :class:`femtbr.fem.transient.transient.TimeStepping` options of ``spec``."""
    from femtbr.fem.transient.transient import TimeStepping

    return TimeStepping(
        t_end=float(spec.t_end),
        dt=float(spec.dt),
        scheme=spec.scheme,
        adaptive=spec.adaptive,
        atol=float(spec.tolerance),
        save_every=spec.save_every,
        startup_steps=spec.startup_steps,
        newton=spec.newton,
    )


def transient_loads(
    spec: TransientSpec,
    sources: Iterable[str],
    boundaries: Mapping[str, Any],
    base_dir: str | None = None,
) -> dict[str, dict[str, Any]]:
    """The load profiles of ``spec`` as keyword arguments of ``TransientProblem``.

    ``boundaries`` maps boundary names to their ``[boundaries.<name>]`` entries (with ``type``,
    ``T`` and ``T_inf``); a temperature waveform's omitted base level is the boundary's value.

    Raises
    ------
    CaseError
        With the key path of every waveform that names a missing or wrong-kind target or
        cannot be built.
    """
    from femtbr.errors import CaseError, FemtbrError

    problems = check_names(spec, sources, {b: str(e.type) for b, e in boundaries.items()})
    if problems:
        raise CaseError(problems)
    out: dict[str, dict[str, Any]] = {"source_factor": {}, "ambient": {},
                                      "boundary_temperature": {}}
    sections = (("power", "source_factor", None), ("ambient", "ambient", "T_inf"),
                ("temperature", "boundary_temperature", "T"))
    for section, target, base_key in sections:
        for name, w in getattr(spec, section).items():
            base = getattr(boundaries[name], base_key, None) if base_key else None
            try:
                out[target][name] = waveform_profile(w, base_dir=base_dir, base=base)
            except (FemtbrError, ValueError) as exc:
                problems.append((f"transient.{section}.{name}", str(exc)))
    if problems:
        raise CaseError(problems)
    return out
