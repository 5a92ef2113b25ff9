"""NNGP kernels of deep random networks (Lee et al., ICLR 2018; Neal 1994; theory.md §5.5).

K⁰(x, x′) = σb² + σw² x·x′/d_in
Kˡ(x, x′) = σb² + σw² E_{(u,v) ~ N(0, K^{l−1} restricted to {x, x′})}[ φ(u) φ(v) ]

Closed forms: ReLU, the arc-cosine kernel of degree 1 (Cho & Saul 2009),
E[φ(u)φ(v)] = √(K_xx K_x′x′)(sin θ + (π − θ) cos θ)/(2π), θ = arccos(K_xx′/√(K_xx K_x′x′));
erf (Williams 1997), (2/π) arcsin(2K_xx′/√((1 + 2K_xx)(1 + 2K_x′x′))); the identity.
Other activations: the diagonal by mpmath quadrature (:meth:`GaussianIntegrals.second_moment`),
the off-diagonal by double-precision 2-D panel quadrature with an error estimate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List

import mpmath
import numpy as np

from ..errors import ParameterError, RmtsymError
from .integrals import integrals_for, to_mpf

__all__ = ["nngp_kernel", "NNGPKernel", "parse_inputs", "empirical_kernel"]


@dataclass
class NNGPKernel:
    """The layer kernels K⁰ … K^L (numpy arrays) with the method used."""
    kernels: List[np.ndarray]
    method: str
    error: float

    @property
    def final(self) -> np.ndarray:
        return self.kernels[-1]

    def correlation(self, layer: int = -1) -> np.ndarray:
        K = self.kernels[layer]
        d = np.sqrt(np.diag(K))
        return K / np.outer(d, d)


def parse_inputs(text: str) -> np.ndarray:
    """Parse ``"1,0;0.6,0.8"`` (rows separated by ';', entries by ',') into an array."""
    rows = [r for r in str(text).split(";") if r.strip()]
    if not rows:
        raise ParameterError("--inputs needs at least one input vector")
    out = []
    for r in rows:
        try:
            out.append([float(mpmath.mpf(v.strip())) for v in r.split(",") if v.strip()])
        except (ValueError, TypeError):
            raise ParameterError(f"cannot read the input vector {r.strip()!r} as numbers") from None
    if len({len(r) for r in out}) != 1 or not out[0]:
        raise ParameterError("all input vectors must have the same (positive) length")
    X = np.array(out, dtype=float)
    if not np.all(np.isfinite(X)):
        raise ParameterError("the inputs must be finite numbers")
    return X


def nngp_kernel(activation, inputs, depth: int, sigma_w=1, sigma_b=0, dps: int = 15) -> NNGPKernel:
    r"""Kernel recursion of the NNGP for a Gram of inputs (Lee et al. 2018, eq. 4).

    Parameters
    ----------
    activation : str or Activation
    inputs : array (n_inputs, d_in)
        Rows are the inputs x; K⁰ = σb² + σw² X Xᵀ/d_in.
    depth : int
        Number of hidden layers L ≥ 0 (K^L is returned last).
    sigma_w, sigma_b : numbers

    Returns
    -------
    NNGPKernel
        ``kernels[l]`` is K^l (l = 0..L), float64; ``error`` an estimate of the absolute
        quadrature error (0 for the closed forms).
    """
    X = np.asarray(inputs, dtype=float)
    if X.ndim != 2 or X.shape[0] < 1:
        raise ParameterError("inputs must be a 2-D array (one input per row)")
    if isinstance(depth, bool) or int(depth) != depth or depth < 0 or depth > 1000:
        raise ParameterError(f"depth must be a whole number between 0 and 1000, got {depth}")
    I = integrals_for(activation)
    sw2 = float(to_mpf(sigma_w, "sigma_w", positive=True)) ** 2
    sb2 = float(to_mpf(sigma_b, "sigma_b", nonnegative=True)) ** 2
    K = sb2 + sw2 * X @ X.T / X.shape[1]
    kernels = [K]
    err = 0.0
    n = X.shape[0]
    for _ in range(depth):
        new = np.empty_like(K)
        for i in range(n):
            for j in range(i, n):
                if I.kind != "general":
                    v = float(I.pair(K[i, i], K[j, j], K[i, j]))
                elif i == j:
                    with mpmath.workdps(max(dps, 15)):
                        v = float(I.second_moment(K[i, i]))
                else:
                    v, e = I.pair_numeric(K[i, i], K[j, j], K[i, j])
                    err = max(err, sw2 * e)
                new[i, j] = new[j, i] = sb2 + sw2 * v
        if not np.all(np.isfinite(new)):
            raise RmtsymError("the kernel overflowed (σw too large for this depth)")
        K = new
        kernels.append(K)
    method = {"relu": "closed form (arc-cosine)", "erf": "closed form (Williams arcsin)",
              "linear": "closed form (linear)"}.get(I.kind, "quadrature")
    return NNGPKernel(kernels, method, err)


def empirical_kernel(activation, inputs, depth: int, width: int, sigma_w=1, sigma_b=0,
                     seed: int = 0) -> np.ndarray:
    """Monte Carlo: K^L of one random network of the given width (mean over its units)."""
    I = integrals_for(activation)
    f = I._np(False)
    rng = np.random.default_rng(seed)
    X = np.asarray(inputs, dtype=float)
    sw, sb = float(sigma_w), float(sigma_b)
    h = (sw * rng.standard_normal((width, X.shape[1])) / math.sqrt(X.shape[1])) @ X.T
    h = h + sb * rng.standard_normal((width, 1))
    for _ in range(depth):
        W = sw * rng.standard_normal((width, width)) / math.sqrt(width)
        h = W @ f(h) + sb * rng.standard_normal((width, 1))
    return h.T @ h / width
