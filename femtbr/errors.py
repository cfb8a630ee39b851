"""Exception hierarchy of femtbr.

Every error that bad input can cause is a :class:`FemtbrError`; the CLI turns
them into exit codes (2 for bad input, 3 for non-convergence) and prints the
message without a traceback.  Messages name the offending key path or mesh
entity and say what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence


class FemtbrError(Exception):
    """Base class of all errors femtbr raises on purpose."""

    exit_code: int = 1


class InputError(FemtbrError):
    """Bad user input (case file, parameters, mesh, model); CLI exit code 2."""

    exit_code = 2


class CaseError(InputError):
    """One or more problems in a case file, each with its key path.

    Parameters
    ----------
    problems
        ``(key_path, message)`` pairs, e.g. ``("interfaces.die_tim1.h", "must be >= 0, got -1")``.
    """

    def __init__(self, problems: Sequence[tuple[str, str]] | str):
        if isinstance(problems, str):
            problems = [("", problems)]
        self.problems = list(problems)
        lines = [f"{k}: {m}" if k else m for k, m in self.problems]
        super().__init__("\n".join(lines))


class MeshError(InputError):
    """A mesh is missing a named group, has bad elements, or does not match the case."""


class ModelError(InputError):
    """A conductance model was given bad parameters or produced invalid values.

    Parameters
    ----------
    message
        What is wrong; names the model (and the parameter, if one is at fault).
    model
        The model's name or label when the error concerns an evaluation (``None`` otherwise).
    quantity
        ``"T"`` or ``"p"`` when the model was evaluated at a bad temperature or pressure.
    """

    def __init__(self, message: str = "", *, model: str | None = None,
                 quantity: str | None = None):
        self.model = model
        self.quantity = quantity
        super().__init__(message)


class MaterialError(InputError):
    """Unknown material or a material lacking a property a model needs."""


class ConvergenceError(FemtbrError):
    """The nonlinear solver did not converge; carries the residual history.

    Parameters
    ----------
    message
        What failed.
    history
        Relative residual norm after each Newton iteration.
    """

    exit_code = 3

    def __init__(self, message: str, history: Sequence[float] = ()):
        self.history = list(history)
        if self.history:
            last = self.history[-8:]
            tail = ", ".join(f"{r:.3e}" for r in last)
            message = f"{message} (relative residual history, last {len(last)}: {tail})"
        super().__init__(message)
