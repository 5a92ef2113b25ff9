"""Admissibility, part 3: poles and domain boundaries, located and probed.

The real zeros in [−50, 50] nearest to 0 of every denominator, of cos inside tan/sec, of
sin inside cot/csc and of the argument of coth/csch are candidate poles; the zeros of the
arguments of sqrt/fractional powers, log, asin, acos, acosh, atanh bound the real domain.
f is probed at and next to each: a pole where f² is not integrable (|f| ~ |x − r|^(−q),
q ≥ 1/2), or a point where f is not real or not finite, refuses the activation.
"""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from ..symbols import x as X
from .compile import _np_values, _numpy_or_none
from .guarded_eval import _NotReal, _Undetermined, _fx, _geval, _real, _value_at


#: grid for locating zeros of denominators and domain boundaries
_ZERO_GRID = np.linspace(-50.0, 50.0, 4001) + 0.00173


def _zeros_numeric(u, limit=60):
    """Real zeros of u(x) (no parameters) in [-50, 50], to about 25 digits; of the
    sign changes and near-zero minima on the grid, the ``limit`` nearest to 0 are kept.

    Exact polynomial roots when u is a polynomial of degree ≤ 60, else sign changes on a
    grid of step 0.025 refined by bisection, plus tiny local minima of |u| (double zeros).
    """
    if u.free_symbols - {X} or X not in u.free_symbols:
        return []
    # structural decomposition: zeros of Abs(v), v**k (k > 0) and products are those of v
    if isinstance(u, sp.Abs):
        return _zeros_numeric(u.args[0], limit)
    if isinstance(u, sp.Pow) and u.exp.is_number and u.exp.is_positive:
        return _zeros_numeric(u.base, limit)
    if isinstance(u, sp.Mul):
        out = []
        for factor in u.args:
            out.extend(_zeros_numeric(factor, limit))
        return out
    try:
        if u.is_polynomial(X):
            poly = sp.Poly(u, X)
            if 0 < poly.degree() <= 60:
                coeffs = [complex(sp.N(c, 20)) for c in poly.all_coeffs()]
                out = []
                for root in np.roots(coeffs):
                    if abs(root.imag) <= 1e-6 * (1 + abs(root)) and abs(root.real) <= 50:
                        out.append(_polish(u, mpmath.mpf(float(root.real))))
                return out
    except (sp.PolynomialError, TypeError, ValueError):
        pass
    fn = _numpy_or_none(u)
    if fn is None:
        return []
    vals = _np_values(fn, _ZERO_GRID)
    if vals is None:
        return []
    finite = np.isfinite(vals)
    out = [mpmath.mpf(float(_ZERO_GRID[i])) for i in np.nonzero(finite & (vals == 0))[0][:40]]
    change = np.nonzero(finite[:-1] & finite[1:] & (np.sign(vals[:-1]) * np.sign(vals[1:]) < 0))[0]
    # the zeros nearest to 0 first: sec(x**2) has ~800 in [-50, 50]
    change = sorted(change, key=lambda i: abs(_ZERO_GRID[i]))
    # vectorised float64 bisection of all brackets at once (an mpmath bisection per root
    # took seconds for large expressions); callers polish further where they need to
    idx = np.asarray(change[:limit], dtype=int)
    if idx.size:
        lo, hi = _ZERO_GRID[idx].copy(), _ZERO_GRID[idx + 1].copy()
        flo = vals[idx].copy()
        for _ in range(60):
            mid = (lo + hi) / 2
            fm = _np_values(fn, mid)
            if fm is None:
                break
            left = np.sign(fm) == np.sign(flo)
            lo = np.where(left, mid, lo)
            flo = np.where(left, fm, flo)
            hi = np.where(left, hi, mid)
        out.extend(mpmath.mpf(float(v)) for v in (lo + hi) / 2)
    absv = np.where(finite, np.abs(vals), np.inf)
    mins = np.nonzero((absv[1:-1] <= absv[:-2]) & (absv[1:-1] <= absv[2:]) & (absv[1:-1] < 1e-2))[0]
    mins = sorted(mins, key=lambda i: abs(_ZERO_GRID[i + 1]))
    for i in mins[:min(limit, 20)]:
        out.append(_polish(u, mpmath.mpf(float(_ZERO_GRID[i + 1]))))
    return out


def _polish(u, x0):
    try:
        return mpmath.findroot(lambda t: _real(_geval(u, {X: t})), x0)
    except (ValueError, ZeroDivisionError, TypeError, _NotReal, _Undetermined):
        return x0


def _critical_functions(expr):
    """(poles, domain): expressions whose real zeros are candidate poles of f, and
    expressions whose zeros bound the real domain of a sqrt/log/asin/acos/acosh/atanh."""
    poles, domain = [], []
    for node in sp.preorder_traversal(expr):
        if not node.has(X):
            continue
        if isinstance(node, sp.Pow):
            ex = node.exp
            if ex.is_number and ex.is_real and ex < 0:
                poles.append(node.base)
            if not (ex.is_Integer):
                domain.append(node.base)
        elif isinstance(node, (sp.tan, sp.sec)):
            poles.append(sp.cos(node.args[0]))
        elif isinstance(node, (sp.cot, sp.csc)):
            poles.append(sp.sin(node.args[0]))
        elif isinstance(node, (sp.coth, sp.csch)):
            poles.append(node.args[0])
        elif isinstance(node, sp.log):
            domain.append(node.args[0])
        elif isinstance(node, (sp.asin, sp.acos, sp.atanh)):
            domain.extend([node.args[0] - 1, node.args[0] + 1])
        elif isinstance(node, sp.acosh):
            domain.append(node.args[0] - 1)
    return poles[:20], domain[:20]


def _pole_problem(expr, r):
    """A phrase if f has a non-square-integrable singularity at r, else None.

    |f| ~ |x − r|^(−q) near r; f² is integrable iff q < 1/2.  The ratio
    |f(r ± 1e-7)| / |f(r ± 1e-3)| is 10^(4q): it exceeds 50 only when q > 0.42.
    """
    pole = f"has a pole at x = {_fx(r)}, where f^2 is not integrable (eta would be infinite)"
    v, problem = _value_at(expr, r)
    if problem is not None and problem.startswith("is not finite"):
        return pole
    if problem is not None and "grows too fast" not in problem:
        return problem
    for side in (1, -1):
        a, pa = _value_at(expr, r + side * mpmath.mpf(10) ** -7 * (1 + abs(r)))
        b, pb = _value_at(expr, r + side * mpmath.mpf(10) ** -3 * (1 + abs(r)))
        if pa is not None:
            return pa
        if pb is not None or a is None or b is None:
            continue
        if abs(a) > 1 and abs(a) > 50 * abs(b):
            return pole
    return None


def _singularity_problem(expr):
    poles, domain = _critical_functions(expr)
    for u in domain:
        zs = sorted(set(_zeros_numeric(u, limit=12)))
        probes = []
        for i, z in enumerate(zs):
            d = mpmath.mpf(10) ** -9 * (1 + abs(z))
            probes += [z - d, z, z + d]  # z itself: log|x - 0.3| is -inf there
            if i + 1 < len(zs):
                probes.append((z + zs[i + 1]) / 2)
        for p in probes:
            _, problem = _value_at(expr, p)
            if problem is not None:
                return problem
    for u in poles:
        for r in sorted(_zeros_numeric(u, limit=12), key=abs):
            problem = _pole_problem(expr, r)
            if problem is not None:
                return problem
    return None
