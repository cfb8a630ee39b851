"""The ``femtbr sweep`` command: arguments, terminal progress bar, exit codes.

``femtbr.cli`` delegates the verb here::

    from femtbr.sweep import cli as sweep_cli
    sweep_cli.add_arguments(subparsers.add_parser("sweep", help=sweep_cli.HELP))
    ...
    return sweep_cli.run_cli(args)

It also runs standalone: ``python -m femtbr.sweep.cli CASE.toml ...``.  Exit codes: 0 when the
study completed (failed cases are results: they are in the table and counted on stderr),
2 bad input, 1 internal error.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

from femtbr.errors import FemtbrError
from femtbr.sweep.worker import DEFAULT_RUNNER

if TYPE_CHECKING:
    from femtbr.sweep.api import Progress

HELP = "run the parametric study of a case's [sweep] table"


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``sweep`` arguments to ``parser``."""
    parser.add_argument("case", help="case file (TOML) with a [sweep] table")
    parser.add_argument("--out", default=None, help="study folder (default results/<name>)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, default=None, help="local worker processes (default: CPU count)"
    )
    where.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler, tcp://HOST:PORT"
    )
    parser.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a key of the base case (as for run), e.g. --set geometry.refine=2",
    )
    parser.add_argument("--resume", action="store_true", help="continue a study in --out")
    parser.add_argument(
        "--retry-failed", action="store_true", help="with --resume, rerun failed cases too"
    )
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--runner", default=DEFAULT_RUNNER, help=argparse.SUPPRESS)
    return parser


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class ProgressBar:
    """Finished / failed / remaining: a live ``rich`` bar on a terminal, one plain line per
    case otherwise (logs, CI)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self._live: Any = None
        self._task: Any = None
        if self.stream.isatty():
            try:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                    TimeRemainingColumn,
                )

                self._live = Progress(
                    TextColumn("sweep"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=Console(file=self.stream),
                )
            except ImportError:
                self._live = None

    def __call__(self, p: Progress) -> None:
        if p.last is None:
            resumed = f", {p.resumed} already recorded" if p.resumed else ""
            self.stream.write(f"sweep: {p.total} cases on {p.executor}{resumed}\n")
            self.stream.flush()
            if self._live is not None:
                self._live.start()
                self._task = self._live.add_task("", total=p.total, completed=p.finished,
                                                 detail="")
            return
        detail = f"{p.failed} failed, {p.remaining} remaining"
        if self._live is not None:
            self._live.update(self._task, completed=p.finished, detail=detail)
            if p.remaining == 0:
                self._live.stop()
            return
        run = p.finished - p.resumed
        eta = p.elapsed / run * p.remaining if run else 0.0
        self.stream.write(
            f"{p.finished}/{p.total} finished, {detail}  {_clock(p.elapsed)} elapsed, "
            f"ETA {_clock(eta)}  ({p.last})\n"
        )
        self.stream.flush()

    def close(self) -> None:
        """Stop the live bar (when the study ended early)."""
        if self._live is not None:
            self._live.stop()


def run_cli(args: argparse.Namespace, stderr: TextIO | None = None) -> int:
    """Run the study described by parsed ``args``; return the exit code."""
    from femtbr.sweep.api import sweep

    stderr = stderr if stderr is not None else sys.stderr
    bar = None if getattr(args, "quiet", False) else ProgressBar(stderr)
    try:
        result = sweep(
            args.case,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            retry_failed=getattr(args, "retry_failed", False),
            progress=bar,
            plots=not getattr(args, "no_plots", False),
            runner=getattr(args, "runner", DEFAULT_RUNNER),
            overrides=getattr(args, "set", None) or (),
        )
    except FemtbrError as exc:
        stderr.write(f"error: {exc}\n")
        return exc.exit_code
    finally:
        if bar is not None:
            bar.close()
    n = len(result.records)
    stderr.write(
        f"sweep: {n - result.n_failed} ok, {result.n_failed} failed; "
        f"results in {result.out_dir / 'results.csv'}\n"
    )
    for rec in result.records:
        if rec["status"] != "ok":
            stderr.write(f"  {rec['case_id']} {rec['params']}: {rec['error']}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point: ``python -m femtbr.sweep.cli CASE.toml [...]``."""
    parser = add_arguments(argparse.ArgumentParser(prog="femtbr sweep", description=HELP))
    return run_cli(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
