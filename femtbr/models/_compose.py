"""Composed models (``parallel``, ``series``): their common base, building and reporting parts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from femtbr.errors import ModelError
from femtbr.models._pair import Rebuildable
from femtbr.models.base import ModelBase, as_arrays, param
from femtbr.models.registry import create


@dataclass(frozen=True)
class Composite(Rebuildable, ModelBase):
    """A model made of named parts (``parts``: models or ``{model = NAME, ...}`` tables); the
    subclass says how the parts' conductances combine (``conductance``)."""

    parts: list = param(unit="-", kind="list", doc="models or {model = NAME, ...} tables")

    validity: ClassVar[str] = "that of every part"
    references: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "_parts", build_parts(self.name, self.parts))

    def part_conductances(self, T: np.ndarray, p: np.ndarray) -> list[tuple[Any, Any]]:
        """``(h_i, dh_i/dT)`` of every part [W/(m² K)], [W/(m² K²)], in order."""
        return [model.conductance(T, p) for _, model in self._parts]  # type: ignore[attr-defined]

    def components(self, T: Any, p: Any) -> dict[str, np.ndarray]:
        """h of each part [W/(m² K)], keyed ``"i:name"`` or by the part's label."""
        T, p = as_arrays(T, p)
        return components(self._parts, T, p)  # type: ignore[attr-defined]


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
