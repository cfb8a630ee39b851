"""The only code that turns a :class:`~femtbr.case.Case` into a problem and runs it.

* :func:`load` / :func:`load_case` — read and validate a case with femtbr's geometry builders
  handed to the case layer (:class:`Loaded` keeps the geometry for the run);
* :func:`run` — steady or transient, alone or as a sweep case (:class:`Reuse`);
* :mod:`.report` — the summary (breakdown, probes, transient and sweep sections), built once.

Submodules import the finite-element layer lazily, so ``femtbr check`` stays fast.
"""

from femtbr.pipeline.load import Loaded, load, load_case, load_table, validate, with_overrides
from femtbr.pipeline.reuse import DiscretizationKey, Reuse
from femtbr.pipeline.runner import RunResult, default_out_dir, run

__all__ = [
    "DiscretizationKey",
    "Loaded",
    "Reuse",
    "RunResult",
    "default_out_dir",
    "load",
    "load_case",
    "load_table",
    "run",
    "validate",
    "with_overrides",
]
