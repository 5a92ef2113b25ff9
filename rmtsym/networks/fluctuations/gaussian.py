r"""The Gaussian (first order in 1/width) theory of q^l across layers, for any activation.

The variance of the units of layer l given the layer before, v^l = σ_{w,l}² p^{l−1} + σ_{b,l}²
(p⁰ = Q), is a Markov chain along depth, and q^l = ‖h^l‖²/n_l is a noisy reading of it:

    q^l = v^l + ε^l_q,    v^{l+1} = σ_{w,l+1}² (F_l(v^l) + s_l + ε^l_p) + σ_{b,l+1}²,

where (ε_q, ε_p) are the layer's conditional fluctuations, of covariance Σ_l(v)/n_l
(:mod:`rmtsym.networks.fluctuations.moments`: [[2v², C], [C, G]] for Gaussian weights, plus the weight law's fourth-moment
or orthogonal change), and s_l is the weight law's O(1/n) shift of E[p | x]. Write v̄^l for the
mean field (v̄^{l+1} = σ_{w,l+1}² F_l(v̄^l) + σ_{b,l+1}²), δ^l = v^l − v̄^l, and

    a_l = σ_{w,l+1}² F_l′(v̄^l)      (the slope of the length map; at a fixed point
                                     χ_q = e^{−1/ξ_q} of Schoenholz et al. 2017).

**First order** (Schoenholz, Pennington & Sohl-Dickstein, arXiv:1710.06570: at large width the
lattice model along depth is Gaussian with covariance between layers). Linearising in δ,

    V^{l+1} = a_l² V^l + σ_{w,l+1}⁴ G_l/n_l,                         V¹ = 0,
    μ^{l+1} = a_l μ^l + σ_{w,l+1}² (F_l″ V^l/2 + s_l),               μ¹ = 0,
    E q^l = v̄^l + μ^l,      Var q^l = V^l + 2(v̄^l)²/n_l (+ κ4/n_l, i.i.d. weights),
    Cov(q^l, q^k) = a_l a_{l+1} ⋯ a_{k−1} V^l + a_{l+1} ⋯ a_{k−1} σ_{w,l+1}² C_l/n_l,   l < k.

**Second order** (the size of what first order neglects). The same chain is expanded to
O(1/n²): the raw moments M_j = E (δ^l)^j (j ≤ 4; M3, M4 to leading order), propagated with
F up to its fourth derivative, Σ(v) to its second, and the third conditional cumulants
E[(φ² − F)³], E[(h² − v)(φ² − F)²]; the covariance from E[v^k | v^{l+1}] expanded to cubic order.
For linear and positively homogeneous activations with Gaussian weights F is linear and Σ
quadratic in v, and this second-order result is exact (it reproduces the product formulas of
:mod:`.exact`). The difference between second and first order is reported as the error
estimate of the first-order result: it is O(Σ_l V^l/(v̄^l)²) relative, i.e. O(depth/width)
for marginal chains (linear, ReLU at σw² = 2: the relative variance compounds) and O(1/width)
for contracting ones (a_l < 1, e.g. tanh at its fixed point). The Gaussian approximation
fails when depth/width is not small; then use :mod:`.exact` where it applies.

For weight laws other than Gaussian the law's own second-order terms are not derived: the
error estimate is the second-order term of the same network with Gaussian weights (the same
O(depth²/width²) compounding), added to the law's first-order result. The fourth-moment
correction itself is an expansion in κ4/(2v²) = σw⁴(m4 − 3)R/(2v² n_in); it is flagged as
unreliable when that exceeds :data:`KAPPA4_LIMIT` (sparse weights on narrow layers).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from ...errors import ParameterError
from .moments import LayerStatistics, WeightCorrection, layer_statistics, weight_correction

__all__ = ["GaussianFluctuations", "gaussian_fluctuations", "layer_chain", "input_fourth_moment",
           "KAPPA4_LIMIT", "BREAKDOWN"]

#: above this κ4/(2v²) of one unit the fourth-moment correction is flagged as unreliable
KAPPA4_LIMIT = 0.5
#: above this estimated relative error of Var q^l the result carries a breakdown note
BREAKDOWN = 0.1


def input_fourth_moment(Q: float, n0: int, kind: str = "random") -> float:
    """R⁰ = ‖x⁰‖₄⁴/n_0 of an input with ‖x⁰‖²/n_0 = Q: a uniformly random direction on average
    (3Q² n_0/(n_0 + 2)), or a spike √(n_0 Q)·e_1 (n_0 Q²)."""
    if kind == "random":
        return 3.0 * Q * Q * n0 / (n0 + 2.0)
    if kind == "spike":
        return n0 * Q * Q
    raise ParameterError(f"the input kind must be 'random' or 'spike', got {kind!r}")


def layer_chain(network, input_mean_square: float, input_fourth: Optional[float] = None) -> List[LayerStatistics]:
    """The mean-field chain v̄^1..v̄^L with each layer's :class:`LayerStatistics`."""
    widths = network.widths
    if widths is None:
        raise ParameterError("finite-width fluctuations need the widths of the network (--width or --widths)")
    Q = float(input_mean_square)
    if not math.isfinite(Q) or Q < 0:
        raise ParameterError(f"the input's mean square must be a finite number ≥ 0, got {input_mean_square}")
    R = input_fourth_moment(Q, widths[0]) if input_fourth is None else float(input_fourth)
    layers = network.layers
    v = layers[0].sw ** 2 * Q + layers[0].sb ** 2
    if not v > 0:
        raise ParameterError("the input's mean square must be positive when the first layer has no bias")
    out = []
    for i, layer in enumerate(layers):
        corr = weight_correction(layer, widths[i], widths[i + 1], v, R)
        st = layer_statistics(layer.activation, v, widths[i + 1], corr)
        out.append(st)
        if i + 1 < len(layers):
            nxt = layers[i + 1]
            v = nxt.sw ** 2 * st.F[0] + nxt.sb ** 2
            R = st.R4
            if not v > 0 or not math.isfinite(v):
                raise ParameterError(f"the mean field of layer {i + 2} is {v}: the fluctuation theory "
                                     "needs a positive finite variance in every layer")
    return out


@dataclass
class GaussianFluctuations:
    """First-order (Gaussian) mean and covariance of q^1..q^L, with the second-order estimate.

    Attributes
    ----------
    mean, covariance : numpy arrays (L,), (L, L)
        First order in 1/width.
    mean_second_order, covariance_second_order : arrays
        The same to second order (exact for homogeneous activations with Gaussian weights).
    error_mean, error_covariance : arrays
        |second − first|: the estimated size of the terms first order neglects.
    mean_field : array
        v̄^l, the infinite-width q^l.
    slopes : array (L − 1,)
        a_l = σ_{w,l+1}² F_l′(v̄^l).
    noise : array (L − 1,)
        σ_{w,l+1}⁴ G_l/n_l, the variance each layer injects into v^{l+1}.
    """
    mean: np.ndarray
    covariance: np.ndarray
    mean_second_order: np.ndarray
    covariance_second_order: np.ndarray
    mean_field: np.ndarray
    slopes: np.ndarray
    noise: np.ndarray
    state_variance: np.ndarray
    widths: List[int]
    regime: str
    integrals: str
    weights: List[str]
    notes: List[str] = field(default_factory=list)
    method: str = "gaussian"

    @property
    def depth(self) -> int:
        return len(self.mean)

    @property
    def error_mean(self) -> np.ndarray:
        return np.abs(self.mean_second_order - self.mean)

    @property
    def error_covariance(self) -> np.ndarray:
        return np.abs(self.covariance_second_order - self.covariance)

    @property
    def relative_error(self) -> float:
        """max_l |Var₂ q^l − Var₁ q^l| / Var₁ q^l: the size of the neglected terms."""
        d = np.diag(self.covariance)
        return float(np.max(self.error_covariance.diagonal() / np.where(d > 0, d, np.inf)))

    @property
    def relative_variance(self) -> np.ndarray:
        """Var q^l/(E q^l)², the expansion parameter that compounds along depth."""
        return np.diag(self.covariance) / self.mean ** 2


def _coefficients(stats: List[LayerStatistics], alphas: List[float]):
    """Per-layer Taylor coefficients of the chain (module docstring), step l → l+1."""
    co = []
    for l, st in enumerate(stats):
        n = st.width
        F = st.F
        s = [st.sigma["qq"][0] / n, st.sigma["qq"][1] / n, st.sigma["qq"][2] / (2 * n)]
        if l + 1 < len(stats):
            a = alphas[l + 1]
            f = [0.0] + [a * F[j] / math.factorial(j) for j in range(1, 5)]
            k = [a * a * st.sigma["pp"][0] / n, a * a * st.sigma["pp"][1] / n, a * a * st.sigma["pp"][2] / (2 * n)]
            c = [a * st.sigma["qp"][0] / n, a * st.sigma["qp"][1] / n, a * st.sigma["qp"][2] / (2 * n)]
            g0 = a * st.shift
            t0 = a ** 3 * st.third["ppp"] / n ** 2
            u0 = a * a * st.third["qpp"] / n ** 2
        else:
            f, k, c, g0, t0, u0 = [0.0] * 5, [0.0] * 3, [0.0] * 3, 0.0, 0.0, 0.0
        co.append(dict(f=f, k=k, c=c, s=s, g0=g0, t0=t0, u0=u0))
    return co


def _first_order(vbar, co):
    L = len(vbar)
    mu, V = np.zeros(L), np.zeros(L)
    for l in range(L - 1):
        f, k, g0 = co[l]["f"], co[l]["k"], co[l]["g0"]
        mu[l + 1] = g0 + f[1] * mu[l] + f[2] * V[l]
        V[l + 1] = f[1] ** 2 * V[l] + k[0]
    cov = np.zeros((L, L))
    for l in range(L):
        cov[l, l] = V[l] + co[l]["s"][0]
        lead = co[l]["f"][1] * V[l] + co[l]["c"][0]
        prod = 1.0
        for kk in range(l + 1, L):
            cov[l, kk] = cov[kk, l] = prod * lead
            prod *= co[kk]["f"][1]
    return vbar + mu, cov, V


def _second_order(vbar, co):
    L = len(vbar)
    M = np.zeros((L, 4))
    for l in range(L - 1):
        M1, M2, M3, M4 = M[l]
        f, k, g0, t0 = co[l]["f"], co[l]["k"], co[l]["g0"], co[l]["t0"]
        M[l + 1, 0] = g0 + f[1] * M1 + f[2] * M2 + f[3] * M3 + f[4] * M4
        M[l + 1, 1] = (g0 * g0 + 2 * g0 * (f[1] * M1 + f[2] * M2) + f[1] ** 2 * M2 + 2 * f[1] * f[2] * M3
                       + (f[2] ** 2 + 2 * f[1] * f[3]) * M4 + k[0] + k[1] * M1 + k[2] * M2)
        M[l + 1, 2] = (f[1] ** 3 * M3 + 3 * f[1] ** 2 * f[2] * M4 + 3 * g0 * f[1] ** 2 * M2
                       + 3 * (g0 * k[0] + f[1] * (k[0] * M1 + k[1] * M2) + f[2] * k[0] * M2) + t0)
        M[l + 1, 3] = f[1] ** 4 * M4 + 6 * f[1] ** 2 * k[0] * M2 + 3 * k[0] ** 2
    cov = np.zeros((L, L))
    e = np.zeros((L, 3))
    for l in range(L):
        M1, M2, M3, M4 = M[l]
        f, k, c, s, g0, u0 = (co[l][x] for x in ("f", "k", "c", "s", "g0", "u0"))
        cov[l, l] = M2 - M1 * M1 + s[0] + s[1] * M1 + s[2] * M2
        e[l, 0] = f[1] * (M2 - M1 * M1) + f[2] * (M3 - M1 * M2) + f[3] * M4 + c[0] + c[1] * M1 + c[2] * M2
        e[l, 1] = (2 * g0 * f[1] * (M2 - M1 * M1) + f[1] ** 2 * (M3 - M1 * M2) + 2 * f[1] * f[2] * M4
                   + k[1] * M2 + 2 * (g0 * c[0] + f[1] * (c[0] * M1 + c[1] * M2) + f[2] * c[0] * M2) + u0)
        e[l, 2] = f[1] ** 3 * M4 + 3 * f[1] * k[0] * M2 + 3 * f[1] ** 2 * c[0] * M2 + 3 * c[0] * k[0]
    # E[v^k | δ^{l+1}] ≈ ψ0 + ψ1 δ + ψ2 δ² + ψ3 δ³, carried back from layer k to layer l + 1
    for kk in range(1, L):
        p1, p2, p3 = 1.0, 0.0, 0.0
        for l in range(kk - 1, -1, -1):
            cov[l, kk] = cov[kk, l] = p1 * e[l, 0] + p2 * e[l, 1] + p3 * e[l, 2]
            f, k, g0 = co[l]["f"], co[l]["k"], co[l]["g0"]
            p1, p2, p3 = (p1 * f[1] + p2 * (2 * g0 * f[1] + k[1]) + 3 * p3 * f[1] * k[0],
                          p1 * f[2] + p2 * f[1] ** 2,
                          p1 * f[3] + 2 * p2 * f[1] * f[2] + p3 * f[1] ** 3)
    return vbar + M[:, 0], cov


def gaussian_fluctuations(network, input_mean_square=1, input_fourth: Optional[float] = None) -> GaussianFluctuations:
    r"""Mean and covariance of q^l = ‖h^l‖²/n_l, l = 1..L, to first order in 1/width.

    Parameters
    ----------
    network : Network
        Any activations, σw, σb, weight laws (Gaussian, orthogonal, i.i.d. with finite fourth
        moment, assumed symmetric), and widths (``network.widths`` must be set).
    input_mean_square : float
        Q = ‖x⁰‖²/n_0.
    input_fourth : float, optional
        R⁰ = ‖x⁰‖₄⁴/n_0 (matters for non-Gaussian i.i.d. weights only); default: a uniformly
        random input direction, 3Q² n_0/(n_0 + 2).

    Returns
    -------
    GaussianFluctuations
        See the module docstring for the formulas.
    """
    stats = layer_chain(network, input_mean_square, input_fourth)
    alphas = [l.sw ** 2 for l in network.layers]
    vbar = np.array([st.v for st in stats])
    co = _coefficients(stats, alphas)
    mean1, cov1, V = _first_order(vbar, co)
    gaussian_weights = all(st.correction.kind == "gaussian" for st in stats)
    if gaussian_weights:
        mean2, cov2 = _second_order(vbar, co)
    else:
        # the law's own second-order terms are not derived: use those of Gaussian weights
        gauss = [layer_statistics(l.activation, st.v, st.width, WeightCorrection("gaussian"))
                 for l, st in zip(network.layers, stats)]
        coG = _coefficients(gauss, alphas)
        m1G, c1G, _ = _first_order(vbar, coG)
        m2G, c2G = _second_order(vbar, coG)
        mean2, cov2 = mean1 + (m2G - m1G), cov1 + (c2G - c1G)
    L = len(stats)
    slopes = np.array([co[l]["f"][1] for l in range(L - 1)])
    noise = np.array([co[l]["k"][0] for l in range(L - 1)])
    regime = "fixed point" if np.allclose(vbar, vbar[0], rtol=1e-12, atol=0) else "transient"
    methods = {st.method for st in stats}
    integrals = methods.pop() if len(methods) == 1 else "closed form and quadrature"
    notes = []
    laws = [l.weights.name for l in network.layers]
    if any(l.weights.name != "gaussian" for l in network.layers):
        notes.append("non-Gaussian weights: their first-order change (fourth moment, or the fixed radius "
                     "of orthogonal layers) is included; the error estimate is the second-order term of "
                     "the same network with Gaussian weights")
    worst = max((abs(st.correction.kappa4) / (2 * st.v ** 2), i + 1) for i, st in enumerate(stats))
    if worst[0] > KAPPA4_LIMIT:
        notes.append(f"layer {worst[1]}: the weights' fourth cumulant per unit is {worst[0]:.2g} × 2v², not "
                     "small at this width, so higher cumulants of the weight law matter and its "
                     "first-order correction is unreliable (use wider layers)")
        if any(l.weights.iid and l.weights.name.startswith("callable") for l in network.layers):
            notes.append("a callable weight law is assumed symmetric (E w³ = 0)")
    out = GaussianFluctuations(mean1, cov1, mean2, cov2, vbar, slopes, noise, V, list(network.widths),
                               regime, integrals, laws, notes)
    rel = out.relative_error
    if rel > BREAKDOWN:
        notes.append(f"first order is unreliable here: its neglected terms are about {100 * rel:.3g} % of Var q^l "
                     "(depth/width is not small against the compounding relative variance)")
    return out
