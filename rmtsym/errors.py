"""User-facing errors.

Anything a user can get wrong (a formula, a parameter, a size) raises
:class:`RmtsymError` with one sentence that names the problem. The CLI prints that
sentence to stderr and exits with code 2; it never shows a traceback.
"""


class RmtsymError(ValueError):
    """A problem with the user's input, stated in one clear sentence."""


class ActivationError(RmtsymError):
    """The activation formula cannot be parsed, is unsafe, or is not admissible."""


class ParameterError(RmtsymError):
    """A numerical parameter (φ, ψ, η, ζ, σ, a size, a precision) is out of range."""


class ComputationTimeout(RmtsymError):
    """A computation exceeded its time limit."""
