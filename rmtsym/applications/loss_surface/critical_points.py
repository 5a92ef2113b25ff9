r"""Critical points of a network's loss, of several indices, with exact derivatives.

Pennington & Bahri (ICML 2017, §5) locate critical points of the loss of small networks by
minimising the squared gradient norm ‖∇L‖², and read off their energy ε = L and index
α = (number of negative Hessian eigenvalues)/n. Here:

* :func:`find_critical_point` — Levenberg–Marquardt on the "residual" r(θ) = ∇L(θ), whose
  Jacobian is the exact Hessian H (no third derivatives needed):
  step δ = −(H² + λI)⁻¹ H ∇L, computed in H's eigenbasis, with λ lowered after a step that
  reduces ‖∇L‖ and raised otherwise. Near a non-degenerate critical point λ → 0 and this is
  Newton's method for ∇L = 0 (quadratic convergence), whatever the index.
* :func:`train_minimizer` — damped Newton on L itself (the step −(H + μI)⁻¹∇L with μ above
  −λ_min(H) and adapted by the ratio of actual to predicted decrease), which converges to
  minimizers; its trajectory supplies starting points at every energy for the search.
* :func:`search_critical_points` — the experiment: minimizers from several initialisations,
  then LM on ‖∇L‖² from points of their trajectories spread in energy and from random
  points; only points with ‖∇L‖ below a tolerance count as critical.

Minimising ‖∇L‖² also converges to points where ∇L ≠ 0 but H∇L ≈ 0 (local minima of ‖∇L‖²
that are not critical points; Doye & Wales, J. Chem. Phys. 116 (2002) 3777; Frye et al.,
"Critical point-finding methods reveal gradient-flat regions of deep network losses",
Neural Computation 33 (2021) 1469, arXiv:2003.10397). They are counted and reported as
"gradient-flat", never as critical points.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from ...errors import ParameterError

__all__ = ["CriticalPoint", "SearchResult", "find_critical_point", "train_minimizer",
           "search_critical_points", "count_negative", "NEGATIVE_TOL"]

#: an eigenvalue counts as negative when λ < −NEGATIVE_TOL · max|λ|
NEGATIVE_TOL = 1e-7


def count_negative(eigenvalues, tol: float = NEGATIVE_TOL) -> int:
    """Number of eigenvalues below −tol·max|λ| (the index as a count)."""
    w = np.asarray(eigenvalues, dtype=float)
    scale = float(np.max(np.abs(w))) if w.size else 0.0
    return int(np.sum(w < -tol * scale))


@dataclass
class CriticalPoint:
    """A point θ found by a search, with its energy, gradient norm and Hessian spectrum.

    ``converged`` is True when ‖∇L‖ ≤ the tolerance: only those are critical points.
    ``index`` is the fraction of negative eigenvalues (:func:`count_negative`).
    ``h0_mean`` = tr(H0)/n and ``h1_var`` = tr(H1²)/n feed the model's scale comparison.
    ``flatness`` = ‖H∇L‖/(‖H‖‖∇L‖): small at a gradient-flat point.
    """
    theta: np.ndarray
    energy: float
    grad_norm: float
    eigenvalues: np.ndarray
    negative: int
    index: float
    converged: bool
    iterations: int
    method: str
    start_energy: float
    h0_mean: float
    h1_var: float
    flatness: float


@dataclass
class SearchResult:
    """All points of :func:`search_critical_points` for one network, with counts."""
    phi: float
    n: int
    points: List[CriticalPoint]
    minimizers: List[CriticalPoint]
    attempts: int
    converged: int
    gradient_flat: int
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)

    @property
    def critical(self) -> List[CriticalPoint]:
        """The converged, distinct critical points (saddles and minima)."""
        return [p for p in self.points if p.converged]


def _describe(net, theta, gtol, iterations, method, start_energy) -> CriticalPoint:
    H0, H1 = net.hessian_parts(theta)
    H = H0 + H1
    w = np.linalg.eigvalsh(H)
    g = net.gradient(theta)
    gn = float(np.linalg.norm(g))
    hg = float(np.linalg.norm(H @ g))
    flat = hg / (max(float(np.max(np.abs(w))), 1e-300) * max(gn, 1e-300))
    neg = count_negative(w)
    n = net.n
    return CriticalPoint(theta=np.array(theta, copy=True), energy=net.loss(theta), grad_norm=gn,
                         eigenvalues=w, negative=neg, index=neg / n, converged=gn <= gtol,
                         iterations=iterations, method=method, start_energy=start_energy,
                         h0_mean=float(np.trace(H0)) / n, h1_var=float(np.sum(H1 * H1)) / n,
                         flatness=flat)


def find_critical_point(net, theta0, gtol: float = 1e-10, maxit: int = 400,
                        lam0: float = 1e-3, patience: int = 80) -> CriticalPoint:
    """Levenberg–Marquardt on ‖∇L‖² from θ0, with the exact Hessian as the Jacobian of ∇L.

    Each iteration diagonalises H = VΛVᵀ once and tries δ = −V Λ(Λ² + λ)⁻¹ Vᵀ∇L for
    increasing λ until ‖∇L(θ + δ)‖ < ‖∇L(θ)‖; λ is divided by 3 after an accepted step.
    Stops when ‖∇L‖ ≤ gtol (a critical point), when no λ ≤ 1e8 reduces ‖∇L‖, when ‖∇L‖ has
    not fallen tenfold over the last ``patience`` iterations (stalled, typically on a
    gradient-flat stretch), or after ``maxit`` iterations. Returns a :class:`CriticalPoint` (``converged`` tells which).
    """
    theta = np.array(theta0, dtype=float, copy=True)
    start = net.loss(theta)
    g = net.gradient(theta)
    gn = np.linalg.norm(g)
    lam = lam0
    it = 0
    history = [gn]
    for it in range(1, maxit + 1):
        if gn <= gtol:
            break
        if len(history) > patience and gn > 0.1 * history[-patience - 1]:
            break
        w, V = np.linalg.eigh(net.hessian(theta))
        gv = V.T @ g
        scale = max(float(np.max(w * w)), 1e-300)
        accepted = False
        while lam <= 1e8 * scale:
            step = -V @ (w * gv / (w * w + lam))
            trial = theta + step
            g2 = net.gradient(trial)
            gn2 = np.linalg.norm(g2)
            if gn2 < gn:
                theta, g, gn = trial, g2, gn2
                lam = max(lam / 3, 1e-16 * scale)
                accepted = True
                break
            lam *= 4
        if not accepted:
            break
        history.append(gn)
    return _describe(net, theta, gtol, it, "Levenberg–Marquardt on ‖∇L‖² (exact Hessian)", start)


def train_minimizer(net, theta0, gtol: float = 1e-10, maxit: int = 400, keep_trajectory=False):
    """Damped Newton descent on L from θ0 (exact Hessian); returns (CriticalPoint, trajectory).

    Step δ = −(H + μI)⁻¹∇L with μ = max(0, −λ_min(H)) + λ; λ shrinks when the actual decrease
    of L exceeds half the quadratic model's prediction and grows when it is below a tenth (the
    step is then refused). Stops at ‖∇L‖ ≤ gtol, after ``maxit`` steps, or when L has fallen by
    less than 1e-12 (relative) over 40 steps (a flat, saturated region: ``converged`` False).
    The trajectory is a list of (L, θ) after each accepted step.
    """
    theta = np.array(theta0, dtype=float, copy=True)
    start = L = net.loss(theta)
    lam = 1e-3
    traj = []
    history = [L]
    it = 0
    for it in range(1, maxit + 1):
        g = net.gradient(theta)
        if np.linalg.norm(g) <= gtol:
            break
        w, V = np.linalg.eigh(net.hessian(theta))
        gv = V.T @ g
        shift = max(0.0, -float(w[0]))
        scale = max(float(np.max(np.abs(w))), 1e-300)
        moved = False
        while lam <= 1e10 * scale:
            mu = shift + lam
            c = -gv / (w + mu)
            pred = float(gv @ c + 0.5 * np.sum(w * c * c))
            trial = theta + V @ c
            L2 = net.loss(trial)
            rho = (L2 - L) / pred if pred < 0 else -1.0
            if rho > 0.1:
                theta, L = trial, L2
                if rho > 0.5:
                    lam = max(lam / 3, 1e-14 * scale)
                moved = True
                break
            lam *= 4
        if not moved:
            break
        history.append(L)
        if keep_trajectory:
            traj.append((L, theta.copy()))
        if len(history) > 40 and history[-41] - L <= 1e-12 * max(abs(L), 1e-300):
            break
    return _describe(net, theta, gtol, it, "damped Newton on L (exact Hessian)", start), traj


def _distinct(points, rel=1e-9):
    out = []
    for p in sorted(points, key=lambda q: q.energy):
        if out and out[-1].negative == p.negative and abs(out[-1].energy - p.energy) <= rel * max(p.energy, 1e-12):
            continue
        out.append(p)
    return out


def search_critical_points(net, trainings: int = 3, starts_per_training: int = 8,
                           random_starts: int = 4, seed: int = 0, gtol: float = 1e-10,
                           maxit: int = 400, init_scale: float = 1.0,
                           time_limit: Optional[float] = None) -> SearchResult:
    """Minimizers and critical points of several indices for one network and task.

    1. ``trainings`` minimizers by :func:`train_minimizer` from N(0, init_scale²) initial θ;
    2. from each trajectory, ``starts_per_training`` points spread evenly in energy between
       the start and the minimizer, each perturbed by N(0, 0.05²) noise, are handed to
       :func:`find_critical_point`;
    3. ``random_starts`` more starts at θ ~ N(0, s²) with s ∈ {0.5, 1, 1.5, 2}.

    Converged points are de-duplicated (same index count and energy within 1e-9 relative).
    ``time_limit`` (seconds) stops launching new searches once exceeded.
    """
    import time
    for name, v in (("trainings", trainings), ("starts_per_training", starts_per_training),
                    ("random_starts", random_starts)):
        if isinstance(v, bool) or int(v) != v or v < 0 or v > 500:
            raise ParameterError(f"{name} must be a whole number between 0 and 500, got {v!r}")
    t0 = time.time()
    rng = np.random.default_rng(seed)
    minimizers, found = [], []
    attempts = 0
    starts = []
    for t in range(int(trainings)):
        theta0 = init_scale * rng.standard_normal(net.n)
        mini, traj = train_minimizer(net, theta0, gtol=gtol, maxit=maxit, keep_trajectory=True)
        minimizers.append(mini)
        if not traj or starts_per_training == 0:
            continue
        Ls = np.array([L for L, _ in traj])
        targets = np.linspace(Ls[-1], Ls[0], int(starts_per_training) + 2)[1:-1]
        for target in targets:
            i = int(np.argmin(np.abs(Ls - target)))
            starts.append(traj[i][1] + 0.05 * rng.standard_normal(net.n))
    scales = [0.5, 1.0, 1.5, 2.0]
    for j in range(int(random_starts)):
        starts.append(scales[j % 4] * rng.standard_normal(net.n))
    for s in starts:
        if time_limit is not None and time.time() - t0 > time_limit:
            break
        attempts += 1
        found.append(find_critical_point(net, s, gtol=gtol, maxit=maxit))
    conv = [p for p in found if p.converged]
    flat = [p for p in found if not p.converged]
    points = _distinct(conv) + flat
    return SearchResult(phi=net.phi, n=net.n, points=points, minimizers=minimizers,
                        attempts=attempts, converged=len(conv), gradient_flat=len(flat),
                        seconds=time.time() - t0,
                        settings={"trainings": trainings, "starts_per_training": starts_per_training,
                                  "random_starts": random_starts, "seed": seed, "gtol": gtol,
                                  "maxit": maxit, "init_scale": init_scale})
