r"""The single-activation interface of earlier versions, computed by the network model.

A network of L square layers with one activation, one (σw, σb) and Gaussian or orthogonal
weights, every layer at the fixed point q* of its length map (reached from q⁰): the setting
of Pennington, Schoenholz & Ganguli (2017). These functions build that
:class:`~rmtsym.networks.model.Network` and call :mod:`rmtsym.networks.jacobian.law`,
:mod:`~rmtsym.networks.jacobian.moments` and :mod:`rmtsym.networks.simulate`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import mpmath
import numpy as np
import sympy as sp

from ...errors import ParameterError, RmtsymError
from ...numbers import Certified, check_dps
from ..integrals import integrals_for, to_mpf
from ..model import Network
from ..signal_propagation import length_fixed_point
from . import series as ser
from .algebraic import jacobian_equation
from .law import ALGEBRAIC_MAX_DEPTH, JacobianLaw
from .layers import bernoulli_p, derivative_moments
from .moments import MAX_ORDER, network_moments

__all__ = ["s_transform_series", "jacobian_moments", "jacobian_moments_rectangular",
           "jacobian_law", "JacobianDensity", "jacobian_density", "JacobianSpectrum",
           "jacobian_spectrum", "sample_jacobian_eigenvalues", "square_network"]


def _check_layers(layers):
    if isinstance(layers, bool) or int(layers) != layers or not 1 <= layers <= 200:
        raise ParameterError(f"the number of layers must be a whole number from 1 to 200, got {layers}")
    return int(layers)


def _check_order(order):
    if isinstance(order, bool) or int(order) != order or not 1 <= order <= MAX_ORDER:
        raise ParameterError(f"order must be a whole number from 1 to {MAX_ORDER}")
    return int(order)


def square_network(activation, layers: int, sigma_w=1, sigma_b=0, orthogonal: bool = False,
                   widths=None) -> Network:
    """The network of this module's functions (one activation, one σw, σb, one weight law)."""
    return Network.build(activation, _check_layers(layers), sigma_w=sigma_w, sigma_b=sigma_b,
                         weights="orthogonal" if orthogonal else "gaussian", widths=widths)


def _fixed_point_field(net: Network, q0, dps):
    from ..mean_field import mean_field
    return mean_field(net, None, dps=dps, q0=q0)


def s_transform_series(mu, sigma_w, orthogonal: bool, K: int):
    """Series of S_{D²}(z)·S_{WWᵀ}(z) for one square layer, coefficients z^0..z^{K−1}."""
    sd = ser.s_from_moments(mu, K)
    sw2 = mpmath.mpf(sigma_w) ** 2
    if orthogonal:
        sW = [1 / sw2] + [mpmath.mpf(0)] * (K - 1)
    else:
        sW = [mpmath.mpf((-1) ** j) / sw2 for j in range(K)]
    return ser.mul(sd, sW, K - 1)


def jacobian_moments(activation, layers: int, sigma_w=1, sigma_b=0, orthogonal: bool = False,
                     order: int = 4, q0=1, dps: int = 20) -> List[Certified]:
    r"""Moments m_k = lim (1/n) E tr (J_L J_Lᵀ)^k, k = 1..order, every layer at q*.

    The S-transform product of PSG (2017); Pastur–Slavin (2023) for the rigorous limit.
    """
    dps = check_dps(dps)
    order = _check_order(order)
    net = square_network(activation, layers, sigma_w, sigma_b, orthogonal)
    return network_moments(net, _fixed_point_field(net, q0, dps), order, dps)


def jacobian_moments_rectangular(activation, widths, sigma_w=1, sigma_b=0, order: int = 4,
                                 q0=1, dps: int = 20) -> List[Certified]:
    r"""Moments of J_L J_Lᵀ (n_L × n_L) for Gaussian weights and widths n_0, …, n_L, at q*."""
    dps = check_dps(dps)
    order = _check_order(order)
    try:
        ws = [int(w) for w in widths]
    except (TypeError, ValueError):
        raise ParameterError("widths must be whole numbers") from None
    if len(ws) < 2 or any(w < 1 for w in ws) or any(float(w) != float(v) for w, v in zip(ws, widths)):
        raise ParameterError("widths must be at least two positive whole numbers n_0, ..., n_L")
    net = square_network(activation, len(ws) - 1, sigma_w, sigma_b, False, widths=ws)
    ms = network_moments(net, _fixed_point_field(net, q0, dps), order, dps)
    return [Certified(m.value, m.digits, "S-transform series (rectangular)") for m in ms]


def jacobian_law(activation, layers: int, sigma_w=1, sigma_b=0, orthogonal: bool = False,
                 q0=1, dps: int = 20):
    """:class:`rmtsym.law.SpectralLaw` of J_LJ_Lᵀ/σw^{2L} when ν_{D²} is 0/1-valued, else RmtsymError.

    The law is built at σw = 1 (exact rational equation); the spectrum at σw is its image
    under λ ↦ σw^{2L} λ (the support and moments scale, the atom at 0 does not).
    """
    from ...law import SpectralLaw
    L = _check_layers(layers)
    fp = length_fixed_point(activation, sigma_w, sigma_b, q0=q0, dps=20)
    p = bernoulli_p(integrals_for(activation).activation, fp.q_star.value)
    if p is None:
        raise RmtsymError("φ′² is not 0/1-valued for this activation, so the Jacobian law is not "
                          "algebraic here; use the moments")
    return SpectralLaw(jacobian_equation(p, L, 1, orthogonal), dps=dps)


class JacobianDensity:
    """The limit law of J_L J_Lᵀ for any activation at q*, in double precision.

    A thin front of :class:`~rmtsym.networks.jacobian.law.JacobianLaw` (subordination route)
    for L square layers with one activation; see there for the method and its checks.

    Parameters
    ----------
    activation : str or Activation
    layers : int
    sigma_w, sigma_b : numbers
    orthogonal : bool
        Haar-orthogonal (True) or Gaussian (False) square weights.
    nodes : int
        Gauss–Legendre nodes per panel of the D² integral.
    """

    def __init__(self, activation, layers: int, sigma_w=1, sigma_b=0, orthogonal: bool = False,
                 q0=1, nodes: int = 32):
        net = square_network(activation, layers, sigma_w, sigma_b, orthogonal)
        mf = _fixed_point_field(net, q0, 20)
        if not mf.q_star.value > 0:
            raise RmtsymError("the fixed point q* is 0: every pre-activation vanishes and D² is "
                              "the constant φ′(0)²; the Jacobian law is a point mass")
        self._law = JacobianLaw(net, None, dps=20, method="subordination", nodes=nodes,
                                mean_field_result=mf)
        self.activation = integrals_for(activation).name
        self.layers = int(layers)
        self.orthogonal = bool(orthogonal)
        self.q_star = mf.q_star
        grp = self._law._solver.groups[0]
        self.mu1 = grp.mu1
        self.d_max = grp.d_max

    def stieltjes(self, z):
        return self._law.stieltjes(z)

    def support(self):
        return self._law.support()

    def atoms(self):
        return [(x, m) for x, m in self._law.atoms() if x == 0.0]

    def pdf(self, x):
        return self._law.pdf(x)

    def cdf(self, x):
        return self._law.cdf(x)

    def ppf(self, q):
        return self._law.ppf(q)

    def moment(self, k: int) -> float:
        return self._law.moment(k)


def jacobian_density(activation, layers: int, x, sigma_w=1, sigma_b=0, orthogonal: bool = False,
                     q0=1) -> np.ndarray:
    """ρ(x) of the limit law of J_L J_Lᵀ at the points x (:class:`JacobianDensity`)."""
    return JacobianDensity(activation, layers, sigma_w, sigma_b, orthogonal, q0).pdf(x)


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
    """Moments, χ, the normalised variance and the support and atoms of J_L J_Lᵀ at q*."""
    L = _check_layers(layers)
    net = square_network(activation, L, sigma_w, sigma_b, orthogonal)
    mf = _fixed_point_field(net, q0, dps)
    order = max(_check_order(order), 2)
    q = mf.q_star.value
    act = net.layers[0].activation
    mu = derivative_moments(act, q, order, dps)
    ms = network_moments(net, mf, order, dps)
    with mpmath.workdps(dps + 5):
        sw2 = to_mpf(sigma_w, "sigma_w", positive=True) ** 2
        chi = sw2 * mu[0].value
        nv = ms[1].value / ms[0].value ** 2 - 1
        s1 = 0 if orthogonal else -1
        formula = L * (mu[1].value / mu[0].value ** 2 - 1 - s1)
    out = JacobianSpectrum(integrals_for(activation).name, L, orthogonal, mf.q_star,
                           Certified(chi, mu[0].digits, "σw² μ1"), mu, ms,
                           Certified(nv, ms[1].digits, "S-transform series"), formula,
                           method="moments (S-transform series)")
    pval = bernoulli_p(act, q)
    if pval is not None and L <= ALGEBRAIC_MAX_DEPTH:
        law = jacobian_law(activation, L, sigma_w, sigma_b, orthogonal, q0, dps)
        with mpmath.workdps(dps + 5):
            f = sw2 ** L
            out.support = [(a * f, b * f) for a, b in law.intervals()]
        out.law = law
        # atom at 0: with w = zG the equation at z → 0 reads w (p + w − 1)^L = 0, so the
        # mass lim zG is exactly 1 − p (rank J_L = rank D^L = p n)
        out.atoms = [] if pval == 1 else [(mpmath.mpf(0), mpmath.mpf(sp.N(1 - pval, dps + 5)._mpf_))]
        top = 1 - L * (1 - pval)
        if orthogonal and pval != 1 and top > 0:
            # L free projections of rank p n meet in a subspace of dimension (1 − L(1 − p)) n,
            # on which J_L J_Lᵀ = σw^{2L}: an atom at the top of the spectrum
            with mpmath.workdps(dps + 5):
                out.atoms.append((sw2 ** L, mpmath.mpf(sp.N(top, dps + 5)._mpf_)))
        out.method = "algebraic law (0/1-valued D²) + S-transform moments"
    else:
        try:
            dens = JacobianLaw(net, None, dps=dps, method="subordination", mean_field_result=mf)
            sup = dens.support()
        except RmtsymError as exc:
            out.notes.append(f"ν_{{D²}} is not 0/1-valued and {exc}: moments only")
        else:
            out.support = [tuple(mpmath.mpf(v) for v in ab) for ab in sup]
            out.atoms = [(mpmath.mpf(a), mpmath.mpf(m)) for a, m in dens.atoms()]
            out.method = "S-transform moments + density by the subordination equation (double precision)"
            out.notes.append("support and density are numerical (double precision); "
                             "JacobianDensity gives pdf, cdf and G")
            out.law = None
    return out


def sample_jacobian_eigenvalues(activation, layers: int, n: int, sigma_w=1, sigma_b=0,
                                orthogonal: bool = False, q0=None, seed: int = 0,
                                widths=None) -> np.ndarray:
    """Eigenvalues of J_L J_Lᵀ of one random network of width n (or of ``widths`` n_0..n_L).

    The input has ‖x⁰‖²/n_0 = Q with Q putting layer 1 at q⁰ (default the fixed point q*,
    so that every layer sits at q*, as in the mean-field theory):
    q⁰ = σw² Q + σb².
    """
    from ..simulate import sample_networks
    L = _check_layers(layers)
    ws = list(widths) if widths is not None else [int(n)] * (L + 1)
    net = square_network(activation, L, sigma_w, sigma_b, orthogonal, widths=ws)
    if q0 is None:
        q0 = float(length_fixed_point(activation, sigma_w, sigma_b).q_star.value)
    sw2, sb2 = float(sigma_w) ** 2, float(sigma_b) ** 2
    Q = max(float(q0) - sb2, 0.0) / sw2
    return sample_networks(net, Q, seeds=1, seed=seed).eigenvalues[0]
