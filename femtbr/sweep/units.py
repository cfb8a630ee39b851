"""Numbers from sweep values that may carry units (``"0.5 MPa"``, ``"50 um"``, ``"25 degC"``).

Sampling ranges and plot axes need plain SI numbers; grid and zip values are passed to the case
layer untouched (it converts units itself).  Conversion is the case layer's
:func:`femtbr.case.units.to_base_si` (one pint registry per process).
"""

from __future__ import annotations

from typing import Any

from femtbr.errors import CaseError


def to_si(value: Any, key: str) -> float:
    """``value`` as a float in SI base units; numbers pass through.

    Raises
    ------
    CaseError
        ``value`` is neither a number nor a quantity string (names ``key``).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        from femtbr.case.units import to_base_si

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
        return to_si(value, "")
    except CaseError:
        return None
