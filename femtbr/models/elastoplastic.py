"""Placeholder for the Sridhar–Yovanovich (1996) elastoplastic contact conductance model.

The model exists in the literature (M. R. Sridhar, M. M. Yovanovich, "Elastoplastic contact
conductance model for isotropic conforming rough surfaces and comparison with experiments",
J. Heat Transfer 118(1), 3-9 (1996)), but femtbr does not implement it: the constants of its
elastoplastic-microhardness fit could not be checked against the original paper while writing
this library, and an unverified correlation would silently give wrong numbers.  The name is
registered so that ``femtbr models`` lists it with this explanation and a case that asks for it
fails with a clear :class:`~femtbr.errors.ModelError`.  Use ``contact`` (automatic regime; its
elastoplastic band is a documented log-linear bridge between ``mikic_elastic`` and ``cmy``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from femtbr.errors import ModelError
from femtbr.models.registry import register

REASON = (
    "the Sridhar-Yovanovich (1996) elastoplastic model is not available in femtbr: the constants "
    "of its elastoplastic microhardness fit H_ep(epsilon_c*) could not be verified against the "
    "original paper (J. Heat Transfer 118, 3-9), so it is not implemented; "
    "use 'contact' (automatic "
    "regime from the plasticity index, with a log-linear elastic/plastic bridge in the "
    "elastoplastic band), 'cmy' or 'mikic_elastic'"
)


@register("elastoplastic")
class Elastoplastic:
    """Not available (see module docstring); constructing it raises :class:`ModelError`."""

    name: ClassVar[str] = "elastoplastic"
    available: ClassVar[bool] = False

    def __init__(self, **params: Any) -> None:
        raise ModelError(f"elastoplastic: {REASON}")

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """Description for ``femtbr models elastoplastic``: says why it is unavailable."""
        return {
            "name": cls.name,
            "summary": "NOT AVAILABLE - " + REASON,
            "parameters": {},
            "validity": "not implemented",
            "references": [
                "M. R. Sridhar, M. M. Yovanovich, J. Heat Transfer 118(1), 3-9 (1996)",
            ],
            "available": False,
        }
