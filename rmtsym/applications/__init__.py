"""What the theory is for: applications of the Pennington–Worah law.

* :mod:`rmtsym.applications.memorization` — training loss of random-feature ridge
  regression on random targets, E_train(γ) = 1 − φ/ψ − (φ/ψ)·γ²·G′(−γ)
  (Pennington & Worah, NeurIPS 2017, §5; normalisation of ``docs/theory.md`` §1.7).
* :mod:`rmtsym.applications.propagation` — the spectrum of the data Gram matrix
  K_l = Y_lᵀY_l/n_l through the layers of a deep random network, law(K_l) =
  MP_{m/n_l} ⊠ law(ζ_l K̂_{l−1} + (η_l − ζ_l) I) (PW §6; Benigni & Péché 2021), and the
  ζ = 0 class of activations that whiten the data spectrum.
* :mod:`rmtsym.applications.design` — an activation designer: solve a parametric
  family for ζ = 0 (or a target ζ/η), centring and η = 1.

Related results of the same literature:

* :mod:`rmtsym.applications.hessian` — the Pennington–Bahri Hessian model MP_φ ⊞ SC(2ε)
  (ICML 2017): the spectrum, the index α(ε, φ) and the critical energy εc(φ).

The deep-network results (signal propagation, Jacobian spectra, NNGP kernels) live in
:mod:`rmtsym.networks`; ``rmtsym.applications.signal_propagation``, ``.jacobian`` and
``.nngp`` re-export them under their former names.

The modules are imported on demand (``from rmtsym.applications import memorization``).
"""
