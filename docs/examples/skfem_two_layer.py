"""Silicon on copper joined by a DMM phonon boundary conductance, in plain scikit-fem.

Run: ``python docs/examples/skfem_two_layer.py``.  A 2 mm × 1.5 mm section (per metre of
depth): 1 MW/m² enters the top of 0.5 mm of silicon, 1 mm of copper below is held at 300 K.
h(T̄) of the Si/Cu interface comes from femtbr's ``dmm`` model, so the problem is solved by
Newton's method with the interface Jacobian including dh/dT.
"""

import numpy as np
from skfem import MeshQuad, asm, condense, solve

from femtbr.models import create
from femtbr.skfem import forms, split

mesh = MeshQuad.init_tensor(np.linspace(0, 2e-3, 17), np.linspace(0, 1.5e-3, 25))
mesh = mesh.with_subdomains({"si": lambda x: x[1] > 1e-3, "cu": lambda x: x[1] < 1e-3})
mesh = mesh.with_boundaries({"top": lambda x: np.isclose(x[1], 1.5e-3),
                             "bottom": lambda x: np.isclose(x[1], 0.0)})
mesh = mesh.with_boundaries({"si_cu": lambda x: np.isclose(x[1], 1e-3)}, boundaries_only=False)
k = {"si": 148.0, "cu": 398.0}  # W/(m K)
dmm = create("dmm", side_a="silicon", side_b="copper")

s = split(mesh, ["si_cu"])  # split mesh, bases, paired interface facet bases
itf = s.interfaces["si_cu"]
A = sum(asm(forms.conduction, s.regions[r], k=k[r]) for r in k)
f = asm(forms.flux_load, s.boundaries["top"], flux=1e6)
D = s.basis.get_dofs("bottom").all()
T = np.full(s.basis.N, 300.0)
for _ in range(20):  # Newton: h depends on the mean interface temperature
    Ta, Tb = itf.temperatures(T)
    h, dh = dmm.conductance(0.5 * (Ta + Tb), 0.0)
    R = A @ T - f + asm(forms.interface_residual, itf.pair, T_a=Ta, T_b=Tb, conductance=h)
    J = A + asm(forms.interface_jacobian, itf.pair, T_a=Ta, T_b=Tb, conductance=h,
                dconductance=dh)
    dT = solve(*condense(J, -R, D=D))
    T += dT
    if np.abs(dT).max() < 1e-12 * T.max():
        break

if __name__ == "__main__":
    print(f"T_max = {T.max():.6f} K, interface jump = {(Ta - Tb).mean():.6e} K")
