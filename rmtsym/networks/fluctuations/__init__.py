"""Finite-width fluctuations of the order parameters of deep random networks.

The statistical-field-theory view of Schoenholz, Pennington & Sohl-Dickstein ("A correspondence
between random neural networks and statistical field theory", arXiv:1710.06570): q^l =
‖h^l‖²/n_l fluctuates by O(1/√width) around the mean field, correlated along depth.

* :mod:`rmtsym.networks.fluctuations.moments` — what one layer does given the layer before (Gaussian integrals in the
  variance v, weight-law corrections);
* :mod:`.exact` — the exact level: positively homogeneous activations with Gaussian (or
  bias-free orthogonal) weights, every moment a finite product;
* :mod:`rmtsym.networks.fluctuations.gaussian` — first order in 1/width for any activation, with the second-order
  estimate of what it neglects;
* :mod:`.pairs` — two inputs: both lengths and the correlation;
* :mod:`.field_theory` — the Gaussian action along depth, its Fourier modes, correlation
  length, continuum limit, and where the Gaussian picture breaks;
* :mod:`.simulate` — many independent networks at once;
* :mod:`.predict` — :func:`fluctuations`, the entry point that picks the level.

The names below are imported on first use (the field theory as
``from rmtsym.networks.fluctuations.field_theory import field_theory``: the function shares its
module's name).
"""
from importlib import import_module

_NAMES = {"fluctuations": "predict", "Fluctuations": "predict", "fixed_point_input": "predict",
          "exact_fluctuations": "exact", "exact_applies": "exact", "homogeneous_slopes": "exact",
          "gaussian_fluctuations": "gaussian", "pair_fluctuations": "pairs", "FieldTheory": "field_theory",
          "breakdown": "field_theory", "simulate_fluctuations": "simulate", "sample_moments": "simulate"}

__all__ = sorted(_NAMES)


def __getattr__(name):
    if name in _NAMES:
        return getattr(import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
