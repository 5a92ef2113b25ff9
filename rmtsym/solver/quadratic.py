"""Laws of degree 2 in G (Marchenko–Pastur, the semicircle, ...): the closed-form root.

For Q = a2(z) G² + a1(z) G + a0(z) the two roots are (−a1 ± √Δ)/(2 a2), Δ = a1² − 4 a2 a0,
so the double-precision path needs no eigenvalues: the roots are computed in the stable
form q = −(a1 + s√Δ)/2 (s = ±1 chosen so that |a1 + s√Δ| is the larger), G = q/a2 and
a0/q, and the physical one is selected as for any degree (convex-hull test, else
continuation, :mod:`~rmtsym.solver.double_path`).

On the real axis inside the support the roots are a complex-conjugate pair (real
coefficients) and the physical one has Im G < 0, so

    ρ(x) = −Im G(x + i0)/π = √(−Δ(x)) / (2π |a2(x)|).

−Δ is evaluated in factored form, −Δ(x) = −c Π_i (x − r_i) with the roots r_i of Δ found
once at high precision (mpmath), so that ρ keeps its relative accuracy up to the edges of
the support (the expanded Δ loses it there by cancellation). For Marchenko–Pastur,
c s z G² − (z − s(1 − c)) G + 1 = 0, this is the textbook density
√((λ₊ − x)(x − λ₋)) / (2π c s x), λ± = s(1 ± √c)² (Marchenko & Pastur, Math. USSR-Sb. 1
(1967) 457–483).
"""
from __future__ import annotations

import mpmath
import numpy as np


class _QuadraticPath:
    """Closed-form roots and density for degree 2 in G; mixed into
    :class:`~rmtsym.solver.BranchSolver` (``degree``, ``_exact``, ``_np_coeffs``)."""

    #: use the closed form for degree 2 (False: the general path, for comparisons)
    quadratic_closed_form = True

    def _quadratic(self) -> bool:
        return self.degree == 2 and self.quadratic_closed_form

    def _quadratic_roots(self, A):
        """Both roots of a2 G² + a1 G + a0 for each row (a0, a1, a2) of ``A``, shape (N, 2).

        A vanishing a2 leaves the one finite root −a0/a1 (the other nan), as the general
        path does.
        """
        A = np.asarray(A)
        a0, a1, a2 = A[:, 0], A[:, 1], A[:, 2]
        scale = np.max(np.abs(A), axis=1)
        out = np.full((len(A), 2), np.nan + 0j)
        with np.errstate(all="ignore"):
            sq = np.sqrt((a1 * a1 - 4 * a2 * a0).astype(complex))
            sign = np.where((np.conj(a1) * sq).real >= 0, 1.0, -1.0)
            q = -(a1 + sign * sq) / 2
            lead = np.abs(a2) > 1e-300 * scale
            good = lead & (q != 0)
            out[good, 0] = q[good] / a2[good]
            out[good, 1] = a0[good] / q[good]
            double0 = lead & (q == 0)  # a1 = a0 = 0: the double root 0
            out[double0] = 0
            linear = ~lead & (np.abs(a1) > 1e-300 * scale)
            out[linear, 0] = -a0[linear] / a1[linear]
        return out

    def _discriminant_factors(self):
        """(c, roots) with Δ(z) = c Π (z − r_i), from the exact coefficients (cached);
        None when the roots cannot be separated (then Δ is evaluated expanded)."""
        if not hasattr(self, "_disc_factors"):
            self._disc_factors = None
            with mpmath.workdps(60):
                a = [[_sympy_float(c) for c in row] for row in self._exact]
                a0, a1, a2 = a[0], a[1], a[2]
                n = len(a0)
                disc = [mpmath.mpf(0)] * (2 * n - 1)  # lowest power first
                for i in range(n):
                    for j in range(n):
                        disc[i + j] += a1[i] * a1[j] - 4 * a2[i] * a0[j]
                big = max(abs(c) for c in disc)
                while len(disc) > 1 and abs(disc[-1]) <= mpmath.mpf(10) ** -50 * big:
                    disc.pop()  # an exactly vanishing top coefficient, up to rounding
                if len(disc) > 1:
                    try:
                        roots = mpmath.polyroots(disc[::-1], maxsteps=200, extraprec=200)
                    except mpmath.libmp.NoConvergence:
                        return None
                    self._disc_factors = (float(disc[-1]), np.array([complex(r) for r in roots]))
                else:
                    self._disc_factors = (float(disc[0]), np.array([], dtype=complex))
        return self._disc_factors

    def _quadratic_density(self, x):
        """ρ(x) = √(−Δ(x)) / (2π|a2(x)|) at points x inside the support."""
        x = np.asarray(x, dtype=float)
        factors = self._discriminant_factors()
        A = self._np_coeffs(x)  # normalised table: Δ and a2 carry the same factor²
        norm = self._float_norm
        a2 = A[:, 2] * norm
        if factors is not None:
            c, roots = factors
            prod = np.full(len(x), c, dtype=complex)
            for r in roots:
                prod = prod * (x - r)
            minus_disc = -prod.real
        else:
            minus_disc = -((A[:, 1] ** 2 - 4 * A[:, 2] * A[:, 0]) * norm ** 2)
        with np.errstate(all="ignore"):
            rho = np.sqrt(np.maximum(minus_disc, 0.0)) / (2 * np.pi * np.abs(a2))
        return np.where(np.isfinite(rho), rho, 0.0)


def _sympy_float(c):
    """An exact SymPy coefficient as an mpmath number at the current precision."""
    import sympy as sp

    return mpmath.mpf(sp.Float(sp.N(c, mpmath.mp.dps + 10), mpmath.mp.dps + 10)._mpf_)
