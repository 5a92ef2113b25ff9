"""The polynomial a solver works on, and Newton's root-inclusion radius.

Q(G, z) cleaned (exact coefficients kept exact, Floats limiting the digits that can be
certified), and the radius d·|p(g)/p′(g)| of a disc around g that holds a root of a
degree-d polynomial p.
"""
from __future__ import annotations

import functools
from typing import Optional

import mpmath
import sympy as sp

from ..algebraic import SpectralEquation, generic_numbers
from ..errors import ParameterError
from ..symbols import G, z


#: guard digits added to the working precision of every mpmath computation
GUARD = 10


def _clean_poly(equation: SpectralEquation) -> sp.Poly:
    """Square-free part of Q without factors depending on z only.

    Irrational exact coefficients (η of GELU holds π and √3) are replaced by
    indeterminates (:func:`~rmtsym.algebraic.generic_numbers`), so that the gcd
    computations run over Q(a1, ..., ak) rather than SymPy's slow expression domain
    (minutes for GELU), and substituted back at the end.
    A factor that exists only at the special values is a non-generic coincidence the
    solver does not need: it only drops repeated factors and factors free of G.
    """
    fast = _clean_in_domain(equation.poly)
    if fast is not None:
        return fast
    generic, back = generic_numbers(equation.poly.as_expr())
    poly = sp.Poly(generic, G, z)
    if poly.is_zero or poly.degree(G) < 1:
        raise ParameterError("the spectral equation must depend on G")
    try:
        sqf = sp.Poly(sp.sqf_part(poly.as_expr(), G, z), G, z)
        if sqf.degree(G) >= 1:
            poly = sqf
    except Exception:  # pragma: no cover - exotic coefficient domains
        pass
    in_g = sp.Poly(poly.as_expr(), G)
    coeffs = in_g.all_coeffs()
    # the content in z: the gcd of the coefficients a_k(z) (Poly.gcd pairwise; SymPy's
    # gcd_list does not take Poly arguments)
    try:
        content = functools.reduce(lambda a, b: a.gcd(b), [sp.Poly(cf, z) for cf in coeffs if cf != 0])
    except Exception:  # pragma: no cover - exotic coefficient domains: keep Q as it is
        content = None
    if content is not None and content.degree() >= 1:
        poly = sp.Poly(sp.cancel(poly.as_expr() / content.as_expr()), G, z)
    if back:
        poly = sp.Poly(sp.expand(poly.as_expr().xreplace(back)), G, z)
    return poly


def _plain_domain(dom) -> bool:
    """Whether a Poly's domain is Q, Z or a polynomial ring or rational-function field over
    them in constants such as π and e (``ZZ(pi)``, ``QQ[E,pi]``): there, the polynomial
    algebra runs in the domain itself, as it would over indeterminates standing for the
    constants. Algebraic numbers (√2, e^{1/2}), functions of numbers and SymPy's expression
    domain are left to the substitution of :func:`~rmtsym.algebraic.generic_numbers`."""
    if dom.is_ZZ or dom.is_QQ:
        return True
    if not (dom.is_PolynomialRing or dom.is_FractionField):
        return False
    return (dom.domain.is_ZZ or dom.domain.is_QQ) and all(
        isinstance(s, sp.NumberSymbol) for s in dom.symbols)


def _clean_in_domain(poly: sp.Poly) -> Optional[sp.Poly]:
    """:func:`_clean_poly` for a polynomial over a plain domain (:func:`_plain_domain`) whose
    content in z is a constant (some coefficient in G is a nonzero number, e.g. the constant
    term −ψ³ of the Pennington–Worah quartic): its square-free part, computed in the domain.
    None otherwise (the general path)."""
    if not _plain_domain(poly.domain) or poly.gens != (G, z):
        return None
    if poly.is_zero or poly.degree(G) < 1:
        raise ParameterError("the spectral equation must depend on G")
    zdeg: dict = {}
    for (k, j), _cf in poly.terms():
        zdeg[k] = max(zdeg.get(k, 0), j)
    if not any(d == 0 for d in zdeg.values()):
        return None  # the content in z may be a polynomial: the general path
    try:
        sqf = _sqf_part_over_integers(poly) if poly.domain.is_FractionField else poly.sqf_part()
    except Exception:  # pragma: no cover - the general path handles exotic cases
        return None
    return sqf if sqf.degree(G) >= 1 else poly


def _sqf_part_over_integers(poly: sp.Poly) -> sp.Poly:
    """``poly.sqf_part()`` for Q over a rational-function field such as ZZ(π), computed
    over the integers: c·Q with the constants as further variables, its square-free part,
    and back over the field made monic. Repeated factors of Q over ZZ(π) are those of c·Q
    over ZZ[G, z, π] (Gauss's lemma) up to factors in π alone, units of the field, which
    the monic normalisation of the field's square-free part removes; so the result is the
    same polynomial, without the slow gcds over the field."""
    _den, num = poly.clear_denoms(convert=True)
    flat = num.inject()
    part = flat.sqf_part().eject(*flat.gens[2:])
    return part.set_domain(poly.domain).monic()


def _input_digits(poly: sp.Poly) -> Optional[int]:
    """Decimal digits carried by inexact (Float) coefficients, None when all are exact."""
    digits = None
    for cf in poly.coeffs():
        for f in sp.sympify(cf).atoms(sp.Float):
            d = int(f._prec * 0.30103)
            digits = d if digits is None else min(digits, d)
    return digits


def _root_radius(coeffs_low_first, g):
    """Newton step and root-inclusion radius d·|p(g)/p'(g)| (there is a root in that disc)."""
    d = len(coeffs_low_first) - 1
    p = coeffs_low_first[d]
    dp = 0
    for k in range(d - 1, -1, -1):
        dp = dp * g + p
        p = p * g + coeffs_low_first[k]
    if dp == 0:
        return None, mpmath.inf
    step = p / dp
    return step, d * abs(step)
