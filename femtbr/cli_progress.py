"""Progress on the terminal: live bars (``rich``) when stderr is a terminal, plain lines otherwise.

The library reports progress through ``progress(stage, info)`` callbacks and never prints; the
command line owns the terminal and turns the callbacks into output here.  Stages: ``meshing`` /
``mesh ready``, ``split``, ``assemble``, ``newton`` (``iteration``, ``residual``),
``transient`` (``t_end``), ``time step`` (``step``, ``t``, ``t_end``), ``writing outputs``.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    s = str(v)
    return s if len(s) < 60 else s[:57] + "..."


class PlainProgress:
    """One line per stage, Newton iteration and (every tenth) time step, with elapsed time."""

    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream
        self.t0 = time.perf_counter()

    def __call__(self, stage: str, info: dict[str, Any] | None = None) -> None:
        info = dict(info or {})
        if stage == "time step" and info.get("step", 0) % 10 and info.get("t") != info.get("t_end"):
            return
        if "residual" in info:
            it = info.pop("iteration", "?")
            text = f"Newton {it}: residual {float(info.pop('residual')):.3e}"
        else:
            text = stage
        extra = ", ".join(f"{k}={_short(v)}" for k, v in info.items())
        t = time.perf_counter() - self.t0
        self.stream.write(f"[{t:7.2f} s] {text}{' (' + extra + ')' if extra else ''}\n")
        self.stream.flush()

    def close(self) -> None:
        """Nothing to tidy up for plain lines."""


class LiveProgress:
    """Live ``rich`` bars: a spinner while meshing and assembling, the Newton residual, and a
    bar over simulated time for transient runs."""

    def __init__(self, stream: TextIO = sys.stderr):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(file=stream)
        self.bars = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
            redirect_stdout=False,  # the result table goes to stdout untouched
            redirect_stderr=False,
        )
        self.bars.start()
        self.tasks: dict[str, Any] = {}

    def _task(self, name: str, total: float | None = None) -> Any:
        if name not in self.tasks:
            self.tasks[name] = self.bars.add_task(name, total=total, detail="")
        return self.tasks[name]

    def _finish(self, name: str) -> None:
        if name in self.tasks:
            task = self.tasks[name]
            self.bars.update(task, total=1, completed=1)

    def __call__(self, stage: str, info: dict[str, Any] | None = None) -> None:
        info = dict(info or {})
        if stage == "meshing":
            self.bars.update(self._task("meshing"), detail=_short(info.get("geometry", "")))
        elif stage == "mesh ready":
            self.bars.update(self._task("meshing"), detail=f"{info.get('cells', '?')} cells")
            self._finish("meshing")
        elif stage == "newton":
            task = self._task("Newton")
            detail = f"iteration {info.get('iteration')}: residual {info.get('residual', 0):.3e}"
            self.bars.update(task, detail=detail)
        elif stage == "transient":
            self._finish("Newton")
            self._task("time steps", total=float(info.get("t_end", 1.0)))
        elif stage == "time step":
            task = self._task("time steps", total=float(info.get("t_end", 1.0)))
            self.bars.update(task, completed=float(info.get("t", 0.0)),
                             detail=f"step {info.get('step')}, t = {info.get('t', 0.0):.4g} s")
        else:
            if stage == "writing outputs":
                self._finish("Newton")
            extra = ", ".join(f"{k}={_short(v)}" for k, v in info.items())
            self.console.log(f"{stage}{' (' + extra + ')' if extra else ''}")

    def close(self) -> None:
        """Stop the live display (leaves the last state of the bars on screen)."""
        self._finish("Newton")
        self.bars.stop()


def terminal_progress(stream: TextIO = sys.stderr) -> PlainProgress | LiveProgress:
    """Live bars on a terminal (when ``rich`` is installed), plain lines otherwise."""
    if stream.isatty():
        try:
            return LiveProgress(stream)
        except ImportError:
            pass
    return PlainProgress(stream)
