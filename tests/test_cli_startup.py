"""Fast start (issue 14 item 6): a model look-up imports only the model's own module, and
``femtbr models`` / ``femtbr check`` import no heavy scipy subpackage (scipy.special and
scipy.interpolate cost ~0.2 s each).  Checked in a fresh interpreter: the structure that makes
the commands fast, not a wall time (machines are shared and noisy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy.special", "scipy.interpolate", "scipy.integrate", "scipy.optimize", "skfem")


def modules_after(code: str) -> list[str]:
    """``sys.modules`` of a fresh interpreter after running ``code`` (femtbr from this tree)."""
    script = (f"import sys, io, contextlib\n{code}\n"
              "sys.__stdout__.write('\\n' + __import__('json').dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_get_imports_only_the_named_model():
    mods = modules_after("import femtbr.models as m\nm.get('constant')")
    models = {x for x in mods if x.startswith("femtbr.models.") and not x.split(".")[-1]
              .startswith("_")}
    assert models == {"femtbr.models.base", "femtbr.models.registry", "femtbr.models.constant"}


def test_models_listing_imports_no_heavy_scipy():
    mods = modules_after("from femtbr.cli import main\n"
                         "with contextlib.redirect_stdout(io.StringIO()): main(['models'])")
    assert "femtbr.models.table" in mods  # every model was described ...
    assert not [m for m in mods if m.startswith(HEAVY)]  # ... without scipy's heavy parts


def test_check_imports_no_heavy_scipy_nor_the_fe_layer():
    mods = modules_after("from femtbr.cli import main\n"
                         "with contextlib.redirect_stdout(io.StringIO()):\n"
                         "    assert main(['check', 'cases/cpu_heatsink.toml']) == 0")
    assert not [m for m in mods if m.startswith(HEAVY)]
    assert not [m for m in mods if m.startswith("femtbr.fem")]
