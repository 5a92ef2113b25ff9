r"""Gaussian-process inference with the infinite-width kernels.

**NNGP** (Lee et al., "Deep neural networks as Gaussian processes", ICLR 2018,
arXiv:1711.00165; Rasmussen & Williams, *Gaussian Processes for Machine Learning*, 2006,
Alg. 2.1). With the training Gram K, the test–train kernel K_*, the test variances k_** and
observation noise s², L = chol(K + s²I), α = (K + s²I)⁻¹Y:

    mean = K_* α,    var = k_** − ‖L⁻¹K_*ᵀ‖²  (of the latent function, per test point),
    log p(Y) = −½ tr(Yᵀα) − m Σ log L_ii − (n m/2) log 2π    (m output columns).

**NTK** (Jacot et al., NeurIPS 2018; Lee et al., "Wide neural networks of any depth evolve
as linear models under gradient descent", NeurIPS 2019, arXiv:1902.06720, eq. 16): a wide
network trained by gradient flow on ½‖f(X) − Y‖² to convergence predicts, on average over
initialisations, mean = Θ_* Θ⁻¹Y, with variance
k_** + Θ_*Θ⁻¹KΘ⁻¹Θ_*ᵀ − 2 Θ_*Θ⁻¹K_*ᵀ (diagonal); s² > 0 replaces Θ by Θ + s²I (a ridge).

Classification is regression on one-hot targets (Lee et al. 2018 use one-hot − 0.1), the
predicted class the argmax of the mean. A Gram that is not positive definite gets a
diagonal jitter, growing from 10⁻¹²·mean(diag) up to 10⁻⁶·mean(diag), and otherwise an
error that says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...errors import ParameterError, RmtsymError

__all__ = ["cholesky_jitter", "gp_posterior", "ntk_predictor", "GPResult", "one_hot",
           "accuracy", "is_one_hot"]


def cholesky_jitter(K, noise: float = 0.0, what: str = "the training Gram"):
    """Cholesky factor of K + (noise + jitter)I with the smallest jitter that works.
    Returns (L, jitter)."""
    K = np.asarray(K, dtype=float)
    n = K.shape[0]
    scale = float(np.mean(np.diag(K))) if n else 1.0
    if not math.isfinite(scale) or scale <= 0:
        raise RmtsymError(f"{what} has a non-positive or non-finite diagonal")
    jitter = 0.0
    for k in [None] + list(range(-12, -5)):
        jitter = 0.0 if k is None else scale * 10.0 ** k
        A = K + (noise + jitter) * np.eye(n)
        try:
            return np.linalg.cholesky(A), jitter
        except np.linalg.LinAlgError:
            continue
    raise RmtsymError(f"{what} plus noise {noise:g} is not positive definite, even with a jitter of "
                      f"{jitter:.1e} (10⁻⁶ of its mean diagonal); raise the noise")


@dataclass
class GPResult:
    """Predictions on the test inputs: ``mean`` (n_test × m), ``variance`` (n_test,) of
    the latent function, ``log_marginal_likelihood`` (None for the NTK predictor),
    ``jitter`` added to the diagonal, ``kernel`` ("nngp" or "ntk")."""
    mean: np.ndarray
    variance: np.ndarray
    log_marginal_likelihood: Optional[float]
    jitter: float
    kernel: str
    noise: float


def _targets(Y, n):
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != n:
        raise ParameterError(f"the targets must have one row per training input ({n}), got shape "
                             f"{tuple(np.shape(Y))}")
    if not np.all(np.isfinite(Y)):
        raise ParameterError("the targets hold NaN or infinite entries")
    return Y


def _noise(noise):
    s2 = float(noise)
    if not (math.isfinite(s2) and s2 >= 0):
        raise ParameterError(f"the noise variance must be a number ≥ 0, got {noise}")
    return s2


def gp_posterior(K, K_cross, k_test, Y, noise: float = 0.0) -> GPResult:
    r"""NNGP posterior mean, latent variance and log marginal likelihood (module docstring).

    Parameters
    ----------
    K : (n, n) training Gram;  K_cross : (n_test, n);  k_test : (n_test,) test variances
    Y : (n,) or (n, m) targets;  noise : observation noise variance s² ≥ 0
    """
    K = np.asarray(K, dtype=float)
    n = K.shape[0]
    Y = _targets(Y, n)
    s2 = _noise(noise)
    L, jit = cholesky_jitter(K, s2)
    from scipy.linalg import cho_solve, solve_triangular
    alpha = cho_solve((L, True), Y)
    Kc = np.asarray(K_cross, dtype=float)
    mean = Kc @ alpha
    V = solve_triangular(L, Kc.T, lower=True)
    var = np.asarray(k_test, dtype=float) - np.einsum("ij,ij->j", V, V)
    m = Y.shape[1]
    lml = (-0.5 * float(np.sum(Y * alpha)) - m * float(np.sum(np.log(np.diag(L))))
           - 0.5 * n * m * math.log(2 * math.pi))
    return GPResult(mean, var, lml, jit, "nngp", s2)


def ntk_predictor(Theta, Theta_cross, K, K_cross, k_test, Y, noise: float = 0.0,
                  steps: Optional[int] = None, lr: Optional[float] = None) -> GPResult:
    r"""Mean and variance of a wide network trained by gradient descent (module docstring).

    ``steps``, ``lr``: the prediction after ``steps`` steps of full-batch gradient descent
    with learning rate η on ½‖f − Y‖², mean = Θ_*Θ⁻¹(I − (I − ηΘ)^T)Y (the variance is then
    not computed: NaN); by default the converged predictor. The log marginal likelihood
    reported is that of a GP with covariance Θ + s²I (a score of the kernel, not of the
    trained network)."""
    Theta = np.asarray(Theta, dtype=float)
    n = Theta.shape[0]
    Y = _targets(Y, n)
    s2 = _noise(noise)
    L, jit = cholesky_jitter(Theta, s2, "the training NTK")
    from scipy.linalg import cho_solve
    Tc = np.asarray(Theta_cross, dtype=float)
    if steps is not None:
        if lr is None or not lr > 0:
            raise ParameterError("a finite-time prediction needs a positive learning rate")
        w, U = np.linalg.eigh(Theta + (s2 + jit) * np.eye(n))
        if np.any(w <= 0):
            raise RmtsymError("the training NTK is not positive definite")
        decay = 1.0 - (1.0 - lr * w) ** int(steps)
        mean = Tc @ (U @ ((decay / w)[:, None] * (U.T @ Y)))
        return GPResult(mean, np.full(Tc.shape[0], np.nan), None, jit, "ntk", s2)
    alpha = cho_solve((L, True), Y)
    mean = Tc @ alpha
    B = cho_solve((L, True), Tc.T)                        # Θ⁻¹Θ_*ᵀ  (n × n_test)
    Kc = np.asarray(K_cross, dtype=float)
    var = (np.asarray(k_test, dtype=float) + np.einsum("in,nm,mi->i", B.T, np.asarray(K, dtype=float), B)
           - 2 * np.einsum("in,ni->i", Kc, B))
    m = Y.shape[1]
    lml = (-0.5 * float(np.sum(Y * alpha)) - m * float(np.sum(np.log(np.diag(L))))
           - 0.5 * n * m * math.log(2 * math.pi))
    return GPResult(mean, var, lml, jit, "ntk", s2)


def one_hot(labels, n_classes: Optional[int] = None, offset: float = 0.0) -> np.ndarray:
    """One-hot rows of integer labels, minus ``offset`` (Lee et al. 2018 use 0.1)."""
    lab = np.asarray(labels)
    if lab.ndim != 1 or not np.all(np.equal(np.mod(lab, 1), 0)) or np.any(lab < 0):
        raise ParameterError("labels must be a 1-D array of whole numbers ≥ 0")
    lab = lab.astype(int)
    k = int(n_classes or (lab.max() + 1))
    Y = np.zeros((lab.size, k))
    Y[np.arange(lab.size), lab] = 1.0
    return Y - offset


def is_one_hot(Y, offset: float = None) -> bool:
    """Rows with one entry above the rest by exactly 1 and all others equal (one-hot up to a
    common offset)."""
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 2 or Y.shape[1] < 2:
        return False
    hi = Y.max(1)
    lo = Y.min(1)
    top = np.sum(Y == hi[:, None], axis=1)
    return bool(np.all(top == 1) and np.allclose(hi - lo, 1.0) and np.allclose(lo, lo[0]))


def accuracy(mean, Y_true) -> float:
    """Fraction of rows whose argmax agrees."""
    return float(np.mean(np.argmax(mean, 1) == np.argmax(np.asarray(Y_true), 1)))
