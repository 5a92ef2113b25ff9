"""Route 3: exact finite-size moments of the Gaussian-equivalent linear model by Wick pairings.

Model (Péché 2019; ``docs/theory.md`` §2)::

    Y = √ζ · W X + √(η − ζ) · Z,     M = YYᵀ/m,
    W: n1×n0, N(0, 1/n0);   X: n0×m, N(0, 1);   Z: n1×m, N(0, 1);  all independent, real.

We compute E (1/n1) tr M^k *exactly* at finite n0, n1, m by the genus (Wick) expansion
('t Hooft 1974; for real Gaussian matrices e.g. Mingo & Speicher, *Free Probability and
Random Matrices*, 2017, ch. 1 and 3):

* tr (YYᵀ)^k = Σ Y_{i1 μ1} Y_{i2 μ1} Y_{i2 μ2} Y_{i3 μ2} ⋯ Y_{i1 μk}: a closed walk of 2k
  edges, each edge an entry Y_{iμ} joining a row vertex i ∈ [n1] to a column vertex
  μ ∈ [m]. Edge 2s is Y_{i_s μ_s}, edge 2s+1 is Y_{i_{s+1} μ_s}.
* Expand each Y = A + B, A = √ζ WX, B = √(η − ζ) Z (a *word* in {A, B}^{2k}). Each A-edge
  splits into a W-edge (i, a) and an X-edge (a, μ) through its own inner vertex a ∈ [n0].
* By Wick's theorem the expectation is a sum over pairings of the W-edges, of the
  X-edges and of the Z-edges (each type pairs only with itself). For real Gaussians,
  E G_{pq} G_{p'q'} = δ_{pp'} δ_{qq'}, so a pairing glues the two row ends and the two
  column ends of the paired edges. The free index sums then give
  n1^{#row classes} · m^{#column classes} · n0^{#inner classes}.
* A word with 2r A-edges and 2s B-edges carries ζ^r (η − ζ)^s n0^{−r} (the W variance).

Hence, exactly,

    E (1/n1) tr M^k = (1/(n1 m^k)) Σ_words ζ^r (η−ζ)^s n0^{−r}
                      Σ_{σ_W, σ_X, σ_Z} n1^{R(σ_W, σ_Z)} m^{C(σ_X, σ_Z)} n0^{I(σ_W, σ_X)}.

Structure used for speed: the row classes R depend only on (σ_W, σ_Z), the column
classes C only on (σ_X, σ_Z), and the inner classes I only on (σ_W, σ_X), where I is
the number of cycles of the union of two perfect matchings (half the cycles of the
permutation σ_W σ_X). I is computed for all pairs at once with numpy pointer jumping;
words are reduced modulo the symmetries of the trace (rotation by one factor YYᵀ and
transposition, which reverses the word). k = 4 takes well under a second, k = 5 a few
seconds.

The result is a Laurent polynomial in n0, n1, m with polynomial coefficients in η, ζ;
substituting n0 = φm, n1 = φm/ψ and letting m → ∞ keeps the degree-0 part, which must
equal the limiting moment m_k (the other routes); the degree −1 part is the exact 1/m
correction of the linear model.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Dict, List, Tuple

import numpy as np
import sympy as sp

from ..symbols import eta, m, n0, n1, zeta
from ._common import check_order, coefficients_to_expr

#: k = 5 takes seconds; k = 6 would need ~10^8 pairs of pairings for the all-A word
MAX_WICK_ORDER = 5

#: key (r, s, e0, e1, em): coefficient of ζ^r (η−ζ)^s n0^e0 n1^e1 m^em
WickKey = Tuple[int, int, int, int, int]


@lru_cache(maxsize=None)
def perfect_matchings(n: int) -> np.ndarray:
    """All perfect matchings of {0, …, n−1} as partner arrays, shape ((n−1)!!, n)."""
    if n % 2:
        raise ValueError("perfect matchings need an even number of points")
    out = []

    def rec(free, partner):
        if not free:
            out.append(list(partner))
            return
        a, rest = free[0], free[1:]
        for j, b in enumerate(rest):
            partner[a], partner[b] = b, a
            rec(rest[:j] + rest[j + 1:], partner)

    rec(list(range(n)), [0] * n)
    return np.array(out, dtype=np.int64).reshape(len(out), n)


def _row_vertex(p: int, k: int) -> int:
    return (p // 2) if p % 2 == 0 else (p // 2 + 1) % k


def _classes(nvert: int, pairs) -> int:
    parent = list(range(nvert))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    n = nvert
    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            n -= 1
    return n


def _cycles_of_two_matchings(mw: np.ndarray, mx: np.ndarray) -> np.ndarray:
    """#cycles of the union of matchings mw[i] and mx[j], for all i, j (array nW × nX).

    The permutation π = σ_W∘σ_X has each such cycle as two orbits, so the count is
    (#orbits of π)/2; orbits are labelled by their minimum through pointer jumping.
    """
    nw, n = mw.shape
    nx = mx.shape[0]
    if n == 0:
        return np.zeros((nw, nx), dtype=np.int64)
    out = np.empty((nw, nx), dtype=np.int64)
    steps = int(np.ceil(np.log2(max(n, 2)))) + 1
    chunk = max(1, 2_000_000 // max(1, nx * n))
    for start in range(0, nw, chunk):
        w = mw[start:start + chunk]                              # (c, n)
        perm = np.take_along_axis(
            np.broadcast_to(w[:, None, :], (w.shape[0], nx, n)),
            np.broadcast_to(mx[None, :, :], (w.shape[0], nx, n)), axis=2)  # π(i) = σW(σX(i))
        label = np.broadcast_to(np.arange(n), perm.shape).copy()
        for _ in range(steps):
            label = np.minimum(label, np.take_along_axis(label, perm, axis=2))
            perm = np.take_along_axis(perm, perm, axis=2)
        roots = (label == np.arange(n)).sum(axis=2)
        out[start:start + chunk] = roots // 2
    return out


def _canonical(word: Tuple[int, ...]) -> Tuple[int, ...]:
    """Smallest image of a word under rotations by two letters and reversal."""
    n = len(word)
    best = None
    for w in (word, word[::-1]):
        for shift in range(0, n, 2):
            cand = w[shift:] + w[:shift]
            if best is None or cand < best:
                best = cand
    return best


def _word_counts(word: Tuple[int, ...], k: int) -> Counter:
    """Counter {(R, C, I): #pairing triples} for one word (0 = A-edge, 1 = B-edge)."""
    a_pos = [p for p, letter in enumerate(word) if letter == 0]
    b_pos = [p for p, letter in enumerate(word) if letter == 1]
    mw = perfect_matchings(len(a_pos))
    mz = perfect_matchings(len(b_pos))
    rows_a = [_row_vertex(p, k) for p in a_pos]
    cols_a = [p // 2 for p in a_pos]
    rows_b = [_row_vertex(p, k) for p in b_pos]
    cols_b = [p // 2 for p in b_pos]

    def glue(match, ends):
        return [(ends[i], ends[j]) for i, j in enumerate(match) if i < j]

    # R[W, Z]: row classes; C[X, Z]: column classes (X ranges over the same matchings)
    R = np.array([[_classes(k, glue(w, rows_a) + glue(z, rows_b)) for z in mz] for w in mw])
    C = np.array([[_classes(k, glue(x, cols_a) + glue(z, cols_b)) for z in mz] for x in mw])
    Inner = _cycles_of_two_matchings(mw, mw)                  # (nW, nX)
    base = k + 1
    counts = Counter()
    for iz in range(len(mz)):
        idx = (R[:, iz][:, None] * base + C[:, iz][None, :]) * (2 * k + 1) + Inner
        binc = np.bincount(idx.ravel())
        for code in np.nonzero(binc)[0]:
            rc, inner = divmod(int(code), 2 * k + 1)
            r_, c_ = divmod(rc, base)
            counts[(r_, c_, inner)] += int(binc[code])
    return counts


@lru_cache(maxsize=None)
def _finite_size_table(k: int) -> Dict[WickKey, int]:
    orbit = Counter()
    for bits in range(1 << (2 * k)):
        word = tuple((bits >> p) & 1 for p in range(2 * k))
        if word.count(0) % 2:
            continue                                          # odd number of W's: zero
        orbit[_canonical(word)] += 1
    table = Counter()
    for word, mult in orbit.items():
        r, s = word.count(0) // 2, word.count(1) // 2
        for (rows, cols, inner), cnt in _word_counts(word, k).items():
            # (1/(n1 m^k)) ζ^r (η−ζ)^s n0^{−r} n1^rows m^cols n0^inner
            table[(r, s, inner - r, rows - 1, cols - k)] += mult * cnt
    return dict(table)


def wick_finite_size_table(k: int) -> Dict[WickKey, int]:
    """Exact finite-size E (1/n1) tr M^k as integer coefficients.

    Returns
    -------
    dict
        (r, s, e0, e1, em) ↦ integer coefficient of ζ^r (η−ζ)^s n0^e0 n1^e1 m^em, all
        e ≤ 0 in total degree (see module docstring for the expansion).
    """
    k = check_order(k, MAX_WICK_ORDER, "wick")
    return dict(_finite_size_table(k))


def wick_finite_size(k: int) -> List[sp.Expr]:
    """Exact E (1/n1) tr (YYᵀ/m)^j, j = 1..k, for Y = √ζ WX + √(η−ζ) Z at finite size.

    Parameters
    ----------
    k : int
        Highest order, 1 ≤ k ≤ ``MAX_WICK_ORDER``.

    Returns
    -------
    list of sympy.Expr
        Polynomials in η, ζ, 1/n0, 1/n1, 1/m (symbols ``n0``, ``n1``, ``m`` of
        :mod:`rmtsym.symbols`), e.g. for j = 2 with ζ = 0: η²(1 + (n1 + 1)/m), the real Wishart value.
    """
    k = check_order(k, MAX_WICK_ORDER, "wick")
    out = []
    for j in range(1, k + 1):
        terms = [c * zeta**r * (eta - zeta)**s * n0**e0 * n1**e1 * m**em
                 for (r, s, e0, e1, em), c in _finite_size_table(j).items()]
        out.append(sp.expand(sp.Add(*terms)))
    return out


def finite_size_moment(k: int, eta_value, zeta_value, n0_value, n1_value, m_value) -> float:
    """Numerical value of the exact finite-size moment E (1/n1) tr M^k (floats)."""
    k = check_order(k, MAX_WICK_ORDER, "wick")
    d = eta_value - zeta_value
    return float(sum(c * zeta_value**r * d**s * float(n0_value)**e0 * float(n1_value)**e1
                     * float(m_value)**em
                     for (r, s, e0, e1, em), c in _finite_size_table(k).items()))


def _by_order(k: int) -> Dict[int, Counter]:
    """Group the table by total degree in 1/m after n0 = φm, n1 = φm/ψ.

    Returns {−degree: Counter{(r, s, c, d): coeff}} with monomials ζ^r (η−ζ)^s φ^c ψ^(−d).
    """
    out: Dict[int, Counter] = {}
    for (r, s, e0, e1, em), coeff in _finite_size_table(k).items():
        deg = e0 + e1 + em
        if deg > 0:
            raise ArithmeticError(f"the Wick expansion of m_{k} grows with the size")
        out.setdefault(-deg, Counter())[(r, s, e0 + e1, e1)] += coeff
    return out


def _to_eta_basis(terms: Counter) -> Dict[Tuple[int, int, int, int], int]:
    """Rewrite ζ^r (η−ζ)^s φ^c ψ^(−d) in the basis η^a ζ^b φ^c ψ^(−d) (binomial expansion)."""
    from math import comb
    out = Counter()
    for (r, s, c, d), coeff in terms.items():
        for j in range(s + 1):            # (η−ζ)^s = Σ_j C(s,j) η^j (−ζ)^{s−j}
            out[(j, r + s - j, c, d)] += coeff * comb(s, j) * (-1) ** (s - j)
    return {key: v for key, v in out.items() if v}


def wick_coefficients(k: int) -> List[Dict[Tuple[int, int, int, int], int]]:
    """Leading-order coefficients {(a, b, c, d): coeff of η^a ζ^b φ^c ψ^(−d)} of m_1..m_k."""
    k = check_order(k, MAX_WICK_ORDER, "wick")
    return [_to_eta_basis(_by_order(j).get(0, Counter())) for j in range(1, k + 1)]


def wick_moments(k: int) -> List[sp.Expr]:
    """Limiting moments m_1..m_k as the leading order of the exact Wick expansion.

    With n0 = φm, n1 = φm/ψ, E (1/n1) tr M^j = m_j + c_j/m + O(1/m²); m_j is returned,
    as a polynomial in η, ζ, φ, 1/ψ (shared symbols). It counts the pairings whose
    index cycles reach the maximal number (the planar ones).
    """
    return [coefficients_to_expr(c) for c in wick_coefficients(k)]


def wick_correction(k: int) -> List[sp.Expr]:
    """The exact 1/m coefficients c_1..c_k of the linear model (n0 = φm, n1 = φm/ψ).

    E (1/n1) tr M^j = m_j + c_j/m + O(1/m²) for Y = √ζ WX + √(η−ζ) Z; for a real
    Wishart (ζ = 0) c_2 = η², from E tr (ZZᵀ)² = n1 m (n1 + m + 1).
    """
    k = check_order(k, MAX_WICK_ORDER, "wick")
    return [coefficients_to_expr(_to_eta_basis(_by_order(j).get(1, Counter())))
            for j in range(1, k + 1)]


__all__ = ["wick_moments", "wick_finite_size", "wick_finite_size_table", "wick_coefficients",
           "wick_correction", "finite_size_moment", "perfect_matchings", "MAX_WICK_ORDER",
           "n0", "n1", "m"]
