"""The physical branch of a numeric algebraic spectral law Q(G, z) = 0.

An algebraic law has a Stieltjes transform G(z) = ∫ρ(t)dt/(z − t) (physics sign,
G ~ 1/z) that solves a polynomial equation Q(G, z) = Σ_k a_k(z) G^k = 0. For each z
the equation has d = deg_G Q roots; exactly one is the physical one. It is chosen here
by principle, never by "the root with the largest imaginary part":

* **Herglotz / convex-hull test.** G(z) is an average of 1/(z − t) over the law, so
  it lies in the closed convex hull of the arc {1/(z − t) : t ∈ [lo, hi]} where
  [lo, hi] contains the support (all branch points of Q lie in it). For Im z > 0 this
  is a circular segment inside the circle |w + i/(2 Im z)| = 1/(2 Im z) (so Im G < 0);
  for real z outside [lo, hi] it is the real interval [1/(z − lo), 1/(z − hi)]. When
  exactly one root passes the test it is the branch (a certified uniqueness test).
* **Continuation.** Otherwise the root is followed from z0 = Re z + iR (R large, where
  the physical root is the unique one near 1/z0, i.e. z·G → 1) down to z along a
  geometric path in Im z, taking at each step the root nearest to the previous one and
  refining the path when the choice is not clear (nearest/second-nearest distance).
* **Boundary values.** On the real axis inside the support, ρ(x) = −Im G(x + i0)/π is
  computed at z = x itself (a limit, not a small ε): the physical root is the member of
  a complex-conjugate pair with Im G < 0 when that is unique, else continuation.

High precision: the double-precision selection seeds Newton's method in mpmath at the
working precision (``mpmath.workdps``); 3–5 steps reach 30–100 digits. The result is
certified a posteriori: for a polynomial p of degree d, the disc |G − g| ≤ d·|p(g)/p′(g)|
contains a root, and it is the selected one when that disc and the Newton path stay
well inside the separation from the other roots. Near edges where roots coalesce the
solver falls back to ``mpmath.polyroots``.

References: J. Pennington and P. Worah, "Nonlinear random matrix theory for deep
learning", NeurIPS 2017 (the quartic and the root-selection problem);
``shared/reference/theory.md`` §1.4–§2.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import mpmath
import numpy as np
import sympy as sp

from .algebraic import SpectralEquation, generic_numbers
from .errors import ParameterError, RmtsymError
from .numbers import Certified, check_dps
from .symbols import G, z

#: guard digits added to the working precision of every mpmath computation
GUARD = 10


def _clean_poly(equation: SpectralEquation) -> sp.Poly:
    """Square-free part of Q without factors depending on z only.

    Irrational exact coefficients (η of GELU holds π and √3) are replaced by
    indeterminates (:func:`~rmtsym.algebraic.generic_numbers`), so that the gcd
    computations run over Q(a1, ..., ak) rather than SymPy's slow expression domain
    (minutes for GELU), and substituted back at the end.
    A factor that exists only at the special values is a non-generic coincidence the
    solver does not need: it only drops repeated factors and factors free of G.
    """
    generic, back = generic_numbers(equation.poly.as_expr())
    poly = sp.Poly(generic, G, z)
    if poly.is_zero or poly.degree(G) < 1:
        raise ParameterError("the spectral equation must depend on G")
    try:
        sqf = sp.Poly(sp.sqf_part(poly.as_expr(), G, z), G, z)
        if sqf.degree(G) >= 1:
            poly = sqf
    except Exception:  # pragma: no cover - exotic coefficient domains
        pass
    in_g = sp.Poly(poly.as_expr(), G)
    coeffs = in_g.all_coeffs()
    try:
        content = sp.gcd_list([sp.Poly(cf, z) for cf in coeffs if cf != 0])
        if isinstance(content, sp.Poly) and content.degree() >= 1:
            poly = sp.Poly(sp.cancel(poly.as_expr() / content.as_expr()), G, z)
    except Exception:  # pragma: no cover
        pass
    if back:
        poly = sp.Poly(sp.expand(poly.as_expr().xreplace(back)), G, z)
    return poly


def _input_digits(poly: sp.Poly) -> Optional[int]:
    """Decimal digits carried by inexact (Float) coefficients, None when all are exact."""
    digits = None
    for cf in poly.coeffs():
        for f in sp.sympify(cf).atoms(sp.Float):
            d = int(f._prec * 0.30103)
            digits = d if digits is None else min(digits, d)
    return digits


def _root_radius(coeffs_low_first, g):
    """Newton step and root-inclusion radius d·|p(g)/p'(g)| (there is a root in that disc)."""
    d = len(coeffs_low_first) - 1
    p = coeffs_low_first[d]
    dp = 0
    for k in range(d - 1, -1, -1):
        dp = dp * g + p
        p = p * g + coeffs_low_first[k]
    if dp == 0:
        return None, mpmath.inf
    step = p / dp
    return step, d * abs(step)


# ---------------------------------------------------------------------- fixed-point Newton
# Numbers are Python integers scaled by 2**P ("fixed point"); a complex number is a pair.
# Every product is floored after the shift, so each operation errs by at most one unit in
# the last place (ulp = 2**-P); the error bounds below add these up, which makes the
# root-inclusion radius rigorous for the exact polynomial (up to the 0.5 ulp rounding of
# the coefficient table, included too).

def _fx_horner_real(row, X, P):
    """Σ_j row[j] x^j with X = x·2^P (integers), and an error bound in ulps."""
    acc = 0
    err = 0.0
    ax = abs(X) / 2.0 ** P
    for cf in reversed(row):
        acc = ((acc * X) >> P) + cf
        err = err * ax + 1.5
    return acc, err


def _fx_horner_complex(row, Xr, Xi, P):
    ar = ai = 0
    err = 0.0
    ax = (abs(Xr) + abs(Xi)) / 2.0 ** P
    for cf in reversed(row):
        ar, ai = ((ar * Xr - ai * Xi) >> P) + cf, (ar * Xi + ai * Xr) >> P
        err = err * ax + 2.5
    return ar, ai, err


def _fx_eval(coeffs, gr, gi, P):
    """p(g) and p'(g) (pairs of ints) by Horner, for coefficient pairs, lowest power first."""
    d = len(coeffs) - 1
    pr, pi_ = coeffs[d]
    qr = qi = 0
    for k in range(d - 1, -1, -1):
        qr, qi = ((qr * gr - qi * gi) >> P) + pr, ((qr * gi + qi * gr) >> P) + pi_
        cr, ci = coeffs[k]
        pr, pi_ = ((pr * gr - pi_ * gi) >> P) + cr, ((pr * gi + pi_ * gr) >> P) + ci
    return pr, pi_, qr, qi


def _fx_newton(coeffs, cerr, seed, P, maxiter=40):
    """Newton's method in fixed point from a complex seed; returns (g, radius) or None.

    ``coeffs`` are pairs of ints (lowest power first) with error bounds ``cerr`` in ulps.
    The radius bounds the distance from g to a root of the exact polynomial:
    d·(|p(g)| + E_p)/(|p'(g)| − E_p'), with E the accumulated rounding bounds.
    """
    one = 1 << P
    gr = int(round(seed.real * 2.0 ** 52)) << (P - 52) if P > 52 else int(round(seed.real * one))
    gi = int(round(seed.imag * 2.0 ** 52)) << (P - 52) if P > 52 else int(round(seed.imag * one))
    tol = 1 << 8
    last = None
    for it in range(maxiter):
        pr, pi_, qr, qi = _fx_eval(coeffs, gr, gi, P)
        den = qr * qr + qi * qi
        if den == 0:
            return None
        sr = ((pr * qr + pi_ * qi) << P) // den
        si = ((pi_ * qr - pr * qi) << P) // den
        size = abs(sr) + abs(si)
        if last is not None and it > 2 and size > last // 2 and size < (1 << (P // 2)):
            break  # rounding noise reached: the steps no longer shrink (certified below)
        gr -= sr
        gi -= si
        if size <= tol:
            break
        last = size
    else:
        return None
    pr, pi_, qr, qi = _fx_eval(coeffs, gr, gi, P)
    d = len(coeffs) - 1
    ag = (abs(gr) + abs(gi)) / 2.0 ** P + 1.0
    # error bounds (ulps) of the Horner values p and p'
    ep = cerr[d]
    eq = 0.0
    for k in range(d - 1, -1, -1):
        eq = eq * ag + ep + 2.0
        ep = ep * ag + cerr[k] + 2.0
    mag_p = float(abs(pr) + abs(pi_)) + ep
    mag_q = (float(qr) ** 2 + float(qi) ** 2) ** 0.5 - eq
    if mag_q <= 0:
        return None
    radius = d * mag_p / mag_q
    return gr, gi, radius


class BranchSolver:
    """Physical branch of the Stieltjes transform of a numeric algebraic law.

    Parameters
    ----------
    equation : SpectralEquation
        Q(G, z) with numeric coefficients (exact SymPy numbers are kept exact and
        evaluated at the working precision; ``Float`` coefficients limit the certified
        digits to their own precision).
    dps : int
        Default working precision in decimal digits (15 to 1000).

    Notes
    -----
    G(z) = ∫ρ(t)dt/(z − t) ~ 1/z, ρ(x) = −Im G(x + i0)/π (Pennington & Worah 2017,
    physics sign). See the module docstring for the selection principle.
    """

    def __init__(self, equation: SpectralEquation, dps: int = 30):
        self.dps = check_dps(dps)
        if not isinstance(equation, SpectralEquation):
            raise ParameterError("BranchSolver needs a SpectralEquation")
        if not equation.is_numeric:
            names = ", ".join(sorted(str(s) for s in equation.parameters))
            raise ParameterError(f"the spectral equation still has free parameters ({names}); substitute numbers first")
        self.equation = equation
        self.poly = _clean_poly(equation)
        self.degree = self.poly.degree(G)
        self.zdegree = self.poly.degree(z)
        d, e = self.degree, self.zdegree
        self._exact = [[sp.Integer(0)] * (e + 1) for _ in range(d + 1)]
        for (k, j), cf in self.poly.terms():
            self._exact[k][j] = sp.sympify(cf)
        for row in self._exact:
            for cf in row:
                if not cf.is_real and cf.is_real is not None:
                    raise ParameterError("the spectral equation must have real coefficients")
        self.input_digits = _input_digits(self.poly)
        self._float = np.array([[float(sp.N(cf, 20)) for cf in row] for row in self._exact])
        if not np.all(np.isfinite(self._float)):
            raise ParameterError("the spectral equation has non-finite coefficients")
        # normalise the double table (coefficients can be huge or tiny)
        self._float /= np.max(np.abs(self._float))
        self._mp_cache = {}
        self._branch_points = None
        self._support = None
        self._atoms = None

    # ------------------------------------------------------------------ coefficients
    def _mp_table(self, prec_dps):
        tab = self._mp_cache.get(prec_dps)
        if tab is None:
            with mpmath.workdps(prec_dps):
                tab = [[mpmath.mpf(sp.N(cf, prec_dps + 5)) if cf != 0 else mpmath.mpf(0) for cf in row]
                       for row in self._exact]
            self._mp_cache[prec_dps] = tab
        return tab

    def _fx_table(self, prec_dps, P):
        """The coefficient table as integers scaled by 2^P (normalised to max 1)."""
        key = ("fx", prec_dps, P)
        tab = self._mp_cache.get(key)
        if tab is None:
            mp = self._mp_table(prec_dps + 10)
            with mpmath.workdps(prec_dps + 20):
                big = max(abs(cf) for row in mp for cf in row)
                tab = [[int(mpmath.nint(mpmath.ldexp(cf / big, P))) for cf in row] for row in mp]
            self._mp_cache[key] = tab
        return tab

    def _mp_coeffs(self, zz, prec_dps):
        """a_k(zz) as mpmath numbers, lowest power of G first (call inside workdps)."""
        out = []
        for row in self._mp_table(prec_dps):
            acc = mpmath.mpf(0)
            for cf in reversed(row):
                acc = acc * zz + cf
            out.append(acc)
        return out

    def _np_coeffs(self, zarr):
        """a_k(z) for an array of z, shape (N, d+1), lowest power of G first."""
        zarr = np.asarray(zarr)
        powers = zarr[:, None] ** np.arange(self.zdegree + 1)[None, :]
        return powers @ self._float.T

    def _np_roots(self, zarr):
        """All roots in G for each z (batched companion eigenvalues), shape (N, d)."""
        A = self._np_coeffs(zarr)
        d = self.degree
        lead = A[:, d]
        scale = np.max(np.abs(A), axis=1)
        bad = ~(np.abs(lead) > 1e-300 * scale)
        roots = np.full((len(A), d), np.nan + 0j)
        good = ~bad
        if np.any(good):
            Ag = A[good]
            M = np.zeros((Ag.shape[0], d, d), dtype=Ag.dtype)
            if d > 1:
                M[:, np.arange(1, d), np.arange(d - 1)] = 1.0
            M[:, :, -1] = -Ag[:, :d] / Ag[:, d:d + 1]
            roots[good] = np.linalg.eigvals(M)
        for i in np.nonzero(bad)[0]:  # leading coefficient vanishes: fewer finite roots
            c = A[i][::-1]
            c = np.trim_zeros(np.where(np.abs(c) <= 1e-300 * scale[i], 0, c), "f")
            r = np.roots(c) if len(c) > 1 else np.array([])
            roots[i, :len(r)] = r
        return roots

    def _polish_np(self, zarr, g, steps=2):
        """A few Newton steps in double precision on the selected roots."""
        A = self._np_coeffs(zarr)
        for _ in range(steps):
            p = np.zeros_like(g)
            dp = np.zeros_like(g)
            for k in range(self.degree, -1, -1):
                dp = dp * g + p
                p = p * g + A[:, k]
            with np.errstate(all="ignore"):
                step = np.where(dp != 0, p / dp, 0)
            step = np.where(np.isfinite(step) & (np.abs(step) < 1e-6 * (1 + np.abs(g))), step, 0)
            g = g - step
        return g

    # ------------------------------------------------------------------ branch points
    def branch_points(self) -> List:
        """Real zeros of the discriminant of Q in G and of the leading coefficient a_d(z).

        Every edge of the support and every atom lies among them (mpf values at the
        default precision + guard, sorted).
        """
        if self._branch_points is None:
            prec = self.dps + GUARD
            try:  # the shared operation of rmtsym.algebraic when available
                from .algebraic import discriminant as _disc
                disc = _disc(SpectralEquation(self.poly, self.equation.name))
            except ImportError:  # pragma: no cover
                disc = sp.discriminant(self.poly.as_expr(), G)
            pts = self._real_roots(disc, prec)
            lead = sp.Poly(self.poly.as_expr(), G).all_coeffs()[0]
            pts += self._real_roots(lead, prec)
            pts.sort()
            merged = []
            for p in pts:
                if not merged or abs(p - merged[-1]) > mpmath.mpf(10) ** (-(self.dps // 2)) * (1 + abs(p)):
                    merged.append(p)
            self._branch_points = merged
            span = [float(p) for p in merged] or [0.0]
            self._lo, self._hi = min(span + [0.0]), max(span + [0.0])
            self._scale = 1.0 + max(abs(self._lo), abs(self._hi))
        return self._branch_points

    def _real_roots(self, expr, prec):
        """Real roots of a univariate exact polynomial in z, to ``prec`` digits (mpf)."""
        expr = sp.expand(expr)
        if expr.free_symbols - {z}:
            raise RmtsymError("internal: non-numeric discriminant")
        poly = sp.Poly(expr, z)
        coeffs = poly.all_coeffs()
        roots = []
        while len(coeffs) > 1 and sp.simplify(coeffs[-1]) == 0:
            coeffs = coeffs[:-1]
            roots.append(mpmath.mpf(0))
        if len(coeffs) <= 1:
            return roots
        with mpmath.workdps(2 * prec + 20):
            mc = [mpmath.mpf(sp.N(c, 2 * prec + 25)) for c in coeffs]
            try:
                found = mpmath.polyroots(mc, maxsteps=400, extraprec=2 * prec + 40)
            except mpmath.libmp.NoConvergence:
                found = [mpmath.mpc(r) for r in np.roots([float(c) for c in mc])]
            for r in found:
                r = mpmath.mpc(r)
                if abs(r.imag) <= mpmath.mpf(10) ** (-prec // 2) * (1 + abs(r)):
                    x = r.real
                    # polish on the polynomial itself (Newton, real arithmetic)
                    for _ in range(20):
                        step, rad = _root_radius(mc[::-1], x)
                        if step is None:
                            break
                        x -= step
                        if abs(step) <= mpmath.mpf(10) ** (-2 * prec) * (1 + abs(x)):
                            break
                    roots.append(+x)
        return roots

    def _hull(self):
        self.branch_points()
        return self._lo, self._hi, self._scale

    # ------------------------------------------------------------------ selection (double)
    def _select_unique(self, zarr, roots):
        """Index of the root passing the convex-hull (Herglotz) test, -1 when not unique.

        ``zarr`` must have Im z ≥ 0.
        """
        lo, hi, scale = self._hull()
        N, d = roots.shape
        choice = np.full(N, -1)
        v = zarr.imag
        tol = 1e-9
        finite = np.isfinite(roots)
        if self._atoms is not None and self._support:
            # sharper test once the atoms and the intervals are known: the continuous
            # part (G − Σ m_i/(z − x_i))/(1 − Σ m_i) is an average of 1/(z − t) over
            # t ∈ [a_min, b_max]
            masses = [(float(x0), float(m)) for x0, m in self._atoms]
            rest = 1.0 - sum(m for _, m in masses)
            if rest > 1e-6:
                lo = float(min(a for a, _ in self._support))
                hi = float(max(b for _, b in self._support))
                with np.errstate(all="ignore"):
                    shift = sum(m / (zarr - x0) for x0, m in masses) if masses else 0.0
                    roots = (roots - np.asarray(shift)[..., None] if masses else roots) / rest
                finite = np.isfinite(roots)
        # --- Im z > 0: circular segment of the circle |w + i/(2v)| = 1/(2v)
        cpx = v > 1e-12 * scale
        if np.any(cpx):
            zc = zarr[cpx][:, None]
            r = roots[cpx]
            vv = v[cpx][:, None]
            centre = -0.5j / vv
            inside = np.abs(r - centre) <= (0.5 / vv) * (1 + tol)
            herglotz = r.imag < 0
            w_lo = 1.0 / (zc - lo)
            w_hi = 1.0 / (zc - hi)
            chord = w_hi - w_lo
            side_g = (np.conj(chord) * (r - w_lo)).imag
            side_0 = (np.conj(chord) * (0 - w_lo)).imag
            opposite = side_g * side_0 <= tol * np.abs(chord) * (np.abs(r - w_lo) + np.abs(w_lo))
            ok = inside & herglotz & opposite & finite[cpx]
            cnt = ok.sum(axis=1)
            idx = np.argmax(ok, axis=1)
            choice[np.nonzero(cpx)[0][cnt == 1]] = idx[cnt == 1]
        # --- real z outside [lo, hi]: real interval [1/(x - lo), 1/(x - hi)]
        real = ~cpx
        xr = zarr.real
        outside = real & ((xr < lo - 1e-9 * scale) | (xr > hi + 1e-9 * scale))
        if np.any(outside):
            x = xr[outside][:, None]
            r = roots[outside]
            a, b = 1.0 / (x - lo), 1.0 / (x - hi)
            low, up = np.minimum(a, b), np.maximum(a, b)
            width = (up - low) + 1e-12 * np.abs(up)
            ok = (np.abs(r.imag) <= 1e-7 * (1 + np.abs(r))) & (r.real >= low - 1e-9 * width) \
                & (r.real <= up + 1e-9 * width) & finite[outside]
            cnt = ok.sum(axis=1)
            idx = np.argmax(ok, axis=1)
            choice[np.nonzero(outside)[0][cnt == 1]] = idx[cnt == 1]
        return choice

    def _continue_np(self, zarr, steps_per_decade=40):
        """Continuation in Im z from Re z + iR down to z (Im z ≥ 0), vectorised.

        Returns the selected roots and the worst ratio nearest/second-nearest distance
        met along each path (≤ 0.5 means every step was unambiguous).
        """
        lo, hi, scale = self._hull()
        zarr = np.asarray(zarr, dtype=complex)
        R = 1e3 * scale
        target = np.maximum(zarr.imag, 1e-10 * scale)
        decades = np.log10(R / target)
        nsteps = int(np.ceil(steps_per_decade * max(1.0, float(np.max(decades))))) + 1
        z0 = zarr.real + 1j * np.maximum(R, zarr.imag)
        roots = self._np_roots(z0)
        dist = np.abs(roots - (1.0 / z0)[:, None])
        dist = np.where(np.isfinite(dist), dist, np.inf)
        g = roots[np.arange(len(z0)), np.argmin(dist, axis=1)]
        worst = np.zeros(len(zarr))
        logR = np.log(np.maximum(R, zarr.imag))
        logT = np.log(target)
        for s in range(1, nsteps + 2):
            if s <= nsteps:
                im = np.exp(logR + (logT - logR) * s / nsteps)
                zs = zarr.real + 1j * im
            else:
                zs = zarr  # final step: the target itself (boundary value when real)
            roots = self._np_roots(zs)
            dist = np.abs(roots - g[:, None])
            dist = np.where(np.isfinite(dist), dist, np.inf)
            order = np.argsort(dist, axis=1)
            near = dist[np.arange(len(zs)), order[:, 0]]
            second = dist[np.arange(len(zs)), order[:, 1]] if self.degree > 1 else np.full(len(zs), np.inf)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(second > 0, near / second, 1.0)
            worst = np.maximum(worst, np.nan_to_num(ratio, nan=1.0))
            g = roots[np.arange(len(zs)), order[:, 0]]
        return g, worst

    def _continue_checked(self, zarr):
        g, worst = self._continue_np(zarr)
        redo = worst > 0.5
        if np.any(redo):
            g2, w2 = self._continue_np(zarr[redo], steps_per_decade=400)
            g[redo] = g2
            worst[redo] = w2
        return g, worst

    # ------------------------------------------------------------------ public double path
    def stieltjes_numpy(self, z_array) -> np.ndarray:
        """G(z) on the physical branch, vectorised in double precision.

        Parameters
        ----------
        z_array : array_like of complex
            Points off the support (real points inside the support give the boundary
            value G(x + i0)).

        Returns
        -------
        numpy.ndarray of complex128, same shape as ``z_array``.
        """
        zin = np.asarray(z_array, dtype=complex)
        shape = zin.shape
        zf = zin.ravel()
        lower = zf.imag < 0
        zu = np.where(lower, np.conj(zf), zf)
        g = self._select_np(zu)
        g = np.where(lower, np.conj(g), g)
        return g.reshape(shape)

    def _select_np(self, zu, return_roots=False):
        realz = zu.imag == 0
        if np.all(realz):
            roots = self._np_roots(zu.real)
        elif not np.any(realz):
            roots = self._np_roots(zu)
        else:
            roots = np.empty((len(zu), self.degree), dtype=complex)
            roots[realz] = self._np_roots(zu.real[realz])
            roots[~realz] = self._np_roots(zu[~realz])
        choice = self._select_unique(zu, roots)
        real = zu.imag <= 1e-12 * self._hull()[2]
        if np.any(real):
            # inside a support interval: the member of a conjugate pair with Im G < 0
            inside = self._in_support_np(zu.real) & real & (choice < 0)
            if np.any(inside):
                r = roots[inside]
                # real coefficients: conjugate pairs are exact in the real eigen-solver
                ok = (r.imag < 0) & np.isfinite(r)
                cnt = ok.sum(axis=1)
                idx = np.argmax(ok, axis=1)
                sel = np.nonzero(inside)[0][cnt == 1]
                choice[sel] = idx[cnt == 1]
        g = np.full(len(zu), np.nan + 0j)
        have = choice >= 0
        g[have] = roots[np.nonzero(have)[0], choice[have]]
        if np.any(~have):
            g[~have], _ = self._continue_checked(zu[~have])
        g = self._polish_np(zu, g)
        if return_roots:
            return g, roots
        return g

    def _in_support_np(self, x):
        """Interior of the support intervals (edges excluded by a relative 1e-10 margin)."""
        x = np.asarray(x, dtype=float)
        out = np.zeros(x.shape, dtype=bool)
        for a, b in self.support():
            a, b = float(a), float(b)
            out |= (x > a) & (x < b)
        return out

    def density_numpy(self, x_array) -> np.ndarray:
        """ρ(x) = −Im G(x + i0)/π, vectorised in double precision (0 off the support).

        Atoms are not included (see :meth:`atoms`).
        """
        x = np.asarray(x_array, dtype=float)
        shape = x.shape
        xf = x.ravel()
        rho = np.zeros(len(xf))
        inside = self._in_support_np(xf)
        if np.any(inside):
            xi = xf[inside]
            # real coefficients: real companion matrices (twice as fast as complex ones)
            roots = self._np_roots(xi)
            # real companion matrices: complex roots come in exact conjugate pairs
            ok = (roots.imag < 0) & np.isfinite(roots)
            cnt = ok.sum(axis=1)
            g = np.full(len(xi), np.nan + 0j)
            uniq = cnt == 1
            g[uniq] = roots[np.nonzero(uniq)[0], np.argmax(ok, axis=1)[uniq]]
            if np.any(~uniq):  # not certified unique: continuation from large Im z
                g[~uniq], _ = self._continue_checked(xi[~uniq].astype(complex))
            g = self._polish_np(xi.astype(complex), g, steps=1)
            rho[inside] = np.maximum(-g.imag / np.pi, 0.0)
        return rho.reshape(shape)

    # ------------------------------------------------------------------ high precision
    def _digits_cap(self, dps):
        cap = dps
        if self.input_digits is not None:
            cap = min(cap, self.input_digits)
        return cap

    def _mp_roots(self, zs, dps, need_lower_half=False):
        """Physical roots at the points ``zs`` (mpc, Im ≥ 0) to ``dps`` digits.

        The double path selects the branch and gives the separation from the other
        roots; Newton's method in mpmath polishes. Returns a list of
        ``(g, radius, method)`` where the disc |G − g| ≤ radius holds the root.
        """
        prec = dps + GUARD
        zc = np.array([complex(zz) for zz in zs])
        g0, roots0 = self._select_np(zc, return_roots=True)
        dist = np.abs(roots0 - g0[:, None])
        dist = np.sort(np.where(np.isfinite(dist), dist, np.inf), axis=1)
        sep = dist[:, 1] if self.degree > 1 else np.full(len(zc), np.inf)
        out = []
        P = int(prec * 3.33) + 40
        itab = self._fx_table(prec, P)
        with mpmath.workdps(prec):
            eps = mpmath.mpf(10) ** (-prec)
            for i, zz in enumerate(zs):
                zz = mpmath.mpc(zz)
                seed = complex(g0[i])
                res = None
                if np.isfinite(seed):
                    if zz.imag == 0:
                        X = int(mpmath.floor(mpmath.ldexp(zz.real, P)))
                        coeffs, cerr = [], []
                        for row in itab:
                            a, e = _fx_horner_real(row, X, P)
                            coeffs.append((a, 0))
                            cerr.append(e + 1.0)
                    else:
                        Xr = int(mpmath.floor(mpmath.ldexp(zz.real, P)))
                        Xi = int(mpmath.floor(mpmath.ldexp(zz.imag, P)))
                        coeffs, cerr = [], []
                        for row in itab:
                            ar, ai, e = _fx_horner_complex(row, Xr, Xi, P)
                            coeffs.append((ar, ai))
                            cerr.append(e + 2.0)
                    # z itself was rounded to the grid: at most 1 ulp; its effect on the
                    # coefficients is bounded by the Horner bound of the derivative in z,
                    # covered by the generous per-step constants above for |z| ≲ 2^(P/2)
                    while len(coeffs) > 1 and coeffs[-1] == (0, 0):
                        coeffs.pop()
                        cerr.pop()
                    res = _fx_newton(coeffs, cerr, seed, P)
                if res is not None:
                    gr, gi, rad = res
                    gf = complex(gr / 2.0 ** P, gi / 2.0 ** P)
                    # rounding the fixed-point result to the working precision
                    rad = rad + 2.0 ** (-P + 2) + float(eps) * abs(gf)
                    ok = abs(gf - seed) + rad < sep[i] / 3
                    if need_lower_half and not gi < 0:
                        ok = False
                    if ok:
                        g = mpmath.mpc(mpmath.mpf((gr, -P)), mpmath.mpf((gi, -P)))
                        out.append((g, mpmath.mpf(rad), "newton (seeded by double path)"))
                        continue
                coeffs = self._mp_coeffs(zz if zz.imag != 0 else zz.real, prec)
                while len(coeffs) > 1 and coeffs[-1] == 0:
                    coeffs = coeffs[:-1]
                # near an edge the roots coalesce: all roots at full precision, the one
                # nearest the double-precision selection
                try:
                    allr, err = mpmath.polyroots(coeffs[::-1], maxsteps=800, extraprec=2 * prec, error=True)
                except mpmath.libmp.NoConvergence:
                    allr = None
                if allr is None:
                    # last resort: Newton from the double-precision selection in mpmath, with
                    # the rigorous inclusion radius d·|p/p'| (the digits say what it is worth)
                    g = mpmath.mpc(seed)
                    radius = mpmath.inf
                    for _ in range(100):
                        step, radius = _root_radius(coeffs, g)
                        if step is None:
                            break
                        g -= step
                        if abs(step) <= eps * (1 + abs(g)):
                            break
                    step, radius = _root_radius(coeffs, g)
                    out.append((g, max(radius, eps), "newton in mpmath (roots close together)"))
                    continue
                allr = [mpmath.mpc(r) for r in allr]
                cands = ([r for r in allr if r.imag < 0] or allr) if need_lower_half else allr
                g = min(cands, key=lambda r: abs(r - seed))
                radius = max(mpmath.mpf(err) * (1 + abs(g)), eps)
                out.append((g, radius, "polyroots (roots close together)"))
        return out

    def _mp_root(self, zz, dps, need_lower_half=False):
        return self._mp_roots([zz], dps, need_lower_half)[0]

    def stieltjes(self, zz, dps: Optional[int] = None) -> Certified:
        """G(z) on the physical branch at the working precision.

        Parameters
        ----------
        zz : complex, mpmath number or string
            A point off the support. For real z inside the support the boundary value
            G(x + i0) is returned.
        dps : int, optional
            Decimal digits (default: the solver's).

        Returns
        -------
        Certified
            ``value`` an ``mpc``; ``digits`` the significant digits certified by the
            root-inclusion radius d·|Q/Q_G|; ``note`` gives that radius.
        """
        dps = self.dps if dps is None else check_dps(dps)
        with mpmath.workdps(dps + GUARD):
            zc = mpmath.mpmathify(zz) if not isinstance(zz, str) else mpmath.mpmathify(zz.replace("j", "j"))
            zc = mpmath.mpc(zc)
            if not (mpmath.isfinite(zc.real) and mpmath.isfinite(zc.imag)):
                raise ParameterError(f"z must be a finite number, got {zz!r}")
            lower = zc.imag < 0
            zu = mpmath.conj(zc) if lower else zc
            g, radius, method = self._mp_root(zu, dps)
            if lower:
                g = mpmath.conj(g)
            digits = self._certified_digits(radius, abs(g), dps)
            return Certified(g, digits, method, note=f"root-inclusion radius {mpmath.nstr(radius, 3)}")

    def _certified_digits(self, radius, size, dps):
        """Significant digits certified by an absolute error bound ``radius`` on ``size``."""
        cap = self._digits_cap(dps)
        if radius == 0:
            return cap
        if size == 0:
            return 0
        r, m = float(radius), float(size)
        if r > 0 and m > 0 and np.isfinite(r / m) and r / m > 0:
            rel = -np.log10(r / m)
        else:
            rel = float(-mpmath.log10(mpmath.mpf(radius) / size, prec=53))
        return int(max(0, min(cap, np.floor(rel))))

    def stieltjes_derivative(self, zz, dps: Optional[int] = None) -> Certified:
        """G′(z) = −Q_z/Q_G at (G(z), z), from the implicit equation Q(G(z), z) = 0."""
        dps = self.dps if dps is None else check_dps(dps)
        gc = self.stieltjes(zz, dps)
        with mpmath.workdps(dps + GUARD):
            zc = mpmath.mpc(mpmath.mpmathify(zz))
            g = gc.value
            tab = self._mp_table(dps + GUARD)
            qg = mpmath.mpc(0)
            qz = mpmath.mpc(0)
            for k, row in enumerate(tab):
                for j, cf in enumerate(row):
                    if cf == 0:
                        continue
                    if k:
                        qg += k * cf * g ** (k - 1) * zc ** j
                    if j:
                        qz += j * cf * g ** k * zc ** (j - 1)
            if qg == 0:
                raise RmtsymError("G'(z) is undefined at a branch point of the equation")
            dg = -qz / qg
            # error propagation: dG' ≈ |d(G')/dG|·δG, bounded crudely by relative error of G
            digits = max(0, gc.digits - 2)
            return Certified(dg, digits, "implicit derivative -Q_z/Q_G", note=gc.note)

    def density(self, xx, dps: Optional[int] = None) -> Certified:
        """ρ(x) = −Im G(x + i0)/π at the working precision (the limit, not a small ε).

        Outside the support the value is exactly 0 (atoms are not included). The
        certified digits are relative to ρ(x), from the root-inclusion radius.
        """
        return self.density_many([xx], dps)[0]

    def density_many(self, xs, dps: Optional[int] = None) -> List[Certified]:
        """:meth:`density` at many points, sharing one vectorised double-precision seed."""
        dps = self.dps if dps is None else check_dps(dps)
        out: List[Optional[Certified]] = []
        todo, where = [], []
        with mpmath.workdps(dps + GUARD):
            intervals = self.support()
            for xx in xs:
                x = mpmath.mpf(xx) if isinstance(xx, str) else mpmath.mpf(mpmath.mpmathify(xx).real)
                if not mpmath.isfinite(x):
                    raise ParameterError(f"x must be a finite number, got {xx!r}")
                if any(a < x < b for a, b in intervals):
                    where.append(len(out))
                    todo.append(mpmath.mpc(x))
                    out.append(None)
                else:
                    out.append(Certified(mpmath.mpf(0), self._digits_cap(dps), "outside the support",
                                         exact=sp.Integer(0)))
            if todo:
                for i, (g, radius, method) in zip(where, self._mp_roots(todo, dps, need_lower_half=True)):
                    rho = -g.imag / mpmath.pi
                    digits = self._certified_digits(radius, abs(g.imag), dps)
                    out[i] = Certified(+rho, digits, method,
                                       note=f"root-inclusion radius {mpmath.nstr(radius, 3)}")
        return out

    # ------------------------------------------------------------------ support and atoms
    def support(self) -> List[Tuple]:
        """The intervals [a, b] of the continuous part, edges as mpf at the working precision.

        Candidate edges are the real zeros of the discriminant of Q in G (and of the
        leading coefficient); each gap between consecutive candidates is kept when the
        density at its midpoint (computed by continuation) is positive, and adjacent
        kept gaps are merged.
        """
        if self._support is None:
            pts = self.branch_points()
            intervals = []
            if len(pts) >= 2:
                mids = np.array([float((pts[i] + pts[i + 1]) / 2) for i in range(len(pts) - 1)])
                g, worst = self._continue_checked(mids.astype(complex))
                for i in range(len(pts) - 1):
                    # strictly complex root selected: inside the support
                    if -g[i].imag > 1e-8 * (1 + abs(g[i])):
                        a, b = pts[i], pts[i + 1]
                        if intervals and intervals[-1][1] == a:
                            intervals[-1] = (intervals[-1][0], b)
                        else:
                            intervals.append((a, b))
            self._support = intervals
        return list(self._support)

    def atoms(self) -> List[Tuple]:
        """Atoms (x0, mass) with mass = lim_{z→x0} (z − x0) G(z).

        Candidates are the real zeros of the leading coefficient a_d(z) and z = 0. At
        each, G = w/(z − x0) is substituted: the lowest order in ε = z − x0 of
        Σ a_k(x0 + ε) w^k ε^(d−k) is a polynomial L(w) whose roots are the possible
        masses; the physical one is the root nearest ε·G(x0 + iε) on the physical branch.
        """
        if self._atoms is None:
            lead = sp.Poly(self.poly.as_expr(), G).all_coeffs()[0]
            cands = {sp.Integer(0)}
            try:
                for r in sp.roots(sp.Poly(lead, z)).keys():
                    if r.is_real:
                        cands.add(r)
            except Exception:  # pragma: no cover
                pass
            for p in self._real_roots(lead, self.dps + GUARD):
                if not any(abs(float(sp.N(c)) - float(p)) < 1e-12 for c in cands):
                    cands.add(sp.Float(mpmath.nstr(p, self.dps + GUARD), self.dps + GUARD))
            atoms = []
            w, eps = sp.symbols("w epsilon")
            d = self.degree
            coeffs = sp.Poly(self.poly.as_expr(), G).all_coeffs()[::-1]
            scale = self._hull()[2]
            for x0 in sorted(cands, key=lambda c: float(sp.N(c))):
                expr = sum(sp.expand(coeffs[k].subs(z, x0 + eps)) * w ** k * eps ** (d - k) for k in range(d + 1))
                R = sp.Poly(sp.expand(expr), eps)
                low = None
                for (power,), cf in sorted(R.terms(), key=lambda t: t[0][0]):
                    cf = sp.expand(cf)
                    if cf != 0 and not (cf.is_number and abs(sp.N(cf, 30)) < 1e-25):
                        low = cf
                        break
                if low is None or not low.has(w):
                    continue
                Lw = sp.Poly(low, w)
                try:
                    Lw = Lw.sqf_part()
                except Exception:  # pragma: no cover
                    pass
                with mpmath.workdps(self.dps + GUARD):
                    lc = [mpmath.mpf(sp.N(c, self.dps + GUARD + 5)) for c in Lw.all_coeffs()]
                    while len(lc) > 1 and lc[-1] == 0:
                        lc = lc[:-1]
                    masses = [mpmath.mpf(0)]
                    if len(lc) > 1:
                        for r in mpmath.polyroots(lc, maxsteps=400, extraprec=2 * self.dps):
                            r = mpmath.mpc(r)
                            if abs(r.imag) < mpmath.mpf(10) ** (-self.dps // 2):
                                masses.append(r.real)
                    # the physical branch near x0: ε·G(x0 + iε) → mass. The approach is
                    # slow where the continuous density is singular at x0 too (deep
                    # Jacobians: ρ ~ x^{-L/(L+1)}, so the error is O(ε^{1/(L+1)})): accept the
                    # candidate when the estimates at ε = 10^-4, 10^-7, 10^-10 (× scale)
                    # close in on it, or when the last one is within 0.01 of it
                    x0f = float(sp.N(x0))
                    es = scale * np.array([1e-4, 1e-7, 1e-10])
                    ests = (1j * es * self.stieltjes_numpy(x0f + 1j * es)).real
                    best = min(masses, key=lambda m: abs(float(m) - ests[-1]))
                    gaps = np.abs(float(best) - ests)
                    closing_in = bool(np.all(np.diff(gaps) < 0) and gaps[-1] < 0.5 * gaps[0] and gaps[-1] < 0.1)
                    if best > mpmath.mpf(10) ** (-self.dps) and (gaps[-1] < 0.01 or closing_in):
                        atoms.append((mpmath.mpf(sp.N(x0, self.dps + GUARD)) if x0.is_number else x0, +best))
            self._atoms = atoms
        return list(self._atoms)


__all__ = ["BranchSolver"]
