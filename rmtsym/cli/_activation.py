"""The activation options shared by every command that takes one: ``ACT`` and ``--params``.

``--params a,b`` declares free parameters (kept symbolic where the command can), and
``--params a=0.1,b=2`` gives them values. Parsing only: the activation itself is
:func:`rmtsym.activation.parse_activation` (an AST whitelist, never ``eval``).
"""
from __future__ import annotations

import re

from ..errors import ActivationError, ParameterError

__all__ = ["add_params_flag", "parse_params", "activation_from_args", "activation_from_text"]

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(/\d+)?")

PARAMS_HELP = ("the activation's parameters: names kept symbolic ('a,b') or values "
               "('a=0.1,b=2')")


def add_params_flag(parser, help: str = PARAMS_HELP) -> None:
    """Add ``--params`` to a parser."""
    parser.add_argument("--params", default=None, metavar="a=V,...", help=help)


def parse_params(text):
    """``a,b`` (free parameters) or ``a=0.1,b=2`` (parameters with values).

    Returns (names, values) where values maps a name to its numeric string.
    """
    names, values = [], {}
    if text is None:
        return names, values
    items = [s.strip() for s in str(text).split(",")]
    if not any(items):
        raise ParameterError("--params is empty; write a=0.1,b=2 or a,b")
    for item in items:
        if not item:
            raise ParameterError(f"--params has an empty item in {text!r}")
        if "=" in item:
            name, val = (p.strip() for p in item.split("=", 1))
            if not _NUMBER.fullmatch(val):
                raise ParameterError(f"--params: the value of {name!r} must be a number, got {val!r}")
            values[name] = val
        else:
            name = item
        if not _NAME.fullmatch(name) or name.startswith("_") or name == "x":
            raise ParameterError(f"--params: {name!r} is not a valid parameter name")
        if name in names:
            raise ParameterError(f"--params names {name!r} twice")
        names.append(name)
    return names, values


def activation_from_text(spec, params_text=None):
    """The :class:`~rmtsym.activation.Activation` of ``spec`` with ``--params`` applied."""
    import sympy as sp

    from ..activation import parse_activation

    if not isinstance(spec, str) or not spec.strip():
        raise ActivationError("the activation formula is empty")
    names, values = parse_params(params_text)
    act = parse_activation(spec, params=names) if names else parse_activation(spec)
    if values:
        by_name = {str(p): p for p in act.params}
        missing = [n for n in values if n not in by_name]
        if missing:
            raise ParameterError(f"--params: the activation has no parameter named {missing[0]!r}")
        act = act.subs({by_name[n]: sp.Rational(v) for n, v in values.items()})
    return act


def activation_from_args(args, attr: str = "activation"):
    """The activation of a parsed command line (``args.activation`` and ``args.params``)."""
    return activation_from_text(getattr(args, attr), getattr(args, "params", None))
