r"""Layer-by-layer mean field of a deep random network: q^l from the input.

For the network of :mod:`rmtsym.networks.model` and an input with ‖x⁰‖²/n_0 = Q, the
pre-activations of layer l are asymptotically N(0, q^l) at infinite width (Poole et al.
2016; Schoenholz et al., ICLR 2017; Pastur & Slavin, arXiv:2011.11439, where the input
enters only through ‖x⁰‖):

    q^1 = σ_{w,1}² Q + σ_{b,1}²,        q^{l+1} = σ_{w,l+1}² E φ_l(√q^l Z)² + σ_{b,l+1}².

Two regimes, and every result says which one it used:

* ``transient`` — the recursion above from the given Q (each layer its own q^l);
* ``fixed point`` — every layer at the fixed point q* of a homogeneous network's length
  map (the input is taken to sit at q*, i.e. Q = E φ(√q* Z)²), as in Pennington,
  Schoenholz & Ganguli (2017).

The Gaussian integrals are closed forms where :func:`rmtsym.gaussian.gaussian_expectation`
finds them (ReLU, erf, hard-tanh, polynomials, ...) and mpmath quadrature split at the kinks
otherwise; the whole chain is computed at two working precisions and each q^l carries the
digits on which they agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import mpmath

from ..errors import ParameterError
from ..numbers import Certified, check_dps, decimal_string
from .integrals import integrals_for, to_mpf
from .model import Network

__all__ = ["MeanField", "mean_field", "layer_integrals"]


def layer_integrals(layer):
    """The :class:`~rmtsym.networks.integrals.GaussianIntegrals` of a layer's activation."""
    return integrals_for(layer.activation)


@dataclass
class MeanField:
    """q^l (and χ_l = σ_{w,l}² E φ_l′(√q^l Z)²) for l = 1..L, with the regime used.

    Attributes
    ----------
    q : list of Certified
        The variance of the pre-activations of each layer.
    chi : list of Certified
        χ_l, the mean squared singular value of layer l's Jacobian factor D^l W̃^l
        (None for a linear read-out layer: its factor is W̃ alone, χ = σw²).
    regime : str
        ``"transient"`` or ``"fixed point"``.
    input_mean_square : Certified or None
        Q = ‖x⁰‖²/n_0 (for the fixed-point regime, the Q that puts layer 1 at q*).
    q_star : Certified or None
        The fixed point of a homogeneous network's length map (None otherwise).
    methods : list of str
        How each layer's Gaussian integral was obtained (``closed form`` / ``quadrature``).
    """
    q: List[Certified]
    chi: List[Optional[Certified]]
    regime: str
    input_mean_square: Optional[Certified]
    q_star: Optional[Certified] = None
    methods: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return len(self.q)

    def as_json(self, digits: int = 15) -> dict:
        def num(c):
            return None if c is None else decimal_string(c.value, min(digits, max(c.digits, 1)))
        out = {"regime": self.regime,
               "q": [num(c) for c in self.q],
               "chi": [num(c) for c in self.chi],
               "input_mean_square": num(self.input_mean_square),
               "q_method": self.methods,
               "q_digits": min(c.digits for c in self.q)}
        if self.q_star is not None:
            out["q_star"] = num(self.q_star)
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def _chain(network: Network, Q, fixed_q):
    """q^1..q^L and χ_1..χ_L at the current precision (plain mpf values)."""
    qs, chis = [], []
    prev_q, prev_layer = None, None
    for i, layer in enumerate(network.layers):
        sw2 = mpmath.mpf(layer.sigma_w) ** 2
        sb2 = mpmath.mpf(layer.sigma_b) ** 2
        if fixed_q is not None:
            q = fixed_q
        elif i == 0:
            q = sw2 * Q + sb2
        else:
            # the previous layer's activation feeds this one; once the chain has converged
            # and the layers repeat, the value repeats too (no new integral)
            if (len(qs) >= 2 and qs[-1] == qs[-2] and prev_layer == network.layers[i - 2]
                    and layer == prev_layer):
                q = qs[-1]
            else:
                q = sw2 * integrals_for(prev_layer.activation).second_moment(prev_q) + sb2
        if layer.activation is None:
            chi = None
        elif chis and q == qs[-1] and layer == prev_layer and chis[-1] is not None:
            chi = chis[-1]
        else:
            chi = sw2 * integrals_for(layer.activation).slope_sq(q)
        qs.append(q)
        chis.append(chi)
        prev_q, prev_layer = q, layer
    return qs, chis


def _agree(a, b, dps):
    if a == b:
        return dps
    err = abs(a - b) / max(abs(b), mpmath.mpf(10) ** (-dps - 10))
    return int(min(dps, max(0, -mpmath.log10(err) - 1)))


def mean_field(network: Network, input_mean_square=None, dps: int = 20, q0=1) -> MeanField:
    r"""The layer variances q^l of ``network`` (module docstring), certified.

    Parameters
    ----------
    network : Network
    input_mean_square : number, optional
        Q = ‖x⁰‖²/n_0 ≥ 0. Without it the network must be homogeneous and every layer
        sits at the fixed point q* of its length map, reached from q⁰ = ``q0``.
    dps : int
        Decimal digits; the chain is run at dps + 5 and dps + 15 digits and each value
        carries the digits on which the two agree.
    """
    from .signal_propagation import length_fixed_point

    dps = check_dps(dps)
    notes = []
    q_star = None
    acts = [l for l in network.layers if l.activation is not None]
    if input_mean_square is None:
        if not network.homogeneous and not (
                len(acts) == network.depth - 1 and Network(acts).homogeneous):
            raise ParameterError("the layers of this network differ, so there is no single fixed "
                                 "point; give the input's mean square (--input-mean-square)")
        first = acts[0]
        fp = length_fixed_point(first.activation, first.sigma_w, first.sigma_b, q0=q0, dps=dps)
        q_star = fp.q_star
        if fp.note:
            notes.append(fp.note)
        regime = "fixed point"
    else:
        with mpmath.workdps(dps + 15):
            Qv = to_mpf(input_mean_square, "the input's mean square", nonnegative=True)
        regime = "transient"

    runs = []
    for extra in (5, 15):
        with mpmath.workdps(dps + extra):
            if q_star is not None:
                qs, chis = _chain(network, None, +q_star.value)
            else:
                qs, chis = _chain(network, +Qv, None)
            runs.append((qs, chis))
    (qa, ca), (qb, cb) = runs
    how_q = (f"fixed point q* ({q_star.method})" if q_star is not None
             else "length map from the input")
    with mpmath.workdps(dps):
        q_c = [Certified(+b, min(_agree(a, b, dps), q_star.digits if q_star else dps), how_q)
               for a, b in zip(qa, qb)]
        chi_c = [None if b is None else Certified(+b, _agree(a, b, dps), "σw² E φ′(√q Z)²")
                 for a, b in zip(ca, cb)]
    methods = []
    for layer in network.layers:
        if layer.activation is None:
            methods.append("linear")
        else:
            I = integrals_for(layer.activation)
            methods.append("closed form" if I.closed_form("phi2") is not None else "quadrature")
    if q_star is not None:
        first = acts[0]
        with mpmath.workdps(dps + 15):
            Q = (q_star.value - mpmath.mpf(first.sigma_b) ** 2) / mpmath.mpf(first.sigma_w) ** 2
        Qc = Certified(Q, q_star.digits, "input at the fixed point: Q = E φ(√q* Z)²")
    else:
        with mpmath.workdps(dps):
            Qc = Certified(+Qv, dps, "given")
    return MeanField(q_c, chi_c, regime, Qc, q_star, methods, notes)
