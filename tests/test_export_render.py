"""Pictures: the off-screen field rendering, its graceful failure, and matplotlib line plots."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from matplotlib.image import imread
from test_export_fixtures import layered_solution

import femtbr.export.render as plot
from femtbr.errors import FemtbrError
from femtbr.export import write_fields_vtu, write_outputs
from femtbr.pipeline.report import build_summary

CAN_RENDER, WHY_NOT = plot.rendering_available()
needs_render = pytest.mark.skipif(not CAN_RENDER, reason=f"no off-screen rendering: {WHY_NOT}")


def _colour_stats(png):
    img = imread(png)[..., :3]
    flat = img.reshape(-1, 3)
    not_white = np.mean(np.any(flat < 0.95, axis=1))
    # Cyan-ish (also when blended): green and blue well above red; no inferno colour is.
    cyan = np.mean((flat[:, 1] - flat[:, 0] > 0.25) & (flat[:, 2] - flat[:, 0] > 0.25))
    n_colours = len(np.unique(np.round(flat * 255).astype(int), axis=0))
    return img.shape, not_white, cyan, n_colours


@needs_render
def test_write_outputs_renders_a_clipped_3d_view(tmp_path):
    s = layered_solution("hexahedron", n_per_layer=4, n_side=6)
    paths = write_outputs(s, build_summary(s, name="slab", parameters={}), tmp_path / "r")
    png = tmp_path / "r" / "fields.png"
    assert png in paths
    shape, not_white, cyan, n_colours = _colour_stats(png)
    assert shape[:2] == (900, 1800)  # two panels: clipped 3D view and zoomed section
    assert not_white > 0.15  # a body fills a good part of the frame
    assert cyan > 0.01  # the interface overlay is visible
    assert n_colours > 100  # a colour map and shading, not a blank or single-colour frame
    # The right panel (zoomed section) shows the layers on both sides of an interface line:
    # a hot (yellow) and a cool (dark) side, and the cyan interface trace.
    right = imread(png)[:, 900:, :3].reshape(-1, 3)
    assert np.mean((right[:, 0] > 0.85) & (right[:, 1] > 0.8) & (right[:, 2] < 0.6)) > 0.05
    assert np.mean(right.max(axis=1) < 0.2) > 0.05
    assert np.any((right[:, 1] - right[:, 0] > 0.25) & (right[:, 2] - right[:, 0] > 0.25))


@needs_render
def test_render_from_solution_in_2d(tmp_path):
    assert plot.render_fields_png(layered_solution("triangle"), tmp_path / "f.png")
    shape, not_white, cyan, n_colours = _colour_stats(tmp_path / "f.png")
    assert not_white > 0.15 and cyan > 0.001 and n_colours > 20


def test_render_reports_false_without_pyvista(tmp_path, monkeypatch, caplog):
    real = plot.importlib.util.find_spec
    monkeypatch.setattr(
        plot.importlib.util, "find_spec", lambda n, *a: None if n == "pyvista" else real(n, *a)
    )
    fields = write_fields_vtu(layered_solution("quad"), tmp_path / "fields.vtu")
    with caplog.at_level(logging.WARNING, logger="femtbr.export.render"):
        assert plot.render_fields_png(fields, tmp_path / "fields.png") is False
    assert "pyvista is not installed" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fields.vtu"]


@needs_render
def test_render_failure_in_child_is_a_notice_not_a_crash(tmp_path, caplog):
    bad = tmp_path / "fields.vtu"
    bad.write_text("<VTKFile this is not a grid")
    with caplog.at_level(logging.WARNING, logger="femtbr.export.render"):
        assert plot.render_fields_png(bad, tmp_path / "fields.png") is False
    assert "fields.png skipped" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fields.vtu"]


def test_plot_xy_writes_a_png(tmp_path):
    p = np.logspace(5, 7, 6)
    path = plot.plot_xy(
        p, {"CMY": 1e4 * (p / 1e6) ** 0.95, "Mikic": 1.2e4 * (p / 1e6) ** 0.94}, tmp_path / "h.png",
        xlabel="pressure [Pa]", ylabel="h [W/m²K]", logx=True, logy=True, title="contact",
    )  # fmt: skip
    img = imread(path)
    assert img.shape[:2] == (528, 768)  # 6.4 x 4.4 in at 120 dpi
    assert len(np.unique(np.round(img[..., :3] * 255).astype(int).reshape(-1, 3), axis=0)) > 20
    with pytest.raises(FemtbrError, match="shape"):
        plot.plot_xy([1, 2], [1, 2, 3], tmp_path / "bad.png", xlabel="x", ylabel="y")
    assert not (tmp_path / "bad.png").exists()
