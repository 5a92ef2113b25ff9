"""NNGP kernels of deep random networks (Lee et al., ICLR 2018, arXiv:1711.00165; Neal 1994).

The interface kept from the first version of the calculator; the engine is
:mod:`rmtsym.networks.kernels` (closed forms, the separable quadrature for any activation,
NTK, GP inference, spectra). Here

    K⁰(x, x′) = σb² + σw² x·x′/d_in
    Kˡ(x, x′) = σb² + σw² E_{(u,v) ~ N(0, K^{l−1} restricted to {x, x′})}[ φ(u) φ(v) ],

i.e. the network Dense → (φ → Dense) × L of neural-tangents' ``stax`` with one σw, σb.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import numpy as np

from ..errors import ParameterError

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
    import mpmath
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


def nngp_kernel(activation, inputs, depth: int, sigma_w=1, sigma_b=0, dps: int = 15,
                method: str = "auto", params=None) -> NNGPKernel:
    r"""Kernel recursion of the NNGP for a Gram of inputs (Lee et al. 2018, eq. 4).

    Parameters
    ----------
    activation : str or Activation
    inputs : array (n_inputs, d_in)
        Rows are the inputs x; K⁰ = σb² + σw² X Xᵀ/d_in.
    depth : int
        Number of hidden layers L ≥ 0 (K^L is returned last).
    sigma_w, sigma_b : numbers
    method : "auto" (closed forms where they exist) or "quadrature"
    dps : int
        Kept for compatibility; the engine works in float64 with an error bound.

    Returns
    -------
    NNGPKernel
        ``kernels[l]`` is K^l (l = 0..L), float64; ``method`` the method; ``error`` an
        absolute error bound of the two-point expectations (0 for closed forms).
    """
    from .kernels.recursion import kernel_matrices
    from .model import Network
    X = np.asarray(inputs, dtype=float)
    if X.ndim != 2 or X.shape[0] < 1:
        raise ParameterError("inputs must be a 2-D array (one input per row)")
    if isinstance(depth, bool) or int(depth) != depth or depth < 0 or depth > 1000:
        raise ParameterError(f"depth must be a whole number between 0 and 1000, got {depth}")
    depth = int(depth)
    # numpy scalars as plain floats (their repr is not a decimal number)
    sigma_w = float(sigma_w) if isinstance(sigma_w, np.floating) else sigma_w
    sigma_b = float(sigma_b) if isinstance(sigma_b, np.floating) else sigma_b
    if depth == 0:
        net = Network.build("x", 1, sigma_w=sigma_w, sigma_b=sigma_b, readout=True)
        K = net.layers[0].sw ** 2 * X @ X.T / X.shape[1] + net.layers[0].sb ** 2
        return NNGPKernel([K], "closed form (linear)", 0.0)
    net = Network.build(activation, depth, sigma_w=sigma_w, sigma_b=sigma_b, params=params, readout=True)
    r = kernel_matrices(net, X, ntk=False, keep_layers=True, method=method)
    m = r.methods[0] if len(set(r.methods)) == 1 else "; ".join(r.methods)
    return NNGPKernel(r.layers, m, r.error)


def empirical_kernel(activation, inputs, depth: int, width: int, sigma_w=1, sigma_b=0,
                     seed: int = 0) -> np.ndarray:
    """Monte Carlo: K^L of one random network of the given width (mean over its units)."""
    from .kernels.empirical import sampled_kernels
    from .model import Network
    net = Network.build(activation, max(int(depth), 1), sigma_w=sigma_w, sigma_b=sigma_b, readout=True)
    if int(depth) == 0:
        net = Network(net.layers[-1:])
    return sampled_kernels(net, inputs, width, seed=seed, ntk=False).nngp
