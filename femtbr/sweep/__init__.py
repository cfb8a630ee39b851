"""Parametric studies: a ``[sweep]`` table of a case file run on local processes or Dask.

Public API: :func:`sweep`, :class:`SweepResult`, :class:`Progress`, :func:`load_study`,
:func:`define_study`, :class:`Study`.  See :mod:`femtbr.sweep.study` for the table format and
:mod:`femtbr.sweep.store` for the crash-safe results folder.

``femtbr.sweep`` is both this package and, lazily, the function (``femtbr.sweep(case, out)``);
once the package is imported the package attribute wins, so the package itself is callable
and forwards to :func:`sweep`.
"""

import sys
import types
from typing import Any

from femtbr.sweep.api import Progress, SweepResult, sweep
from femtbr.sweep.study import CaseSpec, Study, define_study, load_study

__all__ = ["CaseSpec", "Progress", "Study", "SweepResult", "define_study", "load_study", "sweep"]


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> SweepResult:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
