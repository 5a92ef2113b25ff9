r"""Pennington & Bahri on a real network: index against energy, spectra, freeness, minimizers.

Pennington & Bahri, "Geometry of neural network loss surfaces via random matrix theory",
ICML 2017, PMLR 70:2798–2806, §5. The network is :class:`.network.OneHiddenLayerNet` on the
memorization task, φ = n/(km) parameters per scalar target. The model law
MP_φ ⊞ SC(2ε) assumes units in which H0 has mean eigenvalue 1 and H1 has variance 2ε; a real
network fixes neither, so three comparisons are made and labelled:

* **raw** — the empirical index α against α(ε, φ) at the measured energy, no parameter;
* **fitted** — α against α(κε, φ) with one scale κ per φ fitted by least squares over the
  critical points (:func:`fit_energy_scale`); κ is reported;
* **measured** — α against α(ε_eff, φ) with ε_eff = τ(H1²)/(2τ(H0)²) measured at each point
  (τ = tr/n): the model's own normalisation applied to the network's H0 and H1.

Spectra (:func:`spectrum_comparison`) are compared in units of τ(H0), with the Kolmogorov
distance to the law at ε, at ε_eff and at a two-parameter fit (eigenvalue scale s, energy ε′).
The energies of minimizers (:func:`minimizer_energies`) are set against the paper's
empirical ½(1 − φ)² and against ½(1 − φ), the residual of linear least squares with n = φkm
free coefficients on km Gaussian targets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from ...errors import ParameterError
from .critical_points import SearchResult, search_critical_points, train_minimizer
from .freeness import FreenessCheck, freeness_check
from .model import atoms, cdf_grid, check_phi_epsilon, index_float
from .network import OneHiddenLayerNet, memorization_task

__all__ = ["memorization_network", "fit_energy_scale", "PowerLawFit", "power_law_fit", "ks_to_model", "SpectrumComparison",
           "spectrum_comparison", "IndexExperiment", "index_experiment", "MinimizerEnergies",
           "minimizer_energies", "quadratic_reference", "linear_reference"]


def quadratic_reference(phi) -> float:
    """½(1 − φ)² for φ < 1, else 0: Pennington & Bahri's empirical energy of minimizers."""
    return 0.5 * max(0.0, 1 - float(phi)) ** 2


def linear_reference(phi) -> float:
    """½(1 − φ) for φ < 1, else 0: E‖(I − P)y‖²/(2km) for a projection P of rank φkm."""
    return 0.5 * max(0.0, 1 - float(phi))


def memorization_network(phi, width: int, k: Optional[int] = None, n0: Optional[int] = None,
                         seed: int = 0, activation="tanh") -> OneHiddenLayerNet:
    """The network n0 → width → k (default n0 = k = width) on m = round(n/(kφ)) random points.

    The realised φ = n/(km) differs from the requested one by the rounding of m; use
    ``net.phi``.
    """
    p, _ = check_phi_epsilon(phi, 0)
    width = int(width)
    k = width if k is None else int(k)
    n0 = width if n0 is None else int(n0)
    if width < 1 or k < 1 or n0 < 1:
        raise ParameterError("the widths must be positive whole numbers")
    n = width * (n0 + k)
    m = max(1, int(round(n / (k * p))))
    if k * m > 200_000:
        raise ParameterError(f"φ = {p:g} needs {m} data points; that task is too large")
    return OneHiddenLayerNet(memorization_task(n0, k, m, seed=seed), width, activation)


def fit_energy_scale(energies, indices, phi):
    """κ minimising Σ_i (α_i − α(κ ε_i, φ))², and the RMS residual at κ.

    A grid over log κ ∈ [−6, 4] locates the minimum, then a bounded scalar search refines it.
    """
    from scipy.optimize import minimize_scalar
    e = np.asarray(energies, dtype=float)
    a = np.asarray(indices, dtype=float)
    if e.size == 0:
        return float("nan"), float("nan")

    def cost(logk):
        k = math.exp(logk)
        return float(np.sum((a - np.array([index_float(phi, k * x) for x in e])) ** 2))
    grid = np.linspace(-6, 4, 81)
    vals = [cost(g) for g in grid]
    i = int(np.argmin(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = minimize_scalar(cost, bounds=(lo, hi), method="bounded", options={"xatol": 1e-6})
    best = res.x if res.fun <= vals[i] else grid[i]
    return math.exp(best), math.sqrt(cost(best) / e.size)


@dataclass
class PowerLawFit:
    """α = A (ε − ε0)^p fitted to (ε, α) points with 0 < α ≤ ``max_index``."""
    exponent: float
    exponent_ci95: tuple
    threshold: float
    threshold_ci95: tuple
    amplitude: float
    points: int
    method: str


def power_law_fit(energies, indices, max_index: float = 0.2) -> Optional[PowerLawFit]:
    """Fit α = A (ε − ε0)₊^p (the form of the 3/2 law, with the threshold ε0 free) by
    nonlinear least squares (scipy ``curve_fit``) to the points of small non-zero index.

    The 95 % intervals are ±1.96 standard errors from the fit's covariance (residual scatter
    only). Returns None with fewer than 5 usable points.
    """
    from scipy.optimize import curve_fit
    e = np.asarray(energies, dtype=float)
    a = np.asarray(indices, dtype=float)
    keep = (a > 0) & (a <= max_index)
    e, a = e[keep], a[keep]
    if e.size < 5:
        return None

    def f(x, A, e0, p):
        return A * np.clip(x - e0, 0, None) ** p
    e0_guess = float(e.min()) - 0.02
    try:
        popt, pcov = curve_fit(f, e, a, p0=(1.0, e0_guess, 1.5),
                               bounds=([1e-6, -1.0, 0.2], [1e4, float(e.min()), 5.0]), maxfev=20000)
    except (RuntimeError, ValueError):
        return None
    se = np.sqrt(np.maximum(np.diag(pcov), 0))
    return PowerLawFit(exponent=float(popt[2]), exponent_ci95=(float(popt[2] - 1.96 * se[2]), float(popt[2] + 1.96 * se[2])),
                       threshold=float(popt[1]), threshold_ci95=(float(popt[1] - 1.96 * se[1]), float(popt[1] + 1.96 * se[1])),
                       amplitude=float(popt[0]), points=int(e.size),
                       method=f"α = A(ε − ε0)^p, least squares on the points with 0 < α ≤ {max_index:g}")


def ks_to_model(eigenvalues, phi, epsilon, points: int = 2001) -> float:
    """Kolmogorov distance sup|F_emp − F| between eigenvalues and MP_φ ⊞ SC(2ε).

    F is :func:`.model.cdf_grid` on ``points`` nodes per support interval (error ≈ 1e-6 at
    2001, ≈ 1e-5 at 401), interpolated linearly.
    """
    x = np.sort(np.asarray(eigenvalues, dtype=float))
    gx, gf = cdf_grid(phi, epsilon, points)
    below = sum(mass for x0, mass in atoms(phi, epsilon))
    F = np.interp(x, gx, gf, left=0.0, right=1.0)
    if below:
        F = np.where((x >= 0) & (x < gx[0]), below, F)
    n = x.size
    hi = np.arange(1, n + 1) / n
    lo = np.arange(0, n) / n
    return float(max(np.max(np.abs(hi - F)), np.max(np.abs(F - lo))))


@dataclass
class SpectrumComparison:
    """One critical point's Hessian spectrum, in units of τ(H0), against the model's law."""
    phi: float
    energy: float
    index: float
    h0_mean: float
    eps_measured: float
    eigenvalues: np.ndarray
    h0_eigenvalues: np.ndarray
    ks_at_energy: float
    ks_at_measured: float
    fitted_scale: float
    fitted_epsilon: float
    ks_fitted: float
    h0_ks_to_mp: float
    h0_variance_ratio: float


def spectrum_comparison(H0, H1, phi, energy) -> SpectrumComparison:
    """Compare spec(H)/τ(H0) with MP_φ ⊞ SC(2ε) at ε = energy, at ε_eff = τ(H1²)/(2τ(H0)²),
    and at the (s, ε′) minimising the Kolmogorov distance of spec(H)/s (Nelder–Mead in logs).

    Also H0 alone against MP_φ (mean 1) and its variance ratio τ(H0²)/τ(H0)² − 1, which is
    φ for MP_φ.
    """
    from scipy.optimize import minimize
    n = H0.shape[0]
    t0 = float(np.trace(H0)) / n
    if not t0 > 0:
        raise ParameterError("H0 has zero trace: the Gauss–Newton part vanishes at this point")
    eps_eff = float(np.sum(H1 * H1)) / n / (2 * t0 * t0)
    w = np.linalg.eigvalsh(H0 + H1) / t0
    w0 = np.linalg.eigvalsh(H0) / t0
    ks_e = ks_to_model(w, phi, energy)
    ks_m = ks_to_model(w, phi, eps_eff)

    def cost(v):
        return ks_to_model(w / math.exp(v[0]), phi, math.exp(v[1]), points=301)
    starts = [(0.0, math.log(max(eps_eff, 1e-6))), (0.0, math.log(max(energy, 1e-6)))]
    best = min((minimize(cost, s, method="Nelder-Mead",
                         options={"xatol": 1e-3, "fatol": 1e-4, "maxiter": 300}) for s in starts),
               key=lambda r: r.fun)
    return SpectrumComparison(phi=float(phi), energy=float(energy), index=float(np.mean(w < 0)),
                              h0_mean=t0, eps_measured=eps_eff, eigenvalues=w, h0_eigenvalues=w0,
                              ks_at_energy=ks_e, ks_at_measured=ks_m,
                              fitted_scale=math.exp(best.x[0]), fitted_epsilon=math.exp(best.x[1]),
                              ks_fitted=ks_to_model(w / math.exp(best.x[0]), phi, math.exp(best.x[1])),
                              h0_ks_to_mp=ks_to_model(w0, phi, 0.0),
                              h0_variance_ratio=float(np.mean(w0 * w0)) - 1.0)


@dataclass
class IndexExperiment:
    """Critical points of one network and their comparison with α(ε, φ)."""
    phi: float
    width: int
    n: int
    m: int
    k: int
    n0: int
    search: SearchResult
    rows: List[dict]
    flat_rows: List[dict]
    kappa: float
    rms_raw: float
    rms_fitted: float
    rms_measured: float
    spectrum: Optional[SpectrumComparison]
    freeness: List[FreenessCheck] = field(default_factory=list)
    power_law_critical: Optional[PowerLawFit] = None
    power_law_all: Optional[PowerLawFit] = None


def _row(p, phi):
    eps_eff = p.h1_var / (2 * p.h0_mean ** 2) if p.h0_mean > 0 else float("nan")
    return {"energy": p.energy, "index": p.index, "negative": p.negative, "grad_norm": p.grad_norm,
            "flatness": p.flatness, "h0_mean": p.h0_mean, "h1_var": p.h1_var, "eps_eff": eps_eff,
            "model_index": index_float(phi, p.energy),
            "model_index_measured": index_float(phi, eps_eff) if math.isfinite(eps_eff) else float("nan"),
            "start_energy": p.start_energy}


def index_experiment(phi, width: int, seed: int = 0, trainings: int = 3, starts_per_training: int = 8,
                     random_starts: int = 4, freeness_points: int = 3, rotations: int = 4,
                     maxit: int = 400, time_limit: Optional[float] = None,
                     activation="tanh") -> IndexExperiment:
    """Find critical points of the network at φ and compare them with the model.

    The 3/2-law form α = A(ε − ε0)^p is fitted (:func:`power_law_fit`) to the critical points
    and, separately, to all end points of the searches including the stalled ones. The spectrum
    comparison is made at the converged critical point whose index is the
    median of the non-zero indices found; the freeness check at up to ``freeness_points``
    converged points of distinct indices (largest first).
    """
    net = memorization_network(phi, width, seed=seed, activation=activation)
    res = search_critical_points(net, trainings=trainings, starts_per_training=starts_per_training,
                                 random_starts=random_starts, seed=seed + 1, maxit=maxit,
                                 time_limit=time_limit)
    ph = net.phi
    crit = res.critical
    rows = [_row(p, ph) for p in crit]
    flat = [_row(p, ph) for p in res.points if not p.converged]
    e = [r["energy"] for r in rows]
    a = [r["index"] for r in rows]
    kappa, rms_fit = fit_energy_scale(e, a, ph)
    rms_raw = math.sqrt(np.mean([(r["index"] - r["model_index"]) ** 2 for r in rows])) if rows else float("nan")
    meas = [(r["index"] - r["model_index_measured"]) ** 2 for r in rows if math.isfinite(r["model_index_measured"])]
    rms_meas = math.sqrt(np.mean(meas)) if meas else float("nan")
    for r in rows:
        r["model_index_fitted"] = index_float(ph, kappa * r["energy"]) if math.isfinite(kappa) else float("nan")
    spectrum = None
    saddles = sorted([p for p in crit if p.negative > 0], key=lambda p: p.index)
    if saddles:
        pick = saddles[len(saddles) // 2]
        H0, H1 = net.hessian_parts(pick.theta)
        spectrum = spectrum_comparison(H0, H1, ph, pick.energy)
    checks = []
    seen = set()
    for p in sorted(crit, key=lambda q: -q.index):
        if len(checks) >= freeness_points:
            break
        if p.negative in seen:
            continue
        seen.add(p.negative)
        H0, H1 = net.hessian_parts(p.theta)
        checks.append(freeness_check(H0, H1, rotations=rotations, seed=seed + 7 + len(checks)))
    allpts = rows + flat
    return IndexExperiment(phi=ph, width=int(width), n=net.n, m=net.m, k=net.k, n0=net.n0,
                           search=res, rows=rows, flat_rows=flat, kappa=kappa, rms_raw=rms_raw,
                           rms_fitted=rms_fit, rms_measured=rms_meas, spectrum=spectrum,
                           freeness=checks, power_law_critical=power_law_fit(e, a),
                           power_law_all=power_law_fit([r["energy"] for r in allpts],
                                                       [r["index"] for r in allpts]))


@dataclass
class MinimizerEnergies:
    """Energies of minimizers found by training, per φ, with the two reference curves."""
    width: int
    phis: List[float]
    energies: List[List[float]]
    mean: List[float]
    se: List[float]
    converged: List[int]
    index_zero: List[int]
    runs: List[int]
    quadratic: List[float]
    linear: List[float]
    method: str


def minimizer_energies(phis, width: int, tasks: int = 3, inits: int = 2, seed: int = 0,
                       maxit: int = 400, activation="tanh", k: Optional[int] = None,
                       n0: Optional[int] = None) -> MinimizerEnergies:
    """Train ``inits`` networks on each of ``tasks`` random tasks per φ by damped Newton
    (:func:`.critical_points.train_minimizer`) and record the final energies.

    The network is n0 → width → k (default n0 = k = width), see :func:`memorization_network`.
    ``mean ± se`` is over all tasks × inits (se = sd/√runs). ``converged`` counts runs that
    reached ‖∇L‖ ≤ 1e-10 and ``index_zero`` runs whose Hessian has no eigenvalue below
    −1e-7·max|λ| (a minimizer up to that tolerance); the rest stopped on a flat, saturated
    stretch of the loss, where the energy is still decreasing by < 1e-12 per step.
    """
    phis = [check_phi_epsilon(p, 0)[0] for p in phis]
    for name, v in (("tasks", tasks), ("inits", inits)):
        if isinstance(v, bool) or int(v) != v or not 1 <= v <= 100:
            raise ParameterError(f"{name} must be a whole number between 1 and 100")
    rng = np.random.default_rng(seed)
    out = dict(phis=[], energies=[], mean=[], se=[], converged=[], index_zero=[], runs=[],
               quadratic=[], linear=[])
    for p in phis:
        es, conv, zero = [], 0, 0
        ph = None
        for t in range(int(tasks)):
            net = memorization_network(p, width, k=k, n0=n0, seed=seed + 1000 * t + 17,
                                       activation=activation)
            ph = net.phi
            for _ in range(int(inits)):
                mini, _ = train_minimizer(net, rng.standard_normal(net.n), maxit=maxit)
                es.append(mini.energy)
                conv += int(mini.converged)
                zero += int(mini.negative == 0)
        es_a = np.array(es)
        out["phis"].append(ph)
        out["energies"].append(es)
        out["mean"].append(float(es_a.mean()))
        out["se"].append(float(es_a.std(ddof=1) / math.sqrt(es_a.size)) if es_a.size > 1 else float("nan"))
        out["converged"].append(conv)
        out["index_zero"].append(zero)
        out["runs"].append(len(es))
        out["quadratic"].append(quadratic_reference(ph))
        out["linear"].append(linear_reference(ph))
    shape = f"n0 = {n0 or width}, n1 = {width}, k = {k or width}"
    return MinimizerEnergies(width=int(width), method="damped Newton on L with the exact Hessian, "
                             f"N(0, 1) initial weights, {shape}", **out)
