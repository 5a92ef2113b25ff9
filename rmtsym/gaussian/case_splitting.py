"""Kinks: breakpoints, resolution on the intervals between them, parameter sign cases.

Max, Min, Abs, Heaviside, sign and Piecewise are resolved on the intervals between their
breakpoints (found exactly, nested kinks included, inside out); a kink whose orientation
depends on the sign of a parameter expression (``Max(x, a*x)``) raises :class:`_NeedCase`
and is split into the sign cases, which are merged when they agree (η, ζ of leaky ReLU hold
for every slope a) or combined into q·|e| or a Piecewise.
"""
from __future__ import annotations

import sympy as sp

from ..errors import ActivationError
from ..symbols import x as X
from .smooth_terms import _smooth_expect
from .timeouts import _NoClosedForm, _can_alarm, _time_limit


_KINKS = (sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign, sp.Piecewise)


class _NeedCase(Exception):
    """The orientation of a kink depends on the sign of a parameter expression."""

    def __init__(self, expr):
        super().__init__(str(expr))
        self.expr = expr


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
