"""Deep random networks: one model, its mean field, Jacobian spectra, kernels and fluctuations.

Beside the single-layer Pennington–Worah pipeline, this package holds the deep-network half
of the theory, all of it built on one network model:

* :mod:`rmtsym.networks.model` — :class:`~rmtsym.networks.model.Network`: per layer a width,
  an activation, σw, σb and a weight law (:mod:`rmtsym.networks.weights`);
* :mod:`rmtsym.networks.integrals` — the one- and two-point Gaussian integrals of an activation;
* :mod:`rmtsym.networks.mean_field` — q^l layer by layer from the input, or at the fixed point;
* :mod:`rmtsym.networks.signal_propagation` — length and correlation maps, q*, χ1, depth scales,
  the order-to-chaos line (Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, ICLR 2017);
* :mod:`rmtsym.networks.jacobian` — the limit law of J Jᵀ (Pennington, Schoenholz & Ganguli
  2017; Pastur 2020; Pastur & Slavin 2023) for any activations, widths and weight laws;
* :mod:`rmtsym.networks.kernels` — NNGP and NTK Grams, GP inference, kernel spectra (Lee et al.
  2018; Jacot et al. 2018); :mod:`rmtsym.networks.nngp` is the first interface to them;
* :mod:`rmtsym.networks.fluctuations` — finite-width fluctuations of q^l along depth
  (Schoenholz, Pennington & Sohl-Dickstein 2017);
* :mod:`rmtsym.networks.simulate` and :mod:`rmtsym.networks.validation` — real networks and
  their statistics against the laws.

``Network`` and ``JacobianLaw`` are importable from here; the modules load on demand.
"""


def __getattr__(name):  # lazy: importing rmtsym.networks loads nothing heavy
    if name == "Network":
        from .model import Network
        return Network
    if name == "JacobianLaw":
        from .jacobian import JacobianLaw
        return JacobianLaw
    raise AttributeError(name)
