"""The conductance-model protocol and the parameter machinery every model shares.

A model is a frozen dataclass whose fields are declared with :func:`param` (unit, valid range,
meaning).  ``__post_init__`` validates every parameter and raises :class:`ModelError` naming it.
``conductance(T, p)`` returns ``(h, dh/dT)`` in W/(m² K) and W/(m² K²) for numpy arrays of the
mean interface temperature ``T`` [K] and contact pressure ``p`` [Pa].
"""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from femtbr.errors import ModelError


@runtime_checkable
class ConductanceModel(Protocol):
    """Anything with ``conductance(T, p) -> (h, dh/dT)``."""

    def conductance(self, T: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class ParamInfo:
    """Metadata of one model parameter (shown by ``femtbr models NAME``)."""

    unit: str
    doc: str
    lo: float | None = None
    hi: float | None = None
    lo_inclusive: bool = True
    kind: type | tuple[type, ...] = float


def param(
    default: Any = MISSING,
    *,
    unit: str = "-",
    doc: str = "",
    lo: float | None = None,
    hi: float | None = None,
    lo_inclusive: bool = True,
    kind: type | tuple[type, ...] = float,
) -> Any:
    """Declare a model parameter with its unit, valid range ``[lo, hi]`` and meaning."""
    info = ParamInfo(unit, doc, lo, hi, lo_inclusive, kind)
    if default is MISSING:
        return field(metadata={"femtbr": info})
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: default, metadata={"femtbr": info})
    return field(default=default, metadata={"femtbr": info})


class ModelBase:
    """Base of built-in models: parameter validation, description, helpers.

    Subclasses are ``@dataclass(frozen=True)`` and set the class variables below.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    validity: ClassVar[str] = ""
    references: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            info: ParamInfo | None = f.metadata.get("femtbr")
            if info is None:
                continue
            value = getattr(self, f.name)
            if value is None or not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            label = f"{self.name or type(self).__name__}.{f.name}"
            if not math.isfinite(float(value)):
                raise ModelError(f"{label}: must be a finite number [{info.unit}], got {value!r}")
            if info.lo is not None:
                bad = value < info.lo if info.lo_inclusive else value <= info.lo
                if bad:
                    op = ">=" if info.lo_inclusive else ">"
                    raise ModelError(
                        f"{label}: must be {op} {info.lo} [{info.unit}], got {value!r}"
                    )
            if info.hi is not None and value > info.hi:
                raise ModelError(f"{label}: must be <= {info.hi} [{info.unit}], got {value!r}")

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """Parameters (unit, default, range, meaning), validity and references of the model."""
        params = {}
        for f in fields(cls):  # type: ignore[arg-type]
            info: ParamInfo | None = f.metadata.get("femtbr")
            if info is None:
                continue
            default = None if f.default is MISSING else f.default
            if f.default_factory is not MISSING:  # type: ignore[misc]
                default = f.default_factory()  # type: ignore[misc]
            params[f.name] = {
                "unit": info.unit,
                "default": default,
                "required": f.default is MISSING and f.default_factory is MISSING,  # type: ignore[misc]
                "range": [info.lo, info.hi],
                "doc": info.doc,
            }
        return {
            "name": cls.name,
            "summary": cls.summary,
            "parameters": params,
            "validity": cls.validity,
            "references": list(cls.references),
        }

    def components(self, T: np.ndarray, p: np.ndarray) -> dict[str, np.ndarray]:
        """h of each named part [W/(m² K)]; a single model reports itself."""
        h, _ = self.conductance(T, p)  # type: ignore[attr-defined]
        return {self.name: h}


def as_arrays(T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast ``T`` and ``p`` to float arrays of a common shape."""
    T_arr, p_arr = np.broadcast_arrays(np.asarray(T, dtype=float), np.asarray(p, dtype=float))
    return T_arr, p_arr
