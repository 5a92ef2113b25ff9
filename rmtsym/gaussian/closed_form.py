"""The closed-form search for one expectation E[g(σZ)], with σ symbolic, cached.

Parity first (an odd integrand integrates to 0), then the kinks split into smooth pieces
(:mod:`~rmtsym.gaussian.case_splitting`), each integrated exactly
(:mod:`~rmtsym.gaussian.smooth_terms`), all under the time limits of
:mod:`~rmtsym.gaussian.timeouts`; the result is made real and simplified. A search stopped by
a time limit is not cached (a later call on a quieter machine may succeed).
"""
from __future__ import annotations

import time

import sympy as sp

from ..symbols import sigma as SIGMA
from ..symbols import x as X
from .case_splitting import _expect_cases
from .integrate_fallback import _INTEGRATE_BUDGET
from .parity import _is_odd
from .simplify import _realify, _simplify
from .timeouts import _NoClosedForm, _TimedOut, _setting, _time_limit


def _closed_expectation(expr, s, conditions, deadline):
    """Closed form of E[expr(sZ)] or raise :class:`_NoClosedForm`."""
    expr = sp.sympify(expr)
    if not expr.has(X):
        return expr
    if _is_odd(expr):
        return sp.Integer(0)
    v = s ** 2
    return _expect_cases(expr, v, conditions, deadline)


_EXPECT_CACHE: dict = {}
#: number of closed-form searches stopped by a time limit (their failures are not cached)
_TIMEOUTS = [0]


def _symbolic_expectation(expr, time_limit, simplify=True):
    """Cached closed form of E[expr(σZ)] with σ = ``symbols.sigma``; (expr|None, conditions).

    ``simplify=False`` for intermediate integrals (E f², E[X f]) whose combination is
    simplified later.
    """
    key = (sp.srepr(expr), simplify)
    if key in _EXPECT_CACHE:
        return _EXPECT_CACHE[key]
    conditions: list = []
    deadline = time.monotonic() + time_limit if time_limit else None
    _INTEGRATE_BUDGET[0] = _setting("INTEGRATE_TIME_LIMIT")
    try:
        with _time_limit(time_limit):
            res = _closed_expectation(expr, SIGMA, conditions, deadline)
            res = _realify(res)
        if simplify:
            res = _simplify(res)
        out = (res, tuple(conditions))
    except _TimedOut:
        _TIMEOUTS[0] += 1
        return (None, ())
    except _NoClosedForm:
        out = (None, ())
    _EXPECT_CACHE[key] = out
    return out
