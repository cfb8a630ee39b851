"""Crash-safe results store of a study: one JSON record per finished case, tables derived from them.

Layout of a study folder::

    study.json           the study (fingerprint, cases and their parameters)
    records/<id>.json    one record per finished case (ok or failed), written atomically
    results.csv          one row per recorded case, regenerated atomically from the records
    results.parquet      the same table when pyarrow is importable
    cases/<id>/          per-case outputs

A record is written to a temporary file, flushed, fsync'ed and renamed over its final name
(POSIX ``rename`` is atomic), then the folder is fsync'ed.  A process killed at any moment
therefore leaves each record either absent or complete; ``--resume`` runs exactly the cases
without a record, so every case ends up in the table exactly once.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import logging
import math
import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from femtbr.errors import InputError

log = logging.getLogger(__name__)

STATUS_OK = "ok"
STATUS_FAILED = "failed"


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably (temp file, fsync, rename, fsync dir)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ResultsStore:
    """The records and tables of one study folder.

    Parameters
    ----------
    out_dir
        The study folder (created if missing).
    """

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.records_dir = self.out_dir / "records"
        self.cases_dir = self.out_dir / "cases"

    # -- study header -------------------------------------------------------------------------
    def start(self, header: Mapping[str, Any], resume: bool) -> None:
        """Create the folder, or check that a resumed study is the same study.

        Raises
        ------
        InputError
            The folder holds a study and ``resume`` is false, or holds a different study.
        """
        head = self.out_dir / "study.json"
        if head.exists():
            old = json.loads(head.read_text())
            if not resume:
                raise InputError(
                    f"{self.out_dir} already holds a study; pass --resume to continue it "
                    "or choose another --out folder"
                )
            if old.get("fingerprint") != header["fingerprint"]:
                raise InputError(
                    f"{self.out_dir} holds a different study (case file or [sweep] changed); "
                    "choose another --out folder"
                )
        else:
            atomic_write(head, json.dumps(header, indent=1, default=str).encode())
        self.records_dir.mkdir(parents=True, exist_ok=True)
        for tmp in self.records_dir.glob(".*.tmp"):  # debris of a killed writer
            tmp.unlink(missing_ok=True)

    # -- records --------------------------------------------------------------------------------
    def write_record(self, record: Mapping[str, Any]) -> None:
        """Record one finished case atomically (the commit point of that case)."""
        data = json.dumps(record, sort_keys=True, allow_nan=True).encode()
        atomic_write(self.records_dir / f"{record['case_id']}.json", data)

    def load_records(self) -> dict[str, dict[str, Any]]:
        """All complete records by case id (unreadable files are logged and ignored)."""
        out: dict[str, dict[str, Any]] = {}
        if not self.records_dir.is_dir():
            return out
        for path in sorted(self.records_dir.glob("*.json")):
            try:
                rec = json.loads(path.read_text())
                out[str(rec["case_id"])] = rec
            except (OSError, ValueError, KeyError) as exc:
                log.warning("ignoring unreadable record %s: %s", path, exc)
        return out

    # -- tables ---------------------------------------------------------------------------------
    def write_tables(
        self,
        records: Iterable[Mapping[str, Any]],
        parameters: Iterable[str],
        collect: Iterable[str],
    ) -> list[str]:
        """Regenerate ``results.csv`` (and ``results.parquet``) from ``records``; return columns."""
        rows, columns = table_rows(records, parameters, collect)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_cell(v) for k, v in row.items()})
        atomic_write(self.out_dir / "results.csv", buf.getvalue().encode())
        _write_parquet(self.out_dir / "results.parquet", rows, columns)
        return columns


def table_rows(
    records: Iterable[Mapping[str, Any]], parameters: Iterable[str], collect: Iterable[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Flat rows (sorted by case index) and column names of the results table."""
    records = sorted(records, key=lambda r: r["index"])
    parameters, collect = list(parameters), output_columns(records, collect)
    columns = ["case_id", "status", *parameters, *collect, "wall_time", "error"]
    rows = []
    for rec in records:
        row: dict[str, Any] = {"case_id": rec["case_id"], "status": rec["status"]}
        row.update({p: rec["params"].get(p) for p in parameters})
        row.update({c: rec.get("outputs", {}).get(c) for c in collect})
        row["wall_time"] = rec.get("wall_time")
        row["error"] = rec.get("error") or ""
        rows.append(row)
    return rows, columns


def output_columns(records: Iterable[Mapping[str, Any]], collect: Iterable[str]) -> list[str]:
    """Output column names: collected keys, patterns expanded over the records' outputs."""
    records = list(records)
    columns: list[str] = []
    for key in collect:
        if "*" in key or "?" in key:
            found = {
                k for r in records for k in r.get("outputs", {}) if fnmatch.fnmatchcase(k, key)
            }
            columns.extend(k for k in sorted(found) if k not in columns)
        elif key not in columns:
            columns.append(key)
    return columns


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


def _write_parquet(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return
    data = {}
    for col in columns:
        vals = [r.get(col) for r in rows]
        if any(isinstance(v, (str, list, dict)) for v in vals if v is not None) and col not in (
            "case_id",
            "status",
            "error",
        ):
            vals = [None if v is None else str(v) for v in vals]
        data[col] = vals
    buf = pa.BufferOutputStream()
    pq.write_table(pa.table(data), buf)
    atomic_write(path, buf.getvalue().to_pybytes())
