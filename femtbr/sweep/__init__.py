"""Parametric studies: a ``[sweep]`` table of a case file run on local processes or Dask.

Public API: :func:`sweep`, :class:`SweepResult`, :class:`Progress`, :func:`load_study`,
:func:`define_study`, :class:`Study`.  See :mod:`femtbr.sweep.study` for the table format and
:mod:`femtbr.sweep.store` for the crash-safe results folder.
"""

from femtbr.sweep.api import Progress, SweepResult, sweep
from femtbr.sweep.study import CaseSpec, Study, define_study, load_study

__all__ = ["CaseSpec", "Progress", "Study", "SweepResult", "define_study", "load_study", "sweep"]
