r"""Power series of the free multiplicative convolution (mpmath coefficient lists).

For a law ν with moments m_k: ψ_ν(y) = Σ_k m_k y^k, χ_ν = ψ_ν^{-1} and the S-transform
S_ν(w) = χ_ν(w)(1 + w)/w (Voiculescu). Free products multiply S-transforms:
S_{a⊠b} = S_a S_b. These helpers compose, revert and rescale truncated series.
"""
from __future__ import annotations

import mpmath

from ...errors import RmtsymError

__all__ = ["mul", "compose", "reversion", "s_from_moments", "moments_from_s", "rescale", "inverse"]


def mul(a, b, K):
    """(a·b) truncated after u^K."""
    out = [mpmath.mpf(0)] * (K + 1)
    for i, ai in enumerate(a[:K + 1]):
        if ai == 0:
            continue
        for j, bj in enumerate(b[:K + 1 - i]):
            out[i + j] += ai * bj
    return out


def compose(f, g, K):
    """f(g(u)) truncated at u^K, g[0] = 0."""
    out = [mpmath.mpf(0)] * (K + 1)
    out[0] = f[0]
    power = [mpmath.mpf(1)] + [mpmath.mpf(0)] * K
    for j in range(1, min(len(f), K + 1)):
        power = mul(power, g, K)
        for k in range(K + 1):
            out[k] += f[j] * power[k]
    return out


def reversion(f, K):
    """g with f(g(u)) = u (f[0] = 0, f[1] ≠ 0), to order K."""
    if f[1] == 0:
        raise RmtsymError("the first moment vanishes; the S-transform does not exist")
    g = [mpmath.mpf(0), 1 / f[1]] + [mpmath.mpf(0)] * (K - 1)
    for n in range(2, K + 1):
        c = compose(f, g, n)[n]
        g[n] = -c / f[1]
    return g


def inverse(a, K):
    """1/a as a series (a[0] ≠ 0), coefficients 0..K."""
    out = [1 / a[0]] + [mpmath.mpf(0)] * K
    for n in range(1, K + 1):
        s = sum(a[j] * out[n - j] for j in range(1, min(n, len(a) - 1) + 1))
        out[n] = -s / a[0]
    return out


def rescale(a, factor):
    """Coefficients of a(factor·w): a_k factor^k."""
    return [c * factor ** k for k, c in enumerate(a)]


def s_from_moments(moments, K):
    """S-transform series s_0..s_{K−1} from moments m_1..m_K (S(z) = χ(z)(1 + z)/z)."""
    psi = [mpmath.mpf(0)] + [mpmath.mpf(m) for m in moments[:K]]
    chi = reversion(psi, K)
    chi_over_z = chi[1:] + [mpmath.mpf(0)]
    return mul(chi_over_z, [mpmath.mpf(1), mpmath.mpf(1)], K - 1)


def moments_from_s(s, K):
    """Moments m_1..m_K from the S-transform series (χ(z) = S(z) z/(1 + z), ψ = χ^{-1})."""
    geo = [mpmath.mpf((-1) ** j) for j in range(K + 1)]
    chi = [mpmath.mpf(0)] + mul(s, geo, K - 1)
    psi = reversion(chi, K)
    return psi[1:K + 1]
