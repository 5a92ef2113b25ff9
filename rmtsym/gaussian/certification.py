"""Closed forms are trusted only after agreeing with a quadrature.

Every new closed form of μ0, E f² and E[X f] is compared once, at σ = 1, with two
double-precision tanh–sinh passes on different subdivisions; a closed form that misses a
reliable quadrature by more than 1e-8 (relative to 1 + |value|) is discarded.
"""
from __future__ import annotations

import mpmath
import sympy as sp

from ..errors import RmtsymError
from ..symbols import sigma as SIGMA
from ..symbols import x as X
from .numeric_eval import _mp_compile
from .quadrature import _numeric_kinks


def _quick_quad(expr, s_value=1):
    """E[g(σZ)] by two double-precision tanh–sinh passes on different subdivisions (for
    self-checks only).  Returns (value, reliable): reliable when the passes agree to 1e-10."""
    kinks = _numeric_kinks(expr, s_value)
    with mpmath.workdps(15):
        f = _mp_compile(expr, 15)
        sv = mpmath.mpf(s_value)
        norm = 1 / mpmath.sqrt(2 * mpmath.pi)

        def g(zz):
            return mpmath.re(f(sv * zz)) * mpmath.exp(-zz * zz / 2) * norm
        vals = []
        for grid in ((0, 3, -3, 8, -8), (0, 1.5, -1.5, 5, -5)):
            pts = sorted({mpmath.mpf(p) for p in grid} | {mpmath.mpf(float(b)) / sv for b in kinks})
            vals.append(mpmath.quad(g, [mpmath.ninf] + pts + [mpmath.inf]))
        a, b = vals
        reliable = bool(mpmath.isfinite(a) and mpmath.isfinite(b)
                        and abs(a - b) <= 1e-10 * (1 + abs(a)))
        return b, reliable


def _self_check(f, mean_e, ef2_e, exf_e):
    """Compare fresh closed forms with a double-precision quadrature at σ = 1.

    A guard against a wrong rule: a closed form that misses a reliable quadrature (two
    subdivisions agreeing to 1e-10) by more than 1e-8 (relative to 1 + |value|) is
    discarded.  Inconclusive quadratures (strong oscillation, e.g. sin(1000x)) are skipped.
    """
    if f.free_symbols - {X}:
        return True
    for closed, g in ((mean_e, f), (ef2_e, f ** 2), (exf_e, X * f)):
        if closed is None:
            continue
        val = closed.subs(SIGMA, 1)
        if val.free_symbols:
            continue
        try:
            num, reliable = _quick_quad(g)
        except (RmtsymError, ZeroDivisionError, OverflowError, ValueError):
            continue
        if not reliable:
            continue
        exact = float(sp.re(sp.N(val, 20)))
        if abs(exact - float(num)) > 1e-8 * (1 + abs(exact)):
            return False
    return True
