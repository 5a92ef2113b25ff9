"""Tidying closed forms: ``sympy.simplify`` under a time limit, square roots combined,
erf of an imaginary argument made explicitly real (erf(i·b) = i·erfi(b))."""
from __future__ import annotations

import sympy as sp

from .timeouts import SIMPLIFY_TIME_LIMIT, _NoClosedForm, _time_limit


def _tidy_roots(expr):
    """Combine the bases of square roots (sqrt(a/b + 1) → sqrt((a + b)/b)), which lets
    SymPy split them over positive factors."""
    return expr.replace(
        lambda e: e.is_Pow and e.exp.is_Rational and e.exp.q == 2 and e.base.is_Add,
        lambda e: sp.Pow(sp.factor(sp.together(e.base)), e.exp))


def _realify(expr):
    """Make the real result of a trig integral explicitly real: erf(i·b) = i·erfi(b)
    (erf of an imaginary argument comes from completing the square with exp(±i a x))."""
    if not expr.has(sp.I):
        return expr
    expr = expr.replace(
        lambda e: isinstance(e, sp.erf) and sp.expand(e.args[0] / sp.I).is_real is True,
        lambda e: sp.I * sp.erfi(sp.expand(e.args[0] / sp.I)))
    if expr.has(sp.I):
        expr = sp.expand(expr)
    if expr.has(sp.I):
        expr = sp.expand(sp.expand_complex(expr))
    if expr.has(sp.I):
        raise _NoClosedForm("the closed form is not manifestly real")
    return expr


def _simplify(expr, seconds=SIMPLIFY_TIME_LIMIT):
    """``sympy.simplify`` under a time limit, with cheap targeted rewrites.

    Candidates: expr, expr with tidied square roots, the same with erfc rewritten as
    1 − erf, and ``sympy.simplify`` of the tidied expr; the one with the fewest
    operations wins.
    """
    expr = sp.sympify(expr)
    if expr.is_Number:
        return expr
    try:
        with _time_limit(seconds):
            base = _tidy_roots(expr)
            cands = [expr, base]
            if base.has(sp.erfc):
                cands.append(base.replace(sp.erfc, lambda a: 1 - sp.erf(a)))
            cands.append(sp.simplify(base))
        return min(cands, key=sp.count_ops)
    except _NoClosedForm:
        pass
    try:
        with _time_limit(seconds):
            return sp.radsimp(sp.powsimp(sp.expand(expr)))
    except _NoClosedForm:
        return expr
