r"""Weight laws of a random network layer: Gaussian, Haar-orthogonal and i.i.d. laws.

A layer computes h = σw W x/√n_in + σb b with W an n_out × n_in matrix whose entries have
mean 0 and variance 1. Every law here is normalised that way, so that the mean field
(q^l = σw² E φ(h^{l−1})² + σb²) is the same for all of them:

==================  =================================================  ============
name                entries                                            E w⁴
==================  =================================================  ============
``gaussian``        N(0, 1)                                            3
``orthogonal``      √n_in · √max(1, n_out/n_in) · Q, Q Haar with       (not i.i.d.)
                    orthonormal rows (n_out ≤ n_in) or columns
``rademacher``      ±1 with probability 1/2                            1
``uniform``         U[−√3, √3]                                         9/5
``student-t:NU``    t_ν · √((ν − 2)/ν), ν > 4                          3(ν − 2)/(ν − 4)
``sparse:P``        Bernoulli(P) · N(0, 1)/√P, 0 < P ≤ 1               3/P
a Python callable   ``fn(rng, shape)``, i.i.d., mean 0, variance 1     estimated
==================  =================================================  ============

Universality (Pastur & Slavin, "On random matrices arising in deep neural networks. General
I.I.D. case", arXiv:2011.11439): for i.i.d. entries with zero mean, unit variance and a
finite fourth moment, the limit spectrum of the input–output Jacobian is the Gaussian one.
The finite-width fluctuations of ‖h‖² do depend on E w⁴ (``fourth_moment``). The
orthogonal law is Pastur's "orthogonal case" (arXiv:2201.04543): W Wᵀ = σw² I for a square
layer, so its S-transform is σw^{-2}.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from ..errors import ParameterError

__all__ = ["WeightLaw", "parse_weight_law", "WEIGHT_LAWS", "MAX_ENTRIES"]

#: the names a user may type (``student-t`` and ``sparse`` take a parameter after ':')
WEIGHT_LAWS = ("gaussian", "orthogonal", "rademacher", "uniform", "student-t:NU", "sparse:P")

#: the largest number of matrix entries one draw may hold (float64: 8 bytes each)
MAX_ENTRIES = 2_000_000_000 // 8


class WeightLaw:
    """The law of a layer's weight matrix (entries of mean 0, variance 1).

    Attributes
    ----------
    name : str
        The canonical name (``"gaussian"``, ``"student-t:5"``, ``"sparse:0.3"``, ...).
    iid : bool
        True for i.i.d. entries; False for the Haar-orthogonal law.
    fourth_moment : float or None
        E w⁴ of one entry for i.i.d. laws (Gaussian: 3); ``inf`` when it is infinite
        (Student-t with ν ≤ 4); None for the orthogonal law.
    """

    def __init__(self, name: str, iid: bool, fourth_moment, sampler: Callable, note: str = ""):
        self.name = name
        self.iid = bool(iid)
        self.fourth_moment = fourth_moment
        self._sampler = sampler
        self.note = note

    def __repr__(self) -> str:
        return f"WeightLaw({self.name!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, WeightLaw) and other.name == self.name and other._sampler is self._sampler

    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def orthogonal(self) -> bool:
        return not self.iid

    @property
    def finite_fourth_moment(self) -> bool:
        """Whether Pastur–Slavin's universality applies (i.i.d. with E w⁴ < ∞), or orthogonal."""
        return (not self.iid) or (self.fourth_moment is not None and math.isfinite(self.fourth_moment))

    def sample(self, rng: np.random.Generator, n_out: int, n_in: int, size: Optional[int] = None) -> np.ndarray:
        """An n_out × n_in matrix (or ``size`` of them, stacked) with unit-variance entries."""
        shape = (n_out, n_in) if size is None else (int(size), n_out, n_in)
        if np.prod(shape, dtype=float) > MAX_ENTRIES:
            raise ParameterError(f"a {' × '.join(map(str, shape))} weight draw would not fit in memory")
        out = self._sampler(rng, shape)
        return out


# ---------------------------------------------------------------------------------- samplers
def _gaussian(rng, shape):
    return rng.standard_normal(shape)


def _rademacher(rng, shape):
    return rng.integers(0, 2, size=shape, dtype=np.int8).astype(float) * 2 - 1


def _uniform(rng, shape):
    return rng.uniform(-math.sqrt(3), math.sqrt(3), size=shape)


def _orthogonal(rng, shape):
    """√n_in √max(1, n_out/n_in) Q, Q Haar-distributed with orthonormal rows or columns."""
    n_out, n_in = shape[-2], shape[-1]
    tall = n_out >= n_in
    g = rng.standard_normal(shape if tall else shape[:-2] + (n_in, n_out))
    q, r = np.linalg.qr(g)
    # sign fix of Mezzadri (2007): makes Q exactly Haar
    d = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    d = np.where(d == 0, 1.0, d)
    q = q * d[..., None, :]
    if not tall:
        q = np.swapaxes(q, -1, -2)
    return q * math.sqrt(max(n_out, n_in))


def _student_t(nu):
    scale = math.sqrt((nu - 2) / nu)

    def draw(rng, shape):
        return rng.standard_t(nu, size=shape) * scale
    return draw


def _sparse(p):
    def draw(rng, shape):
        mask = rng.random(shape) < p
        return np.where(mask, rng.standard_normal(shape), 0.0) / math.sqrt(p)
    return draw


def _number(text: str, what: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ParameterError(f"{what} must be a number, got {text!r}") from None
    if not math.isfinite(v):
        raise ParameterError(f"{what} must be a finite number, got {text!r}")
    return v


def _from_callable(fn, name: Optional[str] = None) -> WeightLaw:
    """Wrap ``fn(rng, shape) -> array`` of i.i.d. mean-0, variance-1 entries, after checking
    a 20,000-entry test draw (mean within 5 standard errors of 0, variance within 5 %)."""
    rng = np.random.default_rng(12345)
    try:
        test = np.asarray(fn(rng, (100, 200)), dtype=float)
    except Exception as exc:  # the user's code: report, never a traceback
        raise ParameterError(f"the weight-law callable failed on a test draw ({type(exc).__name__}: {exc})") from None
    if test.shape != (100, 200) or not np.all(np.isfinite(test)):
        raise ParameterError("the weight-law callable must return a finite array of the requested shape")
    m, v = float(test.mean()), float(test.var())
    if abs(m) > 5 * math.sqrt(max(v, 1e-300) / test.size) or abs(v - 1) > 0.05:
        raise ParameterError(f"the weight-law callable must give entries of mean 0 and variance 1 "
                             f"(a test draw had mean {m:.3g} and variance {v:.3g})")
    m4 = float(np.mean(test ** 4))

    def draw(rng, shape):
        out = np.asarray(fn(rng, shape), dtype=float)
        if out.shape != tuple(shape):
            raise ParameterError("the weight-law callable returned an array of the wrong shape")
        return out
    label = name or getattr(fn, "__name__", "callable")
    return WeightLaw(f"callable:{label}", True, m4, draw,
                     note="fourth moment estimated from a 20,000-entry test draw")


def parse_weight_law(spec, allow_infinite_fourth_moment: bool = False) -> WeightLaw:
    """A :class:`WeightLaw` from its name (see the module table), a WeightLaw, or a callable.

    ``student-t:NU`` needs ν > 4 (a finite fourth moment, the hypothesis of Pastur & Slavin's
    universality theorem); ``allow_infinite_fourth_moment=True`` admits 2 < ν ≤ 4 for negative
    controls (the variance must still be finite to scale the entries).
    """
    if isinstance(spec, WeightLaw):
        return spec
    if callable(spec):
        return _from_callable(spec)
    if not isinstance(spec, str):
        raise ParameterError(f"a weight law must be a name or a callable, got {spec!r}")
    text = spec.strip().lower()
    base, _, arg = text.partition(":")
    base = base.strip()
    arg = arg.strip()
    simple = {"gaussian": (_gaussian, 3.0, True), "normal": (_gaussian, 3.0, True),
              "rademacher": (_rademacher, 1.0, True), "uniform": (_uniform, 1.8, True),
              "orthogonal": (_orthogonal, None, False), "haar": (_orthogonal, None, False)}
    if base in simple:
        if arg:
            raise ParameterError(f"the weight law {base!r} takes no parameter (got {spec!r})")
        fn, m4, iid = simple[base]
        canonical = {"normal": "gaussian", "haar": "orthogonal"}.get(base, base)
        return WeightLaw(canonical, iid, m4, fn)
    if base in ("student-t", "student_t", "t"):
        if not arg:
            raise ParameterError("the Student-t weight law needs its degrees of freedom, e.g. student-t:5")
        nu = _number(arg, "the Student-t degrees of freedom")
        if nu <= 4 and not (allow_infinite_fourth_moment and nu > 2):
            raise ParameterError(f"the Student-t weight law needs ν > 4 (a finite fourth moment), got ν = {arg}")
        m4 = 3 * (nu - 2) / (nu - 4) if nu > 4 else math.inf
        return WeightLaw(f"student-t:{arg}", True, m4, _student_t(nu))
    if base == "sparse":
        if not arg:
            raise ParameterError("the sparse weight law needs its density P, e.g. sparse:0.3")
        p = _number(arg, "the sparse weight law's density P")
        if not 0 < p <= 1:
            raise ParameterError(f"the sparse weight law's density P must lie in (0, 1], got {arg}")
        return WeightLaw(f"sparse:{arg}", True, 3 / p, _sparse(p))
    raise ParameterError(f"unknown weight law {spec!r}; use one of {', '.join(WEIGHT_LAWS)}")
