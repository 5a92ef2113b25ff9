r"""Training and test error of random-feature ridge regression on given data.

C. Louart, Z. Liao and R. Couillet, *A random matrix approach to neural networks*, Ann.
Appl. Probab. 28(2) (2018) 1190–1248, arXiv:1702.05419, give deterministic equivalents of
the errors of ridge regression on random features of a *fixed* data matrix: only the
weights are random, the data are whatever the user has.

Conventions (those of Mei & Montanari, used throughout :mod:`rmtsym.applications.generalization`)
--------------------------------------------------------------------------------------------------
Data X ∈ R^{n×d} (one sample per row), targets y ∈ R^n (or R^{n×k}), N features
F_ia = σ(⟨θ_a, x_i⟩/√d) with θ_a ~ N(0, I_d), and

    â = argmin (1/n)‖y − Fa‖² + (Nλ/d)‖a‖² = Fᵀ Q y/n,   Q = (FFᵀ/n + γ I_n)^{-1},   γ = Nλ/d.

In Louart–Liao–Couillet's notation: their T (samples) is our n, their n (neurons) is our
N, their data matrix is Xᵀ/√d (columns x_i/√d), their Σ is Fᵀ and their γ is Nλ/d.

Deterministic equivalent
------------------------
Φ = E_θ[σ(Xθ/√d)σ(θᵀXᵀ/√d)] ∈ R^{n×n} is the random-feature kernel: Φ_ij = E σ(u)σ(v) with
(u, v) centred Gaussian, Var u = ‖x_i‖²/d, Var v = ‖x_j‖²/d, Cov = ⟨x_i, x_j⟩/d.  With
c = N/n:

.. math::

    \bar Q = \Bigl(\frac{c\,\Phi}{1 + \delta} + \gamma I\Bigr)^{-1},\quad
    \delta = \frac1n\operatorname{tr}\Phi\bar Q,\quad
    \Psi = \frac{c\,\Phi}{1 + \delta},\quad
    D = 1 - \frac1N\operatorname{tr}(\Psi\bar Q\Psi\bar Q),

.. math::

    E_{\rm train} \simeq \frac{\gamma^2}{n}\, y^\top \bar Q\Bigl(\frac{\frac1N\operatorname{tr}\Psi\bar Q^2}{D}\,\Psi + I\Bigr)\bar Q\,y,

.. math::

    E_{\rm test} \simeq \frac1{\hat n}\bigl\lVert \hat y - \Psi_{\hat XX}\bar Q y\bigr\rVert^2
      + \frac{\frac1N y^\top\bar Q\Psi\bar Q y}{D}
        \Bigl[\frac1{\hat n}\operatorname{tr}\Psi_{\hat X\hat X}
        - \frac1{\hat n}\operatorname{tr}\bigl((I + \gamma\bar Q)\Psi_{X\hat X}\Psi_{\hat XX}\bar Q\bigr)\Bigr],

Ψ_AB = cΦ_AB/(1 + δ).  **The denominator is D = 1 − (1/N) tr(ΨQ̄ΨQ̄)**, the trace of the
product; reading it as 1 − ((1/N) tr ΨQ̄)² gives values far from simulation.  Everything
is computed in the eigenbasis of Φ (one symmetric eigendecomposition serves every ridge).

The kernel Φ is exact for ReLU (arc-cosine kernel, Cho & Saul 2009), |x|, erf (Williams
1997) and the identity, and otherwise a normalised Hermite series
Σ_k b_k(a_i)b_k(a_j)ρ^k, b_k(a) = E[σ(aZ)He_k(Z)]/√k!, with the per-point scales a_i and a
rigorous bound on the truncation error (|ρ|^{K+1}√(T_iT_j), T the untruncated tails).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import sympy as sp

from ... import symbols as S
from ...errors import ParameterError, RmtsymError

__all__ = ["feature_kernel", "KernelResult", "llc_errors", "LLCResult"]

#: Hermite terms allowed in the kernel series
MAX_HERMITE = 400
#: absolute accuracy aimed at for the kernel entries (relative to E σ²)
KERNEL_TOL = 1e-12
#: largest n of a data matrix (the n×n eigenproblem)
MAX_SAMPLES = 20000


# ----------------------------------------------------------------------------------------
# the random-feature kernel Φ
# ----------------------------------------------------------------------------------------

@dataclass
class KernelResult:
    """Φ(A, B) with its method and an error bound on its entries."""

    values: np.ndarray
    method: str
    error_bound: float
    terms: int = 0


def _kind(act) -> str:
    e = act.expr
    x = S.x
    if e == x:
        return "linear"
    if e in (sp.Max(x, 0), sp.Max(0, x)):
        return "relu"
    if e == sp.Abs(x):
        return "abs"
    if e == sp.erf(x):
        return "erf"
    return "general"


def _gl_nodes(cuts, L: float = 12.0, per: int = 24, width: float = 0.75):
    """Gauss–Legendre nodes and weights (times the Gaussian density) on [−L, L], split at cuts."""
    x, w = np.polynomial.legendre.leggauss(per)
    edges = sorted({-L, L, 0.0} | {float(c) for c in cuts if -L < c < L})
    zs, ws = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        k = max(1, int(math.ceil((hi - lo) / width)))
        sub = np.linspace(lo, hi, k + 1)
        for a, b in zip(sub[:-1], sub[1:]):
            zs.append((b - a) / 2 * x + (b + a) / 2)
            ws.append((b - a) / 2 * w)
    z = np.concatenate(zs)
    wt = np.concatenate(ws) * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return z, wt


def _hermite_table(act_np, kinks, scales: np.ndarray, K: int):
    """b_k(a) = E[σ(aZ) h_k(Z)] (h_k = He_k/√k!) for k ≤ K, and E σ(aZ)², for each scale a."""
    B = np.zeros((len(scales), K + 1))
    second = np.zeros(len(scales))
    for i, a in enumerate(scales):
        z, w = _gl_nodes([k / a for k in kinks] if a > 0 else [])
        with np.errstate(all="ignore"):
            f = np.asarray(act_np(a * z), dtype=float) * np.ones_like(z)
        if not np.all(np.isfinite(f)):
            raise RmtsymError("the activation is not finite on the quadrature nodes of the kernel")
        fw = f * w
        second[i] = float(np.sum(f * fw))
        h_prev, h = np.zeros_like(z), np.ones_like(z)
        B[i, 0] = np.sum(fw)
        for k in range(1, K + 1):
            h_prev, h = h, (z * h - math.sqrt(k - 1) * h_prev) / math.sqrt(k)
            B[i, k] = np.sum(fw * h)
    return B, second


def _closed_kernel(kind, qa, qb, c):
    sa, sb = np.sqrt(qa)[:, None], np.sqrt(qb)[None, :]
    r = sa * sb
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.clip(np.where(r > 0, c / np.where(r > 0, r, 1), 0.0), -1.0, 1.0)
    if kind == "linear":
        return c
    if kind == "relu":
        th = np.arccos(rho)
        return r / (2 * math.pi) * (np.sin(th) + (math.pi - th) * rho)
    if kind == "abs":
        return 2 * r / math.pi * (rho * np.arcsin(rho) + np.sqrt(1 - rho * rho))
    if kind == "erf":
        den = np.sqrt((1 + 2 * qa)[:, None] * (1 + 2 * qb)[None, :])
        return 2 / math.pi * np.arcsin(2 * c / den)
    raise ValueError(kind)  # pragma: no cover


def feature_kernel(activation, A, B=None) -> KernelResult:
    r"""Φ(A, B)_ij = E_θ σ(⟨θ, a_i⟩/√d) σ(⟨θ, b_j⟩/√d), θ ~ N(0, I_d).

    Parameters
    ----------
    activation : str or Activation
    A : array (n, d)
    B : array (m, d), optional (default A)

    Returns
    -------
    KernelResult
        ``values`` (n × m), ``method`` (``"closed form (relu)"``, ... or ``"Hermite series"``),
        ``error_bound`` (a bound on the absolute error of every entry from truncating the
        Hermite series; quadrature error of the coefficients is at the level of 1e-14).
    """
    from ...activation import parse_activation

    act = parse_activation(activation) if not hasattr(activation, "expr") else activation
    if getattr(act, "params", ()):
        raise ParameterError("the activation still has free parameters; give them values first")
    A = np.asarray(A, dtype=float)
    same = B is None
    B = A if same else np.asarray(B, dtype=float)
    d = A.shape[1]
    qa = np.einsum("ij,ij->i", A, A) / d
    qb = qa if same else np.einsum("ij,ij->i", B, B) / d
    c = A @ B.T / d
    kind = _kind(act)
    if kind != "general":
        return KernelResult(_closed_kernel(kind, qa, qb, c), f"closed form ({kind})", 0.0)
    act_np = act.numpy_function()
    kinks = []
    for b in act.breakpoints():
        try:
            kinks.append(float(b))
        except (TypeError, ValueError):
            pass
    sa, sb = np.sqrt(qa), np.sqrt(qb)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.clip(c / np.where(np.outer(sa, sb) > 0, np.outer(sa, sb), 1), -1, 1)
    # the scales: one table row per distinct scale
    all_s = np.concatenate([sa, sb])
    uniq, inverse = np.unique(np.round(all_s, 13), return_inverse=True)
    near = np.abs(rho) > 1 - 1e-9
    if same:
        np.fill_diagonal(near, True)
    rmax = float(np.max(np.abs(np.where(near, 0.0, rho)))) if rho.size else 0.0
    # the number of terms: the tail bound rmax^(K+1)·max tail ≤ tol
    _, second_probe = _hermite_table(act_np, kinks, uniq[:1], 1)
    scale = max(float(np.max(second_probe)), 1e-300)
    if rmax <= 0:
        K = 1
    else:
        K = int(min(MAX_HERMITE, max(8, math.ceil(math.log(KERNEL_TOL) / math.log(rmax)))))
    table, second = _hermite_table(act_np, kinks, uniq, K)
    tails = np.maximum(second - np.sum(table ** 2, axis=1), 0.0)
    ta, tb = inverse[:len(sa)], inverse[len(sa):]
    Ba, Bb = table[ta], table[tb]
    phi = np.zeros_like(rho)
    for k in range(K, -1, -1):  # Horner in ρ, Hadamard products
        phi = phi * rho + np.outer(Ba[:, k], Bb[:, k])
    bound = float(rmax ** (K + 1) * math.sqrt(np.max(tails[ta]) * np.max(tails[tb]))) if rmax > 0 else 0.0
    if bound > 1e-6 * scale:
        raise RmtsymError("some data points are nearly collinear (|correlation| close to 1), so the "
                          "Hermite series of the kernel does not converge; remove near-duplicates")
    if same:  # the diagonal: E σ(a_i Z)², no truncation
        np.fill_diagonal(phi, second[ta])
        np.fill_diagonal(near, False)
    if np.any(near):
        ii, jj = np.nonzero(near)
        for i, j in zip(ii, jj):  # identical (or opposite) directions: a 1-D integral
            z, w = _gl_nodes([k / sa[i] for k in kinks if sa[i] > 0]
                             + [k / sb[j] for k in kinks if sb[j] > 0])
            sgn = 1.0 if rho[i, j] > 0 else -1.0
            with np.errstate(all="ignore"):
                fa = np.asarray(act_np(sa[i] * z), dtype=float) * np.ones_like(z)
                fb = np.asarray(act_np(sgn * sb[j] * z), dtype=float) * np.ones_like(z)
            phi[i, j] = float(np.sum(fa * fb * w))
    return KernelResult(phi, "Hermite series (normalised Hermite coefficients by Gauss-Legendre panels)",
                        bound, K)


# ----------------------------------------------------------------------------------------
# the deterministic equivalent
# ----------------------------------------------------------------------------------------

@dataclass
class LLCResult:
    """Deterministic equivalents of the training and test errors over a list of ridges."""

    ridge: np.ndarray
    gamma: np.ndarray
    n_features: int
    train_error: np.ndarray
    test_error: Optional[np.ndarray]
    delta: np.ndarray
    denominator: np.ndarray
    kernel_method: str
    kernel_error_bound: float

    def as_json(self) -> dict:
        lst = lambda a: None if a is None else [float(v) for v in np.atleast_1d(a)]  # noqa: E731
        return {"ridge": lst(self.ridge), "gamma": lst(self.gamma), "n_features": self.n_features,
                "train_error": lst(self.train_error), "test_error": lst(self.test_error),
                "delta": lst(self.delta), "denominator": lst(self.denominator),
                "kernel_method": self.kernel_method, "kernel_error_bound": self.kernel_error_bound,
                "method": "deterministic equivalent of Louart, Liao & Couillet (AAP 2018)"}


def _solve_delta(phi: np.ndarray, n: int, c: float, gamma: float) -> float:
    """δ = (1/n) Σ φ_k (1 + δ)/(cφ_k + γ(1 + δ)): the unique positive root (bisection + Newton)."""
    def f(dl):
        den = c * phi + gamma * (1 + dl)
        val = np.sum(phi * (1 + dl) / den) / n - dl
        der = np.sum(phi * c * phi / den ** 2) / n - 1
        return val, der

    lo, hi = 0.0, float(np.sum(phi) / (n * gamma)) + 1.0
    dl = 0.5 * hi
    for _ in range(200):
        val, der = f(dl)
        if val > 0:
            lo = dl
        else:
            hi = dl
        new = dl - val / der if der != 0 else 0.5 * (lo + hi)
        if not lo < new < hi:
            new = 0.5 * (lo + hi)
        if abs(new - dl) <= 1e-15 * max(1.0, abs(new)):
            return new
        dl = new
    return dl  # pragma: no cover


def llc_errors(activation, X, y, n_features: int, ridge, X_test=None, y_test=None) -> LLCResult:
    r"""Louart–Liao–Couillet deterministic equivalents of the training and test errors.

    See the module docstring for the formulas and conventions (ridge penalty (Nλ/d)‖a‖²,
    loss (1/n)‖y − Fa‖², γ = Nλ/d).  Errors are per output (averaged over the columns of y).

    Parameters
    ----------
    activation : str or Activation
    X : array (n, d)
        Training inputs (one per row).
    y : array (n,) or (n, k)
        Training targets.
    n_features : int
        N, the number of random features.
    ridge : float or array
        λ > 0 (the deterministic equivalent needs a positive ridge).
    X_test, y_test : arrays, optional
        Test inputs and targets (then the test error is returned too).

    Returns
    -------
    LLCResult
    """
    from .simulate import _check_int, _given_arrays

    X, Y, Xt, Yt = _given_arrays(X, y, X_test, y_test)
    n, d = X.shape
    if n > MAX_SAMPLES:
        raise ParameterError(f"the deterministic equivalent handles at most {MAX_SAMPLES} samples "
                             f"(an n x n eigenproblem); got {n}")
    N = _check_int(n_features, "n_features", 1)
    ridges = np.atleast_1d(np.asarray(ridge, dtype=float))
    if not (np.all(np.isfinite(ridges)) and np.all(ridges > 0)):
        raise ParameterError("the deterministic equivalent needs a positive finite ridge")
    kern = feature_kernel(activation, X)
    Phi = (kern.values + kern.values.T) / 2
    phi, U = np.linalg.eigh(Phi)
    phi = np.clip(phi, 0.0, None)
    Yt_ = U.T @ Y                                   # n × k
    ynorm2 = np.sum(Yt_ ** 2, axis=1)               # Σ over outputs, per eigen-direction
    k_out = Y.shape[1]
    c = N / n
    gammas = (N / d) * ridges
    if Xt is not None:
        kx = feature_kernel(activation, Xt, X)
        P = kx.values @ U                           # n̂ × n
        p2 = np.sum(P ** 2, axis=0)
        nt = Xt.shape[0]
        qt = np.einsum("ij,ij->i", Xt, Xt) / d
        diag_t = _kernel_diagonal(activation, qt)
        bound = max(kern.error_bound, kx.error_bound)
    else:
        bound = kern.error_bound
    train, test, deltas, dens = [], [], [], []
    for g in gammas:
        dl = _solve_delta(phi, n, c, g)
        psi = c * phi / (1 + dl)
        q = 1 / (psi + g)
        den = 1 - np.sum(psi ** 2 * q ** 2) / N
        if not den > 0:  # pragma: no cover - D ∈ (0, 1] for γ > 0
            raise RmtsymError("the deterministic equivalent is singular at this ridge")
        k_tr = np.sum(psi * q ** 2) / N / den
        train.append(g ** 2 / n * np.sum(q ** 2 * (k_tr * psi + 1) * ynorm2) / k_out)
        deltas.append(dl)
        dens.append(den)
        if Xt is not None:
            pred = (c / (1 + dl)) * (P @ (q[:, None] * Yt_))
            first = np.sum((Yt - pred) ** 2) / nt
            k_te = np.sum(psi * q ** 2 * ynorm2) / N / den
            bracket = (c / (1 + dl)) * np.sum(diag_t) / nt \
                - (c / (1 + dl)) ** 2 * np.sum((1 + g * q) * q * p2) / nt
            test.append((first + k_te * bracket) / k_out)
    return LLCResult(ridge=ridges, gamma=gammas, n_features=N, train_error=np.array(train),
                     test_error=np.array(test) if Xt is not None else None, delta=np.array(deltas),
                     denominator=np.array(dens), kernel_method=kern.method,
                     kernel_error_bound=bound)


def _kernel_diagonal(activation, q: np.ndarray) -> np.ndarray:
    """E σ(√q Z)² for each variance q (the diagonal of Φ)."""
    from ...activation import parse_activation

    act = parse_activation(activation) if not hasattr(activation, "expr") else activation
    kind = _kind(act)
    closed = {"linear": lambda v: v, "relu": lambda v: v / 2, "abs": lambda v: v,
              "erf": lambda v: 2 / math.pi * np.arcsin(2 * v / (1 + 2 * v))}
    if kind in closed:
        return closed[kind](q)
    act_np = act.numpy_function()
    kinks = []
    for b in act.breakpoints():
        try:
            kinks.append(float(b))
        except (TypeError, ValueError):
            pass
    uniq, inv = np.unique(np.round(np.sqrt(q), 13), return_inverse=True)
    _, second = _hermite_table(act_np, kinks, uniq, 0)
    return second[inv]
