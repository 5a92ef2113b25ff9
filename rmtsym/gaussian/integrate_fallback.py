"""The last exact resort: plain ``sympy.integrate`` on a leftover term, briefly.

Only for terms built from exp, erf, trig and a few others (never tanh, log or rational
functions of exponentials, on which it hangs), at most ``INTEGRATE_TIME_LIMIT`` seconds per
expectation in all.
"""
from __future__ import annotations

import time

import sympy as sp

from ..symbols import x as X
from .timeouts import (INTEGRATE_TIME_LIMIT, _NoClosedForm, _TimedOut, _can_alarm, _time_left,
                       _time_limit)


#: seconds of plain sympy.integrate left for the current expectation (reset per expectation)
_INTEGRATE_BUDGET = [INTEGRATE_TIME_LIMIT]

_INTEGRATE_OK = (sp.exp, sp.erf, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.besselj, sp.atan)


def _integrate_fallback(term, lo, hi, v, deadline):
    """Plain ``sympy.integrate`` on a leftover term, under a short time limit.

    Only attempted on terms built from functions for which SymPy has a chance (exp, erf,
    trig); never for tanh, log or rational functions of exponentials, on which it hangs.
    """
    funcs = {type(f) for f in term.atoms(sp.Function)}
    if not funcs <= set(_INTEGRATE_OK) or not _can_alarm():
        raise _NoClosedForm(f"no rule for {term}")
    for p in term.atoms(sp.Pow):
        if p.base.has(X) and not (p.exp.is_Integer and p.exp >= 0):
            raise _NoClosedForm(f"no rule for {term}")
    limit = min(_INTEGRATE_BUDGET[0], _time_left(deadline))
    if limit <= 0.05:
        raise _NoClosedForm("out of time for sympy.integrate")
    density = sp.exp(-X ** 2 / (2 * v)) / sp.sqrt(2 * sp.pi * v)
    t0 = time.monotonic()
    try:
        with _time_limit(limit):
            res = sp.integrate(term * density, (X, lo, hi))
    except _TimedOut:
        raise _NoClosedForm("sympy.integrate ran out of its budget") from None
    finally:
        _INTEGRATE_BUDGET[0] -= time.monotonic() - t0
    if res.has(sp.Integral) or res.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or isinstance(res, sp.Piecewise):
        raise _NoClosedForm("sympy.integrate gave up")
    return res
