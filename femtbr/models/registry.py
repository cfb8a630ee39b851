"""Model registry: a dict filled by :func:`register`, plus the ``femtbr.models`` entry points.

Built-ins live one per module in ``femtbr/models/`` (module name = registry name) and are
imported lazily on first look-up.  Third-party packages register classes (or factories) under the
entry-point group ``femtbr.models``; a plugin that fails to import warns and is skipped.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import pkgutil
import warnings
from collections.abc import Callable
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from femtbr.errors import ModelError
from femtbr.params import Param, specs

log = logging.getLogger(__name__)

_REGISTRY: dict[str, Callable[..., Any]] = {}
_NOT_MODELS = {"base", "registry"}
ENTRY_POINT_GROUP = "femtbr.models"


def register(name: str) -> Callable[[type], type]:
    """Class decorator: register a model class under ``name``."""

    def deco(cls: type) -> type:
        _REGISTRY[name] = cls
        if getattr(cls, "name", "") in ("", None):
            cls.name = name  # type: ignore[attr-defined]
        return cls

    return deco


@lru_cache(maxsize=1)
def _load_builtins() -> None:
    # the package's folder, found without importing the package (which imports this module)
    for mod in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if mod.name.startswith("_") or mod.name in _NOT_MODELS:
            continue
        importlib.import_module(f"femtbr.models.{mod.name}")


@lru_cache(maxsize=1)
def _load_plugins() -> None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _REGISTRY:
            continue
        try:
            _REGISTRY[ep.name] = ep.load()
        except Exception as exc:  # a broken plugin must not break femtbr
            warnings.warn(
                f"femtbr model plugin {ep.name!r} ({ep.value}) failed to load: {exc}",
                RuntimeWarning,
                stacklevel=2,
            )


def _all() -> dict[str, Callable[..., Any]]:
    _load_builtins()
    _load_plugins()
    return _REGISTRY


def _builtin(name: str) -> None:
    """Import ``femtbr.models.<name>`` only (module name = registry name), if it exists."""
    if not name.isidentifier() or name.startswith("_") or name in _NOT_MODELS:
        return
    if (Path(__file__).parent / f"{name}.py").is_file():
        importlib.import_module(f"femtbr.models.{name}")


def reload_plugins() -> None:
    """Forget cached entry points (after installing a plugin in a running process)."""
    _load_plugins.cache_clear()


def available() -> list[str]:
    """Names of all registered models, sorted."""
    return sorted(_all())


def get(name: str) -> Callable[..., Any]:
    """The class (or factory) registered as ``name``.

    Raises
    ------
    ModelError
        Unknown name; the message lists the available models.
    """
    if name in _REGISTRY:
        return _REGISTRY[name]
    _builtin(name)  # a look-up imports the one module it needs, not every model
    if name in _REGISTRY:
        return _REGISTRY[name]
    models = _all()
    if name not in models:
        raise ModelError(f"unknown model {name!r}; available models: {', '.join(sorted(models))}")
    return models[name]


def create(name: str, **params: Any) -> Any:
    """Instantiate model ``name`` with ``params`` (validated by the model).

    Raises
    ------
    ModelError
        Unknown model, unknown parameter, or a parameter out of range.
    """
    cls = get(name)
    try:
        return cls(**params)
    except TypeError as exc:
        desc = describe(name).get("parameters", {})
        raise ModelError(
            f"model {name!r}: {exc}; parameters are: {', '.join(desc) or '(none listed)'}"
        ) from None


def parameter_specs(name: str) -> dict[str, Param]:
    """The declared parameters (:class:`femtbr.params.Param`) of model ``name``; ``{}`` for a
    plugin model that declares none with :func:`femtbr.params.param`."""
    cls = get(name)
    return specs(cls) if dataclasses.is_dataclass(cls) else {}


def describe(name: str) -> dict[str, Any]:
    """Description of model ``name`` (parameters with units, ranges, references)."""
    cls = get(name)
    if hasattr(cls, "describe"):
        return cls.describe()
    summary = (cls.__doc__ or "").strip().splitlines()[:1]
    return {"name": name, "summary": summary[0] if summary else "", "parameters": {}}
