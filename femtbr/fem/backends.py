"""The assembly backend of a problem: femtbr's fast kernels or ``skfem.asm`` of the forms.

``solver.backend = "fast"`` (default) evaluates every term with the vectorised kernels of
:mod:`femtbr.fem.assembly.assemble`; ``"skfem"`` evaluates the same terms as the scikit-fem forms of
:mod:`femtbr.fem.forms` (the reference the kernels are proven equal to).  Kept apart from
:mod:`femtbr.fem.assembly.assemble` so that the form backend, which builds on the fast System's
data, is not imported by it.
"""

from __future__ import annotations

from femtbr.fem.assembly.assemble import System, build_system
from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.values.problem import Problem


def system_for(problem: Problem, disc: Discretization) -> System:
    """The System of ``problem`` on ``disc``, evaluated by the backend its options name."""
    system = build_system(problem, disc)
    if problem.options.backend == "fast":
        return system
    from femtbr.fem.skfem_backend import FormSystem, check_backend

    check_backend(problem.options.backend)
    return FormSystem.from_system(system)
