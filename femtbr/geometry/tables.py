"""Validation helpers for list-of-table builder parameters (layers, sources, hot spots)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from femtbr.errors import CaseError
from femtbr.params import Param


def entries(value: Any, key: str) -> list[Mapping[str, Any]]:
    """The list of tables at ``key`` (each a mapping)."""
    if not isinstance(value, (list, tuple)):
        raise CaseError([(key, f"must be a list of tables, got {value!r}")])
    for i, e in enumerate(value):
        if not isinstance(e, Mapping):
            raise CaseError([(f"{key}[{i}]", f"must be a table, got {e!r}")])
    return list(value)


def check_keys(entry: Mapping[str, Any], allowed: set[str], key: str) -> None:
    """Raise naming the first unknown key of ``entry``."""
    for k in entry:
        if k not in allowed:
            raise CaseError([(f"{key}.{k}", f"unknown key; expected one of {sorted(allowed)}")])


def number(entry: Mapping[str, Any], name: str, key: str, default: Any = None,
           positive: bool = False, minimum: float | None = None) -> float:
    """A float field of ``entry`` (required when ``default`` is None), checked as a
    :class:`femtbr.params.Param` (finite, > 0 when ``positive``, >= ``minimum``)."""
    if name not in entry:
        if default is None:
            raise CaseError([(f"{key}.{name}", "required key is missing")])
        return default
    spec = Param(name, positive=positive) if positive else Param(name, lo=minimum)
    return spec.check(entry[name], f"{key}.{name}", lambda w, m: CaseError([(w, m)]))


def vector(entry: Mapping[str, Any], name: str, key: str, n: int,
           default: Any = None, positive: bool = False) -> tuple[float, ...]:
    """An n-vector field; a single number is broadcast (a square footprint)."""
    if name not in entry:
        if default is None:
            raise CaseError([(f"{key}.{name}", "required key is missing")])
        return tuple(default)
    v = entry[name]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = [v] * n
    if not isinstance(v, (list, tuple)) or len(v) != n or any(
        isinstance(x, bool) or not isinstance(x, (int, float)) for x in v
    ):
        raise CaseError(
            [(f"{key}.{name}", f"must be a number or a list of {n} numbers, got {v!r}")]
        )
    out = tuple(float(x) for x in v)
    if positive and not all(x > 0 for x in out):
        raise CaseError([(f"{key}.{name}", f"must be > 0, got {list(out)}")])
    return out


def name(entry: Mapping[str, Any], key: str, default: str | None = None) -> str:
    """A non-empty identifier-like string field ``name``."""
    v = entry.get("name", default)
    if not isinstance(v, str) or not v or not v.replace("_", "a").isalnum():
        raise CaseError([(f"{key}.name", f"must be a name of letters, digits and _, got {v!r}")])
    return v


def footprints(
    value: Any, key: str, lo: tuple[float, ...], hi: tuple[float, ...], what: str, prefix: str
) -> list[dict[str, Any]]:
    """Rectangular footprints ``{name, size, centre, power}`` inside the box ``[lo, hi]`` [m].

    Used for the heat-source footprints of ``stack`` and the hot spots of ``cpu_heatsink``.
    ``centre`` defaults to the box centre; names default to ``<prefix><index>``.  Each entry
    gains ``area`` [m²] (a length in 2D).

    Raises
    ------
    CaseError
        Unknown keys, duplicate names, a footprint leaving the box (``<key>[i].centre``) or two
        footprints overlapping (``<key>``), each naming the entry.
    """
    n = len(lo)
    out: list[dict[str, Any]] = []
    for i, e in enumerate(entries(value, key)):
        k = f"{key}[{i}]"
        check_keys(e, {"name", "size", "centre", "power"}, k)
        nm = name(e, k, default=f"{prefix}{i}")
        if any(f["name"] == nm for f in out):
            raise CaseError([(f"{k}.name", f"duplicate {what} name {nm!r}")])
        size = vector(e, "size", k, n, positive=True)
        centre = vector(e, "centre", k, n, default=[(lo[d] + hi[d]) / 2 for d in range(n)])
        for d in range(n):
            a, b = centre[d] - size[d] / 2, centre[d] + size[d] / 2
            tol = 1e-12 * (hi[d] - lo[d])
            if a < lo[d] - tol or b > hi[d] + tol:
                raise CaseError([(f"{k}.centre", f"{what} [{a:g}, {b:g}] m leaves "
                                  f"[{lo[d]:g}, {hi[d]:g}] m along axis {d}")])
        area = 1.0
        for s in size:
            area *= s
        out.append({"name": nm, "size": size, "centre": centre, "area": area,
                    "power": number(e, "power", k, minimum=0.0)})
    for i, a in enumerate(out):
        for b in out[i + 1:]:
            if all(abs(a["centre"][d] - b["centre"][d]) < (a["size"][d] + b["size"][d]) / 2
                   for d in range(n)):
                raise CaseError([(key, f"{what}s {a['name']!r} and {b['name']!r} overlap")])
    return out
