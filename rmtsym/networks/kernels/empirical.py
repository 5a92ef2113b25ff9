r"""Finite networks, sampled and trained (numpy, float64): the Monte Carlo side of the kernels.

The network is Dense → (φ_1 → Dense) × L in the NTK parameterization of neural-tangents'
``stax`` (:mod:`.recursion`): with standard-normal parameters W^l, b^l,

    h¹ = σ_w W¹x/√d + σ_b b¹,   h^{l+1} = σ_w W^{l+1} φ_l(h^l)/√n_l + σ_b b^{l+1},

the output being h^{L+1}. Its empirical kernels are

* the **NNGP estimate** H^{L+1}(H^{L+1})ᵀ/m, the mean over the m output units (→ K as the
  widths grow, fluctuations O(1/√n));
* the **empirical NTK** of one output unit, Θ̂(x, x′) = Σ_l (δ^l·δ′^l)(σ_w² x^{l−1}·x′^{l−1}/n_{l−1}
  + σ_b²) with δ^l = ∂f/∂h^l by back-propagation (Jacot et al., NeurIPS 2018), → Θ.

:func:`train_network` trains such a network by full-batch gradient descent on
½‖f(X) − Y‖², optionally centred (f − f₀, so that the prediction starts at 0). As the
width grows the trained function approaches the NTK prediction
f_T(x) = Θ(x, X)Θ⁻¹(I − (I − ηΘ)^T)Y (Lee et al., "Wide neural networks of any depth evolve
as linear models under gradient descent", NeurIPS 2019, arXiv:1902.06720).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from ...errors import ParameterError

__all__ = ["SampledKernels", "sampled_kernels", "TrainedNetwork", "train_network"]


def _funcs(network):
    from ..integrals import integrals_for
    out = []
    for layer in network.layers:
        if layer.activation is None:
            out.append((None, None))
        else:
            I = integrals_for(layer.activation)
            out.append((I._np(False), I._np(True)))
    return out


def _check_inputs(X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or not np.all(np.isfinite(X)):
        raise ParameterError("the inputs must be a finite 2-D array, one input per row")
    return X


@dataclass
class SampledKernels:
    """Kernels of one sampled network: ``nngp`` (n×n), ``ntk`` (n×n or None) and the
    post-activation features of the last hidden layer (``features``, n × width)."""
    nngp: np.ndarray
    ntk: Optional[np.ndarray]
    features: np.ndarray


def _params(network, widths, rng):
    Ws, bs = [], []
    for l, layer in enumerate(network.layers):
        Ws.append(layer.weights.sample(rng, widths[l + 1], widths[l]))
        bs.append(rng.standard_normal(widths[l + 1]))
    return Ws, bs


def _forward(network, funcs, Ws, bs, X, widths):
    xs, hs = [X], []
    x = X
    for l, layer in enumerate(network.layers):
        h = x @ Ws[l].T * (layer.sw / math.sqrt(widths[l])) + layer.sb * bs[l]
        hs.append(h)
        f = funcs[l][0]
        x = h if f is None else f(h)
        xs.append(x)
    return xs, hs


def sampled_kernels(network, X, width: int, seed: int = 0, ntk: bool = True,
                    readout_width: Optional[int] = None) -> SampledKernels:
    r"""NNGP and NTK estimates of one sampled network whose hidden layers are ``width``
    wide (module docstring); the read-out has ``readout_width`` units (default ``width``)
    for the NNGP estimate, and the NTK is that of its first unit."""
    from ..simulate import check_simulation_size
    X = _check_inputs(X)
    L = network.depth
    m = int(readout_width or width)
    widths = [X.shape[1]] + [int(width)] * (L - 1) + [m]
    check_simulation_size(widths, 1, jacobian=False)
    rng = np.random.default_rng(seed)
    funcs = _funcs(network)
    Ws, bs = _params(network, widths, rng)
    xs, hs = _forward(network, funcs, Ws, bs, X, widths)
    out = hs[-1]
    K = out @ out.T / m
    T = None
    if ntk:
        n = X.shape[0]
        T = np.zeros((n, n))
        delta = np.ones((n, 1))                     # ∂f/∂h^{L+1} for the first output unit
        W_next = None
        for l in range(L - 1, -1, -1):
            layer = network.layers[l]
            if l < L - 1:
                nxt = network.layers[l + 1]
                delta = (delta @ W_next) * (nxt.sw / math.sqrt(widths[l + 1]))
                delta = delta * funcs[l][1](hs[l])
            T += (delta @ delta.T) * (layer.sw ** 2 * (xs[l] @ xs[l].T) / widths[l] + layer.sb ** 2)
            W_next = Ws[l] if l < L - 1 else Ws[l][:1]
        # note: for l = L − 1 (the read-out) delta is the unit vector of output 1
    return SampledKernels(K, T, xs[-2])


@dataclass
class TrainedNetwork:
    """Predictions of a trained finite network: ``test`` (n_test × outputs) after each
    checkpoint step in ``steps``; ``train_loss`` per checkpoint; ``lr`` the learning rate."""
    steps: List[int]
    test: List[np.ndarray]
    train: List[np.ndarray]
    train_loss: List[float]
    lr: float
    width: int
    notes: list = field(default_factory=list)


def train_network(network, X, Y, X_test, width: int, lr: float, steps: int, seed: int = 0,
                  centered: bool = True, checkpoints: Optional[List[int]] = None) -> TrainedNetwork:
    r"""Full-batch gradient descent on ½‖f(X) − Y‖² for ``steps`` steps (NTK
    parameterization, all parameters trained, plain numpy back-propagation).

    ``centered`` trains g = f − f₀ (the function at initialisation subtracted), whose
    infinite-width limit is deterministic: g_T(x) = Θ(x, X)Θ⁻¹(I − (I − ηΘ)^T)Y.
    """
    from ..simulate import check_simulation_size
    X, X_test = _check_inputs(X), _check_inputs(X_test)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.shape[0] != X.shape[0]:
        raise ParameterError(f"{X.shape[0]} training inputs but {Y.shape[0]} targets")
    if not (lr > 0 and math.isfinite(lr)):
        raise ParameterError("the learning rate must be a positive number")
    L = network.depth
    m = Y.shape[1]
    widths = [X.shape[1]] + [int(width)] * (L - 1) + [m]
    check_simulation_size(widths, 1, jacobian=False)
    rng = np.random.default_rng(seed)
    funcs = _funcs(network)
    Ws, bs = _params(network, widths, rng)
    f0_tr = _forward(network, funcs, Ws, bs, X, widths)[1][-1] if centered else 0.0
    f0_te = _forward(network, funcs, Ws, bs, X_test, widths)[1][-1] if centered else 0.0
    cps = sorted(set(checkpoints or [steps]))
    out = TrainedNetwork([], [], [], [], float(lr), int(width))
    for t in range(steps + 1):
        xs, hs = _forward(network, funcs, Ws, bs, X, widths)
        resid = hs[-1] - f0_tr - Y
        if t in cps:
            te = _forward(network, funcs, Ws, bs, X_test, widths)[1][-1] - f0_te
            out.steps.append(t)
            out.test.append(te)
            out.train.append(hs[-1] - f0_tr)
            out.train_loss.append(0.5 * float(np.sum(resid ** 2)))
        if t == steps:
            break
        if not np.all(np.isfinite(resid)):
            raise ParameterError("gradient descent diverged: lower the learning rate")
        g = resid
        for l in range(L - 1, -1, -1):
            layer = network.layers[l]
            if l < L - 1:
                g = g * funcs[l][1](hs[l])
            scale = layer.sw / math.sqrt(widths[l])
            gW = (g.T @ xs[l]) * scale
            gb = layer.sb * g.sum(0)
            if l > 0:
                g = (g @ Ws[l]) * scale
            Ws[l] -= lr * gW
            bs[l] -= lr * gb
    return out
