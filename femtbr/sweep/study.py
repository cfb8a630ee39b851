"""A parametric study: a base case, the list of cases (overrides) and the outputs to collect.

The ``[sweep]`` table of a case file defines the study::

    [sweep]
    collect = ["interfaces.tim.resistance", "regions.die.T_max"]   # dotted summary keys
    seed = 1                                                        # for [sweep.sample]
    [sweep.grid]                       # cartesian product of lists
    "interfaces.tim.pressure" = [0.1e6, 0.3e6, 1e6]
    [sweep.zip]                        # equally long lists varied together: one grid axis
    "geometry.tim_thickness" = ["25 um", "50 um"]
    "materials.tim.k" = [3.0, 5.0]
    [sweep.sample]                     # random / Latin-hypercube samples: one grid axis
    method = "lhs"                     # or "random"
    n = 8
    [sweep.sample.ranges]
    "boundaries.fins.h" = [20.0, 80.0]                       # [lo, hi]
    "interfaces.tim.parts[0].sigma" = {min = 0.2e-6, max = 5e-6, log = true}

Keys are the dotted paths of ``--set`` (geometry included).  The sections combine as a
cartesian product (grid axes, then the zip axis, then the sample axis; the last varies
fastest).  Case ids are ``c0000``, ``c0001``, ... in that order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from femtbr.errors import CaseError
from femtbr.sweep import sampling
from femtbr.sweep.units import to_si

_SECTIONS = {"collect", "seed", "grid", "zip", "sample"}


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


def _lists(table: Any, where: str) -> dict[str, list[Any]]:
    if not isinstance(table, Mapping) or not table:
        raise CaseError([(where, "must be a non-empty table of key = [values]")])
    out = {}
    for key, values in table.items():
        if not isinstance(values, list) or not values:
            raise CaseError([(f"{where}.{key}", f"must be a non-empty list, got {values!r}")])
        out[str(key)] = values
    return out


def _range(key: str, spec: Any, where: str) -> sampling.Range:
    path = f"{where}.{key}"
    if isinstance(spec, list) and len(spec) == 2:
        spec = {"min": spec[0], "max": spec[1]}
    if not isinstance(spec, Mapping) or not {"min", "max"} <= set(spec):
        raise CaseError([(path, f"must be [lo, hi] or {{min, max, log, integer}}, got {spec!r}")])
    unknown = set(spec) - {"min", "max", "log", "integer"}
    if unknown:
        raise CaseError([(path, f"unknown fields {sorted(unknown)}")])
    lo, hi = to_si(spec["min"], f"{path}.min"), to_si(spec["max"], f"{path}.max")
    log = bool(spec.get("log", False))
    if not lo < hi:
        raise CaseError([(path, f"needs min < max, got {lo} and {hi}")])
    if log and lo <= 0:
        raise CaseError([(f"{path}.min", f"must be > 0 for log sampling, got {lo}")])
    return sampling.Range(lo, hi, log=log, integer=bool(spec.get("integer", False)))


def _axes(table: Mapping[str, Any]) -> list[list[sampling.Point]]:
    axes: list[list[sampling.Point]] = []
    if "grid" in table:
        for key, values in _lists(table["grid"], "sweep.grid").items():
            axes.append([{key: v} for v in values])
    if "zip" in table:
        axes.append(sampling.zipped(_lists(table["zip"], "sweep.zip")))
    if "sample" in table:
        smp = table["sample"]
        if not isinstance(smp, Mapping) or "ranges" not in smp or "n" not in smp:
            raise CaseError([("sweep.sample", "needs n and a [sweep.sample.ranges] table")])
        unknown = set(smp) - {"method", "n", "seed", "ranges"}
        if unknown:
            raise CaseError([("sweep.sample", f"unknown fields {sorted(unknown)}")])
        ranges = smp["ranges"]
        if not isinstance(ranges, Mapping) or not ranges:
            raise CaseError([("sweep.sample.ranges", "must be a non-empty table")])
        rs = {str(k): _range(str(k), v, "sweep.sample.ranges") for k, v in ranges.items()}
        seed = int(smp.get("seed", table.get("seed", 0)))
        axes.append(sampling.sample(rs, int(smp["n"]), str(smp.get("method", "lhs")), seed))
    return axes


def define_study(raw: Mapping[str, Any], case_path: str | Path) -> Study:
    """Build a :class:`Study` from a raw case table holding a ``[sweep]`` table.

    Raises
    ------
    CaseError
        Missing or malformed ``[sweep]`` (the message names the key), a key swept twice,
        or no swept key at all.
    """
    table = raw.get("sweep")
    if not isinstance(table, Mapping):
        raise CaseError([("sweep", "the case has no [sweep] table")])
    unknown = set(table) - _SECTIONS
    if unknown:
        msg = f"unknown fields {sorted(unknown)}; allowed {sorted(_SECTIONS)}"
        raise CaseError([("sweep", msg)])
    collect = table.get("collect")
    if not isinstance(collect, list) or not collect or not all(isinstance(c, str) for c in collect):
        raise CaseError([("sweep.collect", "must be a non-empty list of dotted summary keys")])
    axes = _axes(table)
    if not axes:
        msg = "needs at least one of [sweep.grid], [sweep.zip], [sweep.sample]"
        raise CaseError([("sweep", msg)])
    parameters: list[str] = []
    for axis in axes:
        for key in axis[0]:
            if key in parameters:
                raise CaseError([(f"sweep.{key}", "is swept in more than one section")])
            if key == "sweep" or key.startswith("sweep.") or key == "name":
                raise CaseError([(f"sweep.{key}", "cannot sweep this key")])
            parameters.append(key)
    points = sampling.combine(axes)
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
        parameters=tuple(parameters),
        collect=tuple(collect),
        cases=cases,
        fingerprint=hashlib.sha256(blob.encode()).hexdigest(),
    )


def load_study(case_path: str | Path) -> Study:
    """Read a TOML case file and build its :class:`Study`."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    path = Path(case_path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise CaseError([("", f"case file not found: {path}")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise CaseError([("", f"{path}: invalid TOML: {exc}")]) from exc
    return define_study(raw, path)
