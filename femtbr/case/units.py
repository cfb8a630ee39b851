"""Unit handling for case files: numbers are SI, strings such as ``"50 um"`` are converted.

A value may be a plain number (taken as SI in the unit the key expects) or a string
``"<number> <unit>"`` parsed with pint (``"85 degC"``, ``"1 MPa"``, ``"3 W/m/K"``).  Offset
temperature units are converted as absolute temperatures (85 degC -> 358.15 K).  Converting to a
unit of another dimension raises :class:`ValueError` with a message that names the expected unit;
the case loader adds the key path.
"""

from __future__ import annotations

import logging
import math
import re
from functools import lru_cache
from typing import Any

from femtbr.errors import CaseError

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


@lru_cache(maxsize=1)
def registry() -> Any:
    """The shared pint ``UnitRegistry`` (created on first use).

    Parsing pint's unit definitions takes ~0.3 s per process; pint's own on-disk cache of the
    parsed definitions (``cache_folder=":auto:"``, the user's cache directory) cuts that to
    ~0.05 s for every later process (``femtbr check`` is run often).  Without a writable cache
    directory the registry is built uncached.
    """
    import pint

    try:
        return pint.UnitRegistry(cache_folder=":auto:")
    except Exception:  # noqa: BLE001 - no cache directory (read-only home, no flexcache)
        log.debug("pint definition cache unavailable", exc_info=True)
        return pint.UnitRegistry()


@lru_cache(maxsize=256)
def _units(text: str) -> Any:
    return registry().parse_units(text)


def parse_quantity(text: str) -> tuple[float, Any]:
    """Split ``"<number> <unit>"`` into a magnitude and pint units (dimensionless if no unit).

    Raises
    ------
    ValueError
        The string does not start with a number or the unit is unknown.
    """
    m = _NUMBER.match(text)
    if not m:
        raise ValueError(f"expected a number or '<number> <unit>', got {text!r}")
    number, unit = float(m.group(1)), m.group(2)
    if not unit:
        return number, _units("")
    try:
        return number, _units(unit)
    except Exception:  # pint raises several error types for bad unit strings
        raise ValueError(f"unknown unit {unit!r} in {text!r}") from None


def to_si(value: Any, unit: str) -> float:
    """Convert ``value`` to a float in ``unit`` (SI).

    Parameters
    ----------
    value
        A number (already in ``unit``) or a string ``"<number> <unit>"``.
    unit
        The SI unit the key expects, in pint syntax (``"K"``, ``"W/(m^2*K)"``, ``""`` for
        dimensionless).  ``"-"`` also means dimensionless.

    Raises
    ------
    ValueError
        Not a number, unknown unit, wrong dimension, or not finite.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        out = float(value)
    elif isinstance(value, str):
        magnitude, units = parse_quantity(value)
        target = "" if unit in ("-", "1") else unit
        q = registry().Quantity(magnitude, units)
        try:
            # 15 significant digits drop binary noise of the scale factors (5 um -> 5e-06, not
            # 4.9999999999999996e-06) and keep everything a double can carry meaningfully
            out = float(f"{float(q.to(_units(target)).magnitude):.15g}")
        except Exception:
            want = target or "dimensionless"
            raise ValueError(
                f"{value!r} has units of {q.dimensionality}, expected a quantity in [{want}]"
            ) from None
    else:
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:76] + " ..."
        raise ValueError(f"expected a number or '<number> <unit>', got {shown}")
    if not math.isfinite(out):
        raise ValueError(f"must be finite, got {value!r}")
    return out


def to_base_si(value: Any) -> Any:
    """Convert a ``"<number> <unit>"`` string to its SI base-unit magnitude; pass others through.

    Used for free-form parameters whose expected unit is not declared.  A string that does not
    start with a number, or whose remainder is not a unit, is returned unchanged.
    """
    if not isinstance(value, str):
        return value
    m = _NUMBER.match(value)
    if not m or not m.group(2):
        return value
    try:
        magnitude, units = parse_quantity(value)
    except ValueError:
        return value
    q = registry().Quantity(magnitude, units).to_base_units()
    return float(f"{float(q.magnitude):.15g}")


def pint_unit(unit: str) -> str | None:
    """A documented unit string in pint syntax (``""`` if dimensionless), or ``None`` if pint
    cannot parse it (the caller then falls back to :func:`to_base_si`)."""
    if unit.strip() in ("-", "", "1"):
        return ""
    try:
        _units(unit)
        return unit
    except Exception:
        return None


def number_in_si(value: Any, key: str) -> float:
    """``value`` as a float in SI base units (sweep ranges, plot axes); numbers pass through.

    Raises
    ------
    CaseError
        ``value`` is neither a number nor a quantity string (names ``key``).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        out = to_base_si(value)
        if isinstance(out, float):
            return out
        try:
            return float(value)
        except ValueError:
            pass
    raise CaseError([(key, f"must be a number or a quantity string like '2 um', got {value!r}")])


def as_number(value: Any) -> float | None:
    """``value`` in SI if it reads as a number or quantity, else ``None`` (for plot axes)."""
    try:
        return number_in_si(value, "")
    except CaseError:
        return None
