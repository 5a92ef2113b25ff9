"""Memorization: training loss of random-feature ridge regression on random targets.

Pennington & Worah (NeurIPS 2017, §5 "memorization") train the readout of a one-layer
random-feature network on random targets and express the training loss through the
Stieltjes transform of M = YYᵀ/m.

Normalisation (``docs/theory.md`` §1.7, the one checked against simulation)
---------------------------------------------------------------------------
Features Y = f(WX) ∈ R^{n1×m} (f centred), targets T ∈ R^{n2×m} with iid N(0, 1) entries,
ridge parameter γ > 0, readout

    W2* = (YYᵀ/m + γ I)^{-1} Y Tᵀ/m,
    E_train = (1/(n2 m)) E ‖T − W2*ᵀ Y‖²_F.

The issue's form, W2 = argmin (1/m)‖T − W2 Y‖²_F + γ‖W2‖²_F per target row with
E_train = (1/m) E‖T − W2 Y‖² per row, is the same problem: its normal equations
W2 (YYᵀ/m + γ) = T Yᵀ/m give the same readout (W2 = W2*ᵀ), and the per-row loss averaged
over the n2 rows is the loss above. So no conversion is needed.

Result (exact; push-through identity T − W2*ᵀY = γ T (YᵀY/m + γ)^{-1}, then average over T):

    E_train = (γ²/m) E tr (YᵀY/m + γ)^{-2}
            = 1 − φ/ψ − (φ/ψ) γ² G′(−γ)

with G the Pennington–Worah Stieltjes transform of YYᵀ/m (the quartic Q(G, z) = 0 of
``docs/theory.md`` §1.4) and G′ = dG/dz = −Q_z/Q_G from the implicit equation (never by finite
differences). G(−γ) is real and lies in [−1/γ, 0); it is followed by continuation along the
negative real axis from z = −10⁴ (where G ≈ 1/z), then polished by Newton's method at the
requested precision.

Limits: γ → ∞ gives 1; γ → 0 gives max(0, 1 − rank/m), where rank/m = min(1, n1/m) = min(1, φ/ψ)
for a nonlinear f, and min(1, φ/ψ, φ) for a linear f (η = ζ), whose features have rank
at most n0 (``docs/theory.md`` §1.4, atom at 0).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Dict, List, Sequence

import mpmath
import numpy as np
import sympy as sp

from .. import symbols as S
from ..errors import ParameterError, RmtsymError
from ..numbers import Certified, check_dps, decimal_string

#: continuation starts at z = −Z_START (G ≈ 1/z there), or further out for larger γ
Z_START = 1.0e4
#: number of geometric continuation steps from −Z_START to −γ (tangent predictor at each step)
N_STEPS = 800


# ----------------------------------------------------------------------------------------
# the quartic Q(G, z) and its coefficients
# ----------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _quartic_expr() -> sp.Expr:
    """The symbolic quartic Q(G, z) of the generic derivation
    (:func:`rmtsym.pennington_worah.derive`)."""
    from ..pennington_worah import derive

    return sp.expand(derive(S.eta, S.zeta, S.phi, S.psi).quartic.value.poly.as_expr())


@functools.lru_cache(maxsize=1)
def _coefficient_table():
    """Coefficients c[k][j](η, ζ, φ, ψ) of Q = Σ_k Σ_j c[k][j] G^k z^j (k ≤ 4, j ≤ 2)."""
    expr = _quartic_expr()
    poly = sp.Poly(expr, S.G, S.z)
    if poly.degree(S.G) > 4 or poly.degree(S.z) > 2:
        raise RmtsymError("the Pennington-Worah equation has an unexpected degree")
    table = [[sp.expand(poly.coeff_monomial(S.G**k * S.z**j)) for j in range(3)] for k in range(5)]
    args = (S.eta, S.zeta, S.phi, S.psi)
    np_fns = [[sp.lambdify(args, table[k][j], "numpy") for j in range(3)] for k in range(5)]
    mp_fns = [[sp.lambdify(args, table[k][j], "mpmath") for j in range(3)] for k in range(5)]
    return table, np_fns, mp_fns


def _check_parameters(eta, zeta, phi, psi):
    for name, v in (("eta", eta), ("phi", phi), ("psi", psi)):
        if not v > 0:
            raise ParameterError(f"{name} must be positive, got {v}")
    if zeta < 0:
        raise ParameterError(f"zeta must be non-negative, got {zeta}")
    if zeta > eta * (1 + 1e-12):
        raise ParameterError(f"zeta = {zeta} exceeds eta = {eta}, which no activation can give "
                             "(eta - zeta is the nonlinear part of the variance)")


def _check_gamma(g):
    if not g > 0:
        raise ParameterError(f"the ridge parameter gamma must be positive, got {g}")


# ----------------------------------------------------------------------------------------
# double-precision vectorised path
# ----------------------------------------------------------------------------------------

def _np_table(eta, zeta, phi, psi):
    """The numbers c[k][j] of Q = Σ c[k][j] G^k z^j, broadcast over the parameters."""
    _, np_fns, _ = _coefficient_table()
    return [[np.asarray(np_fns[k][j](eta, zeta, phi, psi), dtype=float) for j in range(3)]
            for k in range(5)]


def _np_coeffs(eta, zeta, phi, psi, zz, table=None):
    """Arrays a_k(z) (k = 0..4) and their z-derivatives, broadcast over all arguments."""
    table = table if table is not None else _np_table(eta, zeta, phi, psi)
    a, da = [], []
    for c in table:
        a.append(c[0] + c[1] * zz + c[2] * zz**2)
        da.append(c[1] + 2 * c[2] * zz)
    return a, da


def _np_newton(a, g, iters=3):
    for _ in range(iters):
        q = a[4] * g**4 + a[3] * g**3 + a[2] * g**2 + a[1] * g + a[0]
        dq = 4 * a[4] * g**3 + 3 * a[3] * g**2 + 2 * a[2] * g + a[1]
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(dq != 0, q / dq, 0.0)
        g = g - step
    return g


def _roots_nearest(a, g_prev):
    """Among the real-axis roots of Σ a_k G^k, the one nearest g_prev (vectorised, any degree)."""
    n = g_prev.shape[0]
    coeffs = np.stack([a[4], a[3], a[2], a[1], a[0]], axis=-1)  # highest first, shape (n, 5)
    out = np.empty(n)
    scale = np.max(np.abs(coeffs), axis=-1, keepdims=True)
    lead_zero = np.abs(coeffs) <= 1e-300 + 1e-14 * scale
    # effective degree per row: drop exactly-vanishing leading coefficients
    deg = 4 - np.argmax(~lead_zero, axis=-1)
    for d in np.unique(deg):
        rows = np.nonzero(deg == d)[0]
        c = coeffs[rows][:, 4 - d:]
        comp = np.zeros((rows.size, d, d))
        comp[:, 0, :] = -c[:, 1:] / c[:, :1]
        if d > 1:
            comp[:, np.arange(1, d), np.arange(0, d - 1)] = 1.0
        roots = np.linalg.eigvals(comp)
        idx = np.argmin(np.abs(roots - g_prev[rows, None]), axis=-1)
        out[rows] = roots[np.arange(rows.size), idx].real
    return out


def _g_and_dg_numpy(eta, zeta, phi, psi, gamma, steps=N_STEPS):
    """G(−γ) and G′(−γ) in double precision, broadcast over all arguments."""
    eta, zeta, phi, psi, gamma = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                                       for v in (eta, zeta, phi, psi, gamma)))
    shape = gamma.shape
    eta, zeta, phi, psi, gamma = (v.ravel() for v in (eta, zeta, phi, psi, gamma))
    # the linear case η = ζ and the MP case ζ = 0 lower the degree exactly; snap round-off
    zeta = np.where(np.abs(eta - zeta) <= 1e-14 * eta, eta, zeta)
    start = np.maximum(Z_START, 100 * gamma)
    ts = np.linspace(0.0, 1.0, steps + 1)
    g = np.broadcast_to(1.0 / (-start), gamma.shape).copy()
    dg_prev = np.zeros_like(g)
    z_prev = -start
    table = _np_table(eta, zeta, phi, psi)
    for s in ts:
        zz = -np.exp((1 - s) * np.log(start) + s * np.log(gamma))
        a, da = _np_coeffs(eta, zeta, phi, psi, zz, table)
        # tangent predictor: near an atom at 0, G ~ -mass/z changes by the step ratio, and two
        # roots can be a few per cent apart, so "nearest to the previous value" alone jumps
        predicted = g + dg_prev * (zz - z_prev)
        g = _roots_nearest(a, predicted)
        q_g = 4 * a[4] * g**3 + 3 * a[3] * g**2 + 2 * a[2] * g + a[1]
        q_z = da[4] * g**4 + da[3] * g**3 + da[2] * g**2 + da[1] * g + da[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            dg_prev = np.where(q_g != 0, -q_z / q_g, 0.0)
        z_prev = zz
    zz = -gamma
    a, da = _np_coeffs(eta, zeta, phi, psi, zz)
    g = _np_newton(a, g)
    q_g = 4 * a[4] * g**3 + 3 * a[3] * g**2 + 2 * a[2] * g + a[1]
    q_z = da[4] * g**4 + da[3] * g**3 + da[2] * g**2 + da[1] * g + da[0]
    dg = -q_z / q_g
    return g.reshape(shape), dg.reshape(shape)


def train_loss_numpy(eta, zeta, phi, psi, gamma):
    """Training loss E_train in double precision, vectorised (numpy broadcasting).

    E_train = 1 − φ/ψ − (φ/ψ) γ² G′(−γ)   (Pennington & Worah 2017; docs/theory.md §1.7).

    Parameters
    ----------
    eta, zeta, phi, psi, gamma : float or array_like
        Gaussian moments of the activation (0 ≤ ζ ≤ η, η > 0), the ratios φ = n0/m,
        ψ = n0/n1, and the ridge parameter γ > 0. All are broadcast together.

    Returns
    -------
    numpy.ndarray
        E_train with the broadcast shape. This is the fast path for curves; use
        :func:`train_loss` for certified digits.
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (eta, zeta, phi, psi, gamma)))
    for v in np.nditer(arrays):
        _check_parameters(float(v[0]), float(v[1]), float(v[2]), float(v[3]))
        _check_gamma(float(v[4]))
    g, dg = _g_and_dg_numpy(*arrays)
    c = arrays[2] / arrays[3]
    return 1 - c - c * arrays[4] ** 2 * dg


# ----------------------------------------------------------------------------------------
# arbitrary-precision path
# ----------------------------------------------------------------------------------------

def _mp_coeffs(eta, zeta, phi, psi):
    _, _, mp_fns = _coefficient_table()
    return [[mpmath.mpf(mp_fns[k][j](eta, zeta, phi, psi)) for j in range(3)] for k in range(5)]


def stieltjes_negative_axis(eta, zeta, phi, psi, gamma, dps: int = 30):
    """G(−γ) and G′(−γ) of the Pennington–Worah law to ``dps`` digits.

    The root of the quartic Q(G, z) = 0 (docs/theory.md §1.4) is followed in double precision
    along the negative real axis from z = −10⁴ (continuation, nearest root at each step),
    then polished by Newton's method at ``dps`` + 10 digits; G′ = −Q_z/Q_G implicitly.

    Returns
    -------
    (Certified, Certified)
        G(−γ) and G′(−γ). The digit count is backed by the final Newton correction and
        the check −1/γ ≤ G(−γ) < 0 (G(−γ) = −∫ρ(t)dt/(γ + t) for a law on [0, ∞)).
    """
    dps = check_dps(dps)
    with mpmath.workdps(dps + 10):
        eta, zeta, phi, psi, gamma = (mpmath.mpf(v) if not isinstance(v, mpmath.mpf) else v
                                      for v in (eta, zeta, phi, psi, gamma))
        _check_parameters(eta, zeta, phi, psi)
        _check_gamma(gamma)
        g0, _ = _g_and_dg_numpy(float(eta), float(zeta), float(phi), float(psi), float(gamma))
        c = _mp_coeffs(eta, zeta, phi, psi)
        zz = -gamma
        a = [c[k][0] + c[k][1] * zz + c[k][2] * zz**2 for k in range(5)]
        da = [c[k][1] + 2 * c[k][2] * zz for k in range(5)]
        g = mpmath.mpf(float(g0))
        last = mpmath.inf
        tol = mpmath.mpf(10) ** (-(dps + 5))
        for _ in range(200):
            q = (((a[4] * g + a[3]) * g + a[2]) * g + a[1]) * g + a[0]
            dq = ((4 * a[4] * g + 3 * a[3]) * g + 2 * a[2]) * g + a[1]
            if dq == 0:
                raise RmtsymError("the Pennington-Worah equation has a double root at z = -gamma; "
                                  "G'(-gamma) is not defined there")
            step = q / dq
            g -= step
            last = abs(step)
            if last <= tol * abs(g):
                break
        else:
            raise RmtsymError(f"Newton's method did not converge for G(-gamma) at gamma = {gamma}")
        if not (-1 / gamma * (1 + tol) <= g < 0) or abs(g - float(g0)) > 1e-6 * abs(g):
            raise RmtsymError(f"could not follow the physical branch of G at z = -{gamma}")
        q_g = ((4 * a[4] * g + 3 * a[3]) * g + 2 * a[2]) * g + a[1]
        q_z = (((da[4] * g + da[3]) * g + da[2]) * g + da[1]) * g + da[0]
        dg = -q_z / q_g
        note = f"continuation from z=-{Z_START:g}, Newton correction {mpmath.nstr(last, 3)}"
        return (Certified(+g, dps, "continuation + newton", note=note),
                Certified(+dg, dps, "implicit derivative -Q_z/Q_G", note=note))


def train_loss(eta, zeta, phi, psi, gamma, dps: int = 30) -> Certified:
    """Training loss of random-feature ridge regression on random targets.

    E_train(γ) = 1 − φ/ψ − (φ/ψ)·γ²·G′(−γ)

    (Pennington & Worah, NeurIPS 2017, §5; normalisation and derivation of ``docs/theory.md``
    §1.7: E_train = (γ²/m) E tr (YᵀY/m + γ)^{-2}). G is the Stieltjes transform of
    M = YYᵀ/m and G′ is computed from the implicit equation Q(G, z) = 0.

    Parameters
    ----------
    eta, zeta : number or str
        Gaussian moments η = Var f(σZ), ζ = (E[Z f(σZ)])² of the activation (0 ≤ ζ ≤ η).
    phi, psi : number or str
        φ = n0/m and ψ = n0/n1.
    gamma : number or str
        Ridge parameter γ > 0.
    dps : int
        Decimal digits of precision.

    Returns
    -------
    Certified
        E_train to ``dps`` digits.
    """
    dps = check_dps(dps)
    g, dg = stieltjes_negative_axis(eta, zeta, phi, psi, gamma, dps)
    with mpmath.workdps(dps + 10):
        c = mpmath.mpf(phi) / mpmath.mpf(psi)
        gam = mpmath.mpf(gamma)
        value = 1 - c - c * gam**2 * dg.value
        # E_train = (γ²/m) E tr(...)^{-2} lies in [0, 1]; anything else is a wrong branch
        if not (-mpmath.mpf(10) ** (-dps) <= value <= 1 + mpmath.mpf(10) ** (-dps)):
            raise RmtsymError(f"the training loss came out as {mpmath.nstr(value, 8)}, outside [0, 1]")
        # cancellation in 1 − c − cγ²G′ costs digits when E_train ≪ 1
        lost = max(0, int(mpmath.ceil(mpmath.log10(max(1, c) / max(abs(value), mpmath.mpf(10) ** -dps)))))
        digits = max(1, dps + 10 - lost - 5)
        return Certified(+value, min(dps, digits), "implicit G' at -gamma",
                         note=f"E_train = 1 - phi/psi - (phi/psi) gamma^2 G'(-gamma); {g.note}")


def train_loss_limits(eta, zeta, phi, psi) -> Dict[str, sp.Expr]:
    """Exact limits of E_train as γ → 0 and γ → ∞.

    γ → ∞: E_train → 1 (the readout vanishes). γ → 0 (interpolation limit):
    E_train → 1 − rank(Y)/m, i.e. max(0, 1 − φ/ψ) for a nonlinear activation and
    max(0, 1 − φ/ψ, 1 − φ) for a linear one (η = ζ), whose features have rank ≤ n0
    (docs/theory.md §1.7 and the atom at 0 of §1.4).

    Returns
    -------
    dict
        ``{"gamma_to_0": expr, "gamma_to_infinity": 1}`` with exact SymPy values.
    """
    e, zt, ph, ps = (sp.nsimplify(v) if not isinstance(v, sp.Basic) else v
                     for v in (eta, zeta, phi, psi))
    _check_parameters(float(e), float(zt), float(ph), float(ps))
    c = ph / ps
    rank = sp.Min(1, c, ph) if sp.simplify(e - zt) == 0 else sp.Min(1, c)
    return {"gamma_to_0": sp.simplify(1 - rank), "gamma_to_infinity": sp.Integer(1)}


# ----------------------------------------------------------------------------------------
# curves
# ----------------------------------------------------------------------------------------

def curve_over_gamma(eta, zeta, phi, psi, gammas) -> np.ndarray:
    """E_train over an array of ridge parameters (double precision)."""
    return train_loss_numpy(eta, zeta, phi, psi, np.asarray(gammas, dtype=float))


def curve_over_zeta_ratio(ratios, phi, psi, gamma, eta=1.0) -> np.ndarray:
    """E_train over ζ/η ∈ [0, 1] at fixed η (PW: the loss falls as η/ζ grows).

    Only the ratio matters up to the scale of γ: E_train(aη, aζ, γ) = E_train(η, ζ, γ/a).
    """
    r = np.asarray(ratios, dtype=float)
    if np.any((r < 0) | (r > 1)):
        raise ParameterError("zeta/eta must lie in [0, 1]")
    return train_loss_numpy(eta, eta * r, phi, psi, gamma)


def curve_over_aspect(phi_over_psi, psi, eta, zeta, gamma) -> np.ndarray:
    """E_train over n1/m = φ/ψ at fixed ψ = n0/n1 (φ = ψ·(φ/ψ))."""
    r = np.asarray(phi_over_psi, dtype=float)
    return train_loss_numpy(eta, zeta, psi * r, psi, gamma)


# ----------------------------------------------------------------------------------------
# simulation
# ----------------------------------------------------------------------------------------

def trace_loss_from_gram_eigenvalues(eigenvalues_m, gamma):
    """(γ²/m) Σ_i 1/(λ_i + γ)² over the m eigenvalues of YᵀY/m (exact per sample, averaged over targets)."""
    lam = np.asarray(eigenvalues_m, dtype=float)
    gam = np.asarray(gamma, dtype=float)
    return np.mean(gam[..., None] ** 2 / (lam + gam[..., None]) ** 2, axis=-1)


def ridge_train_loss(Y, gamma, n_targets: int = 1, rng=None):
    """Actual ridge regression of random N(0, 1) targets on features Y (n1×m).

    W2* = (YYᵀ/m + γ)^{-1} Y Tᵀ/m, loss = ‖T − W2*ᵀY‖²_F/(n2 m). Used as an independent
    check of the trace formula.
    """
    rng = np.random.default_rng(rng)
    n1, m = Y.shape
    T = rng.standard_normal((n_targets, m))
    A = Y @ Y.T / m + gamma * np.eye(n1)
    W2 = np.linalg.solve(A, Y @ T.T / m)
    R = T - W2.T @ Y
    return float(np.sum(R * R) / (n_targets * m))


def _features(activation, phi, psi, n0, seed, sigma_w, sigma_x):
    """Centred features Y = f(WX) from :func:`rmtsym.sampler.sample_features`."""
    from ..sampler import sample_features  # the sampler owns the simulation of Y
    return np.asarray(sample_features(activation, phi, psi, n0, seed=seed,
                                      sigma_w=sigma_w, sigma_x=sigma_x))


@dataclass
class SimulatedLoss:
    """Monte Carlo training loss: mean over seeds and standard error of the mean."""

    gamma: np.ndarray
    mean: np.ndarray
    se: np.ndarray
    per_seed: np.ndarray
    method: str
    sizes: Dict[str, int] = field(default_factory=dict)


def simulate_train_loss(activation, phi, psi, gammas, n0: int, seeds: int = 4, seed: int = 0,
                        sigma_w=1, sigma_x=1, method: str = "trace", n_targets: int = 4,
                        features=None) -> SimulatedLoss:
    """Simulated training loss at finite size (n0, n1 = n0/ψ, m = n0/φ).

    Parameters
    ----------
    activation : Activation
        The activation (features drawn by :func:`rmtsym.sampler.sample_features`).
    method : {"trace", "ridge"}
        ``"trace"``: E_train = (γ²/m) tr (YᵀY/m + γ)^{-2}, exact per feature draw (the
        target average is done analytically). ``"ridge"``: an actual ridge solve on
        ``n_targets`` random target rows (an independent check, noisier).
    features : callable, optional
        ``features(seed) -> Y`` overriding the sampler (for tests and other models).

    Returns
    -------
    SimulatedLoss
        mean ± standard error over ``seeds`` independent draws (se = std/√seeds).
    """
    gammas = np.atleast_1d(np.asarray(gammas, dtype=float))
    for g in gammas:
        _check_gamma(g)
    if seeds < 1 or n0 < 2:
        raise ParameterError("simulation needs n0 >= 2 and at least one seed")
    from ..sampler import check_sample_memory, sample_sizes

    check_sample_memory(*sample_sizes(phi, psi, n0), seeds=seeds)  # before the first draw
    if method not in ("trace", "ridge"):
        raise ParameterError(f"method must be 'trace' or 'ridge', got {method!r}")
    per_seed = []
    sizes = {}
    for k in range(seeds):
        Y = features(seed + k) if features is not None else _features(
            activation, phi, psi, n0, seed + k, sigma_w, sigma_x)
        n1, m = Y.shape
        sizes = {"n0": int(n0), "n1": int(n1), "m": int(m)}
        if method == "trace":
            s = np.linalg.svd(Y, compute_uv=False)
            lam = np.zeros(m)
            lam[: s.size] = s**2 / m
            per_seed.append(trace_loss_from_gram_eigenvalues(lam, gammas))
        else:
            rng = np.random.default_rng(10_000 + seed + k)
            per_seed.append(np.array([ridge_train_loss(Y, g, n_targets, rng) for g in gammas]))
    per_seed = np.array(per_seed)
    mean = per_seed.mean(axis=0)
    se = per_seed.std(axis=0, ddof=1) / np.sqrt(seeds) if seeds > 1 else np.full_like(mean, np.nan)
    return SimulatedLoss(gammas, mean, se, per_seed, method, sizes)


# ----------------------------------------------------------------------------------------
# activation-level entry point
# ----------------------------------------------------------------------------------------

@dataclass
class MemorizationResult:
    """E_train(γ) for an activation, with its (η, ζ) and the exact limits."""

    gamma: List[str]
    train_loss: List[Certified]
    eta: Certified
    zeta: Certified
    phi: str
    psi: str
    limits: Dict[str, sp.Expr]

    def as_json(self, dps: int) -> dict:
        return {
            "gamma": list(self.gamma),
            "train_loss": [v.decimal(min(dps, v.digits)) for v in self.train_loss],
            "eta": self.eta.decimal(min(dps, self.eta.digits)),
            "zeta": self.zeta.decimal(min(dps, self.zeta.digits)),
            "phi": self.phi,
            "psi": self.psi,
            "limits": {"gamma_to_0": decimal_string(self.limits["gamma_to_0"], dps),
                       "gamma_to_infinity": decimal_string(self.limits["gamma_to_infinity"], dps),
                       "gamma_to_0_exact": str(self.limits["gamma_to_0"])},
        }


def memorization(activation, phi, psi, gammas: Sequence, sigma_w=1, sigma_x=1,
                 dps: int = 30) -> MemorizationResult:
    """E_train(γ) for an activation (η, ζ from :func:`rmtsym.gaussian.gaussian_moments`).

    See :func:`train_loss` for the formula (Pennington & Worah 2017; docs/theory.md §1.7).
    """
    from ..gaussian import gaussian_moments

    dps = check_dps(dps)
    mom = gaussian_moments(activation, sigma_w=sigma_w, sigma_x=sigma_x, dps=dps + 5)
    eta_c, zeta_c = mom.eta, mom.zeta
    if eta_c is None or zeta_c is None:  # free parameters or a symbolic scale: no number
        names = sorted(str(p) for p in getattr(mom.activation, "params", ()))
        if names:
            raise ParameterError(f"the training loss needs numbers, and the activation's moments depend on "
                                 f"{', '.join(names)}; give values (--params {names[0]}=0.1)")
        raise ParameterError("the training loss needs numbers, and the activation's moments are not numbers "
                             "(a symbolic sigma_w or sigma_x?)")
    with mpmath.workdps(dps + 10):
        eta_v, zeta_v = mpmath.re(eta_c.value), mpmath.re(zeta_c.value)
        if zeta_v < 0 and abs(zeta_v) < mpmath.mpf(10) ** (-dps):
            zeta_v = mpmath.mpf(0)
        if zeta_v > eta_v and zeta_v - eta_v < mpmath.mpf(10) ** (-dps) * eta_v:
            zeta_v = eta_v
        if not eta_v > 0:
            raise ParameterError("the activation has eta = 0 (it is constant under the Gaussian); "
                                 "its features carry no information")
        losses = [train_loss(eta_v, zeta_v, phi, psi, g, dps) for g in gammas]
    exact_eta = mom.eta_expr if getattr(mom, "eta_expr", None) is not None else sp.Float(str(eta_v), dps)
    exact_zeta = mom.zeta_expr if getattr(mom, "zeta_expr", None) is not None else sp.Float(str(zeta_v), dps)
    try:
        subs = {S.sigma_w: sp.nsimplify(sigma_w), S.sigma_x: sp.nsimplify(sigma_x),
                S.sigma: sp.nsimplify(sigma_w) * sp.nsimplify(sigma_x)}
        e_ex, z_ex = sp.sympify(exact_eta).subs(subs), sp.sympify(exact_zeta).subs(subs)
        if e_ex.free_symbols or z_ex.free_symbols:
            raise TypeError
    except Exception:
        e_ex, z_ex = sp.Float(str(eta_v), dps), sp.Float(str(zeta_v), dps)
    limits = train_loss_limits(e_ex, z_ex, sp.nsimplify(phi), sp.nsimplify(psi))
    return MemorizationResult([str(g) for g in gammas], losses, eta_c, zeta_c, str(phi), str(psi), limits)


__all__ = ["train_loss", "train_loss_numpy", "train_loss_limits", "stieltjes_negative_axis",
           "curve_over_gamma", "curve_over_zeta_ratio", "curve_over_aspect",
           "simulate_train_loss", "SimulatedLoss", "ridge_train_loss",
           "trace_loss_from_gram_eigenvalues", "memorization", "MemorizationResult"]
