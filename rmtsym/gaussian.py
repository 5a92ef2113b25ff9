r"""Gaussian moments of an activation: the engine behind η and ζ.

Pennington & Worah (NeurIPS 2017, "Nonlinear random matrix theory for deep learning",
§1.2–1.3 of ``shared/reference/theory.md``) show that the spectrum of M = YYᵀ/m,
Y = f(WX), depends on the activation f only through two Gaussian integrals.  With
σ = σw·σx and Z ~ N(0, 1):

.. math::

    \mu_0 = \mathbb E f(\sigma Z), \qquad
    \eta = \operatorname{Var} f(\sigma Z) = \mathbb E f(\sigma Z)^2 - \mu_0^2, \qquad
    \zeta = \bigl(\mathbb E[Z f(\sigma Z)]\bigr)^2 = \bigl(\sigma\,\mathbb E f'(\sigma Z)\bigr)^2 .

The last form is Stein's lemma; the form without a derivative is valid for kinks and
jumps (ReLU, |x|, sign, hard-tanh).

This module computes E[g(σZ)] for a SymPy expression g(x) with a rule-based engine
that tries exact rules first, each under a hard time limit:

1. **parity** — an odd integrand integrates to 0 over the line;
2. **piecewise splitting** — Max, Min, Abs, Heaviside, sign and Piecewise are resolved
   on the intervals between their breakpoints (found exactly, nested kinks included);
   a kink whose orientation depends on a free parameter (``Max(x, a*x)``) is split into
   the two sign cases, and the cases are merged when they agree (η, ζ of leaky ReLU
   hold for every slope a);
3. **the Gaussian–erf class** — after expansion (trig and hyperbolic functions
   rewritten as exponentials, erfc = 1 − erf), every term is
   c·xⁿ·exp(A x² + B x)·Πᵢ erf(cᵢ x + dᵢ) on an interval.  Completing the square maps
   it to a standard normal Y, x = m + √w·Y, and then

   * truncated moments ∫ₜ^∞ yʲ φ(y) dy = tʲ⁻¹φ(t) + (j−1)∫ₜ^∞ yʲ⁻² φ, ∫ₜ^∞ φ = erfc(t/√2)/2
     (full-line moments (j−1)!!: the Hermite/Wick rule for polynomials);
   * Stein's lemma E[Yʲ h(Y)] = (j−1)E[Yʲ⁻² h] + E[Yʲ⁻¹ h′] (with boundary terms on
     half-lines), which turns an erf into a Gaussian and recurses;
   * the table E erf(cY + d) = erf(d/√(1+2c²)),
     E erf(aY) erf(bY) = (2/π) asin(2ab/√((1+2a²)(1+2b²))) (Williams 1997),
     E[erf(cY) 1{Y>0}] = atan(√2 c)/π;
4. **odd/even parts** — E[X f(X)] = E[X·o(X)] with o = (f(x) − f(−x))/2, simplified.
   f(x) − f(−x) = x gives ζ = σ²/4 exactly for softplus, SiLU/swish, GELU and ReLU;
   likewise E f(X) = E e(X) with the even part e (sigmoid: e = 1/2);
   **Stein** E[Z f(σZ)] = σ E f′(σZ) when f is smooth;
5. plain ``sympy.integrate`` on what is left (only for exp/erf/trig integrands; at
   most 2 s per expectation);
6. otherwise **certified mpmath quadrature**: ``mpmath.quad`` (tanh–sinh) in z with
   breakpoints at the kinks (divided by σ) and at 0, tails to ±∞, computed twice —
   at dps + 10 digits on the subdivision {0, ±2, ±5} and at dps + 15 digits on
   {0, ±1, ±3, ±7}; the digits on which the two agree (with the second pass's error
   estimate added) are reported as certified.  A cheap double-precision pre-check
   refuses activations with poles (tan x, 1/x) before the expensive passes.

Not implemented: the σ-derivative trick d/dσ E g(σZ) = E[Z g′(σZ)] and a separate
Hermite-coefficient rule; polynomials are covered by the Gaussian moments (j−1)!!, which
is the same computation.

Closed forms are computed once per expression with σ symbolic (``symbols.sigma``) and
cached; later calls only substitute σ and evaluate with ``sympy.N``, so repeated calls
for numeric σ cost milliseconds.  Every new closed form is also checked once against a
double-precision quadrature at σ = 1 before it is trusted.
"""
from __future__ import annotations

import contextlib
import functools
import math
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

import mpmath
import sympy as sp

from . import symbols
from .errors import ActivationError, ComputationTimeout, ParameterError, RmtsymError
from .numbers import Certified, check_dps, decimal_string

__all__ = ["GaussianMoments", "Expectation", "gaussian_moments", "gaussian_expectation",
           "clear_cache"]

X = symbols.x
SIGMA = symbols.sigma

#: default overall time limit (seconds) for the closed-form search of one integral
DEFAULT_TIME_LIMIT = 8.0
#: time limit (seconds) of one plain ``sympy.integrate`` attempt
INTEGRATE_TIME_LIMIT = 2.0
#: time limit (seconds) of the certified quadrature of one activation at one σ
QUAD_TIME_LIMIT = 120.0
#: time limit (seconds) of one ``sympy.simplify`` call
SIMPLIFY_TIME_LIMIT = 3.0

_KINKS = (sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign, sp.Piecewise)
_SQRT2 = sp.sqrt(2)
_SQRTPI = sp.sqrt(sp.pi)


# --------------------------------------------------------------------------------------
# time limits
# --------------------------------------------------------------------------------------
class _Timeout(BaseException):
    """Raised by the alarm handler; a BaseException so that SymPy's ``except Exception``
    clauses cannot swallow it."""

    def __init__(self, token):
        super().__init__("time limit")
        self.token = token


class _NoClosedForm(Exception):
    """The exact rules do not apply to this integrand."""


class _TimedOut(_NoClosedForm):
    """A time limit was reached (not cached: a later call on a quieter machine may succeed)."""


class _NeedCase(Exception):
    """The orientation of a kink depends on the sign of a parameter expression."""

    def __init__(self, expr):
        super().__init__(str(expr))
        self.expr = expr


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _time_limit(seconds):
    """Abort the body with :class:`_NoClosedForm` after ``seconds`` (SIGALRM based).

    Nested limits are honoured: an inner limit longer than the time left on the outer one
    is ignored, and the outer timer is restored afterwards.  Outside the main thread no
    alarm can be used and the body runs unguarded (callers skip risky rules then).
    """
    if seconds is None or not _can_alarm():
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if 0 < outer_left <= seconds:
        yield
        return
    token = object()

    def handler(signum, frame):
        raise _Timeout(token)

    start = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 1e-3))
    try:
        yield
    except _Timeout as exc:
        if exc.token is not token:
            raise
        raise _TimedOut(f"time limit of {seconds:g} s reached") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if outer_left > 0:
            left = outer_left - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


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


# --------------------------------------------------------------------------------------
# standard-normal building blocks
# --------------------------------------------------------------------------------------
def _phi(t):
    """Standard normal density at t (0 at ±∞)."""
    if t in (sp.oo, -sp.oo):
        return sp.Integer(0)
    return sp.exp(-t ** 2 / 2) / sp.sqrt(2 * sp.pi)


@functools.lru_cache(maxsize=4096)
def _tail_moment(j: int, t):
    """∫_t^∞ yʲ φ(y) dy  (φ the standard normal density).

    Recursion (integration by parts, yφ = −φ′): T_j = t^{j−1} φ(t) + (j−1) T_{j−2},
    T_0 = erfc(t/√2)/2, T_1 = φ(t).  For t = −∞ these are the moments (j−1)!! (0 for odd j).
    """
    if t == sp.oo:
        return sp.Integer(0)
    if t == -sp.oo:
        return sp.Integer(0) if j % 2 else sp.factorial2(j - 1) if j else sp.Integer(1)
    if j == 0:
        return sp.erfc(t / _SQRT2) / 2
    if j == 1:
        return _phi(t)
    return t ** (j - 1) * _phi(t) + (j - 1) * _tail_moment(j - 2, t)


def _boundary_value(j, erfs, t):
    """t^{j-1} Π erf(c t + d) φ(t), 0 at infinite t."""
    if t in (sp.oo, -sp.oo):
        return sp.Integer(0)
    val = t ** (j - 1) * _phi(t)
    for c, d in erfs:
        val *= sp.erf(c * t + d)
    return val


@functools.lru_cache(maxsize=4096)
def _std(j: int, erfs: tuple, lo, hi):
    """E[Yʲ Π_i erf(c_i Y + d_i) 1{lo < Y < hi}] for Y ~ N(0, 1), exactly.

    Raises :class:`_NoClosedForm` when the base integral is not in the table.
    """
    consts = [sp.erf(d) for c, d in erfs if c == 0]
    erfs = tuple(sorted(((c, d) for c, d in erfs if c != 0), key=sp.default_sort_key))
    factor = sp.Mul(*consts)
    if factor == 0:
        return sp.Integer(0)
    if not erfs:
        return factor * (_tail_moment(j, lo) - _tail_moment(j, hi))
    whole = lo == -sp.oo and hi == sp.oo
    centred = all(d == 0 for _, d in erfs)
    if whole and centred and (j + len(erfs)) % 2 == 1:
        return sp.Integer(0)  # odd integrand
    if centred and (j + len(erfs)) % 2 == 0 and (lo, hi) in ((0, sp.oo), (-sp.oo, 0)):
        return _std(j, erfs, -sp.oo, sp.oo) * factor / 2  # even integrand on a half-line
    if j >= 1:
        # Stein with boundary terms: ∫ yʲ h φ = [−y^{j−1} h φ] + (j−1)∫ y^{j−2} h φ + ∫ y^{j−1} h′ φ
        out = _boundary_value(j, erfs, lo) - _boundary_value(j, erfs, hi)
        if j >= 2:
            out += (j - 1) * _std(j - 2, erfs, lo, hi)
        for i, (c, d) in enumerate(erfs):
            others = erfs[:i] + erfs[i + 1:]
            # erf′(cy + d) = (2c/√π) exp(−(cy + d)²)
            out += (2 * c / _SQRTPI) * sp.exp(-d ** 2) * _gauss_erf(
                j - 1, -c ** 2, -2 * c * d, others, lo, hi, sp.Integer(1))
        return factor * out
    # j == 0: table of base integrals
    if whole:
        if len(erfs) == 1:
            c, d = erfs[0]
            return factor * sp.erf(d / sp.sqrt(1 + 2 * c ** 2))
        if len(erfs) == 2 and erfs[0][1] == 0 and erfs[1][1] == 0:
            a, b = erfs[0][0], erfs[1][0]
            return factor * 2 / sp.pi * sp.asin(2 * a * b / sp.sqrt((1 + 2 * a ** 2) * (1 + 2 * b ** 2)))
        raise _NoClosedForm("erf product with offsets")
    if len(erfs) == 1 and erfs[0][1] == 0 and (lo, hi) in ((0, sp.oo), (-sp.oo, 0)):
        c = erfs[0][0]
        val = sp.atan(_SQRT2 * c) / sp.pi
        return factor * (val if lo == 0 else -val)
    raise _NoClosedForm("erf on a finite interval")


def _gauss_erf(n: int, A, B, erfs: tuple, lo, hi, v, conditions=None):
    """E[xⁿ exp(A x² + B x) Π erf(c_i x + d_i) 1{lo < x < hi}] for x ~ N(0, v).

    Completing the square: e^{Ax²+Bx} N(0, v) = K·N(m, w) with p = 1 − 2Av > 0,
    w = v/p, m = B w, K = exp(B² w/2)/√p; then x = m + √w·Y and the binomial expansion
    of xⁿ reduces everything to :func:`_std`.
    """
    p = sp.expand(1 - 2 * A * v)
    if p.is_number:
        if not (sp.re(p) > 0):
            raise ActivationError("the activation grows too fast: its Gaussian integral diverges")
    elif conditions is not None:
        conditions.append(p)
    if A == 0:
        sqrt_w = sp.sqrt(v)
    else:
        sqrt_w = sp.sqrt(v) / sp.sqrt(p)
    w = sqrt_w ** 2
    m = B * w
    K = sp.exp(B ** 2 * w / 2) / sp.sqrt(p) if (A != 0 or B != 0) else sp.Integer(1)
    if m != 0 and not m.is_real and (lo not in (-sp.oo,) or hi not in (sp.oo,)):
        raise _NoClosedForm("complex shift on a finite interval")
    t_lo = lo if lo in (sp.oo, -sp.oo) else (lo - m) / sqrt_w
    t_hi = hi if hi in (sp.oo, -sp.oo) else (hi - m) / sqrt_w
    new_erfs = tuple((sp.expand(c * sqrt_w), sp.expand(c * m + d)) for c, d in erfs)
    total = sp.Integer(0)
    for k in range(n + 1):
        coeff = sp.binomial(n, k) * m ** (n - k) * sqrt_w ** k
        if coeff == 0:
            continue
        total += coeff * _std(k, new_erfs, t_lo, t_hi)
    return K * total


# --------------------------------------------------------------------------------------
# smooth pieces: decomposition of one term
# --------------------------------------------------------------------------------------
def _prepare(expr):
    """Rewrite erfc as 1 − erf and trig/hyperbolic functions of x as exponentials."""
    expr = expr.replace(sp.erfc, lambda a: 1 - sp.erf(a))
    targets = [f for f in (sp.sin, sp.cos, sp.sinh, sp.cosh) if expr.has(f)]
    for f in targets:
        expr = expr.replace(f, lambda a, f=f: f(a).rewrite(sp.exp) if a.has(X) else f(a))
    return expr


def _term_expect(term, lo, hi, v, conditions):
    """E[term(x) 1{lo<x<hi}] for x ~ N(0, v), term = c·xⁿ·exp(poly₂)·Π erf(linear)."""
    coeff, n, exps, erfs = sp.Integer(1), 0, sp.Integer(0), []
    for factor in sp.Mul.make_args(term):
        if not factor.has(X):
            coeff *= factor
            continue
        base, e = factor.as_base_exp()
        if base == X and e.is_Integer and e >= 0:
            n += int(e)
            continue
        if isinstance(base, sp.exp) or base is sp.E:
            arg = base.args[0] * e if isinstance(base, sp.exp) else e
            exps += arg
            continue
        if isinstance(base, sp.erf) and e.is_Integer and e > 0:
            poly = sp.Poly(base.args[0], X) if base.args[0].is_polynomial(X) else None
            if poly is None or poly.degree() != 1:
                raise _NoClosedForm(f"erf of a non-linear argument: {factor}")
            c1, c0 = poly.all_coeffs()
            erfs.extend([(c1, c0)] * int(e))
            continue
        raise _NoClosedForm(f"factor outside the Gaussian–erf class: {factor}")
    exps = sp.expand(exps)
    if exps != 0:
        if not exps.is_polynomial(X):
            raise _NoClosedForm("exponential of a non-polynomial")
        poly = sp.Poly(exps, X)
        if poly.degree() > 2:
            raise ActivationError("the activation grows too fast: its Gaussian integral diverges")
        coeffs = poly.all_coeffs()[::-1] + [0, 0]
        C, B, A = coeffs[0], coeffs[1], coeffs[2]
        coeff *= sp.exp(C)
    else:
        A = B = sp.Integer(0)
    return coeff * _gauss_erf(n, A, B, tuple(erfs), lo, hi, v, conditions)


def _smooth_expect(expr, lo, hi, v, conditions, deadline):
    """E[expr(x) 1{lo<x<hi}] for a kink-free expr, term by term.

    On a half-line at 0 with trigonometric factors (whose complex exponentials cannot be
    truncated in closed form), the even part is integrated over the whole line and halved:
    ∫₀^∞ p = ½∫ p_even + ∫₀^∞ p_odd.
    """
    if (lo, hi) in ((0, sp.oo), (-sp.oo, 0)) and expr.has(sp.sin, sp.cos):
        even = sp.expand((expr + expr.subs(X, -X)) / 2)
        odd = sp.expand((expr - expr.subs(X, -X)) / 2)
        if even != 0 and odd != expr:
            out = _smooth_expect(even, -sp.oo, sp.oo, v, conditions, deadline) / 2
            if odd != 0:
                out += _smooth_expect(odd, lo, hi, v, conditions, deadline)
            return out
    expr = sp.expand(_prepare(expr))
    total = sp.Integer(0)
    for term in sp.Add.make_args(expr):
        _check_deadline(deadline)
        try:
            total += _term_expect(term, lo, hi, v, conditions)
        except _NoClosedForm:
            total += _integrate_fallback(term, lo, hi, v, deadline)
    return total


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


def _check_deadline(deadline):
    if deadline is not None and time.monotonic() > deadline:
        raise _TimedOut("out of time")


def _time_left(deadline):
    return float("inf") if deadline is None else deadline - time.monotonic()


# --------------------------------------------------------------------------------------
# kinks: breakpoints, resolution on intervals, parameter sign cases
# --------------------------------------------------------------------------------------
def _switch_exprs(node):
    """Expressions whose sign change moves the kink ``node`` to another branch."""
    if isinstance(node, (sp.Max, sp.Min)):
        args = node.args
        return [args[i] - args[k] for i in range(len(args)) for k in range(i + 1, len(args))]
    if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
        return [node.args[0]]
    if isinstance(node, sp.Piecewise):
        out = []
        for _, cond in node.args:
            for rel in _relationals(cond):
                out.append(rel.lhs - rel.rhs)
        return out
    return []


def _relationals(cond):
    if isinstance(cond, sp.core.relational.Relational):
        return [cond]
    if isinstance(cond, (sp.And, sp.Or, sp.Not)):
        return [r for a in cond.args for r in _relationals(a)]
    return []


def _sign_at(expr, point, signs):
    """Sign (+1/−1/0) of expr at x = point; parameter-dependent signs come from ``signs``."""
    val = sp.expand(expr.subs(X, point))
    if val.free_symbols:
        c, rest = val.as_coeff_Mul()
        if rest in signs:
            return int(sp.sign(c)) * signs[rest]
        if -rest in signs:
            return -int(sp.sign(c)) * signs[-rest]
        raise _NeedCase(rest)
    num = sp.N(val, 30)
    if not num.is_real:
        raise _NoClosedForm("complex switch")
    return 1 if num > 0 else (-1 if num < 0 else 0)


def _truth_at(cond, point, signs):
    if cond in (sp.true, True):
        return True
    if cond in (sp.false, False):
        return False
    if isinstance(cond, sp.And):
        return all(_truth_at(a, point, signs) for a in cond.args)
    if isinstance(cond, sp.Or):
        return any(_truth_at(a, point, signs) for a in cond.args)
    if isinstance(cond, sp.Not):
        return not _truth_at(cond.args[0], point, signs)
    if isinstance(cond, sp.core.relational.Relational):
        s = _sign_at(cond.lhs - cond.rhs, point, signs)
        op = cond.rel_op
        return {"<": s < 0, "<=": s <= 0, ">": s > 0, ">=": s >= 0, "==": s == 0, "!=": s != 0}[op]
    raise _NoClosedForm(f"unsupported condition {cond}")


def _resolve(expr, point, signs):
    """Replace every kink by the branch that is active at x = point (an interior point)."""
    if not expr.has(*_KINKS):
        return expr
    if isinstance(expr, sp.Piecewise):
        for e, cond in expr.args:
            if _truth_at(cond, point, signs):
                return _resolve(e, point, signs)
        raise ActivationError("the Piecewise activation is undefined on part of the line")
    args = [_resolve(a, point, signs) for a in expr.args]
    if isinstance(expr, (sp.Max, sp.Min)):
        best = args[0]
        for a in args[1:]:
            s = _sign_at(a - best, point, signs)
            if (s > 0 and isinstance(expr, sp.Max)) or (s < 0 and isinstance(expr, sp.Min)):
                best = a
        return best
    if isinstance(expr, sp.Abs):
        return args[0] * _sign_at(args[0], point, signs)
    if isinstance(expr, sp.sign):
        return sp.Integer(_sign_at(args[0], point, signs))
    if isinstance(expr, sp.Heaviside):
        return sp.Integer(1 if _sign_at(args[0], point, signs) > 0 else 0)
    return expr.func(*args)


def _interval_points(bps):
    pts = sorted(bps, key=lambda b: float(b))
    edges = [-sp.oo] + pts + [sp.oo]
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        if lo == -sp.oo and hi == sp.oo:
            mid = sp.Rational(1, 3)
        elif lo == -sp.oo:
            mid = hi - 1
        elif hi == sp.oo:
            mid = lo + 1
        else:
            mid = (lo + hi) / 2
        out.append((lo, hi, mid))
    return out


def _real_roots(expr, lo, hi):
    """Real roots of a polynomial-in-x expr strictly inside (lo, hi); exact numbers."""
    expr = sp.expand(expr)
    if expr == 0 or not expr.has(X):
        return []
    if not expr.is_polynomial(X):
        return _solveset_roots(expr, lo, hi)
    poly = sp.Poly(expr, X)
    if poly.degree() == 1:
        c1, c0 = poly.all_coeffs()
        roots = [sp.simplify(-c0 / c1)]
    else:
        if poly.free_symbols - {X}:
            raise _NoClosedForm("kink at a parameter-dependent root")
        roots = [r for r in sp.Poly(poly, X).real_roots()]
    out = []
    for r in roots:
        if r.free_symbols:
            raise _NoClosedForm("kink at a parameter-dependent point")
        if (lo == -sp.oo or r > lo) and (hi == sp.oo or r < hi):
            out.append(r)
    return out


def _solveset_roots(expr, lo, hi):
    """Roots of a non-polynomial switch expression (erf(x), tanh(x) − 1/2, ...) by
    ``sympy.solveset`` under a 1 s limit; accepted only as a finite set of numbers
    (solveset returns a ConditionSet when it cannot be complete)."""
    if expr.free_symbols - {X} or not _can_alarm():
        raise _NoClosedForm("kink at the root of a non-polynomial")
    with _time_limit(1.0):
        sol = sp.solveset(expr, X, sp.Interval.open(lo, hi))
    if not isinstance(sol, sp.FiniteSet) or not all(r.is_number and r.is_real for r in sol):
        raise _NoClosedForm("kink at the root of a non-polynomial")
    return sorted(sol, key=lambda r: float(r))


def breakpoints(expr, signs=None) -> list:
    """Exact x-locations of the kinks and jumps of ``expr`` (sorted).

    Nested kinks are handled inside out: an outer kink's switch expression is resolved on
    each interval between the inner breakpoints and its roots there are added.
    Raises :class:`_NoClosedForm` when a kink sits at a non-polynomial or
    parameter-dependent location.
    """
    signs = signs or {}
    nodes = [n for n in sp.postorder_traversal(expr) if isinstance(n, _KINKS)]
    bps = set()
    for node in nodes:
        for sw in _switch_exprs(node):
            new = set()
            for lo, hi, mid in _interval_points(bps):
                local = _resolve(sw, mid, signs)
                new.update(_real_roots(local, lo, hi))
            bps |= new
    return sorted(bps, key=lambda b: float(b))


def _expect_cases(expr, v, conditions, deadline):
    """E[expr(X)] for X ~ N(0, v), splitting kinks and parameter sign cases."""
    if not expr.has(*_KINKS):
        return _smooth_expect(expr, -sp.oo, sp.oo, v, conditions, deadline)
    # linearity first: kink-free terms are integrated over the whole line
    terms = sp.Add.make_args(sp.expand(expr))
    smooth = sp.Add(*[t for t in terms if not t.has(*_KINKS)])
    if smooth != 0:
        kinked = sp.Add(*[t for t in terms if t.has(*_KINKS)])
        return (_smooth_expect(smooth, -sp.oo, sp.oo, v, conditions, deadline)
                + _expect_cases(kinked, v, conditions, deadline))
    pending, done = [{}], []
    while pending:
        signs = pending.pop()
        try:
            bps = breakpoints(expr, signs)
            total = sp.Integer(0)
            for lo, hi, mid in _interval_points(bps):
                piece = _resolve(expr, mid, signs)
                total += _smooth_expect(piece, lo, hi, v, conditions, deadline)
            done.append((signs, total))
        except _NeedCase as need:
            if len(signs) >= 3:
                raise _NoClosedForm("too many parameter sign cases")
            pending.append({**signs, need.expr: -1})
            pending.append({**signs, need.expr: 1})
    return _merge_cases(done)


def _merge_cases(done):
    if len(done) == 1:
        return done[0][1]
    first = done[0][1]
    if all(sp.simplify(sp.expand(r - first)) == 0 for _, r in done[1:]):
        return first
    if len(done) == 2 and len(done[0][0]) == 1:
        # r(−) = −r(+) = −q·e with q free of e's symbols: the result is q·|e| (leaky-ReLU mean)
        (e, _), = done[0][0].items()
        r_pos = dict((tuple(sg.values())[0], r) for sg, r in done)[1]
        r_neg = dict((tuple(sg.values())[0], r) for sg, r in done)[-1]
        if sp.simplify(sp.expand(r_pos + r_neg)) == 0:
            q = sp.simplify(r_pos / e)
            if q.free_symbols.isdisjoint(e.free_symbols):
                return q * sp.Abs(e)
    pieces = []
    for signs, r in done[:-1]:
        cond = sp.And(*[(e > 0) if s > 0 else (e < 0) for e, s in signs.items()])
        pieces.append((r, cond))
    pieces.append((done[-1][1], True))
    return sp.Piecewise(*pieces)


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


def _closed_expectation(expr, s, conditions, deadline):
    """Closed form of E[expr(sZ)] or raise :class:`_NoClosedForm`."""
    expr = sp.sympify(expr)
    if not expr.has(X):
        return expr
    if _is_odd(expr):
        return sp.Integer(0)
    v = s ** 2
    return _expect_cases(expr, v, conditions, deadline)


# --------------------------------------------------------------------------------------
# numerics: a safe mpmath evaluator and certified quadrature
# --------------------------------------------------------------------------------------
_MP_UNARY = {
    sp.exp: mpmath.exp, sp.log: mpmath.log, sp.sin: mpmath.sin, sp.cos: mpmath.cos,
    sp.tan: mpmath.tan, sp.cot: mpmath.cot, sp.sec: mpmath.sec, sp.csc: mpmath.csc,
    sp.sinh: mpmath.sinh, sp.cosh: mpmath.cosh, sp.tanh: mpmath.tanh, sp.coth: mpmath.coth,
    sp.sech: mpmath.sech, sp.csch: mpmath.csch, sp.asin: mpmath.asin, sp.acos: mpmath.acos,
    sp.atan: mpmath.atan, sp.acot: mpmath.acot, sp.asinh: mpmath.asinh,
    sp.acosh: mpmath.acosh, sp.atanh: mpmath.atanh, sp.erf: mpmath.erf, sp.erfc: mpmath.erfc,
    sp.Abs: abs, sp.sign: mpmath.sign, sp.floor: mpmath.floor, sp.ceiling: mpmath.ceil,
    sp.LambertW: mpmath.lambertw,
}


def _mp_compile(expr, prec_dps):
    """Compile a SymPy expression in x into a Python closure over mpmath (no eval)."""
    if not expr.has(X):
        val = sp.N(expr, prec_dps + 10)
        re, im = val.as_real_imag()
        if im != 0:
            c = mpmath.mpc(mpmath.mpf(sp.Float(re, prec_dps + 10)._mpf_),
                           mpmath.mpf(sp.Float(im, prec_dps + 10)._mpf_))
        else:
            c = mpmath.mpf(sp.Float(re, prec_dps + 10)._mpf_)
        return lambda t: c
    if expr == X:
        return lambda t: t
    if isinstance(expr, sp.Add):
        fs = [_mp_compile(a, prec_dps) for a in expr.args]
        return lambda t: mpmath.fsum(f(t) for f in fs)
    if isinstance(expr, sp.Mul):
        fs = [_mp_compile(a, prec_dps) for a in expr.args]

        def mul(t):
            out = fs[0](t)
            for f in fs[1:]:
                out = out * f(t)
            return out
        return mul
    if isinstance(expr, sp.Pow):
        fb = _mp_compile(expr.base, prec_dps)
        if expr.exp.is_Integer:
            k = int(expr.exp)
            return lambda t: fb(t) ** k
        if expr.exp == sp.Rational(1, 2):
            return lambda t: mpmath.sqrt(fb(t))
        fe = _mp_compile(expr.exp, prec_dps)
        return lambda t: mpmath.power(fb(t), fe(t))
    if type(expr) in _MP_UNARY and len(expr.args) == 1:
        g = _MP_UNARY[type(expr)]
        fa = _mp_compile(expr.args[0], prec_dps)
        return lambda t: g(fa(t))
    if isinstance(expr, sp.Heaviside):
        fa = _mp_compile(expr.args[0], prec_dps)
        half = mpmath.mpf(1) / 2
        return lambda t: (lambda u: mpmath.mpf(1) if u > 0 else (mpmath.mpf(0) if u < 0 else half))(fa(t))
    if isinstance(expr, (sp.Max, sp.Min)):
        fs = [_mp_compile(a, prec_dps) for a in expr.args]
        pick = max if isinstance(expr, sp.Max) else min
        return lambda t: pick(f(t) for f in fs)
    if isinstance(expr, sp.Piecewise):
        branches = [(_mp_compile(e, prec_dps), _mp_cond(c, prec_dps)) for e, c in expr.args]

        def pw(t):
            for fe, fc in branches:
                if fc(t):
                    return fe(t)
            return mpmath.nan
        return pw
    raise ActivationError(f"cannot evaluate {type(expr).__name__} numerically")


def _mp_cond(cond, prec_dps):
    if cond in (sp.true, True):
        return lambda t: True
    if cond in (sp.false, False):
        return lambda t: False
    if isinstance(cond, (sp.And, sp.Or)):
        cs = [_mp_cond(a, prec_dps) for a in cond.args]
        if isinstance(cond, sp.And):
            return lambda t: all(c(t) for c in cs)
        return lambda t: any(c(t) for c in cs)
    if isinstance(cond, sp.Not):
        c0 = _mp_cond(cond.args[0], prec_dps)
        return lambda t: not c0(t)
    if isinstance(cond, sp.core.relational.Relational):
        fl = _mp_compile(cond.lhs - cond.rhs, prec_dps)
        op = cond.rel_op
        ops = {"<": lambda u: u < 0, "<=": lambda u: u <= 0, ">": lambda u: u > 0,
               ">=": lambda u: u >= 0, "==": lambda u: u == 0, "!=": lambda u: u != 0}
        f_op = ops[op]
        return lambda t: f_op(fl(t))
    raise ActivationError(f"cannot evaluate the condition {cond}")


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


# --------------------------------------------------------------------------------------
# public: one expectation
# --------------------------------------------------------------------------------------
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


_EXPECT_CACHE: dict = {}
#: number of closed-form searches stopped by a time limit (their failures are not cached)
_TIMEOUTS = [0]


def clear_cache() -> None:
    """Forget every cached closed form (benchmarks use it for cold timings)."""
    _EXPECT_CACHE.clear()
    _MOMENT_CACHE.clear()
    _NUMERIC_CACHE.clear()
    _std.cache_clear()
    _tail_moment.cache_clear()


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
    _INTEGRATE_BUDGET[0] = INTEGRATE_TIME_LIMIT
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
    return val


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
        with _time_limit(QUAD_TIME_LIMIT):
            value = _certified_quad(expr, s, dps)
    except _NoClosedForm:
        raise ComputationTimeout(f"the quadrature at {dps} digits took longer than "
                                 f"{QUAD_TIME_LIMIT:g} s; ask for fewer digits") from None
    return Expectation(None, value, "quadrature")


# --------------------------------------------------------------------------------------
# public: η and ζ
# --------------------------------------------------------------------------------------
@dataclass
class GaussianMoments:
    r"""The Gaussian moments of an activation at σ = σw·σx (Pennington & Worah 2017).

    μ0 = E f(σZ), η = Var f(σZ) = E f(σZ)² − μ0², ζ = (E[Z f(σZ)])² = (σ E f′(σZ))².

    Attributes
    ----------
    activation : Activation or sympy.Expr
    sigma_w, sigma_x : sympy numbers or symbols
    dps : int
    mean, eta, zeta : Certified or None
        None when free parameters or symbolic σ prevent a number.
    mean_expr, eta_expr, zeta_expr : sympy.Expr or None
        Simplified closed forms in ``symbols.sigma`` (or σw·σx when these are symbolic)
        and the free parameters; None where no closed form was found.
    eta_closed_form, zeta_closed_form, mean_closed_form : bool
    eta_method, zeta_method, mean_method : str
        ``"closed form"``, ``"quadrature"`` or ``"none"``.
    conditions : tuple
        Expressions that must be positive for the closed forms to hold.
    notes : tuple of str
        How the rules were applied (parity, odd part, Stein, case splits, ...).
    """

    activation: object
    sigma_w: sp.Expr
    sigma_x: sp.Expr
    dps: int
    mean: Optional[Certified]
    eta: Optional[Certified]
    zeta: Optional[Certified]
    mean_expr: Optional[sp.Expr]
    eta_expr: Optional[sp.Expr]
    zeta_expr: Optional[sp.Expr]
    eta_closed_form: bool
    zeta_closed_form: bool
    mean_closed_form: bool = False
    eta_method: str = "none"
    zeta_method: str = "none"
    mean_method: str = "none"
    conditions: tuple = ()
    notes: tuple = ()

    @property
    def sigma(self):
        return self.sigma_w * self.sigma_x

    def _repr_latex_(self) -> str:
        from .typeset import gaussian_moments_repr_latex

        return gaussian_moments_repr_latex(self)

    def as_json(self, dps: Optional[int] = None) -> dict:
        """A JSON-ready dict: decimal strings with ``dps`` significant digits, LaTeX, flags."""
        dps = self.dps if dps is None else dps

        def num(c):
            return None if c is None else decimal_string(c.value, min(dps, max(c.digits, 1)))

        def digits(c):
            return None if c is None else c.digits

        def lx(e):
            return None if e is None else sp.latex(e)

        def st(e):
            return None if e is None else sp.sstr(e)

        act = self.activation
        name = getattr(act, "source", None) or getattr(act, "name", None) or sp.sstr(_activation_expr(act))
        params = [str(p) for p in _activation_params(act)]
        return {
            "activation": str(name),
            "expr": sp.sstr(_activation_expr(act)),
            "params": params,
            "sigma_w": sp.sstr(self.sigma_w),
            "sigma_x": sp.sstr(self.sigma_x),
            "dps": dps,
            "mean": num(self.mean),
            "eta": num(self.eta),
            "zeta": num(self.zeta),
            "mean_closed_form": self.mean_closed_form,
            "eta_closed_form": self.eta_closed_form,
            "zeta_closed_form": self.zeta_closed_form,
            "mean_digits": digits(self.mean),
            "eta_digits": digits(self.eta),
            "zeta_digits": digits(self.zeta),
            "mean_method": self.mean_method,
            "eta_method": self.eta_method,
            "zeta_method": self.zeta_method,
            "mean_expr": st(self.mean_expr),
            "eta_expr": st(self.eta_expr),
            "zeta_expr": st(self.zeta_expr),
            "mean_latex": lx(self.mean_expr),
            "eta_latex": lx(self.eta_expr),
            "zeta_latex": lx(self.zeta_expr),
            "sigma_symbol": "sigma = sigma_w*sigma_x",
            "conditions": [sp.sstr(c) + " > 0" for c in self.conditions],
            "notes": list(self.notes),
        }


def _activation_expr(act):
    if isinstance(act, sp.Basic):
        return act
    expr = getattr(act, "expr", None)
    if expr is None:
        raise ActivationError("the activation must be a formula in x or an Activation object")
    return expr


def _activation_params(act):
    if isinstance(act, sp.Basic):
        return tuple(sorted(act.free_symbols - {X}, key=str))
    return tuple(getattr(act, "params", ()) or ())


def _coerce_activation(activation):
    if isinstance(activation, str):
        try:
            from .activation import parse_activation
        except ImportError:  # pragma: no cover - the activation module is a sibling stage
            raise ActivationError("activation strings need rmtsym.activation, which is missing")
        return parse_activation(activation)
    if isinstance(activation, sp.Basic):
        if not isinstance(activation, sp.Expr):
            raise ActivationError(f"the activation must be an expression in x, got {activation}")
        extra = [s for s in activation.free_symbols if s != X and s.name == "x"]
        if extra:
            raise ActivationError("the activation uses a variable x that is not rmtsym.symbols.x")
        return activation
    if hasattr(activation, "expr"):
        return activation
    raise ActivationError(f"the activation must be a formula in x, got {type(activation).__name__}")


_MOMENT_CACHE: dict = {}
#: numbers already computed: (f, σ, dps) → (mean, η, ζ, methods)
_NUMERIC_CACHE: dict = {}


def _odd_part_rule(f, time_limit):
    """E[X f(X)] via the odd part o = (f(x) − f(−x))/2, simplified (f(x) − f(−x) = x ⇒ σ²/2)."""
    try:
        with _time_limit(min(time_limit, SIMPLIFY_TIME_LIMIT)):
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
        with _time_limit(min(time_limit, SIMPLIFY_TIME_LIMIT)):
            cand = sp.simplify((f + f.subs(X, -X)) / 2)
    except _NoClosedForm:
        return None, None
    if sp.count_ops(cand) >= sp.count_ops(f) and not cand.is_polynomial(X):
        return None, None
    res, cond = _symbolic_expectation(cand, time_limit)
    if res is None:
        return None, None
    return res, f"even part (f(x) + f(-x))/2 = {sp.sstr(cand)}"


def _stein_rule(f, time_limit):
    """E[X f(X)] = σ² E f′(X) (Stein's lemma) for smooth f."""
    if f.has(*_KINKS):
        return None, None
    try:
        with _time_limit(min(time_limit, SIMPLIFY_TIME_LIMIT)):
            fp = sp.diff(f, X)
    except _NoClosedForm:
        return None, None
    res, cond = _symbolic_expectation(fp, time_limit, simplify=False)
    if res is None:
        return None, None
    return SIGMA ** 2 * res, "Stein's lemma E[Z f(sZ)] = s E f'(sZ)"


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


def _symbolic_moments(f, time_limit):
    """Cached closed forms (mean, η, ζ) in symbols.sigma, plus conditions and notes."""
    key = sp.srepr(f)
    if key in _MOMENT_CACHE:
        return _MOMENT_CACHE[key]
    timeouts_before = _TIMEOUTS[0]
    notes = []
    mean_e, c1 = _symbolic_expectation(f, time_limit)
    if mean_e is None:
        mean_e, note = _even_part_rule(f, time_limit)
        if note:
            notes.append(note)
    ef2_e, c2 = _symbolic_expectation(f ** 2, time_limit, simplify=False)
    exf_e, c3 = _symbolic_expectation(X * f, time_limit, simplify=False)
    if exf_e is not None and f.has(*_KINKS) is False and _is_odd(X * f):
        notes.append("parity: f even, so E[Z f(sZ)] = 0")
    if exf_e is None:
        exf_e, note = _odd_part_rule(f, time_limit)
        if exf_e is None:
            exf_e, note = _stein_rule(f, time_limit)
        if note:
            notes.append(note)
    if mean_e is not None and _is_odd(f):
        notes.append("parity: f odd, so the mean is 0")
    if not _self_check(f, mean_e, ef2_e, exf_e):
        notes.append("a closed form disagreed with quadrature and was discarded")
        mean_e = ef2_e = exf_e = None
    eta_e = _simplify(ef2_e - mean_e ** 2) if (ef2_e is not None and mean_e is not None) else None
    zeta_e = _simplify((exf_e / SIGMA) ** 2) if exf_e is not None else None
    out = (mean_e, eta_e, zeta_e, tuple(c1) + tuple(c2) + tuple(c3), tuple(notes))
    if _TIMEOUTS[0] == timeouts_before:
        _MOMENT_CACHE[key] = out
    else:
        notes.append("a closed-form search hit its time limit (not cached; retried next call)")
        out = out[:4] + (tuple(notes),)
    return out


def gaussian_moments(activation, sigma_w=1, sigma_x=1, dps=30,
                     time_limit=DEFAULT_TIME_LIMIT) -> GaussianMoments:
    r"""Gaussian moments μ0, η, ζ of an activation (Pennington & Worah 2017, §1.2–1.3).

    With σ = σw·σx and Z ~ N(0, 1):
    μ0 = E f(σZ), η = Var f(σZ), ζ = (E[Z f(σZ)])².

    Parameters
    ----------
    activation : Activation, str or sympy.Expr
        The activation f(x) (strings go through ``rmtsym.activation.parse_activation``;
        free parameters stay symbolic).
    sigma_w, sigma_x : positive number, numeric string or positive SymPy symbol
    dps : int
        Decimal digits of the numbers (5 … 1000).
    time_limit : float
        Seconds allowed for each closed-form search; risky SymPy calls are aborted.

    Returns
    -------
    GaussianMoments

    Raises
    ------
    ParameterError
        σ not a positive number, dps out of range.
    ActivationError
        f not square-integrable against the Gaussian, not real, or not evaluable.

    Examples
    --------
    >>> from rmtsym.symbols import x
    >>> import sympy as sp
    >>> gm = gaussian_moments(sp.Max(x, 0))
    >>> gm.eta_expr, gm.zeta_expr
    (sigma**2*(pi - 1)/(2*pi), sigma**2/4)
    """
    dps = check_dps(dps)
    sw = _to_sigma(sigma_w, "sigma_w")
    sx = _to_sigma(sigma_x, "sigma_x")
    act = _coerce_activation(activation)
    f = sp.sympify(_activation_expr(act))
    if not f.has(X):
        raise ActivationError("the activation must depend on x")
    s = sw * sx
    mean_e, eta_e, zeta_e, conditions, notes = _symbolic_moments(f, time_limit)
    symbolic_s = bool(s.free_symbols)
    subs_s = {SIGMA: s} if symbolic_s else {}
    mean_out = mean_e.subs(subs_s) if mean_e is not None else None
    eta_out = eta_e.subs(subs_s) if eta_e is not None else None
    zeta_out = zeta_e.subs(subs_s) if zeta_e is not None else None

    params = f.free_symbols - {X}
    numbers_possible = not params and not symbolic_s
    mean = eta = zeta = None
    m_method = "closed form" if mean_e is not None else "none"
    e_method = "closed form" if eta_e is not None else "none"
    z_method = "closed form" if zeta_e is not None else "none"
    num_key = (sp.srepr(f), sp.srepr(s), dps)
    if numbers_possible and num_key in _NUMERIC_CACHE:
        mean, eta, zeta, m_method, e_method, z_method = _NUMERIC_CACHE[num_key]
    elif numbers_possible:
        try:
            with _time_limit(QUAD_TIME_LIMIT):
                mean, eta, zeta, m_method, e_method, z_method = _numbers(
                    f, s, dps, mean_e, eta_e, zeta_e, conditions, m_method, e_method, z_method)
        except _NoClosedForm:
            raise ComputationTimeout(
                f"the quadrature at {dps} digits took longer than {QUAD_TIME_LIMIT:g} s; "
                "ask for fewer digits (--dps)") from None
        if len(_NUMERIC_CACHE) > 4096:
            _NUMERIC_CACHE.clear()
        _NUMERIC_CACHE[num_key] = (mean, eta, zeta, m_method, e_method, z_method)
    return GaussianMoments(
        activation=act, sigma_w=sw, sigma_x=sx, dps=dps,
        mean=mean, eta=eta, zeta=zeta,
        mean_expr=mean_out, eta_expr=eta_out, zeta_expr=zeta_out,
        eta_closed_form=eta_e is not None, zeta_closed_form=zeta_e is not None,
        mean_closed_form=mean_e is not None,
        eta_method=e_method, zeta_method=z_method, mean_method=m_method,
        conditions=tuple(conditions), notes=tuple(notes))


def _numbers(f, s, dps, mean_e, eta_e, zeta_e, conditions, m_method, e_method, z_method):
    """The numbers μ0, η, ζ at numeric σ: closed forms evaluated with sympy.N, the rest by
    certified quadrature (sharing nodes between the three integrals)."""
    memo: dict = {}
    _check_conditions(conditions, {SIGMA: s}, s)
    kinks = None
    if mean_e is None or eta_e is None or zeta_e is None:
        _growth_check(f, s)
        kinks = _numeric_kinks(f, s)
        _singularity_check(f, s, kinks)
    if mean_e is not None:
        mean = Certified(_evaluate(mean_e, {SIGMA: s}, dps), dps, "closed form", mean_e.subs(SIGMA, s))
    else:
        mean = _certified_quad(f, s, dps, what="mean", memo=memo, kinks=kinks)
        m_method = "quadrature"
    if eta_e is not None:
        eta = Certified(_evaluate(eta_e, {SIGMA: s}, dps), dps, "closed form", eta_e.subs(SIGMA, s))
    else:
        with mpmath.workdps(dps + 10):
            center = mean.value
        eta = _certified_quad(f, s, dps, center=center, what="eta", memo=memo, kinks=kinks)
        eta = Certified(eta.value, min(eta.digits, mean.digits), "quadrature", None, eta.note)
        e_method = "quadrature"
    if zeta_e is not None:
        zeta = Certified(_evaluate(zeta_e, {SIGMA: s}, dps), dps, "closed form", zeta_e.subs(SIGMA, s))
    else:
        ez = _certified_quad(f, s, dps, what="E[Z f]", z_weight=True, memo=memo, kinks=kinks)
        with mpmath.workdps(dps + 10):
            zval = ez.value ** 2
        zeta = Certified(zval, ez.digits, "quadrature", None, ez.note)
        z_method = "quadrature"
    return mean, eta, zeta, m_method, e_method, z_method
