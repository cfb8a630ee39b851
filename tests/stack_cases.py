"""The small 2D silicon-on-copper stack that several tests write as a case file.

0.5 mm of silicon on 1 mm of copper, 4 mm wide, heated by a source over the top
(:func:`stack_geometry`); :data:`FIXED_BOTTOM_CONTACT` closes the ``[geometry]`` table with the
bottom held at 300 K and gives the die/copper contact a constant h = 1e5 W/(m² K), so that
with the source over the whole top the heat flows one-dimensionally.
"""

from __future__ import annotations


def stack_geometry(name: str = "small", mesh_size: str = "1 mm", source_size: str = "4 mm",
                   power: float = 20.0) -> str:
    """``name`` and an open ``[geometry]`` table of the stack (more geometry keys may follow);
    ``power`` [W per metre of depth]."""
    return f"""
name = "{name}"
[geometry]
builder = "stack"
dim = 2
width = "4 mm"
mesh_size = "{mesh_size}"
layers = [{{name = "die", material = "silicon", thickness = "0.5 mm"}},
          {{name = "cu", material = "copper", thickness = "1 mm"}}]
sources = [{{name = "chip", size = "{source_size}", power = {power!r}}}]
"""


#: Bottom at 300 K and a constant contact h = 1e5 W/(m² K) (follows :func:`stack_geometry`).
FIXED_BOTTOM_CONTACT = """bottom = "temperature"
T_bottom = "300 K"
[interfaces.die_cu]
model = "constant"
h = "1e5 W/m^2/K"
"""
