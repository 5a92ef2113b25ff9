"""Resource limits on a formula, checked before SymPy builds anything.

Text length, AST size and depth, the size of numeric exponents and of exact numbers (in
bits), the polynomial degree a formula builds up (bounded before it is built) and the size
of the integers a power would expand to. Each violation is an
:class:`~rmtsym.errors.ActivationError` with one sentence (:func:`_fail`).
"""
from __future__ import annotations

import math
import re

import sympy as sp

from ..errors import ActivationError
from ..symbols import x as X


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


_DECIMAL = re.compile(r"(?P<int>[0-9_]*)(?:\.(?P<frac>[0-9_]*))?(?:[eE](?P<exp>[+-]?[0-9_]+))?\Z")


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
