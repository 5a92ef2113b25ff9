r"""The limit spectral law of J Jᵀ of a deep random network, as a scipy.stats-like object.

:class:`JacobianLaw` takes a :class:`rmtsym.networks.model.Network` and the input's mean
square (or the fixed-point regime), runs the layer-by-layer mean field
(:mod:`rmtsym.networks.mean_field`) and gives the law of M_L = J Jᵀ (n_L × n_L) at infinite
width with fixed ratios: ``pdf``, ``cdf``, ``ppf``, ``moment``, ``exact_moments``, ``mean``,
``var``, ``support``, ``atoms``, ``stieltjes``, ``rvs``.

Two routes, and ``method`` says which one was used:

* ``algebraic`` — every D_l² is 0/1-valued (ReLU, hard-tanh, the identity, a linear
  read-out) and the depth is at most :data:`ALGEBRAIC_MAX_DEPTH`: the exact polynomial
  equation of :mod:`rmtsym.networks.jacobian.algebraic`, solved by the branch solver, gives
  the support and the atoms; the density, CDF, quantiles and numerical moments come from it
  only up to :data:`ALGEBRAIC_DENSITY_MAX_DEPTH` layers, beyond which they are those of the
  subordination route (``density_method`` says which);
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
from .quadrature import find_intervals

__all__ = ["JacobianLaw", "ALGEBRAIC_MAX_DEPTH", "ALGEBRAIC_DENSITY_MAX_DEPTH"]

#: the algebraic route is used up to this depth (the equation's degree grows with L)
ALGEBRAIC_MAX_DEPTH = 8
#: the algebraic law's density and CDF (Chebyshev tables in θ over the support, each value a
#: root of the equation picked on the real axis) are used up to this depth only. From L = 3
#: on, the density's λ^{−α} singularity at 0 (α = L/(L + 1) for L Gaussian layers) is not
#: smoothed by the θ substitution, so the tables refine towards 0 without end and lose mass
#: (1e-5 for ReLU at L = 3, 5e-3 for the linear network), and from L = 4 on the real-axis
#: root is no longer unique, so every value needs a continuation from Re z + iR (minutes for
#: one CDF value). The subordination route integrates in s with λ = b s^κ, which removes that
#: singularity: it gives the density there (unless a top atom forbids it).
ALGEBRAIC_DENSITY_MAX_DEPTH = 2
#: a law whose density does not integrate to 1 within this (with its atoms) is refused
MASS_TOLERANCE = 1e-8
#: ... except with orthogonal layers and a continuous D² law: their density is exponentially
#: small near 0, where the discretised D² integral (a sum of atoms) leaves a spiky model
#: density; the mass there is accurate to a few 1e-6 (measured against the exact moments)
MASS_TOLERANCE_ORTHOGONAL = 1e-4
#: beyond this the law is refused (the continuation has gone wrong somewhere)
MASS_REFUSE = 1e-3


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

    def __init__(self, network: Network, input_mean_square=None, dps: int = 15,
                 method: str = "auto", nodes: int = 32, q0=1, mean_field_result: Optional[MeanField] = None):
        if not isinstance(network, Network):
            raise ParameterError("JacobianLaw needs a rmtsym.networks.Network")
        if method not in ("auto", "algebraic", "subordination"):
            raise ParameterError(f"method must be auto, algebraic or subordination, got {method!r}")
        self.network = network
        self.dps = dps
        self.notes: List[str] = []
        self.mass_error = None
        self._lost_points = 0
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
                    raise RmtsymError("φ′² is not 0/1-valued in every layer, so the Jacobian law is not "
                                      "algebraic; use method='subordination'")
                ps = None
            elif method == "auto" and (network.depth > ALGEBRAIC_MAX_DEPTH
                                       or len({p for p in ps if p != 1}) > 1):
                # layers with different p (hard-tanh away from q*) make the equation's
                # coefficients huge rationals: the subordination route is faster there,
                # unless orthogonal layers leave an atom at the top of the spectrum, which
                # only the algebraic route handles
                if (network.depth > ALGEBRAIC_MAX_DEPTH
                        or top_atom(network, [_bernoulli_law(p) for p in ps], factors) is None):
                    ps = None
        self._atom_top = None
        #: the law of the density/CDF/quantiles/numerical moments when the algebraic route
        #: is too deep for its own tables (see :data:`ALGEBRAIC_DENSITY_MAX_DEPTH`), else None
        self._numeric: Optional["JacobianLaw"] = None
        #: CDF, quantiles and total mass of the algebraic law from its logarithmic potential
        #: (set by _init_numeric where the density tables cannot be used)
        self._potential = False
        if ps is not None:
            self.method = "algebraic"
            self._init_algebraic(ps)
            if network.depth > ALGEBRAIC_DENSITY_MAX_DEPTH:
                self._init_numeric(dps, nodes, q0)
        else:
            self.method = "subordination"
            self._init_subordination(factors, nodes)
        #: the route of pdf, cdf, ppf, rvs, moment and total_mass
        self.density_method = "subordination" if self._numeric is not None else self.method
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
        self.d2_zero_mass = [law.mass_at(0.0) for law in laws]
        self._zero = zero_atom(self.network, laws)
        top = top_atom(self.network, laws, self._factors)
        self._atom_top = None if top is None else (top[0], top[1])
        # J Jᵀ ≥ 0: a left edge at −1e-14 is the solver's rounding of 0
        self._edges = [(max(float(a) * self.scale, 0.0), float(b) * self.scale) for a, b in self._alg.intervals()]
        del sp

    def _init_numeric(self, dps, nodes, q0):
        """The subordination law of the same network for the density (algebraic route at
        depth > ALGEBRAIC_DENSITY_MAX_DEPTH); kept algebraic where it cannot be built."""
        if self._atom_top is not None:
            # the density tables of the algebraic law would chase the λ^(−L/(L+1)) singularity
            # next to the atom at 0 for minutes: the CDF and quantiles come from the
            # logarithmic potential instead, one vertical path per point (rmtsym.law_potential)
            self._potential = True
            self.notes.append(f"the CDF and quantiles come from the logarithmic potential of the algebraic "
                              f"equation at depth {self.network.depth}, one continuation path per point (the "
                              "subordination solver does not handle the atom at the top of the spectrum)")
            return
        try:
            self._numeric = JacobianLaw(self.network, dps=dps, method="subordination", nodes=nodes,
                                        q0=q0, mean_field_result=self.mean_field)
        except RmtsymError as exc:
            self.notes.append(f"the density and CDF come from the algebraic equation ({exc})")
            return
        self.notes.append(f"support and atoms from the algebraic equation; density and CDF by the "
                          f"subordination equation (the algebraic equation's density tables do not "
                          f"resolve the singularity at 0 beyond {ALGEBRAIC_DENSITY_MAX_DEPTH} layers)")

    def _delegate(self, name, *args, **kwargs):
        """Call the numeric law's method ``name`` and take over its mass check and notes."""
        out = getattr(self._numeric, name)(*args, **kwargs)
        self.mass_error = self._numeric.mass_error
        for n in self._numeric.notes:
            if n not in self.notes:
                self.notes.append(n)
        return out

    def _init_subordination(self, factors, nodes):
        laws = []
        cache = {}
        for f in factors:
            if f.key not in cache:
                # q = 0 is the limit q → 0+ (D² takes φ′(0±)², each with mass 1/2)
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
        self.d2_zero_mass = [law.mass_at(0.0) for law in laws]
        self._zero = zero_atom(self.network, laws)
        self._solver = SubordinationSolver(factors, laws, input_ratio(self.network))
        # λ = b s^κ with κ = 2(L + 1): L Gaussian factors give ρ ~ λ^{−L/(L+1)} at 0 (Fuss–Catalan),
        # products of free projections (orthogonal layers, 0/1-valued D²) a milder singularity
        self._kappa = 2 * (self.network.depth + 1)
        self._edges = None
        self._table = None

    # ------------------------------------------------------------------ support and atoms
    def support(self):
        """[(a, b), ...]: the intervals carrying the continuous part (atoms excluded)."""
        if self._edges is None:
            b = self._solver.upper_edge()
            connected = all(law.connected or law.values.size == 1 for law in self._laws)
            self._intervals = find_intervals(self._integrand, b, self._kappa, self.PANELS, connected)
            self._edges = [(iv.lo, iv.hi) for iv in self._intervals]
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
            bad = np.where(~ok)[0]
            V2, _, ok2 = self._solver.solve_log(logz[bad] + 1j * 1e-6)
            V[bad[ok2]] = V2[ok2]
            lost = bad[~ok2]
            if lost.size:
                # far below the spectrum's scale (λ < 1e-30 b) the continuation may not close;
                # those points are given density 0 — the total-mass check of the CDF rule then
                # says whether any mass was lost there
                b = self._solver.m1
                if np.all(logz[lost].real < math.log(b) - 30 * math.log(10)):
                    V[lost] = self._zero
                    self._lost_points += int(lost.size)
                else:
                    raise RmtsymError("the continuation of the Jacobian S-transform equation did not "
                                      "converge at some points")
        return V - self._zero

    def pdf(self, x):
        """The density of the continuous part at x (atoms excluded), vectorised; NaN gives NaN."""
        if self._numeric is not None:
            return self._delegate("pdf", x)
        xs = np.asarray(x, dtype=float)
        out = np.zeros(xs.shape)
        flat, res = xs.ravel(), out.reshape(-1)
        res[np.isnan(flat)] = np.nan
        if self.method == "algebraic":
            good = np.isfinite(flat)
            res[good] = [float(self._alg.pdf(v / self.scale)) / self.scale for v in flat[good]]
            return out if np.ndim(x) else float(out)
        inside = np.zeros(flat.shape, dtype=bool)
        for lo, hi in self.support():
            inside |= (flat > lo) & (flat < hi)
        if np.any(inside):
            xi = flat[inside]
            res[inside] = self._integrand(np.log(xi)) / (np.pi * xi)
        return out if np.ndim(x) else float(out)

    def _integrand(self, loglam):
        """π λ ρ(λ) = −Im[(λG − a₀) e^{−iδ}] at z = λ e^{iδ}, δ = 1e-10 (arrays of log λ)."""
        delta = 1e-10
        loglam = np.asarray(loglam, dtype=float)
        Vc = self._continuous_V(loglam.ravel() + 0j, delta)
        return np.maximum(-(Vc * np.exp(-1j * delta)).imag, 0.0).reshape(loglam.shape)

    def _panels(self):
        if self._table is None:
            self.support()
            for iv in self._intervals:
                iv.build(self._integrand)
            total = sum(iv.mass for iv in self._intervals) + self._zero
            tol = self.mass_tolerance
            self.mass_error = float(total - 1)
            if abs(total - 1) > MASS_REFUSE:
                raise RmtsymError(f"the Jacobian density integrates to {total:.10g} with its atoms, "
                                  f"not 1; the continuation is not reliable here")
            if abs(total - 1) > tol:
                self.notes.append(f"the density integrates to 1 {total - 1:+.1e} with its atoms (the "
                                  f"target is {tol:g}): the D² law spreads over many decades, which "
                                  "the discretised D² integral resolves only to this accuracy; CDF "
                                  "values carry this error")
            self._table = self._intervals
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
        """∫ρ + atoms (1 up to the rule's error; checked when the law is built)."""
        if self._numeric is not None:
            return self._delegate("total_mass")
        if self.method == "algebraic" and self._potential:
            # the atoms, and the continuous mass read from the potential between the top of the
            # continuous support and the top atom (where F = 1 − that atom's mass)
            from ...law_potential import cdf_by_potential

            top_edge = max(float(b) for _a, b in self._alg.intervals())
            x_top = float(self._atom_top[0]) / self.scale
            return cdf_by_potential(self._alg, (top_edge + x_top) / 2) + float(self._atom_top[1])
        if self.method == "algebraic":
            return float(self._alg.total_mass())
        return float(sum(iv.mass for iv in self._panels()) + self._zero)

    def cdf(self, x):
        """ν((−∞, x]), vectorised; NaN gives NaN."""
        if self._numeric is not None:
            return self._delegate("cdf", x)
        xs = np.atleast_1d(np.asarray(x, dtype=float))
        if self.method == "algebraic":
            if self._potential:
                from ...law_potential import cdf_by_potential

                out = np.asarray(cdf_by_potential(self._alg, xs / self.scale), dtype=float)
            else:
                out = np.array([np.nan if np.isnan(v) else float(self._alg.cdf(v / self.scale)) for v in xs])
            return out if np.ndim(x) else float(out[0])
        out = np.where(xs >= 0, self._zero, 0.0)
        for iv in self._panels():
            out = out + np.where(xs >= iv.hi, iv.mass, 0.0)
            inside = (xs > iv.lo) & (xs < iv.hi)
            if np.any(inside):
                out[inside] += iv.cum_at(xs[inside])
        out[np.isnan(xs)] = np.nan
        out = np.minimum(out, 1.0)
        return out if np.ndim(x) else float(out[0])

    def ppf(self, q):
        """The quantile function (inverse CDF), vectorised."""
        if self._numeric is not None:
            return self._delegate("ppf", q)
        qs = np.atleast_1d(np.asarray(q, dtype=float))
        if np.any(~np.isfinite(qs) | (qs < 0) | (qs > 1)):
            raise ParameterError("quantile levels q must lie in [0, 1]")
        if self.method == "algebraic":
            if self._potential:
                from ...law_potential import ppf_by_potential

                out = np.array([ppf_by_potential(self._alg, v) * self.scale for v in qs])
            else:
                out = np.array([float(self._alg.ppf(v)) * self.scale for v in qs])
            return out if np.ndim(q) else float(out[0])
        ivs = self._panels()
        out = np.empty(qs.shape)
        for i, v in enumerate(qs):
            c = v - self._zero
            if c <= 0:
                out[i] = 0.0
                continue
            out[i] = ivs[-1].hi
            for iv in ivs:
                if c <= iv.mass:
                    out[i] = iv.quantile(c)
                    break
                c -= iv.mass
        return out if np.ndim(q) else float(out[0])

    def rvs(self, size=1, random_state=None):
        """Independent draws from the law (inverse transform of uniforms)."""
        rng = np.random.default_rng(random_state)
        return self.ppf(rng.random(size))

    def moment(self, k: int) -> float:
        """∫λ^k dν numerically (the check of :meth:`exact_moments`)."""
        k = int(k)
        if self._numeric is not None:
            return self._delegate("moment", k)
        if self.method == "algebraic":
            return float(self._alg.moment(k)) * self.scale ** k
        total = sum(iv.moment(k) for iv in self._panels())
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
        extra = "" if self.density_method == self.method else f", density_method={self.density_method!r}"
        return f"JacobianLaw({self.network!r}, regime={self.regime!r}, method={self.method!r}{extra})"


def _bernoulli_law(p):
    from .layers import D2Law
    pf = float(p)
    if pf >= 1.0:
        return D2Law(np.array([1.0]), np.array([1.0]), True)
    return D2Law(np.array([0.0, 1.0]), np.array([1 - pf, pf]), True)
