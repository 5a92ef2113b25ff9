r"""Eigenvalue laws of conjugate-kernel (CK) and NTK Gram matrices on i.i.d. Gaussian data.

Data: n inputs x_i ~ N(0, I_d) with n/d → γ (Fan & Wang, "Spectra of the conjugate kernel
and neural tangent kernel for linear-width neural networks", NeurIPS 2020, arXiv:2005.11879).

* **CK at linear width** (hidden widths n_l with n/n_l fixed): the Gram Y_LᵀY_L/n_L of the
  centred features of the last layer follows the iterated Marchenko–Pastur map
  law(K_l) = MP_{n/n_l} ⊠ law(ζ_l K_{l−1}/κ_{l−1} + (η_l − ζ_l) I) (Fan & Wang, Thm 3.4; the
  layer map of :func:`rmtsym.applications.propagation.propagate`, which this module calls).

* **Kernel Grams at infinite hidden width** (n/n_l → 0 for the hidden layers, n/d = γ): a
  Gram G_ij = k(x_i, x_j) of any of the network's kernels (the NNGP K or the NTK Θ, or the
  empirical NTK of a network much wider than n) is, up to a perturbation of rank ≤ 3 and
  o(1) in operator norm, the linear function of XᵀX/d

      G ≈ k₀ 11ᵀ + k₁ XᵀX/d + (k_diag − k₀ − k₁) I          (El Karoui, "The spectrum of
      kernel random matrices", Ann. Statist. 38, 2010; Fan & Wang 2020, NTK in the wide
      regime),

  with k₀ = k at input correlation 0, k₁ = ∂k/∂(x·x′/d) there, k_diag = k(x, x) at
  |x|²/d = 1. So the bulk of the spectrum is the affine image k₁·MP_γ + (k_diag − k₀ − k₁)
  of the Marchenko–Pastur law of ratio γ (mean 1), whatever the activation and depth.
  :class:`AffineMarchenkoPastur` is that law; k₀, k₁ come from the kernel recursion itself.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...errors import ParameterError

__all__ = ["AffineMarchenkoPastur", "kernel_gram_law", "ck_gram_law", "layer_law_cdf", "sample_ck_gram",
           "ks_distance"]


@dataclass
class AffineMarchenkoPastur:
    r"""The law of scale·λ + shift for λ ~ MP_γ (mean 1, atom 1 − 1/γ at 0 when γ > 1).

    ``k0``, ``k1``, ``k_diag`` are the kernel coefficients it was built from; ``spike`` the
    outlier ≈ n·k₀ + ... carried by the rank-one part (not in the law)."""
    gamma: float
    scale: float
    shift: float
    k0: float = float("nan")
    k1: float = float("nan")
    k_diag: float = float("nan")

    @property
    def edges(self):
        g = self.gamma
        a, b = (1 - math.sqrt(g)) ** 2, (1 + math.sqrt(g)) ** 2
        return self.shift + self.scale * a, self.shift + self.scale * b

    @property
    def atom(self):
        """(location, mass) of the atom, or None."""
        return (self.shift, 1 - 1 / self.gamma) if self.gamma > 1 else None

    def pdf(self, x):
        x = np.asarray(x, dtype=float)
        g = self.gamma
        lam = (x - self.shift) / self.scale
        a, b = (1 - math.sqrt(g)) ** 2, (1 + math.sqrt(g)) ** 2
        inside = (lam > a) & (lam < b)
        val = np.zeros_like(lam)
        li = lam[inside]
        val[inside] = np.sqrt((b - li) * (li - a)) / (2 * math.pi * g * li)
        return val / abs(self.scale)

    def cdf(self, x):
        """Cumulative distribution (numerical integration of the density, 1e-10 accurate
        on a 4000-point Chebyshev-graded grid)."""
        x = np.asarray(x, dtype=float)
        lo, hi = sorted(self.edges)
        t = (1 - np.cos(np.linspace(0, math.pi, 4001))) / 2
        grid = lo + (hi - lo) * t
        dens = self.pdf(grid)
        cum = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(grid))])
        cont = 1 - (self.atom[1] if self.atom else 0.0)
        cum *= cont / cum[-1]
        out = np.interp(x, grid, cum, left=0.0, right=cont)
        if self.atom:
            out = out + np.where(x >= self.shift, self.atom[1], 0.0)
        return out

    def mean(self):
        return self.shift + self.scale


def kernel_gram_law(network, gamma: float, kernel: str = "ntk", eps: float = 1e-4) -> AffineMarchenkoPastur:
    r"""The affine Marchenko–Pastur law of the Gram of ``kernel`` ("nngp" or "ntk") on
    n i.i.d. N(0, I_d) inputs, n/d = γ (module docstring). k₀, k₁ and k_diag are read off the
    kernel recursion for inputs of mean square 1 at correlation 0 and ±ε (central
    difference, relative error O(ε²))."""
    from .recursion import kernel_matrices
    g = float(gamma)
    if not (g > 0 and math.isfinite(g)):
        raise ParameterError(f"γ = n/d must be a positive number, got {gamma}")
    if kernel not in ("nngp", "ntk"):
        raise ParameterError(f"kernel must be 'nngp' or 'ntk', got {kernel!r}")
    s = math.sqrt(2.0)
    X = np.array([[s, 0.0], [0.0, s], [s * math.sqrt(1 - eps ** 2), s * eps],
                  [s * math.sqrt(1 - eps ** 2), -s * eps]])
    # rows 0, 1: correlation 0; rows 1 and 2, 3: correlation ±ε; all with |x|²/d = 1
    r = kernel_matrices(network, X, ntk=(kernel == "ntk"))
    G = r.ntk if kernel == "ntk" else r.nngp
    k0, kd = float(G[0, 1]), float(G[0, 0])
    k1 = float(G[1, 2] - G[1, 3]) / (2 * eps)
    return AffineMarchenkoPastur(g, k1, kd - k0 - k1, k0, k1, kd)


def ck_gram_law(activation, gamma: float, depth: int, width_ratios=None, sigma_w=1):
    """The CK law of Fan & Wang at linear width: the last layer of
    :func:`rmtsym.applications.propagation.propagate` with φ = d/n (input dimension over the
    number of samples), the activation centred by its Gaussian mean at each layer; widths
    n_l/d = ``width_ratios`` (default all 1). Returns its :class:`LayerLaw`."""
    from ...applications.propagation import propagate
    prop = propagate(activation, 1.0 / float(gamma), int(depth), widths=width_ratios, sigma_w=sigma_w,
                     moments=4, max_algebraic_layers=0)
    return prop.laws[-1]


def layer_law_cdf(law, hi: float, points: int = 2000):
    """The cdf of a :class:`~rmtsym.applications.propagation.LayerLaw` on [0, hi], by
    integrating its density (fixed-point Stieltjes transform at Im z = 1e-9) on a grid and
    normalising; returns a function of x."""
    xs = np.linspace(0.0, float(hi), int(points))
    dens = np.nan_to_num(law.density(xs, method="fixed_point", strict=False))
    cum = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(xs))])
    cum /= cum[-1]
    return lambda x: np.interp(x, xs, cum)


def sample_ck_gram(activation, n: int, d: int, depth: int, widths=None, sigma_w=1.0, seed: int = 0):
    """Eigenvalues of Y_LᵀY_L/n_L for one sampled network in the conventions of
    :func:`ck_gram_law`: x_i ~ N(0, I_d), Y_l = φ(W_l Y_{l−1}) − E φ(√q_l Z) with W_l of
    N(0, σw²/n_{l−1}) entries."""
    from ...applications.propagation import build_layers
    from ...activation import parse_activation
    layers = build_layers(activation, d / n, depth, widths, None, sigma_w, 1, False, 20)
    f = parse_activation(activation).numpy_function() if isinstance(activation, str) else activation.numpy_function()
    rng = np.random.default_rng(seed)
    Y = rng.standard_normal((d, n))
    for lay in layers:
        n_out = int(round(n / float(lay.c)))
        W = rng.standard_normal((n_out, Y.shape[0])) * (float(sigma_w) / math.sqrt(Y.shape[0]))
        Y = f(W @ Y) - float(lay.moments.mean)
    return np.linalg.eigvalsh(Y.T @ Y / Y.shape[0])


def ks_distance(eigs, cdf) -> float:
    """Kolmogorov distance between the empirical law of ``eigs`` and a cdf."""
    e = np.sort(np.asarray(eigs, dtype=float))
    F = cdf(e)
    n = e.size
    return float(max(np.max(np.arange(1, n + 1) / n - F), np.max(F - np.arange(n) / n)))
