r"""What one layer does to the order parameters, given the layer before it.

Layer l of :class:`~rmtsym.networks.model.Network` computes h = σw W x/√n_in + σb b from the
previous activations x (p = ‖x‖²/n_in), and the order parameters

    q = ‖h‖²/n_out,        p' = ‖φ(h)‖²/n_out

are averages over the n_out units. With Gaussian weights the units are i.i.d. N(0, v) given x,
v = σw² p + σb², so every conditional statistic of (q, p') is a one-dimensional Gaussian
integral of the variance v::

    E[q | x] = v,   E[p' | x] = F(v) = E φ(√v Z)²,
    n_out · Cov((q, p') | x) = [[2v², C(v)], [C(v), G(v)]],
        C = E h²φ(h)² − v F,   G = E φ(h)⁴ − F²,
    n_out² · (third cumulants) = E[(φ² − F)³],  E[(h² − v)(φ² − F)²].

Derivatives in v come from Gaussian integration by parts (Price's theorem),

    dᵏ/dvᵏ E g(√v Z) = E[g(√v Z) He_{2k}(Z)] / (2v)ᵏ,

so no derivative of φ is needed (kinks are fine). Each raw moment E g(√v Z) is a closed form
when :func:`rmtsym.gaussian.gaussian_expectation` finds one (ReLU, erf, polynomials, ...;
differentiated symbolically and evaluated in double precision; E[h² g(h)] = v E g + 2v² ∂_v E g
follows from the closed form of E g), else composite Gauss–Legendre quadrature in double precision split at the kinks of φ.

Other weight laws (:mod:`rmtsym.networks.weights`) change these statistics at first order in
1/width (Schoenholz, Pennington & Sohl-Dickstein, "A correspondence between random neural
networks and statistical field theory", arXiv:1710.06570, treat Gaussian weights; the
corrections below are derived here):

* i.i.d. entries with fourth moment m4 (symmetric laws, E w³ = 0): the units are still i.i.d.
  given x, with fourth cumulant κ4 = σw⁴ (m4 − 3) R / n_in, R = ‖x‖₄⁴/n_in. To first order in
  κ4 every expectation moves by (κ4/6) ∂²_v of its Gaussian value, so
  E[p' | x] = F + κ4 F''/6 and n_out Cov(A_f, A_g | x) gains (κ4/6)(∂²F_fg − F_f ∂²F_g −
  F_g ∂²F_f); in particular n_out Var(q | x) = 2v² + κ4 exactly.
* Haar-orthogonal weights: h − σb b is uniform on a sphere whose squared radius n_out u ω
  fluctuates by Var ω = ρ = 2(1/n_out − 1/n_in) n_in/(n_in + 2) when n_out < n_in, else not at
  all (u = σw² p). To first order, with D_f = u ∂_v F_f(v),
  E[A_f | x] = F_f + u² F_f'' (ρ/2 − 1/n_out) and
  Cov(A_f, A_g | x) = C_fg/n_out + D_f D_g (ρ − 2/n_out): a square layer without bias has
  Var(q | x) = 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from ...errors import ParameterError

__all__ = ["RawMoments", "raw_moments_for", "LayerStatistics", "layer_statistics",
           "WeightCorrection", "weight_correction", "TAIL", "PANEL"]

#: the quadrature covers |Z| ≤ TAIL (the Gaussian weight beyond is below 1e-30)
TAIL = 12.0
#: the longest quadrature panel (in units of Z; shorter, 3/√v, for large v) and its number of
#: Gauss–Legendre nodes
PANEL, NODES = 1.5, 24
#: seconds the closed-form search may spend on one raw moment
CLOSED_FORM_TIME = 3.0

#: the raw moments used, g(x) as a function of φ(x) and x
_INTEGRANDS = {"phi2": lambda f, x: f ** 2, "phi4": lambda f, x: f ** 4, "phi6": lambda f, x: f ** 6,
               "h2phi2": lambda f, x: x ** 2 * f ** 2, "h2phi4": lambda f, x: x ** 2 * f ** 4}


def _hermite_even(k: int, z: np.ndarray) -> np.ndarray:
    """He_{2k}(z) (probabilists' Hermite polynomial)."""
    return np.polynomial.hermite_e.hermeval(z, [0] * (2 * k) + [1])


class RawMoments:
    r"""Raw Gaussian moments E g(√v Z) of one activation and their v-derivatives.

    ``value(key, v, order)`` returns [r(v), r′(v), ..., r^(order)(v)] for g = φ² (``"phi2"``),
    φ⁴, φ⁶, x²φ², x²φ⁴; ``method(key)`` says "closed form" or "quadrature". ``activation``
    None is the identity (a linear read-out).
    """

    def __init__(self, activation=None):
        import sympy as sp

        from ... import symbols as S
        self.activation = activation
        self.expr = S.x if activation is None else activation.expr
        self.name = "linear" if activation is None else activation.name
        if self.expr.free_symbols - {S.x}:
            raise ParameterError("give values to the activation's parameters first")
        self._np = (lambda t: np.asarray(t, dtype=float)) if activation is None else activation.numpy_function()
        kinks = []
        if activation is not None:
            for b in activation.breakpoints():
                try:
                    kinks.append(float(sp.Float(b, 20)))
                except (TypeError, ValueError):
                    pass
        self.kinks = sorted(set(kinks))
        self._closed: Dict[str, Optional[list]] = {}
        self._closed_expr: Dict[str, object] = {}
        self._cache: Dict[tuple, list] = {}

    # ------------------------------------------------------------------ closed forms
    def _closed_derivatives(self, key: str, order: int):
        """[r, r′, ..., r^(order)] as numpy functions of v from the closed form, or None."""
        if key in self._closed:
            have = self._closed[key]
            return None if have is None else self._extend(key, order)
        import sympy as sp

        from ... import symbols as S
        from ...errors import RmtsymError
        from ...gaussian import gaussian_expectation
        V = sp.Symbol("V", positive=True)
        if key in ("h2phi2", "h2phi4"):
            # E[h² g(h)] = v E g + 2v² d/dv E g for h ~ N(0, v) (Gaussian integration by parts):
            # exact from the closed form of E g, no second search
            base = self._closed_derivatives("phi2" if key == "h2phi2" else "phi4", 0)
            if base is None:
                self._closed[key] = None
                return None
            eg = self._closed_expr[key.replace("h2", "")]
            return self._store(key, V, V * eg + 2 * V ** 2 * sp.diff(eg, V), order)
        if key in ("phi4", "phi6") and self.expr.has(sp.erf, sp.erfc):
            # Gaussian integrals of three or more erf factors are not elementary (the search
            # would only spend its time limit)
            self._closed[key] = None
            return None
        g = _INTEGRANDS[key](self.expr, S.x)
        try:
            res = gaussian_expectation(g, numeric=False, time_limit=CLOSED_FORM_TIME)
            expr = res.expr
        except RmtsymError:
            expr = None
        if expr is None or expr.has(sp.Piecewise, sp.Integral):
            self._closed[key] = None
            return None
        ev = sp.simplify(expr.subs(S.sigma, sp.sqrt(V)))
        return self._store(key, V, ev, order)

    def _store(self, key, V, ev, order):
        self._closed_expr[key] = ev
        self._closed_var = V
        self._closed[key] = []
        return self._extend(key, order)

    def _extend(self, key, order):
        """Lambdified derivatives 0..order of the closed form (built on demand)."""
        import sympy as sp
        funcs = self._closed[key]
        V = self._closed_var
        while len(funcs) <= order:
            if not funcs:
                self._derivs = getattr(self, "_derivs", {})
                self._derivs[key] = [self._closed_expr[key]]
            exprs = self._derivs[key]
            while len(exprs) <= len(funcs):
                exprs.append(sp.diff(exprs[-1], V))
            funcs.append((sp.lambdify(V, exprs[len(funcs)], modules=["scipy", "numpy"]),
                          sp.lambdify(V, exprs[len(funcs)], modules=["mpmath"])))
        return funcs

    def method(self, key: str = "phi2") -> str:
        return "closed form" if self._closed_derivatives(key, 0) is not None else "quadrature"

    # ------------------------------------------------------------------ quadrature
    def _nodes(self, v: float):
        s = math.sqrt(v)
        cuts = sorted(k / s for k in self.kinks if abs(k / s) < TAIL)
        edges = [-TAIL] + cuts + [TAIL]
        x, w = np.polynomial.legendre.leggauss(NODES)
        zs, ws = [], []
        panel = min(PANEL, 3.0 / s)  # φ(√v z) varies on the scale 1/√v in z
        for lo, hi in zip(edges[:-1], edges[1:]):
            m = max(1, int(math.ceil((hi - lo) / panel)))
            sub = np.linspace(lo, hi, m + 1)
            for a, b in zip(sub[:-1], sub[1:]):
                zs.append((b - a) / 2 * x + (a + b) / 2)
                ws.append((b - a) / 2 * w)
        z = np.concatenate(zs)
        wt = np.concatenate(ws) * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        return z, wt

    def value(self, key: str, v: float, order: int = 0) -> List[float]:
        """[E g(√v Z), d/dv, ..., dᵒʳᵈᵉʳ/dvᵒʳᵈᵉʳ] (floats), v > 0."""
        v = float(v)
        if not v > 0 or not math.isfinite(v):
            raise ParameterError(f"a pre-activation variance must be positive and finite, got {v}")
        ck = (key, v, order)
        if ck in self._cache:
            return self._cache[ck]
        funcs = self._closed_derivatives(key, order)
        if funcs is not None:
            out = []
            for k in range(order + 1):
                fast, exact = funcs[k]
                with np.errstate(all="ignore"):
                    val = complex(fast(v)).real
                if not math.isfinite(val):  # double precision overflowed: evaluate with mpmath
                    import mpmath
                    val = float(mpmath.re(exact(mpmath.mpf(v))))
                out.append(val)
        else:
            z, w = self._nodes(v)
            x = math.sqrt(v) * z
            with np.errstate(all="ignore"):
                g = _INTEGRANDS[key](self._np(x), x)
            out = [float(np.sum(w * g * _hermite_even(k, z))) / (2 * v) ** k for k in range(order + 1)]
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[ck] = out
        return out


_RAW_CACHE: Dict[str, RawMoments] = {}


def raw_moments_for(activation) -> RawMoments:
    """The cached :class:`RawMoments` of an activation (None: the identity)."""
    if activation is None:
        key = "<identity>"
    else:
        import sympy as sp
        key = sp.srepr(activation.expr)
    if key not in _RAW_CACHE:
        _RAW_CACHE[key] = RawMoments(activation)
    return _RAW_CACHE[key]


# ---------------------------------------------------------------------------------- weight laws
@dataclass(frozen=True)
class WeightCorrection:
    """How a layer's weight law moves the Gaussian-weight statistics at first order.

    ``kind`` is "gaussian", "iid" or "orthogonal"; ``kappa4`` the fourth cumulant of a unit
    (i.i.d. laws); ``rho`` the variance of the squared-radius factor ω and ``u`` = σw² p
    (orthogonal laws).
    """
    kind: str
    kappa4: float = 0.0
    rho: float = 0.0
    u: float = 0.0


def weight_correction(layer, n_in: int, n_out: int, v: float, input_fourth: float) -> WeightCorrection:
    """The :class:`WeightCorrection` of ``layer`` (module docstring).

    ``input_fourth`` is R = ‖x‖₄⁴/n_in of the layer's input (its mean-field value).
    """
    law = layer.weights
    if law.orthogonal:
        rho = 0.0 if n_out >= n_in else 2.0 * (1.0 / n_out - 1.0 / n_in) * n_in / (n_in + 2.0)
        return WeightCorrection("orthogonal", rho=rho, u=v - layer.sb ** 2)
    m4 = law.fourth_moment
    if m4 is None or not math.isfinite(m4):
        raise ParameterError(f"the weight law {law.name} has no finite fourth moment, so the "
                             "finite-width fluctuations are not of order 1/width")
    if m4 == 3.0 and law.name == "gaussian":
        return WeightCorrection("gaussian")
    return WeightCorrection("iid", kappa4=layer.sw ** 4 * (m4 - 3.0) * input_fourth / n_in)


# ---------------------------------------------------------------------------------- one layer
@dataclass
class LayerStatistics:
    r"""Conditional statistics of (q, p') of one layer as functions of v near v̄ (floats).

    Attributes
    ----------
    v : float
        The mean-field variance v̄ of the layer's units.
    F : list
        F(v̄), F′, F″, F‴, F⁗ with F(v) = E φ(√v Z)².
    sigma : dict
        n_out × conditional covariance: ``"qq"``, ``"qp"``, ``"pp"``, each [value, d/dv, d²/dv²]
        (Gaussian weights; the weight law's first-order change is added to the value only).
    third : dict
        n_out² × conditional third cumulants ``"ppp"`` and ``"qpp"`` (Gaussian weights).
    shift : float
        E[p' | x] − F(v): the weight law's first-order shift (0 for Gaussian weights).
    R4 : float
        E φ(h)⁴, the mean fourth power the next layer receives (with the i.i.d. law's κ4 term).
    width : int
        n_out.
    method : str
        How the Gaussian integrals were obtained.
    """
    v: float
    F: list
    sigma: dict
    third: dict
    shift: float
    R4: float
    width: int
    method: str
    correction: WeightCorrection


def layer_statistics(activation, v: float, width: int, correction: WeightCorrection) -> LayerStatistics:
    """The :class:`LayerStatistics` of a layer with activation φ at variance v (module docstring)."""
    rm = raw_moments_for(activation)
    F = rm.value("phi2", v, 4)
    E4 = rm.value("phi4", v, 2)
    EC = rm.value("h2phi2", v, 2)
    E6 = rm.value("phi6", v, 0)[0]
    EC4 = rm.value("h2phi4", v, 0)[0]
    qq = [2 * v * v, 4 * v, 4.0]
    qp = [EC[0] - v * F[0], EC[1] - F[0] - v * F[1], EC[2] - 2 * F[1] - v * F[2]]
    pp = [E4[0] - F[0] ** 2, E4[1] - 2 * F[0] * F[1], E4[2] - 2 * F[1] ** 2 - 2 * F[0] * F[2]]
    third = {"ppp": E6 - 3 * F[0] * E4[0] + 2 * F[0] ** 3,
             "qpp": EC4 - v * E4[0] - 2 * F[0] * (EC[0] - v * F[0])}
    shift = 0.0
    R4 = E4[0]
    c = correction
    if c.kind == "iid" and c.kappa4 != 0.0:
        k4 = c.kappa4
        shift = k4 * F[2] / 6
        R4 = E4[0] + k4 * E4[2] / 6
        qq[0] += k4
        qp[0] += k4 * (EC[2] - v * F[2]) / 6
        pp[0] += k4 * (E4[2] - 2 * F[0] * F[2]) / 6
    elif c.kind == "orthogonal":
        u = c.u
        shift = u * u * F[2] * (c.rho / 2 - 1.0 / width)
        Dq, Dp = u, u * F[1]
        extra = width * c.rho - 2.0
        qq[0] += extra * Dq * Dq
        qp[0] += extra * Dq * Dp
        pp[0] += extra * Dp * Dp
    methods = {rm.method(k) for k in ("phi2", "phi4", "h2phi2", "phi6", "h2phi4")}
    method = methods.pop() if len(methods) == 1 else "closed form and quadrature"
    return LayerStatistics(v, F, {"qq": qq, "qp": qp, "pp": pp}, third, shift, R4, int(width),
                           method, c)
