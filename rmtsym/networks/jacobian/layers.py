r"""What the Jacobian law needs of each layer: the law of D_l² and the weight factor.

For layer l of a network (:mod:`rmtsym.networks.model`) at pre-activation variance q^l
(:mod:`rmtsym.networks.mean_field`), D_l² = φ_l′(√q^l Z)² with Z ~ N(0, 1). Its moments
μ_k = E φ′(√q Z)^{2k} are one-dimensional Gaussian integrals (mpmath quadrature split at the
kinks of φ, certified by two precisions); for the density a discrete version of the law is
used: composite Gauss–Legendre nodes in Z (panels of length ≤ 2.5 on [−12, 12], split at the
kinks), compressed to its atoms when φ′² takes finitely many values (ReLU, leaky ReLU,
hard-tanh, linear) and folded to Z ≥ 0 when φ′² is even (tanh, erf, ...).

The weight factor enters through the ratio c_l = n_{l−1}/n_l and whether W is i.i.d.
(Marchenko–Pastur: S_{W_lᵀW_l}(w) = (c_l/σ²)/(1 + c_l w) on R^{n_{l−1}}) or orthogonal
(W_lᵀW_l = (σ²/c_l) I for c_l ≤ 1, σ² times a projection of rank n_l for c_l > 1).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import mpmath
import numpy as np
import sympy as sp

from ...errors import RmtsymError
from ...numbers import Certified
from ..integrals import integrals_for, to_mpf

__all__ = ["derivative_moments", "bernoulli_p", "D2Law", "d2_law", "LayerFactor", "layer_factors"]


def derivative_moments(activation, q_star, K: int, dps: int = 30) -> List[Certified]:
    """μ_k = E φ′(√q Z)^{2k}, k = 1..K (distributional φ′; quadrature split at the kinks).

    A linear read-out (``activation=None``) has D² = 1: every μ_k is 1.
    """
    if activation is None:
        return [Certified(mpmath.mpf(1), dps, "read-out layer: D = I") for _ in range(K)]
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


def bernoulli_p(activation, q_star):
    """P(D² = 1) when φ′² takes only the values 0 and 1 (linear, ReLU, hard-tanh), else None.

    The answer is a SymPy number (exact for ReLU and the identity; 30 digits otherwise).
    """
    if activation is None:
        return sp.Integer(1)
    I = integrals_for(activation)
    if I.kind == "linear":
        return sp.Integer(1)
    if I.kind == "relu":
        return sp.Rational(1, 2)
    # φ′² is 0/1-valued when it is so on a fine grid away from the kinks (piecewise-linear
    # φ with slopes 0, ±1: hard-tanh) and μ1 = μ2 at q (E[D²(1 − D²)] = 0, D² ≤ 1)
    grid = np.linspace(-20, 20, 4001) + 1e-7
    vals = I._np(True)(grid) ** 2
    if not np.all((np.abs(vals) < 1e-14) | (np.abs(vals - 1) < 1e-14)):
        return None
    mu = derivative_moments(activation, q_star, 2, 30)
    if abs(mu[0].value - mu[1].value) > mpmath.mpf(10) ** -25:
        return None
    return sp.Rational(mpmath.nstr(mu[0].value, 30))


@dataclass
class D2Law:
    """A discrete probability law of D² (values, weights), float64, weights summing to 1."""
    values: np.ndarray
    weights: np.ndarray
    atoms: bool  # True when the values are the exact atoms of D² (finitely many values)
    #: True when the law being discretised has connected support: φ′ continuous on R (no
    #: kinks), so D² = φ′(√q Z)² fills an interval; gaps between the nodes are then artefacts
    connected: bool = False

    @property
    def mu1(self) -> float:
        return float(np.dot(self.weights, self.values))

    @property
    def d_max(self) -> float:
        return float(self.values.max())

    def mass_at(self, value: float) -> float:
        """The mass of an atom of D² at ``value`` (0 when D² has no atom there)."""
        hit = self.values == value
        # an atom of a continuous-looking law is a value taken on an interval, i.e. at three
        # nodes or more exactly (one node, or a ±t pair, hitting a value is only quadrature)
        if self.atoms or np.count_nonzero(hit) >= 3:
            return float(np.sum(self.weights[hit]))
        return 0.0


def d2_law(activation, q: float, nodes: int = 32) -> D2Law:
    """The law of φ′(√q Z)² as a discrete measure (module docstring)."""
    if activation is None:
        return D2Law(np.array([1.0]), np.array([1.0]), True)
    I = integrals_for(activation)
    if not q > 0:
        d0 = float(I._np(True)(np.array([1e-300]))[0]) ** 2
        dm = float(I._np(True)(np.array([-1e-300]))[0]) ** 2
        vals, wts = np.array([d0, dm]), np.array([0.5, 0.5])
        return _compress(vals, wts)
    root = float(np.sqrt(q))
    t, wt = I._panels(-12.0, 12.0, [float(k) / root for k in I.kinks], int(nodes))
    wt = wt * np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi)
    d = np.asarray(I._np(True)(root * t), dtype=float) ** 2
    if not np.all(np.isfinite(d)):
        raise RmtsymError("φ′ is not finite on the real line; no Jacobian law")
    uniq = np.unique(d)
    if uniq.size <= 8:
        # φ′² takes finitely many values (piecewise-linear φ): the law is a sum of atoms,
        # whose masses the panel rule (split at the kinks) integrates exactly up to 1e-16
        return _compress(d, wt)
    if np.allclose(d, d[::-1], rtol=0, atol=1e-15 * d.max()):
        half = t >= 0  # nodes are symmetric about 0: fold the even integrand
        d, wt = d[half], np.where(t[half] == 0, 1.0, 2.0) * wt[half]
    return D2Law(d, wt / wt.sum(), False, connected=not I.kinks)


def _compress(values, weights) -> D2Law:
    uniq, inv = np.unique(values, return_inverse=True)
    w = np.bincount(inv, weights=weights)
    keep = w > 0
    return D2Law(uniq[keep], w[keep] / w[keep].sum(), True)


@dataclass
class LayerFactor:
    """Layer l as the Jacobian law sees it.

    Attributes
    ----------
    sw2 : float
        σ_{w,l}².
    c : float
        n_{l−1}/n_l.
    C : float
        n_l/n_L = Π_{k>l} c_k (the free argument of layer l is w_l = W/C_l, W that of J Jᵀ).
    iid : bool
        i.i.d. (Marchenko–Pastur) or orthogonal weights.
    q : float
        The pre-activation variance (NaN for a read-out layer).
    activation
        φ_l, or None for a linear read-out.
    """
    index: int
    sw2: float
    c: float
    C: float
    iid: bool
    q: float
    activation: object
    key: tuple


def layer_factors(network, mean_field) -> List[LayerFactor]:
    """The layers of ``network`` at the variances of ``mean_field``, last layer first-ready."""
    ratios = network.ratios
    L = network.depth
    Cs = [1.0] * (L + 1)  # Cs[l] = n_l/n_L
    for l in range(L, 0, -1):
        Cs[l - 1] = Cs[l] * ratios[l - 1]
    out = []
    for i, layer in enumerate(network.layers):
        q = float(mean_field.q[i].value)
        act_key = None if layer.activation is None else sp.srepr(layer.activation.expr)
        # layers with the same D² law and free argument share one solve of the density; a
        # positively homogeneous φ (ReLU, leaky ReLU) has the same D² law at every q > 0
        I = None if layer.activation is None else integrals_for(layer.activation)
        homogeneous = I is not None and I.positively_homogeneous
        key = (act_key, None if (layer.activation is None or (homogeneous and q > 0)) else float(q),
               Cs[i + 1])
        out.append(LayerFactor(i + 1, float(mpmath.mpf(layer.sigma_w)) ** 2, ratios[i], Cs[i + 1],
                               layer.weights.iid, q, layer.activation, key))
    return out


def input_ratio(network) -> float:
    """C_0 = n_0/n_L."""
    ws = network.widths
    return 1.0 if ws is None else ws[0] / ws[-1]


def zero_atom(network, laws) -> float:
    """The mass at 0 of J Jᵀ (n_L × n_L): 1 − rank J/n_L, with the generic rank of a product
    the least rank of its factors (n_0, min(n_l, n_{l−1}) for W_l, P(D_l² ≠ 0) n_l for D_l)."""
    ws = network.widths or [1] * (network.depth + 1)
    nL = ws[-1]
    ranks = [ws[0]]
    for l, law in enumerate(laws, start=1):
        ranks.append(min(ws[l], ws[l - 1]))
        ranks.append((1 - law.mass_at(0.0)) * ws[l])
    return max(0.0, 1 - min(ranks) / nL)


def top_atom(network, laws, factors) -> Optional[tuple]:
    """(location, mass) of the atom at the top of J Jᵀ for square orthogonal layers whose
    D_l² have atoms at their maxima: the L free projections onto those atoms' eigenspaces
    meet in a subspace of dimension (1 − Σ_l (1 − p_l)) n, on which J Jᵀ = Π σ_l² d_max,l."""
    if not network.square or any(f.iid for f in factors):
        return None
    mass = 1.0
    where = 1.0
    for law, f in zip(laws, factors):
        top = law.mass_at(law.d_max)
        if top <= 0:
            return None
        mass -= 1 - top
        where *= f.sw2 * law.d_max
    return (where, mass) if mass > 1e-12 else None
