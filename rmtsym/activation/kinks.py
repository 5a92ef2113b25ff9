"""Kinks and jumps of an activation: the breakpoints that gaussian moments split at.

Zeros of the arguments of Abs, sign and Heaviside, the switching points of Max/Min and the
boundary points of Piecewise conditions: exact for polynomial arguments (in the parameters
too) and for a + b·F(v) with F in exp, log, tanh, erf, erfc, sinh, asinh, atan or an odd
power (solved through F⁻¹); other zeros of parameter-free arguments located numerically in
[−50, 50]. Used by :meth:`rmtsym.activation.Activation.breakpoints`.
"""
from __future__ import annotations

import mpmath
import sympy as sp

from ..symbols import x as X
from .guarded_eval import _NotReal, _Undetermined, _geval, _real
from .poles import _zeros_numeric


def _freeze_constants(u):
    """u with every composite x-free subexpression replaced by a Dummy, and the map back.

    Expanding (log(3/7)**9 - 36*log(3/7)**7 + ...)**10 - x**2 multinomially takes
    minutes; with the constant frozen the polynomial algebra in x stays trivial."""
    back = {}
    memo = {}

    def walk(e):
        if e in memo:
            return memo[e]
        if not e.has(X):
            if e.is_Atom:
                out = e
            else:
                out = sp.Dummy("c")
                back[out] = e
        elif e.is_Atom:
            out = e
        else:
            out = e.func(*[walk(a) for a in e.args])
        memo[e] = out
        return out

    return walk(u), back


def _real_roots(u, params) -> list:
    """Exact real zeros in x of u (polynomial numerator); [] if none can be found exactly."""
    frozen, back = _freeze_constants(u)
    num, _den = sp.fraction(sp.together(frozen))
    num = sp.expand(num)
    if not num.has(X):
        return []
    try:
        poly = sp.Poly(num, X)
    except sp.PolynomialError:
        return []
    others = poly.free_symbols - {X}
    if poly.degree() > 8 and others:
        return []
    if not others:
        if poly.degree() > 2 and all(c.is_Rational for c in poly.all_coeffs()):
            return list(sp.real_roots(poly))
        return [r for r in sp.roots(poly, cubics=False, quartics=False) if _is_real_number(r)]
    roots = [r.xreplace(back) for r in sp.roots(poly, cubics=False, quartics=False)]
    if not any(s.free_symbols for s in roots) and back and not (others - set(back)):
        return [r for r in roots if _is_real_number(r)]
    return [r for r in roots if r.is_real is not False and not r.has(sp.I)]


_ABOVE = lambda lo: (lambda c: c > lo)  # noqa: E731
_INVERSES = {
    # F: (F^{-1}, range test of F on the real line, or None when F is onto R)
    sp.exp: (sp.log, _ABOVE(0)),
    sp.log: (sp.exp, None),
    sp.sinh: (sp.asinh, None),
    sp.asinh: (sp.sinh, None),
    sp.tanh: (sp.atanh, lambda c: abs(c) < 1),
    sp.erf: (sp.erfinv, lambda c: abs(c) < 1),
    sp.erfc: (lambda c: sp.erfinv(1 - c), lambda c: 0 < c < 2),
    sp.atan: (sp.tan, lambda c: abs(c) < sp.pi / 2),
}


def _is_polynomial_zero_problem(u) -> bool:
    frozen, _back = _freeze_constants(u)
    num, _den = sp.fraction(sp.together(frozen))
    return bool(num.has(X) and sp.expand(num).is_polynomial(X))


def _inverse_zeros(u, params, depth=0):
    """Exact zeros of u = a + b·F(v) for a monotone F with a known inverse (exp, log,
    tanh, erf, erfc, sinh, asinh, atan) or a power F = v**n (n = ±1, odd), solved as
    v = F⁻¹(−a/b) recursively; None when u has another form."""
    if depth > 6:
        return None
    xt = [t for t in sp.Add.make_args(u) if t.has(X)]
    if len(xt) != 1:
        return None
    a = u - xt[0]
    b, rest = xt[0].as_independent(X, as_Add=False)
    if b == 0:
        return None
    c = -a / b
    if isinstance(rest, sp.Pow) and rest.exp.is_Integer and rest.exp.is_odd:
        n = int(rest.exp)
        if n == 1:
            inner = rest.base - c
        elif n == -1:
            if c == 0:
                return []
            inner = rest.base - 1 / c
        elif n > 0:
            inner = rest.base - sp.real_root(c, n) if c.is_number else None
            if inner is None:
                return None
        else:
            return None
    elif type(rest) in _INVERSES and len(rest.args) == 1:
        inv, in_range = _INVERSES[type(rest)]
        if in_range is not None and c.is_number:
            try:
                if not bool(in_range(c)):
                    return []
            except TypeError:
                return None
        inner = rest.args[0] - inv(c)
    else:
        return None
    if _is_polynomial_zero_problem(inner):
        return _real_roots(inner, params)
    return _inverse_zeros(inner, params, depth + 1)


def _zeros_of(v, params):
    """Real zeros of v in x: exact for polynomials and invertible compositions; else, when
    v has no parameters, numerically in [−50, 50] to ~50 digits (sp.Float)."""
    if not v.has(X):
        return []
    if _is_polynomial_zero_problem(v):
        return _real_roots(v, params)
    exact = _inverse_zeros(v, params)
    if exact is not None:
        return exact
    if v.free_symbols - {X}:
        return []
    out = []
    with mpmath.workdps(20):
        rough = _zeros_numeric(v)
    for r in rough:
        with mpmath.workdps(60):
            try:
                fine = mpmath.findroot(lambda t: _real(_geval(v, {X: t})), mpmath.mpf(r))
                if abs(fine - r) > mpmath.mpf(10) ** -6 * (1 + abs(r)):
                    fine = r
            except (ValueError, ZeroDivisionError, TypeError, _NotReal, _Undetermined):
                fine = r
            out.append(sp.Float(fine, 50))
    return out


def _is_real_number(r) -> bool:
    """True for a real root (decided numerically when SymPy cannot tell, e.g. erfinv(3/10))."""
    if r.is_real is not None:
        return bool(r.is_real)
    try:
        v = complex(sp.N(r, 30))
    except (TypeError, ValueError):
        return False
    return abs(v.imag) <= 1e-25 * (1 + abs(v.real))


def _is_piecewise_like(e) -> bool:
    return isinstance(e, (sp.Max, sp.Min, sp.Piecewise))


def _branches(e) -> list:
    """Smooth expressions that e equals on some region (for nested Max/Min/Piecewise)."""
    if isinstance(e, (sp.Max, sp.Min)):
        out = []
        for a in e.args:
            out.extend(_branches(a))
        return out
    if isinstance(e, sp.Piecewise):
        out = []
        for val, _c in e.args:
            out.extend(_branches(val))
        return out
    return [e]


def _kink_arguments(expr) -> list:
    """Expressions in x whose zeros are candidate kinks/jumps of expr."""
    found = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            found.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            args = list(node.args)
            for i in range(len(args)):
                for j in range(i + 1, len(args)):
                    for bi in _branches(args[i]):
                        for bj in _branches(args[j]):
                            found.append(bi - bj)
        elif isinstance(node, sp.Piecewise):
            for _val, cond in node.args:
                for rel in cond.atoms(sp.Rel):
                    found.append(rel.lhs - rel.rhs)
    # a kink argument that itself has kinks (Abs(Abs(x) - 1)) is resolved on branches
    out = []
    for u in found:
        if u.has(sp.Max, sp.Min, sp.Piecewise):
            out.extend(_branches_deep(u))
        else:
            out.append(u)
    return out


def _branches_deep(u) -> list:
    inner = [n for n in sp.preorder_traversal(u) if _is_piecewise_like(n)]
    if not inner:
        return [u]
    node = inner[0]
    out = []
    for b in _branches(node):
        out.extend(_branches_deep(u.xreplace({node: b})))
    return out[:64]


def _abs_sign_free(u):
    """Replace Abs(v) by ±v so roots of Abs(x) - 1 are found (both signs)."""
    absn = [n for n in sp.preorder_traversal(u) if isinstance(n, sp.Abs)]
    if not absn:
        return [u]
    node = absn[0]
    out = []
    for s in (1, -1):
        out.extend(_abs_sign_free(u.xreplace({node: s * node.args[0]})))
    return out[:64]


def _sort_key(b):
    if b.is_number:
        return (0, float(b), "")
    return (1, 0.0, sp.sstr(b))
