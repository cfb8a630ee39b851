"""Building and reporting the parts of composed models (``parallel``, ``series``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from femtbr.errors import ModelError
from femtbr.models.registry import create


def build_parts(owner: str, parts: Any) -> list[tuple[str, Any]]:
    """``[(key, model)]`` from model instances or ``{"model": name, "label": ..., **params}``.

    Keys are the part's ``label`` or ``"<index>:<model name>"``; errors name ``parts[i]``.
    """
    if isinstance(parts, (str, bytes)) or not isinstance(parts, Sequence) or not parts:
        raise ModelError(
            f"{owner}.parts: must be a non-empty list of models or {{model = NAME, ...}} tables"
        )
    out: list[tuple[str, Any]] = []
    for i, item in enumerate(parts):
        label = None
        if isinstance(item, Mapping):
            spec = dict(item)
            name = spec.pop("model", None)
            label = spec.pop("label", None)
            if not isinstance(name, str):
                raise ModelError(f"{owner}.parts[{i}].model: model name (string) required")
            try:
                model = create(name, **spec)
            except ModelError as exc:
                raise ModelError(f"{owner}.parts[{i}]: {exc}") from None
        elif callable(getattr(item, "conductance", None)):
            model = item
            label = getattr(item, "label", None)
        else:
            raise ModelError(f"{owner}.parts[{i}]: expected a model or a table, got {item!r}")
        key = str(label) if label else f"{i}:{getattr(model, 'name', '') or type(model).__name__}"
        if key in (k for k, _ in out):
            raise ModelError(f"{owner}.parts[{i}].label: duplicate part name {key!r}")
        out.append((key, model))
    return out


def components(parts: list[tuple[str, Any]], T: np.ndarray, p: np.ndarray) -> dict[str, np.ndarray]:
    """Each part's h under its key; a part with several components adds ``key/sub`` entries."""
    out: dict[str, np.ndarray] = {}
    for key, model in parts:
        out[key] = np.asarray(model.conductance(T, p)[0], dtype=float)
        sub = model.components(T, p) if callable(getattr(model, "components", None)) else {}
        if len(sub) > 1:
            out.update({f"{key}/{k}": v for k, v in sub.items()})
    return out
