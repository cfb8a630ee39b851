"""The solver objects of a ``[transient]`` table: power/ambient profiles and time stepping.

Kept out of :mod:`femtbr.case.transient_spec` so that the case layer imports no finite-element
code; the specification (waveform kinds and their meaning) is documented there.
"""

from __future__ import annotations

from typing import Any

from femtbr.case.transient_spec import TransientSpec, Waveform


def waveform_profile(w: Waveform, scale: float = 1.0, base_dir: str | None = None) -> Any:
    """The :mod:`femtbr.fem.power_profiles` profile of ``w``, multiplied by ``scale``.

    ``constant`` -> 1, ``step`` -> 0 before / 1 from ``t_start``, ``pulse`` -> 1 for the first
    ``duty``·``period`` of each period from ``t_start``, ``table`` -> the (CSV) table, whose
    relative ``csv`` path is resolved against ``base_dir``.
    """
    from pathlib import Path

    from femtbr.fem import power_profiles as pp

    if w.kind == "constant":
        prof: Any = pp.Constant(1.0)
    elif w.kind == "step":
        prof = pp.Step(after=1.0, before=0.0, t_step=w.t_start)
    elif w.kind == "pulse":
        prof = pp.PulseTrain(
            high=1.0, period=float(w.period), duty=float(w.duty), t_start=w.t_start
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
    """The :class:`femtbr.fem.transient.TimeStepping` options of ``spec``."""
    from femtbr.fem.transient import TimeStepping

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
