"""A kink-free integrand on an interval, term by term.

After expansion (trig and hyperbolic functions of x rewritten as exponentials, erfc = 1 − erf)
every term should be c·xⁿ·exp(A x² + B x)·Πᵢ erf(cᵢ x + dᵢ): :func:`_term_expect` reads it
into that form and hands it to :mod:`~rmtsym.gaussian.gaussian_erf`; a term outside the class
goes to plain ``sympy.integrate`` (:mod:`~rmtsym.gaussian.integrate_fallback`).
"""
from __future__ import annotations

import sympy as sp

from ..errors import ActivationError
from ..symbols import x as X
from .gaussian_erf import _gauss_erf
from .integrate_fallback import _integrate_fallback
from .timeouts import _NoClosedForm, _check_deadline


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
