"""Turn pydantic validation errors into ``(key path, message)`` pairs for :class:`CaseError`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError


def key_path(loc: Iterable[Any]) -> str:
    """``("interfaces", "x", "parts", 0, "sigma")`` -> ``"interfaces.x.parts[0].sigma"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _strip_union(tp: Any) -> Any:
    import types
    from typing import Union, get_args, get_origin

    while get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        tp = models[0] if models else args[0]
    return tp


def model_at(root: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """The pydantic model class reached by following ``loc`` from ``root`` (None if not a model)."""
    from typing import get_args, get_origin

    tp: Any = root
    for part in loc:
        tp = _strip_union(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if not (isinstance(part, str) and part in tp.model_fields):
                return None
            tp = tp.model_fields[part].annotation
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif get_origin(tp) in (list, tuple):
            tp = get_args(tp)[0]
        else:
            return None
    tp = _strip_union(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _cap(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters: a message never echoes a whole table."""
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def _fmt(v: Any) -> str:
    if isinstance(v, float) or (isinstance(v, int) and not isinstance(v, bool)):
        return f"{v:g}"
    return _cap(repr(v) if isinstance(v, str) else str(v), 80)


def message(err: dict[str, Any], root: type[BaseModel]) -> str:
    """A short message for one pydantic error dict."""
    kind, ctx, value = err["type"], err.get("ctx", {}) or {}, err.get("input")
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        model = model_at(root, err["loc"][:-1])
        valid = ", ".join(model.model_fields) if model else "?"
        return f"unknown key; valid keys here: {valid}"
    bounds = {
        "greater_than": (">", "gt"),
        "greater_than_equal": (">=", "ge"),
        "less_than": ("<", "lt"),
        "less_than_equal": ("<=", "le"),
    }
    if kind in bounds:
        op, key = bounds[kind]
        return f"must be {op} {_fmt(ctx.get(key))}, got {_fmt(value)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {_fmt(value)}"
    if kind in ("value_error", "assertion_error"):
        return _cap(str(ctx.get("error", err["msg"])), 160)
    if kind in ("too_short", "too_long"):
        return f"{err['msg'].lower()}"
    return f"{err['msg']}, got {_fmt(value)} ({type(value).__name__})"


def from_validation_error(
    exc: ValidationError, root: type[BaseModel], prefix: Sequence[Any] = ()
) -> list[tuple[str, str]]:
    """All errors of ``exc`` as ``(key path, message)`` pairs, in document order."""
    out = []
    for err in exc.errors(include_url=False):
        loc = [*prefix, *err["loc"]]
        # tagged-union / function-validator segments are not case keys
        loc = [
            p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))
        ]
        out.append((key_path(loc), message(err, root)))
    return out
