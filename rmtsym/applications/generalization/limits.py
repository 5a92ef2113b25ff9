r"""Closed-form limits of the Mei–Montanari risk: λ → ∞, ψ1 → ∞ (kernel ridge), ψ2 → ∞.

Notation of :mod:`.mei_montanari`: ζ = ζ_MM = μ1/μ*, λ̄ = λ/μ*², ψ1 = N/d, ψ2 = n/d,
R = F1²B + (τ² + F*²)V + F*² (S. Mei and A. Montanari, CPAM 75 (2022), arXiv:1908.05355).
Each limit is derived below from the model itself (Gaussian equivalence of the features,
σ(⟨θ, x⟩/√d) ≈ μ0 + μ1⟨θ, x⟩/√d + μ*·g with g independent noise) and is tested against the
fixed point of Mei & Montanari evaluated at large λ̄, ψ1, ψ2.

Large ridge, λ → ∞
    â ≈ Fᵀy/(nNλ/d) to first order.  E_x[f(x)ŷ(x)] ≈ μ1²F1²/λ and the fitted noise has
    E âᵀΣâ ≈ τ² tr Σ²/(n ρ²), tr Σ² ≈ μ*⁴N(1 + 2ζ² + (1 + ψ1)ζ⁴), ρ = Nλ/d, hence

        B = 1 − 2ζ²/λ̄ + O(λ̄⁻²),   V = (1 + 2ζ² + (1 + ψ1)ζ⁴)/(ψ1ψ2λ̄²) + O(λ̄⁻³),

    R → F1² + F*², and the training error → F1² + F*² + τ².  :func:`large_ridge_series`
    gives the series to any order, from the fixed point (u = −χ = t(ψ1 − w)(ψ2 − w)/(ψ1ψ2),
    t = 1/λ̄, iterated as a power series in t).

Kernel ridge limit, ψ1 → ∞
    With N → ∞ the penalty (Nλ/d)‖a‖² turns random-feature regression into kernel ridge
    regression with the kernel K(x, x') = E_θ σ(⟨θ, x⟩/√d)σ(⟨θ, x'⟩/√d) and ridge ψ2λ:
    ŷ(x) = K(x, X)(K + ψ2λ)^{-1}y.  In the proportional regime K ≈ μ0²11ᵀ + μ1²XXᵀ/d + μ*²I
    (El Karoui, Ann. Statist. 38 (2010)), so ŷ is linear ridge regression on x with
    b̂ = (XᵀX/n + λ_r)^{-1}Xᵀy/n, λ_r = (1/ψ2 + λ̄)/ζ², on isotropic inputs with d/n = γ = 1/ψ2,
    and f_NL acting as noise.  With m = m(−λ_r) the Stieltjes transform (1/d)tr(XᵀX/n + λ_r)^{-1}
    of the Marchenko–Pastur law of ratio γ, root of γλ_r m² + (1 − γ + λ_r)m − 1 = 0, and
    m′ = (γm² + m)/(1 − γ + λ_r + 2γλ_r m) = (1/d)tr(XᵀX/n + λ_r)^{-2}:

        B∞ = λ_r² m′,   V∞ = γ (m − λ_r m′).

    (ζ = 0 gives λ_r = ∞: B∞ = 1, V∞ = 0.)

Infinite data, ψ2 → ∞
    With n → ∞ the estimator is the population ridge a = (Σ + ρ)^{-1}E[φ f], Σ ≈ μ*²(I +
    ζ²ΘΘᵀ/d), E[φ f] = μ1Θβ/√d, and V → 0.  Writing the risk in the eigenbasis of
    W = ΘᵀΘ/d, whose law is ψ1·MP(1/ψ1) (atom 1 − ψ1 at 0 when ψ1 < 1), with
    s̄ = 1 + ψ1λ̄ + ζ²w:

        B∞ = E[1/s̄] + ψ1λ̄(1 + ψ1λ̄) E[1/s̄²],   V∞ = 0,

    both in closed form through the Marchenko–Pastur Stieltjes transform
    g(x) = E[1/(t + x)], t ~ MP(c), c = 1/ψ1, root of cx g² + (1 − c + x)g − 1 = 0.
"""
from __future__ import annotations

import functools

import mpmath
import sympy as sp

from ...errors import ParameterError
from ...numbers import Certified, check_dps

__all__ = ["large_ridge_series", "large_ridge_leading", "kernel_limit", "infinite_data_limit",
           "kernel_limit_expr", "infinite_data_limit_expr", "SYMBOLS"]

#: the symbols of the closed forms: ζ², ψ1, ψ2, λ̄ and t = 1/λ̄
Z2, PSI1, PSI2, LB, T = sp.symbols("zeta2 psi1 psi2 lambda_bar t", positive=True)
SYMBOLS = {"zeta2": Z2, "psi1": PSI1, "psi2": PSI2, "lambda_bar": LB, "t": T}


def _mp_stieltjes_negative(c, x):
    """E[1/(t + x)] for t ~ MP of ratio c (mean 1), x > 0: the positive root of cxg² + (1−c+x)g − 1."""
    b = 1 - c + x
    return 2 / (b + sp.sqrt(b * b + 4 * c * x)) if isinstance(b, sp.Basic) else \
        2 / (b + mpmath.sqrt(b * b + 4 * c * x))


class _Series:
    """Power series in t truncated after t^order, coefficients in the field Q(ζ², ψ1, ψ2)."""

    def __init__(self, coeffs, order):
        self.c = list(coeffs)[:order + 1] + [0] * max(0, order + 1 - len(coeffs))
        self.order = order

    def _lift(self, other):
        if isinstance(other, _Series):
            return other
        return _Series([other], self.order)

    def __add__(self, other):
        o = self._lift(other)
        return _Series([a + b for a, b in zip(self.c, o.c)], self.order)

    __radd__ = __add__

    def __neg__(self):
        return _Series([-a for a in self.c], self.order)

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) - self

    def __mul__(self, other):
        o = self._lift(other)
        out = [0] * (self.order + 1)
        for i, a in enumerate(self.c):
            if a == 0:
                continue
            for j in range(self.order + 1 - i):
                out[i + j] += a * o.c[j]
        return _Series(out, self.order)

    __rmul__ = __mul__

    def __pow__(self, k):
        out = _Series([1], self.order)
        for _ in range(k):
            out = out * self
        return out

    def inverse(self):
        """1/self (the constant term must not vanish)."""
        a0 = self.c[0]
        x = self * (1 / a0) - 1  # O(t)
        out, power = _Series([1], self.order), _Series([1], self.order)
        for _ in range(self.order):
            power = power * (-x)
            out = out + power
        return out * (1 / a0)

    def __truediv__(self, other):
        return self * self._lift(other).inverse()

    def shift(self):
        """t·self."""
        return _Series([0] + self.c[:-1], self.order)


@functools.lru_cache(maxsize=8)
def large_ridge_series(order: int = 3):
    r"""B and V as power series in t = 1/λ̄ up to t^order (SymPy, in ζ², ψ1, ψ2).

    From the reduced fixed point u = t(ψ1 − w(u))(ψ2 − w(u))/(ψ1ψ2), iterated as a power
    series (each pass fixes one more order), then B = E1/E0, V = E2/E0 expanded with
    Mei & Montanari's polynomials (E0 = −ψ1ψ2(1 + O(t))).  Exact truncated power-series
    arithmetic over the rational function field Q(ζ², ψ1, ψ2).

    Returns
    -------
    (B_series, V_series) : sympy.Expr
        Polynomials in ``t``.
    """
    from sympy.polys.domains import QQ
    from sympy.polys.fields import field

    from .mei_montanari import e_polynomials

    if not (isinstance(order, int) and 1 <= order <= 8):
        raise ParameterError("the order of the large-ridge series must be a whole number from 1 to 8")
    K, z2, p1, p2 = field("zeta2,psi1,psi2", QQ)
    zero = K(0)
    u = _Series([zero], order)
    for _ in range(order + 1):
        w = u + u * z2 * (1 + u * z2).inverse()
        u = ((p1 - w) * (p2 - w) * (1 / (p1 * p2))).shift()
    e0, e1, e2 = e_polynomials(-u, _Series([z2], order), p1, p2)
    b, v = e1 / e0, e2 / e0
    back = {"zeta2": Z2, "psi1": PSI1, "psi2": PSI2}

    def to_expr(series):
        terms = []
        for k, cf in enumerate(series.c):
            cf = K(cf)
            num = cf.numer.as_expr(*(back[str(g)] for g in K.symbols))
            den = cf.denom.as_expr(*(back[str(g)] for g in K.symbols))
            terms.append(sp.factor(num / den) * T ** k)
        return sp.Add(*terms)

    return to_expr(b), to_expr(v)


def large_ridge_leading():
    """The leading terms derived directly from the model (module docstring), as SymPy expressions.

    Returns ``{"B": 1 − 2ζ²t, "V": (1 + 2ζ² + (1 + ψ1)ζ⁴)t²/(ψ1ψ2)}`` with t = 1/λ̄.
    """
    return {"B": 1 - 2 * Z2 * T,
            "V": (1 + 2 * Z2 + (1 + PSI1) * Z2 ** 2) * T ** 2 / (PSI1 * PSI2)}


@functools.lru_cache(maxsize=1)
def kernel_limit_expr():
    r"""(B∞, V∞) of the kernel ridge limit ψ1 → ∞ as SymPy expressions in ζ², ψ2, λ̄ (ζ² > 0)."""
    g = 1 / PSI2
    lr = (1 / PSI2 + LB) / Z2
    m = _mp_stieltjes_negative(g, lr)
    dm = (g * m ** 2 + m) / (1 - g + lr + 2 * g * lr * m)
    return lr ** 2 * dm, g * (m - lr * dm)


@functools.lru_cache(maxsize=1)
def infinite_data_limit_expr():
    r"""B∞ of the infinite-data limit ψ2 → ∞ as a SymPy expression in ζ², ψ1, λ̄ (V∞ = 0)."""
    c = 1 / PSI1
    a = 1 + PSI1 * LB
    b = Z2 * PSI1  # s̄ = a + ζ²w = a + b t with w = ψ1 t
    x = a / b
    g = _mp_stieltjes_negative(c, x)
    # E[1/(t + x)²] = −d/dx E[1/(t + x)]; implicit: g′ = −(c g² + g)/(2 c x g + 1 − c + x)
    g2 = (c * g ** 2 + g) / (2 * c * x * g + 1 - c + x)
    e1 = g / b
    e2 = g2 / b ** 2
    return e1 + PSI1 * LB * (1 + PSI1 * LB) * e2


def _mpf(v, name):
    try:
        out = mpmath.mpf(str(v)) if not isinstance(v, mpmath.mpf) else v
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {v!r}") from None
    if not mpmath.isfinite(out):
        raise ParameterError(f"{name} must be finite, got {v!r}")
    return out


def kernel_limit(z2, psi2, lam_bar, dps: int = 30):
    r"""B and V in the kernel ridge limit ψ1 → ∞ (closed form; module docstring).

    Returns
    -------
    (Certified, Certified)
    """
    dps = check_dps(dps)
    with mpmath.workdps(dps + 10):
        z2, psi2, lam_bar = _mpf(z2, "zeta2"), _mpf(psi2, "psi2"), _mpf(lam_bar, "lambda_bar")
        if psi2 <= 0 or lam_bar < 0 or z2 < 0:
            raise ParameterError("the kernel limit needs psi2 > 0, lambda_bar >= 0 and zeta^2 >= 0")
        if z2 == 0:
            b, v = mpmath.mpf(1), mpmath.mpf(0)
        else:
            g = 1 / psi2
            lr = (g + lam_bar) / z2
            m = _mp_stieltjes_negative(g, lr)
            dm = (g * m * m + m) / (1 - g + lr + 2 * g * lr * m)
            b, v = lr * lr * dm, g * (m - lr * dm)
        how = "closed form: linear ridge on x with lambda_r = (1/psi2 + lambda_bar)/zeta^2 (psi1 -> inf)"
        return Certified(+b, dps, how), Certified(+v, dps, how)


def infinite_data_limit(z2, psi1, lam_bar, dps: int = 30):
    r"""B and V (= 0) in the infinite-data limit ψ2 → ∞ (closed form; module docstring).

    Returns
    -------
    (Certified, Certified)
    """
    dps = check_dps(dps)
    with mpmath.workdps(dps + 10):
        z2, psi1, lam_bar = _mpf(z2, "zeta2"), _mpf(psi1, "psi1"), _mpf(lam_bar, "lambda_bar")
        if psi1 <= 0 or lam_bar < 0 or z2 < 0:
            raise ParameterError("the infinite-data limit needs psi1 > 0, lambda_bar >= 0 and zeta^2 >= 0")
        a = 1 + psi1 * lam_bar
        how = "closed form: population ridge over the Marchenko-Pastur law of Theta^T Theta/d (psi2 -> inf)"
        if z2 == 0:
            return Certified(mpmath.mpf(1), dps, how), Certified(mpmath.mpf(0), dps, "V = 0 as psi2 -> inf")
        c = 1 / psi1
        b = z2 * psi1
        x = a / b
        g = _mp_stieltjes_negative(c, x)
        # implicit derivative: c x g² + (1 − c + x) g − 1 = 0 ⇒ g′ = −(c g² + g)/(2 c x g + 1 − c + x)
        dg = -(c * g * g + g) / (2 * c * x * g + 1 - c + x)
        e1 = g / b
        e2 = -dg / (b * b)
        bias = e1 + psi1 * lam_bar * (1 + psi1 * lam_bar) * e2
        return Certified(+bias, dps, how), Certified(mpmath.mpf(0), dps, "V = 0 as psi2 -> inf")
