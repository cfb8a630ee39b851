"""Time integration: the implicit integrator, its schemes and the transient system.

Public API: :class:`TransientSolver` run with :class:`TimeStepping` on a
:class:`FESemiDiscrete` system (the finite-element semi-discretisation of a
:class:`~femtbr.fem.TransientProblem`).
"""

from femtbr.fem.transient.transient import TimeStepping, TransientSolver
from femtbr.fem.transient.transient_system import FESemiDiscrete

__all__ = ["FESemiDiscrete", "TimeStepping", "TransientSolver"]
