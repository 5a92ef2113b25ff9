r"""Closed-form two-point Gaussian expectations of activations (vectorised, float64).

For a centred Gaussian pair (u, v) with Var u = a, Var v = b, Cov(u, v) = c, write
ρ = c/√(ab) and θ = arccos ρ. The NNGP needs F(a, b, c) = E[φ(u)φ(v)] and the NTK
Ḟ(a, b, c) = E[φ′(u)φ′(v)] = ∂F/∂c (Price's theorem). Families with closed forms:

* **affine** φ = αx + β:  F = α²c + β²,  Ḟ = α².
* **arc-cosine, degree 1** (Cho & Saul, "Kernel methods for deep learning", NeurIPS 2009):
  every positively homogeneous φ = A·relu(x) + B·relu(−x) (ReLU: A=1, B=0; leaky ReLU
  with slope s: A=1, B=−s; |x|: A=B=1; the identity: A=1, B=−1). With
  J(θ) = (sin θ + (π − θ) cos θ)/(2π) = E[relu(ξ)relu(η)] for unit variances,

      F = √(ab) [(A² + B²) J(θ) + 2AB J(π − θ)],
      Ḟ = (A² + B²)(π − θ)/(2π) − 2AB θ/(2π).

* **arc-cosine, degree 0** (steps) φ = A·H(x) + C:  F = A²(π − θ)/(2π) + AC + C²
  (φ′ has a Dirac mass: no NTK).
* **erf** φ = A·erf(βx) (Williams, "Computing with infinite networks", NeurIPS 1997):

      F = A² (2/π) arcsin( 2β²c / √((1 + 2β²a)(1 + 2β²b)) ),
      Ḟ = A² (4β²/π) / √((1 + 2β²a)(1 + 2β²b) − 4β⁴c²).

* **GELU** φ = xΦ(x): writing Φ(u) = P(ξ ≤ u) with ξ ~ N(0, 1) independent,
  F = E[uv 1{s > 0, t > 0}] with s = u − ξ₁, t = v − ξ₂, a truncated second moment of a
  bivariate normal (derivation in :func:`gelu_pair`), and Ḟ = ∂F/∂c (the kernel of
  neural-tangents' ``stax.Gelu``, Novak et al., ICLR 2020).

Every formula is checked against independent quadrature in ``tests/test_kernels.py``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

__all__ = ["ClosedForm", "detect_closed_form", "gelu_pair"]

_TWO_PI = 2.0 * math.pi


@dataclass(frozen=True)
class ClosedForm:
    """A family and its constants; :meth:`pair` evaluates F and Ḟ elementwise.

    ``pair(a, b, c, ntk)`` takes arrays of Var u, Var v (broadcastable) and Cov(u, v) and
    returns (F, Ḟ or None). ``method`` names the formula for the output.
    """
    family: str
    constants: tuple
    method: str
    has_derivative: bool = True

    def pair(self, a, b, c, ntk: bool = True):
        return _PAIRS[self.family](self.constants, a, b, c, ntk)

    def diagonal(self, q, ntk: bool = True):
        """F(q, q, q) and Ḟ(q, q, q) (one input with itself)."""
        q = np.asarray(q, dtype=float)
        # c = √(q·q) as _corr computes it, so that ρ = 1 exactly (arccos is ill-conditioned at 1)
        return self.pair(q, q, np.sqrt(q * q), ntk)


def _corr(a, b, c):
    """ρ = c/√(ab) clipped to [−1, 1], and √(ab); ρ = 0 where a or b vanishes."""
    s = np.sqrt(a * b)
    if np.all(s > 0):
        rho = np.asarray(np.divide(c, s), dtype=float)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.asarray(np.where(s > 0, c / np.where(s > 0, s, 1.0), 0.0), dtype=float)
    np.clip(rho, -1.0, 1.0, out=rho)
    return rho, s


def _affine(k, a, b, c, ntk):
    alpha, beta = k
    F = alpha * alpha * np.asarray(c, dtype=float) + beta * beta
    return F, (np.full(np.shape(F), alpha * alpha) if ntk else None)


def _arccos1(k, a, b, c, ntk):
    A, B = k
    rho, s = _corr(a, b, c)
    theta = np.arccos(rho)
    sin = np.sqrt(np.maximum(1.0 - rho * rho, 0.0))
    # J(θ) = (sin θ + (π − θ)cos θ)/2π and J(π − θ) = (sin θ − θ cos θ)/2π
    J = (sin + (math.pi - theta) * rho) / _TWO_PI
    F = (A * A + B * B) * J
    if A * B != 0:
        F = F + 2 * A * B * (sin - theta * rho) / _TWO_PI
    F = F * s
    dF = None
    if ntk:
        dF = ((A * A + B * B) * (math.pi - theta) - 2 * A * B * theta) / _TWO_PI
    return F, dF


def _arccos0(k, a, b, c, ntk):
    A, C = k
    rho, _ = _corr(a, b, c)
    F = A * A * (math.pi - np.arccos(rho)) / _TWO_PI + A * C + C * C
    return F, None


def _erf(k, a, b, c, ntk):
    A, beta = k
    b2 = beta * beta
    den = (1.0 + 2.0 * b2 * np.asarray(a, dtype=float)) * (1.0 + 2.0 * b2 * np.asarray(b, dtype=float))
    arg = np.clip(2.0 * b2 * np.asarray(c, dtype=float) / np.sqrt(den), -1.0, 1.0)
    F = A * A * (2.0 / math.pi) * np.arcsin(arg)
    dF = None
    if ntk:
        dF = A * A * (4.0 * b2 / math.pi) / np.sqrt(np.maximum(den - 4.0 * b2 * b2 * np.asarray(c) ** 2, 1e-300))
    return F, dF


def gelu_pair(a, b, c, ntk: bool = False):
    r"""E[uΦ(u) vΦ(v)] (and E[φ′(u)φ′(v)]) for (u, v) ~ N(0, [[a, c], [c, b]]), φ = xΦ(x).

    With s = u − ξ₁, t = v − ξ₂ (ξ independent N(0, 1)), w = (s, t) has covariance
    [[A, c], [c, B]], A = a + 1, B = b + 1, Δ = AB − c². Regressing u, v on w,
    E[uv 1{w > 0}] = (c/Δ)P + αᵀE[wwᵀ1{w > 0}]β with the truncated moments of a bivariate
    normal; it simplifies to

        F = cP + (abΔ + c²)/(2π AB √Δ),     P = 1/4 + arcsin(c/√(AB))/(2π),

    and Price's theorem gives Ḟ = ∂F/∂c = P + c/(2π√Δ) + c((2 − ab)Δ + c²)/(2π AB Δ^{3/2}).
    On the diagonal (a = b = c = q) F is q[1/4 + arcsin(q/(1+q))/2π + q/(π(1+q)√(1+2q))].
    """
    A, B = a + 1.0, b + 1.0
    AB = A * B
    D = np.maximum(AB - c * c, 1e-300)
    sD = np.sqrt(D)
    P = 0.25 + np.arcsin(np.clip(c / np.sqrt(AB), -1.0, 1.0)) / _TWO_PI
    ab = a * b
    F = c * P + (ab * D + c * c) / (_TWO_PI * AB * sD)
    if not ntk:
        return F, None
    dF = P + c / (_TWO_PI * sD) + c * ((2.0 - ab) * D + c * c) / (_TWO_PI * AB * D * sD)
    return F, dF


def _gelu(k, a, b, c, ntk):
    A, = k
    F, dF = gelu_pair(np.asarray(a, dtype=float), np.asarray(b, dtype=float), np.asarray(c, dtype=float), ntk)
    return A * A * F, (None if dF is None else A * A * dF)


_PAIRS = {"affine": _affine, "arccos1": _arccos1, "arccos0": _arccos0, "erf": _erf, "gelu": _gelu}


def _num(v) -> Optional[float]:
    import sympy as sp
    v = sp.nsimplify(v) if not isinstance(v, sp.Basic) else v
    if v.free_symbols or not v.is_number:
        return None
    try:
        f = complex(sp.N(v, 30))
    except (TypeError, ValueError):
        return None
    if abs(f.imag) > 1e-14 or not math.isfinite(f.real):
        return None
    return f.real


def detect_closed_form(activation) -> Optional[ClosedForm]:
    """The closed-form family of an activation (an :class:`~rmtsym.activation.Activation`
    with no free parameter), or None. Recognised symbolically, never by evaluation of
    user text: positive homogeneity of degree 1 or 0 on each half-line, or a match of
    A·erf(βx), or the GELU xΦ(x)."""
    import sympy as sp
    from ...symbols import x

    e = sp.sympify(activation.expr)
    if e.free_symbols - {x}:
        return None
    p = sp.Symbol("p", positive=True)
    try:
        # affine
        d2 = sp.simplify(sp.diff(e, x, 2))
        if d2 == 0:
            alpha, beta = _num(sp.diff(e, x)), _num(e.subs(x, 0))
            if alpha is not None and beta is not None:
                return ClosedForm("affine", (alpha, beta), "closed form (affine: α²c + β²)")
        ep, em = e.subs(x, p), e.subs(x, -p)
        A1, B1 = ep.subs(p, 1), em.subs(p, 1)
        # positively homogeneous of degree 1: φ = A relu(x) + B relu(−x)
        if sp.simplify(ep - p * A1) == 0 and sp.simplify(em - p * B1) == 0:
            A, B = _num(A1), _num(B1)
            if A is not None and B is not None:
                return ClosedForm("arccos1", (A, B),
                                  "closed form (arc-cosine kernel of degree 1, Cho & Saul 2009)")
        # constant on each half-line: φ = A H(x) + C
        if sp.simplify(sp.diff(ep, p)) == 0 and sp.simplify(sp.diff(em, p)) == 0:
            A, C = _num(A1 - B1), _num(B1)
            if A is not None and C is not None:
                return ClosedForm("arccos0", (A, C),
                                  "closed form (arc-cosine kernel of degree 0, Cho & Saul 2009)",
                                  has_derivative=(A == 0))
        if e.has(sp.erf):
            Aw, Bw = sp.Wild("A", exclude=[x]), sp.Wild("B", exclude=[x])
            m = e.match(Aw * sp.erf(Bw * x))
            if m and m.get(Bw) is not None:
                A, beta = _num(m[Aw]), _num(m[Bw])
                if A is not None and beta is not None and beta != 0:
                    return ClosedForm("erf", (A, abs(beta) if A * beta > 0 else abs(beta)) if False else (A * (1 if beta > 0 else -1), abs(beta)),
                                      "closed form (Williams 1997 arcsine kernel)")
            gelu = x * (1 + sp.erf(x / sp.sqrt(2))) / 2
            ratio = sp.simplify(e / gelu)
            if ratio.is_number:
                A = _num(ratio)
                if A is not None:
                    return ClosedForm("gelu", (A,), "closed form (GELU, truncated bivariate normal moments)")
    except (TypeError, ValueError, NotImplementedError, AttributeError):
        return None
    return None
