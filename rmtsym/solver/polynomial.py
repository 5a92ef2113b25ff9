"""The polynomial a solver works on, and Newton's root-inclusion radius.

Q(G, z) cleaned (exact coefficients kept exact, Floats limiting the digits that can be
certified), and the radius d·|p(g)/p′(g)| of a disc around g that holds a root of a
degree-d polynomial p.
"""
from __future__ import annotations

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
    try:
        content = sp.gcd_list([sp.Poly(cf, z) for cf in coeffs if cf != 0])
        if isinstance(content, sp.Poly) and content.degree() >= 1:
            poly = sp.Poly(sp.cancel(poly.as_expr() / content.as_expr()), G, z)
    except Exception:  # pragma: no cover
        pass
    if back:
        poly = sp.Poly(sp.expand(poly.as_expr().xreplace(back)), G, z)
    return poly


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
