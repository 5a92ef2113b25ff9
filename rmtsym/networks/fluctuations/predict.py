r"""One entry point: the mean and covariance of q^l across layers, by the best level that applies.

:func:`fluctuations` uses the **exact** level (:mod:`.exact`) when every activation is positively
homogeneous and the weights are Gaussian (any σb) or orthogonal without bias, and the
**Gaussian** (first order in 1/width) theory (:mod:`rmtsym.networks.fluctuations.gaussian`) otherwise; the result names the
method and carries, for the Gaussian level, the estimated size of the neglected terms, and for
the exact level how far first order would have been.

The input may be given by its mean square Q (``regime`` "transient": each layer its own mean
field), or placed at the fixed point q* of a homogeneous network (``fixed_point=True``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from ...errors import ParameterError
from ...numbers import decimal_string

__all__ = ["Fluctuations", "fluctuations", "fixed_point_input", "METHODS"]

#: the levels a caller may ask for
METHODS = ("auto", "exact", "gaussian")


def fixed_point_input(network, start: float = 1.0) -> float:
    """The input mean square Q that puts layer 1 of a homogeneous network at its fixed point q*.

    q* solves q = σw² F(q) + σb², F(q) = E φ(√q Z)², found by Newton's method from
    σw² ``start`` + σb² (double precision). A marginal map (σw² F′ = 1 with σb = 0: linear at
    σw = 1, ReLU at σw² = 2) has every q as a fixed point and keeps the starting one.
    """
    from .moments import raw_moments_for

    if not network.homogeneous:
        raise ParameterError("the fixed point needs a homogeneous network (the same activation, σw, σb "
                             "and weight law in every layer)")
    layer = network.layers[0]
    a, b = layer.sw ** 2, layer.sb ** 2
    rm = raw_moments_for(layer.activation)
    q = a * float(start) + b
    if not q > 0:
        raise ParameterError("the fixed point is q* = 0 (no bias and a zero input): there is nothing to fluctuate")
    for _ in range(200):
        F, F1 = rm.value("phi2", q, 1)
        g, g1 = a * F + b - q, a * F1 - 1
        if abs(g) <= 1e-15 * max(q, 1e-300):
            break
        step = -g / g1 if abs(g1) > 1e-12 else g
        new = q + step
        if not new > 0:
            new = q / 2
        if not math.isfinite(new) or new > 1e12:
            raise ParameterError(f"the length map of {layer.name} at sigma_w = {layer.sigma_w}, sigma_b = "
                                 f"{layer.sigma_b} has no finite fixed point (q grows without bound)")
        q = new
    else:
        raise ParameterError("the fixed point iteration of the length map did not converge")
    if q < 1e-12:
        raise ParameterError("the length map converges to q* = 0: there is nothing to fluctuate at the fixed point")
    return (q - b) / a


@dataclass
class Fluctuations:
    """Mean and covariance of q^1..q^L and how they were obtained.

    Attributes
    ----------
    method : str
        ``"exact"`` or ``"gaussian"``.
    mean : ndarray (L,)
    covariance : ndarray (L, L)
    mean_field : ndarray (L,)
        The infinite-width q^l.
    regime : str
        ``"transient"`` (from the input's Q) or ``"fixed point"``.
    error_covariance : ndarray or None
        Gaussian level: the estimated size of the neglected O(depth²/width²) terms.
    first_order_covariance : ndarray
        The Gaussian-level covariance (for the exact level: what first order would give).
    exact, gaussian : the underlying results
    """
    method: str
    mean: np.ndarray
    covariance: np.ndarray
    mean_field: np.ndarray
    regime: str
    input_mean_square: float
    gaussian: object
    exact: object = None
    notes: List[str] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return len(self.mean)

    @property
    def error_covariance(self) -> Optional[np.ndarray]:
        return None if self.method == "exact" else self.gaussian.error_covariance

    @property
    def first_order_covariance(self) -> np.ndarray:
        return self.gaussian.covariance

    @property
    def first_order_relative_error(self) -> float:
        """max_l |Var₁ q^l − Var q^l| / Var q^l (first order against this result, or its estimate)."""
        d = np.diag(self.covariance)
        if self.method == "exact":
            diff = np.abs(np.diag(self.gaussian.covariance) - d)
        else:
            diff = np.diag(self.gaussian.error_covariance)
        ok = d > 0
        return float(np.max(diff[ok] / d[ok])) if np.any(ok) else 0.0

    @property
    def correlation_length(self) -> Optional[float]:
        """ξ = −1/log a of a homogeneous network at its fixed point (∞ when a = 1), else None."""
        g = self.gaussian
        if self.regime != "fixed point" or len(g.slopes) == 0 or not np.allclose(g.slopes, g.slopes[0], rtol=1e-12):
            return None
        a = float(g.slopes[0])
        if a >= 1 - 1e-12:
            return math.inf
        if a <= 0:
            return 0.0
        return -1.0 / math.log(a)

    def as_json(self, digits: int = 15) -> dict:
        def num(v):
            return decimal_string(v, digits) if math.isfinite(v) else ("inf" if v > 0 else "-inf")

        exact = self.exact
        if exact is not None:
            mean = [decimal_string(c.value, min(digits, c.digits)) for c in exact.mean]
            cov = [[decimal_string(c.value, max(1, min(digits, c.digits))) for c in row]
                   for row in exact.covariance]
        else:
            mean = [num(float(v)) for v in self.mean]
            cov = [[num(float(v)) for v in row] for row in self.covariance]
        out = {"method": self.method, "regime": self.regime,
               "input_mean_square": num(self.input_mean_square),
               "mean": mean, "covariance": cov,
               "mean_field": [num(float(v)) for v in self.mean_field],
               "relative_variance": [num(float(v)) for v in np.diag(self.covariance) / self.mean ** 2],
               "first_order_relative_error": num(self.first_order_relative_error)}
        if self.method == "gaussian":
            out["error_estimate"] = [[num(float(v)) for v in row] for row in self.error_covariance]
            out["error_estimate_mean"] = [num(float(v)) for v in self.gaussian.error_mean]
            out["integrals"] = self.gaussian.integrals
        xi = self.correlation_length
        if xi is not None:
            out["correlation_length"] = num(xi)
        out["length_map_slopes"] = [num(float(v)) for v in self.gaussian.slopes]
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def fluctuations(network, input_mean_square=1, method: str = "auto", fixed_point: bool = False,
                 input_fourth: Optional[float] = None, dps: int = 30) -> Fluctuations:
    r"""Mean and covariance of q^l = ‖h^l‖²/n_l, l = 1..L, at finite width.

    Parameters
    ----------
    network : Network
        With widths (``Network.build(..., width=N)`` or ``widths=[n0, ..., nL]``).
    input_mean_square : number
        Q = ‖x⁰‖²/n_0 (default 1); with ``fixed_point=True`` the starting point of the search
        for q* (see :func:`fixed_point_input`).
    method : {"auto", "exact", "gaussian"}
        ``auto`` takes the exact level where it applies.
    input_fourth : float, optional
        ‖x⁰‖₄⁴/n_0 for non-Gaussian i.i.d. weights (default: a random input direction).
    dps : int
        Working precision of the exact level.
    """
    from .exact import exact_applies, exact_fluctuations
    from .gaussian import gaussian_fluctuations

    if method not in METHODS:
        raise ParameterError(f"the method must be one of {', '.join(METHODS)}, got {method!r}")
    if network.widths is None:
        raise ParameterError("finite-width fluctuations need the widths of the network (--width or --widths)")
    try:
        Q = float(input_mean_square)
    except (TypeError, ValueError):
        raise ParameterError(f"the input's mean square must be a number, got {input_mean_square!r}") from None
    if not math.isfinite(Q) or Q < 0:
        raise ParameterError(f"the input's mean square must be a finite number ≥ 0, got {input_mean_square}")
    notes = []
    if fixed_point:
        Q = fixed_point_input(network, Q)
    ok, why = exact_applies(network)
    if method == "exact" and not ok:
        raise ParameterError(f"the exact level does not apply: {why}")
    use_exact = ok and method != "gaussian"
    g = gaussian_fluctuations(network, Q, input_fourth)
    if use_exact:  # how far first order is appears as first_order_relative_error instead
        notes.extend(n for n in g.notes if not n.startswith("first order is unreliable"))
    else:
        notes.extend(g.notes)
    if use_exact:
        e = exact_fluctuations(network, repr(Q) if fixed_point else input_mean_square, dps=dps)
        mean = np.array(e.mean_floats())
        cov = np.array(e.covariance_floats())
        notes.extend(e.notes)
        regime = g.regime
        return Fluctuations("exact", mean, cov, g.mean_field, regime, Q, g, e, notes)
    if ok is False and method == "auto":
        notes.insert(0, f"Gaussian level: {why}")
    return Fluctuations("gaussian", g.mean, g.covariance, g.mean_field, g.regime, Q, g, None, notes)
