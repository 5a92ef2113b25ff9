"""Certified mpmath quadrature of E[g(σZ)] when no closed form is found.

``mpmath.quad`` (tanh–sinh) in z with breakpoints at the kinks (divided by σ) and at 0, tails
to ±∞, computed twice — at dps + 10 digits on the subdivision {0, ±2, ±5} and at dps + 15
digits on {0, ±1, ±3, ±7}; the digits on which the two agree (with the second pass's error
estimate added) are reported as certified. Before the expensive passes, cheap
double-precision checks refuse activations that grow too fast or have poles.
"""
from __future__ import annotations

import mpmath
import sympy as sp

from ..errors import ActivationError, RmtsymError
from ..numbers import Certified
from ..symbols import x as X
from .case_splitting import _KINKS, _NeedCase, _switch_exprs, breakpoints
from .numeric_eval import _mp_compile
from .timeouts import _NoClosedForm


def _numeric_kinks(expr, s_value, span=12, samples=2400):
    """Kink locations for quadrature: the exact ones when they can be found, otherwise the
    sign changes of every switch expression on [−span·σ, span·σ] (sampled on a grid and
    refined by bisection in double precision, then polished by mpmath.findroot).
    """
    try:
        return breakpoints(expr)
    except (_NoClosedForm, _NeedCase):
        pass
    if expr.free_symbols - {X}:
        return []
    import numpy as np

    sv = float(s_value)
    grid = np.linspace(-span * sv, span * sv, samples)
    found = []
    for node in (n for n in sp.preorder_traversal(expr) if isinstance(n, _KINKS)):
        for sw in _switch_exprs(node):
            if not sw.has(X):
                continue
            fine = None
            try:
                with mpmath.workdps(15):
                    fsw = _mp_compile(sw, 15)
                    vals = [float(mpmath.re(fsw(mpmath.mpf(float(t))))) for t in grid]
            except (RmtsymError, ZeroDivisionError, OverflowError, ValueError, TypeError):
                continue
            for i in range(samples - 1):
                if vals[i] == 0:
                    found.append(sp.Float(grid[i], 20))
                elif vals[i] * vals[i + 1] < 0:
                    with mpmath.workdps(50):
                        if fine is None:
                            fine = _mp_compile(sw, 50)
                        lo, hi = mpmath.mpf(float(grid[i])), mpmath.mpf(float(grid[i + 1]))
                        try:
                            r = mpmath.findroot(fine, (lo, hi), solver="anderson")
                            if not lo <= r <= hi:
                                r = mpmath.findroot(fine, (lo, hi), solver="bisect")
                        except (ValueError, ZeroDivisionError):
                            r = (lo + hi) / 2
                        found.append(sp.Float(mpmath.nstr(r, 45), 45))
            if len(found) > 400:
                return []
    return sorted(set(found), key=float)


def _numeric_breakpoints(expr):
    """Kink locations for quadrature: exact ones when available, otherwise none."""
    try:
        return breakpoints(expr)
    except (_NoClosedForm, _NeedCase):
        return []


def _quad_once(g, pts):
    return mpmath.quad(g, pts, error=True)


def _certified_quad(expr, s_value, dps, center=None, kinks=None, what="E[g]", z_weight=False,
                    memo=None):
    """Certified value of E[g(σZ)], or E[(g(σZ) − center)²] when ``center`` is given, or
    E[Z g(σZ)] when ``z_weight`` is true.

    Two independent evaluations: tanh–sinh on the subdivision {kinks, 0, ±2, ±5} at
    dps + 10 digits, and on {kinks, 0, ±1, ±3, ±7} at dps + 15 digits.  The certified digits
    are those on which they agree (capped at dps), with the second pass's own error
    estimate folded in.  ``memo`` (a dict) shares the values g(σz) between calls on the
    same g (mean, η and ζ use the same nodes).
    """
    if kinks is None:
        kinks = _numeric_kinks(expr, s_value)
    memo = {} if memo is None else memo
    results = []
    for extra, grid in ((10, (2, 5)), (15, (1, 3, 7))):
        with mpmath.workdps(dps + extra):
            key = (extra, sp.srepr(expr), str(s_value))
            if key not in memo:
                memo[key] = ({}, _mp_compile(expr, dps + extra))
            cache, f = memo[key]
            sv = mpmath.mpf(sp.Float(s_value, dps + extra)._mpf_)
            norm = 1 / mpmath.sqrt(2 * mpmath.pi)
            c = None if center is None else mpmath.mpf(center)
            tol = mpmath.mpf(10) ** (-(dps + extra - 5))

            def fz(zz):
                got = cache.get(zz)
                if got is None:
                    val = f(sv * zz)
                    if isinstance(val, mpmath.mpc):
                        if abs(val.imag) > tol * (1 + abs(val.real)):
                            raise ActivationError("the activation is not real-valued on the whole line")
                        val = val.real
                    got = (val, mpmath.exp(-zz * zz / 2) * norm)
                    cache[zz] = got
                return got

            def g(zz):
                val, w = fz(zz)
                if c is not None:
                    val = (val - c) ** 2
                elif z_weight:
                    val = zz * val
                return val * w

            inner = {mpmath.mpf(0)}
            for b in kinks:
                inner.add(mpmath.mpf(sp.Float(b, dps + extra)._mpf_) / sv)
            for k in grid:
                inner.update({mpmath.mpf(k), mpmath.mpf(-k)})
            pts = [mpmath.ninf] + sorted(inner) + [mpmath.inf]
            try:
                val, err = _quad_once(g, pts)
            except (ZeroDivisionError, OverflowError, ValueError) as exc:
                raise ActivationError(f"the activation cannot be integrated numerically ({exc})")
            if not mpmath.isfinite(val):
                raise ActivationError("the activation is not square-integrable against the Gaussian")
            results.append((val, err))
    (v1, e1), (v2, e2) = results
    with mpmath.workdps(dps + 15):
        diff = abs(v1 - v2) + abs(e2)
        scale = abs(v2)
        if scale == 0:
            digits = dps if diff == 0 else 0
        elif diff == 0:
            digits = dps
        else:
            digits = int(mpmath.floor(-mpmath.log10(diff / scale)))
        digits = max(0, min(dps, digits))
        if digits < 1:
            raise ActivationError(
                f"the quadrature of {what} does not converge (two evaluations differ by "
                f"{mpmath.nstr(diff, 3)}): the activation is probably singular or not "
                "square-integrable against the Gaussian")
        note = f"{what}: tanh-sinh quadrature, two subdivisions agree to |Δ| = {mpmath.nstr(diff, 3)}"
        return Certified(+v2, digits, "quadrature", None, note)


def _singularity_check(expr, s_value, kinks=None):
    """Cheap guard before the expensive quadrature: E f² by two double-precision passes on
    different subdivisions must agree (fails fast on poles such as tan(x) or 1/x)."""
    with mpmath.workdps(15):
        f = _mp_compile(expr, 15)
        sv = mpmath.mpf(sp.Float(s_value, 20)._mpf_)
        norm = 1 / mpmath.sqrt(2 * mpmath.pi)

        def g(zz):
            return abs(f(sv * zz)) ** 2 * mpmath.exp(-zz * zz / 2) * norm
        if kinks is None:
            kinks = _numeric_kinks(expr, s_value)
        kinks = {mpmath.mpf(float(b)) / sv for b in kinks}
        vals = []
        for inner in ((0, 2, -2, 6, -6), (0, 1, -1, 3, -3, 9, -9)):
            pts = sorted({mpmath.mpf(p) for p in inner} | kinks)
            try:
                vals.append(mpmath.quad(g, [mpmath.ninf] + pts + [mpmath.inf], maxdegree=6))
            except (ZeroDivisionError, OverflowError, ValueError):
                raise ActivationError("the activation is singular on the real line")
        a, b = vals
        if not (mpmath.isfinite(a) and mpmath.isfinite(b)) or abs(a - b) > 1e-6 * (abs(a) + abs(b)):
            raise ActivationError("the numerical integral of f² does not converge: the activation is "
                              "singular, not square-integrable against the Gaussian, or too "
                              "oscillatory to integrate reliably")


def _growth_check(expr, s_value):
    """Reject activations whose square is not Gaussian-integrable (e.g. exp(x²))."""
    with mpmath.workdps(30):
        f = _mp_compile(expr, 30)
        sv = mpmath.mpf(sp.Float(s_value, 30)._mpf_)
        vals = []
        for tz in (10, 20, 40):
            w = []
            for sgn in (1, -1):
                try:
                    y = f(sgn * sv * tz)
                except (ZeroDivisionError, OverflowError, ValueError):
                    raise ActivationError("the activation cannot be evaluated on the whole line")
                if isinstance(y, mpmath.mpc):
                    if abs(y.imag) > 1e-20 * (1 + abs(y.real)):
                        raise ActivationError("the activation is not real-valued on the whole line")
                    y = y.real
                if not mpmath.isfinite(y):
                    raise ActivationError("the activation is not finite on the whole line")
                w.append(mpmath.log(abs(y) + mpmath.mpf(10) ** -300) * 2 - tz * tz / 2)
            vals.append(max(w))
        if vals[2] > vals[1] or vals[2] > -100:
            raise ActivationError("the activation grows too fast: its square is not integrable "
                                  "against the Gaussian")
