r"""Two-point Gaussian expectations of any activation, for all pairs of a Gram at once.

For inputs with pre-activation variances q_i = σ_i² and covariances C_ij, the NNGP and NTK
recursions need F_ij = E[φ(u)φ(v)] and Ḟ_ij = E[φ′(u)φ′(v)], (u, v) ~ N(0, [[q_i, C_ij],
[C_ij, q_j]]). This module computes them for an activation without a closed form, with a
stated error bound, by three separable steps (never a Python loop over pairs):

1. **Mehler's formula** (the Hermite expansion of the bivariate normal density; e.g.
   O'Donnell, *Analysis of Boolean Functions*, §11.2). With c_k(σ) = E[φ(σZ) h_k(Z)] for the
   orthonormal Hermite polynomials h_k,

       F(σ_i, σ_j, ρ) = Σ_k c_k(σ_i) c_k(σ_j) ρ^k,    ρ = C_ij/(σ_i σ_j).

   Truncating at K leaves |R_K| ≤ |ρ|^{K+1} √(T_K(σ_i) T_K(σ_j)) with T_K(σ) = Σ_{k>K} c_k(σ)²
   (Cauchy–Schwarz); the coefficients come from Gauss–Hermite quadrature (discrete
   Parseval gives the tails without cancellation), or from panel Gauss–Legendre rules
   split at the kinks of φ.
2. **A table in θ = arccos ρ**: on P pieces of [0, π], Chebyshev interpolants of degree D,
   built from the series at the Chebyshev points. F is C^∞ in θ on [0, π] for piecewise
   smooth φ; the last Chebyshev coefficients bound the interpolation error.
3. **Chebyshev interpolation in σ** on cells of equal ratio b/a covering the range of the σ_i
   (exact for positively homogeneous φ such as ReLU, whose c(σ) is linear in σ): the coefficient
   vectors c(σ) are interpolated, so that the error in F is at most
   ‖c(σ_i) − ĉ(σ_i)‖₂ ‖c(σ_j)‖₂ + ‖ĉ(σ_i)‖₂ ‖c(σ_j) − ĉ(σ_j)‖₂ (again Cauchy–Schwarz,
   uniformly in ρ), checked at test points between the nodes.

Per pair the cost is a BLAS product with r(D+1) columns and a few vector operations. The
diagonal (one input with itself) is computed directly by 1-D panel quadrature. Lee et al.
("Deep neural networks as Gaussian processes", ICLR 2018, arXiv:1711.00165) interpolate a
lattice in (variance, correlation) for inputs of one norm; the σ-cells here lift that
restriction. Table nodes where the truncated series cannot meet the tolerance (kinked φ
near ρ = ±1) are computed by a direct polar-coordinate rule split at the kinks
(:func:`polar_pair`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

__all__ = ["PairQuadrature", "gauss_1d", "hermite_coefficients", "polar_pair",
           "DEFAULT_TOL"]

#: target absolute error of F and Ḟ, relative to max E φ(σZ)² over the inputs
DEFAULT_TOL = 1e-12

_L = 38.0          # Gaussian tails beyond |z| = 38 are below e^{-722}
_GL_CACHE: dict = {}


def _gl(n):
    if n not in _GL_CACHE:
        _GL_CACHE[n] = np.polynomial.legendre.leggauss(n)
    return _GL_CACHE[n]


def _panel_nodes(edges: np.ndarray, order: int):
    """Gauss–Legendre nodes and weights on the panels between consecutive ``edges`` (last
    axis); zero-length panels give zero weights. Returns arrays of shape edges[..., :-1] ×
    order, flattened on the last two axes."""
    x, w = _gl(order)
    lo, hi = edges[..., :-1, None], edges[..., 1:, None]
    half = (hi - lo) / 2
    nodes = lo + half * (x + 1)
    weights = half * w
    shape = edges.shape[:-1] + ((edges.shape[-1] - 1) * order,)
    return nodes.reshape(shape), weights.reshape(shape)


def _edges(lo, hi, cuts, per_unit, min_panels=8):
    """Sorted panel edges on [lo, hi] (arrays of shape (B,)) with the given cut points
    (B, m) clipped inside, and a uniform subdivision (``per_unit`` panels per unit)."""
    B = lo.shape[0]
    n_uniform = max(min_panels, int(math.ceil(float(np.max(hi - lo)) * per_unit)))
    t = np.linspace(0.0, 1.0, n_uniform + 1)
    uni = lo[:, None] + (hi - lo)[:, None] * t[None, :]
    if cuts is not None and cuts.shape[-1]:
        cl = np.clip(cuts, lo[:, None], hi[:, None])
        uni = np.concatenate([uni, cl], axis=1)
    return np.sort(uni, axis=1)


def gauss_1d(fn, sigmas, kinks=(), per_unit: float = 1.0, order: int = 20,
             estimate: bool = True, L: float = 14.0):
    r"""E fn(σZ) for each σ (array), by panel Gauss–Legendre in z on [−L, L] (the Gaussian
    beyond 14 weighs e^{−98}), split at the kinks κ/σ of z ↦ fn(σz). Returns (values, error
    estimate), the estimate being the difference with half as many panels per unit."""
    s = np.asarray(sigmas, dtype=float)
    out = np.empty_like(s)
    err = np.zeros_like(s)
    zero = s <= 0
    if np.any(zero):
        out[zero] = fn(np.zeros(1))[0]
    pos = ~zero
    if np.any(pos):
        sp_ = s[pos]
        cuts = np.asarray(sorted(kinks), dtype=float)[None, :].repeat(len(sp_), 0) if len(kinks) else None

        def run(pu):
            # integrate in z, panels per unit of z, kinks at κ/σ
            c = None if cuts is None else cuts / sp_[:, None]
            e = _edges(np.full(len(sp_), -L), np.full(len(sp_), L), c, pu)
            z, w = _panel_nodes(e, order)
            with np.errstate(all="ignore"):
                g = fn(sp_[:, None] * z)
            g = np.where(w > 0, g, 0.0)
            return np.sum(w * np.exp(-z * z / 2) * g, axis=1) / math.sqrt(2 * math.pi)

        a = run(per_unit)
        out[pos] = a
        if estimate:
            with np.errstate(invalid="ignore"):  # inf − inf (an overflowing activation): nan,
                err[pos] = np.abs(a - run(per_unit / 2))  # which the callers report
    return out, err


_GH_CACHE: dict = {}
_POW_CACHE: dict = {}


def _gh_nodes(N):
    """Gauss–Hermite nodes (weight e^{−z²/2}/√(2π)) with √weights, the negligible dropped."""
    if N not in _GH_CACHE:
        from scipy.special import roots_hermitenorm
        z, w = roots_hermitenorm(N)
        w = w / math.sqrt(2 * math.pi)
        keep = w > 1e-290
        _GH_CACHE[N] = (z[keep], np.sqrt(w[keep]))
    return _GH_CACHE[N]


def hermite_coefficients(fn, sigmas, K: int, kinks=()) -> Tuple[np.ndarray, np.ndarray]:
    r"""c[a, k] = E[fn(σ_a Z) h_k(Z)], k = 0..K, and the tails T[a, k] = Σ_{j>k} c_j² up to
    the resolution of the rule.

    Smooth fn (no kinks): Gauss–Hermite with N = 2K + 64 nodes shared by every σ; by
    discrete orthogonality Σ_m w_m fn(σz_m)² = Σ_{k<N} c̃_k², so the tails are sums of
    squares (no cancellation). With kinks: panel Gauss–Legendre in z split at κ/σ_a, with
    panels short enough to resolve h_K, and the tail from E fn² − Σ c_k² (1-D quadrature).
    Hermite functions are built by the stable three-term recurrence on √w·h_k.
    """
    s = np.asarray(sigmas, dtype=float)
    R = len(s)
    if not kinks:
        N = 2 * K + 64
        z, sw = _gh_nodes(N)
        with np.errstate(all="ignore"):
            Fv = fn(s[:, None] * z[None, :]) * sw[None, :]
        Fv = np.where(np.isfinite(Fv), Fv, 0.0)
        n_coef = N
        C = np.empty((R, n_coef))
        v0, v1 = sw.copy(), z * sw
        C[:, 0] = Fv @ v0
        C[:, 1] = Fv @ v1
        for k in range(1, n_coef - 1):
            v0, v1 = v1, (z * v1 - math.sqrt(k) * v0) / math.sqrt(k + 1)
            C[:, k + 1] = Fv @ v1
        sq = C * C
        tails = np.cumsum(sq[:, ::-1], axis=1)[:, ::-1]      # tails[:, k] = Σ_{j≥k}
        T = np.concatenate([tails[:, 1:], np.zeros((R, 1))], axis=1)[:, :K + 1]
        return C[:, :K + 1], T
    # kinked: per-σ panels in z, split at κ/σ
    lam = 2 * math.pi / math.sqrt(4 * K + 2)     # shortest local wavelength of h_K
    per_unit = max(2.0, 3.0 / lam)
    ks = np.asarray(sorted(kinks), dtype=float)
    e = _edges(np.full(R, -_L), np.full(R, _L), ks[None, :] / s[:, None], per_unit)
    z, w = _panel_nodes(e, 16)
    wz = w * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    with np.errstate(all="ignore"):
        Fv = np.where(w > 0, fn(s[:, None] * z), 0.0) * wz
    Fv = np.where(np.isfinite(Fv), Fv, 0.0)
    C = np.empty((R, K + 1))
    h0, h1 = np.ones_like(z), z.copy()
    C[:, 0] = np.sum(Fv * h0, 1)
    C[:, 1] = np.sum(Fv * h1, 1)
    # the recurrence on raw h_k overflows only beyond |z| ~ 2√K·e; scale rows when large
    for k in range(1, K):
        h0, h1 = h1, (z * h1 - math.sqrt(k) * h0) / math.sqrt(k + 1)
        C[:, k + 1] = np.sum(Fv * h1, 1)
    tot, _ = gauss_1d(lambda t: fn(t) ** 2, s, kinks, estimate=False)
    T = np.maximum(tot[:, None] - np.cumsum(C * C, axis=1), 0.0)
    return C, T


def polar_pair(fn, sa, sb, theta, kinks, n_r: int = 16, n_b: int = 12):
    r"""E[fn(u) fn(v)] with u = σ_a(cos(θ/2) g₁ + sin(θ/2) g₂), v = σ_b(cos(θ/2) g₁ − sin(θ/2) g₂)
    (correlation cos θ), g ~ N(0, I₂), in polar coordinates g = r(cos β, sin β):
    u = σ_a r cos(β − θ/2), v = σ_b r cos(β + θ/2). The β-integral is split where u or v
    crosses a kink, β = ±θ/2 ± arccos(κ/(σr)); the r-integral at the radii |κ|/σ where those
    crossings appear, with r = r₀ + Δτ² on each panel (the β-integral has a square-root
    onset there). Vectorised over arrays sa, sb, theta of one shape (B,)."""
    sa, sb, th = (np.asarray(v, dtype=float).ravel() for v in (sa, sb, theta))
    B = sa.size
    ks = np.asarray(sorted(kinks), dtype=float)
    rmax = 9.5
    rc = np.concatenate([np.abs(ks)[None, :] / sa[:, None], np.abs(ks)[None, :] / sb[:, None]], 1) \
        if ks.size else np.zeros((B, 0))
    re = _edges(np.zeros(B), np.full(B, rmax), rc, 0.6, min_panels=5)
    x, w = _gl(n_r)
    tau = (x + 1) / 2
    lo, hi = re[:, :-1, None], re[:, 1:, None]
    r = lo + (hi - lo) * tau ** 2
    dr = (hi - lo) * 2 * tau * (w / 2)
    r, dr = r.reshape(B, -1), dr.reshape(B, -1)
    wr = dr * r * np.exp(-r * r / 2)                         # (B, Nr)
    half = th[:, None] / 2
    cuts = []
    for k in ks:
        for s_, sign in ((sa, -1.0), (sb, 1.0)):
            with np.errstate(all="ignore"):
                arg = k / (s_[:, None] * r)
            ok = np.abs(arg) < 1
            ac = np.arccos(np.clip(arg, -1, 1))
            centre = -sign * half                             # u: β − θ/2, v: β + θ/2
            for pm in (1.0, -1.0):
                cuts.append(np.where(ok, np.mod(centre + pm * ac, 2 * np.pi), 0.0))
    Nr = r.shape[1]
    base = np.linspace(0, 2 * np.pi, 7)[None, None, :].repeat(B, 0).repeat(Nr, 1)
    be = np.sort(np.concatenate([base] + [c[:, :, None] for c in cuts], axis=2), axis=2)
    beta, wb = _panel_nodes(be, n_b)                          # (B, Nr, Nb)
    rr = r[:, :, None]
    with np.errstate(all="ignore"):
        fu = fn(sa[:, None, None] * rr * np.cos(beta - half[:, :, None]))
        fv = fn(sb[:, None, None] * rr * np.cos(beta + half[:, :, None]))
    inner = np.sum(np.where(wb > 0, fu * fv, 0.0) * wb, axis=2) / (2 * np.pi)
    return np.sum(inner * wr, axis=1)


def _cheb_points(n):
    j = np.arange(n)
    return np.cos((2 * j + 1) * np.pi / (2 * n))


def _bary_weights(n):
    j = np.arange(n)
    return (-1.0) ** j * np.sin((2 * j + 1) * np.pi / (2 * n))


def _lagrange(xnodes, wb, x):
    """Barycentric Lagrange basis at points x (m,) for nodes (r,): (m, r)."""
    d = x[:, None] - xnodes[None, :]
    hit = np.abs(d) < 1e-15
    d = np.where(hit, 1.0, d)
    L = wb[None, :] / d
    L /= L.sum(1, keepdims=True)
    rows = np.any(hit, axis=1)
    if np.any(rows):
        L[rows] = hit[rows].astype(float)
    return L


@dataclass
class _Cells:
    """Cells of σ with r Chebyshev nodes each."""
    edges: np.ndarray      # (G+1,) in log σ
    r: int

    @property
    def G(self):
        return len(self.edges) - 1

    def nodes(self, g):
        a, b = self.edges[g], self.edges[g + 1]
        if self.r == 1:
            return np.array([(a + b) / 2])
        return (a + b) / 2 + (b - a) / 2 * _cheb_points(self.r)

    def cell_of(self, logs):
        g = np.searchsorted(self.edges, logs, side="right") - 1
        return np.clip(g, 0, self.G - 1)

    def basis(self, g, logs):
        if self.r == 1:
            return np.ones((len(logs), 1))
        a, b = self.edges[g], self.edges[g + 1]
        x = np.clip((2 * logs - (a + b)) / (b - a), -1, 1)
        return _lagrange(_cheb_points(self.r), _bary_weights(self.r), x)


class PairQuadrature:
    r"""F and Ḟ of one activation for all pairs of a Gram (see the module docstring).

    Parameters
    ----------
    f, df : callables
        φ and φ′ as vectorised numpy functions (``df`` may be None: NNGP only).
    kinks : sequence of float
        The kinks (and jumps) of φ.
    tol : float
        Target absolute error relative to max E φ(σZ)² (and E φ′(σZ)²).
    """

    P_LEVELS = (32, 64, 128)
    D = 8
    R_CELL = 8
    K_SMOOTH = (256, 512, 1024, 2048)
    K_KINKED = 800

    def __init__(self, f, df=None, kinks=(), tol: float = DEFAULT_TOL):
        self.f, self.df = f, df
        self.kinks = tuple(float(k) for k in kinks)
        self.tol = float(tol)
        self.report: dict = {}

    # ---------------------------------------------------------------- one point
    def diagonal(self, q, ntk: bool = True):
        """E φ(σZ)², E φ′(σZ)² for σ = √q (arrays); with error estimates."""
        s = np.sqrt(np.maximum(np.asarray(q, dtype=float), 0.0))
        F, eF = gauss_1d(lambda t: self.f(t) ** 2, s, self.kinks)
        if ntk and self.df is not None:
            dF, edF = gauss_1d(lambda t: self.df(t) ** 2, s, self.kinks)
        else:
            dF, edF = None, np.zeros_like(F)
        return F, dF, float(max(np.max(eF, initial=0.0), np.max(edF, initial=0.0)))

    # ---------------------------------------------------------------- coefficients
    def _coeffs(self, fn, sig):
        if self.kinks:
            return hermite_coefficients(fn, sig, self.K_KINKED, self.kinks)
        for K in self.K_SMOOTH:
            C, T = hermite_coefficients(fn, sig, K)
            if np.max(T[:, -1]) <= 1e-3 * self.tol * max(1.0, float(np.max(np.sum(C * C, 1)))):
                break
        return C, T

    def _fns(self, ntk):
        return [self.f] + ([self.df] if ntk and self.df is not None else [])

    def _choose_cells(self, lo, hi, ntk, scale):
        """Cells in σ whose interpolation error bound meets the tolerance."""
        if hi - lo < 1e-13 * hi:
            return _Cells(np.array([lo - 1e-14, hi + 1e-14]), 1), 0.0
        best = None
        for G, r in ((1, 2), (1, 3), (1, 6), (1, 8), (2, 8), (4, 8), (8, 8), (16, 8), (32, 8), (64, 8)):
            cells = _Cells(np.geomspace(lo, hi, G + 1), r)   # cells of equal ratio
            worst = 0.0
            for fn in self._fns(ntk):
                for g in range(G):
                    nodes = cells.nodes(g)
                    a, b = cells.edges[g], cells.edges[g + 1]
                    test = a + (b - a) * (np.arange(2 * r + 1) + 0.5) / (2 * r + 1)
                    Cn, _ = hermite_coefficients(fn, nodes, 160) if not self.kinks else \
                        hermite_coefficients(fn, nodes, 120, self.kinks)
                    Ct, _ = hermite_coefficients(fn, test, 160) if not self.kinks else \
                        hermite_coefficients(fn, test, 120, self.kinks)
                    L = cells.basis(g, test)
                    d = np.sqrt(np.max(np.sum((L @ Cn - Ct) ** 2, axis=1)))
                    worst = max(worst, 2 * d * math.sqrt(float(np.max(np.sum(Ct * Ct, 1)))))
            best = (cells, worst)
            if worst <= self.tol * scale:
                break
        return best

    # ---------------------------------------------------------------- tables
    def _table(self, Cg, Tg, Ch, Th, P, thetas_used=None):
        """Chebyshev coefficients in t of G_ab(θ) on P pieces: (P, r_h, D+1, r_g) per fn,
        with the series truncation bound and the trailing-coefficient size per piece."""
        D = self.D
        h = math.pi / P
        x = _cheb_points(D + 1)
        nodes = (np.arange(P)[:, None] + (x[None, :] + 1) / 2) * h            # (P, D+1)
        rho = np.cos(nodes.ravel())
        K = Cg.shape[1] - 1
        key = (P, D, K)
        if key not in _POW_CACHE:
            if len(_POW_CACHE) > 8:
                _POW_CACHE.clear()
            # powers by repeated products (exact sign, no pow calls)
            pw = np.empty((K + 1, rho.size))
            pw[0] = 1.0
            for k in range(1, K + 1):
                np.multiply(pw[k - 1], rho, out=pw[k])
            _POW_CACHE[key] = pw
        pw = _POW_CACHE[key]
        rg, rh = Cg.shape[0], Ch.shape[0]
        # the shortest series that meets the tolerance at ρ = 1 for this pair of cells
        tails = np.sqrt(np.max(Tg, axis=0) * np.max(Th, axis=0))
        good = np.nonzero(tails <= 1e-3 * self.tol)[0]
        Kc = int(good[0]) if len(good) else K
        prod = (Cg[:, None, :Kc + 1] * Ch[None, :, :Kc + 1]).reshape(rg * rh, Kc + 1)
        vals = (prod @ pw[:Kc + 1]).reshape(rg, rh, P, D + 1)
        bound = np.abs(rho) ** (Kc + 1) * float(tails[Kc])
        # values -> Chebyshev coefficients (discrete cosine transform at first-kind points)
        j = np.arange(D + 1)
        Tm = np.cos(np.outer(j, (2 * j + 1) * np.pi / (2 * (D + 1)))) * (2.0 / (D + 1))
        Tm[0] /= 2
        coef = np.ascontiguousarray(np.matmul(vals, Tm.T).transpose(2, 1, 3, 0))  # (P, rh, D+1, rg)
        trailing = np.max(np.abs(coef[:, :, -2:, :]), axis=(1, 2, 3))
        return coef, bound.reshape(P, D + 1).max(1), trailing

    # ---------------------------------------------------------------- pairs
    def pair(self, q1, q2, C, ntk: bool = True, symmetric: bool = False,
             out_F=None, out_dF=None):
        r"""F and Ḟ for all pairs (i, j): arrays of shape (len(q1), len(q2)).

        ``symmetric`` (q1 is q2 and C symmetric) computes the upper triangle and mirrors
        it. Returns (F, Ḟ or None, error bound)."""
        q1 = np.asarray(q1, dtype=float)
        q2 = q1 if symmetric else np.asarray(q2, dtype=float)
        n1, n2 = len(q1), len(q2)
        ntk = ntk and self.df is not None
        F = np.empty((n1, n2)) if out_F is None else out_F
        dF = (np.empty((n1, n2)) if out_dF is None else out_dF) if ntk else None
        s1, s2 = np.sqrt(np.maximum(q1, 0)), np.sqrt(np.maximum(q2, 0))
        tiny = 1e-150
        z1, z2 = s1 <= tiny, s2 <= tiny
        fns = self._fns(ntk)
        # rows or columns with zero variance: E[φ(0) φ(v)] = φ(0) E φ(σZ)
        if np.any(z1) or np.any(z2):
            for k, fn in enumerate(fns):
                tgt = F if k == 0 else dF
                v0 = float(fn(np.zeros(1))[0])
                m2, _ = gauss_1d(fn, s2, self.kinks, estimate=False)
                m1, _ = gauss_1d(fn, s1, self.kinks, estimate=False)
                if np.any(z1):
                    tgt[z1, :] = v0 * m2[None, :]
                if np.any(z2):
                    tgt[:, z2] = v0 * m1[:, None]
        r1, r2 = np.nonzero(~z1)[0], np.nonzero(~z2)[0]
        if len(r1) == 0 or len(r2) == 0:
            return F, dF, 0.0
        ls1, ls2 = s1[r1], s2[r2]
        lo, hi = float(min(ls1.min(), ls2.min())), float(max(ls1.max(), ls2.max()))
        diag_scale = [float(np.max(gauss_1d(lambda t, fn=fn: fn(t) ** 2, np.array([lo, hi]),
                                            self.kinks, estimate=False)[0])) for fn in fns]
        scale = max(diag_scale + [1e-300])
        cells, cell_err = self._choose_cells(lo, hi, ntk, scale)
        self._P = None
        self._polar_err = 0.0
        G = cells.G
        coefs = []   # per fn: list over cells of (C, T)
        for fn in fns:
            allnodes = np.concatenate([cells.nodes(g) for g in range(G)])
            Cc, Tc = self._coeffs(fn, allnodes)
            r = cells.r
            coefs.append([(Cc[g * r:(g + 1) * r], Tc[g * r:(g + 1) * r]) for g in range(G)])
        g1, g2 = cells.cell_of(ls1), cells.cell_of(ls2)
        err = cell_err
        fallback_nodes = 0
        for ga in range(G):
            ia = r1[g1 == ga]
            if len(ia) == 0:
                continue
            for gb in range(G):
                if symmetric and gb < ga:
                    continue
                jb = r2[g2 == gb]
                if len(jb) == 0:
                    continue
                tables, e_tab, n_fb = self._cell_tables(coefs, ga, gb, cells, fns, scale)
                err = max(err, e_tab)
                fallback_nodes += n_fb
                self._fill(F, dF, tables, cells, ga, gb, ia, jb, s1, s2, C, ntk,
                           upper=symmetric and ga == gb, mirror=symmetric and ga != gb)
        err = max(err, self._polar_err)
        if symmetric:   # the upper triangle is complete: mirror it block by block
            for i0 in range(0, n1, 256):
                i1 = min(n1, i0 + 256)
                low = np.tril_indices(i1 - i0, -1)
                for A in (F, dF):
                    if A is None:
                        continue
                    A[i1:, i0:i1] = A[i0:i1, i1:].T
                    blk = A[i0:i1, i0:i1]
                    blk[low] = blk.T[low]
        self.report = {"cells": G, "nodes_per_cell": cells.r, "pieces": tables[0]["P"],
                       "degree": self.D, "series_terms": coefs[0][0][0].shape[1] - 1,
                       "direct_nodes": fallback_nodes, "error_bound": err}
        return F, dF, err

    def _cell_tables(self, coefs, ga, gb, cells, fns, scale):
        """Tables of every function on one piece grid (chosen once per call, on the cell of
        the largest σ where the functions vary fastest)."""
        if self._P is None:
            G = cells.G - 1
            for P in self.P_LEVELS:
                tr = []
                for k in range(len(fns)):
                    _, bound, trailing = self._table(coefs[k][G][0], coefs[k][G][1], coefs[k][G][0],
                                                     coefs[k][G][1], P)
                    ok = bound <= self.tol * scale     # pieces left to the polar rule do not count
                    tr.append(float(np.max(trailing[ok], initial=0.0)))
                if max(tr) <= self.tol * scale:
                    break
            self._P = P
        P = self._P
        built = [self._table(coefs[k][ga][0], coefs[k][ga][1], coefs[k][gb][0], coefs[k][gb][1], P)
                 for k in range(len(fns))]
        out, err, n_fb = [], 0.0, 0
        for k, fn in enumerate(fns):
            coef, bound, trailing = built[k]
            bad = bound > self.tol * scale
            if np.any(bad):
                # kinked φ near ρ = ±1: the table values of those pieces by the polar rule
                coef, nb = self._direct_pieces(fn, coef, np.nonzero(bad)[0], P,
                                               cells.nodes(ga), cells.nodes(gb))
                n_fb += nb
                bound = np.where(bad, 0.0, bound)
                trailing = np.max(np.abs(coef[:, :, -2:, :]), axis=(1, 2, 3))
            err = max(err, float(np.max(bound)), float(np.max(trailing)))
            out.append({"coef": coef, "P": P})
        return out, err, n_fb

    def _direct_pieces(self, fn, coef, pieces, P, sg, sh):
        D = self.D
        h = math.pi / P
        x = _cheb_points(D + 1)
        th = ((pieces[:, None] + (x[None, :] + 1) / 2) * h).ravel()             # (np*(D+1),)
        A, Bv, Tt = np.meshgrid(sg, sh, th, indexing="ij")
        vals = np.empty(A.size)
        flatA, flatB, flatT = A.ravel(), Bv.ravel(), Tt.ravel()
        step = 1024
        for i in range(0, A.size, step):
            vals[i:i + step] = polar_pair(fn, flatA[i:i + step], flatB[i:i + step],
                                          flatT[i:i + step], self.kinks)
        # error of the rule: against a coarser one on a sample of the nodes
        pick = np.linspace(0, A.size - 1, min(A.size, 48)).astype(int)
        coarse = polar_pair(fn, flatA[pick], flatB[pick], flatT[pick], self.kinks, n_r=10, n_b=8)
        self._polar_err = max(self._polar_err, float(np.max(np.abs(coarse - vals[pick]))))
        vals = vals.reshape(len(sg), len(sh), len(pieces), D + 1)
        j = np.arange(D + 1)
        Tm = np.cos(np.outer(j, (2 * j + 1) * np.pi / (2 * (D + 1)))) * (2.0 / (D + 1))
        Tm[0] /= 2
        coef = coef.copy()
        coef[pieces] = np.matmul(vals, Tm.T).transpose(2, 1, 3, 0)
        return coef, A.size

    def _fill(self, F, dF, tables, cells, ga, gb, ia, jb, s1, s2, C, ntk, upper, mirror=False):
        P = tables[0]["P"]
        D = self.D
        h = math.pi / P
        la = cells.basis(ga, s1[ia])
        lb = cells.basis(gb, s2[jb])
        r = cells.r
        # stack the two functions: (P, r_b*(D+1), nf*r_a)
        stacked = np.concatenate([t["coef"].reshape(P, r * (D + 1), r) for t in tables], axis=2)
        nf = len(tables)
        rows_per = max(1, int(2 ** 18 // max(len(jb), 1)))
        for c0 in range(0, len(ia), rows_per):
            ii = ia[c0:c0 + rows_per]
            if upper:
                # columns from this chunk's first row on (upper triangle and a corner)
                jj_mask = jb >= ii[0]
                jj = jb[jj_mask]
                lbj = lb[jj_mask]
            else:
                jj, lbj = jb, lb
            if len(jj) == 0:
                continue
            Cb = C[np.ix_(ii, jj)]
            rho = Cb / (s1[ii][:, None] * s2[jj][None, :])
            np.clip(rho, -1.0, 1.0, out=rho)
            theta = np.arccos(rho).ravel()
            pos = theta / h
            piece = np.minimum(pos.astype(np.int64), P - 1)
            t = 2.0 * (pos - piece) - 1.0
            order = np.argsort(piece.astype(np.int16), kind="stable")
            counts = np.bincount(piece, minlength=P)
            starts = np.concatenate([[0], np.cumsum(counts)])
            res = np.empty((nf, theta.size))
            nj = len(jj)
            lai = la[c0:c0 + rows_per]
            for p in np.nonzero(counts)[0]:
                Sp = stacked[p]
                for b0 in range(starts[p], starts[p + 1], 4096):
                    idx = order[b0:min(b0 + 4096, starts[p + 1])]
                    I, J = np.divmod(idx, nj)
                    tv = np.polynomial.chebyshev.chebvander(t[idx], D)            # (m, D+1)
                    W = (lbj[J][:, :, None] * tv[:, None, :]).reshape(len(idx), r * (D + 1))
                    Y = (W @ Sp).reshape(len(idx), nf, r)                          # (m, nf, r)
                    res[:, idx] = np.einsum("mkr,mr->km", Y, lai[I])
            F[np.ix_(ii, jj)] = res[0].reshape(len(ii), nj)
            if ntk and dF is not None:
                dF[np.ix_(ii, jj)] = res[1].reshape(len(ii), nj)
            if mirror:   # symmetric Gram, two different cells: fill the transposed block too
                F[np.ix_(jj, ii)] = res[0].reshape(len(ii), nj).T
                if ntk and dF is not None:
                    dF[np.ix_(jj, ii)] = res[1].reshape(len(ii), nj).T
