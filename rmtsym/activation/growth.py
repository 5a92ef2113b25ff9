"""Admissibility, part 2: log|f| must grow slower than x² (f(σZ)² Gaussian-integrable).

At x = ±2^k (k = 3…13) and at ±10⁶, ±2·10⁶ the local growth exponent
p = log₂(L(2x)/L(x)), L = log|f|, must stay below 1.9 once L > 8: this refuses
``exp(x**2)``, ``exp(x**2/100)``, ``exp(0.001*x**2 + 10*x)``, ``exp(exp(x))``, while
``exp(100*x)`` and ``exp(Abs(x)**1.5)`` are accepted.
"""
from __future__ import annotations

import mpmath

from .guarded_eval import _value_at


#: growth exponent beyond which log|f| is deemed to grow like x**2
_GROWTH_P = 1.9


def _growth_problem(expr):
    """None if log|f| grows slower than x² on both sides, else a phrase.

    Local exponent p = log2(L(2X)/L(X)) with L = log|f|, at X = 8, 16, ..., 8192 and at
    X = 10⁶: an exp(c x²) growth has p → 2 (for any c > 0, so exp(x²/1000 + 10x) is
    caught at 10⁶), an exp(c x) growth p → 1, a polynomial p → 0.
    """
    ladder = [2 ** k for k in range(3, 14)] + [None, 10 ** 6, 2 * 10 ** 6]
    for side in (1, -1):
        prev = None
        for k in ladder:
            if k is None:
                prev = None
                continue
            xv = side * k
            v, problem = _value_at(expr, xv)
            if problem is not None:
                return problem
            if v is None or v == 0:
                prev = None
                continue
            L = mpmath.log(abs(v))
            if prev is not None and prev > 8 and L > 8 and mpmath.log(L / prev, 2) > _GROWTH_P:
                return ("grows like exp(c x^2) or faster, so f(sigma Z)^2 is not integrable "
                        "against the Gaussian")
            prev = L
    return None
