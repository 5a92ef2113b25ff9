r"""Support intervals and the CDF of a numerically known density (the subordination route).

The density is known through a function ``integrand(log λ) = −Im[(G(λ e^{iδ})λ e^{iδ} − a₀) e^{−iδ}]``
= π λ ρ(λ) (δ = 1e-10, a₀ the atom at 0), evaluated in logarithms so that λ may be far below the
smallest double. Two kinds of interval:

* ``hard`` — [0, b]: the density may be singular at 0 (L Gaussian layers: ρ ~ λ^{−L/(L+1)});
  λ = b s^κ with κ = 2(L + 1), so that ρ dλ = integrand·κ ds/(π s) is smooth in s;
* ``soft`` — [a, b] with a > 0: λ = a + (b − a) s^κ, graded the same way towards a, since a
  lower edge far below b (layers of slightly different rank: a ≈ 10^{-13} b) is followed by the
  same power-law growth as a hard edge, and a square-root onset at a is smooth in s too.

Each interval carries a composite Gauss–Legendre rule in s (panels graded towards the ends) and,
on every panel, the Legendre interpolant of the integrand through its nodes, integrated exactly:
the CDF at any point then costs no new solve and has the accuracy of the rule.

The intervals are found by scanning λρ(λ) on a grid (logarithmic from 10^{-14} b, and linear) and
locating (by 32-section) each place where it crosses 10^{-9} of its maximum: the upper edge b comes from the
real branch of the subordination equation, lower edges a > 0 and inner gaps (products of
orthogonal layers whose D² is bounded below, or layers with different ranks) from the scan.
"""
from __future__ import annotations

import math
from typing import Callable, List

import numpy as np
from numpy.polynomial import legendre as leg

__all__ = ["Interval", "find_intervals"]

#: λρ(λ) below this fraction of its maximum counts as outside the support
THRESHOLD = 1e-9


class Interval:
    """One interval of the support with its quadrature rule (module docstring)."""

    PANEL_NODES = 16
    GEOMETRIC_RATIO = 0.25
    GEOMETRIC_LEVELS = 16

    def __init__(self, lo: float, hi: float, kind: str, kappa: int, panels: int, breaks=()):
        self.lo, self.hi, self.kind, self.kappa, self.panels = float(lo), float(hi), kind, kappa, panels
        # panels graded towards s = 1 (square-root edge at hi) and, geometrically, towards s = 0:
        # the density at lo may be singular with an exponent that no power of s makes smooth
        # (log corrections when the D² law reaches down to 0), and geometric grading keeps the
        # Gauss–Legendre rule exponentially accurate for any such s^α behaviour
        base = 1 - (1 - np.linspace(0.0, 1.0, panels + 1)) ** 3
        geo = base[1] * self.GEOMETRIC_RATIO ** np.arange(self.GEOMETRIC_LEVELS, 0, -1)
        self.edges = np.concatenate([[0.0], geo, base[1:]])
        if len(breaks):  # known jumps of the integrand (closed gaps) become panel ends
            self.edges = np.unique(np.concatenate([self.edges, self.s_of(np.asarray(breaks, float))]))
        self.panels = self.edges.size - 1
        self.table = None

    # mapping s ↦ λ = lo + (hi − lo) s^κ, in logarithms
    def loglam(self, s):
        with np.errstate(divide="ignore"):
            tail = math.log(self.hi - self.lo) + self.kappa * np.log(s)
            if self.lo == 0.0:
                return tail
            return np.logaddexp(math.log(self.lo), tail)

    def s_of(self, x):
        with np.errstate(divide="ignore"):
            return np.exp((np.log(np.maximum(x - self.lo, 0.0)) - math.log(self.hi - self.lo)) / self.kappa)

    def jac(self, s, loglam):
        """dλ/(λ ds): ∫ρ dλ = ∫ integrand · jac ds/π."""
        frac = 1.0 if self.lo == 0.0 else -np.expm1(math.log(self.lo) - loglam)  # (λ − lo)/λ
        return self.kappa / s * frac

    def build(self, integrand: Callable):
        xg, wg = leg.leggauss(self.PANEL_NODES)
        lo, hi = self.edges[:-1, None], self.edges[1:, None]
        half = 0.5 * (hi - lo)
        s = lo + half * (xg + 1)
        ll = self.loglam(s)
        g = integrand(ll) * self.jac(s, ll) / np.pi         # integrand in s at the nodes
        w = half * wg
        cum = np.concatenate([[0.0], np.cumsum(np.sum(w * g, axis=1))])
        P = leg.legvander(xg, self.PANEL_NODES - 1)
        coef = (g * wg) @ P * ((2 * np.arange(self.PANEL_NODES) + 1) / 2)
        anti = leg.legint(coef.T, lbnd=-1)
        self.table = (s, ll, w, g, cum, anti, half[:, 0])
        return self

    @property
    def mass(self) -> float:
        return float(self.table[4][-1])

    def cum_at(self, x):
        """∫_lo^x ρ for lo ≤ x ≤ hi (arrays)."""
        return self.cum_at_s(self.s_of(np.asarray(x, dtype=float)))

    def quantile(self, c: float) -> float:
        """λ with ∫_lo^λ ρ = c (0 ≤ c ≤ mass), solved in s (where the CDF is smooth)."""
        from scipy.optimize import brentq

        g = lambda s: float(self.cum_at_s(np.array([s]))[0]) - c  # noqa: E731
        if g(1.0) <= 0:
            return self.hi
        if g(0.0) >= 0:
            return self.lo
        s = brentq(g, 0.0, 1.0, xtol=1e-17, rtol=1e-15, maxiter=200)
        return float(np.exp(self.loglam(np.array([s]))[0]))

    def cum_at_s(self, s):
        _, _, _, _, cum, anti, half = self.table
        k = np.clip(np.searchsorted(self.edges, s, side="right") - 1, 0, self.panels - 1)
        t = (s - self.edges[k]) / half[k] - 1.0
        return cum[k] + half[k] * leg.legval(t, anti[:, k], tensor=False)

    def moment(self, k: int) -> float:
        _, ll, w, g, _, _, _ = self.table
        return float(np.sum(w * g * np.exp(k * ll)))


def find_intervals(lam_rho: Callable, b: float, kappa: int, panels: int,
                   connected: bool = False) -> List[Interval]:
    """The support intervals of a density with upper edge ``b`` (module docstring).

    ``lam_rho(log λ)`` returns π λ ρ(λ) at the points (an array of logs). ``connected``: the
    exact law has one interval above its lower edge (every D² law fills an interval), so
    gaps the scan finds between the lowest and highest on-points are those of the discretised
    D² laws (clusters of far-apart nodes where D² is tiny) and are closed.
    """
    grid = np.unique(np.concatenate([np.log(b) + np.linspace(-14, 0, 281)[:-1] * math.log(10),
                                     np.log(b * np.linspace(0.002, 0.998, 250))]))
    vals = lam_rho(grid)
    thr = THRESHOLD * max(float(np.max(vals)), 1e-300)
    on = vals > thr

    def refine(l_off, l_on, tol=1e-13):
        """The crossing between an off-point and an on-point, by 32-section (one vectorised
        solve of 31 points shrinks the bracket 32-fold) to ``tol`` in log λ."""
        while abs(l_on - l_off) >= tol:
            pts = l_off + (l_on - l_off) * np.arange(1, 32) / 32.0
            ons = lam_rho(pts) > thr
            k = int(np.argmax(ons)) if ons.any() else 31  # the first on-point from l_off
            l_off, l_on = (l_off if k == 0 else pts[k - 1]), (pts[k] if k < 31 else l_on)
        return l_on

    runs = []  # (first, last) indices of the runs of on-points
    i, n = 0, grid.size
    while i < n:
        if not on[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and on[j + 1]:
            j += 1
        runs.append((i, j))
        i = j + 1
    if not runs:
        return [Interval(0.0, b, "hard", kappa, panels)]
    breaks = []
    if connected and len(runs) > 1:
        # the gaps between the runs are closed; their ends (to 1e-6 in log λ) become panel
        # ends, so that the rule integrates the discretised law's jumps exactly
        for (_, j), (i2, _) in zip(runs[:-1], runs[1:]):
            breaks += [math.exp(refine(grid[j + 1], grid[j], 1e-6)),
                       math.exp(refine(grid[i2 - 1], grid[i2], 1e-6))]
        runs = [(runs[0][0], runs[-1][1])]
    out = []
    for i, j in runs:
        lo = 0.0 if i == 0 else math.exp(refine(grid[i - 1], grid[i]))
        hi = b if j == n - 1 else math.exp(refine(grid[j + 1], grid[j]))
        out.append((lo, hi))
    return [Interval(lo, hi, "hard" if lo == 0.0 else "soft", kappa, panels,
                     [x for x in breaks if lo < x < hi]) for lo, hi in out]
