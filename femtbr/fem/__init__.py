"""Finite-element core: node splitting, assembly, Newton solve (the only scikit-fem user).

Public API: :func:`solve`, :func:`probe`, :class:`Discretization` (reuse across a sweep),
the :class:`Problem` ingredients, the :class:`Solution` value, and the transient problem's
ingredients (:class:`TransientProblem`, :class:`PulseTrain`; the integrator is in
:mod:`femtbr.fem.transient`).
"""

from femtbr.fem.assembly.discretization import Discretization
from femtbr.fem.post.probe import probe
from femtbr.fem.solve import discretize, solve
from femtbr.fem.values.power_profiles import PulseTrain
from femtbr.fem.values.pressure import PressureField
from femtbr.fem.values.problem import (
    Convection,
    FixedTemperature,
    HeatFlux,
    InterfaceSpec,
    Problem,
    Radiation,
    SolverOptions,
    Source,
)
from femtbr.fem.values.solution import InterfaceResult, RegionResult, Solution
from femtbr.fem.values.transient_problem import TransientProblem

__all__ = [
    "Convection",
    "Discretization",
    "FixedTemperature",
    "HeatFlux",
    "InterfaceResult",
    "InterfaceSpec",
    "PressureField",
    "Problem",
    "PulseTrain",
    "Radiation",
    "RegionResult",
    "Solution",
    "SolverOptions",
    "Source",
    "TransientProblem",
    "discretize",
    "probe",
    "solve",
]
