"""The odd/even-part rules: E[Z f(σZ)] only sees the odd part of f, E f(σZ) the even part.

o = (f(x) − f(−x))/2 and e = (f(x) + f(−x))/2, simplified, are often much simpler than f:
f(x) − f(−x) = x gives ζ = σ²/4 exactly for softplus, SiLU/swish, GELU and ReLU, and the
sigmoid has e = 1/2.
"""
from __future__ import annotations

import sympy as sp

from ..symbols import x as X
from .closed_form import _symbolic_expectation
from .timeouts import _NoClosedForm, _setting, _time_limit


def _odd_part_rule(f, time_limit):
    """E[X f(X)] via the odd part o = (f(x) − f(−x))/2, simplified (f(x) − f(−x) = x ⇒ σ²/2)."""
    try:
        with _time_limit(min(time_limit, _setting("SIMPLIFY_TIME_LIMIT"))):
            o = (f - f.subs(X, -X)) / 2
            cand = sp.simplify(o)
            if cand.has(sp.log, sp.exp):
                cand2 = sp.simplify(sp.expand_log(o.rewrite(sp.exp), force=True))
                if sp.count_ops(cand2) < sp.count_ops(cand):
                    cand = cand2
    except _NoClosedForm:
        return None, None
    if sp.count_ops(cand) >= sp.count_ops(f) and not cand.is_polynomial(X):
        return None, None
    res, cond = _symbolic_expectation(X * cand, time_limit, simplify=False)
    if res is None:
        return None, None
    return res, f"odd part f(x) - f(-x) = {sp.sstr(2 * cand)}"


def _even_part_rule(f, time_limit):
    """E f(X) = E e(X) with the even part e = (f(x) + f(−x))/2, simplified (sigmoid: e = 1/2)."""
    try:
        with _time_limit(min(time_limit, _setting("SIMPLIFY_TIME_LIMIT"))):
            cand = sp.simplify((f + f.subs(X, -X)) / 2)
    except _NoClosedForm:
        return None, None
    if sp.count_ops(cand) >= sp.count_ops(f) and not cand.is_polynomial(X):
        return None, None
    res, cond = _symbolic_expectation(cand, time_limit)
    if res is None:
        return None, None
    return res, f"even part (f(x) + f(-x))/2 = {sp.sstr(cand)}"
