"""Parametric studies: a ``[sweep]`` table of a case file run on local processes or Dask.

Public API: :func:`sweep`, :class:`SweepResult`, :class:`Progress`, :func:`load_study`,
:func:`define_study`, :class:`Study`.  See :mod:`femtbr.sweep.study` for the table format and
:mod:`femtbr.sweep.store` for the crash-safe results folder.

``femtbr.sweep`` is both this package and, lazily, the function (``femtbr.sweep(case, out)``);
once the package is imported the package attribute wins, so the package itself is callable
and forwards to :func:`sweep`.
"""

import importlib
import sys
import types
from typing import Any

#: public name -> module that defines it (imported on first use: ``femtbr --help`` stays fast)
_LAZY = {
    "CaseSpec": "femtbr.sweep.study",
    "Study": "femtbr.sweep.study",
    "define_study": "femtbr.sweep.study",
    "load_study": "femtbr.sweep.study",
    "Progress": "femtbr.sweep.api",
    "SweepResult": "femtbr.sweep.api",
    "sweep": "femtbr.sweep.api",
}

__all__ = ["CaseSpec", "Progress", "Study", "SweepResult", "define_study", "load_study", "sweep"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'femtbr.sweep' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return __getattr__("sweep")(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
