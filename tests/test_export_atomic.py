"""Atomic outputs: a failure at any point leaves no partial file and keeps the previous result."""

from __future__ import annotations

import json

import pytest
from test_export_fixtures import layered_solution

import femtbr.export as export
from femtbr.export import (
    RESULT_FILES,
    atomic_output_dir,
    atomic_path,
    atomic_write_text,
    write_outputs,
)
from femtbr.pipeline.report import build_summary


def _entries(d):
    return sorted(p.name for p in d.iterdir())


def test_atomic_path_failure_keeps_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "fields.vtu"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".vtu" and tmp.name.startswith(".")
        tmp.write_text("half a fi")
        raise RuntimeError("disk on fire")
    assert target.read_text() == "old"
    assert _entries(tmp_path) == ["fields.vtu"]


def test_atomic_path_success_replaces_with_normal_permissions(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert _entries(tmp_path) == ["a.txt"]
    plain = tmp_path / "plain.txt"
    plain.write_text("x")  # what open() would give under the current umask
    assert target.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_atomic_path_writer_that_writes_nothing_fails(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_path(tmp_path / "x.vtu") as tmp:
        tmp.unlink()
    assert _entries(tmp_path) == []


def _previous_run(out):
    s = layered_solution("quad")
    write_outputs(s, build_summary(s, name="old", parameters={}), out, render=False)
    (out / "fields.png").write_bytes(b"old picture")  # as if the old run could render
    (out / "notes.txt").write_text("user file")
    return {n: (out / n).read_bytes() for n in _entries(out)}


@pytest.mark.parametrize("fail_in", ["write_interfaces_vtu", "write_summary"])
def test_failed_run_leaves_previous_results_untouched(tmp_path, monkeypatch, fail_in):
    out = tmp_path / "results" / "case"
    before = _previous_run(out)

    def broken(solution_or_summary, path):
        path.write_bytes(b"<VTKFile partial")  # a partial file in the staging directory
        raise OSError("no space left on device")

    monkeypatch.setattr(export, fail_in, broken)
    s = layered_solution("hexahedron")
    with pytest.raises(OSError, match="no space"):
        write_outputs(s, build_summary(s, name="new", parameters={}), out, render=False)
    assert {n: (out / n).read_bytes() for n in _entries(out)} == before
    assert _entries(out.parent) == ["case"]  # no staging directory, no partial file


def test_failed_first_run_creates_nothing(tmp_path, monkeypatch):
    out = tmp_path / "case"
    monkeypatch.setattr(export, "write_fields_vtu", lambda s, p: 1 / 0)
    s = layered_solution("quad")
    with pytest.raises(ZeroDivisionError):
        write_outputs(s, build_summary(s, name="x", parameters={}), out, render=False)
    assert _entries(tmp_path) == []


def test_successful_run_replaces_results_and_removes_stale_ones(tmp_path):
    out = tmp_path / "case"
    _previous_run(out)
    s = layered_solution("hexahedron")
    paths = write_outputs(s, build_summary(s, name="new", parameters={}), out, render=False)
    assert sorted(p.name for p in paths) == ["fields.vtu", "interfaces.vtu", "summary.json"]
    # The old picture belonged to the old run: gone.  The user's file stays.
    assert _entries(out) == ["fields.vtu", "interfaces.vtu", "notes.txt", "summary.json"]
    assert json.loads((out / "summary.json").read_text())["name"] == "new"
    assert set(RESULT_FILES) >= {p.name for p in paths}


def test_interrupt_is_a_failure_too(tmp_path):
    out = tmp_path / "case"
    with pytest.raises(KeyboardInterrupt), atomic_output_dir(out) as stage:
        (stage / "summary.json").write_text("{}")
        raise KeyboardInterrupt
    assert _entries(tmp_path) == []


def test_output_dir_commits_subdirectories(tmp_path):
    """Sweep use: per-case subdirectories are replaced as a whole."""
    out = tmp_path / "study"
    with atomic_output_dir(out) as stage:
        (stage / "case_0").mkdir()
        (stage / "case_0" / "old.txt").write_text("old")
    with atomic_output_dir(out, last=("results.csv",)) as stage:
        (stage / "case_0").mkdir()
        (stage / "case_0" / "new.txt").write_text("new")
        (stage / "results.csv").write_text("a,b\n")
    assert _entries(out) == ["case_0", "results.csv"]
    assert _entries(out / "case_0") == ["new.txt"]
    assert _entries(tmp_path) == ["study"]
