"""Truncated moments of the standard normal: ∫_t^∞ yʲ φ(y) dy.

Integration by parts (yφ = −φ′): T_j = t^{j−1} φ(t) + (j−1) T_{j−2}, T_0 = erfc(t/√2)/2,
T_1 = φ(t); on the whole line the moments (j−1)!! — the Hermite/Wick rule for polynomials.
"""
from __future__ import annotations

import functools

import sympy as sp


_SQRT2 = sp.sqrt(2)


def _phi(t):
    """Standard normal density at t (0 at ±∞)."""
    if t in (sp.oo, -sp.oo):
        return sp.Integer(0)
    return sp.exp(-t ** 2 / 2) / sp.sqrt(2 * sp.pi)


@functools.lru_cache(maxsize=4096)
def _tail_moment(j: int, t):
    """∫_t^∞ yʲ φ(y) dy  (φ the standard normal density).

    Recursion (integration by parts, yφ = −φ′): T_j = t^{j−1} φ(t) + (j−1) T_{j−2},
    T_0 = erfc(t/√2)/2, T_1 = φ(t).  For t = −∞ these are the moments (j−1)!! (0 for odd j).
    """
    if t == sp.oo:
        return sp.Integer(0)
    if t == -sp.oo:
        return sp.Integer(0) if j % 2 else sp.factorial2(j - 1) if j else sp.Integer(1)
    if j == 0:
        return sp.erfc(t / _SQRT2) / 2
    if j == 1:
        return _phi(t)
    return t ** (j - 1) * _phi(t) + (j - 1) * _tail_moment(j - 2, t)
