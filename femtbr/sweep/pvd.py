"""``study.pvd``: a ParaView collection of the cases' ``fields.vtu``, one "time step" per case.

ParaView's time slider then steps through the cases in id order (time = case index).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from femtbr.sweep.store import STATUS_OK


def write_study_pvd(
    records: Sequence[Mapping[str, Any]], out_dir: str | Path, field_file: str = "fields.vtu"
) -> Path | None:
    """Write ``out_dir/study.pvd`` over the finished cases that have ``cases/<id>/fields.vtu``.

    Returns the path, or ``None`` when no case has a field file.
    """
    out = Path(out_dir)
    entries = [
        (r["index"], f"cases/{r['case_id']}/{field_file}")
        for r in sorted(records, key=lambda r: r["index"])
        if r["status"] == STATUS_OK and (out / "cases" / r["case_id"] / field_file).is_file()
    ]
    if not entries:
        return None
    from femtbr.export.vtu import write_pvd  # meshio: only when writing

    return write_pvd(entries, out / "study.pvd")
