r"""The limit spectral law of J Jᵀ of a deep random network, as a scipy.stats-like object.

:class:`JacobianLaw` takes a :class:`rmtsym.networks.model.Network` and the input's mean
square (or the fixed-point regime), runs the layer-by-layer mean field
(:mod:`rmtsym.networks.mean_field`) and gives the law of M_L = J Jᵀ (n_L × n_L) at infinite
width with fixed ratios: ``pdf``, ``cdf``, ``ppf``, ``moment``, ``exact_moments``, ``mean``,
``var``, ``support``, ``atoms``, ``stieltjes``, ``rvs``.

Two routes, and ``method`` says which one was used:

* ``algebraic`` — every D_l² is 0/1-valued (ReLU, hard-tanh, the identity, a linear
  read-out) and the depth is at most :data:`ALGEBRAIC_MAX_DEPTH`: the exact polynomial
  equation of :mod:`rmtsym.networks.jacobian.algebraic`, solved by the branch solver;
* ``subordination`` — any D² laws: the S-transform product solved for the spectral parameter
  in double precision (:class:`~rmtsym.networks.jacobian.density.SubordinationSolver`), the
  CDF by a composite Gauss–Legendre rule in s with λ = b s^κ (κ = 2(L + 1) makes the
  λ^{−L/(L+1)} singularity at 0 of L Gaussian layers smooth), evaluated without ever forming
  λ (log z = log b + κ log s), so that depths of 100 lose no mass below 10^{-300}.

Exact moments come from the S-transform series (:mod:`rmtsym.networks.jacobian.moments`),
independently of both routes; the tests hold the density's numerical moments to them.
"""
from __future__ import annotations

import math
from typing import List, Optional

import mpmath
import numpy as np

from ...errors import ParameterError, RmtsymError
from ..mean_field import MeanField, mean_field
from ..model import Network
from .density import SubordinationSolver
from .layers import bernoulli_p, d2_law, input_ratio, layer_factors, top_atom, zero_atom
from .moments import MAX_ORDER, network_moments

__all__ = ["JacobianLaw", "ALGEBRAIC_MAX_DEPTH"]

#: the algebraic route is used up to this depth (the equation's degree grows with L)
ALGEBRAIC_MAX_DEPTH = 8
#: a law whose density does not integrate to 1 within this (with its atoms) is refused
MASS_TOLERANCE = 1e-8
#: ... except with orthogonal layers and a continuous D² law: their density is exponentially
#: small near 0, where the discretised D² integral (a sum of atoms) leaves a spiky model
#: density; the mass there is accurate to a few 1e-6 (measured against the exact moments)
MASS_TOLERANCE_ORTHOGONAL = 1e-4


class JacobianLaw:
    r"""The law of J Jᵀ (module docstring).

    Parameters
    ----------
    network : Network
    input_mean_square : number, optional
        Q = ‖x⁰‖²/n_0; without it every layer sits at the fixed point q* (homogeneous
        networks only), as in Pennington, Schoenholz & Ganguli (2017).
    dps : int
        Digits of the mean field and of the exact moments.
    method : {"auto", "algebraic", "subordination"}
    nodes : int
        Gauss–Legendre nodes per panel of the D² integrals of the subordination route.
    mean_field : MeanField, optional
        A mean field already computed for this network (skips recomputing it).
    """

    PANELS = 64
    PANEL_NODES = 16

    def __init__(self, network: Network, input_mean_square=None, dps: int = 15,
                 method: str = "auto", nodes: int = 32, q0=1, mean_field_result: Optional[MeanField] = None):
        if not isinstance(network, Network):
            raise ParameterError("JacobianLaw needs a rmtsym.networks.Network")
        if method not in ("auto", "algebraic", "subordination"):
            raise ParameterError(f"method must be auto, algebraic or subordination, got {method!r}")
        self.network = network
        self.dps = dps
        self.mean_field = mean_field_result or mean_field(network, input_mean_square, dps=dps, q0=q0)
        self.regime = self.mean_field.regime
        factors = layer_factors(network, self.mean_field)
        self._factors = factors
        self.scale = math.exp(sum(math.log(f.sw2) for f in factors))  # Π σ_l²
        ps = None
        if method != "subordination":
            ps = [bernoulli_p(f.activation, self.mean_field.q[f.index - 1].value) for f in factors]
            if any(p is None for p in ps):
                if method == "algebraic":
                    raise RmtsymError("φ′² is not 0/1-valued in every layer, so the Jacobian law is "
                                      "not algebraic; use method='subordination'")
                ps = None
            elif network.depth > ALGEBRAIC_MAX_DEPTH and method == "auto":
                ps = None
        self._atom_top = None
        if ps is not None:
            self.method = "algebraic"
            self._init_algebraic(ps)
        else:
            self.method = "subordination"
            self._init_subordination(factors, nodes)
        self._exact = {}

    # ------------------------------------------------------------------ construction
    def _init_algebraic(self, ps):
        import sympy as sp

        from ...law import SpectralLaw
        from .algebraic import network_equation

        eq = network_equation(ps, self.network.widths, [f.iid for f in self._factors])
        self._alg = SpectralLaw(eq, dps=max(self.dps, 20))
        self._ps = ps
        laws = [_bernoulli_law(p) for p in ps]
        self._zero = zero_atom(self.network, laws)
        top = top_atom(self.network, laws, self._factors)
        self._atom_top = None if top is None else (top[0], top[1])
        self._edges = [(float(a) * self.scale, float(b) * self.scale) for a, b in self._alg.intervals()]
        del sp

    def _init_subordination(self, factors, nodes):
        laws = []
        cache = {}
        for f in factors:
            if f.key not in cache:
                if f.activation is not None and not f.q > 0:
                    raise RmtsymError(f"layer {f.index} has q = 0: its pre-activations vanish and D² is "
                                      "the constant φ′(0)²; the Jacobian law has no density there")
                cache[f.key] = d2_law(f.activation, f.q, nodes)
            laws.append(cache[f.key])
        if (self.network.depth == 1 and not factors[0].iid and self.network.square):
            raise RmtsymError("one orthogonal layer gives J Jᵀ = σw² D², whose law is that of "
                              "σw² φ′(√q Z)²; the subordination solver needs L ≥ 2 layers here")
        top = top_atom(self.network, laws, factors)
        if top is not None:
            raise RmtsymError("with orthogonal weights D² has an atom at its maximum that survives "
                              "the layers (an atom at the top of the spectrum); this network needs "
                              "the algebraic route (0/1-valued D²)")
        self._laws = laws
        self._zero = zero_atom(self.network, laws)
        self._solver = SubordinationSolver(factors, laws, input_ratio(self.network))
        # λ = b s^κ with κ = 2(L + 1): L Gaussian factors give ρ ~ λ^{−L/(L+1)} at 0 (Fuss–Catalan),
        # products of free projections (orthogonal layers, 0/1-valued D²) a milder singularity
        self._kappa = 2 * (self.network.depth + 1)
        self._edges = None
        self._table = None

    # ------------------------------------------------------------------ support and atoms
    def support(self):
        """[(a, b)]: the intervals carrying the continuous part (one for these laws)."""
        if self._edges is None:
            b = self._solver.upper_edge()
            self._edges = [(0.0, b)]
        return list(self._edges)

    def atoms(self) -> List[tuple]:
        """[(location, mass)]: at 0 when J has a kernel (rank of the narrowest factor), and at
        the top for square orthogonal layers with 0/1-valued D² (an intersection of ranges)."""
        out = []
        if self._zero > 1e-13:
            out.append((0.0, float(self._zero)))
        if self._atom_top is not None:  # at Π σ_l² d_max with d_max = 1
            out.append((float(self._atom_top[0]), float(self._atom_top[1])))
        return out

    # ------------------------------------------------------------------ density
    def stieltjes(self, z):
        """G(z) = ∫ dν(λ)/(z − λ), Im z ≠ 0, vectorised (conjugate symmetric)."""
        zin = np.asarray(z, dtype=complex)
        if np.any(zin.imag == 0):
            raise ParameterError("stieltjes needs Im z ≠ 0; use pdf for points on the real axis")
        if self.method == "algebraic":
            g = np.asarray(self._alg.stieltjes(zin.ravel() / self.scale), dtype=complex) / self.scale
            return g.reshape(zin.shape)
        flat = zin.ravel()
        lower = flat.imag < 0
        zz = np.where(lower, np.conj(flat), flat)
        V, _, ok = self._solver.solve_log(np.log(zz))
        if not np.all(ok):
            raise RmtsymError("the continuation of the Jacobian S-transform equation did not "
                              "converge at some points")
        g = V / zz
        return np.where(lower, np.conj(g), g).reshape(zin.shape)

    def _continuous_V(self, logz, delta):
        """(1 + W − atom at 0) at log z + iδ, retrying failed points at δ = 1e-6."""
        V, _, ok = self._solver.solve_log(logz + 1j * delta)
        if not np.all(ok):
            # where the density is exponentially small (orthogonal layers near 0) the
            # continuation may meet the poles of the discretised D² integral: those points
            # are taken at δ = 1e-6, which changes ρ by O(1e-6) of its scale there
            V2, _, ok2 = self._solver.solve_log(logz[~ok] + 1j * 1e-6)
            if not np.all(ok2):
                raise RmtsymError("the continuation of the Jacobian S-transform equation did not "
                                  "converge at some points")
            V[~ok] = V2
        return V - self._zero

    def pdf(self, x):
        """The density of the continuous part at x (atoms excluded), vectorised; NaN gives NaN."""
        xs = np.asarray(x, dtype=float)
        out = np.zeros(xs.shape)
        flat, res = xs.ravel(), out.reshape(-1)
        res[np.isnan(flat)] = np.nan
        if self.method == "algebraic":
            good = np.isfinite(flat)
            res[good] = [float(self._alg.pdf(v / self.scale)) / self.scale for v in flat[good]]
            return out if np.ndim(x) else float(out)
        (a, b), = self.support()
        inside = (flat > a) & (flat < b)
        if np.any(inside):
            xi = flat[inside]
            delta = 1e-10
            Vc = self._continuous_V(np.log(xi), delta)
            res[inside] = np.maximum(-(Vc * np.exp(-1j * delta)).imag / (np.pi * xi), 0.0)
        return out if np.ndim(x) else float(out)

    # ------------------------------------------------------------------ CDF by a graded rule
    def _rule(self, s_lo, s_hi):
        """(log λ, weights of ∫ρ dλ written as ∫ F(s) ds) on [s_lo, s_hi] panels."""
        (_, b), = self.support()
        k = self._kappa
        xg, wg = np.polynomial.legendre.leggauss(self.PANEL_NODES)
        s_lo, s_hi = np.atleast_1d(s_lo)[:, None], np.atleast_1d(s_hi)[:, None]
        s = s_lo + 0.5 * (s_hi - s_lo) * (xg + 1)
        # ρ(λ) dλ = −Im[(V − a₀) e^{−iδ}] κ ds/(π s) with λ = b s^κ
        return math.log(b) + k * np.log(s), 0.5 * (s_hi - s_lo) * wg * k / (np.pi * s)

    def _integrand(self, loglam):
        delta = 1e-10
        Vc = self._continuous_V(loglam.ravel(), delta)
        return np.maximum(-(Vc * np.exp(-1j * delta)).imag, 0.0).reshape(loglam.shape)

    def _panels(self):
        if self._table is None:
            edges = 1 - (1 - np.linspace(0.0, 1.0, self.PANELS + 1)) ** 3
            loglam, w = self._rule(edges[:-1], edges[1:])
            f = self._integrand(loglam)
            cum = np.concatenate([[0.0], np.cumsum(np.sum(w * f, axis=1))])
            total = cum[-1] + self._zero
            tol = self.mass_tolerance
            if abs(total - 1) > tol:
                raise RmtsymError(f"the Jacobian density integrates to {total:.10g} with its atoms, "
                                  f"not 1 (tolerance {tol:g}); the continuation is not reliable here")
            self._table = (edges, loglam, w, f, cum)
        return self._table

    @property
    def mass_tolerance(self) -> float:
        """How far from 1 the total mass may be (1e-8; 1e-4 for orthogonal layers with a
        continuous D² law, see :data:`MASS_TOLERANCE_ORTHOGONAL`)."""
        if self.method == "subordination" and any(
                (not f.iid) and not law.atoms for f, law in zip(self._factors, self._laws)):
            return MASS_TOLERANCE_ORTHOGONAL
        return MASS_TOLERANCE

    def total_mass(self) -> float:
        """∫ρ + atoms (1 up to the rule's error; checked to 1e-8 when the law is built)."""
        if self.method == "algebraic":
            return float(self._alg.total_mass())
        return float(self._panels()[4][-1] + self._zero)

    def cdf(self, x):
        """ν((−∞, x]), vectorised; NaN gives NaN."""
        xs = np.atleast_1d(np.asarray(x, dtype=float))
        if self.method == "algebraic":
            out = np.array([np.nan if np.isnan(v) else float(self._alg.cdf(v / self.scale)) for v in xs])
            return out if np.ndim(x) else float(out[0])
        (_, b), = self.support()
        edges, _, _, _, cum = self._panels()
        out = np.where(xs >= 0, self._zero, 0.0)
        out[np.isnan(xs)] = np.nan
        inside = (xs > 0) & (xs < b)
        out[xs >= b] += cum[-1]
        if np.any(inside):
            s = np.exp((np.log(xs[inside]) - math.log(b)) / self._kappa)
            k = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, self.PANELS - 1)
            loglam, w = self._rule(edges[k], s)
            out[inside] += cum[k] + np.sum(w * self._integrand(loglam), axis=1)
        out = np.minimum(out, 1.0)
        return out if np.ndim(x) else float(out[0])

    def ppf(self, q):
        """The quantile function (inverse CDF), vectorised."""
        from scipy.optimize import brentq

        qs = np.atleast_1d(np.asarray(q, dtype=float))
        if np.any((qs < 0) | (qs > 1)):
            raise ParameterError("quantiles must lie in [0, 1]")
        if self.method == "algebraic":
            out = np.array([float(self._alg.ppf(v)) * self.scale for v in qs])
            return out if np.ndim(q) else float(out[0])
        (_, b), = self.support()
        edges, _, _, _, cum = self._panels()
        out = np.empty(qs.shape)
        for i, v in enumerate(qs):
            if v <= self._zero:
                out[i] = 0.0
                continue
            if v >= self._zero + cum[-1]:
                out[i] = b
                continue
            k = int(np.clip(np.searchsorted(self._zero + cum, v, side="right") - 1, 0, self.PANELS - 1))
            # solve in s (λ = b s^κ) inside panel k
            g = lambda s: float(self.cdf(b * s ** self._kappa)) - v  # noqa: E731
            lo, hi = edges[k], edges[k + 1]
            glo, ghi = g(max(lo, 1e-300)), g(hi)
            s = lo if glo >= 0 else hi if ghi <= 0 else brentq(g, max(lo, 1e-300), hi, xtol=1e-14, rtol=1e-13)
            out[i] = b * s ** self._kappa
        return out if np.ndim(q) else float(out[0])

    def rvs(self, size=1, random_state=None):
        """Independent draws from the law (inverse transform of uniforms)."""
        rng = np.random.default_rng(random_state)
        return self.ppf(rng.random(size))

    def moment(self, k: int) -> float:
        """∫λ^k dν numerically (the check of :meth:`exact_moments`)."""
        k = int(k)
        if self.method == "algebraic":
            return float(self._alg.moment(k)) * self.scale ** k
        (_, b), = self.support()
        _, loglam, w, f, _ = self._panels()
        total = float(np.sum(w * f * np.exp(k * loglam)))
        atoms = sum(m * (x ** k if k else 1.0) for x, m in self.atoms())
        return total + atoms

    def exact_moments(self, order: int = 4):
        """m_1..m_order from the S-transform series (Certified, mpmath), cached."""
        if isinstance(order, bool) or int(order) != order or not 1 <= order <= MAX_ORDER:
            raise ParameterError(f"the number of moments must be a whole number from 1 to {MAX_ORDER}")
        order = int(order)
        if order not in self._exact:
            have = [k for k in self._exact if k >= order]
            if have:
                return self._exact[min(have)][:order]
            self._exact[order] = network_moments(self.network, self.mean_field, order, self.dps)
        return self._exact[order]

    def mean(self) -> float:
        return float(self.exact_moments(1)[0].value)

    def var(self) -> float:
        m = self.exact_moments(2)
        return float(m[1].value - m[0].value ** 2)

    def std(self) -> float:
        return math.sqrt(self.var())

    def normalized_variance(self):
        """m2/m1² − 1 (exact series) — PSG's σ²_{JJᵀ} at χ = 1."""
        m = self.exact_moments(2)
        with mpmath.workdps(self.dps + 5):
            return m[1].value / m[0].value ** 2 - 1

    def __repr__(self) -> str:
        return f"JacobianLaw({self.network!r}, regime={self.regime!r}, method={self.method!r})"


def _bernoulli_law(p):
    from .layers import D2Law
    pf = float(p)
    if pf >= 1.0:
        return D2Law(np.array([1.0]), np.array([1.0]), True)
    return D2Law(np.array([0.0, 1.0]), np.array([1 - pf, pf]), True)
