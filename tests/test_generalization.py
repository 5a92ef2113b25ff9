"""Generalization of random-feature ridge regression (Mei & Montanari 2022; Louart, Liao & Couillet 2018).

Checked three ways, never against themselves:
* closed forms — the activation coefficients, the limits λ → ∞, ψ1 → ∞, ψ2 → ∞ (derived from the
  model, compared with the fixed point at large λ̄, ψ1, ψ2), λ → 0 and the training-error limits;
* independent numerics — the reduced scalar fixed point against the complex 2-D equations
  continued from ξ = 50i; the training error against the Pennington–Worah Stieltjes transform of
  FFᵀ/n (a different theory of the same matrix); double against 30/50-digit arithmetic;
* Monte Carlo of the actual regression (sphere inputs and weights, ridge by SVD), on both sides of
  the interpolation threshold, λ from 1e-3 to 1, for ReLU, tanh, GELU (μ0 ≠ 0) and |x| (ζ = 0);
  the deterministic equivalent on a given anisotropic data matrix; a 1/d extrapolation.
"""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from rmtsym.applications.generalization.coefficients import (activation_coefficients,
                                                              coefficients_from_values)
from rmtsym.applications.generalization.curve import generalization
from rmtsym.applications.generalization.deterministic_equivalent import feature_kernel, llc_errors
from rmtsym.applications.generalization.limits import (infinite_data_limit, kernel_limit,
                                                        large_ridge_leading, large_ridge_series,
                                                        SYMBOLS)
from rmtsym.applications.generalization.mei_montanari import (bias_variance_numpy, check_point,
                                                              fixed_point_continuation,
                                                              fixed_point_numpy, mm_risk, risk_numpy)
from rmtsym.applications.generalization.simulate import (check_memory, simulate_given_data,
                                                         simulate_points)
from rmtsym.errors import ActivationError, ParameterError

ACTS = ["relu", "tanh", "gelu", "Abs(x)"]  # μ0 ≠ 0: relu, gelu, |x|; ζ = 0: |x|


@pytest.fixture(scope="module")
def coeffs():
    return {a: activation_coefficients(a, dps=30) for a in ACTS}


def _f(c):
    return float(c.value)


# ----------------------------------------------------------------------------- coefficients

def test_relu_coefficients_are_exact(coeffs):
    c = coeffs["relu"]
    assert sp.simplify(c.exact["mu0"] - 1 / sp.sqrt(2 * sp.pi)) == 0
    assert c.exact["mu1"] == sp.Rational(1, 2)
    assert sp.simplify(c.exact["mu_star2"] - (sp.pi - 2) / (4 * sp.pi)) == 0
    assert sp.simplify(c.exact["zeta2"] - sp.pi / (sp.pi - 2)) == 0
    assert c.zeta2.method.endswith("closed form") and c.zeta2.digits == 30
    with mpmath.workdps(40):
        assert abs(c.zeta2.value - mpmath.pi / (mpmath.pi - 2)) < mpmath.mpf(10) ** -29


@pytest.mark.parametrize("act", ["tanh", "gelu", "Abs(x)", "sin", "sigmoid"])
def test_zeta_mm_identity_against_direct_quadrature(act):
    # ζ_MM² = ζ_PW/(η_PW − ζ_PW) from the Gaussian-moment engine, against μ1²/μ*² with
    # μ*² = Eσ² − μ0² − μ1² integrated here directly (mpmath tanh-sinh, 25 digits)
    from rmtsym.activation import parse_activation
    c = activation_coefficients(act, dps=20)
    f = parse_activation(act).mpmath_function()
    with mpmath.workdps(25):
        w = lambda g, z: g(z) * mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
        m0 = mpmath.quad(lambda z: w(f, z), [-mpmath.inf, 0, mpmath.inf])
        m1 = mpmath.quad(lambda z: z * w(f, z), [-mpmath.inf, 0, mpmath.inf])
        m2 = mpmath.quad(lambda z: f(z) * w(f, z), [-mpmath.inf, 0, mpmath.inf])
        ms2 = m2 - m0 ** 2 - m1 ** 2
        assert abs(c.mu0.value - m0) < 1e-15
        assert abs(c.mu1.value - m1) < 1e-15  # the sign too
        assert abs(c.mu_star2.value - ms2) < 1e-14
        assert abs(c.zeta2.value - m1 ** 2 / ms2) < 1e-12 * (1 + m1 ** 2 / ms2)


def test_zeta_zero_activation_and_affine_refusal(coeffs):
    assert coeffs["Abs(x)"].zeta2.value == 0 and coeffs["Abs(x)"].exact["zeta2"] == 0
    with pytest.raises(ParameterError, match="affine"):
        generalization("x + 1", 1, 1, 0.1)
    with pytest.raises(ActivationError, match="free parameters"):
        activation_coefficients("Max(x, a*x)")
    c = activation_coefficients("Max(x, x/10)")
    assert abs(_f(c.mu1) - 0.55) < 1e-12  # leaky ReLU: μ1 = (1 + a)/2


# ----------------------------------------------------------------------------- the fixed point

POINTS = [(2.75, 1.5, 1.5, 0.11), (2.75, 0.5, 2.0, 1e-4), (0.0, 3.0, 1.5, 0.01), (13.4, 1.0, 1.0, 1e-3),
          (0.4, 10.0, 0.3, 5.0), (2.75, 1.5, 1.5, 1e3)]


@pytest.mark.parametrize("z2,p1,p2,lb", POINTS)
def test_reduced_root_equals_the_continued_complex_solution(z2, p1, p2, lb):
    # two different methods for the same (ν1, ν2): the unique root of the reduced equation in its
    # bracket, and complex 2-D Newton continued from ξ = 50i down the imaginary axis
    u, w, s = fixed_point_numpy(z2, p1, p2, lb)
    n1, n2 = fixed_point_continuation(z2, p1, p2, 1j * math.sqrt(p1 * p2 * lb))
    assert abs(n1 - 1j * (p1 - w) / s) < 1e-11 * abs(n1)
    assert abs(n2 - 1j * (p2 - w) / s) < 1e-11 * abs(n2)
    assert abs(-(n1 * n2).real - u) < 1e-11 * u and abs((n1 * n2).imag) < 1e-12 * u
    # the original equations hold
    g = z2 / (1 - z2 * n1 * n2)
    xi = 1j * s
    assert abs(n1 - p1 / (-xi - n2 - n2 * g)) < 1e-12 * abs(n1)
    assert abs(n2 - p2 / (-xi - n1 - n1 * g)) < 1e-12 * abs(n2)


def test_continuation_off_the_axis_stays_in_the_upper_half_plane():
    for xi in (0.3 + 0.05j, -1.2 + 0.2j, 2.0 + 1.0j):
        n1, n2 = fixed_point_continuation(2.0, 1.2, 0.8, xi)
        g = 2.0 / (1 - 2.0 * n1 * n2)
        assert n1.imag > 0 and n2.imag > 0
        assert abs(n1 * (-xi - n2 - n2 * g) - 1.2) < 1e-10


def test_numpy_curve_matches_the_30_and_50_digit_paths(coeffs):
    c = coeffs["relu"]
    z2, ms2 = _f(c.zeta2), _f(c.mu_star2)
    p1 = np.array([0.3, 1.0, 1.49, 1.5, 1.51, 4.0])
    fast = risk_numpy(z2, ms2, p1, 1.5, 1e-3, 1.0, 0.4, 0.2)
    for i, a in enumerate(p1):
        r30 = mm_risk(c.zeta2.value, c.mu_star2.value, a, 1.5, "0.001", 1, "0.4", "0.2", dps=30)
        r50 = mm_risk(c.zeta2.value, c.mu_star2.value, a, 1.5, "0.001", 1, "0.4", "0.2", dps=50)
        for key in ("test_risk", "bias", "variance", "train_error"):
            v30, v50 = getattr(r30, key).value, getattr(r50, key).value
            assert abs(fast[key][i] - float(v30)) <= 1e-11 * abs(float(v30))
            with mpmath.workdps(60):
                # the 30-digit result carries at most the ζ² digits (30): agreement to 1e-27
                assert abs(v30 - v50) <= mpmath.mpf(10) ** -27 * abs(v50)
        assert r30.test_risk.digits >= 25


def test_ridgeless_limit_is_the_limit_of_small_ridge():
    z2, ms2 = 2.75, 0.09
    for p1 in (0.5, 3.0):
        b0, v0, *_ = bias_variance_numpy(z2, p1, 1.5, 0.0)
        b1, v1, *_ = bias_variance_numpy(z2, p1, 1.5, 1e-10)
        assert abs(b0 - b1) < 1e-7 and abs(v0 - v1) < 1e-7
    b, v, *_ = bias_variance_numpy(z2, 1.5, 1.5, 0.0)
    assert np.isinf(b) and np.isinf(v)
    r = risk_numpy(z2, ms2, 1.5, 1.5, 0.0, signal=0.0, noise=0.0, nonlinear=0.0)
    assert r["test_risk"] == 0  # no target: 0·∞ counts as 0


# ----------------------------------------------------------------------------- closed-form limits

def test_large_ridge_series_agrees_with_the_direct_derivation_and_the_fixed_point():
    b_ser, v_ser = large_ridge_series(3)
    lead = large_ridge_leading()
    t = SYMBOLS["t"]
    # leading terms derived from the model (Fᵀy/(nρ) to first order) = the fixed-point series
    assert sp.simplify(sp.series(b_ser, t, 0, 2).removeO() - lead["B"]) == 0
    assert sp.simplify(sp.series(v_ser, t, 0, 3).removeO() - lead["V"]) == 0
    z2, p1, p2 = 2.75, 1.5, 0.7
    subs = {SYMBOLS["zeta2"]: z2, SYMBOLS["psi1"]: p1, SYMBOLS["psi2"]: p2}
    errs = []
    with mpmath.workdps(50):
        for lb in (10 ** 3, 10 ** 4):
            r = mm_risk(z2, 1, p1, p2, lb, dps=40)  # μ*² = 1: λ̄ = λ
            tt = sp.Rational(1, lb)
            bs = sp.N(b_ser.subs(subs).subs(t, tt), 45)
            vs = sp.N(v_ser.subs(subs).subs(t, tt), 45)
            errs.append((abs(r.bias.value - mpmath.mpf(str(bs))), abs(r.variance.value - mpmath.mpf(str(vs)))))
    for k in range(2):  # the remainder of a 3rd-order series is O(t⁴): 10× in λ̄ gives 10⁴× less
        ratio = errs[0][k] / errs[1][k]
        assert 3e3 < ratio < 3e4, (k, errs)
    r = risk_numpy(z2, 0.09, 1.0, 2.0, 1e8, 1.3, 0.4, 0.2)
    assert abs(r["test_risk"] - 1.5) < 1e-6 and abs(r["train_error"] - 1.9) < 1e-6


@pytest.mark.parametrize("z2,lb", [(2.75, 0.01), (2.75, 1.0), (13.4, 0.1), (0.3, 1e-3)])
def test_kernel_ridge_limit_psi1_to_infinity(z2, lb):
    for p2 in (0.5, 2.0):
        bk, vk = kernel_limit(z2, p2, lb, dps=20)
        diffs = []
        for p1 in (1e4, 1e5):
            b, v, *_ = bias_variance_numpy(z2, p1, p2, lb)
            diffs.append(abs(b - _f(bk)) + abs(v - _f(vk)))
        assert diffs[1] < 1e-3 * (1 + _f(vk))
        assert diffs[0] / diffs[1] > 5  # converges like 1/ψ1
    bk, vk = kernel_limit(0, 1.0, 0.1)
    assert bk.value == 1 and vk.value == 0


@pytest.mark.parametrize("z2,lb", [(2.75, 0.01), (2.75, 1.0), (13.4, 0.1), (0.3, 1e-3)])
def test_infinite_data_limit_psi2_to_infinity(z2, lb):
    for p1 in (0.5, 2.0):
        bd, vd = infinite_data_limit(z2, p1, lb, dps=20)
        diffs = []
        for p2 in (1e4, 1e5):
            b, v, *_ = bias_variance_numpy(z2, p1, p2, lb)
            diffs.append(abs(b - _f(bd)) + abs(v))
        assert diffs[1] < 1e-3
        assert diffs[0] / diffs[1] > 5


def test_training_error_limits():
    z2, ms2 = 2.75, 0.09
    for p1, p2 in ((0.5, 1.5), (3.0, 1.5)):
        r = risk_numpy(z2, ms2, p1, p2, 0.0, 1.0, 0.3, 0.2)
        expected = (r["test_risk"] + 0.3) * (1 - p1 / p2) ** 2 if p1 < p2 else 0.0
        assert abs(r["train_error"] - expected) < 1e-12
        assert abs(r["dof"] - min(p1, p2)) < 1e-12  # df/d = rank/d at λ = 0


# ------------------------------------------- training error against the Pennington–Worah law

@pytest.mark.parametrize("act,p1,p2,lam", [("relu", 1.5, 1.5, "0.01"), ("tanh", 0.5, 2, "0.1"),
                                           ("Abs(x)", 3, 1, "1")])
def test_training_error_identity_against_pennington_worah(coeffs, act, p1, p2, lam):
    # m(ρ) = (1/n) tr(FFᵀ/n + ρ)^{-1} = −G_m(−ρ), G_m the PW Stieltjes transform of the n×n
    # matrix FFᵀ/n (η = μ1² + μ*², ζ_PW = μ1², φ = 1/ψ2, ψ = 1/ψ1): an independent theory.
    # Mei–Montanari: ρ m = 1 − w/ψ2, and the exact noise part ρ²(1/n)tr(FFᵀ/n + ρ)^{-2}
    # equals (1 + V)(1 − w/ψ2)² (the GCV identity used for the training error).
    from rmtsym.applications.memorization import stieltjes_negative_axis
    c = coeffs[act]
    dps = 30
    with mpmath.workdps(dps + 10):
        eta, zpw = c.eta_pw.value, c.zeta_pw.value
        phi, psi = 1 / mpmath.mpf(p2), 1 / mpmath.mpf(p1)
        rho = mpmath.mpf(p1) * mpmath.mpf(lam)
        g, dg = stieltjes_negative_axis(eta, zpw, phi, psi, rho, dps=dps)
        k = phi / psi
        gm = k * g.value + (1 - k) / (-rho)
        dgm = k * dg.value - (1 - k) / rho ** 2
        m, m2 = -gm, -dgm
        r = mm_risk(c.zeta2.value, c.mu_star2.value, p1, p2, lam, 1, 1, 0, dps=dps)
        q = 1 - r.dof.value / p2
        assert abs(rho * m - q) < mpmath.mpf(10) ** -24
        assert abs(rho ** 2 * m2 - (1 + r.variance.value) * q ** 2) < mpmath.mpf(10) ** -24


# ----------------------------------------------------------------------------- simulation

def _zscores(sim, th, keys=("test_risk", "train_error", "bias", "variance")):
    return {k: (getattr(sim, k) - th[k]) / getattr(sim, k + "_se") for k in keys}


def _check_against_simulation(coeffs, d, seeds, allowance):
    """|sim − theory| ≤ 4 se + allowance/d · scale at ψ2 = 1.5, ψ1 = 0.6 and 3 (both sides of
    the interpolation threshold), λ = 1e-3, 0.1, 1 and the ridgeless limit λ = 0 (minimum-norm
    least squares / interpolator)."""
    lams = np.array([0.0, 1e-3, 1e-1, 1.0])
    target = dict(signal=1.0, noise=0.3, nonlinear=0.2)
    scale = {"test_risk": 1.5, "train_error": 1.5, "bias": 1.0, "variance": 1.0}
    worst, zs = 0.0, []
    for act in ACTS:
        c = coeffs[act]
        for p1 in (0.6, 3.0):
            sim = simulate_points(act, p1, 1.5, lams, d, seeds=seeds, seed=11, **target)
            th = risk_numpy(_f(c.zeta2), _f(c.mu_star2), p1, 1.5, lams, **target)
            for k, z in _zscores(sim, th).items():
                dev = np.abs(getattr(sim, k) - th[k])
                # + 1e-10: the interpolation training error is 0 up to rounding (≈ 1e-29)
                tol = 4 * getattr(sim, k + "_se") + allowance / d * scale[k] + 1e-10
                assert np.all(dev <= tol), (act, p1, k, getattr(sim, k), th[k], getattr(sim, k + "_se"))
                worst = max(worst, float(np.max(np.abs(z))))
                if k == "test_risk":
                    zs.extend(z.tolist())
    return worst, float(np.sqrt(np.mean(np.square(zs))))


def test_risk_matches_simulation_small(coeffs, single_thread_blas):
    # d = 100 (N, n ≤ 300), 6 draws: the default-run check.  Besides 4 standard errors the
    # tolerance allows a finite-size bias 2/d (times the target power): the mean-feature
    # direction (μ0 ≠ 0) and the O(1/d) corrections of the proportional limit fit about one
    # extra degree of freedom, which moves a squared error by O(1/n); test_one_over_d_extrapolation
    # measures the 1/d slope (|b| < 2 for the risk).  A wrong risk (e.g. λ not divided by μ*², or
    # ζ_PW used for ζ_MM) is off by 10–100 %, far outside.
    worst, rms = _check_against_simulation(coeffs, 100, 6, allowance=2.0)
    assert rms < 2.0


@pytest.mark.slow
def test_risk_matches_simulation_d300(coeffs, single_thread_blas):
    # d = 300 (N up to 900, n = 450), 24 draws: within Monte Carlo error (4 se, no allowance)
    worst, rms = _check_against_simulation(coeffs, 300, 24, allowance=0.0)
    assert rms < 2.0


@pytest.mark.slow
def test_risk_matches_simulation_d600_relu(coeffs, single_thread_blas):
    c = coeffs["relu"]
    lams = np.array([1e-3, 1e-2, 1e-1, 1.0])
    for p1 in (0.75, 2.5):
        sim = simulate_points("relu", p1, 1.5, lams, 600, seeds=16, seed=3, signal=1, noise=0.5)
        th = risk_numpy(_f(c.zeta2), _f(c.mu_star2), p1, 1.5, lams, 1, 0.5, 0)
        for k, z in _zscores(sim, th, ("test_risk", "train_error")).items():
            assert np.all(np.abs(z) < 4), (p1, k, z)


@pytest.mark.slow
def test_one_over_d_extrapolation(coeffs, single_thread_blas):
    # an independent second computation of R: simulations at d = 75 … 600 extrapolated to d = ∞
    # by a weighted fit a + b/d; a agrees with the fixed point within 3 standard errors of the fit
    c = coeffs["relu"]
    p1, p2, lam = 2.0, 1.5, 0.1
    ds = np.array([75, 150, 300, 600])
    seeds = [48, 32, 16, 12]
    means, ses = [], []
    for d, s in zip(ds, seeds):
        sim = simulate_points("relu", p1, p2, lam, int(d), seeds=s, seed=5, signal=1, noise=0.5)
        means.append(sim.test_risk[0])
        ses.append(sim.test_risk_se[0])
    A = np.stack([np.ones(len(ds)), 1 / ds], axis=1) / np.array(ses)[:, None]
    coef, *_ = np.linalg.lstsq(A, np.array(means) / np.array(ses), rcond=None)
    cov = np.linalg.inv(A.T @ A)
    th = risk_numpy(_f(c.zeta2), _f(c.mu_star2), p1, p2, lam, 1, 0.5, 0)["test_risk"]
    assert abs(coef[0] - th) < 3 * math.sqrt(cov[0, 0]), (coef, th, math.sqrt(cov[0, 0]))
    assert abs(coef[1]) < 2 * 1.5 + 3 * math.sqrt(cov[1, 1])  # the finite-size slope behind 2/d


def test_gaussian_inputs_give_the_same_limit(coeffs, single_thread_blas):
    c = coeffs["tanh"]
    lams = np.array([1e-2, 1.0])
    sim = simulate_points("tanh", 2.0, 1.0, lams, 100, seeds=6, seed=2, inputs="gaussian", signal=1, noise=0.2)
    th = risk_numpy(_f(c.zeta2), _f(c.mu_star2), 2.0, 1.0, lams, 1, 0.2, 0)
    assert np.all(np.abs(sim.test_risk - th["test_risk"]) <= 4 * sim.test_risk_se + 3.0 / 100)


def test_simulator_refuses_huge_sizes_before_allocating():
    with pytest.raises(ParameterError, match="GiB"):
        check_memory(100000, 100000, 100000, 1000, 3, 2)
    with pytest.raises(ParameterError, match="hours"):
        check_memory(3000, 9000, 9000, 1000, 1, 50, max_bytes=10 ** 12)
    with pytest.raises(ParameterError):
        simulate_points("relu", 1.0, 1.0, 0.1, 200000, seeds=2)
    with pytest.raises(ParameterError):
        simulate_points("relu", 1.0, 1.0, -0.1, 50)
    with pytest.raises(ParameterError):
        simulate_points("relu", float("nan"), 1.0, 0.1, 50)
    with pytest.raises(ParameterError):
        check_point(1.0, 0.0)


# ----------------------------------------------------------------------------- given data (LLC)

def _anisotropic_data(n, nt, d, seed=5):
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((2, d)) * 0.4
    lab = rng.integers(0, 2, n + nt)
    scales = np.linspace(0.5, 1.5, d)
    X = rng.standard_normal((n + nt, d)) * scales + means[lab]
    y = (2 * lab - 1.0) + 0.3 * rng.standard_normal(n + nt)
    return X[:n], y[:n], X[n:], y[n:]


def test_feature_kernel_closed_forms_match_the_hermite_series():
    X, *_ = _anisotropic_data(40, 0, 30)
    # the same functions written so that the closed forms are not recognised
    for closed, general in (("relu", "(x + Abs(x))/2"), ("erf", "1 - erfc(x)"), ("Abs(x)", "2*Max(x, 0) - x"),
                            ("x", "Abs(x)*sign(x)")):
        a = feature_kernel(closed, X)
        b = feature_kernel(general, X)
        assert a.method.startswith("closed form") and b.method.startswith("Hermite")
        assert np.max(np.abs(a.values - b.values)) < 1e-6 + b.error_bound


def test_llc_matches_simulation_on_given_data(single_thread_blas):
    # fixed data (Gaussian mixture with unequal variances), only the weights drawn: the
    # deterministic equivalent is conditional on the data, so the simulation error is the
    # weight average only.  n = 300, N = 240, d = 150.
    X, y, Xt, yt = _anisotropic_data(300, 300, 150)
    lams = [1e-2, 1e-1, 1.0]
    for act, rel in (("tanh", 0.0), ("erf", 0.0), ("relu", 0.03)):
        th = llc_errors(act, X, y, 240, lams, Xt, yt)
        sim = simulate_given_data(act, X, y, 240, lams, Xt, yt, seeds=12, seed=1)
        # tanh, erf: 4 se; ReLU: + 3 % (its finite-size bias at n = 300; 1 % at n = 800, slow test)
        assert np.all(np.abs(th.train_error - sim.train_error) <= 4 * sim.train_error_se + rel * th.train_error)
        assert np.all(np.abs(th.test_error - sim.test_error) <= 4 * sim.test_error_se + rel * th.test_error)
        assert np.all(th.denominator > 0) and np.all(th.denominator <= 1)


def test_llc_wrong_denominator_is_far_from_simulation(single_thread_blas):
    # the trap: 1 − ((1/N) tr ΨQ̄)² instead of 1 − (1/N) tr(ΨQ̄ΨQ̄) (N = 150 < n = 300, small ridge,
    # where the correction term matters: the wrong reading gives 0.45 instead of 0.088)
    X, y, _, _ = _anisotropic_data(300, 0, 150)
    N, lam = 150, 1e-3
    th = llc_errors("tanh", X, y, N, lam)
    sim = simulate_given_data("tanh", X, y, N, lam, seeds=12, seed=1)
    phi, U = np.linalg.eigh(feature_kernel("tanh", X).values)
    phi = np.clip(phi, 0, None)
    n, d = X.shape
    g = N / d * lam
    psi = (N / n) * phi / (1 + th.delta[0])
    q = 1 / (psi + g)
    yy = (U.T @ y) ** 2
    wrong_den = 1 - (np.sum(psi * q) / N) ** 2
    k = np.sum(psi * q ** 2) / N / wrong_den
    wrong = g ** 2 / n * np.sum(q ** 2 * (k * psi + 1) * yy)
    right_den = 1 - np.sum(psi ** 2 * q ** 2) / N
    assert abs(right_den - th.denominator[0]) < 1e-12
    assert abs(th.train_error[0] - sim.train_error[0]) < 4 * sim.train_error_se[0]
    assert abs(wrong - sim.train_error[0]) > 10 * sim.train_error_se[0]


@pytest.mark.slow
def test_llc_relu_at_larger_size(single_thread_blas):
    X, y, Xt, yt = _anisotropic_data(800, 400, 400, seed=6)
    lams = [1e-2, 1e-1, 1.0]
    th = llc_errors("relu", X, y, 600, lams, Xt, yt)
    sim = simulate_given_data("relu", X, y, 600, lams, Xt, yt, seeds=12, seed=2)
    assert np.all(np.abs(th.train_error - sim.train_error) <= 4 * sim.train_error_se + 0.01 * th.train_error)
    assert np.all(np.abs(th.test_error - sim.test_error) <= 4 * sim.test_error_se + 0.01 * th.test_error)


@pytest.mark.slow
def test_llc_on_sphere_data_agrees_with_mei_montanari(coeffs):
    # two theories of the same regression: LLC conditional on data, averaged over 4 data draws,
    # against Mei–Montanari's limit (d = 400, ψ1 = 0.75, ψ2 = 1.5, τ² = 0.5)
    c = coeffs["tanh"]
    d, lams = 400, [1e-2, 1e-1, 1.0]
    n, N = 600, 300
    rng = np.random.default_rng(3)
    tests, trains = [], []
    for _ in range(4):
        def sph(m):
            g = rng.standard_normal((m, d))
            return g * math.sqrt(d) / np.linalg.norm(g, axis=1, keepdims=True)
        X, Xt = sph(n), sph(1500)
        beta = rng.standard_normal(d)
        beta /= np.linalg.norm(beta)
        y = X @ beta + math.sqrt(0.5) * rng.standard_normal(n)
        r = llc_errors("tanh", X, y, N, lams, Xt, Xt @ beta)
        tests.append(r.test_error)
        trains.append(r.train_error)
    mm = risk_numpy(_f(c.zeta2), _f(c.mu_star2), N / d, n / d, lams, 1, 0.5, 0)
    assert np.all(np.abs(np.mean(tests, axis=0) - mm["test_risk"]) < 0.05 * mm["test_risk"])
    assert np.all(np.abs(np.mean(trains, axis=0) - mm["train_error"]) < 0.05 * mm["train_error"])


def test_llc_bad_input():
    X, y, Xt, yt = _anisotropic_data(20, 10, 5)
    with pytest.raises(ParameterError, match="positive"):
        llc_errors("tanh", X, y, 10, 0.0)
    with pytest.raises(ParameterError, match="one row per sample"):
        llc_errors("tanh", X, y[:5], 10, 0.1)
    with pytest.raises(ParameterError, match="both"):
        llc_errors("tanh", X, y, 10, 0.1, Xt, None)
    with pytest.raises(ParameterError, match="finite"):
        llc_errors("tanh", np.full((3, 2), np.nan), [1, 2, 3], 4, 0.1)


# ----------------------------------------------------------------------------- the front end

def test_generalization_front_end_grid_and_limits(coeffs):
    g = generalization("relu", [0.5, 2], "1.5", ["0.01", "0.1"], signal=1, noise="0.3", dps=20,
                       coefficients=coeffs["relu"])
    assert len(g.points) == 4 and g.points[1][0] == 2 and float(g.points[2][2]) == 0.1
    js = g.as_json()
    assert len(js["test_risk"]) == 4 and js["grid_order"].startswith("ridge outermost")
    fast = risk_numpy(_f(coeffs["relu"].zeta2), _f(coeffs["relu"].mu_star2), [0.5, 2, 0.5, 2], 1.5,
                      [0.01, 0.01, 0.1, 0.1], 1, 0.3, 0)
    assert np.allclose([float(v) for v in js["test_risk"]], fast["test_risk"], rtol=1e-12)
    one = generalization("relu", 2, 1.5, 0.1, coefficients=coeffs["relu"]).as_json()
    lim = one["limits"]
    assert set(lim) == {"psi1_to_infinity", "psi2_to_infinity", "ridge_to_infinity"}
    with pytest.raises(ParameterError):
        generalization("relu", 1, 1, -1, coefficients=coeffs["relu"])
    with pytest.raises(ParameterError):
        generalization("relu", 1, 1, 0.1, noise=-0.5, coefficients=coeffs["relu"])
    with pytest.raises(ParameterError):
        generalization("relu", 1, "nan", 0.1, coefficients=coeffs["relu"])


def test_coefficients_from_values():
    c = coefficients_from_values(0.0, 0.5, 0.25)
    assert float(c.zeta2.value) == 1.0
    with pytest.raises(ParameterError):
        coefficients_from_values(0, 1, -1)
