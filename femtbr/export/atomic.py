"""Atomic output: a file or a whole set of result files appears complete or not at all.

Two mechanisms, both relying on ``os.replace`` being atomic within one file system (POSIX
``rename(2)``; Windows ``MoveFileEx`` with replace):

* :func:`atomic_path` / :func:`atomic_write_text` / :func:`atomic_write_bytes`: write one file
  to a hidden temporary file in the *same directory*, ``fsync`` it, then ``os.replace`` it over
  the target.  Readers see the old file or the new one, never a partial one.
* :func:`atomic_output_dir`: a run writes every output into a hidden staging directory next to
  the destination; only when the ``with`` block finishes without an exception are the staged
  entries moved into the destination (previous files of the same name replaced; stale
  result names given in ``clean`` removed).  On an exception the staging directory is deleted
  and the destination is left exactly as it was: a failed run leaves no file that looks like a
  result, and an earlier result is replaced only by a complete new one.

Hidden names start with ``.`` and contain ``.tmp-`` / ``.staging-`` so that nothing left over by
a killed process looks like a result.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on directories
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it atomically becomes ``path``.

    The temporary file lives in the target's directory and keeps its suffix (so writers that
    choose a format by extension, such as meshio, still work).  On an exception it is removed
    and ``path`` is untouched.

    Parameters
    ----------
    path
        Final file name.  Its directory must exist.

    Examples
    --------
    >>> with atomic_path(out / "fields.vtu") as tmp:   # doctest: +SKIP
    ...     meshio.write(tmp, mesh)
    """
    target = Path(path)
    # Not mkstemp: its mode 0600 would stick to the result; 0666 & ~umask like open().
    while True:
        tmp = target.parent / f".{target.name}.tmp-{secrets.token_hex(6)}{target.suffix}"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"writer produced no file for {target}")
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; return the path."""
    return atomic_write_bytes(path, text.encode(encoding))


def _commit(staging: Path, dest: Path, clean: Iterable[str], last: Iterable[str]) -> None:
    """Move staged entries into ``dest``: stale names removed first, ``last`` names moved last."""
    dest.mkdir(parents=True, exist_ok=True)
    entries = sorted(p.name for p in staging.iterdir())
    last = [n for n in last if n in entries]
    order = [n for n in entries if n not in last] + last
    for name in entries:
        src = staging / name
        if src.is_file():
            _fsync_file(src)
    # Stale results of a previous run that this run does not produce, and the "last" names
    # (e.g. summary.json) first, so no mixed old/new set ever carries a summary.
    for name in [*{*clean} - set(entries), *last]:
        old = dest / name
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        elif old.exists() or old.is_symlink():
            old.unlink()
    for name in order:
        src, dst = staging / name, dest / name
        if src.is_dir() and dst.exists():
            # Directories cannot be os.replace'd over non-empty ones: swap via a hidden name.
            trash = Path(tempfile.mkdtemp(dir=dest, prefix=f".{name}.old-"))
            os.replace(dst, trash / name)
            os.replace(src, dst)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(src, dst)
    _fsync_dir(dest)


@contextlib.contextmanager
def atomic_output_dir(
    out_dir: str | os.PathLike[str],
    *,
    clean: Iterable[str] = (),
    last: Iterable[str] = (),
) -> Iterator[Path]:
    """Stage a set of output files; move them into ``out_dir`` only if the block succeeds.

    Parameters
    ----------
    out_dir
        Destination directory (created on success if missing).  Files in it that the run does
        not write are left alone, except the names in ``clean``.
    clean
        Result names to delete from ``out_dir`` on success when this run did not produce them
        (e.g. a ``fields.png`` from an earlier run that could render, when this one could not).
    last
        Entry names moved last (and whose previous versions are removed first), e.g.
        ``("summary.json",)``: a reader that sees the new summary sees the new fields too.

    Yields
    ------
    Path
        The staging directory (same file system as ``out_dir``) to write into.

    Notes
    -----
    On an exception (including ``KeyboardInterrupt``) the staging directory is removed and
    ``out_dir`` is untouched.  A process killed outright leaves only a hidden
    ``.<name>.staging-*`` directory, which is never mistaken for a result.
    """
    dest = Path(out_dir).resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.staging-"))
    try:
        yield staging
        _commit(staging, dest, clean, last)
        log.debug("committed outputs to %s", dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
