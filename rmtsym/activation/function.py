"""The :class:`Activation`: an admissible f(x), its parameters and its numeric forms.

Immutable; built by :func:`rmtsym.activation.parse_activation`. It knows its SymPy
expression, free parameters, source text and name; gives values to parameters
(:meth:`Activation.subs`, re-checked), its float64 and mpmath functions and its kinks.
"""
from __future__ import annotations

import math
from fractions import Fraction
from numbers import Number

import mpmath
import numpy as np
import sympy as sp

from ..errors import ActivationError, ParameterError
from ..symbols import x as X
from .admissibility import _check_admissible, _check_structure, _safe_subs
from .compile import _reciprocal_form, numpy_lambdify
from .kinks import _abs_sign_free, _kink_arguments, _sort_key, _zeros_of
from .limits import _check_number, _decimal_literal, _fail


def _signed_decimal(text, name):
    """Exact rational from a signed decimal text ('-0.1' -> -1/10), or ParameterError."""
    t = text.strip()
    sign = -1 if t.startswith("-") else 1
    body = t[1:] if t[:1] in "+-" else t
    fraction = None
    if "/" in body:
        body, fraction = body.split("/", 1)
    try:
        v = _decimal_literal(body)
        if fraction is not None:
            d = _decimal_literal(fraction)
            if d == 0:
                raise ParameterError(f"the value of {name} divides by zero: {text!r}")
            v = v / d
    except ActivationError:
        raise ParameterError(f"the value of {name} must be a number, got {text!r}") from None
    return sign * v


def _to_rational(value, name):
    if isinstance(value, bool):
        raise ParameterError(f"the value of {name} must be a number, got {value!r}")
    if isinstance(value, sp.Basic):
        v = sp.sympify(value)
        if not v.is_number or v.has(sp.I) or v.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            raise ParameterError(f"the value of {name} must be a finite real number, got {value}")
        return v
    if isinstance(value, int):
        return _check_number(sp.Integer(value))
    if isinstance(value, Fraction):
        return _check_number(sp.Rational(value.numerator, value.denominator))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(f"the value of {name} must be finite, got {value!r}")
        return _signed_decimal(repr(value), name)
    if isinstance(value, str):
        return _signed_decimal(value, name)
    if isinstance(value, Number):
        try:
            f = float(value)
        except (TypeError, ValueError):
            f = float("nan")
        if not math.isfinite(f):
            raise ParameterError(f"the value of {name} must be a finite real number, got {value!r}")
        return _signed_decimal(repr(f), name)
    raise ParameterError(f"the value of {name} must be a number, got {type(value).__name__}")


class Activation:
    r"""An admissible activation f(x), built by :func:`parse_activation`.

    Immutable.  f(σZ) is real, finite and square-integrable against the Gaussian, so the
    Pennington–Worah moments η = Var f(σZ) and ζ = (E[Z f(σZ)])² (NeurIPS 2017) exist.

    Attributes
    ----------
    expr : sympy.Expr
        f as a SymPy expression in :data:`rmtsym.symbols.x`.
    params : tuple of sympy.Symbol
        Free real parameters, sorted by name.
    source : str
        The text given (or the ``sstr`` of a SymPy expression).
    name : str
        The shortcut name if the whole spec was one (``"relu"``), else the source.
    """

    __slots__ = ("expr", "params", "source", "name")

    def __init__(self, expr, params=(), source=None, name=None):
        object.__setattr__(self, "expr", expr)
        object.__setattr__(self, "params", tuple(sorted(params, key=lambda s: s.name)))
        src = sp.sstr(expr) if source is None else str(source)
        object.__setattr__(self, "source", src)
        object.__setattr__(self, "name", src if name is None else str(name))

    def __setattr__(self, key, value):
        raise AttributeError("Activation objects are immutable")

    def __delattr__(self, key):
        raise AttributeError("Activation objects are immutable")

    def __eq__(self, other):
        if isinstance(other, Activation):
            return self.expr == other.expr
        return NotImplemented

    def __hash__(self):
        return hash(("Activation", self.expr))

    def __repr__(self):
        if self.name == sp.sstr(self.expr):
            return f"Activation({self.name!r})"
        return f"Activation({self.name!r}: {sp.sstr(self.expr)})"

    def __reduce__(self):
        return (Activation, (self.expr, self.params, self.source, self.name))

    @property
    def is_polynomial(self) -> bool:
        """True if f is a polynomial in x (coefficients may hold parameters)."""
        return bool(self.expr.is_polynomial(X))

    def latex(self) -> str:
        """LaTeX of f(x)."""
        return sp.latex(self.expr)

    def _repr_latex_(self) -> str:
        return f"$f(x) = {self.latex()}$"

    def subs(self, values) -> "Activation":
        """Give values to parameters; returns a new, re-checked Activation.

        Parameters
        ----------
        values : dict
            Maps a parameter (its name or its Symbol) to a real number (int, float,
            Fraction, decimal string, or SymPy number).  Floats and decimal strings are
            taken exactly from their decimal text (0.1 → 1/10).
        """
        if not isinstance(values, dict):
            raise ParameterError("parameter values must be given as a dict {name: number}")
        by_name = {p.name: p for p in self.params}
        mapping = {}
        for key, val in values.items():
            kname = key.name if isinstance(key, sp.Symbol) else key
            if not isinstance(kname, str) or kname not in by_name:
                listed = ", ".join(by_name) or "none"
                raise ParameterError(f"the activation has no parameter named {kname!r} "
                                     f"(its parameters: {listed})")
            mapping[by_name[kname]] = _to_rational(val, kname)
        if not mapping:
            return self
        expr = _safe_subs(self.expr, mapping)
        _check_structure(expr)
        rest = tuple(p for p in self.params if p not in mapping)
        _check_admissible(expr, rest)
        shown = ", ".join(f"{p.name}={mapping[p]}" for p in self.params if p in mapping)
        return Activation(expr, rest, self.source, f"{self.name} [{shown}]")

    def _require_numeric(self, what):
        if self.params:
            names = ", ".join(p.name for p in self.params)
            _fail(f"{what} needs values for the parameters {names}; use .subs({{...}}) first")

    def numpy_function(self):
        """Vectorised float64 f via ``sympy.lambdify`` (numpy, scipy.special for erf).

        Returns a function of an array (or scalar) returning a float64 array of the same
        shape.  Raises ActivationError if free parameters remain.
        """
        self._require_numeric("numpy_function")
        # log(1 + exp(u)) is printed as logaddexp(0, u): softplus does not overflow
        raw = numpy_lambdify(X, self.expr)

        def f(xs):
            arr = np.asarray(xs, dtype=np.float64)
            # numpy.select evaluates every Piecewise branch everywhere (log(1 - x) for
            # x > 1 in an unused branch): those warnings are noise for an admissible f
            with np.errstate(all="ignore"):
                out = raw(arr)
            out = np.asarray(out)
            if np.iscomplexobj(out):
                out = out.real
            out = np.broadcast_to(out.astype(np.float64, copy=False), arr.shape)
            return np.array(out, dtype=np.float64)

        f.__name__ = "activation"
        f.__doc__ = f"f(x) = {sp.sstr(self.expr)} (float64, vectorised)"
        return f

    def mpmath_function(self):
        """Scalar mpmath f(x) at the current ``mpmath.mp.dps``; free parameters refused."""
        self._require_numeric("mpmath_function")
        raw = sp.lambdify(X, _reciprocal_form(self.expr), modules="mpmath")

        def f(xv):
            return raw(mpmath.mpf(xv) if not isinstance(xv, mpmath.mpf) else xv)

        f.__name__ = "activation"
        return f

    def breakpoints(self) -> list:
        """x-locations of kinks and jumps of f.

        Zeros of the arguments of Abs, sign and Heaviside, the switching points of
        Max/Min (zeros of pairwise differences of their branches) and the boundary
        points of Piecewise conditions.  Zeros are exact for polynomial arguments (in the
        parameters too) and for a + b·F(v) with F in exp, log, tanh, erf, erfc, sinh,
        asinh, atan or an odd power, solved through F⁻¹ (``Max(exp(x), 2)`` gives
        log(2), ``Heaviside(tanh(x) - a)`` gives atanh(a)).  Other zeros of
        parameter-free arguments are located numerically in [−50, 50] and returned as
        50-digit ``sympy.Float`` (``Abs(sin(x))`` gives the multiples of π there);
        other zeros of arguments with parameters are not located.  Sorted by value when
        all are numbers (numeric ones first otherwise); candidates where f happens to
        stay smooth may be included.
        """
        exact, numeric, seen = [], [], set()
        for u in _kink_arguments(self.expr):
            for v in _abs_sign_free(u):
                for r in _zeros_of(v, self.params):
                    if r.is_Float:
                        numeric.append(r)
                        continue
                    if not r.is_number and sp.count_ops(r) < 40:
                        # cancel, not simplify: simplify's trigsimp ran for minutes on
                        # erfcinv(csc(10**9*E)*tanh(sin(a))) (fuzzing)
                        r = sp.cancel(r)
                    if r not in seen:
                        seen.add(r)
                        exact.append(r)
        # numerically located points are kept unless an exact point (or an earlier
        # numerical one) lies within 1e-20 relative of them
        known = [float(r) for r in exact if r.is_number]
        out = list(exact)
        for r in numeric:
            fr = float(r)
            if all(abs(fr - k) > 1e-12 * (1 + abs(k)) for k in known):
                known.append(fr)
                out.append(r)
        return sorted(out, key=_sort_key)
