"""Loss surfaces: Pennington & Bahri (ICML 2017) on the model and on real networks.

Pennington & Bahri, "Geometry of neural network loss surfaces via random matrix theory",
ICML 2017, PMLR 70:2798–2806.

* :mod:`.model` — the random-matrix model law(H) = MP_φ ⊞ SC(2ε): support, density, index
  α(ε, φ), critical energy ε_c(φ), the 3/2 law (prefactor α0 and exponent fit), sweeps.
  (``rmtsym.applications.hessian`` is an alias of this module.)
* :mod:`.network` — a single-hidden-layer network on the memorization task (random Gaussian
  inputs and targets, squared loss) with exact gradient, Jacobian and Hessian H = H0 + H1.
* :mod:`.critical_points` — critical points of several indices (Levenberg–Marquardt on
  ‖∇L‖², exact Hessian) and minimizers (damped Newton on L).
* :mod:`.freeness` — the freeness assumption: spectrum of H against H0 + Q H1 Qᵀ, Q Haar.
* :mod:`.experiment` — the comparisons: empirical index against α(ε, φ), spectra against
  the model's law with a stated scale, energies of minimizers against ½(1 − φ)².

The submodules are imported on demand; the model's names are re-exported here.
"""
from .model import *  # noqa: F401,F403
from .model import __all__ as _model_all

__all__ = list(_model_all)
