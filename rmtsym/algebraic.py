"""Algebraic laws: a probability law whose Stieltjes transform solves Q(G, z) = 0.

The Pennington–Worah quartic, Marchenko–Pastur, the product of Wisharts, the law of
each layer of a deep network and the Hessian model MP ⊞ semicircle are all of this
kind. :class:`SpectralEquation` holds the polynomial; the solver (``solver.py``)
picks the physical branch of any such equation, and the operations here build new
equations from old ones.

Convention: G(z) = ∫ρ(t)dt/(z − t) ~ 1/z as z → ∞ (physics sign).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List

import sympy as sp

from .symbols import G, z


@dataclass(frozen=True)
class SpectralEquation:
    """The polynomial equation Q(G, z) = 0 of an algebraic law.

    Parameters
    ----------
    poly : sympy.Poly
        Q as a polynomial in the generators ``(G, z)`` of :mod:`rmtsym.symbols`. Its
        coefficients may be exact numbers or expressions in parameters (η, ζ, φ, ψ, ...).
    name : str
        A short human-readable name (``"Pennington-Worah"``, ``"Marchenko-Pastur"``...).
    """

    poly: sp.Poly
    name: str = ""

    @classmethod
    def from_expr(cls, expr: sp.Expr, name: str = "") -> "SpectralEquation":
        """Build from an expression in G and z (denominators are cleared, content removed)."""
        num, _ = sp.fraction(sp.together(sp.expand(expr)))
        poly = sp.Poly(sp.expand(num), G, z)
        _, poly = poly.primitive() if poly.domain.is_Exact and poly.domain.is_Numerical else (1, poly)
        return cls(poly, name)

    @property
    def expr(self) -> sp.Expr:
        return self.poly.as_expr()

    @property
    def degree(self) -> int:
        """Degree in G."""
        return self.poly.degree(G)

    def coefficients_in_G(self) -> List[sp.Expr]:
        """The coefficients a_k(z) of Q = Σ a_k(z) G^k, highest power first."""
        as_g = sp.Poly(self.poly.as_expr(), G)
        return [sp.expand(c) for c in as_g.all_coeffs()]

    def coefficients_in_z(self) -> List[sp.Expr]:
        """The coefficients b_j(G) of Q = Σ b_j(G) z^j, highest power first."""
        as_z = sp.Poly(self.poly.as_expr(), z)
        return [sp.expand(c) for c in as_z.all_coeffs()]

    @property
    def parameters(self) -> set:
        """Free symbols other than G and z."""
        return self.poly.as_expr().free_symbols - {G, z}

    @property
    def is_numeric(self) -> bool:
        return not self.parameters

    def subs(self, values: Dict) -> "SpectralEquation":
        """Substitute parameter values (a dict of symbol → value)."""
        return SpectralEquation.from_expr(self.poly.as_expr().subs(values), self.name)

    def __call__(self, g, zz):
        """Evaluate Q(g, zz) symbolically or at numbers."""
        return self.poly.as_expr().subs({G: g, z: zz})

    def _repr_latex_(self) -> str:
        collected = sp.collect(self.poly.as_expr(), G)
        return f"$${sp.latex(collected)} = 0$$"


__all__ = ["SpectralEquation"]
