"""Validation helpers for list-of-table builder parameters (layers, sources, hot spots)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from femtbr.errors import CaseError


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
    """A float field of ``entry`` (required when ``default`` is None)."""
    if name not in entry:
        if default is None:
            raise CaseError([(f"{key}.{name}", "required key is missing")])
        return default
    v = entry[name]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise CaseError([(f"{key}.{name}", f"must be a number, got {v!r}")])
    v = float(v)
    if positive and not v > 0:
        raise CaseError([(f"{key}.{name}", f"must be > 0, got {v}")])
    if minimum is not None and v < minimum:
        raise CaseError([(f"{key}.{name}", f"must be >= {minimum}, got {v}")])
    return v


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
