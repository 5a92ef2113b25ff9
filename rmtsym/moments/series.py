"""Route 1: exact moments from the power series of the Pennington–Worah P-equation.

Pennington & Worah (NeurIPS 2017, "Nonlinear random matrix theory for deep learning",
Thm. 1; ``docs/theory.md`` §1.4, §1.6) give the Stieltjes transform of the
limiting spectrum of M = YYᵀ/m through an auxiliary series P(t), t = 1/(zψ)::

    P   = 1 + (η − ζ) t P_φ P_ψ + P_φ P_ψ t ζ / (1 − P_φ P_ψ t ζ)
    P_φ = 1 + (P − 1) φ,   P_ψ = 1 + (P − 1) ψ,

and the moments are m_k = lim E (1/n1) tr M^k = ψ^{1−k} p_k with P(t) = 1 + Σ_k p_k t^k.

Writing u = P − 1 and A = t (1 + φu)(1 + ψu), the equation reads
u = (η − ζ) A + C with C = ζA/(1 − ζA), i.e. C = ζA + ζ A C. Because A carries a
factor t, the coefficient u_k depends only on u_1, …, u_{k−1}, so the series is solved
order by order (a triangular fixed point) with O(k²) multiplications of polynomials
in ZZ[η, ζ, φ, ψ] (SymPy's sparse ``ring`` arithmetic, no expression swell).

This module does not use any other route or the spectral-equation modules.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, List, Tuple

import sympy as sp
from sympy import ZZ
from sympy.polys.rings import ring

from ..symbols import eta, phi, psi, zeta
from ._common import check_order, coefficients_to_expr

#: largest order accepted (measured on an idle core: k = 12 in 0.02 s, k = 20 in 0.3 s,
#: k = 30 in 5 s; the number of monomials grows like k³ and their size with k)
MAX_SERIES_ORDER = 40

_R, _ETA, _ZETA, _PHI, _PSI = ring([eta, zeta, phi, psi], ZZ)


@lru_cache(maxsize=8)
def _p_coefficients(k: int) -> Tuple:
    """p_1..p_k of P(t) = 1 + Σ p_j t^j as elements of ZZ[η, ζ, φ, ψ]."""
    u = [_R.zero] * (k + 1)      # u_j = p_j, u_0 = 0
    u2 = [_R.zero] * (k + 1)     # coefficients of u²
    A = [_R.zero] * (k + 1)      # A = t (1 + (φ+ψ) u + φψ u²)
    C = [_R.zero] * (k + 1)      # C = ζA/(1 − ζA)
    s, pr = _PHI + _PSI, _PHI * _PSI
    d = _ETA - _ZETA
    for n in range(1, k + 1):
        # [t^{n-1}] of (u²): needs u_1..u_{n-2}, all known
        m = n - 1
        u2[m] = sum((u[j] * u[m - j] for j in range(1, m)), _R.zero)
        A[n] = (_R.one if n == 1 else _R.zero) + s * u[n - 1] + pr * u2[n - 1]
        C[n] = _ZETA * (A[n] + sum((A[j] * C[n - j] for j in range(1, n)), _R.zero))
        u[n] = d * A[n] + C[n]
    return tuple(u[1:])


def _to_moment(pk, k: int) -> Dict[Tuple[int, int, int, int], int]:
    """m_k = ψ^{1−k} p_k as {(a, b, c, d): coefficient of η^a ζ^b φ^c ψ^(−d)}."""
    out = {}
    for (a, b, c, e), coeff in pk.terms():
        d = k - 1 - e
        if d < 0:  # never happens: m_k is a polynomial in 1/ψ (checked here, not assumed)
            raise ArithmeticError(f"p_{k} has a term ψ^{e} with e > k − 1")
        out[(a, b, c, d)] = int(coeff)
    return out


def series_coefficients(k: int) -> List[Dict[Tuple[int, int, int, int], int]]:
    """Integer coefficients of m_1..m_k from the P-equation series.

    Returns
    -------
    list of dict
        Element j−1 maps (a, b, c, d) to the integer coefficient of
        η^a ζ^b φ^c ψ^(−d) in m_j.
    """
    k = check_order(k, MAX_SERIES_ORDER, "series")
    return [_to_moment(p, j) for j, p in enumerate(_p_coefficients(k), start=1)]


def series_moments(k: int) -> List[sp.Expr]:
    """Exact limiting moments m_1..m_k from the series of the P-equation.

    m_j = lim E (1/n1) tr (YYᵀ/m)^j = ψ^{1−j} p_j, where P(t) = 1 + Σ p_j t^j solves
    the Pennington–Worah equation (NeurIPS 2017, Thm. 1; docs/theory.md §1.4)
    P = 1 + (η − ζ) t P_φ P_ψ + P_φ P_ψ t ζ / (1 − P_φ P_ψ t ζ),
    P_φ = 1 + (P − 1)φ, P_ψ = 1 + (P − 1)ψ.

    Parameters
    ----------
    k : int
        Highest order, 1 ≤ k ≤ ``MAX_SERIES_ORDER``.

    Returns
    -------
    list of sympy.Expr
        m_1, …, m_k as polynomials in η, ζ, φ and 1/ψ (symbols from
        :mod:`rmtsym.symbols`), e.g. m_2 = η²(1 + φ/ψ) + ζ²/ψ.

    Raises
    ------
    ParameterError
        If k is not a whole number in range.
    """
    return [coefficients_to_expr(c) for c in series_coefficients(k)]


__all__ = ["series_moments", "series_coefficients", "MAX_SERIES_ORDER"]
