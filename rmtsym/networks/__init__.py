"""Deep random networks: one model, its mean field, Jacobian spectra and kernels.

Beside the single-layer Pennington–Worah pipeline, this package holds the deep-network
half of the theory:

* :mod:`rmtsym.networks.integrals` — the one- and two-point Gaussian integrals of an
  activation that every mean-field computation needs.
* :mod:`rmtsym.networks.signal_propagation` — the length and correlation maps, q*, χ1, the
  depth scales and the order-to-chaos line (Schoenholz, Gilmer, Ganguli & Sohl-Dickstein,
  ICLR 2017).
* :mod:`rmtsym.networks.jacobian` — the singular values of input–output Jacobians,
  ⊠_l (ν_{D_l²} ⊠ ν_{W_lW_lᵀ}) (Pennington, Schoenholz & Ganguli 2017; Pastur 2020;
  Pastur & Slavin 2023).
* :mod:`rmtsym.networks.nngp` — the NNGP kernel recursion (Lee et al., ICLR 2018).

Modules are imported on demand (``from rmtsym.networks import jacobian``).
"""
