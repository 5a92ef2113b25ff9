"""Monte Carlo of the data Gram spectra through the layers, for checking the theory."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from .layers import Layer, _as_expr, build_layers


@dataclass
class SimulatedPropagation:
    """Monte Carlo moments (1/m) tr K_l^k, mean and standard error over seeds."""

    mean: np.ndarray  # shape (L + 1, k)
    se: np.ndarray
    sizes: Dict[str, object]


def simulate_propagation(activation, phi, layers: int, n0: int, widths=None, psi=None,
                         sigma_w=1, sigma_x=1, normalize: bool = False, moments: int = 4,
                         seeds: int = 2, seed: int = 0, layer_list: Optional[List[Layer]] = None,
                         dps: int = 20) -> SimulatedPropagation:
    """Simulate K_0 … K_L with :func:`rmtsym.sampler.apply_layer` and return their moments.

    Each layer subtracts its Gaussian mean μ_l = E f(√q_l Z) (mean field); with
    ``normalize`` the activation is (f − μ0)/√η at unit variance.
    """
    from ...sampler import apply_layer, random_entries, resolve_activation

    if layer_list is None:
        layer_list = build_layers(activation, phi, layers, widths, psi, sigma_w, sigma_x, normalize, dps)
    from ...activation import parse_activation

    expr = _as_expr(activation)
    f = resolve_activation(parse_activation(expr)).function
    shift0, scale0 = 0.0, 1.0
    if normalize:
        from ...gaussian import gaussian_moments
        base = gaussian_moments(expr, dps=20)
        shift0, scale0 = float(base.mean), 1 / math.sqrt(float(base.eta))

    def g(u, f=f, shift0=shift0, scale0=scale0):
        return (f(u) - shift0) * scale0

    n0 = int(n0)
    m = int(round(n0 / float(phi)))
    sizes = [int(round(n0 / (float(phi) * float(l.c)))) for l in layer_list]  # n_l = m/c_l
    out = np.zeros((seeds, layers + 1, moments))
    for s in range(seeds):
        rng = np.random.default_rng([seed, s, 7])
        Y = random_entries(rng, (n0, m), float(sigma_x))
        for l in range(layers + 1):
            if l:
                Y = apply_layer(g, Y, sizes[l - 1], rng, sigma_w=float(sigma_w),
                                center=float(layer_list[l - 1].moments.mean))
            K = Y.T @ Y / Y.shape[0]
            lam = np.linalg.eigvalsh(K)
            out[s, l] = [np.mean(lam**k) for k in range(1, moments + 1)]
    mean = out.mean(axis=0)
    se = out.std(axis=0, ddof=1) / math.sqrt(seeds) if seeds > 1 else np.full_like(mean, np.nan)
    return SimulatedPropagation(mean, se, {"n0": n0, "m": m, "widths": sizes})
