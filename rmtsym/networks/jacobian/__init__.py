"""Spectra of input–output Jacobians of deep random networks.

Pennington, Schoenholz & Ganguli, "Resurrecting the sigmoid in deep learning through dynamical
isometry" (NeurIPS 2017, arXiv:1711.04735); Pastur, "On random matrices arising in deep neural
networks. Gaussian case" (arXiv:2001.06188); Pastur & Slavin, "... General I.I.D. case"
(arXiv:2011.11439); Pastur, "... Orthogonal case" (arXiv:2201.04543).

The limit law of M_L = J_L J_Lᵀ is ⊠_l (ν_{D_l²} ⊠ ν_{W̃_lᵀW̃_l}) with each layer at its own
variance q^l (:mod:`rmtsym.networks.mean_field`):

* :mod:`.series` — power series of the S-transform (reversion, products);
* :mod:`.layers` — the law of D_l² = φ_l′(√q^l Z)², its moments, atoms and the weight factors;
* :mod:`rmtsym.networks.jacobian.moments` — exact moments m_k from the S-transform product (any precision);
* :mod:`.algebraic` — the polynomial equation when every D_l² is 0/1-valued;
* :mod:`.density` — the subordination solver for any D² laws (double precision);
* :mod:`.law` — :class:`JacobianLaw`, the scipy.stats-like law of a network;
* :mod:`.compat` — the single-activation functions of earlier versions (``jacobian_spectrum``,
  ``JacobianDensity``, ...), now computed by the network model.
"""
from .algebraic import fuss_catalan_edge, jacobian_equation, network_equation
from .compat import (JacobianDensity, JacobianSpectrum, jacobian_density, jacobian_law,
                     jacobian_moments, jacobian_moments_rectangular, jacobian_spectrum,
                     s_transform_series, sample_jacobian_eigenvalues)
from .layers import bernoulli_p as _bernoulli_p, derivative_moments
from .law import JacobianLaw
from .moments import MAX_ORDER, network_moments
from .series import moments_from_s, s_from_moments

__all__ = ["derivative_moments", "s_transform_series", "jacobian_moments", "jacobian_equation",
           "jacobian_law", "JacobianDensity", "jacobian_density", "fuss_catalan_edge",
           "jacobian_moments_rectangular", "JacobianSpectrum", "jacobian_spectrum",
           "sample_jacobian_eigenvalues", "moments_from_s", "s_from_moments", "JacobianLaw",
           "network_moments", "network_equation", "MAX_ORDER", "_bernoulli_p"]
