"""Mean-field signal propagation in deep random networks (edge of chaos).

Model (Poole et al., NeurIPS 2016; Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, "Deep
information propagation", ICLR 2017; ``docs/theory.md`` §5.6)
--------------------------------------------------------------------------------------
h^l = W^l φ(h^{l−1}) + b^l with W^l_ij ~ N(0, σw²/n_{l−1}), b^l_i ~ N(0, σb²), wide layers.
The activation φ is *not* centred here (unlike the Pennington–Worah layer map of
:mod:`rmtsym.applications.propagation`): the bias and the mean of φ both feed the length.

The maps and depth scales::

    Length map        q^l = σw² E φ(√q^{l−1} Z)² + σb²                → fixed point q*
    Correlation map   c^l = (σw² E[φ(u1)φ(u2)] + σb²)/q*,  u1 = √q* z1,
                      u2 = √q* (c z1 + √(1−c²) z2)                       → fixed point c*
    χ1 = ∂c^l/∂c^{l−1}|_{c=1} = σw² E φ′(√q* Z)²   (ordered < 1 = critical < chaotic)
    ξ_q^{-1} = −log( σw² ∂_q E φ(√q Z)²|_{q*} ) = −log( χ1 + σw² E φ″φ )
    ξ_c^{-1} = −log( σw² E[φ′(u1*)φ′(u2*)] )  at c*  (= −log χ1 when c* = 1)

Derivatives are taken in the distributional sense and never through Stein's lemma on a
kinked φ: φ′ comes from SymPy (ReLU′ = Heaviside), and the length-map slope uses
∂_q E g(√q Z) = E[g(√q Z)(Z² − 1)]/(2q), which needs no φ″ (ReLU's φ″ is a Dirac mass).

Closed forms are used where the Gaussian engine (:func:`rmtsym.gaussian.gaussian_expectation`)
finds them in σ = √q (ReLU, erf, hard-tanh, polynomials ...); the 2-D correlation integral
has closed forms for the linear map, ReLU (arc-cosine kernel of degree 1, Cho & Saul 2009)
and erf (Williams 1997); everything else is mpmath quadrature (breakpoints at the kinks),
certified by agreement of two precisions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from .. import symbols as S
from ..errors import ParameterError, RmtsymError
from ..numbers import Certified, check_dps
from .integrals import GaussianIntegrals, certify as _certify, integrals_for, to_mpf

__all__ = ["GaussianIntegrals", "SignalPropagation", "length_fixed_point", "correlation_map",
           "chi1", "signal_propagation", "critical_sigma_w", "critical_line",
           "integrals_for", "to_mpf"]

# ----------------------------------------------------------------------------------------
# the length map and its fixed point
# ----------------------------------------------------------------------------------------

def _length_map_closed(I: GaussianIntegrals, sw2, sb2):
    """Exact q* when E φ(√q Z)² is a polynomial of degree ≤ 2 in q (linear, ReLU...)."""
    cf = I.closed_form("phi2")
    if cf is None:
        return None
    qq = sp.Symbol("q", positive=True)
    e = sp.expand(cf.subs(S.sigma, sp.sqrt(qq)))
    if not e.is_polynomial(qq) or sp.degree(e, qq) > 1:
        return None
    a, b = sp.Poly(e, qq).all_coeffs() if sp.degree(e, qq) == 1 else (sp.Integer(0), e)
    return a, b  # E φ² = a q + b


def _secant_double(F, a, b, tol=1e-15, steps=60):
    """Root of F(t) − t by the secant method in floats from (a, b); None when it fails."""
    try:
        fa, fb = F(a) - a, F(b) - b
        for _ in range(steps):
            if fb == fa:
                break
            a, fa, b = b, fb, b - fb * (b - a) / (fb - fa)
            fb = F(b) - b
            if abs(b - a) <= tol * abs(b):
                break
    except TypeError:  # F gave None: the double-precision quadrature gave up
        return None
    return b if math.isfinite(b) else None


def _fixed_point_double(I: GaussianIntegrals, sw2: float, sb2: float, q0: float, max_iter: int):
    """The fixed point that the length-map iteration from q⁰ reaches, in double precision.

    The same iteration as the high-precision one of :func:`length_fixed_point` (a secant
    root of F(q) − q tried every 10 steps), with E φ(√q Z)² from
    :meth:`GaussianIntegrals.gauss_numpy`. Returns (q*, steps), or None whenever the
    double-precision route cannot decide: a quadrature it does not trust, divergence,
    lengths below 1e-6 (q* = 0 and the slow decay to it are left to high precision) or a
    map whose slope at q* is within 1e-3 of 1. Returns (q*, steps, F′(q*)).
    """
    f = I._np(False)

    def F(q):
        m = I.gauss_numpy(lambda t: f(t) ** 2, q)
        return None if m is None else sw2 * m + sb2

    def found(r, it):
        h = 1e-5 * r
        up, down = F(r + h), F(r - h)
        if up is None or down is None:
            return None
        slope = (up - down) / (2 * h)
        # a slope near 1 (a marginal map) makes q* ill-conditioned: high precision decides
        return (r, it, slope) if abs(slope - 1) > 1e-3 else None

    q = q0
    for it in range(1, max_iter + 1):
        qn = F(q)
        if qn is None or not math.isfinite(qn) or qn > 1e12 * (1 + q0) or qn < 1e-6:
            return None
        if abs(qn - q) <= 1e-14 * qn:
            return found(qn, it)
        q = qn
        if it % 10 == 0:
            fq = F(q)
            r = _secant_double(F, q, fq) if fq is not None else None
            if r is not None and r > 0 and abs(r - q) < q / 2:
                fr = F(r)
                if fr is not None and abs(fr - r) <= 1e-13 * r:
                    return found(r, it)
    return None


@dataclass
class LengthFixedPoint:
    """q* with its provenance; ``kind`` is 'finite', 'zero' or 'marginal' (every q fixed)."""
    q_star: Certified
    kind: str
    iterations: int
    note: str = ""


def length_fixed_point(activation, sigma_w=1, sigma_b=0, q0=1, dps: int = 20,
                       max_iter: int = 4000) -> LengthFixedPoint:
    r"""Fixed point q* of the length map q ↦ σw² E φ(√q Z)² + σb², reached from q⁰ = ``q0``.

    Schoenholz et al. (ICLR 2017), eq. for q^l; docs/theory.md §5.6. Exact when E φ(√q Z)² is
    affine in q (linear, ReLU, leaky ReLU: q* = σb²/(1 − σw² a) for E φ² = a q); else the
    iteration is run and polished by a secant root of F(q) − q, certified by repeating at
    higher precision.

    Raises
    ------
    RmtsymError
        When the map has no finite fixed point from q⁰ (it diverges, e.g. ReLU with σw² > 2).
    """
    dps = check_dps(dps)
    I = integrals_for(activation)
    with mpmath.workdps(dps + 15):
        sw2 = to_mpf(sigma_w, "sigma_w", positive=True) ** 2
        sb2 = to_mpf(sigma_b, "sigma_b", nonnegative=True) ** 2
        q0v = to_mpf(q0, "q0", positive=True)
    lin = _length_map_closed(I, sw2, sb2)
    if lin is not None:
        a, b = lin
        with mpmath.workdps(dps + 15):
            A = sw2 * mpmath.mpf(sp.Float(a, dps + 15)._mpf_)
            B = sw2 * mpmath.mpf(sp.Float(b, dps + 15)._mpf_) + sb2
            if abs(A - 1) < max(mpmath.mpf(10) ** (-dps), mpmath.mpf("1e-14")):  # float input
                if B == 0:
                    return LengthFixedPoint(Certified(q0v, dps, "closed form"), "marginal", 0,
                                            "σw² E φ² = q: every length is a fixed point; q* = q⁰")
                raise RmtsymError("the length map has no finite fixed point (it grows linearly: "
                                  "q^l = q^{l-1} + const)")
            if A > 1:
                raise RmtsymError("the length map has no finite fixed point: q^l grows like "
                                  f"({mpmath.nstr(A, 6)})^l (σw² too large for this activation)")
            qs = B / (1 - A)
            exact = sp.nsimplify(sp.Float(qs, dps)) if False else None
        kind = "zero" if qs == 0 else "finite"
        return LengthFixedPoint(Certified(qs, dps, "closed form", exact), kind, 0,
                                "q* = σw² b + σb² over 1 − σw² a, with E φ(√q Z)² = a q + b")

    # the iteration in double precision first (fast numpy quadrature); each precision of
    # the certification then polishes its result with a few secant steps, and falls back
    # to the full high-precision iteration when the polished root is not a fixed point
    # next to it
    double = None
    if not (sb2 == 0 and I.second_moment(mpmath.mpf(0)) == 0 and sw2 * I.slope_sq(mpmath.mpf(0)) <= 1):
        double = _fixed_point_double(I, float(sw2), float(sb2), float(q0v), max_iter)

    def polish(F, tiny):
        # Newton on F(q) − q with the slope F′(q*) of the double-precision map: each step
        # gains ~7 digits from the 15 of the double-precision q*
        if double is None:
            return None
        qd, steps, slope = double
        r = mpmath.mpf(qd)
        eps = mpmath.mpf(10) ** (2 - mpmath.mp.dps)
        for _ in range(8):
            res = F(r) - r
            step = res / (slope - 1)
            if abs(step) <= eps * r and abs(res) <= tiny * (r + tiny):
                return (r, steps) if abs(r - qd) <= 1e-9 * qd else None
            r = r - step
            if not r > 0:
                return None
        return None

    def solve():
        F = lambda q: sw2 * I.second_moment(q) + sb2
        tiny = mpmath.mpf(10) ** (-(mpmath.mp.dps - 5))
        fast = polish(F, tiny)
        if fast is not None:
            return fast
        q = +q0v
        f0 = I.second_moment(mpmath.mpf(0))
        it = 0
        while it < max_iter:
            it += 1
            qn = F(q)
            if qn > mpmath.mpf(10) ** 12 * (1 + q0v):
                raise RmtsymError("the length map has no finite fixed point from this input "
                                  "(q^l exceeds 1e12 q^0)")
            if abs(qn - q) <= tiny * (abs(qn) + tiny):
                return qn, it
            if qn < mpmath.mpf(10) ** (-30) and sb2 == 0:
                return mpmath.mpf(0), it
            if (sb2 == 0 and it >= 20 and qn < q and f0 == 0
                    and sw2 * I.slope_sq(mpmath.mpf(0)) <= 1):
                # the iterate decreases and the map's slope at 0 is ≤ 1: for saturating φ
                # (F(q)/q non-increasing: tanh, erf, hard-tanh) the limit is q* = 0, reached
                # only algebraically at σw²φ′(0)² = 1, so stop here
                return mpmath.mpf(0), it
            q = qn
            if it % 10 == 0:
                try:
                    r = mpmath.findroot(lambda t: F(t) - t, (q, F(q)), solver="secant",
                                        tol=tiny ** 2, maxsteps=60, verify=False)
                except (ValueError, ZeroDivisionError, TypeError):
                    continue
                if r > 0 and abs(F(r) - r) <= tiny * (r + tiny) and abs(r - q) < abs(q) / 2:
                    return r, it
        if sb2 == 0 and abs(F(mpmath.mpf(0))) < tiny:
            return mpmath.mpf(0), it  # algebraic decay to the fixed point q* = 0 (criticality)
        raise RmtsymError(f"the length map did not converge in {max_iter} steps")

    res = {}

    def compute():
        v, it = solve()
        res["it"] = it
        return v

    cert = _certify(compute, dps, "fixed point (iteration + secant)")
    kind = "zero" if cert.value == 0 else "finite"
    return LengthFixedPoint(cert, kind, res["it"])


def length_map(activation, q, sigma_w=1, sigma_b=0, dps: int = 20):
    """One step of the length map σw² E φ(√q Z)² + σb² as an mpf at ``dps`` digits."""
    I = integrals_for(activation)
    with mpmath.workdps(dps + 5):
        sw2 = to_mpf(sigma_w, "sigma_w", positive=True) ** 2
        sb2 = to_mpf(sigma_b, "sigma_b", nonnegative=True) ** 2
        return sw2 * I.second_moment(to_mpf(q, "q", nonnegative=True)) + sb2


def correlation_map(activation, c, q_star, sigma_w=1, sigma_b=0, dps: int = 15):
    r"""c ↦ (σw² E[φ(u1)φ(u2)] + σb²)/q*, (u1, u2) ~ N(0, q*[[1, c], [c, 1]]).

    Schoenholz et al. (ICLR 2017); closed forms for ReLU (arc-cosine), erf (arcsin) and the
    identity, nested quadrature otherwise (docs/theory.md §5.6).
    """
    I = integrals_for(activation)
    with mpmath.workdps(dps + 5):
        q = to_mpf(q_star, "q_star", positive=True)
        cc = to_mpf(c, "c")
        if not -1 <= cc <= 1:
            raise ParameterError(f"the correlation c must lie in [-1, 1], got {c}")
        sw2 = to_mpf(sigma_w, "sigma_w", positive=True) ** 2
        sb2 = to_mpf(sigma_b, "sigma_b", nonnegative=True) ** 2
        return (sw2 * I.pair(q, q, cc * q) + sb2) / q


def chi1(activation, q_star, sigma_w=1, dps: int = 20) -> Certified:
    """χ1 = σw² E φ′(√q* Z)² (Schoenholz et al. 2017; the per-layer gradient factor)."""
    I = integrals_for(activation)
    sw = to_mpf(sigma_w, "sigma_w", positive=True)
    q = to_mpf(q_star, "q_star", nonnegative=True)
    method = "closed form" if I.closed_form("dphi2") is not None else "quadrature"
    return _certify(lambda: sw ** 2 * I.slope_sq(q), dps, method)


@dataclass
class SignalPropagation:
    """Mean-field signal-propagation summary (Schoenholz et al., ICLR 2017)."""
    activation: str
    sigma_w: object
    sigma_b: object
    q_star: Certified
    q_kind: str
    chi1: Certified
    c_star: Certified
    chi_c: Certified
    length_slope: Certified
    xi_q: object
    xi_c: object
    phase: str
    notes: list = field(default_factory=list)

    def as_json(self, digits: int = 15) -> dict:
        from ..numbers import decimal_string

        def num(v):
            if isinstance(v, Certified):
                v = v.value
            if v is None:
                return None
            if mpmath.isinf(v):
                return "inf"
            return decimal_string(v, digits)

        return {"activation": self.activation, "sigma_w": str(self.sigma_w),
                "sigma_b": str(self.sigma_b), "q_star": num(self.q_star), "q_kind": self.q_kind,
                "chi1": num(self.chi1), "c_star": num(self.c_star), "chi_c": num(self.chi_c),
                "length_slope": num(self.length_slope), "xi_q": num(self.xi_q),
                "xi_c": num(self.xi_c), "phase": self.phase,
                "digits": min(digits, self.chi1.digits, self.q_star.digits),
                "notes": list(self.notes)}


def _depth(x):
    """−1/log x, +inf at x = 1 (and for x ≥ 1, where perturbations do not decay)."""
    if x <= 0:
        return mpmath.mpf(0)
    if x >= 1:
        return mpmath.inf
    return -1 / mpmath.log(x)


def c_fixed_point(activation, q_star, sigma_w=1, sigma_b=0) -> Certified:
    r"""The fixed point c* < 1 of the correlation map in the chaotic phase (χ1 > 1).

    C(c) − c is ≥ 0 at c = 0 (C(0) = (σw² (E φ)² + σb²)/q*) and < 0 just below 1 when
    χ1 = C′(1) > 1, so c* is bracketed in [0, 1) and found by Brent's method on the
    double-precision 2-D quadrature (:meth:`GaussianIntegrals.pair_numeric`).
    """
    from .brent import brentq
    I = integrals_for(activation)
    sw2 = float(to_mpf(sigma_w, "sigma_w", positive=True)) ** 2
    sb2 = float(to_mpf(sigma_b, "sigma_b", nonnegative=True)) ** 2
    q = float(to_mpf(q_star, "q_star", positive=True))

    def h(c):
        if I.kind != "general":
            v = float(I.pair(q, q, c * q))
        else:
            v = I.pair_numeric(q, q, c * q, n_only=True, n=16)[0]
        return (sw2 * v + sb2) / q - c

    h0 = h(0.0)
    if abs(h0) < 1e-14:
        return Certified(mpmath.mpf(0), 12, "c* = 0 (C(0) = 0)")
    hi = None
    for k in range(2, 10):
        if h(1 - 10.0 ** -k) < 0:
            hi = 1 - 10.0 ** -k
            break
    if hi is None:
        raise RmtsymError("the correlation map has no fixed point below 1 (χ1 too close to 1)")
    cs = brentq(h, 0.0, hi, xtol=1e-13, rtol=1e-13)
    return Certified(mpmath.mpf(cs), 10, "Brent root of the correlation map (2-D quadrature)")


def signal_propagation(activation, sigma_w=1, sigma_b=0, q0=1, dps: int = 15) -> SignalPropagation:
    r"""q*, χ1, c*, ξ_q, ξ_c and the phase of a deep random network (docs/theory.md §5.6).

    Parameters
    ----------
    activation : str or Activation
    sigma_w, sigma_b : numbers (σw > 0, σb ≥ 0)
    q0 : number
        Input length q⁰ (only matters when the length map is marginal, e.g. ReLU, σw² = 2, σb = 0).
    dps : int
        Digits of the one-dimensional quantities; the 2-D integrals (c*, χ_c) run at
        ``min(dps, 15)`` digits.

    Returns
    -------
    SignalPropagation
        ``phase`` is 'ordered' (χ1 < 1), 'critical' (|χ1 − 1| < 10^-(digits-2)) or 'chaotic'.
    """
    dps = check_dps(dps)
    I = integrals_for(activation)
    fp = length_fixed_point(I, sigma_w, sigma_b, q0=q0, dps=dps)
    q = fp.q_star.value
    ch = chi1(I, q, sigma_w, dps)
    notes = []
    if fp.note:
        notes.append(fp.note)
    with mpmath.workdps(dps + 5):
        sw2 = to_mpf(sigma_w, "sigma_w", positive=True) ** 2
        slope = sw2 * I.length_slope(q)
    slope_c = Certified(slope, min(dps, fp.q_star.digits), "derivative of the length map")
    digits = min(ch.digits, fp.q_star.digits)
    tol = mpmath.mpf(10) ** (-max(digits - 2, 3))
    if abs(ch.value - 1) < tol:
        phase = "critical"
    else:
        phase = "ordered" if ch.value < 1 else "chaotic"
    d2 = min(dps, 15)
    if q == 0:
        c_star = Certified(mpmath.mpf(1), dps, "q* = 0: all inputs collapse")
        chi_c = ch
        notes.append("q* = 0: every input is mapped to 0; c* = 1 by convention")
    elif phase != "chaotic":
        c_star = Certified(mpmath.mpf(1), dps, "c* = 1 (χ1 ≤ 1)")
        chi_c = ch
    else:
        c_star = c_fixed_point(I, q, sigma_w, sigma_b)
        with mpmath.workdps(d2 + 5):
            cc = sw2 * I.pair(q, q, c_star.value * q, derivative=True)
        chi_c = Certified(cc, c_star.digits, "2-D Gaussian integral at c*")
    with mpmath.workdps(dps):
        xi_q = _depth(slope)
        xi_c = _depth(chi_c.value)
    return SignalPropagation(I.name, sigma_w, sigma_b, fp.q_star, fp.kind, ch, c_star, chi_c,
                             slope_c, xi_q, xi_c, phase, notes)


def critical_sigma_w(activation, sigma_b=0, dps: int = 12, bracket=(0.2, 6.0)) -> Certified:
    r"""σw on the order-to-chaos line at bias σb: the root of χ1(σw, σb) = 1.

    For positively homogeneous φ (E φ′(σZ)² free of σ, e.g. ReLU: 1/2) the answer is exact:
    σw = (E φ′²)^{-1/2}. Otherwise the root is found in double precision (numpy quadrature,
    Brent's method) and certified by the sign change of χ1 − 1, computed at high precision,
    across a bracket of relative width 10^-dps around it; when that check fails, bisection
    in σw at high precision (χ1 is increasing in σw along q*(σw)).
    """
    dps = check_dps(dps)
    I = integrals_for(activation)
    sb = to_mpf(sigma_b, "sigma_b", nonnegative=True)
    cf = I.closed_form("dphi2")
    if cf is not None and S.sigma not in cf.free_symbols:
        with mpmath.workdps(dps + 5):
            val = 1 / mpmath.sqrt(mpmath.mpf(sp.Float(cf, dps + 10)._mpf_))
        return Certified(val, dps, "closed form", sp.simplify(1 / sp.sqrt(cf)))

    if sb == 0 and 0 not in [float(k) for k in I.kinks]:
        with mpmath.workdps(dps + 5):
            f0 = I._f(mpmath.mpf(0))
            d0 = I._df(mpmath.mpf(0))
        if f0 == 0 and d0 != 0:
            # q* = 0 is a fixed point; for saturating φ it is the attractor up to
            # σw = 1/|φ′(0)|, where χ1 = σw² φ′(0)² reaches 1 (tanh, erf: Poole et al. 2016)
            with mpmath.workdps(dps + 5):
                val = 1 / abs(d0)
            exact = sp.simplify(1 / sp.Abs(I.dexpr.subs(S.x, 0)))
            return Certified(val, dps, "closed form (q* = 0 branch: σw |φ′(0)| = 1)", exact)

    def g(sw, fp_dps=min(dps, 10)):
        fp = length_fixed_point(I, sw, sb, dps=fp_dps, max_iter=300)
        with mpmath.workdps(dps + 5):
            return sw ** 2 * I.slope_sq(fp.q_star.value) - 1

    # the root in double precision first (numpy quadrature, Brent), then certified by the
    # sign of χ1 − 1 at high precision on both sides of it, a bracket as narrow as the one
    # the bisection below ends with; the bisection runs only when that check fails
    root = _critical_sigma_w_double(I, float(sb), bracket)
    if root is not None:
        with mpmath.workdps(dps + 5):
            r = mpmath.mpf(root)
            half = r * mpmath.mpf(10) ** (-dps) / 4
            lo, hi = r - half, r + half
            glo, ghi = g(lo, dps + 5), g(hi, dps + 5)
            if glo * ghi < 0:
                return Certified((lo + hi) / 2, dps - 1,
                                 "root of χ1 = 1 (double precision), sign change certified at high precision")

    with mpmath.workdps(dps + 5):
        lo, hi = mpmath.mpf(bracket[0]), mpmath.mpf(bracket[1])
        glo, ghi = g(lo), g(hi)
        if glo * ghi > 0:
            raise RmtsymError("no order-to-chaos transition for σw in "
                              f"[{bracket[0]}, {bracket[1]}] at this σb")
        tol = mpmath.mpf(10) ** (-dps)
        while hi - lo > tol * hi:
            mid = (lo + hi) / 2
            gm = g(mid)
            if gm == 0:
                lo = hi = mid
                break
            if (gm > 0) == (ghi > 0):
                hi, ghi = mid, gm
            else:
                lo, glo = mid, gm
        return Certified((lo + hi) / 2, dps - 1, "bisection on χ1 = 1")


def _critical_sigma_w_double(I: GaussianIntegrals, sb: float, bracket):
    """σw with χ1(σw, σb) = 1 in double precision (Brent's method; q* by
    :func:`_fixed_point_double`), or None when the double-precision route cannot decide."""
    from .brent import brentq

    df = I._np(True)

    def g(sw):
        fp = _fixed_point_double(I, sw * sw, sb * sb, 1.0, 300)
        if fp is None:
            raise _NoDouble
        m = I.gauss_numpy(lambda t: df(t) ** 2, fp[0])
        if m is None:
            raise _NoDouble
        return sw * sw * m - 1

    try:
        lo, hi = float(bracket[0]), float(bracket[1])
        glo, ghi = g(lo), g(hi)
        if not glo * ghi < 0:
            return None
        return brentq(g, lo, hi, xtol=1e-15, rtol=1e-15, maxiter=200)
    except (_NoDouble, RuntimeError, ValueError):
        return None


class _NoDouble(Exception):
    """The double-precision route gave up (the high-precision one decides)."""


def critical_line(activation, sigma_bs, dps: int = 10):
    """[(σb, σw_critical)] for a list of biases (the order-to-chaos phase boundary)."""
    return [(sb, critical_sigma_w(activation, sb, dps=dps)) for sb in sigma_bs]
