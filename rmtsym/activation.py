r"""Activation functions: safe parsing, named shortcuts, parameters.

Pennington & Worah (NeurIPS 2017) show that the spectrum of M = YYᵀ/m with Y = f(WX)
depends on the activation f only through the Gaussian moments η = Var f(σZ) and
ζ = (E[Z f(σZ)])².  This module turns what a user types into the SymPy expression
f(x) that :mod:`rmtsym.gaussian` integrates, and checks that f is an admissible
activation: real and finite on the whole line and square-integrable against every
Gaussian.

Parsing never evaluates user text
---------------------------------
SymPy's ``sympify`` and ``parse_expr`` call Python's ``eval``.  Here the text is parsed
with :func:`ast.parse` (``mode="eval"``) and the tree is walked with a whitelist; the
SymPy expression is built bottom-up from the allowed nodes only:

* numbers: ``int`` and ``float`` literals, decimals taken *exactly* from their text
  (``0.1`` is ``1/10``); no strings, bytes, complex numbers, ``None``;
* operators ``+ - * / **`` and unary ``+ -``; ``^`` is refused (write ``**``);
* calls of whitelisted functions by name, positional arguments only:
  ``Max, Min, Abs, Heaviside, sign, Piecewise, exp, log, sqrt, erf, erfc, sin, cos,
  tan, sinh, cosh, tanh, asin, acos, atan, asinh, acosh, atanh, sec, csc, cot, sech,
  csch, coth`` and the lowercase aliases ``max, min, abs``;
* inside ``Piecewise`` only: ``(value, condition)`` tuples, comparisons
  ``< <= > >=`` (chained too), ``True``, and ``and``/``or``/``&``/``|`` of comparisons;
* names: ``x`` (the variable), constants ``pi``, ``E`` and ``e`` (both Euler's number),
  the named shortcuts below, and parameters.

Everything else (attributes, subscripts, lambdas, comprehensions, keywords, ``*args``,
conditional expressions, strings, dunder names, unknown functions) raises
:class:`~rmtsym.errors.ActivationError` naming the problem.  Resource attacks are
bounded before SymPy sees them: the text is at most :data:`MAX_TEXT` characters, the tree
at most :data:`MAX_NODES` nodes and :data:`MAX_DEPTH` levels, numeric exponents at most
:data:`MAX_EXPONENT` in size and exact numbers at most :data:`MAX_BITS` bits (so
``9**9**9**9`` and ``x**10**10**10`` are refused at once, not computed); one ``Max`` or
``Min`` takes at most :data:`MAX_LATTICE_ARGS` arguments, nested ones flattened (SymPy
compares the arguments pairwise: a dozen quadratic ones take seconds), and a formula
holds at most :data:`MAX_KINK_CALLS` Max/Min/Piecewise/relu-type pieces.  Every constant
subexpression (x- and parameter-free) is evaluated, while the tree is built, by a guarded
evaluator and must be a real number of size at most :data:`MAX_CONSTANT` (10³⁰⁰), because
SymPy's comparisons, ``Max``, ``sqrt``, ... call ``evalf`` on their numeric arguments and
that hangs on numbers such as (7e/3)**(10**99); powers whose expansion would create
integers of more than about 600 digits are refused too (SymPy may try to factor them).
Integer literals must be decimal (no ``0x``/``0o``/``0b``).  The polynomial degree a
formula builds up is bounded by :data:`MAX_DEGREE` before it is built (SymPy would
combine ``((x**100)**100)**100`` into x**1000000; ``hermite(60, hermite(60))`` has degree
3600).

Parameters
----------
With ``params=None`` every other valid identifier (ASCII letters, digits and ``_``, not
starting with ``_``) that is not a function, a constant or a shortcut becomes a free real
parameter ``Symbol(name, real=True)``: ``Max(x, a*x)`` has the parameter ``a``.  Names
that read as a second variable — ``y, z, t, u, v, w``, their capitals, ``x1``, ``x_2`` —
are refused ("'y' looks like a second variable") unless declared in ``params``.  Pass
``params`` to be strict — then any other name is an error ("unknown name 'b'; the
variable is x and the parameters are a").  Names of functions
and constants (``e``, ``E``, ``pi``, ``exp``, ...) are never parameters, and the names
``sigma, sigma_w, sigma_x, eta, zeta, phi, psi`` are reserved for the quantities rmtsym
computes; ``I``, ``oo``, ``nan``, ``inf``, ``zoo`` are refused (no complex numbers or
infinities).

Named shortcuts
---------------
=================  =======================================================
``relu``           Max(x, 0)
``leaky_relu``     Max(x, a·x) with free slope ``a``; ``leaky_relu(0.1)`` numeric slope
``abs``            Abs(x)
``tanh``, ``erf``  tanh(x), erf(x)
``sigmoid``        1/(1 + exp(−x))
``softplus``       log(1 + exp(x))
``gelu``           x·(1 + erf(x/√2))/2  (exactly x·Φ(x))
``silu``/``swish`` x/(1 + exp(−x))
``elu``            Piecewise((x, x > 0), (α(exp(x) − 1), True)), α = 1; ``elu(alpha)``
``hard_tanh``      Max(−1, Min(1, x))
``linear``         x
``hermite(k)``     probabilists' He_k(x), 1 ≤ k ≤ :data:`MAX_HERMITE` (He_0 = 1 is constant)
=================  =======================================================

A bare name means the function applied to ``x`` — as the whole formula (``"tanh"``,
``"sin"``) or inside one (``"relu + x/10"``).  A non-parametric shortcut called with one
argument is composed with it: ``relu(2*x)`` is Max(2x, 0).  The parametric shortcuts
take their parameter first and an optional input second, like SymPy's ``hermite(n, x)``:
``leaky_relu(s)``, ``leaky_relu(s, u)``, ``elu(alpha)``, ``elu(alpha, u)``,
``hermite(k)``, ``hermite(k, u)``.

Admissibility
-------------
f(σZ) must be square-integrable for every σ > 0 (η, ζ are defined by Gaussian integrals),
so the parsed f is checked numerically (with free parameters set in turn to a few sample
values; the activation is accepted if one sample passes, and re-checked by
:meth:`Activation.subs`):

* f depends on x (a constant activation has η = 0 and is refused);
* f is real and finite at x = 0, ±0.5, ±1.3, ±3, ±7, ±2^k (k = 3…13), on a float64 scan
  of [−10, 10] with step 0.025 (suspicious points re-checked with mpmath), next to every
  real zero of the argument of sqrt/fractional powers, log, asin, acos, acosh, atanh
  (so ``sqrt((x - 0.2)*(x - 0.3))`` is refused), and at the real zeros in [−50, 50]
  nearest to 0 (up to 12 per function) of every denominator, of cos inside tan/sec, of
  sin inside cot/csc and of the argument of coth/csch (so ``1/(x - 0.3)``, ``1/(x**2 - 0.6*x + 0.09)``, ``tan(x)`` and
  ``x/(exp(x) - 2)`` are refused).  f must be finite at *every* point: even integrable
  singularities such as log|x| or |x|^(−1/4) are refused, and so is a removable one
  written as 0/0 (``sin(x)/x`` is undefined at 0);
* log|f(x)| grows slower than x²: at x = ±2^k (k = 3…13) and at ±10⁶, ±2·10⁶ the local
  growth exponent p = log₂(L(2x)/L(x)), L = log|f|, must stay below 1.9 once L > 8.  This
  refuses ``exp(x**2)``, ``exp(x**2/100)``, ``exp(0.001*x**2 + 10*x)``, ``exp(x**3)``,
  ``exp(exp(x))``, while ``exp(100*x)`` and ``exp(Abs(x)**1.5)`` are accepted.

The checks never hang: they use a guarded mpmath evaluator that treats exp(u), cosh(u),
b**u beyond exp(10¹⁵) as +inf (refusing ``exp(exp(exp(exp(x))))`` at once, where
mpmath itself would run for hours) and float64 numpy scans.  They are numerical sample
checks, not proofs: a function that misbehaves only between the sample points, away from
the located zeros, is not detected here (the quadrature in :mod:`rmtsym.gaussian` has its
own checks).
"""
from __future__ import annotations

import ast
import math
import re
import warnings
from fractions import Fraction
from numbers import Number

import mpmath
import numpy as np
import sympy as sp
from sympy.printing.numpy import SciPyPrinter

from . import symbols
from .errors import ActivationError, ParameterError

__all__ = ["Activation", "parse_activation", "SHORTCUTS", "FUNCTIONS", "MAX_TEXT",
           "MAX_NODES", "MAX_DEPTH", "MAX_EXPONENT", "MAX_BITS", "MAX_HERMITE",
           "MAX_LATTICE_ARGS", "MAX_KINK_CALLS"]

X = symbols.x

#: longest accepted formula (characters)
MAX_TEXT = 2000
#: most AST nodes in a formula
MAX_NODES = 1000
#: deepest AST nesting
MAX_DEPTH = 100
#: largest |numeric exponent| (x**100 is fine, x**101 is refused)
MAX_EXPONENT = 100
#: largest exact number (numerator and denominator bits, ~300 decimal digits: SymPy may
#: factor the integers of a formula when it simplifies, and that hangs on huge ones)
MAX_BITS = 1000
#: highest Hermite degree
MAX_HERMITE = 60
#: largest |decimal exponent| in a float literal (1e300)
MAX_DECIMAL_EXPONENT = 300
#: longest parameter name
MAX_NAME = 40
#: most arguments of one Max/Min (after flattening nested ones)
MAX_LATTICE_ARGS = 8
#: most Max/Min/Piecewise (and relu-type shortcut) pieces in one formula
MAX_KINK_CALLS = 24
#: largest polynomial degree a formula may build up (``((x**100)**100)**100`` is x**10**6,
#: ``hermite(60, hermite(60))`` has degree 3600: both are refused before they are built)
MAX_DEGREE = 1000

_UNARY = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "erf": sp.erf, "erfc": sp.erfc,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sinh": sp.sinh, "cosh": sp.cosh,
    "tanh": sp.tanh, "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh, "sec": sp.sec,
    "csc": sp.csc, "cot": sp.cot, "sech": sp.sech, "csch": sp.csch, "coth": sp.coth,
    "Abs": sp.Abs, "abs": sp.Abs, "sign": sp.sign, "Heaviside": sp.Heaviside,
}
#: functions accepted in formulas (shortcuts aside)
FUNCTIONS = tuple(sorted(set(_UNARY) | {"Max", "Min", "max", "min", "Piecewise"}))

_CONSTANTS = {"pi": sp.pi, "E": sp.E, "e": sp.E}
_REFUSED = {
    "I": "complex numbers are not allowed in an activation",
    "j": None,  # plain parameter; listed so the rule below is explicit
    "oo": "infinities are not allowed in an activation",
    "inf": "infinities are not allowed in an activation",
    "zoo": "infinities are not allowed in an activation",
    "nan": "nan is not allowed in an activation",
    "NaN": "nan is not allowed in an activation",
    "infinity": "infinities are not allowed in an activation",
}
_REFUSED = {k: v for k, v in _REFUSED.items() if v is not None}
_RESERVED = {"sigma", "sigma_w", "sigma_x", "eta", "zeta", "phi", "psi"}
#: default name of the leaky-ReLU slope
LEAKY_SLOPE = "a"


def _hermite_prob(k: int, u):
    """Probabilists' Hermite polynomial He_k(u): He_{k+1} = u He_k − k He_{k−1}.

    The recursion runs on integer coefficient lists (SymPy's ``expand`` at every step
    takes seconds for k = 60); the result is the expanded polynomial in u.
    """
    prev, cur = [1], [0, 1]  # coefficients of He_0, He_1 in increasing powers
    if k == 0:
        return sp.Integer(1)
    for j in range(1, k):
        nxt = [0] + cur  # u * He_j
        for i, c in enumerate(prev):
            nxt[i] -= j * c
        prev, cur = cur, nxt
    return sp.Add(*[sp.Integer(c) * u ** i for i, c in enumerate(cur) if c])


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


def _sc_relu(u):
    return sp.Max(u, 0)


def _sc_sigmoid(u):
    return 1 / (1 + sp.exp(-u))


def _sc_softplus(u):
    return sp.log(1 + sp.exp(u))


def _sc_gelu(u):
    return u * (1 + sp.erf(u / sp.sqrt(2))) / 2


def _sc_silu(u):
    return u / (1 + sp.exp(-u))


def _sc_hard_tanh(u):
    return sp.Max(-1, sp.Min(1, u))


def _sc_linear(u):
    return u


_SIMPLE_SHORTCUTS = {
    "relu": _sc_relu, "sigmoid": _sc_sigmoid, "softplus": _sc_softplus, "gelu": _sc_gelu,
    "silu": _sc_silu, "swish": _sc_silu, "hard_tanh": _sc_hard_tanh, "hardtanh": _sc_hard_tanh,
    "linear": _sc_linear, "identity": _sc_linear,
}
_PARAM_SHORTCUTS = {"leaky_relu", "elu", "hermite"}
#: named shortcut activations
SHORTCUTS = tuple(sorted(set(_SIMPLE_SHORTCUTS) | _PARAM_SHORTCUTS | {"abs", "tanh", "erf"}))
_KNOWN = set(FUNCTIONS) | set(_SIMPLE_SHORTCUTS) | _PARAM_SHORTCUTS | set(_CONSTANTS)

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_DECIMAL = re.compile(r"(?P<int>[0-9_]*)(?:\.(?P<frac>[0-9_]*))?(?:[eE](?P<exp>[+-]?[0-9_]+))?\Z")
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CMP = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge}
_NODE_WORDS = {
    "Attribute": "attribute access (a.b) is", "Subscript": "indexing (a[b]) is",
    "Lambda": "lambda functions are", "ListComp": "comprehensions are",
    "SetComp": "comprehensions are", "DictComp": "comprehensions are",
    "GeneratorExp": "generator expressions are",
    "IfExp": "conditional expressions (a if b else c; use Piecewise) are",
    "List": "lists are", "Set": "sets are", "Dict": "dictionaries are",
    "JoinedStr": "strings are", "FormattedValue": "strings are",
    "Starred": "starred arguments are", "NamedExpr": "assignments (:=) are",
    "Await": "await is", "Yield": "yield is", "YieldFrom": "yield is", "Slice": "slices are",
}


def _fail(msg: str):
    raise ActivationError(msg)


# ------------------------------------------------------------------ number guards

def _check_number(value):
    """Refuse exact numbers beyond MAX_BITS bits (resource guard).

    Looks at a rational value, the rational coefficient of a product (x*10**99*10**99...
    or (10**99*x)**100, which SymPy distributes) and those of the terms of a sum."""
    terms = value.args if isinstance(value, sp.Add) else (value,)
    for term in terms:
        r = term if isinstance(term, sp.Rational) else \
            term.as_coeff_Mul()[0] if isinstance(term, sp.Mul) else None
        if isinstance(r, sp.Rational) and (int(r.p).bit_length() > MAX_BITS
                                           or int(r.q).bit_length() > MAX_BITS):
            _fail("a number in the activation is too large (more than about 300 digits)")
    return value


def _bits(r: sp.Rational) -> int:
    return max(int(r.p).bit_length(), int(r.q).bit_length(), 1)


def _decimal_literal(text: str) -> sp.Rational:
    """Exact rational from a decimal literal's text: '0.1' -> 1/10, '2.5e-3' -> 1/400."""
    text = text.strip()
    m = _DECIMAL.match(text)
    if not m or not (m.group("int") or m.group("frac")):
        _fail(f"cannot read the number {text!r}")
    ip = (m.group("int") or "").replace("_", "") or "0"
    fp = (m.group("frac") or "").replace("_", "")
    ex = int((m.group("exp") or "0").replace("_", ""))
    if abs(ex) > MAX_DECIMAL_EXPONENT or len(ip) + len(fp) > 300:
        _fail(f"the number {text!r} is out of range")
    return _check_number(sp.Rational(int(ip + fp)) * sp.Rational(10) ** (ex - len(fp)))


def _degree_bound(e) -> int:
    """An upper bound for the polynomial degree in x that ``e`` builds up.

    x has 1, sums take the max, products the sum, u**n multiplies by |n|; a function's
    arguments count once (tanh(x**3) has 3).  Memoised walk, linear in the tree size.
    """
    memo = {}

    def walk(node):
        if node in memo:
            return memo[node]
        if node is X:
            d = 1
        elif not node.has(X):
            d = 0
        elif isinstance(node, sp.Add):
            d = max(walk(a) for a in node.args)
        elif isinstance(node, sp.Mul):
            d = sum(walk(a) for a in node.args)
        elif isinstance(node, sp.Pow) and node.exp.is_Number:
            d = int(math.ceil(walk(node.base) * min(abs(float(node.exp)), 1e18)))
        else:
            d = max(walk(a) for a in node.args)
        memo[node] = d
        return d

    return walk(e)


def _check_degree(d) -> None:
    if d > MAX_DEGREE:
        _fail(f"the activation builds a polynomial of degree about {int(d)} in x "
              f"(at most {MAX_DEGREE})")


def _coeff_bits_bound(e) -> float:
    """An upper bound for the bits of the integers that expanding ``e`` produces.

    A rational has its numerator/denominator bits, sums the max plus log2(terms),
    products the sum, u**n multiplies by |n| (plus n·log2(terms of u) for the
    multinomial coefficients); functions count their arguments once.  Memoised.
    """
    memo = {}

    def walk(node):
        if node in memo:
            return memo[node]
        if isinstance(node, sp.Rational):
            b = float(_bits(node))
        elif not node.args:
            b = 0.0
        elif isinstance(node, sp.Add):
            b = max(walk(a) for a in node.args) + math.log2(len(node.args))
        elif isinstance(node, sp.Mul):
            b = sum(walk(a) for a in node.args)
        elif isinstance(node, sp.Pow) and node.exp.is_Integer:
            terms = len(node.base.args) if isinstance(node.base, sp.Add) else 1
            b = abs(int(node.exp)) * (walk(node.base) + math.log2(terms))
        else:
            b = max(walk(a) for a in node.args)
        memo[node] = b
        return b

    return walk(e)


def _pow(base, expo):
    """base**expo with guards against huge exact powers."""
    if expo.is_Number and base.has(X):
        _check_degree(_degree_bound(base) * abs(float(expo)))
    if expo.is_Integer and base.free_symbols:
        # (10**99*x**2 + 1)**10 expands to 990-digit integers (SymPy's simplify may then
        # try to factor them)
        if abs(int(expo)) * _coeff_bits_bound(base) > 2 * MAX_BITS:
            _fail("expanding a power in the activation would create numbers of more than "
                  "about 600 digits")
    if expo.is_Number:
        if not expo.is_Rational:
            if abs(float(expo)) > MAX_EXPONENT:
                _fail(f"the exponent {expo} is too large (at most {MAX_EXPONENT})")
        else:
            if abs(expo) > MAX_EXPONENT or expo.q > MAX_EXPONENT:
                _fail(f"the exponent {expo} is too large (at most {MAX_EXPONENT} in size)")
            if base.is_Rational and base != 0:
                if abs(expo.p) * _bits(base) > MAX_BITS:
                    _fail("a number in the activation is too large (more than about 300 digits)")
    return _check_number(base ** expo)


# ------------------------------------------------------------------ the AST walker

def _tree_guard(tree) -> None:
    """Refuse trees with too many nodes or too deep nesting (iterative, no recursion)."""
    count = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            _fail(f"the activation formula is too complex (more than {MAX_NODES} syntax nodes)")
        if depth > MAX_DEPTH:
            _fail(f"the activation formula is nested too deeply (more than {MAX_DEPTH} levels)")
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1))


_KINK_CALLS = {"Max", "Min", "max", "min", "Piecewise", "relu", "leaky_relu", "elu",
               "hard_tanh", "hardtanh"}


def _kink_call_guard(tree) -> None:
    """Refuse more than MAX_KINK_CALLS Max/Min/Piecewise-type pieces: each costs SymPy
    pairwise assumption queries (~7 ms on an idle core, ~40 ms on a loaded machine)."""
    # every call's function is a Name node, so counting Names counts calls and bare names
    n = sum(1 for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id in _KINK_CALLS)
    if n > MAX_KINK_CALLS:
        _fail(f"the activation has {n} Max/Min/Piecewise/relu-type pieces "
              f"(at most {MAX_KINK_CALLS})")


#: names that read as a second variable rather than a parameter (refused unless declared)
_VARIABLE_LIKE = re.compile(r"^(?:[yztuvwXYZTUVW]|x_?\d+|x_\w+)$")


def _refuse_second_variable(name: str) -> None:
    """Refuse an undeclared name that reads as a second variable (y, z, t, X, x1, ...)."""
    if _VARIABLE_LIKE.match(name):
        hint = " (the variable is lowercase x)" if name == "X" else ""
        _fail(f"{name!r} looks like a second variable; an activation is a function of x "
              f"alone{hint} — if {name!r} is a parameter, declare it (params=[{name!r}], "
              f"or --params {name} on the command line)")


class _Builder:
    """Builds a SymPy expression from a whitelisted AST; never evaluates Python code."""

    def __init__(self, text: str, allowed):
        self.text = text
        self.allowed = None if allowed is None else dict(allowed)
        self.params = {}

    # -- names
    def param(self, name: str):
        if name in self.params:
            return self.params[name]
        if self.allowed is not None:
            if name not in self.allowed:
                listed = ", ".join(sorted(self.allowed)) or "none"
                _fail(f"unknown name {name!r}; the variable is x and the parameters are {listed}")
            sym = self.allowed[name]
        else:
            if not _IDENT.match(name) or len(name) > MAX_NAME:
                _fail(f"{name!r} is not an allowed parameter name")
            _refuse_second_variable(name)
            sym = sp.Symbol(name, real=True)
        self.params[name] = sym
        return sym

    def name(self, node: ast.Name):
        n = node.id
        if n.startswith("_"):
            _fail(f"the name {n!r} is not allowed (names may not start with '_')")
        if n == "x":
            return X
        if n in _CONSTANTS:
            return _CONSTANTS[n]
        if n in _REFUSED:
            _fail(_REFUSED[n])
        if n in _RESERVED:
            _fail(f"the name {n!r} is reserved for the quantity rmtsym computes; "
                  f"use another parameter name")
        if n in _SIMPLE_SHORTCUTS:
            return _SIMPLE_SHORTCUTS[n](X)
        if n in _UNARY:
            return _UNARY[n](X)
        if n == "leaky_relu":
            return self.leaky_relu([])
        if n == "elu":
            return self.elu([])
        if n == "hermite":
            _fail("hermite needs its degree, e.g. hermite(3)")
        if n in ("Max", "Min", "max", "min", "Piecewise"):
            _fail(f"{n} must be called with arguments, e.g. {n}(x, 0)")
        if n in ("True", "False", "None"):
            _fail(f"{n} is not allowed here")
        return self.param(n)

    # -- expressions
    def expr(self, node):
        out = self._expr(node)
        if isinstance(out, sp.Expr) and not out.is_Rational and not out.free_symbols:
            _check_constant(out)
        return out

    def _expr(self, node):
        if isinstance(node, ast.Expression):
            return self.expr(node.body)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return _check_number(-self.expr(node.operand))
            if isinstance(node.op, ast.UAdd):
                return self.expr(node.operand)
            if isinstance(node.op, ast.Not):
                _fail("'not' is not allowed; write the opposite comparison")
            _fail("the operator ~ is not allowed")
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Compare):
            _fail("comparisons are only allowed as Piecewise conditions")
        if isinstance(node, ast.BoolOp):
            _fail("'and'/'or' are only allowed in Piecewise conditions")
        if isinstance(node, ast.Tuple):
            _fail("tuples are only allowed as Piecewise arguments (value, condition)")
        self.refuse(node)

    def refuse(self, node):
        kind = type(node).__name__
        if kind in _NODE_WORDS:
            _fail(f"{_NODE_WORDS[kind]} not allowed in an activation")
        _fail(f"the syntax {kind} is not allowed in an activation")

    def constant(self, node: ast.Constant):
        v = node.value
        if isinstance(v, bool) or v is None or v is Ellipsis:
            _fail(f"{v!r} is not allowed here")
        if isinstance(v, int):
            seg = ast.get_source_segment(self.text, node) or ""
            if not seg.replace("_", "").isdigit():
                _fail(f"only decimal numbers are allowed, not {seg!r}")
            if v.bit_length() > MAX_BITS:
                _fail("a number in the activation is too large (more than about 300 digits)")
            return sp.Integer(v)
        if isinstance(v, float):
            seg = ast.get_source_segment(self.text, node)
            if seg is None:
                _fail("cannot read a decimal number")
            return _decimal_literal(seg)
        if isinstance(v, complex):
            _fail("complex numbers are not allowed in an activation")
        if isinstance(v, (str, bytes)):
            _fail("strings are not allowed in an activation")
        _fail(f"the constant {v!r} is not allowed")

    def binop(self, node: ast.BinOp):
        op = type(node.op)
        if op not in _OPS:
            if op is ast.BitXor:
                _fail("'^' is not a power in Python syntax; write x**2")
            if op in (ast.BitAnd, ast.BitOr):
                _fail("'&' and '|' are only allowed between Piecewise conditions")
            _fail(f"the operator {type(node.op).__name__} is not allowed (use + - * / **)")
        left = self.expr(node.left)
        right = self.expr(node.right)
        if op is ast.Add:
            return _check_number(left + right)
        if op is ast.Sub:
            return _check_number(left - right)
        if op is ast.Mult:
            return _check_number(left * right)
        if op is ast.Div:
            if right == 0:
                _fail("division by zero in the activation")
            return _check_number(left / right)
        return _pow(left, right)

    # -- conditions (Piecewise only)
    def condition(self, node):
        if isinstance(node, ast.Constant) and node.value is True:
            return sp.true
        if isinstance(node, ast.Name) and node.id == "True":
            return sp.true
        if isinstance(node, ast.Compare):
            parts = []
            left = self.expr(node.left)
            for op, comp in zip(node.ops, node.comparators):
                if type(op) not in _CMP:
                    _fail("only the comparisons < <= > >= are allowed in Piecewise conditions")
                right = self.expr(comp)
                parts.append(_CMP[type(op)](left, right))
                left = right
            return sp.And(*parts)
        if isinstance(node, ast.BoolOp):
            args = [self.condition(v) for v in node.values]
            return sp.And(*args) if isinstance(node.op, ast.And) else sp.Or(*args)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            a, b = self.condition(node.left), self.condition(node.right)
            return sp.And(a, b) if isinstance(node.op, ast.BitAnd) else sp.Or(a, b)
        _fail("a Piecewise condition must be a comparison such as x > 0, or True")

    # -- calls
    def call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name):
            _fail("only named functions can be called (e.g. tanh(x))")
        fname = node.func.id
        if fname.startswith("_"):
            _fail(f"the name {fname!r} is not allowed (names may not start with '_')")
        if fname not in _KNOWN or fname in _CONSTANTS:
            _fail(f"unknown function {fname!r}")
        if node.keywords:
            _fail(f"{fname}() takes no keyword arguments")
        if any(isinstance(a, ast.Starred) for a in node.args):
            _fail(f"{fname}() takes no starred arguments")
        nargs = len(node.args)
        if fname == "Piecewise":
            return self.piecewise(node.args)
        if fname in ("Max", "Min", "max", "min"):
            if nargs < 1:
                _fail(f"{fname} needs at least one argument")
            args = [self.expr(a) for a in node.args]
            op = sp.Max if fname.lower() == "max" else sp.Min
            # SymPy compares every pair of arguments when it builds Max/Min (seconds for
            # a dozen non-trivial arguments), so the flattened arity is capped
            arity = sum(len(a.args) if isinstance(a, op) else 1 for a in args)
            if arity > MAX_LATTICE_ARGS:
                _fail(f"{fname} has {arity} arguments (at most {MAX_LATTICE_ARGS}, nested "
                      f"{fname} included); write a sum of relu terms or a Piecewise instead")
            return op(*args)
        if fname == "hermite":
            return self.hermite(node.args)
        if fname == "leaky_relu":
            return self.leaky_relu(node.args)
        if fname == "elu":
            return self.elu(node.args)
        if fname == "Heaviside" and nargs == 2:
            u = self.expr(node.args[0])
            h0 = self.expr(node.args[1])
            if not h0.is_Number:
                _fail("the second argument of Heaviside (its value at 0) must be a number")
            return sp.Heaviside(u, h0)
        if nargs != 1:
            _fail(f"{fname} takes exactly one argument, got {nargs}")
        u = self.expr(node.args[0])
        if fname in _SIMPLE_SHORTCUTS:
            return _SIMPLE_SHORTCUTS[fname](u)
        return _UNARY[fname](u)

    def piecewise(self, args):
        if not args:
            _fail("Piecewise needs at least one (value, condition) pair")
        pairs = []
        for a in args:
            if not isinstance(a, ast.Tuple) or len(a.elts) != 2:
                _fail("each Piecewise argument must be a pair (value, condition)")
            pairs.append((self.expr(a.elts[0]), self.condition(a.elts[1])))
        try:
            return sp.Piecewise(*pairs)
        except (TypeError, ValueError) as exc:
            _fail(f"invalid Piecewise: {exc}")

    def _param_arg(self, fname, node, what):
        v = self.expr(node)
        if v.has(X):
            _fail(f"{fname} takes its {what} first, not its input; write {fname}({what}, u) "
                  f"to apply it to u")
        return v

    def _input_arg(self, args, fname, nmax):
        if len(args) > nmax:
            _fail(f"{fname} takes at most {nmax} arguments, got {len(args)}")
        return self.expr(args[1]) if len(args) == 2 else X

    def leaky_relu(self, args):
        slope = self._param_arg("leaky_relu", args[0], "slope") if args else self.param(LEAKY_SLOPE)
        u = self._input_arg(args, "leaky_relu", 2)
        return sp.Max(u, slope * u)

    def elu(self, args):
        alpha = self._param_arg("elu", args[0], "alpha") if args else sp.Integer(1)
        u = self._input_arg(args, "elu", 2)
        return sp.Piecewise((u, u > 0), (alpha * (sp.exp(u) - 1), True))

    def hermite(self, args):
        if not args:
            _fail("hermite needs its degree, e.g. hermite(3)")
        k = self.expr(args[0])
        if not (k.is_Integer and 0 <= int(k) <= MAX_HERMITE):
            _fail(f"the Hermite degree must be an integer from 0 to {MAX_HERMITE}, got {k}")
        u = self._input_arg(args, "hermite", 2)
        _check_degree(int(k) * _degree_bound(u))
        return _hermite_prob(int(k), u)


def _parse_text(text: str, allowed) -> tuple:
    if len(text) > MAX_TEXT:
        _fail(f"the activation formula is too long ({len(text)} characters; at most {MAX_TEXT})")
    stripped = text.strip()
    if not stripped:
        _fail("the activation formula is empty")
    if not stripped.isascii():
        _fail("the activation formula must be plain ASCII (write pi, sqrt, ...)")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in stripped):
        _fail("the activation formula contains control characters")
    if "\n" in stripped or "\r" in stripped:
        _fail("the activation formula must be on one line")
    try:
        with warnings.catch_warnings():
            # "invalid decimal literal" & co. would otherwise reach the CLI's stderr
            warnings.simplefilter("ignore")
            tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        msg = str(exc.msg) if getattr(exc, "msg", None) else "invalid syntax"
        _fail(f"the activation formula is not valid syntax ({msg})")
    except (ValueError, RecursionError, MemoryError, OverflowError):
        _fail("the activation formula cannot be parsed (too deep or too large)")
    _tree_guard(tree)
    _kink_call_guard(tree)
    builder = _Builder(stripped, allowed)
    try:
        expr = builder.expr(tree)
    except ActivationError:
        raise
    except RecursionError:
        _fail("the activation formula is nested too deeply")
    except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError) as exc:
        # SymPy refusing a construction (e.g. comparing non-real numbers in Max)
        _fail(f"the activation formula cannot be built ({type(exc).__name__}: "
              f"{str(exc).splitlines()[0][:120] if str(exc) else 'no detail'})")
    return stripped, expr


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


# ------------------------------------------------------------------ admissibility
#
# The numerical checks never call mpmath on astronomically large numbers: a user formula
# such as exp(exp(exp(exp(x)))) would make mpmath.exp work with a 10**476-bit exponent and
# hang.  ``_geval`` walks the SymPy tree itself and stops at exp(u), cosh(u), sinh(u),
# b**u with |u·log b| > 1e15 (the value is then +inf or 0: far beyond any double) and at
# sin/cos/tan of |u| > 1e15 (undetermined).  Dense scans use numpy (float64), which cannot
# hang either.

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


_SAMPLE_X = (0, mpmath.mpf("0.5"), mpmath.mpf("-0.5"), mpmath.mpf("1.3"), mpmath.mpf("-1.3"),
             3, -3, 7, -7)
_PARAM_SAMPLES = (sp.Rational(7373, 10000), sp.Integer(2), sp.Rational(-61, 100),
                  sp.Rational(131, 100))
#: dense float64 scan for realness/finiteness between the sample points (step 0.025)
_SCAN_X = np.linspace(-10.0, 10.0, 801) + 0.0031
#: grid for locating zeros of denominators and domain boundaries
_ZERO_GRID = np.linspace(-50.0, 50.0, 4001) + 0.00173
#: growth exponent beyond which log|f| is deemed to grow like x**2
_GROWTH_P = 1.9


def _growth_problem(expr):
    """None if log|f| grows slower than x² on both sides, else a phrase.

    Local exponent p = log2(L(2X)/L(X)) with L = log|f|, at X = 8, 16, ..., 8192 and at
    X = 10⁶: an exp(c x²) growth has p → 2 (for any c > 0, so exp(x²/1000 + 10x) is
    caught at 10⁶), an exp(c x) growth p → 1, a polynomial p → 0.
    """
    ladder = [2 ** k for k in range(3, 14)] + [None, 10 ** 6, 2 * 10 ** 6]
    for side in (1, -1):
        prev = None
        for k in ladder:
            if k is None:
                prev = None
                continue
            xv = side * k
            v, problem = _value_at(expr, xv)
            if problem is not None:
                return problem
            if v is None or v == 0:
                prev = None
                continue
            L = mpmath.log(abs(v))
            if prev is not None and prev > 8 and L > 8 and mpmath.log(L / prev, 2) > _GROWTH_P:
                return ("grows like exp(c x^2) or faster, so f(sigma Z)^2 is not integrable "
                        "against the Gaussian")
            prev = L
    return None


def _numpy_or_none(expr, args=None):
    try:
        return sp.lambdify(args if args is not None else X, _reciprocal_form(expr),
                           modules=["scipy", "numpy"], printer=_np_printer())
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


def _scan_problem(expr):
    """Dense float64 scan; suspicious points (nan, inf) are re-checked with mpmath."""
    fn = _numpy_or_none(expr)
    if fn is None:
        return None
    vals = _np_values(fn, _SCAN_X)
    if vals is None:
        return None
    for i in np.nonzero(~np.isfinite(vals))[0][:25]:
        _, problem = _value_at(expr, mpmath.mpf(float(_SCAN_X[i])))
        if problem is not None:
            return problem
    return None


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


def _numeric_problem(e):
    """The first admissibility problem of a parameter-free f, or None."""
    if not e.has(X):
        return "does not depend on x"
    with mpmath.workdps(20):
        for xv in _SAMPLE_X:
            _, problem = _value_at(e, xv)
            if problem:
                return problem
        return _growth_problem(e) or _scan_problem(e) or _singularity_problem(e)


def _safe_subs(expr, mapping):
    """expr with symbols replaced by numbers, rebuilt bottom-up under the parser's guards.

    ``xreplace`` re-evaluates every node it rebuilds, so a**(1e300/a) at a = 2 would
    compute 2**(5·10**299) exactly and hang (found by fuzzing).  Here each rebuilt power
    goes through ``_pow`` (exponent and size limits) and each new constant through
    ``_check_constant``; a violation raises ActivationError.
    """
    memo = {}
    keys = set(mapping)

    def walk(node):
        if node in mapping:
            return mapping[node]
        if not node.args or not (node.free_symbols & keys):
            return node
        if node in memo:
            return memo[node]
        args = [walk(a) for a in node.args]
        for a in args:
            if isinstance(a, sp.Expr) and not a.is_Rational and not a.free_symbols:
                _check_constant(a)
        if isinstance(node, sp.Pow):
            out = _pow(args[0], args[1])
        else:
            out = node.func(*args)
        if isinstance(out, sp.Expr):
            _check_number(out)
        memo[node] = out
        return out

    return walk(expr)


def _check_admissible(expr, params) -> None:
    """Raise ActivationError unless f is real, finite, free of non-integrable poles and
    grows slower than exp(c x²) (numerical checks; see the module docstring)."""
    if not expr.has(X):
        _fail("the activation does not depend on x (a constant has eta = 0)")
    bad = [s for s in expr.free_symbols if s != X and s not in params]
    if bad:  # pragma: no cover - the parser keeps these in params
        _fail(f"unexpected symbol {bad[0]} in the activation")
    # parameter i takes sample (j + i) mod 4 in round j: distinct parameters get distinct
    # values, so tanh(a*x) - tanh(b*x) is not mistaken for a constant
    ordered = sorted(params, key=lambda s: s.name)
    n = len(_PARAM_SAMPLES)
    samples = [{}] if not params else [
        {p: _PARAM_SAMPLES[(j + i) % n] for i, p in enumerate(ordered)} for j in range(n)]
    first_problem = None
    for vals in samples:
        try:
            e = _safe_subs(expr, vals) if vals else expr
            problem = _numeric_problem(e)
        except ActivationError as exc:
            problem = f"cannot be checked safely ({exc})"
        except RecursionError:
            _fail("the activation is nested too deeply to be checked")
        except (ValueError, TypeError, ArithmeticError):
            # SymPy re-evaluates Max/Min/Piecewise on substitution and refuses to compare
            # non-real values (acosh(-61/100)): this parameter sample is not admissible
            problem = "is not real or cannot be evaluated"
        if problem is None:
            return
        if first_problem is None:
            first_problem = problem
            if vals:
                shown = ", ".join(f"{p} = {v}" for p, v in vals.items())
                first_problem += f" (with {shown}, and other sample parameter values)"
    _fail(f"the activation {first_problem}")


def _check_structure(expr) -> None:
    _check_degree(_degree_bound(expr))
    if expr.has(sp.I):
        _fail("complex numbers are not allowed in an activation")
    if expr.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        _fail("the activation contains an infinity or nan (division by zero?)")
    for bad in (sp.Integral, sp.Derivative, sp.Sum, sp.Product, sp.Limit):
        if expr.has(bad):
            _fail(f"unevaluated {bad.__name__} objects are not allowed in an activation")


# ------------------------------------------------------------------ breakpoints

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


# ------------------------------------------------------------------ the Activation

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
        raw = sp.lambdify(X, _reciprocal_form(self.expr), modules=["scipy", "numpy"],
                          printer=_np_printer())

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


# ------------------------------------------------------------------ entry point

def _coerce_params(params):
    if params is None:
        return None
    if isinstance(params, (str, bytes)):
        params = [p.strip() for p in params.split(",") if p.strip()] if isinstance(params, str) \
            else _fail("params must be names of parameters, not bytes")
    try:
        items = list(params)
    except TypeError:
        _fail(f"params must be an iterable of parameter names, got {type(params).__name__}")
    out = {}
    for p in items:
        name = p.name if isinstance(p, sp.Symbol) else p
        if not isinstance(name, str) or not _IDENT.match(name) or len(name) > MAX_NAME:
            _fail(f"{name!r} is not a valid parameter name")
        if name == "x":
            _fail("x is the variable, it cannot be a parameter")
        if name in _KNOWN or name in _REFUSED or name in _RESERVED:
            _fail(f"{name!r} cannot be a parameter: it is a function, constant or reserved name")
        out[name] = sp.Symbol(name, real=True)
    return out


_SYMPY_FUNCTIONS = tuple({f for f in _UNARY.values() if isinstance(f, type)}
                         | {sp.Max, sp.Min, sp.Piecewise})  # sqrt is a Pow
_SYMPY_OTHER = (sp.Add, sp.Mul, sp.Pow, sp.Symbol, sp.Number, sp.NumberSymbol,
                sp.Rel, sp.And, sp.Or, sp.Not, sp.logic.boolalg.BooleanAtom,
                sp.logic.boolalg.ITE, sp.functions.elementary.piecewise.ExprCondPair)


def _check_sympy_nodes(expr) -> None:
    """A SymPy input may use only what the formula syntax can write (same functions):
    rmtsym.gaussian and the numpy/mpmath evaluators rely on that whitelist."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, _SYMPY_FUNCTIONS):
            pass
        elif isinstance(node, _SYMPY_OTHER):
            if isinstance(node, sp.Number) and node.is_Rational:
                _check_number(node)
        else:
            name = getattr(node.func, "__name__", type(node).__name__)
            _fail(f"the SymPy function {name} is not supported in an activation "
                  f"(supported: {', '.join(FUNCTIONS)})")
        if (isinstance(node, sp.Expr) and not node.is_Rational and not node.free_symbols
                and node.args):
            _check_constant(node)
            continue
        stack.extend(node.args)


def _from_sympy(expr, allowed):
    if not isinstance(expr, sp.Expr):
        _fail(f"the activation must be an expression in x, got {type(expr).__name__}")
    _check_structure(expr)
    _check_sympy_nodes(expr)
    repl = {}
    params = {}
    for s in expr.free_symbols:
        if not isinstance(s, sp.Symbol):
            _fail(f"the activation contains {s}, which is not a symbol")
        if s.name == "x":
            repl[s] = X
            continue
        if allowed is not None and s.name not in allowed:
            listed = ", ".join(sorted(allowed)) or "none"
            _fail(f"unknown name {s.name!r}; the variable is x and the parameters are {listed}")
        if s.name in _RESERVED or s.name in _REFUSED or s.name in _KNOWN:
            _fail(f"{s.name!r} cannot be a parameter: it is a function, constant or reserved name")
        if allowed is None:
            _refuse_second_variable(s.name)
        sym = allowed[s.name] if allowed is not None else sp.Symbol(s.name, real=True)
        repl[s] = sym
        params[s.name] = sym
    return expr.xreplace(repl), params


def parse_activation(spec, params=None) -> Activation:
    r"""Parse an activation safely (AST whitelist, never ``eval``) and check it.

    Parameters
    ----------
    spec : str, sympy.Expr or Activation
        A formula in ``x`` in SymPy syntax (``"tanh(x)"``, ``"Max(x, x/10)"``,
        ``"Piecewise((x, x > 0), (exp(x) - 1, True))"``), a named shortcut (``"relu"``,
        ``"leaky_relu(0.1)"``, ``"hermite(3)"``; see the module docstring), a SymPy
        expression in any Symbol named ``x``, or an :class:`Activation` (returned as is).
    params : iterable of str, optional
        The parameter names allowed.  ``None`` (default): every unknown identifier is a
        free real parameter.  Given: any other name is an error.

    Returns
    -------
    Activation
        f with ``.expr`` in :data:`rmtsym.symbols.x`; it is real, finite and grows slower
        than exp(c x²) (sample checks), so the Gaussian moments of Pennington & Worah
        (NeurIPS 2017), η = Var f(σZ) and ζ = (E[Z f(σZ)])², exist for every σ.

    Raises
    ------
    ActivationError
        Unsafe or invalid syntax, unknown function or name, constant or complex-valued
        or non-integrable activation, wrong type, or a formula beyond the size limits.
    """
    if isinstance(spec, Activation):
        return spec
    allowed = _coerce_params(params)
    if isinstance(spec, str):
        source, expr = _parse_text(spec, allowed)
        names = {s.name: s for s in expr.free_symbols if s != X}
        name = source
    elif isinstance(spec, sp.Basic):
        source = sp.sstr(spec)
        expr, names = _from_sympy(spec, allowed)
        name = source
    else:
        kind = "None" if spec is None else type(spec).__name__
        _fail(f"the activation must be a formula string, a SymPy expression or an Activation, "
              f"got {kind}")
    if not isinstance(expr, sp.Expr):
        _fail("the activation must be an expression, not a condition")
    _check_structure(expr)
    plist = tuple(names.values())
    _check_admissible(expr, plist)
    return Activation(expr, plist, source, name)
