"""Spectra of input–output Jacobians of deep random networks.

Pennington, Schoenholz & Ganguli, "Resurrecting the sigmoid ..." (NeurIPS 2017, arXiv:1711.04735);
Pastur (2020, arXiv:2001.06188), Pastur & Slavin (arXiv:2011.11439), Pastur (orthogonal case,
arXiv:2201.04543); theory.md §4 and §5.4.

J_L = D^L W^L ⋯ D^1 W^1, W^l of iid N(0, σw²/n) entries (or σw × Haar-orthogonal), equal
widths n, D^l = diag φ′(h^l); in the mean field every layer sits at the fixed point q* of
the length map (:mod:`rmtsym.networks.signal_propagation`). The limit law of M_L = J_L J_Lᵀ is

    ν_{M_L} = ⊠_l ( ν_{D_l²} ⊠ ν_{W_lW_lᵀ} ),     ν_{D²} = law of φ′(√q* Z)²,
    S_{M_L}(z) = Π_l S_{D_l²}(z) S_{W_lW_lᵀ}(z),  S_{WWᵀ} = σw^{-2}/(1 + z) (Gaussian), σw^{-2} (orthogonal).

Three outputs:
(i)  exact moments m_1..m_K from the S-transform series: S_{D²} from μ_k = E φ′(√q* Z)^{2k}
     by series reversion of ψ(u) = Σ μ_k u^k (χ = ψ^{-1}, S(z) = χ(z)(1 + z)/z; Voiculescu),
     product, and reversion back. m1 = χ^L with χ = σw² μ1, and
     m2/m1² − 1 = L(μ2/μ1² − 1 − s1), s1 = −1 (Gaussian), 0 (orthogonal).
(ii) the algebraic law when D² is 0/1-valued with P(D² = 1) = p (ReLU: p = 1/2, linear:
     p = 1; hard-tanh: p = erf(1/√(2q*))): S_{D²}(z) = (1 + z)/(p + z) is rational, so with
     ψ = zG − 1 the relation G = S(ψ)ψ becomes the polynomial equation
        Gaussian:    σw^{2L} G (p + zG − 1)^L − (zG − 1) = 0
        orthogonal:  σw^{2L} G (p + zG − 1)^L − (zG)^L (zG − 1) = 0,
     solved by :class:`rmtsym.solver.BranchSolver` for the density, support and atoms.
     For the linear Gaussian network (p = 1, σw = 1) it is the Fuss–Catalan law with
     λ_max = (L + 1)^{L+1}/L^L.
(iii) the density for any ν_{D²} (tanh, erf, ... as well as the 0/1 cases), numerically, by
     the S-transform relation solved for the spectral parameter. With u = χ_{D²}(w), i.e.
     w = ψ_{D²}(u) = E[u D²/(1 − u D²)], and w = zG − 1, the product formula gives z as an
     explicit function of u (:class:`JacobianDensity`):
        Gaussian:    z = (1 + w) σw^{2L} w^{L−1} / u^L
        orthogonal:  z = ((1 + w)/w) (σw² w / (u (1 + w)))^L,          G(z) = (1 + w)/z.
     ψ_{D²} is a one-dimensional Gaussian integral (composite Gauss–Legendre split at the
     kinks of φ′), and u(z) is followed by Newton continuation from z = x + iY (Y large,
     u ≈ σw^{2L} μ1^{L−1}/z) down to the real axis, so the branch is the one with
     zG(z) → 1 at infinity. The support's upper edge is the critical value of z(u) on
     (0, 1/max D²); for the 0/1 cases this reproduces the algebraic law of (ii).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import mpmath
import numpy as np
import sympy as sp

from .. import symbols as S
from ..errors import ParameterError, RmtsymError
from ..numbers import Certified, check_dps
from .integrals import integrals_for, to_mpf
from .signal_propagation import length_fixed_point

__all__ = ["derivative_moments", "s_transform_series", "jacobian_moments", "jacobian_equation",
           "jacobian_law", "JacobianDensity", "jacobian_density", "fuss_catalan_edge", "jacobian_moments_rectangular", "JacobianSpectrum", "jacobian_spectrum",
           "sample_jacobian_eigenvalues", "moments_from_s", "s_from_moments"]

MAX_ORDER = 12


# ---------------------------------------------------------------- power series (mpmath lists)
def _mul(a, b, K):
    out = [mpmath.mpf(0)] * (K + 1)
    for i, ai in enumerate(a[:K + 1]):
        if ai == 0:
            continue
        for j, bj in enumerate(b[:K + 1 - i]):
            out[i + j] += ai * bj
    return out


def _compose(f, g, K):
    """f(g(u)) truncated at u^K, g[0] = 0."""
    out = [mpmath.mpf(0)] * (K + 1)
    out[0] = f[0]
    power = [mpmath.mpf(1)] + [mpmath.mpf(0)] * K
    for j in range(1, min(len(f), K + 1)):
        power = _mul(power, g, K)
        for k in range(K + 1):
            out[k] += f[j] * power[k]
    return out


def _reversion(f, K):
    """g with f(g(u)) = u (f[0] = 0, f[1] ≠ 0), to order K."""
    if f[1] == 0:
        raise RmtsymError("the first moment vanishes; the S-transform does not exist")
    g = [mpmath.mpf(0), 1 / f[1]] + [mpmath.mpf(0)] * (K - 1)
    for n in range(2, K + 1):
        c = _compose(f, g, n)[n]
        g[n] = -c / f[1]
    return g


def s_from_moments(moments, K):
    """S-transform series s_0..s_{K−1} from moments m_1..m_K (S(z) = χ(z)(1 + z)/z)."""
    psi = [mpmath.mpf(0)] + [mpmath.mpf(m) for m in moments[:K]]
    chi = _reversion(psi, K)
    chi_over_z = chi[1:] + [mpmath.mpf(0)]
    return _mul(chi_over_z, [mpmath.mpf(1), mpmath.mpf(1)], K - 1)


def moments_from_s(s, K):
    """Moments m_1..m_K from the S-transform series (χ(z) = S(z) z/(1 + z), ψ = χ^{-1})."""
    geo = [mpmath.mpf((-1) ** j) for j in range(K + 1)]
    chi = [mpmath.mpf(0)] + _mul(s, geo, K - 1)
    psi = _reversion(chi, K)
    return psi[1:K + 1]


# ---------------------------------------------------------------- the per-layer laws
def derivative_moments(activation, q_star, K: int, dps: int = 30) -> List[Certified]:
    """μ_k = E φ′(√q* Z)^{2k}, k = 1..K (distributional φ′; quadrature split at the kinks)."""
    I = integrals_for(activation)
    df = I._df
    out = []
    for k in range(1, K + 1):
        vals = []
        for extra in (5, 15):
            with mpmath.workdps(dps + extra):
                q = to_mpf(q_star, "q_star", nonnegative=True)
                if q == 0:  # the limit q → 0+: half the mass on each side of 0
                    e = mpmath.mpf(10) ** (-(dps + 20))
                    vals.append((df(-e) ** (2 * k) + df(e) ** (2 * k)) / 2)
                else:
                    vals.append(I.gauss(lambda t, k=k: df(t) ** (2 * k), q))
        err = abs(vals[0] - vals[1]) / max(abs(vals[1]), mpmath.mpf(10) ** -(dps + 10))
        digits = dps if err == 0 else int(min(dps, max(0, -mpmath.log10(err) - 1)))
        out.append(Certified(vals[1], digits, "quadrature"))
    return out


def s_transform_series(mu, sigma_w, orthogonal: bool, K: int):
    """Series of S_{D²}(z)·S_{WWᵀ}(z) for one layer, coefficients z^0..z^{K−1}."""
    sd = s_from_moments(mu, K)
    sw2 = mpmath.mpf(sigma_w) ** 2
    if orthogonal:
        sW = [1 / sw2] + [mpmath.mpf(0)] * (K - 1)
    else:
        sW = [mpmath.mpf((-1) ** j) / sw2 for j in range(K)]
    return _mul(sd, sW, K - 1)


def _setup(activation, layers, sigma_w, sigma_b, q0):
    if isinstance(layers, bool) or int(layers) != layers or not 1 <= layers <= 200:
        raise ParameterError(f"the number of layers must be a whole number from 1 to 200, got {layers}")
    fp = length_fixed_point(activation, sigma_w, sigma_b, q0=q0, dps=20)
    return fp


def jacobian_moments(activation, layers: int, sigma_w=1, sigma_b=0, orthogonal: bool = False,
                     order: int = 4, q0=1, dps: int = 20) -> List[Certified]:
    r"""Moments m_k = lim (1/n) E tr (J_L J_Lᵀ)^k, k = 1..order, from the S-transform product.

    All layers at the fixed point q* of the length map reached from q⁰ (PSG 2017, eq. for
    S_{JJᵀ}; Pastur–Slavin 2023 for the rigorous limit).
    """
    dps = check_dps(dps)
    if isinstance(order, bool) or int(order) != order or not 1 <= order <= MAX_ORDER:
        raise ParameterError(f"order must be a whole number from 1 to {MAX_ORDER}")
    fp = _setup(activation, layers, sigma_w, sigma_b, q0)
    mu = derivative_moments(activation, fp.q_star.value, order, dps)
    digits = min([m.digits for m in mu] + [fp.q_star.digits]) - 2
    with mpmath.workdps(dps + 10):
        sw = to_mpf(sigma_w, "sigma_w", positive=True)
        layer = s_transform_series([m.value for m in mu], sw, orthogonal, order)
        total = [mpmath.mpf(1)] + [mpmath.mpf(0)] * (order - 1)
        for _ in range(int(layers)):
            total = _mul(total, layer, order - 1)
        ms = moments_from_s(total, order)
    return [Certified(m, max(digits, 1), "S-transform series") for m in ms]


def jacobian_moments_rectangular(activation, widths, sigma_w=1, sigma_b=0, order: int = 4,
                                 q0=1, dps: int = 20) -> List[Certified]:
    r"""Moments of J_L J_Lᵀ (n_L × n_L) for Gaussian weights and widths n_0, …, n_L.

    Layer recursion on moment sequences (all layers at q*): with A = J_{l−1}J_{l−1}ᵀ
    (n_{l−1} × n_{l−1}), the nonzero spectrum of W_l A W_lᵀ is that of A^{1/2}W_lᵀW_lA^{1/2},
    and W_lᵀW_l is Marchenko–Pastur with ratio c = n_{l−1}/n_l and mean σw²/c, so
        S_{A^{1/2}WᵀWA^{1/2}}(z) = S_A(z) · c/(σw²(1 + cz));
    passing to n_l dimensions multiplies every moment by c (an atom 1 − c at 0 when
    c < 1), and the free product with D_l² multiplies the S-transforms again. Equal widths
    give S_{WWᵀ} = σw^{-2}/(1 + z) of :func:`jacobian_moments`.
    """
    dps = check_dps(dps)
    try:
        ws = [int(w) for w in widths]
    except (TypeError, ValueError):
        raise ParameterError("widths must be whole numbers") from None
    if len(ws) < 2 or any(w < 1 for w in ws) or any(float(w) != float(v) for w, v in zip(ws, widths)):
        raise ParameterError("widths must be at least two positive whole numbers n_0, ..., n_L")
    if isinstance(order, bool) or int(order) != order or not 1 <= order <= MAX_ORDER:
        raise ParameterError(f"order must be a whole number from 1 to {MAX_ORDER}")
    fp = _setup(activation, len(ws) - 1, sigma_w, sigma_b, q0)
    mu = derivative_moments(activation, fp.q_star.value, order, dps)
    digits = min([m.digits for m in mu] + [fp.q_star.digits]) - 2
    with mpmath.workdps(dps + 10):
        sw2 = to_mpf(sigma_w, "sigma_w", positive=True) ** 2
        sd = s_from_moments([m.value for m in mu], order)
        moments = [mpmath.mpf(1)] * order  # A = identity on R^{n_0}
        for n_prev, n_next in zip(ws[:-1], ws[1:]):
            c = mpmath.mpf(n_prev) / n_next
            sA = s_from_moments(moments, order)
            sMP = [c / sw2 * (-c) ** j for j in range(order)]
            moments = moments_from_s(_mul(sA, sMP, order - 1), order)
            moments = [c * m for m in moments]
            sB = s_from_moments(moments, order)
            moments = moments_from_s(_mul(sB, sd, order - 1), order)
    return [Certified(m, max(digits, 1), "S-transform series (rectangular)") for m in moments]


def _bernoulli_p(activation, q_star):
    """P(D² = 1) when φ′² takes only the values 0 and 1 (linear, ReLU, hard-tanh), else None."""
    I = integrals_for(activation)
    if I.kind == "linear":
        return sp.Integer(1)
    if I.kind == "relu":
        return sp.Rational(1, 2)
    # φ′² is 0/1-valued when it is so on a fine grid away from the kinks (piecewise-linear
    # φ with slopes 0, ±1: hard-tanh) and μ1 = μ2 at q* (E[D²(1 − D²)] = 0, D² ≤ 1)
    grid = np.linspace(-20, 20, 4001) + 1e-7
    vals = I._np(True)(grid) ** 2
    if not np.all((np.abs(vals) < 1e-14) | (np.abs(vals - 1) < 1e-14)):
        return None
    mu = derivative_moments(activation, q_star, 2, 30)
    if abs(mu[0].value - mu[1].value) > mpmath.mpf(10) ** -25:
        return None
    return sp.Rational(mpmath.nstr(mu[0].value, 30))


def jacobian_equation(p, layers: int, sigma_w=1, orthogonal: bool = False):
    """The algebraic equation of ν_{M_L} for a 0/1-valued D² with P(D² = 1) = p (see module)."""
    p = sp.nsimplify(p)
    sw2 = sp.nsimplify(sigma_w) ** 2
    L = int(layers)
    zG = S.z * S.G
    if orthogonal:
        expr = sw2 ** L * S.G * (p + zG - 1) ** L - zG ** L * (zG - 1)
    else:
        expr = sw2 ** L * S.G * (p + zG - 1) ** L - (zG - 1)
    from ..algebraic import SpectralEquation
    return SpectralEquation.from_expr(sp.expand(expr),
                                      f"JJ^T, L={L}, p={p}, {'orthogonal' if orthogonal else 'Gaussian'}")


def jacobian_law(activation, layers: int, sigma_w=1, sigma_b=0, orthogonal: bool = False,
                 q0=1, dps: int = 20):
    """:class:`rmtsym.law.SpectralLaw` of J_LJ_Lᵀ/σw^{2L} when ν_{D²} is 0/1-valued, else RmtsymError.

    The law is built at σw = 1 (exact rational equation); the spectrum at σw is its image
    under λ ↦ σw^{2L} λ (the support and moments scale, the atom at 0 does not).
    """
    from ..law import SpectralLaw
    fp = _setup(activation, layers, sigma_w, sigma_b, q0)
    p = _bernoulli_p(activation, fp.q_star.value)
    if p is None:
        raise RmtsymError("φ′² is not 0/1-valued for this activation, so the Jacobian law is not "
                          "algebraic here; use the moments")
    return SpectralLaw(jacobian_equation(p, layers, 1, orthogonal), dps=dps)


class JacobianDensity:
    """The limit spectral law of J_L J_Lᵀ for any activation, in double precision (module, (iii)).

    Pennington, Schoenholz & Ganguli (NeurIPS 2017, arXiv:1711.04735) S-transform product
    S_{JJᵀ} = Π_l S_{D²} S_{WWᵀ}, solved for the spectral parameter: with
    w = ψ_{D²}(u) = E[u D²/(1 − u D²)] (D² = φ′(√q* Z)²),

        Gaussian:    z(u) = (1 + w) σw^{2L} w^{L−1} / u^L
        orthogonal:  z(u) = ((1 + w)/w) (σw² w / (u (1 + w)))^L,     G(z) = (1 + w)/z.

    Parameters
    ----------
    activation : str or Activation
        φ (its derivative is taken symbolically; kinks give Heaviside steps).
    layers : int
        L ≥ 1.
    sigma_w, sigma_b : float
        Weight and bias scales; every layer sits at the fixed point q* of the length map.
    orthogonal : bool
        Haar-orthogonal (True) or Gaussian (False) square weights.
    nodes : int
        Gauss–Legendre nodes per panel of the D² integral (panels of length ≤ 2.5 on
        [−12, 12] in units of √q*, split at the kinks).

    Notes
    -----
    The atom at 0 has the mass P(D² = 0) (rank J_L = rank D_L). The numbers are double
    precision: the tests compare the density with the algebraic law for ReLU and hard-tanh
    (≤ 1e-8 relative), its moments with the exact S-transform series, L = 1 orthogonal with
    the law of σw² D² itself, and the law with simulated networks.
    """

    #: continuation steps from Im z = Y to the target, and Newton iterations per step
    STEPS = 30
    NEWTON = 4

    def __init__(self, activation, layers: int, sigma_w=1, sigma_b=0, orthogonal: bool = False,
                 q0=1, nodes: int = 32):
        fp = _setup(activation, layers, sigma_w, sigma_b, q0)
        if orthogonal and int(layers) == 1:
            # u(z) runs along the real cut of ψ_{D²}, which the discretised integral cannot
            # follow; the law needs no solver there
            raise RmtsymError("one orthogonal layer gives J Jᵀ = σw² D², whose law is that of "
                              "σw² φ′(√q* Z)²; this solver needs L ≥ 2 orthogonal layers")
        I = integrals_for(activation)
        self.activation = I.name
        self.layers = int(layers)
        self.orthogonal = bool(orthogonal)
        self.q_star = fp.q_star
        q = float(fp.q_star.value)
        if not q > 0:
            raise RmtsymError("the fixed point q* is 0: every pre-activation vanishes and D² is "
                              "the constant φ′(0)²; the Jacobian law is a point mass")
        root = float(np.sqrt(q))
        t, wt = I._panels(-12.0, 12.0, [float(k) / root for k in I.kinks], int(nodes))
        self._weights = wt * np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi)
        self._d = np.asarray(I._np(True)(root * t), dtype=float) ** 2
        if not np.all(np.isfinite(self._d)):
            raise RmtsymError("φ′ is not finite on the real line; no Jacobian law")
        self._sw2 = float(to_mpf(sigma_w, "sigma_w", positive=True)) ** 2
        self.mu1 = float(np.sum(self._weights * self._d))
        self.d_max = float(self._d.max())
        # an atom of D² is a value taken on an interval, i.e. at three nodes or more exactly
        # (one node, or a ±t pair of an even φ′², hitting a value is only the quadrature)
        self._atom = self._mass_at(0.0)
        top = self._mass_at(self.d_max)
        if self.orthogonal and top > 0 and 1 - self.layers * (1 - top) > 0:
            # L free projections of rank p n share a subspace of dimension (1 − L(1 − p)) n:
            # an atom at the top that this continuous solver does not resolve
            raise RmtsymError("with orthogonal weights D² has an atom at its maximum that survives "
                              "the L layers (an atom at the top of the spectrum); use "
                              "jacobian_law for this activation")
        self._edge = None
        self._panels = None

    def _mass_at(self, value: float) -> float:
        hit = self._d == value
        return float(np.sum(self._weights[hit])) if np.count_nonzero(hit) >= 3 else 0.0

    # -------------------------------------------------------------- the map u ↦ z
    def _psi(self, u):
        u = np.asarray(u)[..., None]
        den = 1 - u * self._d
        with np.errstate(all="ignore"):
            w = np.sum(self._weights * u * self._d / den, axis=-1)
            dw = np.sum(self._weights * self._d / den ** 2, axis=-1)
        return w, dw

    def _z_of_u(self, u):
        """(z(u), z′(u)/z(u), w(u))."""
        w, dw = self._psi(u)
        L, sw2 = self.layers, self._sw2
        with np.errstate(all="ignore"):
            if self.orthogonal:
                z = (1 + w) / w * (sw2 * w / (u * (1 + w))) ** L
                ell = (1 - L) * dw / (1 + w) + (L - 1) * dw / w - L / u
            else:
                z = (1 + w) * sw2 ** L * w ** (L - 1) / u ** L
                ell = dw / (1 + w) + (L - 1) * dw / w - L / u
        return z, ell, w

    def _continue(self, z_target, steps):
        x, eps = z_target.real, z_target.imag
        top = 10.0 * (self._sw2 * self.mu1) ** self.layers + 10.0 * float(np.max(np.abs(x), initial=0))
        u = None
        for k in range(steps + 1):
            z = x + 1j * top * (eps / top) ** (k / steps)
            if u is None:
                u = self._sw2 ** self.layers * self.mu1 ** (self.layers - 1) / z
            for _ in range(self.NEWTON):
                zu, ell, _ = self._z_of_u(u)
                with np.errstate(all="ignore"):
                    step = (1 - z / zu) / ell
                    size = np.abs(step)
                    limit = 0.5 * np.abs(u)
                    step = np.where(size > limit, step * limit / size, step)
                u = u - np.where(np.isfinite(step), step, 0)
        zu, _, w = self._z_of_u(u)
        return (1 + w) / z_target, np.abs(zu / z_target - 1)

    def _solve(self, zu):
        """G at points of the upper half-plane, and whether each point converged.

        Points whose continuation does not close to a relative residual of 1e-9 (or ends
        with Im G > 0) are redone with 8× finer steps.
        """
        g, res = self._continue(zu, self.STEPS)
        bad = ~(res < 1e-9) | (g.imag > 0)
        if np.any(bad):
            g2, res2 = self._continue(zu[bad], 8 * self.STEPS)
            g[bad], res[bad] = g2, res2
        return g, (res < 1e-9) & ~(g.imag > 0)

    def stieltjes(self, z):
        """G(z) = ∫ dν(λ)/(z − λ) for Im z ≠ 0 (conjugate symmetric), vectorised.

        Raises RmtsymError where the continuation does not converge.
        """
        zin = np.asarray(z, dtype=complex)
        shape = zin.shape
        zf = zin.ravel()
        if np.any(zf.imag == 0):
            raise ParameterError("stieltjes needs Im z ≠ 0; use pdf for points on the real axis")
        lower = zf.imag < 0
        g, ok = self._solve(np.where(lower, np.conj(zf), zf))
        if not np.all(ok):
            raise RmtsymError("the continuation of the Jacobian S-transform equation did not "
                              "converge at some points")
        g = np.where(lower, np.conj(g), g)
        return g.reshape(shape)

    # -------------------------------------------------------------- the law
    def support(self):
        """[(0, upper)]: upper = min of z(u) on (0, 1/max D²), where z′(u) = 0.

        The lower end is 0: for Gaussian weights each square Wishart factor has its hard
        edge at 0; for orthogonal weights D² itself reaches down to 0 when φ′ vanishes at
        infinity (tanh, erf, sigmoid), although the density is then exponentially small
        near 0.
        """
        from scipy.optimize import brentq

        if self._edge is None:
            def ell(u):
                return float(self._z_of_u(np.array(u))[1])

            hi = (1 - 1e-13) / self.d_max
            if ell(hi) > 0:
                u_c = brentq(ell, hi * 1e-9, hi, xtol=1e-15, rtol=1e-14)
            else:  # z(u) still decreasing at the end of the real branch
                u_c = hi
            self._edge = (0.0, float(self._z_of_u(np.array(u_c))[0]))
        return [self._edge]

    def atoms(self):
        """[(0, P(D² = 0))] when φ′ vanishes on a set of positive Gaussian measure, else []."""
        return [(0.0, self._atom)] if self._atom > 0 else []

    def pdf(self, x, eps: float = 1e-10):
        """ρ(x) = −Im [G(x + i0) − atom/x]/π, evaluated at z = x(1 + i·eps).

        Where the density is exponentially small (orthogonal weights near 0, where u(z)
        comes close to the poles of the discretised D² integral) the continuation may not
        close; those points are taken at Im z = 1e-6·b (b the upper edge), which changes ρ
        by O(1e-6) of its scale.
        """
        x = np.asarray(x, dtype=float)
        shape = x.shape
        xf = x.ravel()
        rho = np.zeros(xf.shape)
        (a, b), = self.support()
        inside = (xf > a) & (xf < b)
        if np.any(inside):
            xi = xf[inside]
            zi = xi + 1j * eps * xi
            g, ok = self._solve(zi)
            if not np.all(ok):
                zi[~ok] = xi[~ok] + 1j * max(eps, 1e-6) * b
                g2, ok2 = self._solve(zi[~ok])
                if not np.all(ok2):
                    raise RmtsymError("the continuation of the Jacobian S-transform equation did "
                                      "not converge at some points")
                g[~ok] = g2
            # the atom at 0 contributes atom/z to G: its Lorentzian tail is not density
            g = g - self._atom / zi
            rho[inside] = np.maximum(-g.imag / np.pi, 0.0)
        return rho.reshape(shape)

    #: composite Gauss–Legendre rule of cdf and moment: panels × nodes per panel in s
    PANELS = 64
    PANEL_NODES = 16

    def _kappa(self) -> int:
        """λ = b s^κ with κ = 2(L + 1) grades the nodes towards 0, where a product of L
        square Wishart factors has the density singularity λ^{−L/(L+1)} (Fuss–Catalan);
        κ(1 − L/(L+1)) = 2 makes the integrand smooth in s."""
        return 2 * (self.layers + 1)

    def _rule(self, s_lo, s_hi):
        """Nodes λ and weights of ∫ρ(λ)dλ = ∫ρ(b s^κ) κ b s^{κ−1} ds on [s_lo, s_hi] (arrays)."""
        (_, b), = self.support()
        k = self._kappa()
        xg, wg = np.polynomial.legendre.leggauss(self.PANEL_NODES)
        s_lo, s_hi = np.atleast_1d(s_lo)[:, None], np.atleast_1d(s_hi)[:, None]
        s = s_lo + 0.5 * (s_hi - s_lo) * (xg + 1)
        return b * s ** k, 0.5 * (s_hi - s_lo) * wg * k * b * s ** (k - 1)

    def _panels_cache(self):
        if self._panels is None:
            # panels graded towards s = 1 too, where ρ vanishes like a square root
            edges = 1 - (1 - np.linspace(0.0, 1.0, self.PANELS + 1)) ** 3
            lam, w = self._rule(edges[:-1], edges[1:])
            rho = self.pdf(lam)
            cum = np.concatenate([[0.0], np.cumsum(np.sum(w * rho, axis=1))])
            if abs(cum[-1] + self._atom - 1) > 1e-4:  # the check every law must pass
                raise RmtsymError(f"the Jacobian density integrates to {cum[-1] + self._atom:.6g} "
                                  f"with its atoms, not 1; the continuation is not reliable here")
            self._panels = (edges, lam, w, rho, cum)
        return self._panels

    def cdf(self, x):
        """ν((−∞, x]) = atom + ∫_0^x ρ: a composite Gauss–Legendre rule in s with λ = b s^κ
        (panels graded towards both ends, cached over the whole support) plus one panel from
        the last full panel to x."""
        xs = np.atleast_1d(np.asarray(x, dtype=float))
        (_, b), = self.support()
        edges, _, _, _, cum = self._panels_cache()
        out = np.where(xs >= 0, self._atom, 0.0)
        inside = (xs > 0) & (xs < b)
        out[xs >= b] += cum[-1]
        if np.any(inside):
            s = (xs[inside] / b) ** (1.0 / self._kappa())
            k = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, self.PANELS - 1)
            lam, w = self._rule(edges[k], s)
            out[inside] += cum[k] + np.sum(w * self.pdf(lam), axis=1)
        out = np.minimum(out, 1.0)
        return out if np.ndim(x) else float(out[0])

    def moment(self, k: int) -> float:
        """∫ λ^k dν by the cached composite rule (a numerical check of the exact moments of
        :func:`jacobian_moments`)."""
        _, lam, w, rho, _ = self._panels_cache()
        return float(np.sum(w * lam ** int(k) * rho)) + (self._atom if int(k) == 0 else 0.0)


def jacobian_density(activation, layers: int, x, sigma_w=1, sigma_b=0, orthogonal: bool = False,
                     q0=1) -> np.ndarray:
    """ρ(x) of the limit law of J_L J_Lᵀ at the points x (:class:`JacobianDensity`)."""
    return JacobianDensity(activation, layers, sigma_w, sigma_b, orthogonal, q0).pdf(x)


def fuss_catalan_edge(layers: int):
    """λ_max = (L + 1)^{L+1}/L^L of a product of L square Wishart matrices (exact)."""
    L = sp.Integer(layers)
    return (L + 1) ** (L + 1) / L ** L


@dataclass
class JacobianSpectrum:
    activation: str
    layers: int
    orthogonal: bool
    q_star: Certified
    chi: Certified
    mu: list
    moments: list
    normalized_variance: Certified
    normalized_variance_formula: object
    support: Optional[list] = None
    atoms: Optional[list] = None
    method: str = ""
    notes: list = field(default_factory=list)
    #: the exact algebraic law (built at σw = 1) when D² is 0/1-valued, else None
    law: Optional[object] = field(default=None, compare=False, repr=False)


def jacobian_spectrum(activation, layers: int, sigma_w=1, sigma_b=0, orthogonal: bool = False,
                      order: int = 4, q0=1, dps: int = 20) -> JacobianSpectrum:
    """Moments, χ, the normalised variance and (when algebraic) the support of J_L J_Lᵀ."""
    fp = _setup(activation, layers, sigma_w, sigma_b, q0)
    order = max(int(order), 2)
    mu = derivative_moments(activation, fp.q_star.value, order, dps)
    ms = jacobian_moments(activation, layers, sigma_w, sigma_b, orthogonal, order, q0, dps)
    with mpmath.workdps(dps + 5):
        sw2 = to_mpf(sigma_w, "sigma_w", positive=True) ** 2
        chi = sw2 * mu[0].value
        nv = ms[1].value / ms[0].value ** 2 - 1
        s1 = 0 if orthogonal else -1
        formula = int(layers) * (mu[1].value / mu[0].value ** 2 - 1 - s1)
    out = JacobianSpectrum(integrals_for(activation).name, int(layers), orthogonal, fp.q_star,
                           Certified(chi, mu[0].digits, "σw² μ1"), mu, ms,
                           Certified(nv, ms[1].digits, "S-transform series"), formula,
                           method="moments (S-transform series)")
    if _bernoulli_p(activation, fp.q_star.value) is not None and int(layers) <= 8:
        law = jacobian_law(activation, layers, sigma_w, sigma_b, orthogonal, q0, dps)
        with mpmath.workdps(dps + 5):
            f = sw2 ** int(layers)
            out.support = [(a * f, b * f) for a, b in law.intervals()]
        out.law = law
        # atom at 0: with w = zG the equation at z → 0 reads w (p + w − 1)^L = 0, so the
        # mass lim zG is exactly 1 − p (rank J_L = rank D^L = p n); taken from this limit
        # rather than from the solver's atom search, which misses it for L ≥ 3
        pval = _bernoulli_p(activation, fp.q_star.value)
        out.atoms = [] if pval == 1 else [(mpmath.mpf(0), mpmath.mpf(sp.N(1 - pval, dps + 5)._mpf_))]
        top = 1 - int(layers) * (1 - pval)
        if orthogonal and pval != 1 and top > 0:
            # L free projections of rank p n meet in a subspace of dimension (1 − L(1 − p)) n,
            # on which J_L J_Lᵀ = σw^{2L}: an atom at the top of the spectrum
            with mpmath.workdps(dps + 5):
                out.atoms.append((sw2 ** int(layers), mpmath.mpf(sp.N(top, dps + 5)._mpf_)))
        out.method = "algebraic law (0/1-valued D²) + S-transform moments"
    else:
        try:
            dens = JacobianDensity(activation, layers, sigma_w, sigma_b, orthogonal, q0)
        except RmtsymError as exc:
            out.notes.append(f"ν_{{D²}} is not 0/1-valued and {exc}: moments only")
        else:
            out.support = [tuple(mpmath.mpf(v) for v in ab) for ab in dens.support()]
            out.atoms = [(mpmath.mpf(a), mpmath.mpf(m)) for a, m in dens.atoms()]
            out.method = "S-transform moments + density by the subordination equation (double precision)"
            out.notes.append("support and density are numerical (double precision); "
                             "JacobianDensity gives pdf, cdf and G")
    return out


def sample_jacobian_eigenvalues(activation, layers: int, n: int, sigma_w=1, sigma_b=0,
                                orthogonal: bool = False, q0=None, seed: int = 0,
                                widths=None) -> np.ndarray:
    """Eigenvalues of J_L J_Lᵀ of one random network of width n (or of ``widths`` n_0..n_L).

    The network is fed φ(h⁰) with h⁰ ~ N(0, q⁰ I) (default q⁰ = q*, so every layer sits at
    the fixed point, as in the mean-field theory); h^l = W^l φ(h^{l−1}) + b^l,
    J_L = D^L W^L ⋯ D^1 W^1 with D^l = diag φ′(h^l).
    """
    I = integrals_for(activation)
    f, df = I._np(False), I._np(True)
    if q0 is None:
        q0 = float(length_fixed_point(activation, sigma_w, sigma_b).q_star.value)
    rng = np.random.default_rng(seed)
    sw, sb = float(sigma_w), float(sigma_b)
    ws = list(widths) if widths is not None else [n] * (int(layers) + 1)
    h_prev = np.sqrt(float(q0)) * rng.standard_normal(ws[0])
    J = np.eye(ws[0])
    for l in range(len(ws) - 1):
        if orthogonal:
            if ws[l] != ws[l + 1]:
                raise ParameterError("orthogonal weights need equal widths")
            Q, R = np.linalg.qr(rng.standard_normal((ws[l], ws[l])))
            W = sw * Q * np.sign(np.diag(R))
        else:
            W = sw * rng.standard_normal((ws[l + 1], ws[l])) / np.sqrt(ws[l])
        h = W @ f(h_prev) + sb * rng.standard_normal(ws[l + 1])
        J = (df(h)[:, None] * W) @ J
        h_prev = h
    return np.linalg.eigvalsh(J @ J.T)
