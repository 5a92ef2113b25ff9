"""Monte Carlo of the real random matrices of Pennington & Worah.

The matrix simulated is exactly the one of J. Pennington and P. Worah, *Nonlinear
random matrix theory for deep learning*, NeurIPS 30 (2017), with the conventions of
``docs/theory.md`` §1.1::

    W ∈ R^{n1×n0},  W_ij ~ N(0, σw²/n0)        X ∈ R^{n0×m},  X_iμ ~ N(0, σx²)
    Y = f(WX) − μ0 ∈ R^{n1×m}                  M = Y Yᵀ / m ∈ R^{n1×n1}
    φ = n0/m,  ψ = n0/n1,  μ0 = E f(σZ),  σ = σw σx

The centring constant μ0 is the *exact* Gaussian mean (docs/theory.md §1.3: the mean adds a
rank-one spike ≈ n1 μ0² and leaves the bulk unchanged; the empirical mean would
subtract a random matrix instead). Entries of W and X may also be Rademacher ±1 or
uniform on [−√3, √3], scaled to the same variances (universality, Benigni & Péché,
EJP 26 (2021); docs/theory.md §3).

For Gaussian W and X the product WX is drawn in law, not formed: W = L Qᵀ (Bartlett's
decomposition, :func:`bartlett_factor`) with Q Haar and independent of L, so WX has the law
of L X' with X' a fresh min(n0, n1)×m Gaussian matrix; this is exact and costs about half
the work for square shapes, n1/(2 n0) of it when n1 < n0 (``method="direct"`` multiplies W
and X instead; non-Gaussian entries always do).

Eigenvalues are computed from the smaller of YYᵀ/m (n1×n1) and YᵀY/m (m×m); when
m < n1 the n1 − m missing eigenvalues are exact zeros, so the result is always the n1
eigenvalues of M, sorted increasingly.

Public API: :func:`sample_eigenvalues` (→ :class:`SampleResult`), :func:`sample_matrix`,
:func:`sample_features`, :func:`sample_gram_eigenvalues`, :func:`bartlett_factor`, :func:`random_entries`,
:func:`apply_layer`, :func:`resolve_activation`, :func:`sample_sizes`.
"""
from __future__ import annotations

import math
import numbers
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Optional, Sequence, Tuple

import numpy as np

from .errors import ParameterError, RmtsymError

#: accepted entry distributions (all centred, scaled to the stated variance)
ENTRIES = ("gaussian", "rademacher", "uniform")

#: ways of drawing the pre-activations WX: "bartlett" (exact in law, Gaussian entries only,
#: see :func:`bartlett_factor`), "direct" (draw W and X, multiply) or "auto" (Bartlett when
#: W and X are Gaussian and X itself is not asked for)
METHODS = ("auto", "bartlett", "direct")

#: rows of the triangular product L X' computed at once (Bartlett sampler): 128 keeps the
#: wasted upper-triangle work small and each block a BLAS-efficient matmul
_TRIANGLE_BLOCK = 128

#: rows of f(WX) processed at once when applying the activation (bounds temporaries)
_CHUNK_ELEMENTS = 1 << 20


# ---------------------------------------------------------------------------
# argument checking
# ---------------------------------------------------------------------------
def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a positive whole number, got {value!r}")
    if isinstance(value, numbers.Integral):
        ivalue = int(value)
    elif isinstance(value, (float, Fraction)) and float(value).is_integer():
        ivalue = int(value)
    elif isinstance(value, str):
        try:
            ivalue = int(value.strip())
        except ValueError:
            raise ParameterError(f"{name} must be a positive whole number, got {value!r}") from None
    else:
        raise ParameterError(f"{name} must be a positive whole number, got {value!r}")
    if ivalue < 1:
        raise ParameterError(f"{name} must be at least 1, got {ivalue}")
    return ivalue


def _check_positive_real(value, name: str) -> float:
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a positive number, got {value!r}")
    try:
        if isinstance(value, str):
            fvalue = float(Fraction(value.strip()))
        else:
            fvalue = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise ParameterError(f"{name} must be a positive number, got {value!r}") from None
    if not math.isfinite(fvalue) or fvalue <= 0:
        raise ParameterError(f"{name} must be a finite positive number, got {value!r}")
    return fvalue


def _check_entries(entries) -> Tuple[str, str]:
    """Return (entries of W, entries of X) from a name or a pair of names."""
    if isinstance(entries, str):
        pair = (entries, entries)
    elif isinstance(entries, (tuple, list)) and len(entries) == 2:
        pair = tuple(entries)
    else:
        raise ParameterError(f"entries must be one of {', '.join(ENTRIES)} (or a pair of them), "
                             f"got {entries!r}")
    out = []
    for e in pair:
        name = str(e).strip().lower()
        if name not in ENTRIES:
            raise ParameterError(f"entries must be one of {', '.join(ENTRIES)}, got {e!r}")
        out.append(name)
    return out[0], out[1]


def sample_sizes(phi, psi, n0) -> Tuple[int, int, int]:
    """The matrix sizes (n0, n1, m) for the requested ratios.

    n1 = round(n0/ψ), m = round(n0/φ) (PW's φ = n0/m, ψ = n0/n1; docs/theory.md §1.1).

    Raises
    ------
    ParameterError
        If n0 is not a whole number ≥ 1, φ or ψ is not a positive number, or the
        rounded n1 or m is < 1.
    """
    n0 = _check_positive_int(n0, "n0")
    phi = _check_positive_real(phi, "phi")
    psi = _check_positive_real(psi, "psi")
    n1 = int(round(n0 / psi))
    m = int(round(n0 / phi))
    if n1 < 1:
        raise ParameterError(f"n0 = {n0} and psi = {psi:g} give n1 = round(n0/psi) = {n1} rows; "
                             f"n1 must be at least 1 (increase n0 or decrease psi)")
    if m < 1:
        raise ParameterError(f"n0 = {n0} and phi = {phi:g} give m = round(n0/phi) = {m} samples; "
                             f"m must be at least 1 (increase n0 or decrease phi)")
    return n0, n1, m


def check_sample_memory(n0: int, n1: int, m: int, seeds: int = 1, dtype=np.float64) -> None:
    """Refuse, before allocating, sizes whose arrays (W, X, Y, the Gram matrix and the
    eigenvalues of every seed) need more than half of the available memory, or whose
    work would take hours (:func:`rmtsym.resources.check_work`)."""
    from .resources import LOOP_OVERHEAD, check_memory, check_work

    item = np.dtype(dtype).itemsize
    side = min(n1, m)
    need = item * (float(n1) * n0 + float(n0) * m + float(n1) * m + float(side) * side + float(seeds) * n1)
    what = f"a simulation with n0 = {n0}, n1 = {n1}, m = {m} and {seeds} seed(s)"
    check_memory(need, what)
    # per seed: the product WX, the Gram matrix and its eigenvalues
    check_work(float(seeds) * (2.0 * n1 * n0 * m + 2.0 * side * side * max(n1, m) + 10.0 * side ** 3
                               + LOOP_OVERHEAD), what)


# ---------------------------------------------------------------------------
# activation handling
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _ResolvedActivation:
    function: Callable
    name: str
    activation: object  # the rmtsym Activation, or None for a bare callable


def resolve_activation(activation) -> "_ResolvedActivation":
    """Turn a spec string, an :class:`rmtsym.activation.Activation` or a callable into a numpy function.

    A string is parsed by :func:`rmtsym.activation.parse_activation` (an AST
    whitelist; user text is never evaluated). An Activation must have no free
    parameters left (substitute them first with ``.subs``). A bare callable must
    accept and return numpy arrays.
    """
    if isinstance(activation, _ResolvedActivation):
        return activation
    if isinstance(activation, str):
        try:
            from .activation import parse_activation
        except ImportError as exc:  # pragma: no cover - only before activation.py exists
            raise RmtsymError("activation formulas cannot be parsed: rmtsym.activation is "
                              "not available") from exc
        activation = parse_activation(activation)
    if hasattr(activation, "numpy_function"):
        params = tuple(getattr(activation, "params", ()) or ())
        if params:
            names = ", ".join(str(p) for p in params)
            raise ParameterError(f"the activation still has free parameters ({names}); "
                                 f"give them values before sampling")
        name = str(getattr(activation, "name", None) or getattr(activation, "source", None)
                   or getattr(activation, "expr", "f"))
        return _ResolvedActivation(activation.numpy_function(), name, activation)
    if callable(activation):
        name = getattr(activation, "__name__", None) or "f"
        return _ResolvedActivation(activation, str(name), None)
    raise ParameterError(f"the activation must be a formula, an Activation or a callable, "
                         f"got {type(activation).__name__}")


def _gaussian_mean_numeric(function: Callable, sigma: float) -> float:
    """E f(σZ) by adaptive quadrature (scipy), split at 0 and ±σ to catch kinks.

    Used only for bare callables; rmtsym Activations get the certified mean of
    :func:`rmtsym.gaussian.gaussian_moments`.
    """
    from scipy import integrate

    def integrand(u):
        value = np.asarray(function(np.array([sigma * u], dtype=float)), dtype=float)
        return float(value.reshape(-1)[0]) * math.exp(-0.5 * u * u) / math.sqrt(2 * math.pi)

    pieces = [(-np.inf, -1.0), (-1.0, 0.0), (0.0, 1.0), (1.0, np.inf)]
    total = 0.0
    for a, b in pieces:
        val, _ = integrate.quad(integrand, a, b, limit=200, epsabs=1e-13, epsrel=1e-12)
        total += val
    return total


def centring_constant(activation, sigma_w=1, sigma_x=1) -> float:
    """The exact Gaussian mean μ0 = E f(σZ), σ = σw σx (docs/theory.md §1.3).

    For an rmtsym Activation this is ``gaussian_moments(act, sigma_w, sigma_x).mean``
    (closed form or certified quadrature) rounded to double; for a bare callable it is
    computed by scipy adaptive quadrature.
    """
    res = resolve_activation(activation)
    sigma_w = _check_positive_real(sigma_w, "sigma_w")
    sigma_x = _check_positive_real(sigma_x, "sigma_x")
    if res.activation is not None and hasattr(res.activation, "expr"):
        from .gaussian import gaussian_moments

        return float(gaussian_moments(res.activation, sigma_w=sigma_w, sigma_x=sigma_x).mean)
    return _gaussian_mean_numeric(res.function, sigma_w * sigma_x)


# ---------------------------------------------------------------------------
# random entries and layers
# ---------------------------------------------------------------------------
def random_entries(rng: np.random.Generator, shape, std: float = 1.0, entries: str = "gaussian",
                   dtype=np.float64, out: Optional[np.ndarray] = None) -> np.ndarray:
    """An array of iid centred entries with standard deviation ``std``.

    ``entries``: ``"gaussian"`` (N(0, std²)), ``"rademacher"`` (±std) or
    ``"uniform"`` (uniform on [−√3 std, √3 std]); all have variance std².
    """
    entries = _check_entries(entries)[0]
    dtype = np.dtype(dtype)
    if out is None:
        out = np.empty(shape, dtype=dtype)
    if entries == "gaussian":
        if dtype in (np.float32, np.float64):
            rng.standard_normal(out=out, dtype=dtype)
        else:
            out[...] = rng.standard_normal(shape)
        out *= std
    elif entries == "rademacher":
        bits = rng.integers(0, 2, size=out.shape, dtype=np.int8)
        np.multiply(bits, 2 * std, out=out, casting="unsafe")
        out -= std
    else:
        half = math.sqrt(3.0) * std
        if dtype in (np.float32, np.float64):
            rng.random(out=out, dtype=dtype)
        else:
            out[...] = rng.random(shape)
        out *= 2 * half
        out -= half
    return out


def _apply_inplace(function: Callable, A: np.ndarray, shift: float) -> np.ndarray:
    """A ← f(A) − shift, row block by row block so temporaries stay small."""
    rows = A.shape[0]
    step = max(1, _CHUNK_ELEMENTS // max(1, A.shape[1]))
    for i in range(0, rows, step):
        block = A[i:i + step]
        value = function(block)
        value = np.asarray(value)
        if value.shape != block.shape:
            value = np.broadcast_to(value, block.shape)
        block[...] = value
        if shift:
            block -= shift
    if not np.all(np.isfinite(A)):
        raise RmtsymError("the activation produced non-finite values (inf or nan) on the sampled "
                          "pre-activations")
    return A


def apply_layer(activation, Y_prev: np.ndarray, n_out: int, rng: np.random.Generator,
                sigma_w=1.0, entries: str = "gaussian", center: float = 0.0,
                dtype=np.float64) -> np.ndarray:
    """One random layer Y = f(W Y_prev) − center with W ∈ R^{n_out×n_in}, W_ij of variance σw²/n_in.

    This is the layer map of docs/theory.md §1.8 (Y_l = f(W_l Y_{l−1}/√n_{l−1}) with unit-variance
    W_l) for multi-layer propagation; ``center`` is the constant subtracted (usually the
    Gaussian mean E f(q Z) at the layer's pre-activation scale q).

    Returns
    -------
    numpy.ndarray
        Y of shape (n_out, Y_prev.shape[1]).
    """
    res = resolve_activation(activation)
    n_out = _check_positive_int(n_out, "n_out")
    n_in = Y_prev.shape[0]
    sigma_w = _check_positive_real(sigma_w, "sigma_w")
    W = random_entries(rng, (n_out, n_in), sigma_w / math.sqrt(n_in), entries, dtype)
    Y = np.empty((n_out, Y_prev.shape[1]), dtype=dtype)
    np.matmul(W, Y_prev.astype(dtype, copy=False), out=Y)
    del W
    return _apply_inplace(res.function, Y, float(center))


def _gaussian_mean_and_variance(res: "_ResolvedActivation", scale: float) -> Tuple[float, float]:
    """(E f(sZ), Var f(sZ)) at the pre-activation scale s (certified engine for Activations)."""
    if res.activation is not None and hasattr(res.activation, "expr"):
        from .gaussian import gaussian_moments

        gm = gaussian_moments(res.activation, sigma_w=1, sigma_x=scale)
        return float(gm.mean), float(gm.eta)
    mean = _gaussian_mean_numeric(res.function, scale)
    second = _gaussian_mean_numeric(lambda u: np.asarray(res.function(u), dtype=float) ** 2, scale)
    return mean, max(second - mean * mean, 0.0)


@dataclass
class LayerSample:
    """Features of a deep random network, layer by layer (docs/theory.md §1.8).

    Attributes
    ----------
    features : list of numpy.ndarray
        ``features[0]`` is the data X (n0×m); ``features[l]`` is Y_l (n_l×m).
    scales : list of float
        q_l, the variance of the pre-activations of layer l from the mean-field recursion
        q_1 = σw²σx², q_{l+1} = σw² Var f(√q_l Z) (Schoenholz et al., ICLR 2017).
    centers : list of float
        μ_l = E f(√q_l Z), subtracted at layer l (0 when not centred).
    """

    features: list
    scales: list
    centers: list

    def gram_eigenvalues(self, layer: int) -> np.ndarray:
        """Eigenvalues of the data Gram K_l = Y_lᵀY_l/n_l (m×m), computed on the smaller side."""
        Y = self.features[layer]
        return sample_gram_eigenvalues(Y, normalization=Y.shape[0], side="columns")


def sample_layers(activation, n0, widths: Sequence[int], m, seed=0, sigma_w=1, sigma_x=1,
                  entries="gaussian", center=True, dtype=np.float64,
                  rng: Optional[np.random.Generator] = None) -> LayerSample:
    """Propagate Gaussian data through random layers: Y_l = f(W_l Y_{l−1}) − μ_l.

    X = Y_0 ∈ R^{n0×m} has N(0, σx²) entries (or Rademacher/uniform); W_l ∈ R^{n_l×n_{l−1}}
    has entries of variance σw²/n_{l−1} (docs/theory.md §1.8, Pennington & Worah NeurIPS 2017
    §"propagation"). With ``center=True`` the constant μ_l = E f(√q_l Z) is the exact
    Gaussian mean at the mean-field pre-activation variance q_l (see :class:`LayerSample`),
    so each layer is centred as the single-layer theory assumes.

    Parameters
    ----------
    widths : sequence of int
        n_1, ..., n_L.
    rng : numpy.random.Generator, optional
        Default ``numpy.random.default_rng([seed, 0])``.
    """
    res = resolve_activation(activation)
    n0 = _check_positive_int(n0, "n0")
    m = _check_positive_int(m, "m")
    widths = [_check_positive_int(w, "each width") for w in widths]
    if not widths:
        raise ParameterError("give at least one layer width")
    sigma_w = _check_positive_real(sigma_w, "sigma_w")
    sigma_x = _check_positive_real(sigma_x, "sigma_x")
    entries = _check_entries(entries)
    if rng is None:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ParameterError(f"seed must be a non-negative whole number, got {seed!r}")
        rng = np.random.default_rng([int(seed), 0])
    X = random_entries(rng, (n0, m), sigma_x, entries[1], dtype)
    features, scales, centers = [X], [], []
    q = sigma_w ** 2 * sigma_x ** 2
    for width in widths:
        mu, var = _gaussian_mean_and_variance(res, math.sqrt(q))
        mu = mu if center else 0.0
        Y = apply_layer(res, features[-1], width, rng, sigma_w=sigma_w, entries=entries[0],
                        center=mu, dtype=dtype)
        features.append(Y)
        scales.append(q)
        centers.append(mu)
        q = sigma_w ** 2 * (var if center else var + mu * mu)
    return LayerSample(features, scales, centers)


# ---------------------------------------------------------------------------
# eigenvalues of a Gram matrix
# ---------------------------------------------------------------------------
def sample_gram_eigenvalues(Y: np.ndarray, normalization: Optional[float] = None,
                            side: str = "rows") -> np.ndarray:
    """Eigenvalues of the Gram matrix of Y, computed on the smaller side.

    ``side="rows"``: the n×n matrix Y Yᵀ / normalization (n = Y.shape[0]);
    ``side="columns"``: the p×p matrix Yᵀ Y / normalization (p = Y.shape[1]).
    The non-zero eigenvalues of YYᵀ and YᵀY coincide, so the smaller product is
    diagonalised (``numpy.linalg.eigvalsh``) and the missing eigenvalues are exact zeros.
    The default normalization is the other dimension (``Y.shape[1]`` for rows, i.e.
    PW's M = YYᵀ/m; ``Y.shape[0]`` for columns, i.e. the data Gram K = YᵀY/n of §1.8).

    Returns
    -------
    numpy.ndarray
        The eigenvalues, sorted increasingly (length Y.shape[0] or Y.shape[1]).
    """
    if Y.ndim != 2:
        raise ParameterError("Y must be a 2-d array")
    rows, cols = Y.shape
    if side not in ("rows", "columns"):
        raise ParameterError(f"side must be 'rows' or 'columns', got {side!r}")
    target = rows if side == "rows" else cols
    if normalization is None:
        normalization = cols if side == "rows" else rows
    if rows <= cols:
        gram = Y @ Y.T  # BLAS syrk (numpy detects the transposed operand)
    else:
        gram = Y.T @ Y
    gram /= normalization
    eigs = np.linalg.eigvalsh(gram)
    del gram
    if eigs.shape[0] < target:
        eigs = np.concatenate([np.zeros(target - eigs.shape[0], dtype=eigs.dtype), eigs])
        eigs.sort()
    return eigs


# ---------------------------------------------------------------------------
# progress bar
# ---------------------------------------------------------------------------
class _Progress:
    """A one-line text progress bar on stderr (no dependency)."""

    def __init__(self, total: int, enabled: bool, label: str = "sampling", stream=None):
        self.total = total
        self.enabled = enabled
        self.label = label
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        width = 30
        frac = done / self.total if self.total else 1.0
        filled = int(round(width * frac))
        elapsed = time.perf_counter() - self.start
        eta = elapsed / frac - elapsed if frac > 0 else float("nan")
        self.stream.write(f"\r{self.label}: [{'#' * filled}{'.' * (width - filled)}] "
                          f"{done}/{self.total} matrices, {elapsed:.1f}s elapsed, ~{eta:.0f}s left ")
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def _progress_enabled(progress, work: float) -> bool:
    if progress is None:
        isatty = getattr(sys.stderr, "isatty", None)
        # "long run": more than ~2·10^10 multiply-adds in total (tens of seconds)
        return bool(isatty and isatty()) and work > 2e10
    return bool(progress)


# ---------------------------------------------------------------------------
# the PW matrix
# ---------------------------------------------------------------------------
@dataclass
class SampleResult:
    """Eigenvalues of M = YYᵀ/m over independent seeds, with the sizes actually used.

    Attributes
    ----------
    eigenvalues : numpy.ndarray, shape (seeds, n1)
        Row s holds the n1 eigenvalues of M for seed index s, sorted increasingly
        (exact zeros included when m < n1).
    n0, n1, m : int
        Sizes: W is n1×n0, X is n0×m.
    phi, psi : float
        The ratios actually realised, n0/m and n0/n1.
    requested_phi, requested_psi : float
        The ratios asked for.
    center : float
        The constant μ0 subtracted from f(WX) (0.0 when not centred).
    method : str
        How WX was drawn: ``"bartlett"`` or ``"direct"`` (see :func:`sample_eigenvalues`).
    """

    eigenvalues: np.ndarray
    n0: int
    n1: int
    m: int
    phi: float
    psi: float
    requested_phi: float
    requested_psi: float
    center: float
    sigma_w: float
    sigma_x: float
    entries: Tuple[str, str]
    seed: int
    activation: str = "f"
    method: str = "direct"
    seconds: float = field(default=0.0, compare=False)

    @property
    def seeds(self) -> int:
        return int(self.eigenvalues.shape[0])

    @property
    def pooled(self) -> np.ndarray:
        """All eigenvalues of all seeds in one sorted array (length seeds·n1)."""
        return np.sort(self.eigenvalues.reshape(-1))

    def sizes(self) -> dict:
        return {"n0": self.n0, "n1": self.n1, "m": self.m, "phi": self.phi, "psi": self.psi,
                "requested_phi": self.requested_phi, "requested_psi": self.requested_psi,
                "seeds": self.seeds}


def _check_method(method) -> str:
    name = str(method).strip().lower() if isinstance(method, str) else None
    if name not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    return name


def _resolve_method(method: str, entries: Tuple[str, str], keep_data: bool) -> str:
    """The way WX is drawn: ``"bartlett"`` or ``"direct"`` (see :func:`bartlett_factor`)."""
    gaussian = entries == ("gaussian", "gaussian")
    if method == "auto":
        return "bartlett" if gaussian and not keep_data else "direct"
    if method == "bartlett":
        if not gaussian:
            raise ParameterError(f"method 'bartlett' needs Gaussian W and X (the reduction uses their "
                                 f"rotation invariance); got entries {entries[0]} and {entries[1]}, "
                                 f"use method 'direct'")
        if keep_data:
            raise ParameterError("method 'bartlett' never draws W and X, so the data X cannot be "
                                 "returned; use method 'direct'")
    return method


def bartlett_factor(rng: np.random.Generator, n0: int, n1: int, dtype=np.float64) -> np.ndarray:
    """A random n1×r lower-trapezoidal L with L Lᵀ distributed as W Wᵀ, W an n1×n0 N(0,1) matrix.

    r = min(n0, n1). The entries are independent: L_jj = sqrt(χ²_{n0−j}) (j = 0..r−1,
    counting from 0), L_jk ~ N(0, 1) below the diagonal (k < j), zeros above. This is
    Bartlett's decomposition (M. S. Bartlett, Proc. Roy. Soc. Edinburgh 53, 1933;
    Muirhead, *Aspects of Multivariate Statistical Theory*, Thm 3.2.14), read as the QR
    factorisation Wᵀ = Q Lᵀ of the Gaussian matrix Wᵀ: Q is Haar distributed and
    independent of L, so W = L Qᵀ.

    It is what makes the ``"bartlett"`` sampler exact: for Gaussian X ∈ R^{n0×m}, QᵀX is
    again an iid Gaussian matrix independent of L, hence

        W X  =_d  L X',   X' ∈ R^{r×m} with iid N(0, 1) entries,

    jointly as n1×m matrices, and f(WX) =_d f(L X') for every f. The product L X' costs
    n1·r·m − r²m/2 multiply-adds against n1·n0·m for WX, and draws r·m + n1·r − r²/2
    normal variates against n1·n0 + n0·m.
    """
    n0 = _check_positive_int(n0, "n0")
    n1 = _check_positive_int(n1, "n1")
    r = min(n0, n1)
    L = np.zeros((n1, r), dtype=dtype)
    for j in range(1, r):
        rng.standard_normal(out=L[j, :j], dtype=L.dtype)
    if n1 > r:
        rng.standard_normal(out=L[r:], dtype=L.dtype)
    diag = np.sqrt(rng.chisquare(np.arange(n0, n0 - r, -1, dtype=np.float64)))
    L[np.arange(r), np.arange(r)] = diag
    return L


def _bartlett_pre_activations(rng, n0: int, n1: int, m: int, scale: float, Y: np.ndarray) -> None:
    """Fill Y (n1×m, C order) with scale·L X' =_d scale·W X (see :func:`bartlett_factor`).

    X' is drawn into the first r rows of Y and multiplied by the triangular part of L in
    place, by row blocks from the bottom up (block i needs only the rows of X' up to its
    own end, so the rows below it may already hold results). Each block is one numpy
    matmul, so the work stays in numpy's BLAS and its threads; it does
    n1·r·m − r²m/2 (1 − _TRIANGLE_BLOCK/r) multiply-adds.
    """
    L = bartlett_factor(rng, n0, n1, Y.dtype)
    r = L.shape[1]
    top = Y[:r]
    rng.standard_normal(out=top, dtype=Y.dtype)  # X'
    if n1 > r:  # the full rows of L: an ordinary product, before X' is overwritten
        np.matmul(L[r:], top, out=Y[r:])
        Y[r:] *= scale
    block = min(_TRIANGLE_BLOCK, r)
    buffer = np.empty((block, m), dtype=Y.dtype)
    for start in reversed(range(0, r, block)):
        stop = min(start + block, r)
        out = buffer[:stop - start]
        np.matmul(L[start:stop, :stop], top[:stop], out=out)
        out *= scale
        top[start:stop] = out


def _sample_one(res: _ResolvedActivation, rng, n0, n1, m, w_std, x_std, entries, mu0, dtype,
                Y: np.ndarray, keep_data: bool = False, method: str = "direct"):
    """Fill the buffer Y with f(WX) − μ0 for one seed.

    ``method="bartlett"`` draws WX in law as w_std·x_std·L X' (:func:`bartlett_factor`;
    Gaussian entries only); ``"direct"`` draws W and X and multiplies them. In the direct
    way W and X live only during the product, so the peak memory is the three matrices
    W, X, Y; the Bartlett way holds L (n1×min(n0, n1)) and Y. The Gram matrix is formed
    afterwards, when only Y remains. Returns X if ``keep_data`` (direct way only).
    ``method`` is already resolved (:func:`_resolve_method`).
    """
    X = None
    if method == "bartlett":
        _bartlett_pre_activations(rng, n0, n1, m, w_std * x_std, Y)
    else:
        W = random_entries(rng, (n1, n0), w_std, entries[0], dtype)
        X = random_entries(rng, (n0, m), x_std, entries[1], dtype)
        np.matmul(W, X, out=Y)
        del W
    _apply_inplace(res.function, Y, mu0)
    return X if keep_data else None


def _prepare(activation, phi, psi, n0, sigma_w, sigma_x, entries, center, dtype):
    res = resolve_activation(activation)
    n0, n1, m = sample_sizes(phi, psi, n0)
    sigma_w = _check_positive_real(sigma_w, "sigma_w")
    sigma_x = _check_positive_real(sigma_x, "sigma_x")
    entries = _check_entries(entries)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ParameterError(f"dtype must be float32 or float64, got {dtype}")
    if center is True:
        mu0 = centring_constant(res, sigma_w, sigma_x)
    elif center is False or center is None:
        mu0 = 0.0
    else:
        try:
            mu0 = float(center)
        except (TypeError, ValueError):
            raise ParameterError(f"center must be True, False or a number, got {center!r}") from None
        if not math.isfinite(mu0):
            raise ParameterError(f"center must be finite, got {center!r}")
    return res, n0, n1, m, sigma_w, sigma_x, entries, dtype, mu0


def sample_eigenvalues(activation, phi, psi, n0, seeds=1, seed=0, sigma_w=1, sigma_x=1,
                       entries="gaussian", center=True, dtype=np.float64,
                       progress=None, method="auto") -> SampleResult:
    """Sample the eigenvalues of Pennington & Worah's M = YYᵀ/m.

    Y = f(WX) − μ0 with W_ij ~ N(0, σw²/n0), X_iμ ~ N(0, σx²) (or Rademacher/uniform
    entries of the same variances), μ0 = E f(σZ) the exact Gaussian mean, n1 =
    round(n0/ψ), m = round(n0/φ) (Pennington & Worah, NeurIPS 2017; docs/theory.md §1.1, §1.3).
    In the limit the e.s.d. follows the PW law with η = Var f(σZ), ζ = (E[Z f(σZ)])².

    Parameters
    ----------
    activation : str, Activation or callable
        The entrywise nonlinearity f.
    phi, psi : float or str
        φ = n0/m and ψ = n0/n1 (strings such as ``"1/4"`` are read as fractions).
    n0 : int
        Input dimension.
    seeds : int
        Number of independent matrices. Seed index s uses
        ``numpy.random.default_rng([seed, s])``, so results are reproducible and a run
        with more seeds extends a run with fewer.
    seed : int
        The base seed (a non-negative integer).
    sigma_w, sigma_x : float
        Weight and data scales.
    entries : {"gaussian", "rademacher", "uniform"} or a pair (for W, for X)
    center : bool or float
        True subtracts the exact Gaussian mean μ0; False subtracts nothing; a number
        is subtracted as given.
    dtype : numpy float dtype
        float64 (default) or float32.
    progress : bool or None
        Text progress bar on stderr; None shows it only on a TTY for long runs.
    method : {"auto", "bartlett", "direct"}
        How WX is drawn. ``"direct"`` draws W and X and multiplies them;
        ``"bartlett"`` draws the same matrix in law as L X' with L the Bartlett factor of
        W (:func:`bartlett_factor`), which needs Gaussian entries and costs about half
        the multiply-adds for square shapes and n1/(2 n0) of them for n1 ≤ n0;
        ``"auto"`` (default) takes Bartlett whenever W and X are Gaussian.

    Returns
    -------
    SampleResult

    Raises
    ------
    ParameterError
        Bad sizes, ratios, scales, seeds or entry names.
    """
    res, n0, n1, m, sigma_w, sigma_x, entries, dtype, mu0 = _prepare(
        activation, phi, psi, n0, sigma_w, sigma_x, entries, center, dtype)
    seeds = _check_positive_int(seeds, "seeds")
    check_sample_memory(n0, n1, m, seeds, dtype)
    method = _resolve_method(_check_method(method), entries, keep_data=False)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ParameterError(f"seed must be a non-negative whole number, got {seed!r}")
    seed = int(seed)
    w_std = sigma_w / math.sqrt(n0)
    x_std = sigma_x
    Y = np.empty((n1, m), dtype=dtype)
    out = np.empty((seeds, n1), dtype=dtype)
    bar = _Progress(seeds, _progress_enabled(progress, seeds * float(n1) * n0 * m))
    start = time.perf_counter()
    for s in range(seeds):
        rng = np.random.default_rng([seed, s])
        _sample_one(res, rng, n0, n1, m, w_std, x_std, entries, mu0, dtype, Y, method=method)
        out[s] = sample_gram_eigenvalues(Y, normalization=m, side="rows")
        bar.update(s + 1)
    return SampleResult(eigenvalues=out, n0=n0, n1=n1, m=m, phi=n0 / m, psi=n0 / n1,
                        requested_phi=_check_positive_real(phi, "phi"),
                        requested_psi=_check_positive_real(psi, "psi"),
                        center=mu0, sigma_w=sigma_w, sigma_x=sigma_x, entries=entries, seed=seed,
                        activation=res.name, method=method, seconds=time.perf_counter() - start)


def sample_features(activation, phi, psi, n0, seed=0, sigma_w=1, sigma_x=1, entries="gaussian",
                    center=True, dtype=np.float64, rng: Optional[np.random.Generator] = None,
                    return_data: bool = False, method="auto"):
    """One feature matrix Y = f(WX) − μ0 ∈ R^{n1×m} (PW conventions, docs/theory.md §1.1).

    For applications that need the features themselves: random-feature ridge regression
    (docs/theory.md §1.7) or the first layer of a propagation (§1.8; continue with
    :func:`apply_layer`).

    Parameters
    ----------
    rng : numpy.random.Generator, optional
        The generator to draw from; default ``numpy.random.default_rng([seed, 0])``, the
        generator of seed index 0 of :func:`sample_eigenvalues` (same Y).
    return_data : bool
        Also return X (n0×m), e.g. to build the input Gram. X exists only when W and X
        are drawn directly, so ``"auto"`` then takes the direct way (and Y differs from
        the one drawn with the same seed without ``return_data``).
    method : {"auto", "bartlett", "direct"}
        As in :func:`sample_eigenvalues`.

    Returns
    -------
    Y, or (Y, X) when ``return_data``.
    """
    res, n0, n1, m, sigma_w, sigma_x, entries, dtype, mu0 = _prepare(
        activation, phi, psi, n0, sigma_w, sigma_x, entries, center, dtype)
    check_sample_memory(n0, n1, m, 1, dtype)
    if rng is None:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ParameterError(f"seed must be a non-negative whole number, got {seed!r}")
        rng = np.random.default_rng([int(seed), 0])
    Y = np.empty((n1, m), dtype=dtype)
    X = _sample_one(res, rng, n0, n1, m, sigma_w / math.sqrt(n0), sigma_x, entries, mu0, dtype, Y,
                    keep_data=return_data,
                    method=_resolve_method(_check_method(method), entries, return_data))
    if return_data:
        return Y, X
    return Y


def sample_matrix(activation, phi, psi, n0, seed=0, sigma_w=1, sigma_x=1, entries="gaussian",
                  center=True, dtype=np.float64, which: str = "M",
                  rng: Optional[np.random.Generator] = None, method="auto") -> np.ndarray:
    """One sample of Y = f(WX) − μ0 (``which="Y"``) or of M = YYᵀ/m (``which="M"``).

    Same conventions and seeding as :func:`sample_features` (seed index 0 of
    :func:`sample_eigenvalues`, so ``eigvalsh(sample_matrix(...))`` reproduces its first row).
    """
    if which not in ("M", "Y"):
        raise ParameterError(f"which must be 'M' or 'Y', got {which!r}")
    Y = sample_features(activation, phi, psi, n0, seed=seed, sigma_w=sigma_w, sigma_x=sigma_x,
                        entries=entries, center=center, dtype=dtype, rng=rng, method=method)
    if which == "Y":
        return Y
    M = Y @ Y.T
    M /= Y.shape[1]
    return M


__all__ = ["ENTRIES", "SampleResult", "sample_eigenvalues", "sample_features", "sample_matrix",
           "sample_gram_eigenvalues", "sample_sizes", "bartlett_factor", "METHODS", "sample_layers", "LayerSample", "random_entries", "apply_layer",
           "resolve_activation", "centring_constant", "check_sample_memory"]
