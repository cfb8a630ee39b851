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
import time
from typing import TextIO

from femtbr.errors import FemtbrError
from femtbr.sweep.api import Progress, sweep
from femtbr.sweep.worker import DEFAULT_RUNNER

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
    """Finished / failed / remaining on a terminal line (one line per case when not a TTY)."""

    def __init__(self, stream: TextIO | None = None, width: int = 30):
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.tty = self.stream.isatty()
        self._t0 = time.perf_counter()

    def __call__(self, p: Progress) -> None:
        if p.last is None:
            resumed = f", {p.resumed} already recorded" if p.resumed else ""
            self.stream.write(f"sweep: {p.total} cases on {p.executor}{resumed}\n")
            self.stream.flush()
            return
        run = p.finished - p.resumed
        eta = p.elapsed / run * p.remaining if run else 0.0
        fill = int(self.width * p.finished / max(p.total, 1))
        line = (
            f"[{'#' * fill}{'.' * (self.width - fill)}] {p.finished}/{p.total} finished, "
            f"{p.failed} failed, {p.remaining} remaining  {_clock(p.elapsed)} elapsed, "
            f"ETA {_clock(eta)}"
        )
        if self.tty:
            self.stream.write("\r" + line + ("\n" if p.remaining == 0 else ""))
        else:
            self.stream.write(f"{line}  ({p.last})\n")
        self.stream.flush()


def run_cli(args: argparse.Namespace, stderr: TextIO | None = None) -> int:
    """Run the study described by parsed ``args``; return the exit code."""
    stderr = stderr if stderr is not None else sys.stderr
    try:
        result = sweep(
            args.case,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            retry_failed=getattr(args, "retry_failed", False),
            progress=None if getattr(args, "quiet", False) else ProgressBar(stderr),
            plots=not getattr(args, "no_plots", False),
            runner=getattr(args, "runner", DEFAULT_RUNNER),
            overrides=getattr(args, "set", None) or (),
        )
    except FemtbrError as exc:
        stderr.write(f"error: {exc}\n")
        return exc.exit_code
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
