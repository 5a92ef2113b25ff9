"""The Pennington–Bahri model of Hessian spectra at critical points of the loss.

Pennington & Bahri, "Geometry of neural network loss surfaces via random matrix theory",
ICML 2017 (PMLR 70:2798–2806). H = H0 + H1 with H0 = JJᵀ the Gauss–Newton part, modelled
as Wishart (MP_φ with mean 1, R0(g) = 1/(1 − φg)), and H1 the residual part, modelled as a
Wigner matrix with variance 2ε (R1(g) = 2εg), free of H0. ε is the energy (loss) of the
critical point and φ the ratio of parameters to data points. Hence

    law(H) = MP_φ ⊞ SC(2ε),      R_H(g) = 1/(1 − φg) + 2εg.

Two evaluations of the same law live here:

* exact/high precision: the algebraic equation is built by
  :func:`rmtsym.algebraic.semicircle_sum` on the MP quadratic and solved by
  :class:`rmtsym.law.SpectralLaw` (branch solver) — :func:`hessian_law`, :func:`index`;
* double precision, vectorised, for sweeps and figures: the same equation written as the cubic
  2εφ G³ − (2ε + φz) G² + (z − 1 + φ) G − 1 = 0 (from z = R_H(G) + 1/G), whose complex pair
  gives ρ(x) = |Im G(x)|/π, with the edges at the real critical values of
  z(g) = R_H(g) + 1/g — :func:`density`, :func:`support`, :func:`index_float`.

The index α(ε, φ) is the fraction of negative eigenvalues, P(λ < 0). For φ < 1 the left
edge crosses 0 at the critical energy

    ε_c(φ) = (1/16)(1 − 20φ − 8φ² + (1 + 8φ)^{3/2}),

α = 0 below it and α ≈ α0 |(ε − ε_c)/ε_c|^{3/2} just above (:func:`alpha0` gives α0 in
closed form from the edge expansion, :func:`exponent_fit` fits the exponent). For φ ≥ 1 the
Wishart part has an atom at 0 (φ > 1) or a hard edge, so α > 0 for every ε > 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ...errors import ParameterError, RmtsymError
from ...numbers import Certified, check_dps

__all__ = ["hessian_equation", "hessian_law", "critical_energy", "critical_energy_edge",
           "index", "index_exponent", "sample_hessian_eigenvalues", "HessianSummary",
           "hessian_summary", "check_phi_epsilon", "support", "atoms", "density", "index_float",
           "cdf_grid", "critical_energy_float", "alpha0", "ExponentFit", "exponent_fit",
           "MAX_PHI", "MAX_EPSILON", "ModelSweep", "model_sweep", "MAX_SWEEP_VALUES",
           "MAX_SWEEP_ROWS"]


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
    from ...algebraic import semicircle_sum
    from ...pennington_worah import marchenko_pastur_equation
    p = _exact(phi, "phi")
    e = _exact(epsilon, "epsilon", positive=False)
    mp = marchenko_pastur_equation(p, 1)
    if e == 0:
        return mp
    return semicircle_sum(mp, 2 * e)


def hessian_law(phi, epsilon, dps: int = 30):
    """The :class:`rmtsym.law.SpectralLaw` of the Hessian model MP_φ ⊞ SC(2ε)."""
    from ...law import SpectralLaw
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
    z′(g) = 0 have a common root g < 0::

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
    phase = _phase(float(p), float(_exact(epsilon, "epsilon", positive=False)), float(alpha.value))
    return HessianSummary(phi, epsilon, law.intervals(), law.atoms(), alpha, ec, phase)


# ============================================================================ double precision
#: largest φ and ε accepted by the double-precision path (the cubic's coefficients stay O(1)·φ)
MAX_PHI = 1.0e4
MAX_EPSILON = 1.0e4
_GL_NODES = 96


def check_phi_epsilon(phi, epsilon):
    """Validate (φ, ε) for the double-precision path: φ > 0, ε ≥ 0, both finite and bounded.

    Raises :class:`rmtsym.errors.ParameterError` with one sentence otherwise.
    """
    out = []
    for value, name, positive, cap in ((phi, "phi", True, MAX_PHI), (epsilon, "epsilon", False, MAX_EPSILON)):
        if isinstance(value, bool):
            raise ParameterError(f"{name} must be a number, got {value!r}")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"{name} must be a number, got {value!r}") from None
        if not math.isfinite(v):
            raise ParameterError(f"{name} must be a finite number, got {value!r}")
        if positive and not v > 0:
            raise ParameterError(f"{name} must be positive, got {value!r}")
        if not positive and v < 0:
            raise ParameterError(f"{name} must be non-negative, got {value!r}")
        if v > cap:
            raise ParameterError(f"{name} must be at most {cap:g}, got {value!r}")
        out.append(v)
    return out[0], out[1]


def _cubic_roots(z, phi, v):
    """All roots G of vφG³ − (v + φz)G² + (z − 1 + φ)G − 1 = 0 (v > 0), batched over z."""
    z = np.asarray(z, dtype=complex).ravel()
    c3 = v * phi
    comp = np.zeros((z.size, 3, 3), dtype=complex)
    comp[:, 0, 0] = (v + phi * z) / c3
    comp[:, 0, 1] = -(z - 1 + phi) / c3
    comp[:, 0, 2] = 1.0 / c3
    comp[:, 1, 0] = 1.0
    comp[:, 2, 1] = 1.0
    return np.linalg.eigvals(comp)


def _mp_density(x, phi):
    a, b = (1 - math.sqrt(phi)) ** 2, (1 + math.sqrt(phi)) ** 2
    out = np.zeros_like(x)
    inside = (x > a) & (x < b) & (x > 0)
    xi = x[inside]
    out[inside] = np.sqrt((b - xi) * (xi - a)) / (2 * math.pi * phi * xi)
    return out


def _raw_density(x, phi, v):
    roots = _cubic_roots(x, phi, v)
    return np.max(np.abs(roots.imag), axis=1) / math.pi


def _z_of_g(g, phi, v):
    return 1 / (1 - phi * g) + v * g + 1 / g


def support(phi, epsilon):
    """Support intervals [(a, b), ...] of MP_φ ⊞ SC(2ε) (double precision).

    The edges are the real critical values z(g) of z(g) = 1/(1 − φg) + 2εg + 1/g, i.e. the
    real roots of 2εφ²g⁴ − 4εφg³ + (2ε + φ − φ²)g² + 2φg − 1 = 0 (z′(g) = 0 times
    g²(1 − φg)²); an interval between consecutive candidate edges belongs to the support when
    the density is positive at its midpoint. For ε = 0 it is MP's [(1 − √φ)², (1 + √φ)²]
    (the atom of mass 1 − 1/φ at 0 for φ > 1 is reported by :func:`atoms`).
    """
    p, e = check_phi_epsilon(phi, epsilon)
    if e == 0:
        return [((1 - math.sqrt(p)) ** 2, (1 + math.sqrt(p)) ** 2)]
    v = 2 * e
    g = np.roots([v * p * p, -2 * v * p, v + p - p * p, 2 * p, -1.0])
    g = g[np.abs(g.imag) <= 1e-9 * np.maximum(1.0, np.abs(g))].real
    g = g[(np.abs(g) > 1e-300) & (np.abs(1 - p * g) > 1e-14)]
    edges = np.unique(np.round(_z_of_g(g, p, v), 14))
    if edges.size < 2:  # pragma: no cover - the largest and smallest critical values always exist
        raise RmtsymError("could not locate the support of MP ⊞ SC")
    mids = 0.5 * (edges[:-1] + edges[1:])
    width = edges[-1] - edges[0]
    inside = _raw_density(mids, p, v) > 1e-10 * max(1.0, 1 / width)
    out = []
    for i, ok in enumerate(inside):
        if not ok:
            continue
        if out and out[-1][1] == edges[i]:
            out[-1] = (out[-1][0], float(edges[i + 1]))
        else:
            out.append((float(edges[i]), float(edges[i + 1])))
    return out


def atoms(phi, epsilon):
    """Atoms [(x, mass)]: only MP's atom 1 − 1/φ at 0 when ε = 0 and φ > 1."""
    p, e = check_phi_epsilon(phi, epsilon)
    return [(0.0, 1 - 1 / p)] if (e == 0 and p > 1) else []


def density(x, phi, epsilon):
    """ρ(x) of MP_φ ⊞ SC(2ε) on an array of real x (double precision, vectorised).

    ρ(x) = |Im G(x)|/π, where G is the complex root of the cubic
    2εφG³ − (2ε + φx)G² + (x − 1 + φ)G − 1 = 0 (Pennington & Bahri 2017 R-transform
    1/(1 − φg) + 2εg); 0 outside :func:`support`. For ε = 0, the MP density (the atom at 0
    for φ > 1 is not included).
    """
    p, e = check_phi_epsilon(phi, epsilon)
    x = np.asarray(x, dtype=float)
    flat = x.ravel()
    if e == 0:
        return _mp_density(flat, p).reshape(x.shape)
    out = np.zeros_like(flat)
    for a, b in support(p, e):
        inside = (flat > a) & (flat < b)
        if inside.any():
            out[inside] = _raw_density(flat[inside], p, 2 * e)
    return out.reshape(x.shape)


def _gl(n=_GL_NODES):
    t, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (t + 1), 0.5 * w                                   # on [0, 1]


def _integral(a, b, upper, p, v):
    """∫_a^{min(b, upper)} ρ: θ-substitution at two soft edges, u² at one."""
    t, w = _gl()
    if upper >= b:
        c, r = 0.5 * (a + b), 0.5 * (b - a)
        th = math.pi * t
        xs = c - r * np.cos(th)
        return float(np.sum(w * math.pi * _raw_density(xs, p, v) * r * np.sin(th)))
    length = upper - a
    xs = a + length * t * t
    return float(np.sum(w * _raw_density(xs, p, v) * 2 * length * t))


def index_float(phi, epsilon) -> float:
    """α(ε, φ) = P(λ < 0) under MP_φ ⊞ SC(2ε), in double precision (≈ 1e-13 absolute).

    Gauss–Legendre quadrature of the cubic's density over the part of the support below 0,
    with the substitution x = c − r cos θ (two square-root edges) or x = a + (0 − a)u² (one).
    Checked against :func:`index` (branch solver) and against a subordination fixed point and
    GOE + Wishart simulations in the tests.
    """
    p, e = check_phi_epsilon(phi, epsilon)
    if e == 0:
        return 0.0
    v = 2 * e
    total = 0.0
    for a, b in support(p, e):
        if a < 0:
            total += _integral(a, b, 0.0, p, v)
    return min(max(total, 0.0), 1.0)


def cdf_grid(phi, epsilon, points: int = 2001):
    """(x, F(x)) on a grid over the support, F the CDF of MP_φ ⊞ SC(2ε) (atoms included).

    Each interval is parametrised by θ (x = c − r cos θ), integrated by the trapezoid rule
    in θ (the integrand vanishes like sin²θ at the edges), accurate to ~1e-6; used for
    Kolmogorov distances.
    """
    p, e = check_phi_epsilon(phi, epsilon)
    xs, fs, acc = [], [], 0.0
    for a, b in support(p, e):
        c, r = 0.5 * (a + b), 0.5 * (b - a)
        th = np.linspace(0, math.pi, points)
        x = c - r * np.cos(th)
        rho = density(x, p, e) if e == 0 else np.concatenate(
            [[0.0], _raw_density(x[1:-1], p, 2 * e), [0.0]])
        f = rho * r * np.sin(th)
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(th))])
        for x0, mass in atoms(p, e):
            if x0 <= a:
                acc += mass
        xs.append(x)
        fs.append(acc + cum)
        acc += cum[-1]
    x, f = np.concatenate(xs), np.concatenate(fs)
    return x, f / max(acc, 1e-300)


def critical_energy_float(phi) -> float:
    """ε_c(φ) = (1 − 20φ − 8φ² + (1 + 8φ)^{3/2})/16 in double precision (0 < φ < 1)."""
    p, _ = check_phi_epsilon(phi, 0)
    if not p < 1:
        raise ParameterError("the critical energy exists only for φ < 1 (for φ ≥ 1 the index is "
                             "positive at every energy ε > 0)")
    return (1 - 20 * p - 8 * p * p + (1 + 8 * p) ** 1.5) / 16


def _edge_point(p):
    """g_c < 0 with z(g_c) = z′(g_c) = 0 at v = 2ε_c (the left edge at 0)."""
    from scipy.optimize import brentq
    vfun = lambda g: 1 / g ** 2 - p / (1 - p * g) ** 2
    h = lambda g: 1 / (1 - p * g) + vfun(g) * g + 1 / g
    lo = -1.0
    while h(lo) < 0:
        lo *= 2
    return brentq(h, lo, -1e-12, xtol=1e-16, rtol=1e-15, maxiter=200)


def alpha0(phi) -> float:
    r"""The prefactor of the 3/2 law, α ≈ α0 ((ε − ε_c)/ε_c)^{3/2} as ε ↓ ε_c (φ < 1).

    Near the left edge a(ε), ρ(x) ≈ (1/π)√(2(x − a)/|z″(g_c)|) with z(g) = 1/(1 − φg) + 2εg + 1/g
    and z′(g_c) = 0, so α ≈ (2/3π)√(2/|z″(g_c)|)·|a|^{3/2}; by the envelope theorem
    da/dε = ∂z/∂ε = 2g_c, so |a| ≈ 2|g_c| ε_c r with r = (ε − ε_c)/ε_c. Hence

        α0 = (2/3π) √(2/|z″(g_c)|) (2|g_c| ε_c)^{3/2},   z″(g) = 2φ²/(1 − φg)³ + 2/g³.
    """
    p = float(phi)
    ec = critical_energy_float(p)
    g = _edge_point(p)
    z2 = 2 * p * p / (1 - p * g) ** 3 + 2 / g ** 3
    return 2 / (3 * math.pi) * math.sqrt(2 / abs(z2)) * (2 * abs(g) * ec) ** 1.5


@dataclass
class ExponentFit:
    """Least-squares fit log α = log α0 + p log r + Σ_j c_j r^j over r = (ε − ε_c)/ε_c ∈ [r_min, r_max]."""
    phi: float
    exponent: float
    ci95: tuple
    alpha0_fit: float
    alpha0_exact: float
    r_range: tuple
    points: int
    method: str


def exponent_fit(phi, r_min: float = 1e-3, r_max: float = 3e-2, points: int = 12,
                 corrections: int = 2) -> ExponentFit:
    """Fit the exponent of α(ε) ∝ ((ε − ε_c)/ε_c)^p just above ε_c, with a 95 % interval.

    α is evaluated by :func:`index_float` at ``points`` log-spaced r in [r_min, r_max]; the
    regression includes ``corrections`` analytic corrections c1·r + c2·r² + … (the next terms
    of the edge expansion; 0 gives the pure power law), and the interval is the t-interval of the regression (it measures how well the three-term form
    describes the model values over that range, not a sampling error). The theory value is
    p = 3/2 with α0 = :func:`alpha0`.
    """
    from scipy import stats
    p = float(phi)
    ec = critical_energy_float(p)
    if not (0 < r_min < r_max <= 1) or points < 4:
        raise ParameterError("the fit range must satisfy 0 < r_min < r_max ≤ 1 with at least 4 points")
    r = np.geomspace(r_min, r_max, int(points))
    alpha = np.array([index_float(p, ec * (1 + ri)) for ri in r])
    if np.any(alpha <= 0):
        raise RmtsymError(f"the index vanished above ε_c at φ = {p:g}; the fit range is too close")
    X = np.column_stack([np.ones_like(r), np.log(r)] + [r ** j for j in range(1, corrections + 1)])
    y = np.log(alpha)
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    dof = len(r) - X.shape[1]
    if dof < 1:
        raise ParameterError("the fit needs more points than parameters")
    s2 = float(resid @ resid) / dof
    cov = s2 * np.linalg.inv(X.T @ X)
    half = stats.t.ppf(0.975, dof) * math.sqrt(cov[1, 1])
    return ExponentFit(p, float(coef[1]), (float(coef[1] - half), float(coef[1] + half)),
                       float(math.exp(coef[0])), alpha0(p), (r_min, r_max), int(points),
                       f"log α = log α0 + p log r + (polynomial of degree {corrections} in r), "
                       "least squares on index_float values")


# ============================================================================ sweeps
#: limits of a sweep (table rows, values per list, plotted densities)
MAX_SWEEP_VALUES = 40
MAX_SWEEP_ROWS = 400


@dataclass
class ModelSweep:
    """The model over a grid of (φ, ε): table rows, α(ε) curves, densities, exponent fits.

    Attributes
    ----------
    rows : list of dict
        One per (φ, ε): ``phi, epsilon, index, left_edge, right_edge, support, critical_energy,
        phase`` (floats; ``critical_energy`` None for φ ≥ 1).
    curves : dict φ → (ε grid, α on it)
        α(ε, φ) on a dense ε grid for the α-against-ε figure.
    densities : dict φ → list of (ε, x grid, ρ(x))
    fits : dict φ → (ExponentFit with corrections, ExponentFit pure power law), φ < 1 only.
    method : str
    """
    phis: list
    epsilons: list
    rows: list
    curves: dict
    densities: dict
    fits: dict
    method: str


def _phase(p, e, alpha):
    if p >= 1:
        return "index > 0 at every energy ε > 0 (φ ≥ 1)" if e > 0 else "ε = 0: index 0 (φ ≥ 1)"
    return "minimum-like (index 0)" if alpha == 0 else "saddle (index > 0)"


def model_sweep(phis, epsilons, curve_points: int = 160, density_points: int = 500,
                fit: bool = True) -> ModelSweep:
    """Evaluate the Pennington–Bahri model on every (φ, ε) pair (double precision).

    The α(ε) curve of each φ runs from 0 to 1.25·max(ε, 2ε_c) with extra points just above
    ε_c; densities are drawn on a grid spanning all supports of that φ. Inputs are validated
    (φ > 0, ε ≥ 0, finite, at most :data:`MAX_SWEEP_VALUES` values of each and
    :data:`MAX_SWEEP_ROWS` pairs) before anything is computed.
    """
    phis = [check_phi_epsilon(p, 0)[0] for p in phis]
    epsilons = [check_phi_epsilon(1, e)[1] for e in epsilons]
    if not phis or not epsilons:
        raise ParameterError("give at least one value of φ and one of ε")
    if len(phis) > MAX_SWEEP_VALUES or len(epsilons) > MAX_SWEEP_VALUES:
        raise ParameterError(f"at most {MAX_SWEEP_VALUES} values of φ and of ε are allowed")
    if len(phis) * len(epsilons) > MAX_SWEEP_ROWS:
        raise ParameterError(f"at most {MAX_SWEEP_ROWS} (φ, ε) pairs are allowed")
    if not 8 <= curve_points <= 5000 or not 16 <= density_points <= 20000:
        raise ParameterError("curve_points must lie in [8, 5000] and density_points in [16, 20000]")
    rows, curves, dens, fits = [], {}, {}, {}
    for p in phis:
        ec = critical_energy_float(p) if p < 1 else None
        for e in epsilons:
            a = index_float(p, e)
            sup = support(p, e)
            rows.append({"phi": p, "epsilon": e, "index": a, "left_edge": sup[0][0],
                         "right_edge": sup[-1][1], "support": sup, "atoms": atoms(p, e),
                         "critical_energy": ec, "phase": _phase(p, e, a)})
        top = 1.25 * max(max(epsilons), 2 * ec if ec else 0.0, 1e-3)
        grid = np.linspace(0, top, curve_points)
        if ec:
            grid = np.unique(np.concatenate([grid, ec * (1 + np.geomspace(1e-4, 0.5, 24)), [ec]]))
        curves[p] = (grid, np.array([index_float(p, g) for g in grid]))
        lo = min(s[0] for e in epsilons for s in support(p, e))
        hi = max(s[1] for e in epsilons for s in support(p, e))
        pad = 0.04 * (hi - lo)
        xs = np.linspace(lo - pad, hi + pad, density_points)
        dens[p] = [(e, xs, density(xs, p, e)) for e in epsilons]
        if fit and ec:
            fits[p] = (exponent_fit(p), exponent_fit(p, corrections=0))
    return ModelSweep(phis, epsilons, rows, curves, dens, fits,
                      "double precision: cubic for G(x), Gauss–Legendre quadrature of the density "
                      "below 0 (square-root edge substitutions)")
