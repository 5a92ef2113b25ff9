"""Infinite-width kernels of deep networks and what they are used for.

* :mod:`.closed_forms` — two-point Gaussian expectations in closed form (arc-cosine family,
  erf, GELU, affine);
* :mod:`.quadrature` — the same for any activation, all pairs at once, with an error bound;
* :mod:`.recursion` — NNGP K and NTK Θ of Dense → (φ → Dense) × L (neural-tangents' ``stax``
  conventions, NTK parameterization) for Grams of any size;
* :mod:`.gp` — Gaussian-process inference with these kernels (posterior, marginal
  likelihood, classification by regression, the NTK's gradient-descent predictor);
* :mod:`.spectra` — eigenvalue laws of CK and NTK Gram matrices on Gaussian data;
* :mod:`.empirical` — sampled and trained finite networks (numpy).

Modules are imported on demand (``from rmtsym.networks.kernels import recursion``).
"""
