"""The conductance-model protocol and the parameter machinery every model shares.

A model is a frozen dataclass whose fields are declared with :func:`param` (unit, valid range,
meaning).  ``__post_init__`` validates every parameter and raises :class:`ModelError` naming it.
``conductance(T, p)`` returns ``(h, dh/dT)`` in W/(m² K) and W/(m² K²) for numpy arrays of the
mean interface temperature ``T`` [K] and contact pressure ``p`` [Pa].

Every subclass's ``conductance`` is wrapped once, at class creation (:meth:`ModelBase.
__init_subclass__`), by :func:`check_inputs`: a temperature that is not finite and > 0 K or a
pressure that is not finite and >= 0 Pa raises :class:`ModelError` with ``model`` and
``quantity`` set, before any model formula sees it.  No model repeats that check.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
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


def model_label(model: Any) -> str:
    """The name a message uses for ``model``: its ``label``, else its registry name or class."""
    label = getattr(model, "label", None)
    if isinstance(label, str) and label:
        return label
    return getattr(model, "name", "") or type(model).__name__


def _first_bad(values: np.ndarray, ok: np.ndarray) -> float:
    return float(values[~ok].flat[0])


def check_inputs(model: Any, T: Any, p: Any) -> None:
    """Reject an evaluation point: T must be finite and > 0 K, p finite and >= 0 Pa.

    Raises
    ------
    ModelError
        With ``model`` (the label of ``model``) and ``quantity`` (``"T"`` or ``"p"``) set and a
        message naming the model and the first offending value.
    """
    label = model_label(model)
    T_arr = np.asarray(T, dtype=float)
    ok = np.isfinite(T_arr) & (T_arr > 0)
    if not np.all(ok):
        bad = _first_bad(T_arr, ok)
        raise ModelError(f"model {label!r}: temperature T must be finite and > 0 K, got {bad!r}",
                         model=label, quantity="T")
    p_arr = np.asarray(p, dtype=float)
    ok = np.isfinite(p_arr) & (p_arr >= 0)
    if not np.all(ok):
        bad = _first_bad(p_arr, ok)
        raise ModelError(f"model {label!r}: pressure p must be finite and >= 0 Pa, got {bad!r}",
                         model=label, quantity="p")


def _checked(conductance: Callable[..., Any]) -> Callable[..., Any]:
    """``conductance`` preceded by :func:`check_inputs` (applied once per defining class)."""

    @functools.wraps(conductance)
    def wrapper(self: Any, T: Any, p: Any) -> Any:
        check_inputs(self, T, p)
        return conductance(self, T, p)

    wrapper._femtbr_checked = True  # type: ignore[attr-defined]
    return wrapper


def check_operating_point(model: Any, p: Any, T: Any = 300.0) -> None:
    """Validate a model at its operating point without solving (``femtbr check``).

    Evaluates ``model.conductance(T, p)`` once at the case's contact pressure ``p`` [Pa] and a
    representative temperature ``T`` [K] (default 300 K; the solve sees the real field): bad
    inputs, every range the model enforces at evaluation (e.g. P/H_c >= 1 in the contact family)
    and a non-finite or negative h all raise here, as they would in ``run``.  Range *warnings*
    are left to the run (they are suppressed here so that they are not issued twice).

    Raises
    ------
    ModelError
        Naming the model; ``quantity`` is ``"p"`` or ``"T"`` for a bad evaluation point.
    """
    import warnings

    T_arr, p_arr = np.broadcast_arrays(np.atleast_1d(np.asarray(T, float)),
                                       np.atleast_1d(np.asarray(p, float)))
    check_inputs(model, T_arr, p_arr)
    label = model_label(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            h, dh = model.conductance(T_arr, p_arr)
        except ModelError:
            raise
        except (ArithmeticError, ValueError) as exc:
            raise ModelError(f"model {label!r}: evaluation failed at p = {p_arr.max():g} Pa: "
                             f"{exc}", model=label) from None
    h, dh = np.asarray(h, float), np.asarray(dh, float)
    if not (np.all(np.isfinite(h)) and np.all(np.isfinite(dh))) or np.any(h < 0):
        raise ModelError(f"model {label!r}: h = {h.min():g} W/(m^2 K) at p = {p_arr.max():g} Pa "
                         "is not a finite value >= 0", model=label, quantity="p")


class ModelBase:
    """Base of built-in models: parameter validation, description, input checks, helpers.

    Subclasses are ``@dataclass(frozen=True)`` and set the class variables below.  A
    subclass that defines ``conductance`` gets it wrapped by :func:`check_inputs`.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fn = cls.__dict__.get("conductance")
        if callable(fn) and not getattr(fn, "_femtbr_checked", False):
            cls.conductance = _checked(fn)  # type: ignore[attr-defined]

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
            label = f"{self.name or type(self).__name__}.{f.name}"
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if (value is not None and not number and info.kind is float
                    and str(f.type).replace(" ", "") in ("float", "float|None")):
                shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:56] + " ..."
                raise ModelError(f"{label}: must be a number [{info.unit}], got {shown}")
            if value is None or not number:
                continue
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

    def parameters(self) -> dict[str, Any]:
        """Every declared parameter of this instance, defaults included (e.g. a phonon model's
        ``temperature_convention`` and ``cutoff``), for reports such as the run summary."""
        out = {}
        for f in fields(self):  # type: ignore[arg-type]
            if "femtbr" in f.metadata:
                out[f.name] = getattr(self, f.name)
        return out

    def components(self, T: np.ndarray, p: np.ndarray) -> dict[str, np.ndarray]:
        """h of each named part [W/(m² K)]; a single model reports itself."""
        h, _ = self.conductance(T, p)  # type: ignore[attr-defined]
        return {self.name: h}


def as_arrays(T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast ``T`` and ``p`` to float arrays of a common shape."""
    T_arr, p_arr = np.broadcast_arrays(np.asarray(T, dtype=float), np.asarray(p, dtype=float))
    return T_arr, p_arr
