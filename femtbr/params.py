"""One way to declare a parameter: :class:`Param` (name, unit, meaning, default, kind, range).

Conductance models, geometry builders and materials all declare their inputs with this one type
and check a user's value with its one method, :meth:`Param.check`; every listing
(``femtbr models NAME``, ``femtbr.geometry.builders()``, ``femtbr.materials.properties()``)
shows :meth:`Param.describe`.

* Models and materials are frozen dataclasses: :func:`param` declares a field whose metadata is
  its :class:`Param`, and :func:`specs` reads them back (name and default filled in).
* Builders register a tuple of :class:`Param`.

:meth:`Param.check` raises the caller's error type: the caller passes ``error(where, message)``
(e.g. a :class:`~femtbr.errors.CaseError` at ``geometry.width``, a
:class:`~femtbr.errors.ModelError` naming ``cmy.sigma``), so that every message names the key
path or model the user wrote.  This module imports nothing from femtbr but the standard library,
so that any layer may use it without an import circle.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import MISSING, InitVar, dataclass, field
from typing import Any

#: ``error(where, message) -> Exception``: the exception :meth:`Param.check` raises
ErrorFactory = Callable[[str, str], Exception]

#: the dataclass-field metadata key that holds a field's :class:`Param`
METADATA_KEY = "femtbr"


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _is_material(v: Any) -> bool:
    """A library name, an inline property table, or a material value (has a ``phase``)."""
    return isinstance(v, (str, Mapping)) or hasattr(v, "phase")


#: kind -> (test of a value, what the message says a value must be)
KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "float": (_is_number, "a number"),
    "int": (_is_number, "an integer"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "str": (lambda v: isinstance(v, str), "a string"),
    "list": (lambda v: isinstance(v, (list, tuple)) or getattr(v, "ndim", 0) >= 1, "a list"),
    "table": (lambda v: isinstance(v, Mapping), "a table"),
    "material": (_is_material, "a material name or table"),
    "model": (lambda v: callable(getattr(v, "conductance", None)), "a conductance model"),
    "any": (lambda v: True, "anything"),
}


def _default_error(where: str, message: str) -> Exception:
    return ValueError(f"{where}: {message}")


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters (a message never echoes a whole table)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + " ..."


@dataclass(frozen=True)
class Param:
    """One declared parameter.

    Attributes
    ----------
    name
        Key (filled from the field name for dataclass fields).
    default
        Default value; ``None`` = no value (optional, or required where :attr:`required` says).
    unit
        SI unit as text (``"m"``, ``"W/(m^2 K)"``; ``"-"`` or ``""`` for a pure number).  The
        case layer converts ``"50 um"`` with it; messages show it.
    doc
        Meaning, one line.
    kind
        ``"float"``, ``"int"``, ``"bool"``, ``"str"``, ``"list"``, ``"table"``, ``"material"``
        (name, table or material value), ``"model"`` (an object with ``conductance``) or
        ``"any"``; a tuple of kinds accepts any of them.
    lo, hi
        Bounds of a number (``None`` = unbounded).
    lo_inclusive, hi_inclusive
        Whether ``lo`` / ``hi`` themselves are allowed.
    choices
        The allowed values (strings), if restricted.
    fields
        For a list of tables (``layers = [{thickness = "50 um"}, ...]``): the SI unit of each
        quantity field of an entry, so that the case layer converts ``"50 um"`` or rejects
        ``"3 kg"`` at ``geometry.layers[0].thickness``.
    required
        The value must be given (no usable default).
    positive
        Shorthand (init only) for ``lo = 0`` exclusive.
    """

    name: str = ""
    default: Any = None
    unit: str = ""
    doc: str = ""
    kind: str | tuple[str, ...] = "float"
    lo: float | None = None
    hi: float | None = None
    lo_inclusive: bool = True
    hi_inclusive: bool = True
    choices: tuple[Any, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict, hash=False)
    required: bool = False
    positive: InitVar[bool] = False

    def __post_init__(self, positive: bool) -> None:
        if positive:
            if self.lo is not None:
                raise ValueError(f"parameter {self.name!r}: give 'positive' or 'lo', not both")
            object.__setattr__(self, "lo", 0.0)
            object.__setattr__(self, "lo_inclusive", False)
        for k in self.kinds:
            if k not in KINDS:
                raise ValueError(f"parameter {self.name!r}: unknown kind {k!r}; "
                                 f"known: {sorted(KINDS)}")

    @property
    def kinds(self) -> tuple[str, ...]:
        """:attr:`kind` as a tuple."""
        return (self.kind,) if isinstance(self.kind, str) else tuple(self.kind)

    def _bracket(self) -> str:
        return f" [{self.unit}]" if self.unit else ""

    def check(self, value: Any, where: str, error: ErrorFactory = _default_error) -> Any:
        """Validate ``value`` and return it converted (a ``float``/``int`` for a number, a
        ``list`` for a list); ``None`` passes unchanged (the caller decides about absence).

        Parameters
        ----------
        value
            The user's value (already in SI: unit strings are the case layer's business).
        where
            What the message names: a key path (``geometry.width``), ``model.param``, ...
        error
            ``error(where, message)`` builds the exception to raise.

        Raises
        ------
        Exception
            ``error(where, message)`` for a value of the wrong kind, not finite, outside
            ``[lo, hi]`` (with the inclusive flags) or not one of :attr:`choices`.
        """
        if value is None:
            return None
        kinds = self.kinds
        if not any(KINDS[k][0](value) for k in kinds):
            what = " or ".join(KINDS[k][1] for k in kinds)
            raise error(where, f"must be {what}{self._bracket()}, got {short(value)}")
        if _is_number(value) and ("float" in kinds or "int" in kinds):
            value = self._number(value, where, error)
        elif "list" in kinds and isinstance(value, (list, tuple)):
            value = list(value)
        if self.choices and value not in self.choices:
            raise error(where, f"must be one of {list(self.choices)}, got {short(value)}")
        return value

    def _number(self, given: Any, where: str, error: ErrorFactory) -> float | int:
        """``given`` as an ``int`` (kind ``"int"``) or ``float``, checked against the bounds;
        messages show the value as given."""
        if not math.isfinite(float(given)):
            raise error(where, f"must be a finite number{self._bracket()}, got {given!r}")
        if self.kinds == ("int",):
            if float(given) != int(given):
                raise error(where, f"must be an integer, got {given!r}")
            value: float | int = int(given)
        else:
            value = float(given)
        lo, hi = self.lo, self.hi
        if lo is not None and (value < lo or (value == lo and not self.lo_inclusive)):
            op = ">=" if self.lo_inclusive else ">"
            raise error(where, f"must be {op} {lo:g}{self._bracket()}, got {given!r}")
        if hi is not None and (value > hi or (value == hi and not self.hi_inclusive)):
            op = "<=" if self.hi_inclusive else "<"
            raise error(where, f"must be {op} {hi:g}{self._bracket()}, got {given!r}")
        return value

    def allowed(self) -> str:
        """The allowed values as text: an interval with open/closed ends (``"(0, 0.001]"``,
        ``"[1, inf)"``), ``"one of 'a', 'b'"``, or ``""`` when unrestricted."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.lo is None and self.hi is None:
            return ""
        left = "-inf" if self.lo is None else f"{self.lo:g}"
        right = "inf" if self.hi is None else f"{self.hi:g}"
        opening = "[" if self.lo is not None and self.lo_inclusive else "("
        closing = "]" if self.hi is not None and self.hi_inclusive else ")"
        return f"{opening}{left}, {right}{closing}"

    def describe(self) -> dict[str, Any]:
        """Plain-dict description for listings and the CLI: ``unit``, ``doc``, ``kind``,
        ``default``, ``required``, ``range`` ``[lo, hi]`` with ``range_inclusive``, ``allowed``
        (:meth:`allowed`), and ``choices`` / ``fields`` when declared."""
        d: dict[str, Any] = {
            "unit": self.unit,
            "doc": self.doc,
            "kind": self.kind if isinstance(self.kind, str) else " | ".join(self.kind),
            "default": self.default,
            "required": self.required,
            "range": [self.lo, self.hi],
            "range_inclusive": [self.lo_inclusive, self.hi_inclusive],
            "allowed": self.allowed(),
        }
        if self.choices:
            d["choices"] = list(self.choices)
        if self.fields:
            d["fields"] = dict(self.fields)
        return d


def param(default: Any = MISSING, *, unit: str = "-", doc: str = "", **spec: Any) -> Any:
    """A dataclass field declared with its :class:`Param` (unit, range, kind, meaning).

    ``spec`` takes the other :class:`Param` attributes (``kind``, ``lo``, ``hi``,
    ``lo_inclusive``, ``hi_inclusive``, ``choices``, ``positive``).  Without ``default`` the
    field is required.  A list, dict or set default is copied for each instance.
    """
    info = Param(unit=unit, doc=doc, **spec)
    meta = {METADATA_KEY: info}
    if default is MISSING:
        return field(metadata=meta)
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def specs(obj: Any) -> dict[str, Param]:
    """The :class:`Param` of every field a dataclass (class or instance) declares with
    :func:`param`, in field order, with ``name``, ``default`` and ``required`` filled in."""
    return _class_specs(obj if isinstance(obj, type) else type(obj))


@functools.cache
def _class_specs(cls: type) -> dict[str, Param]:
    out = {}
    for f in dataclasses.fields(cls):
        info: Param | None = f.metadata.get(METADATA_KEY)
        if info is None:
            continue
        default = None if f.default is MISSING else f.default
        if f.default_factory is not MISSING:
            default = f.default_factory()
        required = f.default is MISSING and f.default_factory is MISSING
        out[f.name] = dataclasses.replace(info, name=f.name, default=default, required=required)
    return out
