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
a killed process looks like a result.  A staging directory's name records its owner
(``.<name>.staging-<pid>-<start time>-<host>-<random>``, the start time from
``/proc/<pid>/stat`` so that a reused PID is not taken for the owner); the next
:func:`atomic_output_dir` into the same destination removes the staging directories whose owner
on this host is gone (see :func:`remove_stale_staging`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
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


#: Staging directories without an owner record (older femtbr) count as stale after this [s].
UNOWNED_STALE_AFTER = 7 * 24 * 3600.0


def _start_time(pid: int) -> str:
    """Start time of process ``pid`` in clock ticks since boot (``/proc/<pid>/stat`` field
    22, proc(5)); ``"0"`` where there is no ``/proc``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "0"
    return stat.rsplit(")", 1)[1].split()[19]  # fields after the command name, from field 3


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "", socket.gethostname())[:40] or "host"


def _alive(pid: int, start: str) -> bool:
    """Whether process ``pid`` exists and (where known) is the one started at ``start``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        pass
    return start == "0" or _start_time(pid) in (start, "0")


def _owner_prefix(dest: Path) -> str:
    pid = os.getpid()
    return f".{dest.name}.staging-{pid}-{_start_time(pid)}-{_host()}-"


def remove_stale_staging(dest: str | os.PathLike[str]) -> list[Path]:
    """Remove the staging directories of ``dest`` left by killed runs; return them.

    A staging directory is stale when its recorded owner process (same host) no longer exists,
    or its PID now belongs to a process started at another time.  Directories of other hosts
    are left alone (their processes cannot be seen from here); directories with no owner record
    count as stale once unmodified for :data:`UNOWNED_STALE_AFTER`.
    """
    dest = Path(dest).resolve()
    prefix = f".{dest.name}.staging-"
    removed = []
    try:
        entries = [p for p in dest.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    owner = re.compile(r"(\d+)-(\d+)-([A-Za-z0-9.]+)-[^-]+$")
    for path in entries:
        m = owner.match(path.name[len(prefix):])
        try:
            if m is None:
                stale = time.time() - path.stat().st_mtime > UNOWNED_STALE_AFTER
            else:
                stale = m.group(3) == _host() and not _alive(int(m.group(1)), m.group(2))
        except OSError:
            continue
        if stale and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
            log.info("removed stale staging directory %s", path)
    return removed


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
    ``.<name>.staging-*`` directory, which is never mistaken for a result and which the next
    call for the same ``out_dir`` removes (:func:`remove_stale_staging`).
    """
    dest = Path(out_dir).resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(dest)
    staging = Path(tempfile.mkdtemp(dir=dest.parent, prefix=_owner_prefix(dest)))
    try:
        yield staging
        _commit(staging, dest, clean, last)
        log.debug("committed outputs to %s", dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
