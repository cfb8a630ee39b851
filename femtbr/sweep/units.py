"""Numbers from sweep values that may carry units (``"0.5 MPa"``, ``"50 um"``, ``"25 degC"``).

Sampling ranges and plot axes need plain SI numbers; grid and zip values are passed to the case
layer untouched (it converts units itself).
"""

from __future__ import annotations

import functools
from typing import Any

from femtbr.errors import CaseError


@functools.lru_cache(maxsize=1)
def _registry() -> Any:
    import pint

    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


def to_si(value: Any, key: str) -> float:
    """``value`` as a float in SI base units; numbers pass through.

    Raises
    ------
    CaseError
        ``value`` is neither a number nor a quantity string (names ``key``).
    """
    if isinstance(value, bool):
        raise CaseError([(key, f"must be a number or a quantity string, got {value!r}")])
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            q = _registry().Quantity(value)
            return float(q.to_base_units().magnitude)
        except Exception as exc:  # pint raises many types
            raise CaseError([(key, f"cannot read {value!r} as a quantity: {exc}")]) from exc
    raise CaseError([(key, f"must be a number or a quantity string, got {value!r}")])


def as_number(value: Any) -> float | None:
    """``value`` in SI if it reads as a number or quantity, else ``None`` (for plot axes)."""
    try:
        return to_si(value, "")
    except CaseError:
        return None
