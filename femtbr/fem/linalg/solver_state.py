"""What the linear solver keeps between solves of one discretization.

:func:`femtbr.fem.linalg.linear.solve` reuses a smoothed-aggregation hierarchy as the preconditioner
of the next solves of the same size (Newton steps, sweep cases, adjoint and tangent solves) and,
once the AMG-preconditioned Krylov iteration has stalled and a fallback has worked
(:func:`femtbr.fem.linalg.linear_fallback.fallback`), goes straight to that fallback for that size.
:class:`LinearSolverState` is that memory, one typed attribute per kept thing; its only writers
are those two functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from femtbr.fem.linalg.amg import SmoothedAggregation


@dataclass(frozen=True)
class KeptHierarchy:
    """A smoothed-aggregation hierarchy built for matrices of ``shape``.

    ``rate``: the mean residual reduction per Krylov iteration it reached when fresh (the
    yardstick for rebuilding it once it degrades), ``None`` before the first solve with it.
    """

    shape: tuple[int, int]
    hierarchy: SmoothedAggregation
    rate: float | None


@dataclass(frozen=True)
class Fallback:
    """The fallback that worked for matrices of ``shape``: a direct factorisation or the
    stronger AMG cycle."""

    kind: Literal["direct", "strong"]
    shape: tuple[int, int]


@dataclass
class LinearSolverState:
    """The AMG hierarchy and the fallback choice kept across linear solves.

    Attributes
    ----------
    amg
        The hierarchy reused as a preconditioner, ``None`` before the first AMG solve or after
        a direct fallback replaced it.
    fallback
        The fallback that worked last, ``None`` while the plain AMG solve works.
    """

    amg: KeptHierarchy | None = None
    fallback: Fallback | None = None

    def uses(self, kind: Literal["direct", "strong"], shape: tuple[int, int]) -> bool:
        """Whether matrices of ``shape`` go to fallback ``kind``."""
        return self.fallback == Fallback(kind, tuple(shape))

    def clear(self) -> None:
        """Forget the hierarchy and the fallback choice."""
        self.amg = None
        self.fallback = None
