"""Route 2: exact moments by free probability, enumerating non-crossing partitions.

Péché (Electron. Commun. Probab. 24, 2019) shows that the Pennington–Worah law is the
limiting spectrum of the Gaussian-equivalent linear model (``docs/theory.md`` §2)::

    Y_lin = √ζ · Ŵ X̂ + √(η − ζ) · Z,
    μ_PW = MP_{φ/ψ} ⊠ T#MP_{1/ψ},        T(λ) = ζλ + (η − ζ).

Conventions. MP_c is the Marchenko–Pastur law with mean 1 and ratio c, i.e. the free
Poisson law with rate 1/c and jump size c; its free cumulants are κ_n = c^{n−1}
(Nica & Speicher, *Lectures on the Combinatorics of Free Probability*, 2006, Lecture 12). Given Ŵ, the m columns of Y_lin
are iid N(0, Σ) with Σ = ζŴŴᵀ + (η − ζ)I (n1×n1), so M = YYᵀ/m is a sample covariance
with n1 rows and m samples: the *sampling* factor is a = MP_{n1/m} = MP_{φ/ψ} (mean 1),
and the *population* factor is b = T#MP_{n1/n0} = T#MP_{1/ψ}, ŴŴᵀ having mean 1
because Ŵ has N(0, 1/n0) entries. With these normalisations m_1 = κ_1(a) m_1(b) = η.

Algorithm (no series, no spectral equation):

1. free cumulants of b: κ_1(b) = ζ·1 + (η − ζ), κ_n(b) = ζ^n ψ^{1−n} for n ≥ 2 (a
   constant is free from everything and only shifts κ_1);
2. m_n(b) = Σ_{π ∈ NC(n)} Π_{V ∈ π} κ_{|V|}(b) (moment–cumulant formula);
3. m_n(ab) = Σ_{π ∈ NC(n)} κ_π(a) m_{K(π)}(b), K the Kreweras complement (Nica &
   Speicher, Thm. 14.4), with κ_π(a) = (φ/ψ)^{n − #π}.

The sums run over explicitly enumerated non-crossing partitions; the Kreweras
complement is computed as the permutation π⁻¹γ, γ = (1 2 … n), whose cycles are the
blocks of K(π). The alternative formula κ_n(ab) = Σ_π κ_π(a) κ_{K(π)}(b) is also
provided (``free_cumulants_of_product``) and used as an internal check.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Dict, Iterator, List, Tuple

import sympy as sp
from sympy import QQ
from sympy.polys.rings import ring

from ..symbols import eta, phi, psi, zeta
from ._common import check_order, coefficients_to_expr

#: NC(12) has 208 012 partitions (a few seconds); NC(14) has 2.7 million
MAX_FREE_ORDER = 12

# r = 1/ψ is a ring generator, so every quantity is a polynomial
_r = sp.Symbol("r_inv_psi")
_R, _ETA, _ZETA, _PHI, _RR = ring([eta, zeta, phi, _r], QQ)


def noncrossing_partitions(n: int) -> Iterator[Tuple[Tuple[int, ...], ...]]:
    """Enumerate NC(n): the non-crossing partitions of {0, …, n−1}.

    Recursion on the block containing the smallest element: if that block is
    {s = b_0 < b_1 < … < b_j}, the gaps (b_i, b_{i+1}) and (b_j, end) are filled with
    non-crossing partitions of their own, independently (a crossing with the first
    block would need elements on both sides of some b_i).

    Yields
    ------
    tuple of tuple of int
        The blocks, each sorted; there are Catalan(n) partitions.
    """
    yield from _nc(0, n)


def _nc(start: int, end: int):
    if start >= end:
        yield ()
        return
    rest = list(range(start + 1, end))
    # choose the other elements of the first block as a subset of rest, then fill gaps
    for mask in range(1 << len(rest)):
        block = [start] + [rest[i] for i in range(len(rest)) if mask >> i & 1]
        gaps = [(block[i] + 1, block[i + 1]) for i in range(len(block) - 1)] + [(block[-1] + 1, end)]
        yield from _fill(tuple(block), gaps)


def _fill(block, gaps):
    if not gaps:
        yield (block,)
        return
    (lo, hi), more = gaps[0], gaps[1:]
    for first in _nc(lo, hi):
        for tail in _fill(block, more):
            yield first + tail


def kreweras_block_sizes(partition, n: int) -> Tuple[int, ...]:
    """Block sizes of the Kreweras complement K(π), from the permutation π⁻¹γ.

    π is read as the permutation sending each element of a block to the next one in
    increasing cyclic order; γ(i) = i + 1 mod n. The cycles of π⁻¹γ are the blocks
    of K(π) (Biane's permutation form of Kreweras' complement; Nica & Speicher,
    Lectures 9 and 18), and #π + #K(π) = n + 1.
    """
    pinv = [0] * n
    for block in partition:
        L = len(block)
        for i in range(L):
            pinv[block[(i + 1) % L]] = block[i]
    perm = [pinv[(i + 1) % n] for i in range(n)]
    seen = [False] * n
    sizes = []
    for i in range(n):
        if not seen[i]:
            L, j = 0, i
            while not seen[j]:
                seen[j] = True
                j = perm[j]
                L += 1
            sizes.append(L)
    return tuple(sorted(sizes))


@lru_cache(maxsize=None)
def _types(n: int) -> Dict[Tuple[Tuple[int, ...], Tuple[int, ...]], int]:
    """Counter of (block sizes of π, block sizes of K(π)) over π ∈ NC(n)."""
    counts = Counter()
    for part in noncrossing_partitions(n):
        sizes = tuple(sorted(len(b) for b in part))
        counts[(sizes, kreweras_block_sizes(part, n))] += 1
    return dict(counts)


def _block_products(values, n: int):
    """Σ_{π ∈ NC(n)} Π_{V∈π} values[|V|], the sum grouped by block-size type."""
    out = _R.zero
    per_type = Counter()
    for (sizes, _k), cnt in _types(n).items():
        per_type[sizes] += cnt
    for sizes, cnt in per_type.items():
        term = _R(cnt)
        for s in sizes:
            term *= values[s]
        out += term
    return out


def _factors(n: int):
    c = _PHI * _RR                                   # φ/ψ, ratio of the sampling factor
    kappa_a = {j: c ** (j - 1) for j in range(1, n + 1)}
    kappa_b = {1: _ETA}                              # ζ·1 + (η − ζ)
    for j in range(2, n + 1):
        kappa_b[j] = _ZETA ** j * _RR ** (j - 1)     # ζ^j κ_j(MP_{1/ψ})
    mom_b = {j: _block_products(kappa_b, j) for j in range(1, n + 1)}
    return kappa_a, kappa_b, mom_b


def _ring_to_coeffs(p) -> Dict[Tuple[int, int, int, int], int]:
    out = {}
    for (a, b, c, d), v in p.terms():
        if v.denominator != 1:
            raise ArithmeticError("non-integer coefficient in a free-probability moment")
        out[(a, b, c, d)] = int(v.numerator)
    return out


def _kreweras_sum(n: int, left, right):
    """Σ_{π ∈ NC(n)} left_π · right_{K(π)}, grouped by the block sizes of π and of its
    Kreweras complement K(π) (``left``/``right``: tables indexed by block size)."""
    total = _R.zero
    for (sizes, ksizes), cnt in _types(n).items():
        term = _R(cnt)
        for s in sizes:
            term *= left[s]
        for s in ksizes:
            term *= right[s]
        total += term
    return total


def free_coefficients(k: int) -> List[Dict[Tuple[int, int, int, int], int]]:
    """Integer coefficients {(a, b, c, d): coeff of η^a ζ^b φ^c ψ^(−d)} of m_1..m_k."""
    k = check_order(k, MAX_FREE_ORDER, "free")
    kappa_a, _kb, mom_b = _factors(k)
    return [_ring_to_coeffs(_kreweras_sum(n, kappa_a, mom_b)) for n in range(1, k + 1)]


def free_cumulants_of_product(k: int) -> List[sp.Expr]:
    """Free cumulants κ_n(ab) = Σ_{π∈NC(n)} κ_π(a) κ_{K(π)}(b), n = 1..k.

    Nica & Speicher, Thm. 14.4, with a = MP_{φ/ψ} and b = T#MP_{1/ψ} as in the module
    docstring. Used to cross-check :func:`free_moments` through the moment–cumulant
    formula.
    """
    k = check_order(k, MAX_FREE_ORDER, "free")
    kappa_a, kappa_b, _mb = _factors(k)
    return [_ring_expr(_kreweras_sum(n, kappa_a, kappa_b)) for n in range(1, k + 1)]


def moments_from_cumulants(kappas: List[sp.Expr]) -> List[sp.Expr]:
    """m_n = Σ_{π ∈ NC(n)} Π_V κ_{|V|}, n = 1..len(kappas) (moment–free-cumulant formula)."""
    k = len(kappas)
    check_order(k, MAX_FREE_ORDER, "free")
    out = []
    for n in range(1, k + 1):
        per_type = Counter()
        for (sizes, _k), cnt in _types(n).items():
            per_type[sizes] += cnt
        out.append(sp.expand(sp.Add(*[cnt * sp.Mul(*[kappas[s - 1] for s in sizes])
                                      for sizes, cnt in per_type.items()])))
    return out


def _ring_expr(p) -> sp.Expr:
    return sp.expand(p.as_expr().subs(_r, 1 / psi))


def free_moments(k: int) -> List[sp.Expr]:
    """Exact limiting moments m_1..m_k of MP_{φ/ψ} ⊠ T#MP_{1/ψ} by non-crossing partitions.

    m_n(ab) = Σ_{π∈NC(n)} (φ/ψ)^{n−#π} Π_{V∈K(π)} m_{|V|}(b), with
    m_j(b) = Σ_{σ∈NC(j)} Π_{V∈σ} κ_{|V|}(b), κ_1(b) = η, κ_j(b) = ζ^j ψ^{1−j} (j ≥ 2);
    Péché (2019) / docs/theory.md §2 for the law, Nica & Speicher (2006) Thm. 14.4 for ⊠.

    Parameters
    ----------
    k : int
        Highest order, 1 ≤ k ≤ ``MAX_FREE_ORDER`` (NC(k) is enumerated, Catalan(k) terms).

    Returns
    -------
    list of sympy.Expr
        m_1, …, m_k in η, ζ, φ, 1/ψ (shared symbols); m_1 = η.
    """
    return [coefficients_to_expr(c) for c in free_coefficients(k)]


__all__ = ["free_moments", "free_coefficients", "free_cumulants_of_product",
           "moments_from_cumulants", "noncrossing_partitions", "kreweras_block_sizes",
           "MAX_FREE_ORDER"]
