"""A parametric study: a base case, the list of cases (overrides) and the outputs to collect.

The ``[sweep]`` table of a case file (schema :class:`femtbr.case.sweep_spec.SweepSpec`)::

    [sweep]
    mode = "grid"            # grid | zip | random | lhs
    collect = ["interfaces.tim.resistance", "regions.die.T_max"]   # alias: outputs
    [sweep.parameters]       # dotted case keys, as in --set (geometry included)
    "interfaces.tim.pressure" = [0.1e6, 0.3e6, 1e6]
    "interfaces.tim.parts[0].sigma" = ["0.5 um", "2 um"]

``grid`` takes the cartesian product of the value lists (the last key varies fastest), ``zip``
takes equally long lists element by element, ``random`` and ``lhs`` draw ``samples`` seeded
points from ranges ``{min, max, log, integer}``.  Collected keys are dotted summary keys and may
be shell patterns (``"interfaces.*.resistance"``); an empty list collects every interface
resistance and region maximum temperature.  Case ids are ``c0000``, ``c0001``, ... in order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from femtbr.case.sweep_spec import SweepSpec
from femtbr.case.units import number_in_si
from femtbr.errors import CaseError
from femtbr.sweep import sampling

DEFAULT_COLLECT = ("interfaces.*.resistance", "regions.*.T_max")


@dataclass(frozen=True)
class CaseSpec:
    """One case of a study: its id, position and the values of the swept keys."""

    case_id: str
    index: int
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Study:
    """A parametric study, ready to run.

    Attributes
    ----------
    name
        Case name (``name`` of the case file, else the file stem).
    case_path
        Absolute path of the case file (relative paths in it resolve against its folder).
    base
        The case table without ``[sweep]``.
    parameters
        The swept keys, in table order.
    collect
        Dotted summary keys collected from each case.
    cases
        The cases, in id order.
    fingerprint
        SHA-256 of base case, cases and collect list: a resumed study must match it.
    """

    name: str
    case_path: str
    base: Mapping[str, Any]
    parameters: tuple[str, ...]
    collect: tuple[str, ...]
    cases: tuple[CaseSpec, ...]
    fingerprint: str


def _spec(table: Any) -> SweepSpec:
    """Validate the ``[sweep]`` table (quantity strings allowed for range bounds)."""
    if not isinstance(table, Mapping):
        raise CaseError([("sweep", "the case has no [sweep] table")])
    table = dict(table)
    alias = "collect" in table
    if alias:
        if "outputs" in table:
            raise CaseError([("sweep.collect", "give collect or its alias outputs, not both")])
        table["outputs"] = table.pop("collect")
    params = table.get("parameters")
    if isinstance(params, Mapping):
        params = {str(k): dict(v) if isinstance(v, Mapping) else v for k, v in params.items()}
        for key, value in params.items():
            if isinstance(value, dict):
                for bound in ("min", "max"):
                    if isinstance(value.get(bound), str):
                        value[bound] = number_in_si(value[bound], f"sweep.parameters.{key}.{bound}")
        table["parameters"] = params
    try:
        return SweepSpec.model_validate(table)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
            loc = loc.replace("outputs", "collect") if alias else loc
            problems.append((f"sweep.{loc}" if loc else "sweep", err["msg"]))
        raise CaseError(problems) from None


def _points(spec: SweepSpec) -> list[sampling.Point]:
    params = spec.parameters
    if spec.mode == "grid":
        return sampling.grid(params)  # type: ignore[arg-type]
    if spec.mode == "zip":
        return sampling.zipped(params, "sweep.parameters")  # type: ignore[arg-type]
    ranges = {
        k: sampling.Range(r.min, r.max, log=r.log, integer=getattr(r, "integer", False))
        for k, r in params.items()
        if not isinstance(r, list)
    }
    return sampling.sample(ranges, int(spec.samples or 0), spec.mode, spec.seed)


def define_study(raw: Mapping[str, Any], case_path: str | Path) -> Study:
    """Build a :class:`Study` from a raw case table holding a ``[sweep]`` table.

    Raises
    ------
    CaseError
        Missing or malformed ``[sweep]`` (the message names the key), or a key that cannot be
        swept (``name``, ``sweep.*``).
    """
    spec = _spec(raw.get("sweep"))
    for key in spec.parameters:
        if key in ("name", "sweep") or key.startswith("sweep."):
            raise CaseError([(f"sweep.parameters.{key}", "cannot sweep this key")])
    collect = tuple(spec.outputs) or DEFAULT_COLLECT
    points = _points(spec)
    width = max(4, len(str(len(points) - 1)))
    cases = tuple(CaseSpec(f"c{i:0{width}d}", i, p) for i, p in enumerate(points))
    base = {k: v for k, v in raw.items() if k != "sweep"}
    blob = json.dumps(
        {"base": base, "cases": [c.params for c in cases], "collect": collect},
        sort_keys=True,
        default=str,
    )
    path = Path(case_path).resolve()
    return Study(
        name=str(raw.get("name", path.stem)),
        case_path=str(path),
        base=base,
        parameters=tuple(spec.parameters),
        collect=collect,
        cases=cases,
        fingerprint=hashlib.sha256(blob.encode()).hexdigest(),
    )


def load_study(case_path: str | Path, overrides: Any = ()) -> Study:
    """Read a TOML case file and build its :class:`Study`.

    ``overrides`` (``["a.b=V", ...]`` or ``{"a.b": V}``, as ``--set``) change the base case of
    every study case; they are part of the study's fingerprint (a resumed study must be given
    the same ones).

    Raises
    ------
    CaseError
        Unreadable file, invalid TOML, or an override of a key the case does not have.
    """
    from femtbr.case import apply_overrides, read_toml
    from femtbr.case.semantics import extra_keys

    path = Path(case_path)
    if not path.is_file():
        raise CaseError([("", f"case file not found: {path}")])
    raw = read_toml(path)
    if overrides:
        raw = apply_overrides(raw, overrides, extra_keys=extra_keys)
    return define_study(raw, path)
