"""An mpmath evaluator of SymPy expressions in x, compiled into closures (never ``eval``)."""
from __future__ import annotations

import mpmath
import sympy as sp

from ..errors import ActivationError
from ..symbols import x as X


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
