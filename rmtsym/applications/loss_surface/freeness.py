r"""The freeness assumption of Pennington & Bahri, tested on a real Hessian.

The model of Pennington & Bahri (ICML 2017, §3) adds the spectra of H0 (Gauss–Newton part)
and H1 (residual part) by free additive convolution, law(H) = law(H0) ⊞ law(H1), which
holds when H0 and H1 are asymptotically free, e.g. when H1 is rotated by an independent
Haar-distributed orthogonal Q (Voiculescu; Mingo & Speicher, *Free Probability and Random
Matrices*, Springer 2017, ch. 4). The test: compare the spectrum of the actual
H = H0 + H1 with that of H0 + Q H1 Qᵀ for several Haar Q.

Reported (:class:`FreenessCheck`):

* the two-sample Kolmogorov distance between the eigenvalues of H and of H0 + QH1Qᵀ (mean
  over rotations), against the same distance between two independent rotations (the
  finite-n baseline: what "agreement" looks like at this n);
* the index of H and of H0 + QH1Qᵀ;
* the mixed moment τ(H0H1H0H1) (τ = tr/n) against its free value
  τ(a²)τ(b)² + τ(a)²τ(b²) − τ(a)²τ(b)² — the lowest moment at which freeness says more than
  the spectra of H0 and H1 alone (a classical-independence test would instead compare
  τ(a²b²) with τ(a²)τ(b²)).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ParameterError
from .critical_points import count_negative

__all__ = ["haar_orthogonal", "ks_two_sample", "free_mixed_moment", "FreenessCheck",
           "freeness_check"]


def haar_orthogonal(n: int, rng) -> np.ndarray:
    """A Haar-distributed n×n orthogonal matrix: QR of a Gaussian matrix with the signs of
    R's diagonal moved into Q (Mezzadri, Notices AMS 54 (2007) 592)."""
    Z = rng.standard_normal((n, n))
    Q, R = np.linalg.qr(Z)
    return Q * np.sign(np.diag(R))[None, :]


def ks_two_sample(a, b) -> float:
    """sup_x |F_a(x) − F_b(x)| for two samples of eigenvalues."""
    a = np.sort(np.asarray(a, dtype=float))
    b = np.sort(np.asarray(b, dtype=float))
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / a.size
    fb = np.searchsorted(b, grid, side="right") / b.size
    return float(np.max(np.abs(fa - fb)))


def free_mixed_moment(H0, H1):
    """(τ(H0H1H0H1), free value τ(a²)τ(b)² + τ(a)²τ(b²) − τ(a)²τ(b)²), τ = tr/n."""
    n = H0.shape[0]
    tau = lambda M: float(np.trace(M)) / n
    a1, b1 = tau(H0), tau(H1)
    a2, b2 = float(np.sum(H0 * H0)) / n, float(np.sum(H1 * H1)) / n
    P = H0 @ H1
    actual = float(np.sum(P * P.T)) / n
    return actual, a2 * b1 ** 2 + a1 ** 2 * b2 - a1 ** 2 * b1 ** 2


@dataclass
class FreenessCheck:
    """H = H0 + H1 against H0 + Q H1 Qᵀ (Q Haar), at one point of the loss surface."""
    n: int
    rotations: int
    ks_actual_vs_rotated: float
    ks_actual_vs_rotated_sd: float
    ks_rotated_vs_rotated: float
    index_actual: float
    index_rotated: float
    index_rotated_sd: float
    mixed_moment_actual: float
    mixed_moment_free: float
    eigenvalues_actual: np.ndarray
    eigenvalues_rotated: np.ndarray

    @property
    def mixed_moment_rel_diff(self) -> float:
        return (self.mixed_moment_actual - self.mixed_moment_free) / max(abs(self.mixed_moment_free), 1e-300)


def freeness_check(H0, H1, rotations: int = 4, seed: int = 0) -> FreenessCheck:
    """Compare the spectrum of H0 + H1 with that of H0 + Q H1 Qᵀ over ``rotations`` Haar Q.

    The baseline ``ks_rotated_vs_rotated`` is the mean Kolmogorov distance between
    consecutive rotated draws: a value of ``ks_actual_vs_rotated`` of the same size means the
    actual H is spectrally indistinguishable, at this n, from the free model built on its
    own parts.
    """
    H0 = np.asarray(H0, dtype=float)
    H1 = np.asarray(H1, dtype=float)
    if H0.ndim != 2 or H0.shape[0] != H0.shape[1] or H0.shape != H1.shape:
        raise ParameterError("H0 and H1 must be square matrices of the same size")
    if isinstance(rotations, bool) or int(rotations) != rotations or not 2 <= rotations <= 200:
        raise ParameterError("rotations must be a whole number between 2 and 200")
    n = H0.shape[0]
    rng = np.random.default_rng(seed)
    actual = np.linalg.eigvalsh(H0 + H1)
    rotated = []
    for _ in range(int(rotations)):
        Q = haar_orthogonal(n, rng)
        M = H0 + Q @ H1 @ Q.T
        rotated.append(np.linalg.eigvalsh(0.5 * (M + M.T)))
    ks = np.array([ks_two_sample(actual, r) for r in rotated])
    base = np.array([ks_two_sample(rotated[i], rotated[i + 1]) for i in range(len(rotated) - 1)])
    idx = np.array([count_negative(r) / n for r in rotated])
    mm, mf = free_mixed_moment(H0, H1)
    return FreenessCheck(n=n, rotations=int(rotations), ks_actual_vs_rotated=float(ks.mean()),
                         ks_actual_vs_rotated_sd=float(ks.std(ddof=1)),
                         ks_rotated_vs_rotated=float(base.mean()),
                         index_actual=count_negative(actual) / n, index_rotated=float(idx.mean()),
                         index_rotated_sd=float(idx.std(ddof=1)), mixed_moment_actual=mm,
                         mixed_moment_free=mf, eigenvalues_actual=actual,
                         eigenvalues_rotated=np.concatenate(rotated))
