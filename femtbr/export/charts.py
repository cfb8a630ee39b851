"""Charts of a solved case a thermal engineer reads first (matplotlib, Agg canvas, no display).

* :func:`plot_breakdown` — ``breakdown.png``: the junction-to-ambient resistance as a waterfall
  of its parts (layers, interfaces, cooling film, spreading remainder), each bar starting where
  the previous one ended, so the bars stack up to R_ja.
* :func:`vertical_profile` / :func:`plot_vertical_profile` — ``profile.png``: T along the
  vertical line through the hottest point, one segment per region, so each split interface
  shows as the jump between two segments.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from femtbr.export.atomic import atomic_path

log = logging.getLogger(__name__)


def _figure(size: tuple[float, float]) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _save(fig: Any, path: str | os.PathLike[str]) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return Path(path)


def plot_breakdown(breakdown: Mapping[str, Any], path: str | os.PathLike[str]) -> Path | None:
    """Waterfall chart of a junction-to-ambient breakdown [K/W]; None (nothing written) when
    the breakdown does not apply to the case (``junction_to_ambient`` is None)."""
    total = breakdown.get("junction_to_ambient")
    if total is None:
        return None
    items = [it for it in breakdown.get("items", []) if it.get("in_total", True)]
    fig, ax = _figure((7.0, 0.45 * len(items) + 1.8))
    start = 0.0
    for row, it in enumerate(items):
        R = float(it["R"])
        colour = {"layer": "tab:blue", "interface": "tab:red", "boundary": "tab:green"}.get(
            it.get("kind"), "tab:grey"
        )
        ax.barh(row, R, left=start, color=colour)
        ax.text(start + max(R, 0.0), row, f" {R:.3g} ({R / total:.0%})", va="center", fontsize=8)
        start += R
    ax.axvline(total, color="black", lw=1)
    ax.set_yticks(range(len(items)), [str(it["name"]).strip() for it in items])
    ax.invert_yaxis()
    ax.set_xlabel("resistance [K/W]")
    ax.set_xlim(0.0, 1.25 * max(total, start))
    ax.set_title(
        f"junction-to-ambient {total:.4g} K/W ({breakdown.get('junction')} → "
        f"{breakdown.get('T_ambient', float('nan')):.2f} K, {breakdown.get('power', 0):.4g} W)",
        fontsize=10,
    )
    ax.grid(True, axis="x", alpha=0.3)
    return _save(fig, path)


def vertical_profile(solution: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """T [K] against height [m] at the vertices on the vertical line through the hottest
    vertex, per region: ``{region: (height, T)}`` sorted by height.

    "Vertical" is the last coordinate axis.  Split interfaces give each side its own copy of a
    vertex, so the two regions' segments end at the same height with different T: the jump.
    Returns an empty dict when fewer than two vertices lie on that line (unstructured meshes).
    """
    pts = np.asarray(solution.points, dtype=float)
    T = np.asarray(solution.temperature, dtype=float)
    hot = pts[int(np.argmax(T))]
    extent = float(np.ptp(pts, axis=0).max()) or 1.0
    on = np.all(np.abs(pts[:, :-1] - hot[:-1]) <= 1e-9 * extent, axis=1)
    if on.sum() < 2:
        return {}
    cells = np.asarray(solution.cells)
    region_of = np.full(len(pts), -1, dtype=np.int64)
    region_of[cells.ravel()] = np.repeat(np.asarray(solution.region_id), cells.shape[1])
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for rid, name in enumerate(solution.region_names):
        idx = np.flatnonzero(on & (region_of == rid))
        if idx.size:
            order = np.argsort(pts[idx, -1], kind="stable")
            out[name] = (pts[idx[order], -1], T[idx[order]])
    return out


def plot_vertical_profile(solution: Any, path: str | os.PathLike[str]) -> Path | None:
    """``profile.png``: :func:`vertical_profile` drawn per region; None when the mesh has no
    vertical line of vertices through the hot spot."""
    segments = vertical_profile(solution)
    if not segments:
        log.info("profile.png skipped: no vertical line of vertices through the hottest point")
        return None
    fig, ax = _figure((6.4, 4.4))
    ordered = sorted(segments.items(), key=lambda kv: kv[1][0].min())
    for name, (z, T) in ordered:
        ax.plot(T, z * 1e3, marker="o", ms=2.5, lw=1.5, label=name)
    span = max(float(np.ptp(np.concatenate([z for z, _ in segments.values()]))), 1e-300)
    for (_, (z0, T0)), (_, (z1, T1)) in zip(ordered, ordered[1:], strict=False):
        if abs(z1[0] - z0[-1]) <= 1e-9 * span:  # a split interface: draw its jump
            ax.plot([T0[-1], T1[0]], [z0[-1] * 1e3] * 2, ls=":", color="grey", lw=1)
            ax.annotate(f"ΔT = {abs(T1[0] - T0[-1]):.3g} K", (0.5 * (T0[-1] + T1[0]), z0[-1] * 1e3),
                        textcoords="offset points", xytext=(0, 4), ha="center", fontsize=7)
    ax.set_xlabel("temperature [K]")
    ax.set_ylabel("height [mm]")
    ax.set_title("T along the vertical line through the hottest point", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    return _save(fig, path)
