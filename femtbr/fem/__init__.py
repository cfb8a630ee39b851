"""Finite-element core: node splitting, assembly, Newton solve (the only scikit-fem user)."""

from femtbr.fem.problem import (
    Convection,
    FixedTemperature,
    HeatFlux,
    InterfaceSpec,
    Problem,
    Radiation,
    SolverOptions,
    Source,
)
from femtbr.fem.solution import InterfaceResult, RegionResult, Solution

__all__ = [
    "Convection",
    "FixedTemperature",
    "HeatFlux",
    "InterfaceResult",
    "InterfaceSpec",
    "Problem",
    "Radiation",
    "RegionResult",
    "Solution",
    "SolverOptions",
    "Source",
]
