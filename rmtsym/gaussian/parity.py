"""Parity: an odd integrand integrates to 0 over the line.

f(−x) = −f(x) is checked structurally, then by expansion for small expressions; the
closed-form search and the moments use it (a mean of an odd f, ζ of an even f vanish).
"""
from __future__ import annotations

import sympy as sp

from ..symbols import x as X
from .timeouts import _NoClosedForm, _time_limit


def _is_odd(expr) -> bool:
    """f(−x) = −f(x), checked structurally, then by expansion (small expressions only)."""
    flipped = expr.subs(X, -X)
    if flipped == -expr:
        return True
    if sp.count_ops(expr) > 60:
        return False
    try:
        with _time_limit(0.5):
            return sp.expand(flipped + expr) == 0
    except _NoClosedForm:
        return False

