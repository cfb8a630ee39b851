"""The conductance-model protocol and the parameter machinery every model shares.

A model is a frozen dataclass whose fields are declared with :func:`femtbr.params.param` (unit,
valid range, kind, meaning: the one parameter declaration of models, builders and materials).
``__post_init__`` checks every parameter with :meth:`femtbr.params.Param.check` and raises
:class:`ModelError` naming ``model.parameter``.
``conductance(T, p)`` returns ``(h, dh/dT)`` in W/(m² K) and W/(m² K²) for numpy arrays of the
mean interface temperature ``T`` [K] and contact pressure ``p`` [Pa].

Every subclass's ``conductance`` is wrapped once, at class creation (:meth:`ModelBase.
__init_subclass__`), by :func:`check_inputs`: a temperature that is not finite and > 0 K or a
pressure that is not finite and >= 0 Pa raises :class:`ModelError` with ``model`` and
``quantity`` set, before any model formula sees it.  No model repeats that check.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from femtbr.errors import ModelError
from femtbr.params import param, specs

__all__ = ["ConductanceModel", "ModelBase", "as_arrays", "check_inputs", "check_operating_point",
           "model_label", "param"]


@runtime_checkable
class ConductanceModel(Protocol):
    """Anything with ``conductance(T, p) -> (h, dh/dT)``."""

    def conductance(self, T: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


def _model_error(where: str, message: str) -> ModelError:
    return ModelError(f"{where}: {message}")


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
        label = self.name or type(self).__name__
        for name, spec in specs(self).items():
            spec.check(getattr(self, name), f"{label}.{name}", _model_error)

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """Parameters (:meth:`femtbr.params.Param.describe`: unit, default, range, meaning),
        validity and references of the model."""
        return {
            "name": cls.name,
            "summary": cls.summary,
            "parameters": {name: spec.describe() for name, spec in specs(cls).items()},
            "validity": cls.validity,
            "references": list(cls.references),
        }

    def parameters(self) -> dict[str, Any]:
        """Every declared parameter of this instance, defaults included (e.g. a phonon model's
        ``temperature_convention`` and ``cutoff``), for reports such as the run summary."""
        return {name: getattr(self, name) for name in specs(self)}

    def components(self, T: np.ndarray, p: np.ndarray) -> dict[str, np.ndarray]:
        """h of each named part [W/(m² K)]; a single model reports itself."""
        h, _ = self.conductance(T, p)  # type: ignore[attr-defined]
        return {self.name: h}


def as_arrays(T: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast ``T`` and ``p`` to float arrays of a common shape."""
    T_arr, p_arr = np.broadcast_arrays(np.asarray(T, dtype=float), np.asarray(p, dtype=float))
    return T_arr, p_arr
