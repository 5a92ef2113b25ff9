"""Exact moments of every layer by the S-transform series (an independent route).

S_{K_l} = S_{H_l}·S_{MP}, S_{MP_c}(w) = 1/(1 + c w), i.e. χ_{K_l}(w) = χ_{H_l}(w)/(1 + c_l w)
with χ the inverse of the moment series ψ(u) = Σ m_k u^k (Voiculescu; Nica & Speicher,
Lectures on the Combinatorics of Free Probability, Lecture 18).
"""
from __future__ import annotations

from typing import List, Optional, Sequence

import sympy as sp

from ...errors import RmtsymError
from .layers import Layer


def _simp(e):
    """Normal form of a series coefficient: exact rationals stay, floats stay, otherwise a
    cancelled rational function of the transcendental constants (π, √2, …)."""
    e = sp.sympify(e)
    if e.is_Rational or e.is_Float:
        return e
    if e.has(sp.Float):
        return sp.expand(e)
    return sp.cancel(e)


def _reversion(f: List, k: int) -> List:
    """Coefficients g_1 … g_k of the compositional inverse of f(u) = Σ_{j≥1} f_j u^j."""
    f1 = f[0]
    g = [sp.Integer(0)] * k
    g[0] = 1 / f1
    for n in range(2, k + 1):
        # coefficient of w^n in f(g(w)) with the current truncation
        comp = _compose(f, g, n)
        g[n - 1] = _simp(g[n - 1] - comp[n - 1] / f1)
    return [_simp(v) for v in g]


def _compose(f: List, g: List, k: int) -> List:
    """Coefficients 1 … k of f(g(w)) for series without constant terms."""
    result = [sp.Integer(0)] * k
    power = [sp.Integer(0)] * k  # g^j, coefficients of w^1..w^k
    power_prev = None
    for j in range(1, k + 1):
        if j == 1:
            power = list(g[:k])
        else:
            new = [sp.Integer(0)] * k
            for p in range(k):
                if power_prev[p] == 0:
                    continue
                for q in range(k - p - 1):
                    new[p + q + 1] += power_prev[p] * g[q]
            power = [_simp(v) for v in new]
        if j - 1 < len(f):
            for n in range(k):
                result[n] += f[j - 1] * power[n]
        power_prev = power
    return [_simp(v) for v in result]


def _mul_series(a: List, b: List, k: int) -> List:
    """Coefficients 0 … k of a product of series given from order 0."""
    out = [sp.Integer(0)] * (k + 1)
    for i in range(k + 1):
        for j in range(k + 1 - i):
            out[i + j] += a[i] * b[j]
    return [_simp(v) for v in out]


def mp_product_moments(h_moments: Sequence, c) -> List:
    """Moments of MP_c ⊠ H from the moments of H, by the S-transform (exact series).

    S_{MP_c}(w) = 1/(1 + c w) for MP with mean 1 and ratio c, and S_{A⊠B} = S_A S_B. With
    χ = ψ^{-1}, ψ(u) = Σ_k m_k u^k, S(w) = χ(w)(1 + w)/w, so χ_out(w) = χ_H(w)/(1 + c w).
    Requires m_1(H) ≠ 0.
    """
    k = len(h_moments)
    h = [sp.sympify(v) for v in h_moments]
    if h[0] == 0:
        raise RmtsymError("the S-transform needs a law with nonzero mean")
    chi_h = _reversion(h, k)  # coefficients of w^1..w^k
    c = sp.sympify(c)
    inv = [(-c) ** j for j in range(k + 1)]  # 1/(1 + c w)
    chi_out = _mul_series([sp.Integer(0)] + chi_h, inv, k)[1:]
    return _reversion(chi_out, k)


def affine_moments(moments: Sequence, a, b) -> List:
    """Moments of a X + b from those of X (binomial expansion)."""
    k = len(moments)
    m = [sp.Integer(1)] + [sp.sympify(v) for v in moments]
    a, b = sp.sympify(a), sp.sympify(b)
    return [_simp(sum(sp.binomial(n, j) * a**j * b ** (n - j) * m[j] for j in range(n + 1)))
            for n in range(1, k + 1)]


def mp_moments(c, scale=1, k: int = 4) -> List:
    """Moments of scale·MP_c: scale^n Σ_j Narayana(n, j) c^{j−1}."""
    c, s = sp.sympify(c), sp.sympify(scale)
    out = []
    for n in range(1, k + 1):
        nar = sum(sp.binomial(n, j) * sp.binomial(n, j - 1) / n * c ** (j - 1) for j in range(1, n + 1))
        out.append(_simp(s**n * nar))
    return out


def series_layer_moments(phi, layer_list: Sequence[Layer], k: int = 4, sigma_x=1,
                         exact: Optional[bool] = None, dps: int = 30) -> List[List]:
    """Moments m_1 … m_k of K_0, K_1, …, K_L by the S-transform route.

    Parameters
    ----------
    exact : bool, optional
        Exact SymPy arithmetic (rational functions of π, √2, … when the layer parameters
        contain them). Default: exact when every parameter is rational, else ``dps``-digit
        floats (exact expressions in π grow quickly with depth).

    Returns a list of L + 1 lists (K_0 = XᵀX/n0 ~ σx²·MP_{1/φ} first).
    """
    phi = sp.nsimplify(phi)
    params = [sp.sympify(v) for layer in layer_list for v in (layer.a, layer.b, layer.c)]
    if exact is None:
        exact = all(v.is_Rational for v in params)

    def num(v):
        v = sp.sympify(v)
        return v if exact or v.is_Rational else sp.Float(sp.N(v, dps + 10), dps + 10)

    cur = mp_moments(1 / phi, sp.nsimplify(sigma_x) ** 2, k)
    out = [cur]
    for layer in layer_list:
        a, b, c = num(layer.a), num(layer.b), num(layer.c)
        if a == 0:
            h = [b**n for n in range(1, k + 1)]
        else:
            h = affine_moments(cur, a, b)
        cur = mp_product_moments(h, c)
        out.append(cur)
    return out
