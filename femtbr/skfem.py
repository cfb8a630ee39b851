"""femtbr for scikit-fem users: split a mesh along named interfaces, get the bases and forms.

>>> from femtbr.skfem import forms, split          # doctest: +SKIP
>>> s = split(mesh, ["si_cu"])                      # doctest: +SKIP
>>> A = asm(forms.conduction, s.regions["si"], k=148.0)  # doctest: +SKIP

See ``docs/skfem-plugin.md``.  This module re-exports :mod:`femtbr.fem.skfem` and
:mod:`femtbr.fem.forms` (only ``femtbr.fem`` imports scikit-fem itself).
"""

from femtbr.fem import forms
from femtbr.fem.skfem import InterfaceBases, SplitMesh, from_skfem, split

__all__ = ["InterfaceBases", "SplitMesh", "forms", "from_skfem", "split"]
