"""A conductivity tensor K(T) = Σ_i k_i(T) r_i r_iᵀ: the value a region's conductivity may be.

Orthotropic / anisotropic conduction (Carslaw & Jaeger, *Conduction of Heat in Solids*, 2nd
ed. (1959), §1.17): the heat flux is q = −K∇T [W/m²] with K symmetric positive definite,
written by its orthonormal principal axes r_i (rows of ``axes``) and principal values
k_i(T) > 0 [W/(m K)], each a number or a ``k(T) -> (k, dk/dT)`` callable.  Then

    K(T) = R diag(k_i(T)) Rᵀ,    dK/dT = R diag(k_i'(T)) Rᵀ,    R = axesᵀ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from femtbr.errors import InputError

#: Tolerance on ‖A Aᵀ − I‖ for ``axes`` to count as orthonormal.
ORTHONORMAL_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class ConductivityTensor:
    """Principal conductivities along orthonormal axes.

    Parameters
    ----------
    axes
        ``(d, d)`` orthonormal rows r_i (d = mesh dimension).
    principal
        ``d`` principal values k_i [W/(m K)]: numbers, or callables ``k(T) -> (k, dk/dT)``
        vectorised over arrays of T [K].
    """

    axes: np.ndarray
    principal: tuple[float | Callable[[np.ndarray], tuple[Any, Any]], ...]

    def __post_init__(self) -> None:
        A = np.asarray(self.axes, dtype=float)
        d = len(self.principal)
        if A.shape != (d, d) or d not in (2, 3):
            raise InputError(f"conductivity tensor: axes must be ({d}, {d}) for {d} principal "
                             f"values (2 or 3), got shape {A.shape}")
        if float(np.abs(A @ A.T - np.eye(d)).max()) > ORTHONORMAL_TOL:
            raise InputError("conductivity tensor: axes must be orthonormal rows")
        for i, k in enumerate(self.principal):
            if not callable(k) and not (np.isfinite(float(k)) and float(k) > 0):
                raise InputError(f"conductivity tensor: principal value {i} must be > 0 "
                                 f"W/(m K), got {k}")
        object.__setattr__(self, "axes", A)

    @property
    def dim(self) -> int:
        """Number of principal directions (the mesh dimension)."""
        return len(self.principal)

    @property
    def is_constant(self) -> bool:
        """True when no principal value depends on T."""
        return not any(callable(k) for k in self.principal)

    def principal_values(self, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """k_i(T) [W/(m K)] and dk_i/dT [W/(m K²)], each ``(d, *T.shape)``."""
        T = np.asarray(T, dtype=float)
        k = np.empty((self.dim, *T.shape))
        dk = np.zeros((self.dim, *T.shape))
        for i, f in enumerate(self.principal):
            if callable(f):
                ki, dki = f(T)
                k[i], dk[i] = ki, dki
            else:
                k[i] = float(f)
        return k, dk

    def tensor(self, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """K(T) [W/(m K)] and dK/dT [W/(m K²)], each ``(d, d, *T.shape)``."""
        k, dk = self.principal_values(T)
        A = self.axes
        return (np.einsum("ia,ib,i...->ab...", A, A, k),
                np.einsum("ia,ib,i...->ab...", A, A, dk))

    def __call__(self, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The scalar stand-in (1/d) tr K(T) = mean of the principal values and its
        T-derivative: the ``conductivity`` cell field and scale estimates, never the physics."""
        k, dk = self.principal_values(T)
        return k.mean(axis=0), dk.mean(axis=0)
