"""The :class:`BranchSolver`: the physical branch of a numeric algebraic law.

Construction (the coefficient tables), the branch points (real zeros of the discriminant in G
and of the leading coefficient), the support intervals and the atoms; the double-precision
path (:mod:`~rmtsym.solver.double_path`) and the certified path
(:mod:`~rmtsym.solver.certified`) are mixed in, and for degree 2 in G the closed-form
roots and density (:mod:`~rmtsym.solver.quadratic`).
"""
from __future__ import annotations

import math
from typing import List, Tuple

import mpmath
import numpy as np
import sympy as sp

from ..algebraic import SpectralEquation, generic_numbers
from ..errors import ParameterError, RmtsymError
from ..numbers import check_dps
from ..symbols import G, z
from .certified import _CertifiedPath
from .double_path import _DoublePrecisionPath
from .polynomial import GUARD, _clean_poly, _input_digits, _plain_domain, _root_radius
from .quadratic import _QuadraticPath


def _is_zero_number(c, coeffs) -> bool:
    """Whether the exact number ``c`` (a coefficient among ``coeffs``) is zero.

    Numerical evaluation first: 30 correct digits of a value above 1e-20 of the largest
    coefficient prove it nonzero (SymPy's ``evalf`` raises its precision until the digits
    it returns are right). Only an exact zero or a value that small goes to ``simplify``,
    which is slow (its first call alone imports ``sympy.physics.units``).
    """
    c = sp.sympify(c)
    if c == 0:
        return True
    if c.is_Rational:
        return False
    try:
        v = abs(complex(sp.N(c, 30)))
        big = max(abs(complex(sp.N(a, 15))) for a in coeffs)
    except (TypeError, ValueError):
        v = big = 0.0
    if v > 1e-20 * big and math.isfinite(v):
        return False
    return sp.simplify(c) == 0


def _discriminant_in_domain(poly: sp.Poly):
    """The coefficients in z (highest power first) of Disc_G Q for Q over a plain domain
    (:func:`~rmtsym.solver.polynomial._plain_domain`), or None.

    Q is cleared of denominators (c·Q with integer coefficients in G, z and the constants
    π, e, ... taken as indeterminates); its discriminant in G is computed over the integers,
    and Disc_G(c·Q) = c^(2d−2) Disc_G Q is divided back: the same coefficients as the
    discriminant over Q(a1, ..., ak) with the constants substituted back, without SymPy's
    expressions in between.
    """
    if not _plain_domain(poly.domain) or poly.gens != (G, z):
        return None
    d = poly.degree(G)
    if d < 1:
        return None
    den, num = poly.clear_denoms(convert=True)
    flat = num.inject() if not num.domain.is_Numerical else num
    disc = flat.discriminant()
    if not isinstance(disc, sp.Poly):  # pragma: no cover - Q depends on z
        return None
    extra = [g for g in disc.gens if g != z]
    if z not in disc.gens:
        return None
    in_z = disc.eject(*extra) if extra else disc
    if in_z.gens != (z,):  # pragma: no cover
        return None
    scale = sp.sympify(den) ** (2 * d - 2)
    return [c / scale if scale != 1 else c for c in in_z.all_coeffs()]


class BranchSolver(_QuadraticPath, _DoublePrecisionPath, _CertifiedPath):
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
        self._float_norm = float(np.max(np.abs(self._float)))
        self._float /= self._float_norm
        self._mp_cache = {}
        self._branch_points = None
        self._support = None
        self._atoms = None

    # ------------------------------------------------------------------ branch points
    def branch_points(self) -> List:
        """Real zeros of the discriminant of Q in G and of the leading coefficient a_d(z).

        Every edge of the support and every atom lies among them (mpf values at the
        default precision + guard, sorted).
        """
        if self._branch_points is None:
            prec = self.dps + GUARD
            # Disc_G Q over Q(a1, ..., ak), irrational numbers as indeterminates (as in
            # rmtsym.algebraic.discriminant); each coefficient in z gets its numbers back
            # and is evaluated as it is, without expanding the polynomial over them
            coeffs = _discriminant_in_domain(self.poly)
            if coeffs is None:
                generic, back = generic_numbers(self.poly.as_expr())
                disc = sp.Poly(sp.Poly(generic, G).discriminant(), z)
                coeffs = [sp.sympify(c).xreplace(back) if back else sp.sympify(c) for c in disc.all_coeffs()]
            pts = self._real_roots_of(coeffs, prec)
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
        return self._real_roots_of(sp.Poly(expr, z).all_coeffs(), prec)

    def _real_roots_of(self, coeffs, prec):
        """Real roots of the polynomial with exact coefficients ``coeffs`` (highest power
        first), to ``prec`` digits (mpf)."""
        coeffs = list(coeffs)
        roots = []
        while len(coeffs) > 1 and _is_zero_number(coeffs[-1], coeffs):
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

    def _coefficient_in_z(self, k: int) -> sp.Poly:
        """a_k(z), the coefficient of G^k, as a polynomial in z over the domain of Q."""
        rep = {(j,): cf for (i, j), cf in self.poly.rep.terms() if i == k}
        return sp.Poly.from_dict(rep or {(0,): self.poly.domain.zero}, z, domain=self.poly.domain)

    def _lowest_order_in_domain(self, x0, w):
        """L(w) of :meth:`atoms` at a rational x0, computed in the domain of Q: a_k(x0 + ε)
        by a Taylor shift of each coefficient, the terms of Σ a_k(x0 + ε) w^k ε^(d−k) of the
        lowest order in ε with a nonzero coefficient. Returns the Poly in w (built from
        SymPy numbers, as from the expression), False when that coefficient is free of w,
        None when the shift cannot be done in the domain.
        """
        d, dom = self.degree, self.poly.domain
        orders: dict = {}
        for k in range(d + 1):
            ak = self._coefficient_in_z(k)
            if x0 != 0:
                try:
                    ak = ak.shift(x0)
                except Exception:  # x0 outside the domain (1/2 over ZZ): the general path
                    return None
            for (j,), cf in ak.rep.terms():
                if cf:
                    orders.setdefault(j + d - k, {})[k] = cf
        for power in sorted(orders):
            low = {k: dom.to_sympy(cf) for k, cf in orders[power].items()}
            if set(low) == {0} and abs(sp.N(low[0], 30)) < 1e-25:
                continue  # the same test as on the expression: a negligible number
            if set(low) == {0}:
                return False
            return sp.Poly.from_dict({(k,): cf for k, cf in low.items()}, w)
        return False

    def _hull(self):
        self.branch_points()
        return self._lo, self._hi, self._scale

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
            plain = _plain_domain(self.poly.domain) and self.poly.gens == (G, z)
            if plain:  # a_d(z) read off the polynomial, no expression in between
                lead_poly = self._coefficient_in_z(self.degree)
                lead = lead_poly.as_expr()
            else:
                lead = sp.Poly(self.poly.as_expr(), G).all_coeffs()[0]
                lead_poly = sp.Poly(lead, z)
            cands = {sp.Integer(0)}
            try:
                for r in sp.roots(lead_poly).keys():
                    if r.is_real:
                        cands.add(r)
            except Exception:  # pragma: no cover
                pass
            lead_roots = (self._real_roots_of(lead_poly.all_coeffs(), self.dps + GUARD) if plain
                          else self._real_roots(lead, self.dps + GUARD))
            for p in lead_roots:
                if not any(abs(float(sp.N(c)) - float(p)) < 1e-12 for c in cands):
                    cands.add(sp.Float(mpmath.nstr(p, self.dps + GUARD), self.dps + GUARD))
            atoms = []
            w, eps = sp.symbols("w epsilon")
            d = self.degree
            coeffs = None
            scale = self._hull()[2]
            for x0 in sorted(cands, key=lambda c: float(sp.N(c))):
                Lw = self._lowest_order_in_domain(x0, w) if plain and x0.is_Rational else None
                if Lw is None:
                    if coeffs is None:
                        coeffs = sp.Poly(self.poly.as_expr(), G).all_coeffs()[::-1]
                    expr = sum(sp.expand(coeffs[k].subs(z, x0 + eps)) * w ** k * eps ** (d - k)
                               for k in range(d + 1))
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
                elif Lw is False:
                    continue
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
                    ests = (1j * es * self.stieltjes_vertical(x0f, es)).real
                    best = min(masses, key=lambda m: abs(float(m) - ests[-1]))
                    gaps = np.abs(float(best) - ests)
                    closing_in = bool(np.all(np.diff(gaps) < 0) and gaps[-1] < 0.5 * gaps[0] and gaps[-1] < 0.1)
                    if best > mpmath.mpf(10) ** (-self.dps) and (gaps[-1] < 0.01 or closing_in):
                        atoms.append((mpmath.mpf(sp.N(x0, self.dps + GUARD)) if x0.is_number else x0, +best))
            self._atoms = atoms
        return list(self._atoms)
