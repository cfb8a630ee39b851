"""Figures: an off-screen pyvista picture of a solved field and matplotlib line plots.

pyvista (VTK) is imported lazily and, by default, only inside a child process: rendering
needs an OpenGL context (EGL from Mesa with no display — Debian packages ``libegl1
libegl-mesa0 libgl1-mesa-dri`` — or an X display), and a missing driver can abort a process
rather than raise.  Isolating it means a run never crashes because of a picture:
:func:`render_fields_png` returns ``False`` and logs a notice instead.

matplotlib is used through its Agg canvas directly (no pyplot state, no GUI backend).
"""

from __future__ import annotations

import contextlib
import ctypes.util
import importlib.util
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from femtbr.errors import FemtbrError
from femtbr.export.atomic import atomic_path

if TYPE_CHECKING:
    from femtbr.fem.values.solution import Solution

log = logging.getLogger(__name__)

#: Seconds a rendering child process may take before it is abandoned.
RENDER_TIMEOUT = 180.0


def rendering_available() -> tuple[bool, str]:
    """Cheap check (no VTK import) whether off-screen rendering can work here.

    Returns
    -------
    ok, reason
        ``reason`` says what is missing when ``ok`` is False.
    """
    if importlib.util.find_spec("pyvista") is None:
        return False, "pyvista is not installed (pip install 'femtbr[plot]')"
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if not has_display and ctypes.util.find_library("EGL") is None:
        return False, (
            "no display and no EGL library (Debian: apt install libegl1 libegl-mesa0 "
            "libgl1-mesa-dri)"
        )
    return True, ""


def _render_env() -> dict[str, str]:
    env = dict(os.environ)
    # The child must import this very femtbr, installed or not.
    root = str(Path(__file__).resolve().parents[2])  # the folder holding the femtbr package
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        # VTK >= 9.4 wheels pick the window class at run time; go straight to EGL.
        env.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    return env


def _view_2d(p, grid, ifc, clim, bar) -> None:
    p.add_mesh(
        grid, scalars="temperature", cmap="inferno", clim=clim, scalar_bar_args=bar, lighting=False
    )
    if ifc is not None:
        p.add_mesh(ifc, color="cyan", line_width=4, lighting=False)
    p.view_xy()
    p.reset_camera()


def _view_clipped(p, grid, ifc, clim, bar, n_ax: int, centre: np.ndarray, ext: np.ndarray):
    """Half the body clipped away; T on the cut; interfaces faint in the removed half.  The
    camera looks from the side of the hottest point (from below when it lies in the lower half),
    so the hot spot is in view rather than behind the body."""
    normal = np.eye(3)[n_ax]
    half = grid.clip(normal=normal, origin=centre, invert=True)
    p.add_mesh(
        half, scalars="temperature", cmap="inferno", clim=clim, scalar_bar_args=bar,
        ambient=0.45, diffuse=0.6, specular=0.0,
    )  # fmt: skip
    p.add_mesh(grid.outline(), color="grey")
    if ifc is not None:
        other = ifc.clip(normal=normal, origin=centre, invert=False)
        if other.n_cells:
            p.add_mesh(other, color="cyan", opacity=0.15, lighting=False)
            rim = other.extract_feature_edges(
                boundary_edges=True, feature_edges=False, manifold_edges=False,
                non_manifold_edges=False,
            )  # fmt: skip
            if rim.n_cells:
                p.add_mesh(rim, color="darkcyan", line_width=2)
        cut = ifc.slice(normal=normal, origin=centre)
        if cut.n_cells:  # lifted off the cut face towards the camera (no z-fighting)
            p.add_mesh(cut.translate(1e-3 * ext.max() * normal), color="cyan", line_width=4)
    side = 1 - n_ax  # x when cutting along y, y when cutting along x
    view = np.zeros(3)
    hot = np.asarray(grid.points[int(np.argmax(grid["temperature"]))], dtype=float)
    view[n_ax], view[2], view[side] = 1.0, 0.35 if hot[2] >= centre[2] else -0.35, -0.35
    dist = 3.0 * float(np.linalg.norm(ext))
    p.camera_position = [tuple(centre + dist * view), tuple(centre), (0.0, 0.0, 1.0)]
    p.reset_camera()
    p.camera.zoom(1.1)


def _view_section(p, grid, ifc, clim, n_ax: int, centre: np.ndarray, ext: np.ndarray) -> None:
    """The cut plane face-on, zoomed on the interfaces near the hottest point (parallel view).

    The window covers the interfaces' traces on the plane; if that is more than 3:1 elongated
    its long side is cut to 3x the short one, centred on the hottest point.
    """
    normal = np.eye(3)[n_ax]
    sec = grid.slice(normal=normal, origin=centre)
    if sec.n_cells == 0:
        return
    p.add_mesh(
        sec, scalars="temperature", cmap="inferno", clim=clim, show_scalar_bar=False,
        lighting=False,
    )  # fmt: skip
    cut = ifc.slice(normal=normal, origin=centre) if ifc is not None else None
    if cut is not None and cut.n_cells:
        p.add_mesh(cut.translate(1e-3 * ext.max() * normal), color="cyan", line_width=2)
        box = np.asarray(cut.bounds, dtype=float).reshape(3, 2)
    else:
        box = np.asarray(sec.bounds, dtype=float).reshape(3, 2)
    hot = np.asarray(sec.points[int(np.argmax(sec["temperature"]))], dtype=float)
    axes = [1 - n_ax, 2]  # horizontal, vertical in the picture
    lo, hi = box[axes, 0], box[axes, 1]
    size = np.maximum(hi - lo, 1e-3 * ext.max())
    short = size.min()
    mid = 0.5 * (lo + hi)
    for k in range(2):
        if size[k] > 3 * short:
            size[k] = 3 * short
            mid[k] = np.clip(hot[axes[k]], lo[k] + size[k] / 2, hi[k] - size[k] / 2)
    # Keep the (square) visible window inside the section where the section is big enough.
    vis = 2.0 * float(size.max())
    sbox = np.asarray(sec.bounds, dtype=float).reshape(3, 2)[axes]
    for k in range(2):
        if sbox[k, 1] - sbox[k, 0] >= vis:
            m = 0.45 * vis  # a margin of 5 % of the window at the section's edge
            mid[k] = np.clip(mid[k], sbox[k, 0] + m, sbox[k, 1] - m)
        else:
            mid[k] = sbox[k].mean()
    focal = centre.copy()
    focal[axes] = mid
    p.camera_position = [tuple(focal + 2 * ext.max() * normal), tuple(focal), (0.0, 0.0, 1.0)]
    p.camera.parallel_projection = True
    p.camera.parallel_scale = vis / 2
    _scale_bar(p, focal, vis, np.eye(3)[axes[0]], 1e-3 * ext.max() * normal)
    axis_name = "xyz"[n_ax]
    p.add_text(
        f"section {axis_name} = {centre[n_ax]:.4g} m (zoom)", font_size=9, color="grey",
        shadow=True,
    )  # fmt: skip


def _nice_length(x: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above ``x`` (a round scale-bar length)."""
    k = np.floor(np.log10(x))
    return max(m * 10**k for m in (1.0, 2.0, 5.0) if m * 10**k <= x)


def _scale_bar(p, focal: np.ndarray, window: float, across: np.ndarray, lift: np.ndarray) -> None:
    """A black bar of a round length, labelled in mm, in the lower left of the section view."""
    import pyvista as pv

    length = _nice_length(window / 4)
    up = np.array([0.0, 0.0, 1.0])
    start = focal - 0.45 * window * across - 0.44 * window * up + lift
    end = start + length * across
    p.add_mesh(pv.Line(start, end), color="black", line_width=5)
    label = f"{length * 1e3:g} mm" if length >= 1e-4 else f"{length * 1e6:g} um"
    p.add_point_labels(
        [0.5 * (start + end) + 0.03 * window * up], [label], font_size=14, text_color="black",
        shape=None, show_points=False, always_visible=True,
    )  # fmt: skip


def _render(fields_vtu: Path, png: Path, interfaces_vtu: Path | None) -> None:
    """Render in this process (needs pyvista and an OpenGL context)."""
    import pyvista as pv

    grid = pv.read(fields_vtu)
    ifc = pv.read(interfaces_vtu) if interfaces_vtu and Path(interfaces_vtu).exists() else None
    if ifc is not None and ifc.n_cells == 0:
        ifc = None
    b = np.asarray(grid.bounds, dtype=float).reshape(3, 2)
    ext = b[:, 1] - b[:, 0]
    clim = [float(np.min(grid["temperature"])), float(np.max(grid["temperature"]))]
    bar = {
        "title": "T [K]", "vertical": False, "fmt": "%.5g", "n_labels": 4, "position_x": 0.2,
        "position_y": 0.03, "width": 0.6, "height": 0.07, "color": "black",
    }  # fmt: skip
    if ext[2] <= 1e-9 * ext.max():  # 2D
        p = pv.Plotter(off_screen=True, window_size=(1200, 900))
        p.set_background("white")
        _view_2d(p, grid, ifc, clim, bar)
    else:
        # Cut through the middle along y (or x if y is the thinnest direction).
        n_ax = 0 if ext[1] < min(ext[0], ext[2]) else 1
        centre = b.mean(axis=1)
        p = pv.Plotter(off_screen=True, window_size=(1800, 900), shape=(1, 2), border=False)
        p.set_background("white")
        p.subplot(0, 0)
        _view_clipped(p, grid, ifc, clim, bar, n_ax, centre, ext)
        p.subplot(0, 1)
        _view_section(p, grid, ifc, clim, n_ax, centre, ext)
        p.subplot(0, 0)
    caption = "temperature" + ("; interfaces in cyan" if ifc is not None else "")
    p.add_text(caption, font_size=10, color="black")
    p.screenshot(str(png))
    p.close()


def render_fields_png(
    source: str | os.PathLike[str] | Solution,
    path: str | os.PathLike[str],
    *,
    interfaces: str | os.PathLike[str] | None = None,
    isolate: bool = True,
) -> bool:
    """Render the temperature field with the interfaces visible to a PNG, off-screen.

    3D (1800 x 900 px, two panels): left, half of the body clipped away — the remaining half
    shows the temperature on the cut (the jumps at the split interfaces are colour steps), the
    interface surfaces are drawn faint in the removed half and as cyan lines on the cut; right,
    the cut plane face-on, zoomed on the interfaces near the hottest point.  2D (1200 x 900 px):
    the whole field with the interface lines on top.

    Parameters
    ----------
    source
        A ``fields.vtu`` path (its sibling ``interfaces.vtu`` is used if present and
        ``interfaces`` is not given) or a :class:`~femtbr.fem.Solution`.
    path
        PNG to write (atomically).
    interfaces
        ``interfaces.vtu`` to overlay.
    isolate
        Render in a child process (default) so that a broken OpenGL driver cannot take the
        caller down.

    Returns
    -------
    bool
        True if the PNG was written; False (with a logged notice) when rendering is impossible.
    """
    ok, reason = rendering_available()
    if not ok:
        log.warning("fields.png skipped: %s", reason)
        return False
    with tempfile.TemporaryDirectory(prefix="femtbr-render-") as tmpdir:
        if not isinstance(source, (str, os.PathLike)):
            from femtbr.export.vtu import write_fields_vtu, write_interfaces_vtu

            fields_vtu = write_fields_vtu(source, Path(tmpdir) / "fields.vtu")
            if interfaces is None and source.interfaces:
                interfaces = write_interfaces_vtu(source, Path(tmpdir) / "interfaces.vtu")
        else:
            fields_vtu = Path(source)
            sibling = fields_vtu.with_name("interfaces.vtu")
            if interfaces is None and sibling.exists():
                interfaces = sibling
        ifc = Path(interfaces) if interfaces is not None else None
        with contextlib.suppress(_RenderFailed), atomic_path(path) as tmp:
            if isolate:
                _render_child(fields_vtu, tmp, ifc)
            else:
                try:
                    _render(fields_vtu, tmp, ifc)
                except Exception as exc:  # VTK/pyvista raise assorted types
                    log.warning("fields.png skipped: rendering failed: %s", exc)
                    raise _RenderFailed from exc
            return True
    return False


class _RenderFailed(Exception):
    pass


def _render_child(fields_vtu: Path, png: Path, interfaces: Path | None) -> None:
    cmd = [sys.executable, "-m", "femtbr.export.render", str(fields_vtu), str(png)]
    if interfaces is not None:
        cmd.append(str(interfaces))
    try:
        proc = subprocess.run(
            cmd, env=_render_env(), capture_output=True, text=True, timeout=RENDER_TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        log.warning("fields.png skipped: rendering took longer than %.0f s", RENDER_TIMEOUT)
        raise _RenderFailed from exc
    if proc.stderr:
        log.debug("renderer stderr:\n%s", proc.stderr)
    if proc.returncode != 0 or not png.exists() or png.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        log.warning(
            "fields.png skipped: renderer exited with %s: %s", proc.returncode, " | ".join(tail)
        )
        raise _RenderFailed


def plot_xy(
    x: Sequence[float] | np.ndarray,
    series: Mapping[str, Sequence[float] | np.ndarray] | Sequence[float] | np.ndarray,
    path: str | os.PathLike[str],
    *,
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    logx: bool = False,
    logy: bool = False,
    markers: bool = True,
) -> Path:
    """Line plot of one or several series against ``x``, written to a PNG atomically.

    Parameters
    ----------
    x
        Abscissa values.
    series
        One array of y values, or label -> y values (one line each, with a legend).
    path
        PNG file.
    xlabel, ylabel
        Axis labels (put the unit in them, e.g. ``"pressure [Pa]"``).
    title, logx, logy, markers
        Cosmetics.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(series, Mapping):
        series = {"": series}
    xs = np.asarray(x, dtype=float)
    fig = Figure(figsize=(6.4, 4.4), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for label, y in series.items():
        ys = np.asarray(y, dtype=float)
        if ys.shape != xs.shape:
            raise FemtbrError(f"plot_xy: series {label!r} has shape {ys.shape}, x has {xs.shape}")
        ax.plot(xs, ys, marker="o" if markers else None, ms=4, label=label or None)
    ax.set(xlabel=xlabel, ylabel=ylabel, xscale="log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    if title:
        ax.set_title(title)
    if any(series):
        ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return Path(path)


def _main(argv: Sequence[str]) -> int:
    """``python -m femtbr.export.render FIELDS.vtu OUT.png [INTERFACES.vtu]`` (the child
    process of :func:`render_fields_png`)."""
    if len(argv) not in (2, 3):
        usage = "usage: python -m femtbr.export.render FIELDS.vtu OUT.png [INTERFACES.vtu]"
        sys.stderr.write(usage + "\n")
        return 2
    _render(Path(argv[0]), Path(argv[1]), Path(argv[2]) if len(argv) == 3 else None)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
