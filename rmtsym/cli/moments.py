"""``rmtsym moments ACT``: the Gaussian moments μ0, η, ζ of an activation.

η = Var f(σZ) and ζ = (E[Z f(σZ)])² with σ = σw·σx (Pennington & Worah 2017); closed
forms where they exist, certified quadrature otherwise.  Argument parsing and output
only; the mathematics lives in :mod:`rmtsym.gaussian`.
"""
from __future__ import annotations

import re

from . import add_json_flag, add_precision_flag, add_sigma_flags
from ..errors import ActivationError, ParameterError

#: where ``rmtsym --help`` lists this command (see :mod:`rmtsym.cli`)
SECTION = "single layer"
ORDER = 10

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(/\d+)?")


def _parse_params(text):
    """``a,b`` (free parameters) or ``a=0.1,b=2`` (parameters with values).

    Returns (names, values) where values maps a name to its numeric string.
    """
    names, values = [], {}
    if text is None:
        return names, values
    for item in (s.strip() for s in str(text).split(",")):
        if not item:
            continue
        if "=" in item:
            name, val = (p.strip() for p in item.split("=", 1))
            if not _NUMBER.fullmatch(val):
                raise ParameterError(f"--params: the value of {name!r} must be a number, got {val!r}")
            values[name] = val
        else:
            name = item
        if not _NAME.fullmatch(name) or name.startswith("_") or name == "x":
            raise ParameterError(f"--params: {name!r} is not a valid parameter name")
        names.append(name)
    return names, values


def _activation(spec, names, values):
    import sympy as sp

    from ..activation import parse_activation

    act = parse_activation(spec, params=names or None) if names else parse_activation(spec)
    if values:
        by_name = {str(p): p for p in act.params}
        missing = [n for n in values if n not in by_name]
        if missing:
            raise ParameterError(f"--params: the activation has no parameter named {missing[0]!r}")
        act = act.subs({by_name[n]: sp.Rational(v) for n, v in values.items()})
    return act


def handle(args) -> dict:
    from ..gaussian import gaussian_moments

    if not isinstance(args.activation, str) or not args.activation.strip():
        raise ActivationError("the activation formula is empty")
    names, values = _parse_params(args.params)
    act = _activation(args.activation, names, values)
    gm = gaussian_moments(act, sigma_w=args.sigma_w, sigma_x=args.sigma_x, dps=args.dps)
    payload = gm.as_json(args.dps)
    payload["activation"] = args.activation
    return payload


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "moments",
        help="Gaussian moments mean, eta = Var f(sZ), zeta = (E[Z f(sZ)])^2 of an activation",
        description="Gaussian moments of an activation f at s = sigma_w*sigma_x: "
                    "mean = E f(sZ), eta = Var f(sZ), zeta = (E[Z f(sZ)])^2 "
                    "(Pennington & Worah 2017). Closed forms where they exist, "
                    "certified quadrature otherwise.")
    p.add_argument("activation", help='formula in x (e.g. "tanh(x)", "Max(x, a*x)") or a '
                                      "shortcut (relu, gelu, silu, ...)")
    add_sigma_flags(p)
    add_precision_flag(p)
    p.add_argument("--params", default=None,
                   help="free parameters, e.g. 'a,b' (kept symbolic) or 'a=0.1' (given values)")
    add_json_flag(p)
    p.set_defaults(handler=handle)
