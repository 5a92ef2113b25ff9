"""One- and two-point Gaussian integrals of an activation, as mean-field theory needs them.

E φ(√q Z)², E φ′(√q Z)², ∂_q E φ(√q Z)² and E[φ(u)φ(v)] for a centred Gaussian pair,
in closed form when the Gaussian-moment engine (:func:`rmtsym.gaussian.gaussian_expectation`)
finds one, else by mpmath quadrature split at the kinks of φ; 2-D integrals have closed
forms for the identity, ReLU (arc-cosine, Cho & Saul 2009) and erf (Williams 1997) and a
double-precision panel rule otherwise. Shared by every deep-network computation of
:mod:`rmtsym.networks`.
"""
from __future__ import annotations

import math

import mpmath
import sympy as sp

from .. import symbols as S
from ..errors import ParameterError, RmtsymError
from ..numbers import Certified

__all__ = ["GaussianIntegrals", "integrals_for", "to_mpf", "certify", "CLOSED_FORM_TIME"]

#: the closed-form search is given this many seconds per integral
CLOSED_FORM_TIME = 5.0


def to_mpf(value, name: str, positive: bool = False, nonnegative: bool = False):
    """A user number (int, float, decimal string, SymPy number) as an mpmath mpf, validated."""
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    try:
        if isinstance(value, sp.Basic):
            v = mpmath.mpf(sp.Float(value, mpmath.mp.dps + 5)._mpf_)
        elif isinstance(value, str):
            v = mpmath.mpf(value.strip())
        else:
            v = mpmath.mpf(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if not mpmath.isfinite(v):
        raise ParameterError(f"{name} must be finite, got {value!r}")
    if positive and not v > 0:
        raise ParameterError(f"{name} must be positive, got {value}")
    if nonnegative and v < 0:
        raise ParameterError(f"{name} must be non-negative, got {value}")
    return v


def _heaviside(t, h0=None):
    return mpmath.mpf(1) if t > 0 else (mpmath.mpf(0) if t < 0 else mpmath.mpf("0.5"))


def _lambdify(expr):
    """Scalar mpmath function of x; Heaviside as a function, Dirac masses refused."""
    if expr.has(sp.DiracDelta):
        raise RmtsymError("internal error: a Dirac mass cannot be integrated pointwise")
    raw = sp.lambdify(S.x, expr, modules=[{"Heaviside": _heaviside, "Max": max, "Min": min},
                                          "mpmath"])
    return lambda t: raw(mpmath.mpf(t))


class GaussianIntegrals:
    """The one- and two-point Gaussian integrals of an activation φ that mean-field theory needs.

    Parameters
    ----------
    activation : str, Activation or SymPy expression in ``symbols.x``
        Parsed with :func:`rmtsym.activation.parse_activation` (never ``eval``).
        Free parameters are refused.

    Notes
    -----
    ``second_moment(q) = E φ(√q Z)²``, ``slope_sq(q) = E φ′(√q Z)²`` and
    ``length_slope(q) = ∂_q E φ(√q Z)²`` use the closed form in σ = √q found by
    :func:`rmtsym.gaussian.gaussian_expectation` when there is one, else mpmath quadrature
    over the real line split at the kinks of φ.
    """

    def __init__(self, activation):
        from ..activation import parse_activation
        if hasattr(activation, "expr"):
            act = activation
        else:
            act = parse_activation(activation if isinstance(activation, str) else str(activation))
        if act.params:
            raise ParameterError("give values to the activation's parameters first "
                                 f"({', '.join(p.name for p in act.params)})")
        self.activation = act
        self.expr = act.expr
        self.dexpr = sp.diff(act.expr, S.x)
        if self.dexpr.has(sp.DiracDelta):
            raise RmtsymError("the activation has a jump, so φ′ has a Dirac mass and χ1 is infinite")
        self.kinks = []
        for b in act.breakpoints():
            try:
                self.kinks.append(mpmath.mpf(sp.Float(b, 40)._mpf_))
            except (TypeError, ValueError):
                pass
        self._f = _lambdify(self.expr)
        self._df = _lambdify(self.dexpr)
        self.kind = self._classify()
        self._closed = {}

    def _classify(self) -> str:
        e = self.expr
        if e == S.x:
            return "linear"
        if e in (sp.Max(0, S.x), sp.Max(S.x, 0)):
            return "relu"
        if e == sp.erf(S.x):
            return "erf"
        return "general"

    @property
    def positively_homogeneous(self) -> bool:
        """φ(c x) = c φ(x) for c > 0 (linear, ReLU, leaky ReLU): then the law of φ′(√q Z)² is
        the same at every q > 0. Checked on 2,001 points at c = 2 and c = 3.7 (to 1e-13)."""
        if not hasattr(self, "_pos_hom"):
            import numpy as np
            f = self._np(False)
            t = np.linspace(-7.3, 6.1, 2001)
            with np.errstate(all="ignore"):
                base = np.asarray(f(t), dtype=float)
                ok = all(np.allclose(np.asarray(f(c * t), dtype=float), c * base, rtol=1e-13, atol=1e-13)
                         for c in (2.0, 3.7))
            self._pos_hom = bool(ok) and bool(np.all(np.isfinite(base)))
        return self._pos_hom

    @property
    def name(self) -> str:
        return self.activation.name

    # ---------------- closed forms in sigma ----------------
    def closed_form(self, which: str):
        """Closed form in ``symbols.sigma`` of E φ² (``"phi2"``) or E φ′² (``"dphi2"``), or None."""
        if which not in self._closed:
            from ..gaussian import gaussian_expectation
            g = self.expr ** 2 if which == "phi2" else self.dexpr ** 2
            try:
                res = gaussian_expectation(g, time_limit=CLOSED_FORM_TIME, numeric=False)
                self._closed[which] = res.expr
            except RmtsymError:
                self._closed[which] = None
        return self._closed[which]

    def _eval_closed(self, expr, q):
        if q == 0:
            lim = sp.limit(expr, S.sigma, 0, "+")
            return mpmath.mpf(sp.Float(sp.N(lim, mpmath.mp.dps + 5), mpmath.mp.dps + 5)._mpf_)
        val = sp.N(expr.subs(S.sigma, sp.sqrt(sp.Float(q, mpmath.mp.dps + 10))), mpmath.mp.dps + 5)
        re, _ = val.as_real_imag()
        return mpmath.mpf(sp.Float(re, mpmath.mp.dps + 5)._mpf_)

    # ---------------- quadrature ----------------
    def gauss(self, g, q):
        """E g(√q Z) by mpmath quadrature split at the kinks of φ (at the current precision)."""
        q = mpmath.mpf(q)
        if q < 0:
            raise ValueError("negative variance")
        if q == 0:
            return g(mpmath.mpf(0))
        s = mpmath.sqrt(q)
        pts = sorted(set([k / s for k in self.kinks if abs(k / s) < 40]))
        w = 1 / mpmath.sqrt(2 * mpmath.pi)
        return mpmath.quad(lambda z: g(s * z) * mpmath.exp(-z * z / 2) * w,
                           [-mpmath.inf] + pts + [mpmath.inf])

    def gauss_numpy(self, g, q, rtol: float = 1e-13):
        """E g(√q Z) in double precision, or None when it cannot be trusted.

        Composite Gauss–Legendre (20 nodes a panel) in z on [−12, 12], panels cut at the
        kinks of φ (at z = kink/√q) and halved until two successive rules agree to ``rtol``
        relative to E|g(√q Z)| (at most 6 halvings from width 1). ``g`` is a vectorised
        numpy function of t = √q z. None when a value is not finite, the rules do not
        agree, or the Gaussian tail beyond |z| = 12 is not negligible (g growing like
        e^{c t}). A fast first guess for the high-precision iterations, never a result
        by itself.
        """
        import numpy as np

        q = float(q)
        if not (q > 0 and math.isfinite(q)):
            return None
        s = math.sqrt(q)
        L = 12.0
        x, w = _leggauss(20)
        cuts = sorted({float(k) / s for k in self.kinks if abs(float(k) / s) < L})
        edges = np.array([-L] + cuts + [L])
        with np.errstate(all="ignore"):
            ends = np.asarray(g(np.array([-s * L, s * L])), dtype=float)
        prev = None
        for level in range(7):
            width = 2.0 ** -level
            los, his = [], []
            for lo, hi in zip(edges[:-1], edges[1:]):
                k = max(1, int(math.ceil((hi - lo) / width)))
                sub = np.linspace(lo, hi, k + 1)
                los.append(sub[:-1])
                his.append(sub[1:])
            lo, hi = np.concatenate(los), np.concatenate(his)
            half = (hi - lo)[:, None] / 2
            z = (half * x[None, :] + ((hi + lo) / 2)[:, None]).ravel()
            wz = (half * w[None, :]).ravel() * np.exp(-z * z / 2)
            with np.errstate(all="ignore"):
                vals = np.asarray(g(s * z), dtype=float)
            if vals.shape != z.shape or not np.all(np.isfinite(vals)):
                return None
            val = float(np.dot(wz, vals)) / math.sqrt(2 * math.pi)
            scale = float(np.dot(wz, np.abs(vals))) / math.sqrt(2 * math.pi)
            if level == 0:
                tail = float(np.max(np.abs(ends))) * math.exp(-L * L / 2) if np.all(np.isfinite(ends)) else math.inf
                if not tail <= 1e-17 * max(scale, 1e-300):
                    return None
            if prev is not None and abs(val - prev) <= rtol * max(scale, 1e-300):
                return val
            prev = val
        return None

    def second_moment(self, q):
        """E φ(√q Z)² at the current mpmath precision."""
        cf = self.closed_form("phi2")
        if cf is not None:
            return self._eval_closed(cf, q)
        f = self._f
        return self.gauss(lambda t: f(t) ** 2, q)

    def slope_sq(self, q):
        """E φ′(√q Z)² (distributional derivative: Heaviside for kinks)."""
        if q == 0:
            d0 = [self._df(mpmath.mpf(t)) for t in ("-1e-30", "1e-30")]
            return (d0[0] ** 2 + d0[1] ** 2) / 2
        cf = self.closed_form("dphi2")
        if cf is not None:
            return self._eval_closed(cf, q)
        df = self._df
        return self.gauss(lambda t: df(t) ** 2, q)

    def length_slope(self, q):
        """∂_q E φ(√q Z)² = E[φ(√q Z)²(Z² − 1)]/(2q) (no φ″ needed)."""
        cf = self.closed_form("phi2")
        q = mpmath.mpf(q)
        if cf is not None:
            qq = sp.Symbol("q", positive=True)
            d = sp.diff(cf.subs(S.sigma, sp.sqrt(qq)), qq)
            if q == 0:
                return mpmath.mpf(sp.Float(sp.N(sp.limit(d, qq, 0, "+"), mpmath.mp.dps + 5), mpmath.mp.dps)._mpf_)
            return self._eval_closed(d.subs(qq, S.sigma ** 2), q)
        if q == 0:
            return self.slope_sq(0)
        f = self._f
        s = mpmath.sqrt(q)
        return self.gauss(lambda t: f(t) ** 2 * ((t / s) ** 2 - 1), q) / (2 * q)

    def pair(self, q1, q2, c12, derivative: bool = False):
        """E[g(u)g(v)] for (u, v) centred Gaussian, Var u = q1, Var v = q2, Cov = c12.

        g = φ (or φ′ with ``derivative=True``). Closed forms: linear, ReLU (arc-cosine),
        erf (Williams); otherwise nested 1-D quadrature (v = ρ√q2 z1 + √(1−ρ²)√q2 z2).
        """
        q1, q2, c12 = mpmath.mpf(q1), mpmath.mpf(q2), mpmath.mpf(c12)
        if q1 == 0 or q2 == 0:
            g = self._df if derivative else self._f
            if q1 == 0 and q2 == 0:
                return g(mpmath.mpf(0)) ** 2
            q, g0 = (q2, g(mpmath.mpf(0))) if q1 == 0 else (q1, g(mpmath.mpf(0)))
            return g0 * self.gauss(g, q)
        r = mpmath.sqrt(q1 * q2)
        rho = c12 / r
        if rho > 1:
            rho = mpmath.mpf(1)
        if rho < -1:
            rho = mpmath.mpf(-1)
        theta = mpmath.acos(rho)
        if self.kind == "linear":
            return mpmath.mpf(1) if derivative else c12
        if self.kind == "relu":
            if derivative:
                return (mpmath.pi - theta) / (2 * mpmath.pi)
            return r / (2 * mpmath.pi) * (mpmath.sin(theta) + (mpmath.pi - theta) * mpmath.cos(theta))
        if self.kind == "erf":
            if derivative:
                return 4 / mpmath.pi / mpmath.sqrt((1 + 2 * q1) * (1 + 2 * q2) - 4 * c12 ** 2)
            return 2 / mpmath.pi * mpmath.asin(2 * c12 / mpmath.sqrt((1 + 2 * q1) * (1 + 2 * q2)))
        val, _ = self.pair_numeric(float(q1), float(q2), float(c12), derivative)
        return mpmath.mpf(val)

    def _np(self, derivative):
        import numpy as np
        key = "_npd" if derivative else "_npf"
        if not hasattr(self, key):
            if derivative:
                from sympy.printing.numpy import SciPyPrinter

                # lambdify's own SciPy printer; the namespace holds only the functions the
                # code imports (not ``from numpy import *``: ~0.1 s of start-up)
                printer = SciPyPrinter({"fully_qualified_modules": False, "inline": True,
                                        "allow_unknown_functions": True,
                                        "user_functions": {"Heaviside": "Heaviside"}})
                raw = sp.lambdify(S.x, self.dexpr, printer=printer, modules=[
                    {"Heaviside": lambda t, h=0.5: np.heaviside(t, 0.5), "I": 1j}])

                def fn(t, raw=raw):
                    with np.errstate(all="ignore"):
                        return np.broadcast_to(np.asarray(raw(t), dtype=float), np.shape(t))
            else:
                fn = self.activation.numpy_function()
            setattr(self, key, fn)
        return getattr(self, key)

    def _panels(self, a, b, cuts, n):
        """Composite Gauss–Legendre nodes/weights on [a, b] split at ``cuts``."""
        import numpy as np
        x, w = np.polynomial.legendre.leggauss(n)
        edges = [a] + sorted(c for c in cuts if a < c < b) + [b]
        xs, ws = [], []
        for lo, hi in zip(edges[:-1], edges[1:]):
            if hi - lo > 2.5:  # keep panels short so that the Gaussian weight is resolved
                k = int(np.ceil((hi - lo) / 2.5))
                sub = np.linspace(lo, hi, k + 1)
            else:
                sub = np.array([lo, hi])
            for l2, h2 in zip(sub[:-1], sub[1:]):
                xs.append((h2 - l2) / 2 * x + (h2 + l2) / 2)
                ws.append((h2 - l2) / 2 * w)
        return np.concatenate(xs), np.concatenate(ws)

    def pair_numeric(self, q1: float, q2: float, c12: float, derivative: bool = False,
                     n: int = 24, n_only: bool = False):
        """E[g(u)g(v)] in double precision by panel Gauss–Legendre on [−10, 10]² (panels split
        at the kinks, which move with z1 in the inner integral); returns (value, abs error
        estimate from n versus 2n nodes per panel). The Gaussian tail beyond 10 is < 1e-22."""
        import numpy as np
        g = self._np(derivative)
        s1, s2 = math.sqrt(q1), math.sqrt(q2)
        rho = max(-1.0, min(1.0, c12 / (s1 * s2)))
        rc = math.sqrt(max(0.0, 1 - rho * rho))
        kinks = [float(k) for k in self.kinks]
        L = 10.0

        def once(m):
            z1, w1 = self._panels(-L, L, [k / s1 for k in kinks], m)
            gz1 = g(s1 * z1) * w1 * np.exp(-z1 * z1 / 2) / math.sqrt(2 * math.pi)
            if rc < 1e-12:
                return float(np.sum(gz1 * g(s2 * rho * z1)))
            total = 0.0
            if not kinks:
                # the inner panels are the same for every z1: one 2-D evaluation, summed
                # row by row in the order of the loop below (the same numbers)
                sd = rc * s2
                z2, w2 = self._panels(-L, L, [], m)
                inner = np.sum((w2 * np.exp(-z2 * z2 / 2))[None, :]
                               * g((rho * s2 * z1)[:, None] + sd * z2[None, :]), axis=1)
                for wa, row in zip(gz1, inner):
                    if wa != 0:
                        total += wa * float(row)
                return total / math.sqrt(2 * math.pi)
            for a, wa in zip(z1, gz1):
                if wa == 0:
                    continue
                mu = rho * s2 * a
                sd = rc * s2
                z2, w2 = self._panels(-L, L, [(k - mu) / sd for k in kinks], m)
                total += wa * float(np.sum(w2 * np.exp(-z2 * z2 / 2) * g(mu + sd * z2)))
            return total / math.sqrt(2 * math.pi)

        if n_only:
            return once(n), float("nan")
        a, b = once(n), once(2 * n)
        return b, abs(a - b)


_LEGGAUSS: dict = {}


def _leggauss(n: int):
    """Gauss–Legendre nodes and weights on [−1, 1] (cached)."""
    if n not in _LEGGAUSS:
        import numpy as np

        _LEGGAUSS[n] = np.polynomial.legendre.leggauss(n)
    return _LEGGAUSS[n]


_INTEGRALS_CACHE: dict = {}


def integrals_for(activation) -> GaussianIntegrals:
    """Cached :class:`GaussianIntegrals` of an activation (keyed by its formula)."""
    if isinstance(activation, GaussianIntegrals):
        return activation
    key = activation if isinstance(activation, str) else sp.srepr(getattr(activation, "expr", activation))
    if key not in _INTEGRALS_CACHE:
        _INTEGRALS_CACHE[key] = GaussianIntegrals(activation)
    return _INTEGRALS_CACHE[key]


def certify(compute, dps: int, method: str, exact=None) -> Certified:
    """Run ``compute()`` at dps + 5 and dps + 15 digits; certified digits from their agreement."""
    with mpmath.workdps(dps + 5):
        a = compute()
    with mpmath.workdps(dps + 15):
        b = compute()
        if a == b or (b == 0 and a == 0):
            digits = dps
        elif mpmath.isinf(a) or mpmath.isinf(b):
            digits = dps if a == b else 0
        else:
            err = abs(a - b) / max(abs(b), mpmath.mpf(10) ** (-dps - 10))
            digits = int(min(dps, max(0, -mpmath.log10(err) - 1)))
    with mpmath.workdps(dps):
        return Certified(+b, digits, method, exact)


