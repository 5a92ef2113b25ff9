"""Statistics of sampled spectra and their distances to a law that is handed over.

Pure functions of the eigenvalues and of a *law* — any object with the scipy-like interface
of :mod:`rmtsym.law`: ``cdf(x)`` (vectorised over numpy arrays), ``atoms()`` → list of
(x, mass), ``intervals()`` or ``support()`` → the bulk intervals, ``moment(k)``. They derive
no theory and sample nothing (numpy only), so the renderers of :mod:`rmtsym.export` may use
them; :mod:`rmtsym.validation` samples and builds the Pennington–Worah law around them and
re-exports them all.

Eigenvalues are a (seeds, n) array, one row per matrix, or a 1-d array for a single matrix,
or a :class:`rmtsym.sampler.SampleResult`:

- :func:`moments`, :func:`moments_se` — m_k = (1/n) tr M^k averaged over seeds, and the
  standard error of that average across seeds.
- :func:`kolmogorov_distance` — sup_x |F_emp(x) − F_law(x)|, exact: both CDFs are
  monotone, F_emp is a step function and F_law is continuous except at atoms, so the
  supremum is attained at a left or right limit at an eigenvalue or an atom; these are
  all evaluated. Eigenvalues within a relative 1e-8 of an atom (the exact zeros padded
  by the sampler, or the ~1e-13 round-off zeros of a direct diagonalisation) are counted
  at the atom.
- :func:`wasserstein1` — ∫|F_emp − F_law| dx on the union of the eigenvalues, the atoms
  and a fine grid (trapezoid for the continuous part, exact steps for F_emp).
- :func:`edges`, :func:`outliers` — extreme non-zero eigenvalues vs the support edges,
  and eigenvalues farther than a Tracy–Widom-scale margin c·b·n^{-2/3} from the support.
- :func:`fit_inverse_n` — the finite-size fit m_k(n) = a + b/n by weighted least squares.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .errors import ParameterError, RmtsymError

#: relative distance (to the spectrum's scale) under which an eigenvalue counts as sitting on an atom
ATOM_SNAP = 1e-8


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------
def _as_matrix(eigs) -> np.ndarray:
    """Eigenvalues as a (seeds, n) float array."""
    if hasattr(eigs, "eigenvalues") and hasattr(eigs, "n1"):
        eigs = eigs.eigenvalues
    arr = np.asarray(eigs, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.size == 0:
        raise ParameterError("eigenvalues must be a non-empty 1-d array or a (seeds, n) array")
    if not np.all(np.isfinite(arr)):
        raise RmtsymError("the eigenvalues contain inf or nan")
    return arr


def _law_intervals(law) -> List[Tuple[float, float]]:
    raw = None
    if hasattr(law, "intervals"):
        raw = law.intervals()
    elif hasattr(law, "support"):
        raw = law.support()
    if raw is None:
        raise ParameterError("the law must provide intervals() or support()")
    raw = list(raw) if not isinstance(raw, tuple) else raw
    if len(raw) == 2 and all(np.ndim(v) == 0 and not isinstance(v, (tuple, list)) for v in raw):
        raw = [tuple(raw)]
    out = []
    for a, b in raw:
        out.append((float(a), float(b)))
    out.sort()
    return out


def _law_atoms(law) -> List[Tuple[float, float]]:
    if not hasattr(law, "atoms"):
        return []
    out = []
    for x0, mass in law.atoms():
        mass = float(mass)
        if mass > 0:
            out.append((float(x0), mass))
    return sorted(out)


def _law_cdf(law, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    try:
        values = np.asarray(law.cdf(x), dtype=float)
        if values.shape != x.shape:
            raise ValueError
    except (TypeError, ValueError):
        values = np.array([float(law.cdf(float(v))) for v in x.reshape(-1)]).reshape(x.shape)
    return values


def _scale(x: np.ndarray, intervals) -> float:
    s = float(np.max(np.abs(x))) if x.size else 0.0
    if intervals:
        s = max(s, max(abs(a) for a, _ in intervals), max(abs(b) for _, b in intervals))
    return s if s > 0 else 1.0


def _snap_to_atoms(x: np.ndarray, atoms, scale: float) -> Tuple[np.ndarray, np.ndarray]:
    """Move eigenvalues within ATOM_SNAP·scale of an atom onto it; return (x, at_atom mask)."""
    x = np.array(x, dtype=float, copy=True)
    at = np.zeros(x.shape, dtype=bool)
    for a, _ in atoms:
        close = np.abs(x - a) <= ATOM_SNAP * scale
        x[close] = a
        at |= close
    return x, at


def _cdf_limits(law, pts: np.ndarray, atoms, scale: float) -> Tuple[np.ndarray, np.ndarray]:
    """Left and right limits of the law's CDF at the sorted points ``pts``.

    The law is continuous except at its atoms; there the limits are taken at a ± δ with
    δ = 1e-9·scale, which is independent of the law's own convention at the atom itself.
    """
    F = _law_cdf(law, pts)
    left = F.copy()
    right = F.copy()
    delta = 1e-9 * scale
    for a, _ in atoms:
        idx = np.nonzero(pts == a)[0]
        if idx.size:
            lim = _law_cdf(law, np.array([a - delta, a + delta]))
            left[idx] = lim[0]
            right[idx] = lim[1]
    return np.clip(left, 0.0, 1.0), np.clip(right, 0.0, 1.0)


# ---------------------------------------------------------------------------
# moments
# ---------------------------------------------------------------------------
def moments_per_seed(eigs, kmax: int = 4) -> np.ndarray:
    """m_k = (1/n) tr M^k of each matrix: an array of shape (seeds, kmax), k = 1..kmax."""
    arr = _as_matrix(eigs)
    kmax = int(kmax)
    if kmax < 1:
        raise ParameterError(f"kmax must be at least 1, got {kmax}")
    out = np.empty((arr.shape[0], kmax))
    power = np.ones_like(arr)
    for k in range(kmax):
        power = power * arr
        out[:, k] = power.mean(axis=1)
    return out


def moments(eigs, kmax: int = 4) -> np.ndarray:
    """Empirical moments m_k = (1/(S n)) Σ_s tr M_s^k, k = 1..kmax (the mean over seeds)."""
    return moments_per_seed(eigs, kmax).mean(axis=0)


def moments_se(eigs, kmax: int = 4) -> np.ndarray:
    """Standard errors of :func:`moments`: the sample standard deviation across seeds / √S.

    With a single seed no error can be estimated and the result is nan.
    """
    per = moments_per_seed(eigs, kmax)
    if per.shape[0] < 2:
        return np.full(per.shape[1], np.nan)
    return per.std(axis=0, ddof=1) / math.sqrt(per.shape[0])


# ---------------------------------------------------------------------------
# distances
# ---------------------------------------------------------------------------
def kolmogorov_distance(eigs, law, return_location: bool = False):
    """Exact Kolmogorov distance sup_x |F_emp(x) − F_law(x)| of the pooled eigenvalues.

    F_emp is the empirical CDF of all eigenvalues of all seeds (each matrix has equal
    weight). Both functions are non-decreasing, F_emp is constant between eigenvalues and
    F_law is continuous except at its atoms, so the supremum is the largest difference of
    left or right limits at the eigenvalues and the atoms — all of which are evaluated
    (no grid). Eigenvalues within 1e-8 (relative) of an atom count as sitting on it.

    Returns
    -------
    float, or (float, x) with the location of the supremum when ``return_location``.
    """
    x = np.sort(_as_matrix(eigs).reshape(-1))
    n = x.size
    atoms = _law_atoms(law)
    scale = _scale(x, _law_intervals(law) if (hasattr(law, "intervals") or hasattr(law, "support")) else [])
    x, _ = _snap_to_atoms(x, atoms, scale)
    x.sort()
    pts = np.unique(np.concatenate([x, np.array([a for a, _ in atoms], dtype=float)]))
    fn_left = np.searchsorted(x, pts, side="left") / n
    fn_right = np.searchsorted(x, pts, side="right") / n
    f_left, f_right = _cdf_limits(law, pts, atoms, scale)
    d_left = np.abs(fn_left - f_left)
    d_right = np.abs(fn_right - f_right)
    i_l, i_r = int(np.argmax(d_left)), int(np.argmax(d_right))
    if d_left[i_l] >= d_right[i_r]:
        d, where = float(d_left[i_l]), float(pts[i_l])
    else:
        d, where = float(d_right[i_r]), float(pts[i_r])
    return (d, where) if return_location else d


def wasserstein1(eigs, law, grid: int = 4000) -> float:
    """Wasserstein-1 distance ∫ |F_emp(x) − F_law(x)| dx of the pooled eigenvalues.

    Computed on the sorted union of the eigenvalues, the atoms and ``grid`` equally
    spaced points covering the support and the sample. On each cell F_emp is constant
    (exact) and |F_emp − F_law| is integrated by the trapezoid rule using the law's
    right limit at the left end and left limit at the right end; the error is
    O(h²·max ρ') per cell plus O(h·ΔF) in the cells where the difference changes sign.
    """
    x = np.sort(_as_matrix(eigs).reshape(-1))
    n = x.size
    atoms = _law_atoms(law)
    intervals = _law_intervals(law)
    scale = _scale(x, intervals)
    x, _ = _snap_to_atoms(x, atoms, scale)
    x.sort()
    lo = min([x[0]] + [a for a, _ in intervals] + [a for a, _ in atoms])
    hi = max([x[-1]] + [b for _, b in intervals] + [a for a, _ in atoms])
    pad = 1e-6 * scale
    base = np.linspace(lo - pad, hi + pad, int(grid))
    pts = np.unique(np.concatenate([base, x, np.array([a for a, _ in atoms], dtype=float)]))
    fn = np.searchsorted(x, pts, side="right") / n  # value of F_emp on [p_j, p_{j+1})
    f_left, f_right = _cdf_limits(law, pts, atoms, scale)
    h = np.diff(pts)
    a = np.abs(fn[:-1] - f_right[:-1])
    b = np.abs(fn[:-1] - f_left[1:])
    return float(np.sum(0.5 * (a + b) * h))


# ---------------------------------------------------------------------------
# edges and outliers
# ---------------------------------------------------------------------------
def _nonatom(row: np.ndarray, atoms, scale: float) -> np.ndarray:
    _, at = _snap_to_atoms(row, atoms, scale)
    return row[~at]


def edges(eigs, law) -> Dict[str, dict]:
    """Extreme non-atomic eigenvalues against the edges of the law's support.

    For each matrix, the smallest and largest eigenvalues not sitting on an atom; their
    mean over seeds (± standard error) is compared with the lowest and highest edge of the
    law's bulk (``law.intervals()`` or ``law.support()``).

    Returns
    -------
    dict
        ``{"lower": {...}, "upper": {...}}`` each with ``empirical``, ``empirical_se``,
        ``theory``, ``difference`` (empirical − theory).
    """
    arr = _as_matrix(eigs)
    atoms = _law_atoms(law)
    intervals = _law_intervals(law)
    scale = _scale(arr.reshape(-1), intervals)
    lows, highs = [], []
    for row in arr:
        rest = _nonatom(row, atoms, scale)
        if rest.size:
            lows.append(rest.min())
            highs.append(rest.max())
    out = {}
    for key, vals, theory in (("lower", lows, intervals[0][0] if intervals else float("nan")),
                              ("upper", highs, intervals[-1][1] if intervals else float("nan"))):
        vals = np.asarray(vals, dtype=float)
        emp = float(vals.mean()) if vals.size else float("nan")
        se = float(vals.std(ddof=1) / math.sqrt(vals.size)) if vals.size > 1 else float("nan")
        out[key] = {"empirical": emp, "empirical_se": se, "theory": float(theory),
                    "difference": emp - float(theory)}
    return out


#: Tracy–Widom margin constant c in margin = c·b·n^{-2/3} (see :func:`outliers`)
OUTLIER_MARGIN_CONSTANT = 4.0


def outlier_margin(law, n: int) -> float:
    """The margin c·b·n^{-2/3} beyond which an eigenvalue counts as an outlier.

    b is the upper edge of the support and n the rank-relevant size min(n1, m). The
    largest eigenvalue of a Wishart-type matrix fluctuates around the edge on the scale
    b·n^{-2/3} (Tracy–Widom); with c = 4 (≈ TW₁ beyond +4 σ-units of its natural scale
    for the aspect ratios 1/4…4) a bulk eigenvalue essentially never counts as an outlier.
    """
    intervals = _law_intervals(law)
    b = max(abs(intervals[-1][1]), abs(intervals[0][0])) if intervals else 1.0
    return OUTLIER_MARGIN_CONSTANT * b * float(n) ** (-2.0 / 3.0)


def outliers(eigs, law, n: Optional[int] = None, margin: Optional[float] = None) -> dict:
    """Count eigenvalues farther than ``margin`` from the law's support (atoms excluded).

    An eigenvalue sitting on an atom is not an outlier; any other eigenvalue whose
    distance to every bulk interval exceeds the margin is (this also catches eigenvalues
    in a gap of the support, e.g. the spike ≈ n1 μ0² of a non-centred f, docs/theory.md §1.3).

    Parameters
    ----------
    n : int, optional
        Size for the default margin (default: the number of eigenvalues per matrix).
    margin : float, optional
        Explicit margin; default :func:`outlier_margin`.

    Returns
    -------
    dict with ``count`` (total), ``per_matrix`` (mean count per seed), ``margin`` and
    ``largest`` (the farthest outlier, or None).
    """
    arr = _as_matrix(eigs)
    atoms = _law_atoms(law)
    intervals = _law_intervals(law)
    scale = _scale(arr.reshape(-1), intervals)
    if margin is None:
        margin = outlier_margin(law, n if n is not None else arr.shape[1])
    flat = _nonatom(arr.reshape(-1), atoms, scale)
    if intervals:
        dist = np.full(flat.shape, np.inf)
        for a, b in intervals:
            d = np.maximum(np.maximum(a - flat, flat - b), 0.0)
            dist = np.minimum(dist, d)
    else:
        dist = np.zeros(flat.shape)
    mask = dist > margin
    count = int(mask.sum())
    largest = float(flat[mask][np.argmax(dist[mask])]) if count else None
    return {"count": count, "per_matrix": count / arr.shape[0], "margin": float(margin),
            "largest": largest}


# ---------------------------------------------------------------------------
# finite-size extrapolation
# ---------------------------------------------------------------------------
@dataclass
class InverseNFit:
    """Weighted least-squares fit value(n) = a + b/n."""

    a: float
    a_se: float
    b: float
    b_se: float
    chi2: float
    dof: int

    def as_dict(self) -> dict:
        return {"a": self.a, "a_se": self.a_se, "b": self.b, "b_se": self.b_se,
                "chi2": self.chi2, "dof": self.dof}


def fit_inverse_n(ns: Sequence[float], values: Sequence[float],
                  ses: Optional[Sequence[float]] = None) -> InverseNFit:
    """Fit value(n) = a + b/n by weighted least squares (weights 1/se²).

    The standard errors of a and b come from the covariance (AᵀWA)^{-1}; when no ses
    are given (or with only two sizes) the residual variance is used instead, and with
    exactly two points and no ses the errors are nan.
    """
    ns = np.asarray(ns, dtype=float)
    y = np.asarray(values, dtype=float)
    if ns.size < 2 or ns.size != y.size:
        raise ParameterError("fit_inverse_n needs at least two sizes and one value per size")
    if np.unique(ns).size < 2:
        raise ParameterError("fit_inverse_n needs at least two different sizes")
    A = np.column_stack([np.ones_like(ns), 1.0 / ns])
    if ses is None:
        w = np.ones_like(y)
    else:
        s = np.asarray(ses, dtype=float)
        if np.any(~np.isfinite(s)) or np.any(s <= 0):
            w = np.ones_like(y)
            ses = None
        else:
            w = 1.0 / s ** 2
    Aw = A * w[:, None]
    cov = np.linalg.inv(A.T @ Aw)
    coef = cov @ (Aw.T @ y)
    resid = y - A @ coef
    chi2 = float(np.sum(w * resid ** 2))
    dof = int(ns.size - 2)
    if ses is None:
        if dof > 0:
            cov = cov * (chi2 / dof)
        else:
            cov = np.full((2, 2), np.nan)
    return InverseNFit(a=float(coef[0]), a_se=float(math.sqrt(cov[0, 0])) if np.isfinite(cov[0, 0]) else float("nan"),
                       b=float(coef[1]), b_se=float(math.sqrt(cov[1, 1])) if np.isfinite(cov[1, 1]) else float("nan"),
                       chi2=chi2, dof=dof)
