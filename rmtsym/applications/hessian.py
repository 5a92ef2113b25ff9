"""Hessian spectra at critical points of the loss (Pennington & Bahri, ICML 2017; theory.md §5.3).

Model. H = H0 + H1 with H0 = JJᵀ the Gauss–Newton part, modelled as Wishart (MP_φ with
mean 1, R0(g) = 1/(1 − φg)), and H1 the residual part, modelled as a Wigner matrix with
variance 2ε (R1(g) = 2εg), free of H0. ε is the energy (loss) of the critical point and φ
the ratio of parameters to data points. Hence

    law(H) = MP_φ ⊞ SC(2ε),      R_H(g) = 1/(1 − φg) + 2εg,

built exactly by :func:`rmtsym.algebraic.semicircle_sum` on the MP quadratic, and solved
by :class:`rmtsym.law.SpectralLaw` (branch solver). The index α(ε, φ) is the fraction of
negative eigenvalues, the law's CDF at 0. For φ < 1 the left edge of the spectrum crosses 0
at the critical energy (Pennington & Bahri, eq. for ε_c)

    ε_c(φ) = (1/16)(1 − 20φ − 8φ² + (1 + 8φ)^{3/2}),

with α = 0 below ε_c and α ≈ α0 |(ε − ε_c)/ε_c|^{3/2} just above it. For φ ≥ 1 the
Wishart part has an atom at 0 (φ > 1) or a hard edge, so α > 0 for every ε > 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ..errors import ParameterError, RmtsymError
from ..numbers import Certified, check_dps

__all__ = ["hessian_equation", "hessian_law", "critical_energy", "critical_energy_edge",
           "index", "index_exponent", "sample_hessian_eigenvalues", "HessianSummary",
           "hessian_summary"]


def _exact(v, name, positive=True):
    if isinstance(v, bool):
        raise ParameterError(f"{name} must be a number")
    try:
        e = sp.Rational(str(v).strip()) if not isinstance(v, sp.Basic) else sp.nsimplify(v)
    except (TypeError, ValueError, sp.SympifyError):
        raise ParameterError(f"{name} must be a number, got {v!r}") from None
    if not e.is_real or not e.is_finite or (positive and not e > 0) or (not positive and e < 0):
        raise ParameterError(f"{name} must be {'positive' if positive else 'non-negative'}, got {v}")
    return e


def hessian_equation(phi, epsilon):
    """The algebraic equation Q(G, z) = 0 of MP_φ ⊞ SC(2ε) (exact rationals in, SpectralEquation out)."""
    from ..algebraic import semicircle_sum
    from ..pennington_worah import marchenko_pastur_equation
    p = _exact(phi, "phi")
    e = _exact(epsilon, "epsilon", positive=False)
    mp = marchenko_pastur_equation(p, 1)
    if e == 0:
        return mp
    return semicircle_sum(mp, 2 * e)


def hessian_law(phi, epsilon, dps: int = 30):
    """The :class:`rmtsym.law.SpectralLaw` of the Hessian model MP_φ ⊞ SC(2ε)."""
    from ..law import SpectralLaw
    return SpectralLaw(hessian_equation(phi, epsilon), dps=check_dps(dps),
                       name=f"MP({phi}) [+] SC(2*{epsilon})")


def critical_energy(phi, dps: int = 30) -> Certified:
    """ε_c(φ) = (1/16)(1 − 20φ − 8φ² + (1 + 8φ)^{3/2}) for 0 < φ < 1 (Pennington & Bahri 2017)."""
    p = _exact(phi, "phi")
    if not p < 1:
        raise ParameterError("the critical energy exists only for φ < 1 (for φ ≥ 1 the index is "
                             "positive at every energy)")
    expr = (1 - 20 * p - 8 * p ** 2 + (1 + 8 * p) ** sp.Rational(3, 2)) / 16
    dps = check_dps(dps)
    with mpmath.workdps(dps + 5):
        val = mpmath.mpf(sp.N(expr, dps + 10)._mpf_)
    return Certified(val, dps, "closed form", expr)


def critical_energy_edge(phi, dps: int = 30) -> Certified:
    r"""ε_c from the edge condition, independently of the closed form.

    The real edges of a law with R-transform R are the critical values of
    z(g) = R(g) + 1/g. With R(g) = 1/(1 − φg) + v g, the left edge is 0 when z(g) = 0 and
    z′(g) = 0 have a common root g < 0:
        1/(1 − φg) + v g + 1/g = 0,    φ/(1 − φg)² + v − 1/g² = 0.
    Eliminating v = 1/g² − φ/(1 − φg)² leaves one equation in g, solved by mpmath's
    root finder; ε_c = v/2.
    """
    p = _exact(phi, "phi")
    dps = check_dps(dps)
    with mpmath.workdps(dps + 10):
        ph = mpmath.mpf(sp.N(p, dps + 15)._mpf_)
        vfun = lambda g: 1 / g ** 2 - ph / (1 - ph * g) ** 2
        h = lambda g: 1 / (1 - ph * g) + vfun(g) * g + 1 / g
        # h → −∞ as g → 0−, and h(g) → 1/(1 − φg) − φg/(1 − φg)² > 0 for g → −∞ when φ < 1:
        # bracket the root between
        lo, hi = mpmath.mpf(-1), mpmath.mpf("-1e-8")
        while h(lo) < 0:
            lo *= 2
            if lo < -1e12:
                raise RmtsymError("no edge at 0 for this φ")
        g = mpmath.findroot(h, (lo, hi), solver="anderson")
        v = vfun(g)
        return Certified(v / 2, dps, "edge condition (root of z(g) = z′(g) = 0 at z = 0)")


def index(phi, epsilon, dps: int = 30) -> Certified:
    """α(ε, φ): the fraction of negative Hessian eigenvalues, P(λ < 0) under MP_φ ⊞ SC(2ε)."""
    law = hessian_law(phi, epsilon, dps)
    a, b = law.support()
    if a >= 0:
        return Certified(mpmath.mpf(0), check_dps(dps), "left edge ≥ 0", sp.Integer(0))
    # continuous at 0 once ε > 0 (no atom survives the semicircle convolution)
    return law.cdf_mp("0", dps=min(dps, 20))


def index_exponent(phi, rel=(1e-3, 4e-3), dps: int = 20):
    """Fit α ∝ ((ε − ε_c)/ε_c)^p at two relative distances above ε_c; returns (p, α0)."""
    ec = critical_energy(phi, dps + 5).value
    pts = []
    for r in rel:
        with mpmath.workdps(dps + 5):
            eps = ec * (1 + mpmath.mpf(r))
        alpha = index(phi, sp.Rational(mpmath.nstr(eps, dps + 3)), dps).value
        pts.append((mpmath.mpf(r), alpha))
    (r1, a1), (r2, a2) = pts
    p = mpmath.log(a2 / a1) / mpmath.log(r2 / r1)
    return p, a1 / r1 ** p


def sample_hessian_eigenvalues(phi, epsilon, n: int = 1000, seed: int = 0) -> np.ndarray:
    """Eigenvalues of one draw of H = XXᵀ/m + √(2ε) GOE_n (n×n, φ = n/m, GOE off-diagonal
    variance 1/n), the Monte Carlo counterpart of the model."""
    rng = np.random.default_rng(seed)
    m = int(round(n / float(phi)))
    X = rng.standard_normal((n, m))
    H0 = X @ X.T / m
    A = rng.standard_normal((n, n))
    H1 = (A + A.T) / np.sqrt(2 * n) * np.sqrt(2 * float(epsilon))
    return np.linalg.eigvalsh(H0 + H1)


@dataclass
class HessianSummary:
    phi: object
    epsilon: object
    support: list
    atoms: list
    index: Certified
    critical_energy: object
    phase: str


def hessian_summary(phi, epsilon, dps: int = 20) -> HessianSummary:
    """Support, atoms, index and ε_c of the Pennington–Bahri model at (φ, ε)."""
    law = hessian_law(phi, epsilon, dps)
    alpha = index(phi, epsilon, dps)
    p = _exact(phi, "phi")
    ec = critical_energy(phi, dps) if p < 1 else None
    if ec is None:
        phase = "index > 0 at every energy (φ ≥ 1)"
    else:
        phase = "minimum-like (index 0)" if alpha.value == 0 else "saddle (index > 0)"
    return HessianSummary(phi, epsilon, law.intervals(), law.atoms(), alpha, ec, phase)
