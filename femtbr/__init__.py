"""femtbr: finite-element thermal simulation with interface conductance models.

Public API (imported lazily so that ``import femtbr`` stays cheap):

* :func:`femtbr.load_case` — read and validate a TOML case file.
* :func:`femtbr.run` — solve a case and write its outputs.
* :func:`femtbr.solve` — solve a :class:`femtbr.fem.Problem`.
* :func:`femtbr.sweep` — run a parametric study.
* :mod:`femtbr.models` — conductance models.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_case": ("femtbr.pipeline", "load_case"),
    "run": ("femtbr.pipeline", "run"),
    "solve": ("femtbr.fem", "solve"),
    "sweep": ("femtbr.sweep", "sweep"),
    "models": ("femtbr.models", None),
    "materials": ("femtbr.materials", None),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'femtbr' has no attribute {name!r}")
    module, attr = _LAZY[name]
    mod = importlib.import_module(module)
    return mod if attr is None else getattr(mod, attr)
