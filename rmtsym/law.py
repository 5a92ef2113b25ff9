"""scipy.stats-like objects for algebraic spectral laws.

A :class:`SpectralLaw` wraps a numeric :class:`~rmtsym.algebraic.SpectralEquation`
Q(G, z) = 0 and its :class:`~rmtsym.solver.BranchSolver`. Two paths are offered:

* the double-precision methods, shaped like ``scipy.stats`` (``pdf``, ``cdf``,
  ``ppf``, ``moment``, ``mean``, ``var``, ``std``, ``support``, ``rvs``, ``stieltjes``):
  floats for scalars, numpy arrays for arrays;
* the ``*_mp`` methods (``pdf_mp``, ``cdf_mp``, ``moment_mp``, ``stieltjes_mp``):
  high precision at ``dps`` digits, each returning a :class:`~rmtsym.numbers.Certified`.

The CDF of the continuous part is the integral of ρ over each support interval [a, b]
after the substitution t = a + (b − a)(1 − cos θ)/2, which turns the square-root (or
inverse square-root) edge behaviour into a smooth function of θ ∈ [0, π]; in double
precision it is a Chebyshev interpolant of degree up to 1024 integrated exactly, at high
precision ``mpmath.quad`` (tanh–sinh). Atoms are included (right-continuous CDF).

:class:`PenningtonWorahLaw` is the limiting spectrum of M = YYᵀ/m, Y = f(WX)
(J. Pennington and P. Worah, "Nonlinear random matrix theory for deep learning",
NeurIPS 2017): the quartic of :func:`rmtsym.pennington_worah.quartic` with exact
parameters.
"""
from __future__ import annotations

import math
from typing import List, Optional, Tuple

import mpmath
import numpy as np
import sympy as sp
from numpy.polynomial import chebyshev as C

from .algebraic import SpectralEquation, generic_numbers
from .errors import ParameterError, RmtsymError
from .numbers import Certified, check_dps, decimal_string
from .solver import GUARD, BranchSolver


def _is_scalar(x) -> bool:
    return np.ndim(x) == 0


class _Piecewise:
    """Adaptive piecewise-Chebyshev interpolant of h on [lo, hi] and its running integral.

    Panels are bisected until the last Chebyshev coefficients of degree ``DEG`` fall
    below ``rtol``·max|h| (or the panel is narrower than 1e-13·(hi − lo)); all pending
    panels of one level are evaluated in a single vectorised call of ``h``.
    """

    DEG = 32

    def __init__(self, h, lo: float, hi: float, rtol: float = 1e-13, max_panels: int = 4000):
        # rtol: the double-precision density is accurate to ~1e-13 relative to |G|, so
        # Chebyshev tails cannot go much lower; a panel whose halves do not reduce the
        # tail by 4 has reached that noise floor and is accepted.
        m = self.DEG + 1
        u = np.cos(np.pi * (np.arange(m) + 0.5) / m)[::-1]          # Chebyshev points
        inv = np.linalg.inv(C.chebvander(u, self.DEG))
        pending = [(lo, hi, np.inf)]
        done = []
        scale = None
        while pending:
            a = np.array([p[0] for p in pending])
            b = np.array([p[1] for p in pending])
            parent = np.array([p[2] for p in pending])
            x = (a[:, None] + b[:, None]) / 2 + (b - a)[:, None] / 2 * u[None, :]
            vals = np.asarray(h(x.ravel()), dtype=float).reshape(x.shape)
            if scale is None:
                scale = max(float(np.max(np.abs(vals))), 1e-300)
            coef = vals @ inv.T
            tail = np.max(np.abs(coef[:, -3:]), axis=1)
            nxt = []
            for i in range(len(pending)):
                if tail[i] <= rtol * scale or (b[i] - a[i]) < 1e-13 * (hi - lo) \
                        or (tail[i] > parent[i] / 4 and tail[i] <= 1e-9 * scale) \
                        or len(done) + len(pending) + len(nxt) > max_panels:
                    done.append((a[i], b[i], coef[i]))
                else:
                    mid = (a[i] + b[i]) / 2
                    nxt += [(a[i], mid, tail[i]), (mid, b[i], tail[i])]
            pending = nxt
        done.sort(key=lambda p: p[0])
        self.starts = np.array([p[0] for p in done])
        self.ends = np.array([p[1] for p in done])
        self.coef = np.array([p[2] for p in done])
        half = (self.ends - self.starts) / 2
        self.icoef = np.array([C.chebint(c, lbnd=-1) for c in self.coef]) * half[:, None]
        masses = np.array([C.chebval(1.0, ic) for ic in self.icoef])
        self.base = np.concatenate([[0.0], np.cumsum(masses)[:-1]])
        self.total = float(np.sum(masses))

    @staticmethod
    def _clenshaw(u, rows):
        b1 = np.zeros_like(u)
        b2 = np.zeros_like(u)
        for k in range(rows.shape[1] - 1, 0, -1):
            b1, b2 = 2 * u * b1 - b2 + rows[:, k], b1
        return u * b1 - b2 + rows[:, 0]

    def _locate(self, x):
        x = np.clip(np.asarray(x, dtype=float), self.starts[0], self.ends[-1])
        idx = np.clip(np.searchsorted(self.ends, x), 0, len(self.ends) - 1)
        a, b = self.starts[idx], self.ends[idx]
        return idx, (2 * x - a - b) / (b - a)

    def value(self, x):
        shape = np.shape(x)
        idx, u = self._locate(np.atleast_1d(x).ravel())
        return self._clenshaw(u, self.coef[idx]).reshape(shape)

    def integral(self, x):
        """∫_lo^x h."""
        shape = np.shape(x)
        idx, u = self._locate(np.atleast_1d(x).ravel())
        return (self.base[idx] + self._clenshaw(u, self.icoef[idx])).reshape(shape)


class SpectralLaw:
    """A probability law given by its algebraic Stieltjes equation Q(G, z) = 0.

    Parameters
    ----------
    equation : SpectralEquation
        Numeric Q(G, z); G(z) = ∫ρ(t)dt/(z − t) ~ 1/z on the physical branch.
    dps : int
        Default precision (decimal digits) of the ``*_mp`` methods.
    name : str
        A label used in reprs and LaTeX.

    Notes
    -----
    ρ(x) = −Im G(x + i0)/π on the support intervals; atoms at the zeros of the leading
    coefficient with masses lim (z − x0) G(z) (see :class:`~rmtsym.solver.BranchSolver`).
    """

    def __init__(self, equation: SpectralEquation, dps: int = 30, name: str = ""):
        self.dps = check_dps(dps)
        self.equation = equation
        self.name = name or equation.name
        self.solver = BranchSolver(equation, self.dps)
        self._intervals = self.solver.support()
        self._atoms = self.solver.atoms()
        if not self._intervals and not self._atoms:
            raise RmtsymError("the equation has neither a continuous support nor atoms; it is not the equation of a probability law")
        #: digits of the parameters (None when exact); results never claim more
        self.parameter_digits: Optional[int] = None
        self.notes: List[str] = []
        self._cheb = None

    # ------------------------------------------------------------------ structure
    def intervals(self) -> List[Tuple]:
        """The support intervals of the continuous part, [(a, b), ...] (mpf edges)."""
        return list(self._intervals)

    def atoms(self) -> List[Tuple]:
        """The atoms [(x0, mass), ...] (mpf)."""
        return list(self._atoms)

    def support(self) -> Tuple[float, float]:
        """The smallest interval [lo, hi] holding the law (atoms included), like scipy."""
        pts = [float(a) for a, _ in self._intervals] + [float(b) for _, b in self._intervals]
        pts += [float(x) for x, _ in self._atoms]
        return (min(pts), max(pts))

    # ------------------------------------------------------------------ Chebyshev tables
    def _tables(self):
        """Per interval: (a, b, h, F) with h(θ) = ρ(t(θ)) t′(θ) and F(θ) = ∫_0^θ h.

        t(θ) = a + (b − a) sin²(θ/2) maps [0, π] onto [a, b] and smooths the edge
        singularities; h is interpolated by adaptive piecewise Chebyshev series.
        """
        if self._cheb is None:
            tables = []
            for a, b in self._intervals:
                a, b = float(a), float(b)
                half = (b - a) / 2

                def h(theta, a=a, half=half):
                    t = a + 2 * half * np.sin(theta / 2) ** 2
                    return self.solver.density_numpy(t) * half * np.sin(theta)

                pw = _Piecewise(h, 0.0, np.pi)
                tables.append((a, b, pw.value, pw.integral, pw))
            self._cheb = tables
        return [t[:4] for t in self._cheb]

    def _panels(self):
        self._tables()
        return [(t[0], t[1], t[4]) for t in self._cheb]

    def total_mass(self) -> float:
        """Continuous mass plus atoms (1 up to quadrature error; a consistency check)."""
        cont = sum(float(F(np.pi)) for _, _, _, F in self._tables())
        return cont + sum(float(m) for _, m in self._atoms)

    # ------------------------------------------------------------------ double precision
    def pdf(self, x):
        """Density of the continuous part, ρ(x) = −Im G(x + i0)/π (atoms excluded)."""
        arr = np.asarray(x, dtype=float)
        out = np.asarray(self.solver.density_numpy(arr), dtype=float)
        out = np.where(np.isnan(arr), np.nan, out)  # nan in, nan out (like scipy.stats)
        return float(out) if _is_scalar(x) else out

    def cdf(self, x):
        """P(X ≤ x), atoms included (right-continuous)."""
        arr = np.asarray(x, dtype=float)
        flat = arr.ravel()
        out = np.zeros(flat.shape)
        for x0, m in self._atoms:
            out += np.where(flat >= float(x0), float(m), 0.0)
        for a, b, _, F in self._tables():
            mass = float(F(np.pi))
            inside = (flat > a) & (flat < b)
            out += np.where(flat >= b, mass, 0.0)
            if np.any(inside):
                theta = 2 * np.arcsin(np.sqrt(np.clip((flat[inside] - a) / (b - a), 0, 1)))
                out[inside] += np.clip(F(theta), 0.0, mass)
        out = np.clip(out, 0.0, 1.0)
        out[np.isnan(flat)] = np.nan  # nan in, nan out (like scipy.stats)
        return float(out[0]) if _is_scalar(x) else out.reshape(arr.shape)

    def ppf(self, q):
        """Quantile function inf{x : F(x) ≥ q} (inverse CDF), q in [0, 1]."""
        arr = np.asarray(q, dtype=float)
        flat = arr.ravel()
        if np.any(~np.isfinite(flat)) or np.any((flat < 0) | (flat > 1)):
            raise ParameterError("quantile levels q must lie in [0, 1]")
        if any(float(a) < float(x0) < float(b) for x0, _m in self._atoms for a, b in self._intervals):
            # an atom inside a support interval: the pieces below are not in the order of F;
            # invert F itself
            out = np.array([self._ppf_bisect(v) for v in flat])
            return float(out[0]) if _is_scalar(q) else out.reshape(arr.shape)
        pieces = [(float(x0), 0, float(m), None) for x0, m in self._atoms]
        pieces += [(a, 1, float(F(np.pi)), (a, b, h, F)) for a, b, h, F in self._tables()]
        pieces.sort(key=lambda p: (p[0], p[1]))
        out = np.full(flat.shape, np.nan)
        base = 0.0
        lo, hi = self.support()
        for loc, kind, mass, tab in pieces:
            todo = np.isnan(out) & (flat <= base + mass)
            if np.any(todo):
                if kind == 0:
                    out[todo] = loc
                else:
                    a, b, h, F = tab
                    target = np.clip(flat[todo] - base, 0.0, mass)
                    grid = np.linspace(0, np.pi, 2049)
                    cum = np.maximum.accumulate(F(grid))
                    theta = np.interp(target, cum, grid)
                    for _ in range(4):  # Newton on F(θ) = target
                        dens = h(theta)
                        step = np.where(dens > 1e-12, (F(theta) - target) / np.maximum(dens, 1e-300), 0.0)
                        theta = np.clip(theta - step, 0.0, np.pi)
                    out[todo] = a + (b - a) * np.sin(theta / 2) ** 2
            base += mass
        out[np.isnan(out)] = hi  # q = 1 up to rounding of the total mass
        out[flat <= 0] = lo
        return float(out[0]) if _is_scalar(q) else out.reshape(arr.shape)

    def _ppf_bisect(self, q: float) -> float:
        """inf{x : F(x) ≥ q} by bisection on :meth:`cdf`
        (:func:`rmtsym.law_potential.invert_cdf`)."""
        from .law_potential import invert_cdf

        lo, hi = self.support()
        atoms = [(float(x0), float(m)) for x0, m in self._atoms]
        return invert_cdf(self.cdf, atoms, lo, hi, q, 1e-12)

    def rvs(self, size=1, random_state=None):
        """Random variates by inverse CDF: ppf(U), U uniform on (0, 1)."""
        rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
        u = rng.random(size)
        return self.ppf(u)

    def stieltjes(self, zz):
        """G(z) on the physical branch (double precision; scalars or arrays)."""
        arr = np.asarray(zz, dtype=complex)
        out = self.solver.stieltjes_numpy(arr)
        return complex(out) if _is_scalar(zz) else out

    # ------------------------------------------------------------------ moments
    def moment_exact(self, k: int):
        """m_k = ∫x^k dμ exactly, from the expansion of Q at z = ∞ (SymPy), or None."""
        if not isinstance(k, (int, np.integer)) or k < 0:
            raise ParameterError(f"the moment order must be a nonnegative whole number, got {k!r}")
        if k == 0:
            return sp.Integer(1)
        try:
            from .algebraic import moments_at_infinity
        except ImportError:  # pragma: no cover
            return None
        return sp.sympify(moments_at_infinity(SpectralEquation(self.solver.poly, self.name), int(k))[-1])

    def moment_numeric(self, k: int) -> float:
        """m_k from the density and the atoms (Gauss–Legendre on the adaptive panels)."""
        total = sum(float(x0) ** k * float(m) for x0, m in self._atoms)
        xg, wg = np.polynomial.legendre.leggauss(48)
        for a, b, pw in self._panels():
            half = (b - a) / 2
            s0, s1 = pw.starts[:, None], pw.ends[:, None]
            theta = (s0 + s1) / 2 + (s1 - s0) / 2 * xg[None, :]
            t = a + 2 * half * np.sin(theta / 2) ** 2
            rho = self.solver.density_numpy(t.ravel()).reshape(t.shape)
            total += float(np.sum((s1 - s0) / 2 * wg[None, :] * t ** k * rho * half * np.sin(theta)))
        return total

    def moment(self, k: int) -> float:
        """Non-central moment m_k (exact when the series is available)."""
        exact = self.moment_exact(k)
        if exact is not None:
            return float(sp.N(exact, 20))
        return self.moment_numeric(k)

    def moment_mp(self, k: int, dps: Optional[int] = None) -> Certified:
        """m_k at ``dps`` digits (the exact series value evaluated, or quadrature)."""
        dps = self.dps if dps is None else check_dps(dps)
        exact = self.moment_exact(k)
        if exact is not None:
            digits = self._cap(dps)
            with mpmath.workdps(dps + GUARD):
                val = mpmath.mpf(str(sp.N(exact, dps + GUARD)))
            return Certified(val, digits, "series at infinity", exact=exact if self.parameter_digits is None else None)
        with mpmath.workdps(dps + GUARD):
            total = mpmath.fsum(x0 ** k * m for x0, m in self._atoms)
            err = mpmath.mpf(0)
            for a, b in self._intervals:
                val, e = self._quad_interval(a, b, b, dps, lambda t: t ** k)
                total += val
                err += e
            digits = self._cap(min(dps, int(-mpmath.log10(err / abs(total))) if err > 0 and total != 0 else dps))
            return Certified(+total, digits, "quadrature of the density")

    def mean(self) -> float:
        """First moment m1."""
        return self.moment(1)

    def var(self) -> float:
        """Variance m2 − m1²."""
        exact1, exact2 = self.moment_exact(1), self.moment_exact(2)
        if exact1 is not None and exact2 is not None:
            return float(sp.N(exact2 - exact1 ** 2, 20))
        return self.moment(2) - self.moment(1) ** 2

    def std(self) -> float:
        """Standard deviation √var."""
        return math.sqrt(self.var())

    # ------------------------------------------------------------------ high precision
    def _cap(self, digits: int) -> int:
        if self.parameter_digits is not None:
            return max(0, min(digits, self.parameter_digits - 1))
        return digits

    def _recap(self, c: Certified) -> Certified:
        if self.parameter_digits is None:
            return c
        note = (c.note + "; " if c.note else "") + f"parameters known to {self.parameter_digits} digits"
        return Certified(c.value, self._cap(c.digits), c.method, c.exact, note)

    def pdf_mp(self, x, dps: Optional[int] = None):
        """ρ(x) at ``dps`` digits: a Certified (a list of them for a list of x)."""
        xs = [x] if _is_scalar(x) and not isinstance(x, (list, tuple)) else list(x)
        vals = [self._recap(c) for c in self.solver.density_many(xs, dps)]
        return vals[0] if _is_scalar(x) and not isinstance(x, (list, tuple)) else vals

    def stieltjes_mp(self, zz, dps: Optional[int] = None) -> Certified:
        """G(z) at ``dps`` digits (Certified mpc)."""
        return self._recap(self.solver.stieltjes(zz, dps))

    _gl_cache: dict = {}

    @classmethod
    def _gauss_legendre(cls, degree: int, prec_dps: int):
        """Gauss–Legendre nodes and weights on [-1, 1] (3·2^(degree−1) of them), cached."""
        key = (degree, prec_dps)
        if key not in cls._gl_cache:
            with mpmath.workdps(prec_dps):
                gl = mpmath.calculus.quadrature.GaussLegendre(mpmath.mp)
                cls._gl_cache[key] = gl.calc_nodes(degree, mpmath.mp.prec)
        return cls._gl_cache[key]

    def _quad_interval(self, a, b, upper, dps, weight=None):
        """∫_a^upper w(t)ρ(t)dt with t = a + (b − a) sin²(θ/2), Gauss–Legendre in θ.

        The θ-range is cut at the panels of the adaptive double-precision table (which
        resolve sharp features of ρ); on each panel the integrand is analytic for
        square-root and inverse-square-root edges, so Gauss–Legendre converges
        geometrically. The nodes of one rule on all panels are evaluated in a single
        batch (:meth:`BranchSolver.density_many`); the rule is doubled until two
        successive rules agree to the working precision, and their difference is the
        error estimate. Returns (value, error estimate).
        """
        half = (b - a) / 2
        ratio = (upper - a) / half - 1
        theta_up = mpmath.acos(max(-1, min(1, -ratio)))
        if theta_up == 0:
            return mpmath.mpf(0), mpmath.mpf(0)
        cuts = [mpmath.mpf(0)]
        for (ia, ib, pw) in self._panels():
            if abs(ia - float(a)) <= 1e-12 * (1 + abs(ia)) and abs(ib - float(b)) <= 1e-12 * (1 + abs(ib)):
                cuts += [mpmath.mpf(e) for e in pw.ends[:-1] if e < theta_up]
        cuts.append(theta_up)
        prec = dps + GUARD
        lo_rule = self._gauss_legendre(5, prec)   # 48 nodes
        hi_rule = self._gauss_legendre(6, prec)   # 96 nodes
        # absolute tolerance from the double-precision mass of this interval
        scale = max(mpmath.mpf(abs(self._interval_mass(a, b))), mpmath.mpf(10) ** (-dps))
        tol = mpmath.mpf(10) ** (-dps - 1) * scale
        queue = list(zip(cuts[:-1], cuts[1:]))
        total, error = mpmath.mpf(0), mpmath.mpf(0)
        rounds = 0
        while queue:
            rounds += 1
            thetas, wts, owner = [], [], []
            for i, (c0, c1) in enumerate(queue):
                for tag, rule in ((0, lo_rule), (1, hi_rule)):
                    for xk, wk in rule:
                        thetas.append((c0 + c1) / 2 + (c1 - c0) / 2 * xk)
                        wts.append(wk * (c1 - c0) / 2)
                        owner.append((i, tag))
            ts = [a + 2 * half * mpmath.sin(th / 2) ** 2 for th in thetas]
            rhos = self.solver.density_many(ts, dps)
            sums = [[mpmath.mpf(0), mpmath.mpf(0)] for _ in queue]
            for (i, tag), wk, th, t, r in zip(owner, wts, thetas, ts, rhos):
                w = weight(t) if weight is not None else 1
                sums[i][tag] += wk * w * r.value * mpmath.sin(th)
            nxt = []
            for (c0, c1), (s_lo, s_hi) in zip(queue, sums):
                err = abs(s_hi - s_lo) * half
                share = tol * (c1 - c0) / theta_up
                # panels narrower than 1e-8·θ_up only occur at an integrable edge singularity
                # (e.g. ρ ~ x^(-2/3)); their error estimate is kept in the reported error,
                # so such laws get fewer certified digits instead of a endless refinement
                tiny = max(mpmath.mpf(10) ** (-dps), mpmath.mpf(10) ** -8) * theta_up
                if err <= share or (c1 - c0) < tiny or rounds > 30:
                    total += s_hi * half
                    error += err
                else:
                    mid = (c0 + c1) / 2
                    nxt += [(c0, mid), (mid, c1)]
            queue = nxt
        return total, error

    def _interval_mass(self, a, b) -> float:
        for ia, ib, pw in self._panels():
            if abs(ia - float(a)) <= 1e-12 * (1 + abs(ia)) and abs(ib - float(b)) <= 1e-12 * (1 + abs(ib)):
                return pw.total
        return 1.0

    def cdf_mp(self, x, dps: Optional[int] = None) -> Certified:
        """P(X ≤ x) at ``dps`` digits (atoms included; Gauss–Legendre quadrature in θ)."""
        dps = self.dps if dps is None else check_dps(dps)
        with mpmath.workdps(dps + GUARD):
            xm = mpmath.mpf(x) if isinstance(x, str) else mpmath.mpf(mpmath.mpmathify(x).real)
            if not mpmath.isfinite(xm):
                raise ParameterError(f"x must be a finite number, got {x!r}")
            if any(float(a) < float(xm) for a, _b in self._singular_intervals()):
                return self._cdf_double_routes(float(xm), dps)
            total = mpmath.fsum(m for x0, m in self._atoms if x0 <= xm)
            err = mpmath.mpf(0)
            for a, b in self._intervals:
                if xm <= a:
                    continue
                val, e = self._quad_interval(a, b, min(xm, b), dps)
                total += val
                err += e
            err += mpmath.mpf(10) ** (-dps)
            digits = dps if total == 0 else int(max(0, min(dps, -mpmath.log10(err / abs(total)))))
            return self._recap(Certified(+total, digits, "Gauss-Legendre quadrature of the density (theta substitution) + atoms",
                                         note=f"quadrature error estimate {mpmath.nstr(err, 3)}"))

    def _singular_intervals(self):
        """The support intervals whose density diverges at an edge faster than the θ
        substitution absorbs (ρ ~ x^(−2/3) at 0 for the product of two Wisharts, λ^(−L/(L+1))
        for deep Jacobians): the double-precision table had to refine an end panel below
        1e-8 of the θ range."""
        return [(a, b) for a, b, pw in self._panels()
                if min(pw.ends[0] - pw.starts[0], pw.ends[-1] - pw.starts[-1]) < 1e-8 * np.pi]

    def _cdf_double_routes(self, x: float, dps: int) -> Certified:
        """F(x) where an edge singularity keeps the high-precision quadrature from converging
        (it refined towards the edge for minutes and stopped near 11 digits): the value of the
        logarithmic potential (:mod:`rmtsym.law_potential`), with the digits on which it and
        the density table, two independent double-precision routes, agree."""
        from .law_potential import cdf_by_potential

        pot = float(cdf_by_potential(self, x))
        tab = float(self.cdf(x))
        err = abs(pot - tab) + 1e-15 * max(1.0, abs(pot))
        digits = dps if pot == 0 else int(max(0, min(dps, 15, math.floor(-math.log10(err / abs(pot))))))
        with mpmath.workdps(dps + GUARD):
            value = mpmath.mpf(pot)
        return self._recap(Certified(value, digits, "logarithmic potential along a vertical path, checked "
                                                    "against the density table (double precision)",
                                     note=f"the density diverges at a support edge; the two routes differ by {err:.1e}"))

    # ------------------------------------------------------------------ display
    def _parameter_latex(self) -> str:
        return ""

    def _repr_latex_(self) -> str:
        from .symbols import G

        eq = sp.latex(sp.collect(self.equation.poly.as_expr(), G))
        params = self._parameter_latex()
        title = f"\\text{{{self.name}}}:\\ " if self.name else ""
        return f"$${title}{eq} = 0{params}$$"

    def __repr__(self) -> str:
        sup = ", ".join(f"[{float(a):.6g}, {float(b):.6g}]" for a, b in self._intervals)
        at = ", ".join(f"{float(m):.6g}@{float(x):.6g}" for x, m in self._atoms)
        return f"{type(self).__name__}({self.name!r}, support={sup or '-'}, atoms={at or '-'})"


def _exact_from(value, name: str):
    """Exact SymPy number for a parameter; (value, digits) where digits is None when exact."""
    from .pennington_worah import exact_parameter

    digits = None
    if isinstance(value, Certified):
        if value.exact is not None:
            value = value.exact
        else:
            digits = value.digits
            value = sp.Rational(decimal_string(value.value, max(1, value.digits)))
    elif isinstance(value, str):
        try:
            value = sp.Rational(value.strip())
        except (TypeError, ValueError, SyntaxError):
            raise ParameterError(f"{name} must be a finite real number, got {value!r}")
    try:
        val = exact_parameter(value, name)
    except ParameterError:
        raise
    except Exception:
        raise ParameterError(f"{name} must be a real number, got {value!r}")
    if not val.is_number:
        raise ParameterError(f"{name} must be a number, got {val}")
    fv = complex(sp.N(val, 20))
    if not (math.isfinite(fv.real) and math.isfinite(fv.imag)):
        raise ParameterError(f"{name} must be finite, got {val}")
    if abs(fv.imag) > 0:
        raise ParameterError(f"{name} must be real, got {val}")
    return val, digits


#: at most this many distinct irrational constants (π, √2, e^{-1}, ...) in η, ζ are kept exact
MAX_EXACT_CONSTANTS = 1


def _equation_parameters(eta_value, zeta_value, dps: int):
    """η, ζ as they enter the equation: exact, or rounded when exact algebra is too slow.

    A closed form such as ELU's η holds e^{1/2}, erfc(1/√2), erfc(√2), √π, √2: SymPy's
    square-free parts and discriminants over that many transcendental constants take
    minutes. Beyond :data:`MAX_EXACT_CONSTANTS` of them, η and ζ are rounded to
    max(dps, 30) + 30 significant digits — far below any digit the law reports — keeping
    ζ = 0 and η = ζ exactly. Returns (η, ζ, digits kept or None when exact).
    """
    constants = generic_numbers(sp.Add(eta_value, zeta_value, evaluate=False))[1]
    if len(constants) <= MAX_EXACT_CONSTANTS:
        return eta_value, zeta_value, None
    digits = max(dps, 30) + 30

    def rounded(v):
        return sp.Rational(decimal_string(v, digits)) if v != 0 else sp.Integer(0)

    e_r = rounded(eta_value)
    z_r = e_r if sp.simplify(eta_value - zeta_value) == 0 else rounded(zeta_value)
    return e_r, z_r, digits


class PenningtonWorahLaw(SpectralLaw):
    """The Pennington–Worah law of the spectrum of M = YYᵀ/m, Y = f(WX).

    Its Stieltjes transform solves the quartic (Pennington & Worah, NeurIPS 2017;
    docs/theory.md §1.4)::

        φ²z²ζ(η−ζ)G⁴ − φzζ[ψz + 2(η−ζ)(φ−ψ)]G³ − [ψz(ηφψ − 2φζ + ψζ) − ζ(η−ζ)(φ−ψ)²]G²
            + ψ[ψ²z + (ηψ − ζ)(φ−ψ)]G − ψ³ = 0,

    with φ = n0/m, ψ = n0/n1, η = Var f(σZ), ζ = (E[Z f(σZ)])². ζ = 0 gives
    Marchenko–Pastur (ratio φ/ψ, scale η); η = ζ the product of two Wisharts.

    Parameters
    ----------
    eta, zeta, phi, psi : number, numeric string, SymPy number or Certified
        Exact values (ints, Rationals, decimal strings, closed forms) keep the law
        exact at any precision; floats are read as their shortest decimal; a
        ``Certified`` without closed form is carried at its certified digits, which
        then bound the digits of every result (see ``parameter_digits``).
    dps : int
        Default precision of the ``*_mp`` methods.

    Raises
    ------
    ParameterError
        φ ≤ 0, ψ ≤ 0, ζ < 0, η < ζ, η ≤ 0, or non-finite values.
    """

    def __init__(self, eta, zeta, phi, psi, dps: int = 30):
        from . import pennington_worah as pw

        values, digits = {}, []
        for name, v in (("eta", eta), ("zeta", zeta), ("phi", phi), ("psi", psi)):
            val, d = _exact_from(v, name)
            values[name] = val
            if d is not None:
                digits.append(d)
        e, zt, ph, ps = values["eta"], values["zeta"], values["phi"], values["psi"]
        if not ph > 0:
            raise ParameterError(f"phi = n0/m must be positive, got {ph}")
        if not ps > 0:
            raise ParameterError(f"psi = n0/n1 must be positive, got {ps}")
        if zt < 0:
            raise ParameterError(f"zeta = (E[Z f(sigma Z)])^2 cannot be negative, got {zt}")
        if e < zt:
            raise ParameterError(f"eta must be at least zeta (eta - zeta is a sum of squares), got eta={sp.N(e, 10)} < zeta={sp.N(zt, 10)}")
        if not e > 0:
            raise ParameterError("eta must be positive (eta = 0 means a constant activation and M = 0)")
        self.eta, self.zeta, self.phi, self.psi = e, zt, ph, ps
        e_eq, zt_eq, rounded = _equation_parameters(e, zt, dps)
        #: the Pennington–Worah derivation at the parameters of the equation (shared, computed once)
        self.derivation = pw.derive(e_eq, zt_eq, ph, ps)
        equation = self.derivation.quartic.value
        super().__init__(equation, dps=dps, name="Pennington-Worah")
        if digits:
            self.parameter_digits = min(digits)
            self.notes.append(f"eta, zeta known numerically to {self.parameter_digits} digits; "
                              "results carry at most that many digits minus one")
        if rounded:
            known = getattr(self, "parameter_digits", None)
            self.parameter_digits = rounded if known is None else min(known, rounded)
            self.notes.append(f"eta, zeta are exact closed forms; the equation uses them rounded to "
                              f"{rounded} digits (SymPy's algebra over their many transcendental "
                              "constants is too slow); results carry at most that many digits minus one")
        try:
            self.case = self.derivation.case.value
        except Exception:  # classification is informative only
            self.case = "marchenko-pastur" if zt == 0 else ("product-wishart" if sp.simplify(e - zt) == 0 else "general")

    @classmethod
    def from_activation(cls, act, phi, psi, sigma_w=1, sigma_x=1, dps: int = 30) -> "PenningtonWorahLaw":
        """The law for an activation f (string or Activation) at scales σw, σx.

        η and ζ come from :func:`rmtsym.gaussian.gaussian_moments`; their closed forms
        are used when known (the law is then exact), else their certified values.
        """
        from .gaussian import gaussian_moments
        from . import symbols as S

        gm = gaussian_moments(act, sigma_w=sigma_w, sigma_x=sigma_x, dps=max(dps, 15) + 5)
        sw = _exact_from(sigma_w, "sigma_w")[0]
        sx = _exact_from(sigma_x, "sigma_x")[0]
        params = []
        for expr, cert, name in ((gm.eta_expr, gm.eta, "eta"), (gm.zeta_expr, gm.zeta, "zeta")):
            value = None
            if expr is not None:
                ex = sp.sympify(expr).subs({S.sigma: sw * sx, S.sigma_w: sw, S.sigma_x: sx})
                if ex.is_number and not ex.has(sp.nan, sp.zoo, sp.oo):
                    value = ex
            if value is None:
                if cert is None:
                    names = sorted(str(p) for p in getattr(gm.activation, "params", ()))
                    raise ParameterError(
                        f"{name} of this activation is not a number: it depends on {', '.join(names)}; give "
                        f"values (--params {names[0]}=0.1)" if names else f"{name} of this activation is not a number")
                value = cert
            params.append(value)
        law = cls(params[0], params[1], phi, psi, dps=dps)
        law.activation = act
        law.gaussian_moments = gm
        return law

    def moment_exact(self, k: int):
        """m_k exactly, from the series of the Pennington–Worah P-equation.

        m_k = ψ^{1−k} p_k with P(t) = 1 + Σ p_k t^k the solution of
        P = 1 + (η − ζ) t P_φ P_ψ + P_φ P_ψ t ζ/(1 − P_φ P_ψ t ζ) (Pennington & Worah,
        NeurIPS 2017, Thm. 1; docs/theory.md §1.6): the integer coefficients of
        :func:`rmtsym.moments.series.series_coefficients` evaluated at the η, ζ, φ, ψ of the
        equation (exact; η, ζ rounded to many digits where the law rounds them).
        The same numbers as the expansion of Q at z = ∞ (the base class), without SymPy's
        series of the quartic. Beyond the highest series order, that expansion.
        """
        from .moments.series import MAX_SERIES_ORDER, series_coefficients
        from .pennington_worah import evaluate_monomials

        if isinstance(k, (int, np.integer)) and not isinstance(k, bool) and 1 <= k <= MAX_SERIES_ORDER:
            k = int(k)
            cache = self.__dict__.setdefault("_moment_cache", {})
            if k not in cache:
                # in the field the parameters generate (Q(π) for ReLU's η), returned as
                # the expansion at infinity returns its values (one fraction, or factored)
                from sympy.polys.constructor import construct_domain

                # the parameters of the equation (η, ζ rounded where the law rounds them),
                # as elements of the smallest field holding them (found once per law)
                if "_moment_domain" not in self.__dict__:
                    self.__dict__["_moment_domain"] = construct_domain(list(self.derivation.parameters), field=True)
                dom, (e, zt, ph, ps) = self.__dict__["_moment_domain"]
                terms = {key: v for key, v in series_coefficients(k)[k - 1].items() if v}
                # m_k = Σ v·η^a ζ^b φ^c ψ^(−d) (Pennington-Worah's P-series)
                value = dom.to_sympy(evaluate_monomials(dom, terms, (e, zt, ph, dom.one / ps)))
                cache[k] = value if value.is_number else sp.factor(value)
            return cache[k]
        return super().moment_exact(k)

    def _parameter_latex(self) -> str:
        return (f",\\quad \\eta = {sp.latex(self.eta)},\\ \\zeta = {sp.latex(self.zeta)},"
                f"\\ \\varphi = {sp.latex(self.phi)},\\ \\psi = {sp.latex(self.psi)}")


__all__ = ["SpectralLaw", "PenningtonWorahLaw"]
