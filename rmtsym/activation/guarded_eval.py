"""A guarded evaluator of SymPy expressions at real points that never hangs.

The numerical checks never call mpmath on astronomically large numbers: a formula such as
exp(exp(exp(exp(x)))) would make mpmath.exp work with a 10**476-bit exponent and hang.
:func:`_geval` walks the SymPy tree itself and stops at exp(u), cosh(u), sinh(u), b**u with
|u·log b| > 1e15 (the value is then +inf or 0: far beyond any double) and at sin/cos/tan
of |u| > 1e15 (undetermined). :func:`_value_at` turns a value into the phrase of an error
message; :func:`_check_constant` refuses a constant subexpression that is not a moderate
real number while the formula is built.
"""
from __future__ import annotations

import mpmath
import sympy as sp

from ..symbols import x as X
from .limits import _fail


class _NotReal(Exception):
    """A complex value where a real one is needed."""


class _Undetermined(Exception):
    """The guarded evaluator cannot decide the value at this point."""


_HUGE = mpmath.mpf(10) ** 15
_TRIG_LIMIT = mpmath.mpf(10) ** 15
_TINY_IMAG = mpmath.mpf(10) ** -12

_MP_UNARY = {
    sp.sin: mpmath.sin, sp.cos: mpmath.cos, sp.tan: mpmath.tan, sp.sec: mpmath.sec,
    sp.csc: mpmath.csc, sp.cot: mpmath.cot, sp.asin: mpmath.asin, sp.acos: mpmath.acos,
    sp.atan: mpmath.atan, sp.asinh: mpmath.asinh, sp.acosh: mpmath.acosh,
    sp.atanh: mpmath.atanh,
}
_TRIG = (sp.sin, sp.cos, sp.tan, sp.sec, sp.csc, sp.cot)
_HYP = {sp.sinh: mpmath.sinh, sp.cosh: mpmath.cosh, sp.tanh: mpmath.tanh,
        sp.sech: mpmath.sech, sp.csch: mpmath.csch, sp.coth: mpmath.coth}


def _real(v):
    """The real part of v; _NotReal if v has a non-negligible imaginary part."""
    if isinstance(v, mpmath.mpc):
        if v.imag != 0 and abs(v.imag) > _TINY_IMAG * max(1, abs(v.real)):
            raise _NotReal()
        return v.real
    return v


def _bad(v):
    return mpmath.isnan(v) or mpmath.isinf(v)


_MP_CONSTANTS = {sp.pi: lambda: +mpmath.pi, sp.E: lambda: +mpmath.e,
                 sp.EulerGamma: lambda: +mpmath.euler, sp.Catalan: lambda: +mpmath.catalan,
                 sp.GoldenRatio: lambda: +mpmath.phi}
_CONST_CACHE: dict = {}


def _geval(expr, env):
    """Guarded mpmath value of a SymPy expression (see the comment above).

    ``env`` maps symbols to mpf values; the key ``"overflow"`` is set to True when a
    value was replaced by inf because it was astronomically large.  Values of x-free
    subexpressions are cached per precision (the checks evaluate f at ~1000 points).
    """
    if expr.is_Symbol:
        return env[expr]
    if not expr.is_Atom and not expr.free_symbols:
        key = (expr, mpmath.mp.prec)
        hit = _CONST_CACHE.get(key)
        if hit is None:
            sub = {"overflow": False}
            value = _geval_node(expr, sub)
            hit = (value, sub["overflow"])
            if len(_CONST_CACHE) > 4096:
                _CONST_CACHE.clear()
            _CONST_CACHE[key] = hit
        if hit[1]:
            env["overflow"] = True
        return hit[0]
    return _geval_node(expr, env)


def _geval_node(expr, env):
    if expr.is_Symbol:
        return env[expr]
    if expr.is_Number:
        if expr.is_Rational:
            return mpmath.mpf(int(expr.p)) / int(expr.q)
        if expr.is_Float:
            return mpmath.mpf(expr._mpf_)
        if expr is sp.oo:
            return mpmath.inf
        if expr is sp.nan:
            return mpmath.nan
        raise _Undetermined()
    if expr.is_NumberSymbol:
        if expr in _MP_CONSTANTS:
            return _MP_CONSTANTS[expr]()
        return mpmath.mpf(sp.Float(expr, mpmath.mp.dps + 5)._mpf_)
    if isinstance(expr, sp.Add):
        total = mpmath.mpf(0)
        for a in expr.args:
            total = total + _geval(a, env)
        return total
    if isinstance(expr, sp.Mul):
        prod = mpmath.mpf(1)
        for a in expr.args:
            prod = prod * _geval(a, env)
        return prod
    if isinstance(expr, sp.Pow):
        b = _geval(expr.base, env)
        e = _geval(expr.exp, env)
        if _bad(b) or _bad(e):
            if mpmath.isnan(b) or mpmath.isnan(e):
                return mpmath.nan
            try:
                return mpmath.power(b, e)
            except (ValueError, ZeroDivisionError):
                return mpmath.nan
        if b == 0:
            re_e = _real(e)
            return mpmath.inf if re_e < 0 else (mpmath.mpf(0) if re_e > 0 else mpmath.mpf(1))
        growth = mpmath.re(e) * mpmath.log(abs(b))
        if abs(mpmath.im(e)) * abs(mpmath.log(abs(b))) > _HUGE:
            raise _Undetermined()
        if growth > _HUGE:
            env["overflow"] = True
            return mpmath.inf
        if growth < -_HUGE:
            return mpmath.mpf(0)
        return mpmath.power(b, e)
    if isinstance(expr, sp.exp):
        u = _geval(expr.args[0], env)
        if mpmath.isnan(u):
            return mpmath.nan
        if mpmath.re(u) > _HUGE:
            env["overflow"] = True
            return mpmath.inf
        if mpmath.re(u) < -_HUGE:
            return mpmath.mpf(0)
        if abs(mpmath.im(u)) > _TRIG_LIMIT:
            raise _Undetermined()
        return mpmath.exp(u)
    if type(expr) in _HYP:
        u = _geval(expr.args[0], env)
        if mpmath.isnan(u):
            return mpmath.nan
        if isinstance(u, mpmath.mpf) and abs(u) > _HUGE:
            s = mpmath.sign(u)
            if isinstance(expr, (sp.sinh, sp.cosh)):
                env["overflow"] = True
            return {sp.sinh: s * mpmath.inf, sp.cosh: mpmath.inf, sp.tanh: s,
                    sp.sech: mpmath.mpf(0), sp.csch: mpmath.mpf(0), sp.coth: s}[type(expr)]
        try:
            return _HYP[type(expr)](u)
        except ZeroDivisionError:
            return mpmath.inf
    if isinstance(expr, (sp.erf, sp.erfc)):
        u = _geval(expr.args[0], env)
        if mpmath.isnan(u):
            return mpmath.nan
        if isinstance(u, mpmath.mpf) and abs(u) > _HUGE:
            s = mpmath.sign(u)
            return mpmath.mpf(s) if isinstance(expr, sp.erf) else mpmath.mpf(1 - s)
        return mpmath.erf(u) if isinstance(expr, sp.erf) else mpmath.erfc(u)
    if isinstance(expr, sp.log):
        args = [_geval(a, env) for a in expr.args]
        vals = []
        for a in args:
            if mpmath.isnan(a):
                return mpmath.nan
            if a == 0:
                vals.append(-mpmath.inf)
            elif mpmath.isinf(a):
                if a < 0:
                    raise _NotReal()
                vals.append(mpmath.inf)
            else:
                vals.append(mpmath.log(a))
        return vals[0] if len(vals) == 1 else vals[0] / vals[1]
    if isinstance(expr, sp.Abs):
        return abs(_geval(expr.args[0], env))
    if isinstance(expr, sp.sign):
        u = _real(_geval(expr.args[0], env))
        return mpmath.nan if mpmath.isnan(u) else mpmath.mpf(mpmath.sign(u))
    if isinstance(expr, sp.Heaviside):
        u = _real(_geval(expr.args[0], env))
        if mpmath.isnan(u):
            return mpmath.nan
        if u != 0:
            return mpmath.mpf(1 if u > 0 else 0)
        return _geval(expr.args[1], env) if len(expr.args) > 1 else mpmath.mpf(0.5)
    if isinstance(expr, (sp.Max, sp.Min)):
        vals = [_real(_geval(a, env)) for a in expr.args]
        if any(mpmath.isnan(v) for v in vals):
            return mpmath.nan
        return max(vals) if isinstance(expr, sp.Max) else min(vals)
    if isinstance(expr, sp.Piecewise):
        for val, cond in expr.args:
            if _gcond(cond, env):
                return _geval(val, env)
        return mpmath.nan
    if type(expr) in _MP_UNARY:
        u = _geval(expr.args[0], env)
        if mpmath.isnan(u):
            return mpmath.nan
        if mpmath.isinf(u):
            if isinstance(expr, sp.atan):
                return mpmath.sign(u) * mpmath.pi / 2
            if isinstance(expr, sp.asinh):
                return u
            if isinstance(expr, sp.acosh) and u > 0:
                return u
            raise _Undetermined()
        if isinstance(expr, _TRIG) and abs(u) > _TRIG_LIMIT:
            raise _Undetermined()
        try:
            return _MP_UNARY[type(expr)](u)
        except ZeroDivisionError:
            return mpmath.inf
        except (ValueError, TypeError):
            raise _Undetermined() from None
    # any other SymPy function (SymPy input only): evaluate through SymPy at moderate args
    args = [_geval(a, env) for a in expr.args]
    if any(_bad(a) or abs(a) > _TRIG_LIMIT for a in args):
        raise _Undetermined()
    try:
        sargs = [sp.Float(a, mpmath.mp.dps) if isinstance(a, mpmath.mpf)
                 else sp.Float(a.real, mpmath.mp.dps) + sp.I * sp.Float(a.imag, mpmath.mp.dps)
                 for a in args]
        val = sp.N(expr.func(*sargs), mpmath.mp.dps)
        re_part, im_part = val.as_real_imag()
        re_v = mpmath.mpf(sp.Float(re_part, mpmath.mp.dps)._mpf_)
        if im_part != 0:
            return mpmath.mpc(re_v, mpmath.mpf(sp.Float(im_part, mpmath.mp.dps)._mpf_))
        return re_v
    except Exception:  # noqa: BLE001 - an unusual SymPy function: leave it undecided
        raise _Undetermined() from None


def _gcond(cond, env):
    if cond is sp.true:
        return True
    if cond is sp.false:
        return False
    if isinstance(cond, sp.And):
        return all(_gcond(c, env) for c in cond.args)
    if isinstance(cond, sp.Or):
        return any(_gcond(c, env) for c in cond.args)
    if isinstance(cond, sp.Not):
        return not _gcond(cond.args[0], env)
    if isinstance(cond, sp.Rel):
        a = _real(_geval(cond.lhs, env))
        b = _real(_geval(cond.rhs, env))
        if mpmath.isnan(a) or mpmath.isnan(b):
            raise _Undetermined()
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b,
                "==": a == b, "!=": a != b}[cond.rel_op]
    raise _Undetermined()


def _fx(xv) -> str:
    return mpmath.nstr(xv, 6)


def _value_at(expr, xv):
    """(value, problem): the guarded real value at xv, or a phrase for the error message."""
    env = {X: mpmath.mpf(xv)}
    try:
        v = _real(_geval(expr, env))
    except _NotReal:
        return None, f"is not real at x = {_fx(xv)}"
    except _Undetermined:
        return None, None
    except (ValueError, TypeError, ArithmeticError):
        return None, f"cannot be evaluated at x = {_fx(xv)}"
    if mpmath.isnan(v):
        return v, f"is undefined at x = {_fx(xv)}"
    if mpmath.isinf(v):
        if env.get("overflow"):
            return v, (f"grows too fast: it is beyond exp(1e15) at x = {_fx(xv)}, so f(sigma Z)^2 "
                       f"is not integrable against the Gaussian")
        return v, f"is not finite at x = {_fx(xv)}"
    return v, None


#: largest |constant| accepted inside a formula
MAX_CONSTANT = mpmath.mpf(10) ** 300


def _check_constant(c) -> None:
    """Refuse a constant subexpression that is not a moderate real number.

    Called on every x-free, parameter-free, non-rational node while the formula is built,
    before SymPy uses it: SymPy's comparisons, Max/Min, sign, Abs, sqrt... call ``evalf``
    on their numeric arguments, which hangs on numbers like (7e/3)**(10**99) (found by
    fuzzing).  The guarded evaluator ``_geval`` stops at e^(1e15) instead.  Cost: each
    check walks its subtree, so at most MAX_NODES·MAX_DEPTH mpmath operations in all.
    """
    shown = sp.sstr(c)[:60]
    if c.has(sp.I):
        _fail(f"the constant {shown} in the activation is not a real number")
    if c.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        _fail(f"the constant {shown} in the activation is infinite or undefined")
    env = {"overflow": False}
    try:
        with mpmath.workdps(20):
            v = _geval(c, env)
            if isinstance(v, mpmath.mpc):
                if v.imag != 0 and abs(v.imag) > _TINY_IMAG * max(1, abs(v.real)):
                    _fail(f"the constant {shown} in the activation is not a real number")
                v = v.real
    except _NotReal:
        _fail(f"the constant {shown} in the activation is not a real number")
    except _Undetermined:
        _fail(f"the constant {shown} in the activation cannot be evaluated")
    except (ZeroDivisionError, OverflowError, ValueError, TypeError):
        _fail(f"the constant {shown} in the activation cannot be evaluated")
    if mpmath.isnan(v):
        _fail(f"the constant {shown} in the activation is undefined")
    if env.get("overflow") or mpmath.isinf(v) or abs(v) > MAX_CONSTANT:
        _fail(f"the constant {shown} in the activation is too large (above 1e300, "
              f"or an intermediate value above e^(1e15))")
