"""Propagation of the data spectrum through the layers of a deep random network.

Model (Pennington & Worah, NeurIPS 2017, §6; Benigni & Péché, EJP 2021; ``docs/theory.md`` §1.8)
------------------------------------------------------------------------------------------------
Data X ∈ R^{n0×m} with iid N(0, σx²) entries; layers Y_l = f(W_l Y_{l−1}) − μ_l with
W_l ∈ R^{n_l×n_{l−1}} of iid N(0, σw²/n_{l−1}) entries (Y_0 = X) and μ_l the Gaussian mean
that centres the layer; the data Gram matrix of layer l is K_l = Y_lᵀY_l/n_l (m×m).

Mean field. The pre-activations of layer l are Gaussian with variance q_l = σw² κ_{l−1},
κ_{l−1} = diag(K_{l−1}) (κ_0 = σx²); after the centred activation κ_l = η_l, so

    q_1 = σw² σx²,   q_{l+1} = σw² η_l,   η_l = Var f(√q_l Z),  ζ_l = (E[Z f(√q_l Z)])².

(Schoenholz et al., ICLR 2017, recursion q^l = σw² ∫Dz φ(√q^{l−1}z)² — with the centred f.)

Layer map (Gaussian equivalence, iterated). Conditionally on Y_{l−1} the rows of Y_l are
iid with covariance ≈ ζ_l K_{l−1}/κ_{l−1} + (η_l − ζ_l) I (linear Hermite part plus
independent nonlinear noise), so

    law(K_l) = MP_{m/n_l} ⊠ law( ζ_l K_{l−1}/κ_{l−1} + (η_l − ζ_l) I ),

which is the reference map of docs/theory.md §1.8 when f is normalised (κ = η = 1). With
``normalize=True`` f is replaced by (f − E f(Z))/√(Var f(Z)), i.e. η(q) → η(q)/η(1),
ζ(q) → ζ(q)/η(1), and with σw = σx = 1 every layer has q = η = 1.

Three routes are provided:

* the algebraic law of each layer, Q_l(G, z) = 0, built by :func:`rmtsym.algebraic.scale`,
  :func:`~rmtsym.algebraic.shift` and :func:`~rmtsym.algebraic.mp_product`; its degree in G
  doubles with every layer (2, 4, 8, 16, 32, 64 for K_0 … K_5), so it is built up to
  ``max_algebraic_layers`` (default 3), with densities from
  :class:`rmtsym.solver.BranchSolver` where the degree is at most 8;
* the Silverstein fixed point of the whole chain (nested subordination, damped, warm-started
  from Im z = 20 and continued towards the real axis, asserting Im G < 0, docs/theory.md §2), used
  for densities of deeper layers;
* exact moments by an independent route: the S-transform series S_{K_l} = S_{H_l}·S_{MP},
  S_{MP_c}(w) = 1/(1 + c w), i.e. χ_{K_l}(w) = χ_{H_l}(w)/(1 + c_l w) with χ the inverse of the
  moment series ψ(u) = Σ m_k u^k (Voiculescu; Nica & Speicher, Lecture 18).

The ζ = 0 class: when ζ_l = 0 the layer forgets its input, law(K_l) = η_l·MP_{m/n_l}
("whitening"); with equal widths n_l = n0 (ψ = 1) and η = 1 the input law MP_{1/φ} is
therefore preserved through depth (PW's observation; Benigni & Péché 2021).

Where things are: :mod:`~.layers` (mean field and widths), :mod:`~.layer_laws` (the algebraic
equation of each layer, the fixed point of the chain), :mod:`~.moment_series` (exact moments
by the S-transform), :mod:`~.propagate` (the entry point), :mod:`~.zeta_zero` (the whitening
class), :mod:`~.simulation` (Monte Carlo of the Gram spectra).
"""
from .layer_laws import SOLVER_MAX_DEGREE, fixed_point_stieltjes, layer_equations
from .layers import Layer, LayerMoments, build_layers, mean_field
from .moment_series import affine_moments, mp_moments, mp_product_moments, series_layer_moments
from .propagate import LayerLaw, Propagation, propagate
from .simulation import SimulatedPropagation, simulate_propagation
from .zeta_zero import is_zeta_zero, whitened_law

__all__ = ["propagate", "Propagation", "LayerLaw", "Layer", "LayerMoments", "mean_field", "build_layers",
           "series_layer_moments", "mp_product_moments", "affine_moments", "mp_moments",
           "layer_equations", "fixed_point_stieltjes", "is_zeta_zero", "whitened_law",
           "simulate_propagation", "SimulatedPropagation", "SOLVER_MAX_DEGREE"]
