"""The Gaussian–erf class: E[xⁿ exp(Ax² + Bx) Π erf(c_i x + d_i)] on an interval, exactly.

Completing the square maps x ~ N(0, v) with the weight exp(Ax² + Bx) to a standard normal
Y (:func:`_gauss_erf`); then :func:`_std` applies Stein's lemma with boundary terms,
E[Yʲ h(Y) 1{lo<Y<hi}] = [−Y^{j−1} h φ] + (j−1)E[Y^{j−2} h] + E[Y^{j−1} h′], which turns each
erf into a Gaussian and recurses, down to the truncated moments
(:mod:`~rmtsym.gaussian.truncated_moments`) and the table of base integrals
(:mod:`~rmtsym.gaussian.erf_table`). Odd integrands vanish on the line; even ones on a
half-line are half the line.
"""
from __future__ import annotations

import functools

import sympy as sp

from ..errors import ActivationError
from .erf_table import _erf_table
from .timeouts import _NoClosedForm
from .truncated_moments import _phi, _tail_moment


_SQRTPI = sp.sqrt(sp.pi)


def _boundary_value(j, erfs, t):
    """t^{j-1} Π erf(c t + d) φ(t), 0 at infinite t."""
    if t in (sp.oo, -sp.oo):
        return sp.Integer(0)
    val = t ** (j - 1) * _phi(t)
    for c, d in erfs:
        val *= sp.erf(c * t + d)
    return val


@functools.lru_cache(maxsize=4096)
def _std(j: int, erfs: tuple, lo, hi):
    """E[Yʲ Π_i erf(c_i Y + d_i) 1{lo < Y < hi}] for Y ~ N(0, 1), exactly.

    Raises :class:`_NoClosedForm` when the base integral is not in the table.
    """
    consts = [sp.erf(d) for c, d in erfs if c == 0]
    erfs = tuple(sorted(((c, d) for c, d in erfs if c != 0), key=sp.default_sort_key))
    factor = sp.Mul(*consts)
    if factor == 0:
        return sp.Integer(0)
    if not erfs:
        return factor * (_tail_moment(j, lo) - _tail_moment(j, hi))
    whole = lo == -sp.oo and hi == sp.oo
    centred = all(d == 0 for _, d in erfs)
    if whole and centred and (j + len(erfs)) % 2 == 1:
        return sp.Integer(0)  # odd integrand
    if centred and (j + len(erfs)) % 2 == 0 and (lo, hi) in ((0, sp.oo), (-sp.oo, 0)):
        return _std(j, erfs, -sp.oo, sp.oo) * factor / 2  # even integrand on a half-line
    if j >= 1:
        # Stein with boundary terms: ∫ yʲ h φ = [−y^{j−1} h φ] + (j−1)∫ y^{j−2} h φ + ∫ y^{j−1} h′ φ
        out = _boundary_value(j, erfs, lo) - _boundary_value(j, erfs, hi)
        if j >= 2:
            out += (j - 1) * _std(j - 2, erfs, lo, hi)
        for i, (c, d) in enumerate(erfs):
            others = erfs[:i] + erfs[i + 1:]
            # erf′(cy + d) = (2c/√π) exp(−(cy + d)²)
            out += (2 * c / _SQRTPI) * sp.exp(-d ** 2) * _gauss_erf(
                j - 1, -c ** 2, -2 * c * d, others, lo, hi, sp.Integer(1))
        return factor * out
    # j == 0: table of base integrals
    return factor * _erf_table(erfs, lo, hi)


def _gauss_erf(n: int, A, B, erfs: tuple, lo, hi, v, conditions=None):
    """E[xⁿ exp(A x² + B x) Π erf(c_i x + d_i) 1{lo < x < hi}] for x ~ N(0, v).

    Completing the square: e^{Ax²+Bx} N(0, v) = K·N(m, w) with p = 1 − 2Av > 0,
    w = v/p, m = B w, K = exp(B² w/2)/√p; then x = m + √w·Y and the binomial expansion
    of xⁿ reduces everything to :func:`_std`.
    """
    p = sp.expand(1 - 2 * A * v)
    if p.is_number:
        if not (sp.re(p) > 0):
            raise ActivationError("the activation grows too fast: its Gaussian integral diverges")
    elif conditions is not None:
        conditions.append(p)
    if A == 0:
        sqrt_w = sp.sqrt(v)
    else:
        sqrt_w = sp.sqrt(v) / sp.sqrt(p)
    w = sqrt_w ** 2
    m = B * w
    K = sp.exp(B ** 2 * w / 2) / sp.sqrt(p) if (A != 0 or B != 0) else sp.Integer(1)
    if m != 0 and not m.is_real and (lo not in (-sp.oo,) or hi not in (sp.oo,)):
        raise _NoClosedForm("complex shift on a finite interval")
    t_lo = lo if lo in (sp.oo, -sp.oo) else (lo - m) / sqrt_w
    t_hi = hi if hi in (sp.oo, -sp.oo) else (hi - m) / sqrt_w
    new_erfs = tuple((sp.expand(c * sqrt_w), sp.expand(c * m + d)) for c, d in erfs)
    total = sp.Integer(0)
    for k in range(n + 1):
        coeff = sp.binomial(n, k) * m ** (n - k) * sqrt_w ** k
        if coeff == 0:
            continue
        total += coeff * _std(k, new_erfs, t_lo, t_hi)
    return K * total
