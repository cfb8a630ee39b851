"""The default "run one case" of a sweep: :func:`femtbr.pipeline.run` with the worker's reuse.

A sweep case gets exactly what ``femtbr run`` gives for the same overrides (steady or
transient, the same report and files); the only difference is the :class:`CaseRunner`, which
holds a :class:`~femtbr.pipeline.Reuse` so that cases differing only in interface, boundary,
source or material keys mesh and discretize once.  The default runner reference
(``"femtbr.sweep.runner:CaseRunner"``) names the class: each sweep worker
(:class:`~femtbr.sweep.worker.SweepWorker`) builds one instance and hands it every case it runs,
so the reuse belongs to that worker and ends with it; a plain :func:`femtbr.run` or
:func:`femtbr.load_case` never sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class CaseRunner:
    """Runs the sweep cases of one worker, reusing geometry and discretization.

    Parameters
    ----------
    size
        Discretizations kept (they can be large).
    """

    def __init__(self, size: int = 2):
        from femtbr.pipeline.reuse import Reuse

        self.reuse = Reuse(size=size)

    def __call__(
        self, base: Mapping[str, Any], params: Mapping[str, Any], case_path: str, out_dir: Path
    ) -> dict[str, Any]:
        """Validate ``base`` with ``params`` as ``--set`` overrides, run, write, return the summary.

        Relative paths in the case resolve against the folder of ``case_path``.  Unless the case
        asks for it explicitly (``[outputs] render``), no PNG is rendered per case.  The summary
        has a ``sweep`` section (:func:`femtbr.pipeline.report.sweep_section`).

        Raises
        ------
        CaseError
            An override is invalid (unknown key, bad value).
        ConvergenceError
            Newton did not converge (nothing is written).
        """
        from femtbr.pipeline import load_table, run

        overrides = dict(params)
        if "render" not in (base.get("outputs") or {}):
            overrides.setdefault("outputs.render", False)
        loaded = load_table(
            base, Path(case_path).parent, overrides, geometry=self.reuse.geometry
        )
        result = run(loaded, out_dir, reuse=self.reuse)
        return result.summary


def warm_up() -> None:
    """Import the case, finite-element and export layers (called once per worker, before its
    first case, so that import time does not count as that case's wall time)."""
    import femtbr.case.units
    import femtbr.export
    import femtbr.fem
    import femtbr.pipeline.runner  # noqa: F401

    femtbr.case.units.registry()  # pint's registry takes ~0.5 s to build
