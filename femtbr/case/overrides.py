"""``--set a.b.c=VALUE`` overrides of raw case dictionaries (used by the CLI, sweeps and tests).

A key path is dotted table names with optional list indices: ``solver.rtol``,
``interfaces.die_tim1.parts[0].sigma`` (``parts.0.sigma`` also works).  Values given as strings
in ``"KEY=VALUE"`` form are parsed as TOML values (``1e-6``, ``true``, ``[1, 2]``, ``"x"``); a value
that is not valid TOML is taken as a bare string (``50um``, ``copper``).  A key unknown at its
level raises :class:`~femtbr.errors.CaseError` listing the valid keys there.
"""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from femtbr.errors import CaseError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

#: Hook ``(tokens, raw_node) -> extra valid keys or None (anything)`` for registry-defined keys.
ExtraKeys = Callable[[list[Any], Mapping[str, Any]], "set[str] | None"]


def parse_path(path: str) -> list[str | int]:
    """Split ``"a.b[0].c"`` (or ``"a.b.0.c"``) into ``["a", "b", 0, "c"]``.

    Raises
    ------
    CaseError
        Empty or malformed path.
    """
    tokens: list[str | int] = []
    pos = 0
    text = path.strip()
    while pos < len(text):
        if text[pos] == "." and tokens:
            pos += 1
        m = _TOKEN.match(text, pos)
        if not m:
            raise CaseError([(path, "malformed key path")])
        name, index = m.groups()
        tokens.append(int(index) if index is not None else (int(name) if name.isdigit() else name))
        pos = m.end()
    if not tokens or not isinstance(tokens[0], str):
        raise CaseError([(path, "malformed key path")])
    return tokens


def parse_value(text: str) -> Any:
    """Parse the VALUE of ``KEY=VALUE`` as a TOML value, or return it as a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def split_assignments(overrides: Mapping[str, Any] | Iterable[str]) -> list[tuple[str, Any]]:
    """Normalise overrides to ``(path, value)`` pairs; ``"K=V"`` strings are TOML-parsed."""
    if isinstance(overrides, Mapping):
        return list(overrides.items())
    pairs, bad = [], []
    for item in overrides:
        if not isinstance(item, str) or "=" not in item:
            bad.append((str(item), "an override must look like KEY=VALUE"))
            continue
        key, value = item.split("=", 1)
        pairs.append((key.strip(), parse_value(value)))
    if bad:
        raise CaseError(bad)
    return pairs


def _schema_keys(tokens: list[Any]) -> tuple[set[str] | None, bool]:
    """Valid keys at ``tokens`` from the schema (None: a free dict); extras allowed?"""
    from femtbr.case.problems import model_at
    from femtbr.case.schema import Case

    model = model_at(Case, tokens)
    if model is not None:
        return set(model.model_fields), model.model_config.get("extra") == "allow"
    return None, True


def apply_overrides(
    raw: Mapping[str, Any],
    overrides: Mapping[str, Any] | Iterable[str] = (),
    extra_keys: ExtraKeys | None = None,
) -> dict[str, Any]:
    """Return a deep copy of ``raw`` with every override applied.

    Parameters
    ----------
    raw
        The case as read from TOML (nested dicts and lists).
    overrides
        ``{"a.b.c": value}`` or ``["a.b.c=VALUE", ...]``.
    extra_keys
        Optional hook giving the registry-defined keys valid in open tables (model parameters).

    Raises
    ------
    CaseError
        Every bad override (malformed, unknown key, index out of range), with its key path.
    """
    if not isinstance(overrides, Mapping):
        overrides = list(overrides)
    out = copy.deepcopy(dict(raw))
    problems: list[tuple[str, str]] = []
    try:
        pairs = split_assignments(overrides)
    except CaseError as exc:
        problems.extend(exc.problems)
        good = [o for o in overrides if isinstance(o, str) and "=" in o]
        pairs = split_assignments(good)
    for path, value in pairs:
        try:
            tokens = parse_path(path)
        except CaseError as exc:
            problems.extend(exc.problems)
            continue
        err = _assign(out, tokens, value, extra_keys)
        if err:
            problems.append((path, err))
    if problems:
        raise CaseError(problems)
    return out


def _assign(root: dict, tokens: list[Any], value: Any, extra_keys: ExtraKeys | None) -> str:
    node: Any = root
    for depth, tok in enumerate(tokens):
        last = depth == len(tokens) - 1
        here = tokens[:depth]
        if isinstance(node, list):
            if not isinstance(tok, int) or not -len(node) <= tok < len(node):
                return f"index {tok!r} out of range at {_show(here)} (list of {len(node)})"
            if last:
                node[tok] = value
                return ""
            node = node[tok]
            continue
        if not isinstance(node, dict):
            return f"{_show(here)} is a value, not a table"
        if isinstance(tok, int):
            return f"{_show(here)} is a table, not a list"
        if tok not in node:
            keys, open_level = _schema_keys(here)
            valid = set(node) | (keys or set())
            if open_level and extra_keys is not None and keys is not None:
                extra = extra_keys(here, node)
                valid = None if extra is None else valid | extra
            elif open_level:
                valid = None
            if valid is not None and tok not in valid:
                return (
                    f"unknown key {tok!r} at {_show(here)}; valid keys: {', '.join(sorted(valid))}"
                )
        if last:
            node[tok] = value
            return ""
        nxt = node.get(tok)
        if nxt is None:
            nxt = {} if not isinstance(tokens[depth + 1], int) else None
            if nxt is None:
                return f"{_show([*here, tok])} is not a list"
            node[tok] = nxt
        node = nxt
    return ""


def _show(tokens: list[Any]) -> str:
    from femtbr.case.problems import key_path

    return key_path(tokens) or "the top level"
