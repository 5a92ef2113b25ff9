r"""Exact moments of J Jᵀ from the S-transform product, for any network.

With the notation of :mod:`rmtsym.networks.jacobian.density` (C_l = n_l/n_L, c_l = n_{l−1}/n_l), the χ-transform of M_L = J Jᵀ is the power series

    χ_{M_L}(W) = [w_0/(1 + w_0)] Π_l S_{D_l²}(W/C_l) S_{W̃_lᵀW̃_l}(W/C_{l−1}),     w_0 = W/C_0,

with S_{D²} the series reversion of ψ_{D²}(u) = Σ_k μ_k u^k, μ_k = E φ′(√q^l Z)^{2k}
(Voiculescu; Pennington, Schoenholz & Ganguli 2017 for the square case; Pastur & Slavin
2023 for its rigorous limit with i.i.d. weights of finite fourth moment). Reverting χ gives
ψ_{M_L} = Σ_k m_k W^k, the moments m_k = lim (1/n_L) E tr (J Jᵀ)^k, at any precision.
m_1 = Π_l σ_{w,l}² μ_1^{(l)} whatever the widths.
"""
from __future__ import annotations

from typing import List

import mpmath

from ...numbers import Certified
from . import series as ser
from .layers import derivative_moments

__all__ = ["network_moments", "MAX_ORDER"]

MAX_ORDER = 12


def _s_weight(iid: bool, c, sw2, C, C_prev, K):
    """Series in W of S_{W̃ᵀW̃}(W/C_prev) (see the module docstring)."""
    base = c / sw2
    if iid:  # (c/σ²)/(1 + W/C)
        return [base * (-1 / C) ** k for k in range(K)]
    if c <= 1:
        return [base] + [mpmath.mpf(0)] * (K - 1)
    num = [mpmath.mpf(1), 1 / C_prev] + [mpmath.mpf(0)] * (K - 2)
    den = ser.inverse([mpmath.mpf(1), 1 / C] + [mpmath.mpf(0)] * (K - 2), K - 1)
    return [base * v for v in ser.mul(num, den, K - 1)]


def network_moments(network, mean_field, order: int = 4, dps: int = 20) -> List[Certified]:
    """m_1..m_order of the limit law of J Jᵀ (n_L × n_L) for ``network`` at ``mean_field``.

    Each layer's μ_k is a certified quadrature (or exact for a read-out / linear layer);
    the result carries the least number of digits of its inputs, less two.
    """
    K = int(order)
    ws = network.widths
    L = network.depth
    cache = {}
    digits = min(c.digits for c in mean_field.q)
    mus = []
    for i, layer in enumerate(network.layers):
        q = mean_field.q[i].value
        key = (None if layer.activation is None else id(layer.activation), q)
        if key not in cache:
            cache[key] = derivative_moments(layer.activation, q, K, dps)
        mus.append(cache[key])
        digits = min(digits, *(m.digits for m in cache[key]))
    with mpmath.workdps(dps + 10):
        Cs = [mpmath.mpf(1)] * (L + 1)
        for l in range(L, 0, -1):
            Cs[l - 1] = Cs[l] * (mpmath.mpf(ws[l - 1]) / ws[l] if ws is not None else 1)
        # χ_{M_L}(W)/W as a series: (1/C_0)/(1 + W/C_0) · Π_l S_{D_l²}(W/C_l) S_W(...)
        C0 = Cs[0]
        total = [(1 / C0) * (-1 / C0) ** k for k in range(K)]
        s_cache = {}
        for i, layer in enumerate(network.layers):
            key = (id(mus[i]), Cs[i + 1])
            if key not in s_cache:
                sD = ser.s_from_moments([m.value for m in mus[i]], K)
                s_cache[key] = ser.rescale(sD, 1 / Cs[i + 1])
            sw2 = mpmath.mpf(layer.sigma_w) ** 2
            c = mpmath.mpf(ws[i]) / ws[i + 1] if ws is not None else mpmath.mpf(1)
            sW = _s_weight(layer.weights.iid, c, sw2, Cs[i + 1], Cs[i], K)
            total = ser.mul(ser.mul(total, s_cache[key], K - 1), sW, K - 1)
        chi = [mpmath.mpf(0)] + total
        psi = ser.reversion(chi, K)
        ms = psi[1:K + 1]
    return [Certified(m, max(digits - 2, 1), "S-transform series") for m in ms]
