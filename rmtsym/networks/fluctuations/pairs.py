r"""Two inputs through a finite-width random network: both lengths and their correlation.

For inputs x_a, x_b the order parameters of layer l are the 2 × 2 Gram matrix of the
pre-activations, q^l = (q_aa, q_bb, q_ab) = (‖h_a‖², ‖h_b‖², h_a·h_b)/n_l, and the
correlation c^l = q_ab/√(q_aa q_bb). Given the layer before, the units (h_a, h_b)_i are i.i.d.
N(0, V) with V = σw² P + σb² (P the Gram matrix of the previous activations), so the Gaussian
(first order in 1/width) theory of :mod:`rmtsym.networks.fluctuations.gaussian` holds with a three-component state
v = (V_aa, V_bb, V_ab):

    δ^{l+1} = σ_{w,l+1}² (J_l δ^l + ½ H_l[δ^l, δ^l] + s_l + ε^l_p),
    V^{l+1} = σ_{w,l+1}⁴ (J_l V^l J_lᵀ + Σ^pp_l/n_l),
    μ^{l+1} = σ_{w,l+1}² (J_l μ^l + ½ H_l : V^l + s_l),
    Cov(q^k, q^l) = Φ_{k,l} V^l + Φ_{k,l+1} σ_{w,l+1}² Σ^pq_l/n_l,   k > l,
    Var q^l = V^l + Σ^qq_l/n_l,      Φ_{k,l} = Π_{m=l}^{k−1} σ_{w,m+1}² J_m,

with F(V) = (E φ(u_a)², E φ(u_b)², E φ(u_a)φ(u_b)), J = ∂F/∂V and H its Hessian (central
differences, below), and Σ the 6 × 6 covariance of (h_a², h_b², h_a h_b, φ_a², φ_b², φ_aφ_b) under
N(0, V) (J by Richardson-extrapolated central differences, O(h⁴); H by central differences).
The correlation follows by the delta method: E c = c(E q) + ½ tr(∇²c Cov q^l),
Cov(c^l, c^k) = ∇c_lᵀ Cov(q^l, q^k) ∇c_k. For one input this is the theory of Schoenholz,
Pennington & Sohl-Dickstein (arXiv:1710.06570); the pair extends it to the correlation map of
Schoenholz, Gilmer, Ganguli & Sohl-Dickstein (ICLR 2017).

Weight laws, as for one input (:mod:`rmtsym.networks.fluctuations.moments`): orthogonal layers replace the Gram matrix Ĝ of
the Gaussian units s = h − σb b by the fixed (or Beta-fluctuating) Ω, so that
Σ ← Σ + (r − 1) D C Dᵀ and s ← s + ½ (r − 1) ∂²F : C/n_out, with D = ∂E f/∂V, C the
covariance n·Cov(Ĝ) = (U_ac U_bd + U_ad U_bc) and r = (1 − n_out/n_in) n_in/(n_in + 2) for a
narrowing layer, else 0; i.i.d. laws shift every expectation by
(1/24) Σ κ_ijkl E ∂_ijkl g with κ_ijkl = σw⁴ (m4 − 3) R_ijkl/n_in, R the mixed fourth
moments of the previous activations, E ∂⁴ g written through the Hessian of E g in V.

The 2-D Gaussian integrals are composite Gauss–Legendre quadrature in double precision, with
panels split at the kinks of φ (they move with the outer variable). Error estimate: the
relative second-order correction of each single input's variance (:mod:`rmtsym.networks.fluctuations.gaussian`) at the
deeper layer, applied to every entry of the block (the same O(depth²/width²) compounding); for
the correlation also the next term of the delta method, ½ tr(H_l Σ_lk H_k Σ_kl) (H the Hessian
of c in q), which is what makes c non-Gaussian when Var c is not small.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List

import numpy as np

from ...errors import ParameterError
from .moments import PANEL, TAIL, raw_moments_for

__all__ = ["PairFluctuations", "pair_fluctuations", "pair_expectations"]

NODES2 = 16
#: relative finite-difference step in V (reduced near |ρ| = 1)
STEP = 1e-3


class _Grid:
    """Nodes and weights of E g(u_a, u_b), (u_a, u_b) ~ N(0, V), for one activation."""

    def __init__(self, activation):
        rm = raw_moments_for(activation)
        self.kinks = np.array(rm.kinks, dtype=float)
        self.f = rm._np
        self.x, self.w = np.polynomial.legendre.leggauss(NODES2)

    def _panels(self, lo, hi, scale=1.0):
        """Composite Gauss–Legendre on [lo, hi] (arrays of rows), a fixed number of panels per row
        (panels no longer than min(PANEL, 3/scale) on the widest row)."""
        m = int(math.ceil(2 * TAIL / min(PANEL, 3.0 / scale)))
        t = np.linspace(0.0, 1.0, m + 1)
        a = lo[..., None] + (hi - lo)[..., None] * t[:-1]
        b = lo[..., None] + (hi - lo)[..., None] * t[1:]
        z = ((b - a) / 2)[..., None] * self.x + ((a + b) / 2)[..., None]
        w = ((b - a) / 2)[..., None] * self.w
        return z.reshape(z.shape[:-2] + (-1,)), w.reshape(w.shape[:-2] + (-1,))

    def nodes(self, V):
        vaa, vbb, vab = V
        s1, s2 = math.sqrt(vaa), math.sqrt(vbb)
        rho = vab / (s1 * s2)
        rb = math.sqrt(max(0.0, 1 - rho * rho))
        if rb < 1e-7:
            raise ParameterError("the two inputs have become numerically identical (correlation 1): the pair "
                                 "theory needs a correlation strictly inside (-1, 1)")
        cuts = np.sort(self.kinks / s1)
        edges = np.concatenate([[-TAIL], cuts[np.abs(cuts) < TAIL], [TAIL]])
        z1, w1 = self._panels(edges[:-1], edges[1:], s1)
        z1, w1 = z1.ravel(), w1.ravel()
        # inner breakpoints move with z1
        inner = (self.kinks[None, :] / s2 - rho * z1[:, None]) / rb
        inner = np.clip(np.sort(inner, axis=1), -TAIL, TAIL)
        lo = np.concatenate([np.full((len(z1), 1), -TAIL), inner], axis=1)
        hi = np.concatenate([inner, np.full((len(z1), 1), TAIL)], axis=1)
        z2, w2 = self._panels(lo, hi, s2)
        z2 = z2.reshape(len(z1), -1)
        w2 = w2.reshape(len(z1), -1)
        g = np.exp(-z1 * z1 / 2)[:, None] * np.exp(-z2 * z2 / 2) / (2 * math.pi)
        W = w1[:, None] * w2 * g
        ua = np.broadcast_to((s1 * z1)[:, None], z2.shape)
        ub = s2 * (rho * z1[:, None] + rb * z2)
        return ua, ub, W


def pair_expectations(activation, V):
    """(means (6,), second moments (6, 6)) of f = (h_a², h_b², h_a h_b, φ_a², φ_b², φ_aφ_b)."""
    grid = _grid_for(activation)
    ua, ub, W = grid.nodes(V)
    with np.errstate(all="ignore"):
        fa, fb = grid.f(ua), grid.f(ub)
    fs = [ua * ua, ub * ub, ua * ub, fa * fa, fb * fb, fa * fb]
    m = np.array([np.sum(W * f) for f in fs])
    M = np.empty((6, 6))
    for i in range(6):
        for j in range(i, 6):
            M[i, j] = M[j, i] = np.sum(W * fs[i] * fs[j])
    return m, M


_GRIDS: dict = {}


def _grid_for(activation):
    key = "<identity>" if activation is None else str(activation.expr)
    if key not in _GRIDS:
        _GRIDS[key] = _Grid(activation)
    return _GRIDS[key]


def _derivatives(activation, V):
    """Values, gradients (…, 3) and Hessians (…, 3, 3) in V of the means and second moments."""
    V = np.asarray(V, dtype=float)
    s = math.sqrt(V[0] * V[1])
    rho = abs(V[2]) / s
    eta = min(STEP, 0.05 * (1 - rho))
    h = np.array([eta * V[0], eta * V[1], eta * s])
    cache = {}

    def ev(shift):
        key = tuple(shift)
        if key not in cache:
            m, M = pair_expectations(activation, V + np.array(shift) * h)
            cache[key] = np.concatenate([m, M.ravel()])
        return cache[key]

    E0 = ev((0, 0, 0))
    grad = np.empty(E0.shape + (3,))
    hess = np.empty(E0.shape + (3, 3))
    for i in range(3):
        e = [0, 0, 0]
        e[i] = 1
        p, q = ev(tuple(e)), ev(tuple(-x for x in e))
        p2, q2 = ev(tuple(x / 2 for x in e)), ev(tuple(-x / 2 for x in e))
        # Richardson: central differences at h and h/2 combine to an O(h⁴) gradient
        grad[..., i] = (4 * (p2 - q2) / h[i] - (p - q) / (2 * h[i])) / 3
        hess[..., i, i] = (p - 2 * E0 + q) / h[i] ** 2
        for j in range(i + 1, 3):
            vals = {}
            for si in (1, -1):
                for sj in (1, -1):
                    d = [0, 0, 0]
                    d[i], d[j] = si, sj
                    vals[(si, sj)] = ev(tuple(d))
            hij = (vals[(1, 1)] - vals[(1, -1)] - vals[(-1, 1)] + vals[(-1, -1)]) / (4 * h[i] * h[j])
            hess[..., i, j] = hess[..., j, i] = hij
    split = lambda X: (X[:6], X[6:].reshape((6, 6) + X.shape[1:]))  # noqa: E731
    return split(E0), split(grad), split(hess)


def _gram_cov(U):
    """n·Cov of the Gaussian Gram entries (aa, bb, ab) for unit covariance U = (U_aa, U_bb, U_ab)."""
    a, b, c = U
    return np.array([[2 * a * a, 2 * c * c, 2 * a * c],
                     [2 * c * c, 2 * b * b, 2 * b * c],
                     [2 * a * c, 2 * b * c, a * b + c * c]])


def _fourth_tensor_term(hess, R4, k):
    """(1/24) Σ κ_ijkl E ∂_ijkl g for every g, from its Hessian in (V_aa, V_bb, V_ab)."""
    r_aaaa, r_aaab, r_aabb, r_abbb, r_bbbb = R4
    H = hess
    tot = (r_aaaa * 4 * H[..., 0, 0] + 4 * r_aaab * 2 * H[..., 0, 2] + 6 * r_aabb * 4 * H[..., 0, 1]
           + 4 * r_abbb * 2 * H[..., 1, 2] + r_bbbb * 4 * H[..., 1, 1])
    return k * tot / 24


@dataclass
class _PairLayer:
    V: np.ndarray          # (3,) mean field
    F: np.ndarray          # (3,)
    J: np.ndarray          # (3, 3)
    H: np.ndarray          # (3, 3, 3)
    sigma: np.ndarray      # (6, 6) n × conditional covariance
    shift: np.ndarray      # (3,)
    R4: tuple              # mixed fourth moments of φ handed on
    width: int


def _layer(layer, V, n_in, n_out, R_in):
    (m, M), (gm, gM), (hm, hM) = _derivatives(layer.activation, V)
    law = layer.weights
    shift6 = np.zeros(6)
    Msh = np.zeros((6, 6))
    if law.orthogonal:
        r = (1 - n_out / n_in) * n_in / (n_in + 2.0) if n_out < n_in else 0.0
        U = V - layer.sb ** 2
        C = _gram_cov(U)
        D = gm                                 # (6, 3)
        sigma_extra = (r - 1) * D @ C @ D.T
        shift6 = 0.5 * (r - 1) * np.einsum("fij,ij->f", hm, C) / n_out
        sigma = M - np.outer(m, m) + sigma_extra
    elif law.iid and law.name != "gaussian":
        m4 = law.fourth_moment
        k = layer.sw ** 4 * (m4 - 3.0) / n_in
        shift6 = _fourth_tensor_term(hm, R_in, k)
        Msh = _fourth_tensor_term(hM, R_in, k)
        sigma = (M + Msh) - np.outer(m + shift6, m + shift6)
    else:
        sigma = M - np.outer(m, m)
    # the mixed fourth moments E φ_a^i φ_b^(4-i) handed to the next layer
    R4 = (M[3, 3] + Msh[3, 3], M[3, 5] + Msh[3, 5], M[3, 4] + Msh[3, 4], M[4, 5] + Msh[4, 5], M[4, 4] + Msh[4, 4])
    return _PairLayer(np.asarray(V, float), m[3:], gm[3:], hm[3:], sigma, shift6[3:], R4, n_out)


@dataclass
class PairFluctuations:
    """First-order mean and covariance of (q_aa, q_bb, q_ab) and of the correlation, per layer.

    ``mean`` (L, 3); ``covariance`` (3L, 3L), index 3(l − 1) + component (aa, bb, ab);
    ``correlation_mean`` (L,), ``correlation_covariance`` (L, L); ``mean_field`` (L, 3) and
    ``mean_field_correlation`` (L,); ``error_covariance`` and ``error_correlation`` the
    estimated size of the neglected terms (module docstring).
    """
    mean: np.ndarray
    covariance: np.ndarray
    correlation_mean: np.ndarray
    correlation_covariance: np.ndarray
    mean_field: np.ndarray
    mean_field_correlation: np.ndarray
    error_covariance: np.ndarray
    error_correlation: np.ndarray
    widths: List[int]
    notes: List[str] = field(default_factory=list)
    method: str = "gaussian"

    def block(self, l: int, k: int) -> np.ndarray:
        """Cov(q^l, q^k) (3 × 3), layers from 1."""
        return self.covariance[3 * (l - 1):3 * l, 3 * (k - 1):3 * k]


def pair_fluctuations(network, cosine, input_mean_square=1.0, input_mean_square_b=None) -> PairFluctuations:
    r"""Two inputs at cosine ``cosine`` with mean squares Q_a, Q_b (module docstring).

    Parameters
    ----------
    network : Network
        With widths; any activations, σw, σb, weight laws.
    cosine : float
        x_a·x_b/(‖x_a‖‖x_b‖), strictly inside (−1, 1).
    input_mean_square, input_mean_square_b : float
        Q_a and Q_b (default Q_b = Q_a). The input directions are taken uniformly random (for
        non-Gaussian i.i.d. weights their fourth moments are those of such a pair).
    """
    from .gaussian import gaussian_fluctuations

    widths = network.widths
    if widths is None:
        raise ParameterError("finite-width fluctuations need the widths of the network (--width or --widths)")
    c0 = float(cosine)
    if not -1 < c0 < 1:
        raise ParameterError(f"the cosine between the inputs must lie strictly inside (-1, 1), got {cosine}")
    Qa = float(input_mean_square)
    Qb = Qa if input_mean_square_b is None else float(input_mean_square_b)
    if not (Qa > 0 and Qb > 0 and math.isfinite(Qa) and math.isfinite(Qb)):
        raise ParameterError("the two inputs' mean squares must be positive and finite")
    n0 = widths[0]
    P = np.array([Qa, Qb, c0 * math.sqrt(Qa * Qb)])
    f0 = n0 / (n0 + 2.0)
    R = (3 * Qa * Qa * f0, 3 * Qa * P[2] * f0, (Qa * Qb + 2 * P[2] ** 2) * f0, 3 * Qb * P[2] * f0, 3 * Qb * Qb * f0)
    layers_out = []
    for i, layer in enumerate(network.layers):
        V = layer.sw ** 2 * P + layer.sb ** 2
        st = _layer(layer, V, widths[i], widths[i + 1], R)
        layers_out.append(st)
        P, R = st.F, st.R4
    L = len(layers_out)
    alphas = [l.sw ** 2 for l in network.layers]
    Vd = [np.zeros((3, 3))]
    mu = [np.zeros(3)]
    for l in range(L - 1):
        st, a = layers_out[l], alphas[l + 1]
        n = st.width
        Vd.append(a * a * (st.J @ Vd[l] @ st.J.T + st.sigma[3:, 3:] / n))
        mu.append(a * (st.J @ mu[l] + 0.5 * np.einsum("fij,ij->f", st.H, Vd[l]) + st.shift))
    cov = np.zeros((3 * L, 3 * L))
    for l in range(L):
        st = layers_out[l]
        n = st.width
        cov[3 * l:3 * l + 3, 3 * l:3 * l + 3] = Vd[l] + st.sigma[:3, :3] / n
        if l + 1 < L:
            lead = alphas[l + 1] * (st.J @ Vd[l] + st.sigma[3:, :3] / n)   # Cov(δ^{l+1}, q^l)
            prop = np.eye(3)
            for k in range(l + 1, L):
                blk = prop @ lead
                cov[3 * k:3 * k + 3, 3 * l:3 * l + 3] = blk
                cov[3 * l:3 * l + 3, 3 * k:3 * k + 3] = blk.T
                prop = alphas[k + 1] * layers_out[k].J @ prop if k + 1 < L else prop
    vbar = np.array([st.V for st in layers_out])
    mean = vbar + np.array(mu)
    # the correlation by the delta method
    grads, hessians, cmean = [], [], np.empty(L)
    for l in range(L):
        qa, qb, qab = mean[l]
        c = qab / math.sqrt(qa * qb)
        g = np.array([-c / (2 * qa), -c / (2 * qb), 1 / math.sqrt(qa * qb)])
        Hc = np.array([[3 * c / (4 * qa * qa), c / (4 * qa * qb), -1 / (2 * qa * math.sqrt(qa * qb))],
                       [c / (4 * qa * qb), 3 * c / (4 * qb * qb), -1 / (2 * qb * math.sqrt(qa * qb))],
                       [-1 / (2 * qa * math.sqrt(qa * qb)), -1 / (2 * qb * math.sqrt(qa * qb)), 0.0]])
        cmean[l] = c + 0.5 * np.sum(Hc * cov[3 * l:3 * l + 3, 3 * l:3 * l + 3])
        grads.append(g)
        hessians.append(Hc)
    G = np.zeros((L, 3 * L))
    for l in range(L):
        G[l, 3 * l:3 * l + 3] = grads[l]
    ccov = G @ cov @ G.T
    cbar = vbar[:, 2] / np.sqrt(vbar[:, 0] * vbar[:, 1])
    # error estimate: each input's relative second-order correction, at the deeper layer
    rel = np.zeros(L)
    for Q in {Qa, Qb}:
        g1 = gaussian_fluctuations(network, Q)
        d = np.diag(g1.covariance)
        rel = np.maximum(rel, np.where(d > 0, np.diag(g1.error_covariance) / np.where(d > 0, d, 1), 0.0))
    deeper = np.maximum.outer(rel, rel)
    err = np.abs(cov) * np.kron(deeper, np.ones((3, 3)))
    cerr = np.abs(ccov) * deeper
    # the delta method's own next term (exact for Gaussian q): ½ tr(H_l Σ_lk H_k Σ_kl)
    for l in range(L):
        for k in range(L):
            S = cov[3 * l:3 * l + 3, 3 * k:3 * k + 3]
            cerr[l, k] += abs(0.5 * np.trace(hessians[l] @ S @ hessians[k] @ S.T))
    notes = []
    if any(l.weights.name != "gaussian" for l in network.layers):
        notes.append("non-Gaussian weights: first-order correction included (orthogonal: fixed Gram "
                     "matrix; i.i.d.: fourth cumulants, inputs in random directions)")
    return PairFluctuations(mean, cov, cmean, ccov, vbar, cbar, err, cerr, list(widths), notes)
