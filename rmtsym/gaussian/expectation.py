"""One Gaussian expectation E[g(σZ)] with its provenance: :func:`gaussian_expectation`."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import mpmath
import sympy as sp

from ..errors import ActivationError, ComputationTimeout, ParameterError, RmtsymError
from ..numbers import Certified, check_dps
from ..symbols import sigma as SIGMA
from ..symbols import x as X
from .closed_form import _symbolic_expectation
from .quadrature import _certified_quad, _growth_check
from .timeouts import DEFAULT_TIME_LIMIT, _NoClosedForm, _setting, _time_limit


@dataclass
class Expectation:
    """E[g(σZ)] with its provenance.

    Attributes
    ----------
    expr : sympy.Expr or None
        Closed form in ``symbols.sigma`` (or the σ given) and the free parameters.
    value : Certified or None
        The number (None when free parameters or a symbolic σ prevent one).
    method : str
        ``"closed form"``, ``"quadrature"`` or ``"none"``.
    conditions : list
        Expressions that must be positive for the closed form to hold (convergence).
    """

    expr: Optional[sp.Expr]
    value: Optional[Certified]
    method: str
    conditions: list = field(default_factory=list)

    @property
    def closed_form(self) -> bool:
        return self.expr is not None


def _to_sigma(value, name):
    """Validate σw or σx: a positive number, numeric string, or a positive SymPy symbol."""
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a positive number, got {value!r}")
    if isinstance(value, sp.Basic):
        val = value
    elif isinstance(value, int):
        val = sp.Integer(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(f"{name} must be a finite positive number, got {value!r}")
        val = sp.Rational(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        import re
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(/\d+)?", text):
            raise ParameterError(f"{name} must be a positive number, got {value!r}")
        try:
            val = sp.Rational(text)
        except (TypeError, ValueError, ZeroDivisionError):
            raise ParameterError(f"{name} must be a positive number, got {value!r}")
    else:
        try:
            val = sp.Rational(str(mpmath.mpf(value)))
        except Exception:
            raise ParameterError(f"{name} must be a positive number, got {value!r}")
    if val.free_symbols:
        if val.is_positive is False:
            raise ParameterError(f"{name} must be positive")
        return val
    if not val.is_real or not (val > 0) or not val.is_finite:
        raise ParameterError(f"{name} must be a positive number, got {value}")
    if not SIGMA_RANGE[0] <= val <= SIGMA_RANGE[1]:
        raise ParameterError(f"{name} must lie between {SIGMA_RANGE[0]:g} and {SIGMA_RANGE[1]:g}, got {value}")
    return val


#: the scales σw, σx accepted (beyond them Gaussian integrals overflow or underflow)
SIGMA_RANGE = (1e-12, 1e12)


def _evaluate(expr, subs, dps):
    """Numeric value of a closed form with ``sympy.N`` (adaptive precision) at dps + 5 digits."""
    val = sp.N(expr.subs(subs), dps + 5)
    re, im = val.as_real_imag()
    if abs(im) > sp.Float(10) ** (-(dps + 3)) * (1 + abs(re)):
        raise RmtsymError("internal error: a closed form evaluated to a complex number")
    with mpmath.workdps(dps + 5):
        return mpmath.mpf(sp.Float(re, dps + 5)._mpf_)


def _check_conditions(conditions, subs, sigma_value):
    for cond in conditions:
        c = cond.subs(subs)
        if c.free_symbols:
            continue
        if not (sp.N(c, 30) > 0):
            raise ActivationError(
                f"the activation's Gaussian integral diverges at σ = {sigma_value} "
                f"(it needs {sp.sstr(cond)} > 0)")


def gaussian_expectation(expr, sigma=SIGMA, dps=30, time_limit=DEFAULT_TIME_LIMIT,
                         numeric=True) -> Expectation:
    r"""E[g(σZ)] = ∫ g(σz) e^{−z²/2} dz/√(2π) for a SymPy expression g in ``symbols.x``.

    Parameters
    ----------
    expr : sympy.Expr
        g(x), an expression in ``symbols.x`` (free parameters allowed).
    sigma : number, numeric string or positive SymPy expression
        The scale σ (default: the symbol ``symbols.sigma``).
    dps : int
        Decimal digits of the number.
    time_limit : float
        Seconds allowed for the closed-form search (each risky SymPy call is aborted).
    numeric : bool
        When False, no quadrature fallback is attempted.

    Returns
    -------
    Expectation
        ``.expr`` the closed form (None if none was found), ``.value`` a
        :class:`~rmtsym.numbers.Certified` (None with free parameters or symbolic σ).
    """
    dps = check_dps(dps)
    expr = sp.sympify(expr)
    s = _to_sigma(sigma, "sigma") if sigma is not SIGMA else SIGMA
    closed, conditions = _symbolic_expectation(expr, time_limit)
    if closed is not None:
        closed_s = closed.subs(SIGMA, s)
        if closed_s.free_symbols:
            return Expectation(closed_s, None, "closed form", list(conditions))
        _check_conditions(conditions, {SIGMA: s}, s)
        value = _evaluate(closed_s, {}, dps)
        return Expectation(closed_s, Certified(value, dps, "closed form", closed_s), "closed form",
                           list(conditions))
    if expr.free_symbols - {X} or s.free_symbols or not numeric:
        return Expectation(None, None, "none")
    _growth_check(expr, s)
    try:
        with _time_limit(_setting("QUAD_TIME_LIMIT")):
            value = _certified_quad(expr, s, dps)
    except _NoClosedForm:
        raise ComputationTimeout(f"the quadrature at {dps} digits took longer than "
                                 f"{_setting('QUAD_TIME_LIMIT'):g} s; ask for fewer digits") from None
    return Expectation(None, value, "quadrature")
