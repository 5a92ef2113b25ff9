r"""Test risk, bias, variance and training error of random-feature ridge regression.

Model (S. Mei and A. Montanari, *The generalization error of random features regression:
precise asymptotics and double descent curve*, Comm. Pure Appl. Math. 75(4) (2022)
667–766, arXiv:1908.05355)
------------------------------------------------------------------------------------------
Inputs x_i (i ≤ n) and weights θ_a (a ≤ N) uniform on the sphere of radius √d in R^d,
features σ(⟨θ_a, x⟩/√d), target y = ⟨β, x⟩ + f_NL(x) + ε with ‖β‖² = F1², E f_NL² = F*²
(f_NL orthogonal to the polynomials of degree ≤ 1) and Var ε = τ².  The ridge estimator

.. math::

    \hat a = \arg\min_a \frac1n\sum_{i=1}^n\Bigl(y_i - \sum_{a=1}^N a_a\,
             \sigma(\langle\theta_a, x_i\rangle/\sqrt d)\Bigr)^2 + \frac{N\lambda}{d}\,\lVert a\rVert^2

is studied for N, n, d → ∞ with ψ1 = N/d, ψ2 = n/d fixed.  With μ0, μ1, μ* and
ζ = μ1/μ* from :mod:`.coefficients` and λ̄ = λ/μ*², the test risk
R = E_x(f(x) − ŷ(x))² (no label noise in it) converges to

.. math::

    R = F_1^2\,B(\zeta,\psi_1,\psi_2,\bar\lambda) + (\tau^2 + F_*^2)\,V(\zeta,\psi_1,\psi_2,\bar\lambda) + F_*^2 .

B = E1/E0 and V = E2/E0 are polynomials in χ = ν1ν2 evaluated at ξ = i√(ψ1ψ2λ̄), where
(ν1, ν2) : C₊ → C₊ is the analytic solution of

.. math::

    \nu_1 = \psi_1\Bigl(-\xi - \nu_2 - \frac{\zeta^2\nu_2}{1 - \zeta^2\nu_1\nu_2}\Bigr)^{-1},\qquad
    \nu_2 = \psi_2\Bigl(-\xi - \nu_1 - \frac{\zeta^2\nu_1}{1 - \zeta^2\nu_1\nu_2}\Bigr)^{-1}

that behaves as ν_k ≈ −ψ_k/ξ for large Im ξ (MM, Definition 1 and Theorem 1).

Solving the fixed point by principle
------------------------------------
On the imaginary axis ξ = is (s > 0) write ν1 = i a1, ν2 = i a2.  The equations become
real, and a1, a2 > 0 (ν_k ∈ C₊) is the branch that continues from large s.  With
u = a1a2 = −χ and w(u) = u + ζ²u/(1 + ζ²u),

.. math::

    a_1 = (\psi_1 - w)/s, \qquad a_2 = (\psi_2 - w)/s, \qquad
    h(u) := (\psi_1 - w(u))(\psi_2 - w(u)) - s^2 u = 0 .

w is increasing, so a1, a2 > 0 forces w < m := min(ψ1, ψ2), i.e. u ∈ (0, u*) with
w(u*) = m.  On that interval h decreases strictly from h(0) = ψ1ψ2 > 0 to
h(u*) = −s²u* < 0: **the physical solution is the unique root of h in (0, u*)**, and it is
the one continued from large Im ξ (where u ≈ ψ1ψ2/s²).  It is found by Newton's method
safeguarded by bisection on that bracket (vectorised in double precision, or in mpmath at
any precision, with a sign-change certificate).  :func:`fixed_point_continuation` solves
the original complex equations by a different method (2-D complex Newton continued from
ξ = 50i), for checking and for ξ off the imaginary axis.  At λ = 0 (the ridgeless limit
λ → 0⁺, the minimum-norm interpolator when ψ1 > ψ2) the root is u = u* in closed form.

Training error (derived here; checked against simulation)
---------------------------------------------------------
The training error L = (1/n)Σ(y_i − ŷ(x_i))² (the loss without the penalty) follows from
the asymptotic consistency of generalized cross-validation for ridge regression on
features that are Gaussian-equivalent (Hastie, Montanari, Rosset & Tibshirani, Ann. Statist.
50 (2022), arXiv:1903.08560; Patil, Wei, Rinaldo & Tibshirani, AISTATS 2021; Gaussian
equivalence of random features: Mei & Montanari 2022, Hu & Lu, IEEE Trans. Inf. Theory 69
(2023), arXiv:2009.07669):

.. math::

    L = (R + \tau^2)\,\Bigl(1 - \frac{\mathrm{df}}{n}\Bigr)^2,\qquad
    1 - \frac{\mathrm{df}}{n} = \rho\,\frac1n\operatorname{tr}\bigl(FF^\top/n + \rho\bigr)^{-1}
    = \frac{s\,a_2}{\psi_2} = 1 - \frac{w}{\psi_2} = \frac{-\xi\nu_2}{\psi_2}

with ρ = Nλ/d and df = tr F(FᵀF + nρ)^{-1}Fᵀ = d·w.  The noise part of it is an exact
resolvent identity, τ²ρ²(1/n) tr(FFᵀ/n + ρ)^{-2}, and the identity
−m′(ρ) = (1 + V) m(ρ)², m(ρ) = (1/n) tr(FFᵀ/n + ρ)^{-1}, ties it to V (tested against the
Pennington–Worah Stieltjes transform of FFᵀ/n, an independent computation).  Limits:
λ → ∞ gives L → F1² + F*² + τ²; λ → 0 gives (R + τ²)(1 − ψ1/ψ2)² for ψ1 < ψ2 and 0 for
ψ1 ≥ ψ2 (interpolation).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import mpmath
import numpy as np

from ...errors import ParameterError, RmtsymError
from ...numbers import Certified, check_dps, decimal_string

__all__ = ["bias_variance_numpy", "risk_numpy", "MMResult", "mm_risk", "fixed_point_numpy",
           "fixed_point_mp", "fixed_point_continuation", "e_polynomials", "u_star",
           "check_point", "REGIME"]

#: the regime every number of this module assumes (printed by the CLI)
REGIME = ("proportional limit N, n, d -> infinity with psi1 = N/d, psi2 = n/d fixed; x and theta "
          "uniform on the sphere of radius sqrt(d) (Gaussian vectors give the same limit); target "
          "y = <beta, x> + f_NL(x) + eps with f_NL orthogonal to polynomials of degree <= 1; "
          "loss (1/n) sum (y_i - yhat_i)^2 + (N lambda/d) |a|^2 (Mei & Montanari 2022)")


# ----------------------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------------------

def _finite(v) -> bool:
    try:
        return bool(np.all(np.isfinite(np.asarray(v, dtype=float))))
    except (TypeError, ValueError):
        return False


def check_point(psi1, psi2, lam_bar=None, signal=None, noise=None, nonlinear=None) -> None:
    """Raise :class:`ParameterError` (one sentence) unless the parameters are admissible.

    ψ1, ψ2 > 0 and finite; λ̄ ≥ 0; F1², τ², F*² ≥ 0 (arrays are checked elementwise).
    """
    for name, v, positive in (("psi1", psi1, True), ("psi2", psi2, True), ("ridge", lam_bar, False),
                              ("signal F1^2", signal, False), ("noise tau^2", noise, False),
                              ("nonlinear target F*^2", nonlinear, False)):
        if v is None:
            continue
        try:
            a = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise ParameterError(f"{name} must be a number, got {v!r}") from None
        if not np.all(np.isfinite(a)):
            raise ParameterError(f"{name} must be a finite number, got {v!r}")
        if positive and not np.all(a > 0):
            raise ParameterError(f"{name} must be positive, got {v!r}")
        if not positive and not np.all(a >= 0):
            raise ParameterError(f"{name} must be non-negative, got {v!r}")


# ----------------------------------------------------------------------------------------
# the polynomials E0, E1, E2 (Mei & Montanari, Definition 1)
# ----------------------------------------------------------------------------------------

def e_polynomials(chi, z2, psi1, psi2, scales: bool = False):
    r"""E0, E1, E2 of Mei & Montanari as functions of χ, ζ², ψ1, ψ2 (numpy or mpmath)::

        E0 = −χ⁵ζ⁶ + 3χ⁴ζ⁴ + (ψ1ψ2 − ψ2 − ψ1 + 1)χ³ζ⁶ − 2χ³ζ⁴ − 3χ³ζ² + (ψ1 + ψ2 − 3ψ1ψ2 + 1)χ²ζ⁴
             + 2χ²ζ² + χ² + 3ψ1ψ2χζ² − ψ1ψ2,
        E1 = ψ2χ³ζ⁴ − ψ2χ²ζ² + ψ1ψ2χζ² − ψ1ψ2,
        E2 = χ⁵ζ⁶ − 3χ⁴ζ⁴ + (ψ1 − 1)χ³ζ⁶ + 2χ³ζ⁴ + 3χ³ζ² − (ψ1 + 1)χ²ζ⁴ − 2χ²ζ² − χ².

    Returns
    -------
    (E0, E1, E2), or (E0, E1, E2, scale0, scale1, scale2) with ``scales=True``: the sums of
    the absolute values of their terms (for the digits lost to cancellation).
    """
    c, z4, z6, p = chi, z2 * z2, z2 * z2 * z2, psi1 * psi2
    c2, c3 = c * c, c * c * c
    c4, c5 = c3 * c, c3 * c * c
    t0 = [-c5 * z6, 3 * c4 * z4, (p - psi2 - psi1 + 1) * c3 * z6, -2 * c3 * z4, -3 * c3 * z2,
          (psi1 + psi2 - 3 * p + 1) * c2 * z4, 2 * c2 * z2, c2, 3 * p * c * z2, -p]
    t1 = [psi2 * c3 * z4, -psi2 * c2 * z2, p * c * z2, -p]
    t2 = [c5 * z6, -3 * c4 * z4, (psi1 - 1) * c3 * z6, 2 * c3 * z4, 3 * c3 * z2,
          -(psi1 + 1) * c2 * z4, -2 * c2 * z2, -c2]
    out = []
    for terms in (t0, t1, t2):
        out.append(sum(terms[1:], terms[0]))
    if scales:
        for terms in (t0, t1, t2):
            out.append(sum((abs(t) for t in terms[1:]), abs(terms[0])))
    return tuple(out)


# ----------------------------------------------------------------------------------------
# the reduced scalar equation h(u) = 0 on (0, u*)
# ----------------------------------------------------------------------------------------

def u_star(z2, m):
    """The end u* of the bracket: w(u*) = m, the positive root of ζ²u² + (1 + ζ² − mζ²)u − m = 0.

    Written as 2m/(b + √(b² + 4ζ²m)), b = 1 + ζ² − mζ², which is exact for ζ² = 0 (u* = m)
    and free of cancellation.
    """
    b = 1 + z2 - m * z2
    if isinstance(z2, np.ndarray) or isinstance(m, np.ndarray):
        return 2 * m / (b + np.sqrt(b * b + 4 * z2 * m))
    sqrt = mpmath.sqrt if isinstance(b, (mpmath.mpf,)) else np.sqrt
    return 2 * m / (b + sqrt(b * b + 4 * z2 * m))


def _w(u, z2):
    return u + z2 * u / (1 + z2 * u)


def _h_and_dh(u, z2, psi1, psi2, s2):
    d = 1 + z2 * u
    w = u + z2 * u / d
    dw = 1 + z2 / (d * d)
    h = (psi1 - w) * (psi2 - w) - s2 * u
    dh = -dw * (psi1 + psi2 - 2 * w) - s2
    return h, dh


def fixed_point_numpy(z2, psi1, psi2, lam_bar, max_iter: int = 200):
    r"""u = −χ = a1·a2 on the imaginary axis, vectorised in double precision.

    Safeguarded Newton iteration on h(u) = (ψ1 − w)(ψ2 − w) − s²u over the bracket
    (0, u*), s² = ψ1ψ2λ̄ (module docstring); every array argument is broadcast.

    Returns
    -------
    (u, w, s) : numpy.ndarray
        u = a1a2 = −χ, w = u + ζ²u/(1 + ζ²u) (= df/d) and s = Im ξ = √(ψ1ψ2λ̄).
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (z2, psi1, psi2, lam_bar)))
    shape = arrays[0].shape
    z2, psi1, psi2, lam_bar = (np.array(v, dtype=float).ravel() for v in arrays)
    s2 = psi1 * psi2 * lam_bar
    m = np.minimum(psi1, psi2)
    hi = u_star(z2, m)
    lo = np.zeros_like(hi)
    u = hi * psi1 * psi2 / (psi1 * psi2 + s2 * hi)  # exact at s = 0 and as s → ∞
    ridgeless = s2 == 0
    active = ~ridgeless
    for _ in range(max_iter):
        if not active.any():
            break
        h, dh = _h_and_dh(u[active], z2[active], psi1[active], psi2[active], s2[active])
        ua, la, ha = u[active], lo[active], hi[active]
        la = np.where(h > 0, ua, la)
        ha = np.where(h < 0, ua, ha)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = ua - h / dh
        bad = ~(new > la) | ~(new < ha) | ~np.isfinite(new)
        new = np.where(bad, 0.5 * (la + ha), new)
        done = (np.abs(new - ua) <= 4e-16 * np.abs(new)) | (h == 0) | (ha - la <= 4e-16 * ha)
        idx = np.flatnonzero(active)
        u[idx], lo[idx], hi[idx] = new, la, ha
        active[idx[done]] = False
    else:  # pragma: no cover - the bracket halves at worst, 200 steps always suffice
        raise RmtsymError("the Mei-Montanari fixed point did not converge")
    u = np.where(ridgeless, hi, u)
    return u.reshape(shape), _w(u, z2).reshape(shape), np.sqrt(s2).reshape(shape)


def bias_variance_numpy(z2, psi1, psi2, lam_bar):
    r"""B(ζ, ψ1, ψ2, λ̄) and V(ζ, ψ1, ψ2, λ̄) of Mei & Montanari in double precision.

    Vectorised over broadcast arrays; λ̄ = λ/μ*² ≥ 0 (λ̄ = 0 is the limit λ → 0⁺, whose
    variance is infinite at ψ1 = ψ2). Returns (B, V, u, w, s) with u = −χ.
    """
    u, w, s = fixed_point_numpy(z2, psi1, psi2, lam_bar)
    z2, psi1, psi2 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (z2, psi1, psi2)))
    e0, e1, e2 = e_polynomials(-u, z2, psi1, psi2)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = e1 / e0
        v = e2 / e0
    singular = (s == 0) & (psi1 == psi2)
    b = np.where(singular, np.inf, b)
    v = np.where(singular, np.inf, v)
    return b, v, u, w, s


def _combine(weight, value):
    """weight·value with 0·∞ = 0 (a zero target component contributes nothing)."""
    weight = np.asarray(weight, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(weight == 0, 0.0, weight * value)


def risk_numpy(z2, mu_star2, psi1, psi2, ridge, signal=1.0, noise=0.0, nonlinear=0.0) -> dict:
    r"""Test risk, bias, variance and training error along a curve (double precision).

    R = F1²B + (τ² + F*²)V + F*² and L_train = (R + τ²)(1 − w/ψ2)² with λ̄ = λ/μ*²
    (Mei & Montanari 2022; training error as in the module docstring).

    Parameters
    ----------
    z2, mu_star2 : float
        ζ_MM² and μ*² of the activation (:func:`.coefficients.activation_coefficients`).
    psi1, psi2, ridge : float or array_like
        ψ1 = N/d, ψ2 = n/d, ridge λ ≥ 0 (penalty (Nλ/d)‖a‖²); broadcast together.
    signal, noise, nonlinear : float
        F1² = ‖β‖², τ² = Var ε, F*² = E f_NL².

    Returns
    -------
    dict of numpy.ndarray
        ``test_risk``, ``bias`` (B), ``variance`` (V), ``train_error``, ``dof`` (w = df/d),
        ``chi``.
    """
    check_point(psi1, psi2, ridge, signal, noise, nonlinear)
    if not (np.isfinite(mu_star2) and mu_star2 > 0):
        raise ParameterError("the activation is affine (mu_star = 0); the random-feature risk of "
                             "Mei & Montanari needs a nonlinear activation")
    lam_bar = np.asarray(ridge, dtype=float) / mu_star2
    b, v, u, w, s = bias_variance_numpy(z2, psi1, psi2, lam_bar)
    r = _combine(signal, b) + _combine(noise + nonlinear, v) + nonlinear
    q = 1 - w / np.asarray(psi2, dtype=float)
    with np.errstate(invalid="ignore"):
        train = np.where(q == 0, 0.0, (r + noise) * q * q)
    return {"test_risk": r, "bias": b, "variance": v, "train_error": train, "dof": w, "chi": -u}


# ----------------------------------------------------------------------------------------
# arbitrary precision
# ----------------------------------------------------------------------------------------

def fixed_point_mp(z2, psi1, psi2, lam_bar, dps: int = 30):
    r"""u = −χ at ``dps`` digits (mpmath), with a sign-change certificate.

    Safeguarded Newton on h over (0, u*) at dps + 10 digits, started from the double
    precision root; then h(u(1 − ε)) > 0 > h(u(1 + ε)) is checked with ε = 10^−(dps+2),
    which proves the root (unique in the bracket) to that relative accuracy.

    Returns
    -------
    (u, w, s) as mpmath numbers.
    """
    dps = check_dps(dps)
    with mpmath.workdps(dps + 10):
        z2, psi1, psi2, lam_bar = (mpmath.mpf(v) for v in (z2, psi1, psi2, lam_bar))
        s2 = psi1 * psi2 * lam_bar
        m = min(psi1, psi2)
        hi = u_star(z2, m)
        if s2 == 0:
            return hi, _w(hi, z2), mpmath.mpf(0)
        lo = mpmath.mpf(0)
        u0, _, _ = fixed_point_numpy(float(z2), float(psi1), float(psi2), float(lam_bar))
        u = mpmath.mpf(float(u0))
        if not lo < u < hi:
            u = hi * psi1 * psi2 / (psi1 * psi2 + s2 * hi)
        tol = mpmath.mpf(10) ** (-(dps + 6))
        for _ in range(400):
            h, dh = _h_and_dh(u, z2, psi1, psi2, s2)
            if h > 0:
                lo = u
            elif h < 0:
                hi = u
            else:
                break
            new = u - h / dh if dh != 0 else (lo + hi) / 2
            if not lo < new < hi:
                new = (lo + hi) / 2
            step = abs(new - u)
            u = new
            if step <= tol * u:
                break
        else:  # pragma: no cover
            raise RmtsymError("the Mei-Montanari fixed point did not converge at high precision")
        eps = mpmath.mpf(10) ** (-(dps + 2))
        h_lo, _ = _h_and_dh(u * (1 - eps), z2, psi1, psi2, s2)
        h_hi, _ = _h_and_dh(u * (1 + eps), z2, psi1, psi2, s2)
        if not (h_lo > 0 > h_hi):
            raise RmtsymError("could not certify the root of the Mei-Montanari fixed point")
        return u, _w(u, z2), mpmath.sqrt(s2)


def fixed_point_continuation(z2, psi1, psi2, xi, start: float = 50.0, steps: int = 200,
                             newton: int = 30):
    r"""(ν1, ν2) at a point ξ ∈ C₊ by continuation of the complex 2-D equations (double precision).

    An independent method (used to check :func:`fixed_point_numpy`): start at ξ0 = i·max(start,
    2|ξ|) from ν_k = −ψ_k/ξ0, move along the straight segment to ξ in ``steps`` steps that are
    geometric in the distance to ξ, and at each step solve

        F1 = ν1(−ξ − ν2 − ζ²ν2/(1 − ζ²ν1ν2)) − ψ1 = 0,  F2 = ν2(−ξ − ν1 − ζ²ν1/(1 − ζ²ν1ν2)) − ψ2 = 0

    by complex Newton from the previous solution.  Im ν1, Im ν2 > 0 is checked at the end
    (the Stieltjes-type branch C₊ → C₊).

    Returns
    -------
    (nu1, nu2) : complex
    """
    xi = complex(xi)
    if not xi.imag > 0:
        raise ParameterError("xi must lie in the upper half-plane (Im xi > 0)")
    x0 = 1j * max(start, 2 * abs(xi))
    n1, n2 = -psi1 / x0, -psi2 / x0
    ts = 1 - np.geomspace(1, 1e-12, steps)  # fraction of the way from x0 to xi
    ts = np.append(ts, 1.0)
    for t in ts:
        x = x0 + t * (xi - x0)
        for _ in range(newton):
            d = 1 - z2 * n1 * n2
            g = z2 / d
            a = -x - n2 - n2 * g
            b = -x - n1 - n1 * g
            f1 = n1 * a - psi1
            f2 = n2 * b - psi2
            # derivatives of g = ζ²/(1 − ζ²ν1ν2): ∂g/∂ν1 = g²ν2, ∂g/∂ν2 = g²ν1
            da1 = -n2 * g * g * n2           # ∂a/∂ν1
            da2 = -1 - g - n2 * g * g * n1    # ∂a/∂ν2
            db1 = -1 - g - n1 * g * g * n2    # ∂b/∂ν1
            db2 = -n1 * g * g * n1            # ∂b/∂ν2
            j11 = a + n1 * da1
            j12 = n1 * da2
            j21 = n2 * db1
            j22 = b + n2 * db2
            det = j11 * j22 - j12 * j21
            d1 = (f1 * j22 - f2 * j12) / det
            d2 = (j11 * f2 - j21 * f1) / det
            n1, n2 = n1 - d1, n2 - d2
            if abs(d1) + abs(d2) <= 1e-15 * (abs(n1) + abs(n2)):
                break
    if not (n1.imag > 0 and n2.imag > 0):
        raise RmtsymError("the continuation left the branch with Im nu > 0")
    return n1, n2


@dataclass
class MMResult:
    """The Mei–Montanari risk at one point, every number with its provenance."""

    psi1: object
    psi2: object
    ridge: object
    lam_bar: Certified
    signal: object
    noise: object
    nonlinear: object
    test_risk: Certified
    bias: Certified
    variance: Certified
    train_error: Certified
    dof: Certified
    chi: Certified
    nu1: Optional[Certified]
    nu2: Optional[Certified]
    notes: list = field(default_factory=list)

    def as_json(self, digits: int) -> dict:
        def num(c):
            if c is None:
                return None
            return decimal_string(c.value, max(1, min(digits, c.digits)))

        return {
            "test_risk": num(self.test_risk), "bias": num(self.bias), "variance": num(self.variance),
            "train_error": num(self.train_error), "digits": self.test_risk.digits,
            "lambda_bar": num(self.lam_bar), "dof_per_dimension": num(self.dof), "chi": num(self.chi),
            "nu1_imag": None if self.nu1 is None else decimal_string(
                mpmath.im(self.nu1.value), max(1, min(digits, self.nu1.digits))),
            "nu2_imag": None if self.nu2 is None else decimal_string(
                mpmath.im(self.nu2.value), max(1, min(digits, self.nu2.digits))),
        }


def _digits_after(value_terms, work_digits):
    """Digits left after cancellation: work digits − log10(Σ|terms| / |value|)."""
    value, scale = value_terms
    if value == 0:
        return 0
    lost = mpmath.log10(scale / abs(value)) if scale > 0 else 0
    return max(0, int(work_digits - max(0, mpmath.ceil(lost))))


def mm_risk(z2, mu_star2, psi1, psi2, ridge, signal=1, noise=0, nonlinear=0, dps: int = 30,
            coefficient_digits: Optional[int] = None) -> MMResult:
    r"""The Mei–Montanari test risk, bias, variance and training error at ``dps`` digits.

    R = F1²B + (τ² + F*²)V + F*², B = E1/E0, V = E2/E0 at χ = ν1ν2, ξ = i√(ψ1ψ2λ̄),
    λ̄ = λ/μ*² (Mei & Montanari, CPAM 2022, Theorem 1 and Definition 1), and
    L_train = (R + τ²)(1 − w/ψ2)² (module docstring).

    Parameters
    ----------
    z2, mu_star2 : number or str
        ζ_MM² and μ*² of the activation.
    psi1, psi2 : number or str
        ψ1 = N/d > 0, ψ2 = n/d > 0.
    ridge : number or str
        λ ≥ 0 (λ = 0 is the limit λ → 0⁺).
    signal, noise, nonlinear : number or str
        F1², τ², F*² ≥ 0.
    dps : int
        Decimal digits.
    coefficient_digits : int, optional
        Digits of ζ² and μ*² (the result carries no more).

    Returns
    -------
    MMResult
    """
    dps = check_dps(dps)
    work = dps + 10
    with mpmath.workdps(work):
        try:
            vals = [mpmath.mpf(str(v)) if not isinstance(v, mpmath.mpf) else v
                    for v in (z2, mu_star2, psi1, psi2, ridge, signal, noise, nonlinear)]
        except (TypeError, ValueError):
            raise ParameterError("the ratios, ridge and target parameters must be numbers") from None
        z2m, ms2, p1, p2, lam, f1, tau2, fs2 = vals
        check_point(float(p1), float(p2), float(lam), float(f1), float(tau2), float(fs2))
        if not (mpmath.isfinite(ms2) and ms2 > 0):
            raise ParameterError("the activation is affine (mu_star = 0); the random-feature risk "
                                 "of Mei & Montanari needs a nonlinear activation")
        lam_bar = lam / ms2
        u, w, s = fixed_point_mp(z2m, p1, p2, lam_bar, dps)
        chi = -u
        e0, e1, e2, sc0, sc1, sc2 = e_polynomials(chi, z2m, p1, p2, scales=True)
        d0 = _digits_after((e0, sc0), work - 2)
        notes = []
        if s == 0 and p1 == p2:
            b = v = mpmath.inf
            notes.append("psi1 = psi2 with lambda -> 0: the variance diverges at the interpolation "
                         "threshold")
            d = work
        else:
            b, v = e1 / e0, e2 / e0
            d = min(d0, _digits_after((e1, sc1), work - 2), _digits_after((e2, sc2), work - 2))
        r = (f1 * b if f1 != 0 else 0) + ((tau2 + fs2) * v if tau2 + fs2 != 0 else 0) + fs2
        q = 1 - w / p2
        if q == 0:
            train = mpmath.mpf(0)
        else:
            train = (r + tau2) * q * q
        digits = min(dps, d)
        if coefficient_digits is not None:
            digits = min(digits, coefficient_digits)
        digits = max(1, digits)
        method = "Mei-Montanari E1/E0, E2/E0 at the certified root of the reduced fixed point"
        nu1 = nu2 = None
        if s > 0:
            nu1 = Certified(mpmath.mpc(0, (p1 - w) / s), digits, "nu1 = i (psi1 - w)/s")
            nu2 = Certified(mpmath.mpc(0, (p2 - w) / s), digits, "nu2 = i (psi2 - w)/s")
        cert = lambda val, m: Certified(+val, digits, m)  # noqa: E731
        return MMResult(
            psi1=p1, psi2=p2, ridge=lam, lam_bar=Certified(+lam_bar, dps, "lambda/mu_star^2"),
            signal=f1, noise=tau2, nonlinear=fs2,
            test_risk=cert(r, "F1^2 B + (tau^2 + F*^2) V + F*^2; " + method),
            bias=cert(b, "B = E1/E0; " + method),
            variance=cert(v, "V = E2/E0; " + method),
            train_error=cert(train, "(R + tau^2)(1 - w/psi2)^2 (GCV identity)"),
            dof=cert(w, "w = u + zeta^2 u/(1 + zeta^2 u) = df/d"),
            chi=cert(chi, "chi = nu1 nu2 = -u"),
            nu1=nu1, nu2=nu2, notes=notes)
