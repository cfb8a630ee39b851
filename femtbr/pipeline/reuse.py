"""What a caller that runs many cases keeps between them: geometries and discretizations.

A :class:`Reuse` is held by its owner (a sweep worker, a benchmark) and handed to
:func:`femtbr.pipeline.run`; nothing is kept in module globals, so a plain run always builds
what its case describes.  A discretization (validated mesh, node split, numbering, sparsity
pattern, bulk stiffness for the last set of constant conductivities) is keyed by a
:class:`DiscretizationKey`; cases that differ only in interface, boundary, source or material
keys reuse it and assemble only the terms that changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from femtbr.pipeline.geometry import GeometryCache, geometry_key, geometry_table


@dataclass(frozen=True)
class DiscretizationKey:
    """What a discretization depends on: the geometry, the element order, the split interfaces
    (name, region a, region b)."""

    geometry: str
    order: int
    split: tuple[tuple[str, str, str], ...]

    @classmethod
    def of(cls, case: Any) -> DiscretizationKey:
        """The key of a validated case."""
        split = tuple(sorted((n, *s.between) for n, s in case.interfaces.items()))
        return cls(geometry_key(geometry_table(case)), int(case.solver.order), split)


@dataclass
class ReuseStats:
    """How many discretizations were built and how many runs reused one."""

    built: int = 0
    reused: int = 0


@dataclass
class Reuse:
    """Geometries and discretizations kept across runs by their owner (thread-safe).

    Attributes
    ----------
    size
        Discretizations kept (they can be large).
    geometry
        The geometry source to validate cases with (:class:`GeometryCache`).
    """

    size: int = 2
    geometry: GeometryCache = field(default_factory=GeometryCache)
    stats: ReuseStats = field(default_factory=ReuseStats)
    _items: OrderedDict[DiscretizationKey, Any] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def discretization(self, case: Any, problem: Any) -> tuple[Any, bool]:
        """The discretization of ``problem`` (built, or reused when compatible) and whether it was
        reused."""
        from femtbr.fem import discretize

        key = DiscretizationKey.of(case)
        order, split = problem.options.order, tuple(problem.interfaces)
        with self._lock:
            disc = self._items.get(key)
            if disc is not None and disc.compatible(problem.mesh, split, order,
                                                   problem.axisymmetric):
                self._items.move_to_end(key)
                self.stats.reused += 1
                return disc, True
        disc = discretize(problem)
        with self._lock:
            self._items[key] = disc
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            self.stats.built += 1
        return disc, False

    def clear(self) -> None:
        """Forget everything kept (benchmarks: cold runs)."""
        with self._lock:
            self._items.clear()
            self.geometry = GeometryCache(self.geometry.size)
