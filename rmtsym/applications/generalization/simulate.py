r"""Monte Carlo of random-feature ridge regression, exactly as Mei & Montanari set it up.

The setting of S. Mei and A. Montanari (CPAM 75 (2022), arXiv:1908.05355), drawn afresh
for every seed:

* inputs x_i (n = round(ψ2 d) of them) and weights θ_a (N = round(ψ1 d)) uniform on the
  sphere of radius √d in R^d (``inputs="sphere"``, the default) or standard Gaussian
  vectors (``inputs="gaussian"``);
* features F_ia = σ(⟨θ_a, x_i⟩/√d);
* target y = √F1²·⟨β, x⟩ + √F*²·f_NL(x) + τ·ε with β uniform on the unit sphere,
  f_NL(x) = xᵀAx/c for a random traceless symmetric A (a degree-2 harmonic: orthogonal to
  constants and linear functions) normalised exactly to E f_NL² = 1 under the input law
  (c² = 2d tr A²/(d + 2) on the sphere, 2 tr A² for Gaussian inputs), ε ~ N(0, 1);
* the ridge estimator â = argmin (1/n)‖y − Fa‖² + (Nλ/d)‖a‖², solved directly through the
  thin SVD F = U S Vᵀ (â = V diag(S/(S² + nNλ/d)) Uᵀy; λ = 0 gives the minimum-norm
  least-squares solution, the λ → 0⁺ limit), one SVD for every ridge of a draw;
* the test risk R = E_x(f(x) − ŷ(x))² on ``n_test`` fresh inputs, the training error
  (1/n)‖y − Fâ‖², and the bias B (risk of the unit linear target alone) and variance V
  (mean squared prediction of unit-variance label noise alone) of the same draw.

Means and standard errors (standard deviation over seeds / √seeds) are returned.  Sizes
are checked against memory before anything is allocated.

:func:`simulate_given_data` draws only the weights, for a given data matrix and targets
(the setting of the deterministic equivalent of Louart, Liao & Couillet).
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from ...errors import ParameterError

__all__ = ["SimulationResult", "simulate_risk", "simulate_points", "simulate_given_data",
           "estimate_bytes", "check_memory", "INPUTS", "MAX_BYTES"]

#: input/weight laws of the simulator
INPUTS = ("sphere", "gaussian")
#: at most this many bytes of arrays per draw (and at most half the machine's memory)
MAX_BYTES = 4 * 2 ** 30
#: at most this many floating-point operations in one call (about an hour on one core)
MAX_FLOPS = 5e12


def _physical_memory() -> Optional[int]:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return None


def estimate_bytes(d: int, n: int, N: int, n_test: int, n_ridges: int) -> int:
    """Peak bytes of one draw: data, features, SVD factors and the predictions (float64)."""
    r = min(n, N)
    words = (n * d + N * d + n_test * d + d * d        # X, Θ, test inputs, A
             + 3 * n * N                                 # F, its copy in the SVD, U
             + r * N + n_test * N + n_test * r           # Vᵀ, test features, Ft·V
             + 4 * n_test * n_ridges + 4 * n * n_ridges)  # predictions
    return int(8 * words * 1.2)


def check_memory(d: int, n: int, N: int, n_test: int, n_ridges: int, seeds: int, pairs: int = 1,
                 max_bytes: Optional[int] = None) -> None:
    """Raise ParameterError (one sentence) when one draw would not fit in memory or would run for hours."""
    limit = MAX_BYTES if max_bytes is None else int(max_bytes)
    phys = _physical_memory()
    if phys:
        limit = min(limit, phys // 2)
    need = estimate_bytes(d, n, N, n_test, n_ridges)
    if need > limit:
        raise ParameterError(
            f"the simulation with d = {d}, N = {N}, n = {n} needs about {need / 2**30:.1f} GiB per "
            f"draw, more than the {limit / 2**30:.1f} GiB allowed; use a smaller --d")
    flops = pairs * seeds * (6.0 * n * N * min(n, N) + 2.0 * (n + n_test) * N * d)
    if flops > MAX_FLOPS:
        raise ParameterError(
            f"the simulation with d = {d}, N = {N}, n = {n} and {seeds} seeds would take hours "
            f"(about {flops:.1e} floating-point operations); use a smaller --d or fewer seeds")


def _check_int(v, name, minimum):
    if isinstance(v, bool):
        raise ParameterError(f"{name} must be a whole number, got {v!r}")
    try:
        iv = int(v)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a whole number, got {v!r}") from None
    if iv != v and not (isinstance(v, float) and float(v).is_integer()):
        raise ParameterError(f"{name} must be a whole number, got {v!r}")
    if iv < minimum:
        raise ParameterError(f"{name} must be at least {minimum}, got {iv}")
    return iv


def _check_nonneg(v, name):
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {v!r}") from None
    if not math.isfinite(f) or f < 0:
        raise ParameterError(f"{name} must be a finite non-negative number, got {v!r}")
    return f


def _draw(rng, rows: int, d: int, inputs: str) -> np.ndarray:
    g = rng.standard_normal((rows, d))
    if inputs == "sphere":
        g *= math.sqrt(d) / np.linalg.norm(g, axis=1, keepdims=True)
    return g


def _features(act, A: np.ndarray, B: np.ndarray, d: int) -> np.ndarray:
    Z = A @ B.T
    Z *= 1.0 / math.sqrt(d)
    with np.errstate(all="ignore"):
        F = np.asarray(act(Z), dtype=float)
    if F.shape != Z.shape:
        F = np.broadcast_to(F, Z.shape).copy()
    if not np.all(np.isfinite(F)):
        raise ParameterError("the activation is not finite at some pre-activations of the simulation")
    return F


def _filters(S: np.ndarray, n: int, N: int, d: int, ridges: np.ndarray) -> np.ndarray:
    """g_k(λ) = S_k/(S_k² + nNλ/d); min-norm 1/S_k (0 on the numerical null space) at λ = 0."""
    S = S[:, None]
    rho = (N / d) * ridges[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = S / (S * S + n * rho)
    tol = S.max() * max(n, N) * np.finfo(float).eps if S.size else 0.0
    zero = ridges[None, :] == 0
    g = np.where(zero & (S > tol), 1.0 / np.where(S > tol, S, 1.0), np.where(zero, 0.0, g))
    return g


@dataclass
class SimulationResult:
    """Means and standard errors over seeds, aligned with the requested points."""

    psi1: np.ndarray
    psi2: np.ndarray
    ridge: np.ndarray
    d: int
    seeds: int
    inputs: str
    n_test: int
    signal: float
    noise: float
    nonlinear: float
    test_risk: np.ndarray
    test_risk_se: np.ndarray
    train_error: np.ndarray
    train_error_se: np.ndarray
    bias: np.ndarray
    bias_se: np.ndarray
    variance: np.ndarray
    variance_se: np.ndarray
    sizes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def method(self) -> str:
        return (f"Monte Carlo: {self.seeds} draws of inputs, weights and target at d = {self.d} "
                f"({self.inputs}), ridge solved by SVD, test risk on fresh inputs (max(1000, 2n), "
                f"at most {self.n_test}); "
                "mean and standard error over draws")


def _mean_se(samples: np.ndarray):
    mean = samples.mean(axis=0)
    if samples.shape[0] > 1:
        se = samples.std(axis=0, ddof=1) / math.sqrt(samples.shape[0])
    else:
        se = np.full_like(mean, np.nan)
    return mean, se


def simulate_points(activation, psi1, psi2, ridge, d: int, seeds: int = 4, seed: int = 0,
                    signal=1.0, noise=0.0, nonlinear=0.0, inputs: str = "sphere",
                    n_test: Optional[int] = None, max_bytes: Optional[int] = None) -> SimulationResult:
    r"""Simulate the test risk, training error, bias and variance at the points (ψ1, ψ2, λ).

    Parameters
    ----------
    activation : str, Activation or callable
        σ (parsed by :func:`rmtsym.activation.parse_activation`; never evaluated as code).
    psi1, psi2, ridge : array_like (broadcast together)
        ψ1 = N/d, ψ2 = n/d (N = round(ψ1 d), n = round(ψ2 d)) and λ ≥ 0.  Points that share
        (ψ1, ψ2) share their draws (one SVD per draw serves every λ).
    d : int
        Input dimension.
    seeds : int
        Independent draws (≥ 2 for a standard error).
    seed : int
        Base seed (draw k uses ``numpy.random.default_rng([seed, k, i])`` for the i-th (ψ1, ψ2)).
    signal, noise, nonlinear : float
        F1², τ², F*² of the target.
    inputs : {"sphere", "gaussian"}
        Law of x and θ.
    n_test : int, optional
        Fresh test inputs per draw (default max(1000, 2n)).
    max_bytes : int, optional
        Memory allowed per draw (default :data:`MAX_BYTES`, at most half the machine).

    Returns
    -------
    SimulationResult
    """
    from ...sampler import resolve_activation

    t0 = time.time()
    d = _check_int(d, "d", 2)
    seeds = _check_int(seeds, "seeds", 1)
    seed = _check_int(seed, "seed", 0)
    signal, noise, nonlinear = (_check_nonneg(v, n) for v, n in
                                ((signal, "signal"), (noise, "noise"), (nonlinear, "nonlinear target")))
    if inputs not in INPUTS:
        raise ParameterError(f"inputs must be one of {', '.join(INPUTS)}, got {inputs!r}")
    try:
        p1, p2, lam = (np.array(v, dtype=float).ravel() for v in np.broadcast_arrays(
            *(np.asarray(v, dtype=float) for v in (psi1, psi2, ridge))))
    except (TypeError, ValueError):
        raise ParameterError("psi1, psi2 and ridge must be numbers of compatible shapes") from None
    if not (np.all(np.isfinite(p1)) and np.all(p1 > 0) and np.all(np.isfinite(p2)) and np.all(p2 > 0)):
        raise ParameterError("psi1 and psi2 must be finite positive numbers")
    if not (np.all(np.isfinite(lam)) and np.all(lam >= 0)):
        raise ParameterError("the ridge must be a finite non-negative number")
    pairs = sorted({(a, b) for a, b in zip(p1.tolist(), p2.tolist())})
    sizes = []
    for a, b in pairs:
        N, n = int(round(a * d)), int(round(b * d))
        if N < 1 or n < 1:
            raise ParameterError(f"psi1 = {a:g}, psi2 = {b:g} at d = {d} give N = {N}, n = {n}; "
                                 "both must be at least 1 (increase d)")
        nt = _check_int(n_test, "n_test", 1) if n_test is not None else max(1000, 2 * n)
        n_r = int(np.sum((p1 == a) & (p2 == b)))
        check_memory(d, n, N, nt, n_r, seeds, pairs=len(pairs), max_bytes=max_bytes)
        sizes.append({"psi1": a, "psi2": b, "N": N, "n": n, "n_test": nt})
    act = resolve_activation(activation).function

    P = len(p1)
    out = {k: np.zeros((seeds, P)) for k in ("risk", "train", "bias", "var")}
    for i, ((a, b), sz) in enumerate(zip(pairs, sizes)):
        idx = np.flatnonzero((p1 == a) & (p2 == b))
        ridges = lam[idx]
        N, n, nt = sz["N"], sz["n"], sz["n_test"]
        for k in range(seeds):
            rng = np.random.default_rng([seed, k, i])
            res = _one_draw(rng, act, d, N, n, nt, ridges, inputs, signal, noise, nonlinear)
            for key in out:
                out[key][k, idx] = res[key]
    r, r_se = _mean_se(out["risk"])
    t, t_se = _mean_se(out["train"])
    bb, b_se = _mean_se(out["bias"])
    v, v_se = _mean_se(out["var"])
    return SimulationResult(psi1=p1, psi2=p2, ridge=lam, d=d, seeds=seeds, inputs=inputs,
                            n_test=max(sz["n_test"] for sz in sizes),
                            signal=signal, noise=noise, nonlinear=nonlinear,
                            test_risk=r, test_risk_se=r_se, train_error=t, train_error_se=t_se,
                            bias=bb, bias_se=b_se, variance=v, variance_se=v_se, sizes=sizes,
                            seconds=round(time.time() - t0, 3))


def simulate_risk(activation, psi1: float, psi2: float, ridges: Sequence[float], d: int,
                  **kwargs) -> SimulationResult:
    """:func:`simulate_points` at one (ψ1, ψ2) for several ridges (one SVD per draw)."""
    ridges = np.atleast_1d(np.asarray(ridges, dtype=float))
    return simulate_points(activation, np.full(ridges.shape, float(psi1)),
                           np.full(ridges.shape, float(psi2)), ridges, d, **kwargs)


def _nonlinear_target(rng, d: int, inputs: str):
    """x ↦ xᵀAx/c, A traceless symmetric, E (xᵀAx/c)² = 1 exactly under the input law."""
    G = rng.standard_normal((d, d))
    A = (G + G.T) / 2
    A -= np.trace(A) / d * np.eye(d)
    tr2 = float(np.sum(A * A))
    c2 = 2 * d * tr2 / (d + 2) if inputs == "sphere" else 2 * tr2
    A /= math.sqrt(c2)
    return lambda Z: np.einsum("ij,jk,ik->i", Z, A, Z, optimize=True)


def _one_draw(rng, act, d, N, n, nt, ridges, inputs, signal, noise, nonlinear):
    X = _draw(rng, n, d, inputs)
    Th = _draw(rng, N, d, inputs)
    Xt = _draw(rng, nt, d, inputs)
    beta = rng.standard_normal(d)
    beta /= np.linalg.norm(beta)
    fnl = _nonlinear_target(rng, d, inputs)
    eps = rng.standard_normal(n)
    y_lin, t_lin = X @ beta, Xt @ beta
    y_nl, t_nl = fnl(X), fnl(Xt)
    F = _features(act, X, Th, d)
    del X
    Ft = _features(act, Xt, Th, d)
    del Xt, Th
    U, S, Vt = np.linalg.svd(F, full_matrices=False)
    del F
    FtV = Ft @ Vt.T
    del Ft, Vt
    g = _filters(S, n, N, d, ridges)                      # r × L
    a1, a2, a3 = math.sqrt(signal), math.sqrt(nonlinear), math.sqrt(noise)
    y = a1 * y_lin + a2 * y_nl + a3 * eps
    t = a1 * t_lin + a2 * t_nl
    c_y, c_lin, c_eps = U.T @ y, U.T @ y_lin, U.T @ eps
    pred = FtV @ (g * c_y[:, None])                       # n_test × L
    risk = np.mean((t[:, None] - pred) ** 2, axis=0)
    fit = U @ ((S[:, None] * g) * c_y[:, None])           # n × L
    train = np.mean((y[:, None] - fit) ** 2, axis=0)
    bias = np.mean((t_lin[:, None] - FtV @ (g * c_lin[:, None])) ** 2, axis=0)
    var = np.mean((FtV @ (g * c_eps[:, None])) ** 2, axis=0)
    return {"risk": risk, "train": train, "bias": bias, "var": var}


@dataclass
class GivenDataSimulation:
    """Train and test errors over independent draws of the weights, for fixed data."""

    ridge: np.ndarray
    n_features: int
    seeds: int
    train_error: np.ndarray
    train_error_se: np.ndarray
    test_error: Optional[np.ndarray]
    test_error_se: Optional[np.ndarray]
    seconds: float


def simulate_given_data(activation, X, y, n_features: int, ridge, X_test=None, y_test=None,
                        seeds: int = 8, seed: int = 0, max_bytes: Optional[int] = None
                        ) -> GivenDataSimulation:
    r"""Random-feature ridge regression on given data, averaged over the random weights only.

    Features σ(⟨θ_a, x⟩/√d) with θ_a ~ N(0, I_d) (a = 1..N), the ridge estimator
    â = argmin (1/n)‖y − Fa‖² + (Nλ/d)‖a‖² (the conventions of Mei & Montanari), training
    error (1/n)‖y − Fâ‖² and test error (1/n̂)‖ŷ − F̂â‖² (per output, averaged over outputs).

    Parameters
    ----------
    X : array (n, d)
        Training inputs, one per row.
    y : array (n,) or (n, k)
        Targets.
    n_features : int
        N.
    ridge : float or array
        λ ≥ 0.
    X_test, y_test : arrays (n̂, d), (n̂,) or (n̂, k), optional
        Test data.
    seeds : int
        Independent draws of the weights.

    Returns
    -------
    GivenDataSimulation
    """
    from ...sampler import resolve_activation

    t0 = time.time()
    X, Y, Xt, Yt = _given_arrays(X, y, X_test, y_test)
    n, d = X.shape
    N = _check_int(n_features, "n_features", 1)
    seeds = _check_int(seeds, "seeds", 1)
    ridges = np.atleast_1d(np.asarray(ridge, dtype=float))
    if not (np.all(np.isfinite(ridges)) and np.all(ridges >= 0)):
        raise ParameterError("the ridge must be a finite non-negative number")
    nt = 0 if Xt is None else Xt.shape[0]
    check_memory(d, n, N, nt, len(ridges) * Y.shape[1], seeds, max_bytes=max_bytes)
    act = resolve_activation(activation).function
    train = np.zeros((seeds, len(ridges)))
    test = np.zeros((seeds, len(ridges)))
    for k in range(seeds):
        rng = np.random.default_rng([seed, k])
        Th = rng.standard_normal((N, d))
        F = _features(act, X, Th, d)
        U, S, Vt = np.linalg.svd(F, full_matrices=False)
        g = _filters(S, n, N, d, ridges)
        C = U.T @ Y                                       # r × k
        for j in range(len(ridges)):
            coef = g[:, j:j + 1] * C
            fit = U @ (S[:, None] * coef)
            train[k, j] = np.mean((Y - fit) ** 2)
            if Xt is not None:
                if j == 0:
                    FtV = _features(act, Xt, Th, d) @ Vt.T
                test[k, j] = np.mean((Yt - FtV @ coef) ** 2)
    tr, tr_se = _mean_se(train)
    te, te_se = _mean_se(test) if Xt is not None else (None, None)
    return GivenDataSimulation(ridge=ridges, n_features=N, seeds=seeds, train_error=tr,
                               train_error_se=tr_se, test_error=te, test_error_se=te_se,
                               seconds=round(time.time() - t0, 3))


def _given_arrays(X, y, X_test, y_test):
    """Validate the data of :func:`simulate_given_data` and of the deterministic equivalent."""
    try:
        X = np.asarray(X, dtype=float)
        Y = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError("the data X and targets y must be numeric arrays") from None
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ParameterError("the data X must be a 2-D array with one sample per row")
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise ParameterError(f"the targets must have one row per sample ({X.shape[0]}), got shape {Y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
        raise ParameterError("the data and targets must be finite")
    Xt = Yt = None
    if (X_test is None) != (y_test is None):
        raise ParameterError("give both the test inputs and the test targets, or neither")
    if X_test is not None:
        Xt = np.asarray(X_test, dtype=float)
        Yt = np.asarray(y_test, dtype=float)
        if Yt.ndim == 1:
            Yt = Yt[:, None]
        if Xt.ndim != 2 or Xt.shape[1] != X.shape[1]:
            raise ParameterError(f"the test inputs must have {X.shape[1]} columns like the training inputs")
        if Yt.shape != (Xt.shape[0], Y.shape[1]):
            raise ParameterError("the test targets must have one row per test input and as many "
                                 "columns as the training targets")
        if not (np.all(np.isfinite(Xt)) and np.all(np.isfinite(Yt))):
            raise ParameterError("the test data and targets must be finite")
    return X, Y, Xt, Yt
