"""Numeric code of an activation: float64 (numpy/scipy) and mpmath functions.

``sympy.lambdify`` with a printer that keeps the float64 code stable: softplus as
``logaddexp(0, u)``, Heaviside as ``numpy.heaviside``, Piecewise as ``numpy.select`` with
conditions printed as they are (SymPy's logic simplification can run for minutes), huge
integers as floats, and sec, csc, cot, sech, csch, coth written through cos, sin, cosh, sinh.
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.printing.numpy import SciPyPrinter

from ..symbols import x as X


class _StablePrinter(SciPyPrinter):
    """SciPy printer that writes log(1 + exp(u)) as logaddexp(0, u) (softplus without
    overflow for large u)."""

    def _print_log(self, expr):
        arg = expr.args[0]
        if isinstance(arg, sp.Add) and len(arg.args) == 2 and sp.S.One in arg.args:
            other = arg.args[0] if arg.args[1] == 1 else arg.args[1]
            if isinstance(other, sp.exp):
                return "{}(0, {})".format(self._module_format("numpy.logaddexp"),
                                          self._print(other.args[0]))
        return super()._print_log(expr)

    def _print_Heaviside(self, expr):
        # the default rewrites Heaviside(u) as a Piecewise and simplifies its condition
        # (as_set, periodicity: seconds, or worse, for u = tanh(He_6(x)) - ...)
        h0 = expr.args[1] if len(expr.args) > 1 else sp.Rational(1, 2)
        return "{}({}, {})".format(self._module_format("numpy.heaviside"),
                                   self._print(expr.args[0]), self._print(h0))

    # SymPy turns a Piecewise inside a condition into ITE, and NumPyPrinter then calls
    # simplify_logic on the condition, which can run for minutes (trigsimp/factor on
    # large integers, found by fuzzing); print conditions as they are, ITE as where().
    # integers beyond 2**53 (10**99, 1e300 read exactly) would be Python ints in the
    # generated code and turn numpy arrays into object arrays (ufunc TypeError, found by
    # fuzzing): print them, and rationals built from them, as float literals
    def _print_Integer(self, expr):
        if abs(int(expr.p)) > 2 ** 53:
            return repr(float(expr.p))
        return super()._print_Integer(expr)

    def _print_Rational(self, expr):
        if abs(int(expr.p)) > 2 ** 53 or int(expr.q) > 2 ** 53:
            return repr(float(expr))
        return super()._print_Rational(expr)

    def _print_ITE(self, expr):
        c, a, b = (self._print(arg) for arg in expr.args)
        return "{}({}, {}, {})".format(self._module_format("numpy.where"), c, a, b)

    def _print_Piecewise(self, expr):
        values = ", ".join(self._print(arg.expr) for arg in expr.args)
        conds = ", ".join(self._print(arg.cond) for arg in expr.args)
        return "{}([{}], [{}], default={})".format(
            self._module_format("numpy.select"), conds, values, self._print(sp.nan))


_RECIPROCALS = {sp.sec: lambda u: 1 / sp.cos(u), sp.csc: lambda u: 1 / sp.sin(u),
                sp.cot: lambda u: sp.cos(u) / sp.sin(u), sp.sech: lambda u: 1 / sp.cosh(u),
                sp.csch: lambda u: 1 / sp.sinh(u), sp.coth: lambda u: sp.cosh(u) / sp.sinh(u)}


def _reciprocal_form(expr):
    """sec, csc, cot, sech, csch, coth written through cos, sin, cosh, sinh.

    numpy has none of them and lambdify's fallback rewrites the whole argument in exp
    and log (x**2 becomes exp(2*log(x)), which is nan/complex for x < 0)."""
    if not expr.has(*_RECIPROCALS):
        return expr
    return expr.replace(lambda e: type(e) in _RECIPROCALS,
                        lambda e: _RECIPROCALS[type(e)](e.args[0]))


def _np_printer():
    """A fresh printer with lambdify's own settings (it collects the imports it needs)."""
    return _StablePrinter({"fully_qualified_modules": False, "inline": True,
                           "allow_unknown_functions": True, "user_functions": {}})


#: the namespace of generated float64 code: nothing but what the printer imports. Every
#: function is printed as ``numpy.f`` or ``scipy.special.f`` and imported one by one
#: (lambdify's "numpy"/"scipy" modules would run ``from numpy import *`` and
#: ``from scipy.special import *`` once per process: about 0.1 s of start-up)
_NP_NAMESPACE = {"I": 1j}


def numpy_lambdify(args, expr):
    """Vectorised float64 code of ``expr`` (numpy; scipy.special for erf, erfc), printed by
    :class:`_StablePrinter` with sec, csc, ... written through cos, sin, ...

    Only the functions the code calls are imported (the generated code is the same as with
    ``modules=["scipy", "numpy"]``).
    """
    return sp.lambdify(args, _reciprocal_form(expr), modules=[dict(_NP_NAMESPACE)],
                       printer=_np_printer())


def _numpy_or_none(expr, args=None):
    try:
        return numpy_lambdify(args if args is not None else X, expr)
    except Exception:  # noqa: BLE001 - unusual SymPy input: the dense scan is skipped
        return None


def _np_values(fn, grid, extra=()):
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(fn(grid, *extra))
        if np.iscomplexobj(out):
            bad = np.abs(out.imag) > 1e-12 * np.maximum(1.0, np.abs(out.real))
            out = np.where(bad, np.nan, out.real)
        return np.broadcast_to(out.astype(np.float64), grid.shape)
    except Exception:  # noqa: BLE001 - numpy cannot evaluate it: skip the scan
        return None
