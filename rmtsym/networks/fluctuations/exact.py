r"""Exact finite-width statistics of q^l for positively homogeneous activations.

For φ(x) = a·x (x > 0), b·x (x < 0) — linear (a = b = 1), ReLU (a = 1, b = 0), leaky ReLU
(b = slope), |x| (b = −1) — the order parameters of a layer are its input variance times a
random factor whose law does not depend on that variance. Write v^l = σ_{w,l}² p^{l−1} + σ_{b,l}²
(p⁰ = Q, the input's mean square) for the variance of the units of layer l given the layer
before.

* **Gaussian weights** (any σb). Given x^{l−1} the units are i.i.d. N(0, v^l): h_i = √v^l g_i.
  With K ~ Binomial(n_l, 1/2) the number of positive g_i, A = Σ_{g_i>0} g_i² ~ χ²_K and
  B = Σ_{g_i<0} g_i² ~ χ²_{n_l−K} are independent given K, and

      q^l = v^l T_l,   p^l = v^l U_l,   T_l = (A + B)/n_l,   U_l = (a²A + b²B)/n_l.

* **Haar-orthogonal weights** without bias: h^l is uniform on the sphere of squared radius
  n_l v^l ω_l, ω_l = 1 when n_l ≥ n_{l−1} and ω_l = (n_{l−1}/n_l) β, β ~ Beta(n_l/2,
  (n_{l−1} − n_l)/2), otherwise; the share of ‖h‖² on the K ~ Binomial(n_l, 1/2) positive
  units is β′ ~ Beta(K/2, (n_l − K)/2), so T_l = ω_l, U_l = ω_l (a²β′ + b²(1 − β′)).

The pairs (T_l, U_l) are independent across layers and independent of v^l, so

    v^{l+1} = σ_{w,l+1}² v^l U_l + σ_{b,l+1}²,    v¹ = σ_{w,1}² Q + σ_{b,1}²,

is an affine recursion with independent multiplicative noise and every moment of the q's is a
finite sum of products of the per-layer moments

    E[A^r B^s] = E_K[ K(K+2)⋯(K+2r−2) · (n−K)(n−K+2)⋯(n−K+2s−2) ],
    E[β′^r (1 − β′)^s] = E[A^r B^s] / (n(n+2)⋯(n+2r+2s−2)),

polynomials in K averaged exactly over the binomial law (E K^m = Σ_j S(m, j) n^{(j)}/2^j,
Stirling numbers of the second kind). With σb = 0 this is the product of independent scaled
χ² factors of Schoenholz, Pennington & Sohl-Dickstein ("A correspondence between random neural
networks and statistical field theory", arXiv:1710.06570): linear, σw = 1 gives
q^l = Q Π_{m≤l} χ²_{n_m}/n_m and Cov(q^l, q^k) = Q²[Π_{m≤min(l,k)} (1 + 2/n_m) − 1].
The covariance uses E[v^k | v^{l+1}] = A_{k,l+1} v^{l+1} + B_{k,l+1}:

    E[q^l q^k] = E T_k · (A_{k,l+1}(σ_{w,l+1}² E(v^l)² E[T_l U_l] + σ_{b,l+1}² E v^l E T_l)
                          + B_{k,l+1} E v^l E T_l),   l < k.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Dict, List, Tuple

import mpmath

from ...errors import ParameterError
from ...numbers import Certified, check_dps

__all__ = ["homogeneous_slopes", "exact_applies", "exact_fluctuations", "ExactFluctuations",
           "chi_square_binomial_moment", "layer_factor_moment"]


# ---------------------------------------------------------------------------------- the activation
def homogeneous_slopes(activation):
    """(a, b) with φ(x) = a·x for x > 0 and b·x for x < 0 (SymPy numbers), or None.

    ``activation`` None (a linear read-out) gives (1, 1). Decided symbolically: φ(y)/y must be
    free of y for a positive symbol y and for a negative one.
    """
    import sympy as sp

    from ... import symbols as S
    if activation is None:
        return sp.Integer(1), sp.Integer(1)
    expr = activation.expr
    if expr.free_symbols - {S.x}:
        return None
    out = []
    for sign in (1, -1):
        y = sp.Symbol("y", positive=True)
        try:
            r = sp.simplify(expr.subs(S.x, sign * y) / (sign * y))
        except Exception:  # a SymPy failure means "not recognised", never an error
            return None
        if r.free_symbols or not r.is_real:
            return None
        out.append(r)
    return out[0], out[1]


def exact_applies(network) -> Tuple[bool, str]:
    """Whether the exact level applies to ``network``, and why not when it does not."""
    for i, layer in enumerate(network.layers, 1):
        if homogeneous_slopes(layer.activation) is None:
            return False, (f"layer {i}'s activation {layer.name} is not positively homogeneous "
                           "(a·x for x > 0, b·x for x < 0)")
        law = layer.weights
        if law.orthogonal:
            if layer.sb != 0:
                return False, f"layer {i} has orthogonal weights and a bias (exact only without bias)"
        elif law.name != "gaussian":
            return False, f"layer {i} has {law.name} weights (exact for Gaussian or orthogonal weights)"
    return True, ""


# ---------------------------------------------------------------------------------- per-layer moments
@lru_cache(maxsize=64)
def _binomial_moments(n: int, degree: int) -> Tuple[Fraction, ...]:
    """E K^m, m = 0..degree, K ~ Binomial(n, 1/2), exactly."""
    # Stirling numbers of the second kind S(m, j)
    S = [[0] * (degree + 1) for _ in range(degree + 1)]
    S[0][0] = 1
    for m in range(1, degree + 1):
        for j in range(1, m + 1):
            S[m][j] = j * S[m - 1][j] + S[m - 1][j - 1]
    falling = [1] * (degree + 1)
    for j in range(1, degree + 1):
        falling[j] = falling[j - 1] * (n - j + 1)
    return tuple(sum((Fraction(S[m][j] * falling[j], 2 ** j) for j in range(m + 1)), Fraction(0))
                 for m in range(degree + 1))


def _poly_mul(p, q):
    out = [0] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        if a:
            for j, b in enumerate(q):
                out[i + j] += a * b
    return out


@lru_cache(maxsize=4096)
def chi_square_binomial_moment(n: int, r: int, s: int) -> Fraction:
    """E[A^r B^s] exactly: A = Σ_{g_i>0} g_i², B = Σ_{g_i<0} g_i², g ~ N(0, I_n)."""
    poly = [1]  # coefficients in K, increasing powers
    for m in range(r):
        poly = _poly_mul(poly, [2 * m, 1])           # K + 2m
    for m in range(s):
        poly = _poly_mul(poly, [n + 2 * m, -1])      # n − K + 2m
    mom = _binomial_moments(n, len(poly) - 1)
    return sum((c * mom[i] for i, c in enumerate(poly) if c), Fraction(0))


def _rising_even(n: int, m: int) -> Fraction:
    """n(n+2)⋯(n+2m−2) = E (χ²_n)^m."""
    out = 1
    for t in range(m):
        out *= n + 2 * t
    return Fraction(out)


def _omega_moment(n_in: int, n_out: int, m: int) -> Fraction:
    """E ω^m of an orthogonal layer (module docstring)."""
    if n_out >= n_in:
        return Fraction(1)
    out = Fraction(1)
    for t in range(m):
        out *= Fraction(n_in, n_out) * Fraction(n_out + 2 * t, n_in + 2 * t)
    return out


def layer_factor_moment(j: int, i: int, a2, b2, n_out: int, n_in: int, orthogonal: bool):
    """E[T^j U^i] of one layer (module docstring), as an mpf at the current precision.

    ``a2``, ``b2`` are a², b² (mpf); ``orthogonal`` selects the Haar-orthogonal law.
    """
    key = (j, i, a2, b2, n_out, n_in, orthogonal, mpmath.mp.prec)
    hit = _FACTOR_CACHE.get(key)
    if hit is not None:
        return hit
    if len(_FACTOR_CACHE) > 20000:
        _FACTOR_CACHE.clear()
    _FACTOR_CACHE[key] = out = _layer_factor_moment(j, i, a2, b2, n_out, n_in, orthogonal)
    return out


_FACTOR_CACHE: dict = {}


def _layer_factor_moment(j, i, a2, b2, n_out, n_in, orthogonal):
    total = mpmath.mpf(0)
    if orthogonal:
        den = _rising_even(n_out, i)
        for t in range(i + 1):
            c = math.comb(i, t) * a2 ** t * b2 ** (i - t)
            ab = chi_square_binomial_moment(n_out, t, i - t) / den
            total += c * mpmath.mpf(ab.numerator) / ab.denominator
        w = _omega_moment(n_in, n_out, i + j)
        return total * mpmath.mpf(w.numerator) / w.denominator
    for s in range(j + 1):
        for t in range(i + 1):
            c = math.comb(j, s) * math.comb(i, t) * a2 ** t * b2 ** (i - t)
            ab = chi_square_binomial_moment(n_out, s + t, (j - s) + (i - t))
            total += c * mpmath.mpf(ab.numerator) / ab.denominator
    return total / mpmath.mpf(n_out) ** (i + j)


# ---------------------------------------------------------------------------------- the result
@dataclass
class ExactFluctuations:
    """Exact mean, covariance and moments of q^1..q^L (module docstring).

    ``mean`` and ``covariance`` are Certified values (the digits account for the cancellation
    in Cov = E[q q] − E q E q); ``moment(l, j)``, ``joint_moment({l: j, ...})``,
    ``cumulant(l, j)`` give any other moment (layers counted from 1); ``variance_covariance``
    is Cov(v^l, v^k) of the conditional variances (the state field of :mod:`.field_theory`).
    """
    mean: List[Certified]
    covariance: List[List[Certified]]
    depth: int
    widths: List[int]
    dps: int
    regime: str
    notes: List[str] = field(default_factory=list)
    method: str = "exact"
    _spec: tuple = ()
    _state: tuple = ()

    @property
    def variance_covariance(self) -> List[List[float]]:
        """Cov(v^l, v^k) (floats) of the variances v^l = σ_{w,l}² p^{l−1} + σ_{b,l}² of the units,
        from E[v^k | v^l] = A v^l + B (the affine recursion)."""
        m1, m2, gain = self._state
        betas = self._spec[1]
        L = self.depth
        out = [[0.0] * L for _ in range(L)]
        with mpmath.workdps(self.dps + 10):
            for l in range(L):
                out[l][l] = float(m2[l] - m1[l] ** 2)
                A, B = mpmath.mpf(1), mpmath.mpf(0)
                for k in range(l + 1, L):
                    A, B = gain[k] * A, gain[k] * B + betas[k]
                    out[l][k] = out[k][l] = float(A * m2[l] + B * m1[l] - m1[l] * m1[k])
        return out

    def _factor(self, l: int, j: int, i: int):
        a2, b2, n_out, n_in, orth = self._spec[2][l]
        return layer_factor_moment(j, i, a2, b2, n_out, n_in, orth)

    def joint_moment(self, powers: Dict[int, int]):
        """E Π_l (q^l)^{j_l} for a dict {layer (1..L): power j_l ≥ 0}, exactly (mpf)."""
        alphas, betas, _, v1 = self._spec
        js = [0] * self.depth
        for l, j in powers.items():
            if not (isinstance(l, int) and 1 <= l <= self.depth) or not (isinstance(j, int) and j >= 0):
                raise ParameterError(f"a joint moment needs layers 1..{self.depth} and whole powers, got {powers}")
            js[l - 1] = j
        last = max((i for i, j in enumerate(js) if j), default=-1)
        if last < 0:
            return mpmath.mpf(1)
        with mpmath.workdps(self.dps + 10):
            need = sum(js)
            c = [v1 ** r for r in range(need + 1)]
            for l in range(last + 1):
                j = js[l]
                if l == last:
                    return +(c[j] * self._factor(l, j, 0))
                remaining = sum(js[l + 1:])
                a, b = alphas[l + 1], betas[l + 1]
                tau = [self._factor(l, j, i) for i in range(remaining + 1)]
                c = [sum(mpmath.binomial(s, i) * a ** i * b ** (s - i) * c[j + i] * tau[i]
                         for i in range(s + 1)) for s in range(remaining + 1)]

    def moment(self, l: int, j: int):
        """E (q^l)^j."""
        return self.joint_moment({l: j})

    def cumulant(self, l: int, j: int):
        """The j-th cumulant of q^l (j ≤ 4)."""
        if j not in (1, 2, 3, 4):
            raise ParameterError("cumulants of order 1 to 4 are available")
        with mpmath.workdps(self.dps + 10):
            m = [self.moment(l, i) for i in range(5)]
            k = {1: m[1], 2: m[2] - m[1] ** 2,
                 3: m[3] - 3 * m[2] * m[1] + 2 * m[1] ** 3,
                 4: m[4] - 4 * m[3] * m[1] - 3 * m[2] ** 2 + 12 * m[2] * m[1] ** 2 - 6 * m[1] ** 4}[j]
            return +k

    def skewness(self, l: int):
        with mpmath.workdps(self.dps + 10):
            return +(self.cumulant(l, 3) / self.cumulant(l, 2) ** mpmath.mpf(1.5))

    def mean_floats(self):
        return [float(c.value) for c in self.mean]

    def covariance_floats(self):
        return [[float(c.value) for c in row] for row in self.covariance]


def exact_fluctuations(network, input_mean_square=1, dps: int = 30) -> ExactFluctuations:
    r"""Exact mean and covariance of q^l = ‖h^l‖²/n_l for a network where the exact level applies.

    Parameters
    ----------
    network : Network
        With widths; every activation positively homogeneous; Gaussian weights (any σb) or
        orthogonal weights without bias (see :func:`exact_applies`).
    input_mean_square : number or decimal string
        Q = ‖x⁰‖²/n_0 > 0 (the direction of x⁰ does not matter for these laws).
    dps : int
        Working precision; each number carries the digits that survive the cancellation in
        Cov = E[q q] − E q E q.
    """
    from ..integrals import to_mpf

    dps = check_dps(dps)
    ok, why = exact_applies(network)
    if not ok:
        raise ParameterError(f"the exact level does not apply: {why}")
    widths = network.widths
    if widths is None:
        raise ParameterError("finite-width fluctuations need the widths of the network (--width or --widths)")
    L = network.depth
    work = dps + 10
    with mpmath.workdps(work):
        Q = to_mpf(input_mean_square, "the input's mean square", nonnegative=True)
        alphas = [mpmath.mpf(l.sigma_w) ** 2 for l in network.layers]
        betas = [mpmath.mpf(l.sigma_b) ** 2 for l in network.layers]
        spec_layers = []
        for i, layer in enumerate(network.layers):
            a, b = homogeneous_slopes(layer.activation)
            spec_layers.append((_sympy_mpf(a ** 2), _sympy_mpf(b ** 2), widths[i + 1], widths[i],
                                layer.weights.orthogonal))
        v1 = alphas[0] * Q + betas[0]
        if v1 == 0:
            raise ParameterError("the input's mean square must be positive when the first layer has no bias")
        ET = [layer_factor_moment(1, 0, *s) for s in spec_layers]
        ET2 = [layer_factor_moment(2, 0, *s) for s in spec_layers]
        EU = [layer_factor_moment(0, 1, *s) for s in spec_layers]
        EU2 = [layer_factor_moment(0, 2, *s) for s in spec_layers]
        ETU = [layer_factor_moment(1, 1, *s) for s in spec_layers]
        m1, m2 = [v1], [v1 * v1]                 # E v^l, E (v^l)²
        for l in range(L - 1):
            a, b = alphas[l + 1], betas[l + 1]
            m1.append(a * EU[l] * m1[l] + b)
            m2.append(a * a * EU2[l] * m2[l] + 2 * a * b * EU[l] * m1[l] + b * b)
        mean = [m1[l] * ET[l] for l in range(L)]
        gain = [None] + [alphas[k] * EU[k - 1] for k in range(1, L)]   # E[v^k | v^{k−1}] = gain v + β
        biased = any(b != 0 for b in betas)
        second = [[None] * L for _ in range(L)]
        for l in range(L):
            second[l][l] = m2[l] * ET2[l]
            if l + 1 < L:
                # E[v^l T_l v^{l+1}] and E[v^l T_l]; then E[v^k | v^{l+1}] = A v^{l+1} + B
                a, b = alphas[l + 1], betas[l + 1]
                cross = a * m2[l] * ETU[l] + b * m1[l] * ET[l]
                base = m1[l] * ET[l]
                A, B = mpmath.mpf(1), mpmath.mpf(0)
                for k in range(l + 1, L):
                    if k > l + 1:
                        A, B = gain[k] * A, gain[k] * B + betas[k]
                    second[l][k] = second[k][l] = ET[k] * (A * cross + B * base) if biased else ET[k] * A * cross
    how = "exact (product of independent layer factors)"
    covs, digits = [[None] * L for _ in range(L)], [[0] * L for _ in range(L)]
    with mpmath.workdps(work):
        for l in range(L):
            for k in range(l, L):
                c = second[l][k] - mean[l] * mean[k]
                # digits lost to the cancellation, from the binary exponents
                lost = 0 if c == 0 else max(0, int(math.ceil((mpmath.mag(second[l][k]) - mpmath.mag(c) + 1) * 0.30103)))
                covs[l][k] = covs[k][l] = c
                digits[l][k] = digits[k][l] = max(1, min(dps, work - lost - 2))
    with mpmath.workdps(dps):
        mean_c = [Certified(+m, dps, how) for m in mean]
        cov_c = [[Certified(+covs[l][k], digits[l][k], how) for k in range(L)] for l in range(L)]
    regime = "fixed point" if all(m == mean[0] for m in mean) else "transient"
    notes = []
    if any(s[4] for s in spec_layers):
        notes.append("orthogonal layers without bias: the squared radius of h is fixed by the input "
                     "(up to the Beta factor of a narrowing layer)")
    return ExactFluctuations(mean_c, cov_c, L, list(widths), dps, regime, notes,
                             _spec=(alphas, betas, spec_layers, v1), _state=(m1, m2, gain))


def _sympy_mpf(expr):
    """A real SymPy number as an mpf at the current precision."""
    import sympy as sp
    return mpmath.mpf(sp.Float(sp.N(expr, mpmath.mp.dps + 5), mpmath.mp.dps + 5)._mpf_)
