"""Tests of the memorization loss E_train(γ) = 1 − φ/ψ − (φ/ψ)γ²G′(−γ) (docs/theory.md §1.7).

Three independent routes are compared with the implementation (continuation on the
quartic + implicit derivative):
  * closed forms: ζ = 0 is Marchenko–Pastur (explicit quadratic, differentiated by SymPy);
  * high-precision quadrature: the Silverstein form of §2 integrated against the explicit
    MP_{1/ψ} density with mpmath, solved by findroot and differentiated numerically;
  * Monte Carlo of the actual random features (trace formula, and an actual ridge solve).
"""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from rmtsym.applications import memorization as mem
from rmtsym.errors import ParameterError, RmtsymError

# tanh at σ = 1 (docs/theory.md §6, 45-digit quadrature there); used as plain numbers so the
# Monte Carlo checks do not depend on the gaussian engine
TANH_ETA, TANH_ZETA = 0.3942944904, 0.3668791644
RELU_ETA, RELU_ZETA = (math.pi - 1) / (2 * math.pi), 0.25

ZETAS = [1, 0.9, 0.7, 0.5, 0.3, 0.1, 0]
# docs/theory.md §1.7 reference table (η = 1)
TABLE = {
    (0.5, 0.5, 0.01): [.5005, .1142, .0718, .0593, .0532, .0504, .0499],
    (1, 0.5, 0.1): [.1485, .0584, .0267, .0179, .0141, .0125, .0123],
}


@pytest.mark.parametrize("row", list(TABLE))
def test_reference_table_high_precision(row):
    phi, psi, gamma = row
    for zeta, expected in zip(ZETAS, TABLE[row]):
        value = mem.train_loss(1, zeta, phi, psi, gamma, dps=30)
        assert abs(float(value) - expected) <= 0.5e-4 + 1e-12, (row, zeta, float(value))


@pytest.mark.parametrize("row", list(TABLE))
def test_reference_table_numpy_path(row):
    phi, psi, gamma = row
    values = mem.curve_over_zeta_ratio(ZETAS, phi, psi, gamma)
    np.testing.assert_allclose(values, TABLE[row], atol=0.5e-4 + 1e-12)


def _mp_closed_form(eta, c, gamma, dps):
    """E_train for ζ = 0: G solves cηzG² − (z − η(1 − c))G + 1 = 0 (docs/theory.md §1.5)."""
    G, zz = sp.symbols("G zz")
    e, cc = sp.nsimplify(eta), sp.nsimplify(c)
    sols = sp.solve(cc * e * zz * G**2 - (zz - e * (1 - cc)) * G + 1, G)
    g = sp.nsimplify(gamma)
    for s in sols:
        val = sp.N(s.subs(zz, -g), dps + 10)
        # physical branch on the negative axis: −1/γ ≤ G(−γ) < 0 and G ~ 1/z at infinity
        if val.is_real and -1 / g <= val < 0 and sp.limit(s * zz, zz, -sp.oo) == 1:
            dg = sp.N(sp.diff(s, zz).subs(zz, -g), dps + 10)
            return 1 - cc - cc * g**2 * dg
    raise AssertionError("no physical branch")


@pytest.mark.parametrize("eta,c,gamma", [(1, "0.5", "0.01"), (2, "2", "0.3"), ("0.7", "1", "1e-3")])
def test_zeta_zero_is_marchenko_pastur_closed_form(eta, c, gamma):
    # ζ = 0 gives Marchenko–Pastur with ratio c = φ/ψ and scale η exactly; 25 digits at dps 30
    psi = sp.Rational(1, 2)
    phi = sp.nsimplify(c) * psi
    exact = _mp_closed_form(eta, sp.nsimplify(c), sp.nsimplify(gamma), 30)
    value = mem.train_loss(eta, 0, str(sp.N(phi, 40)), "0.5", gamma, dps=30)
    assert value.digits >= 25
    with mpmath.workdps(40):
        assert abs(value.value - mpmath.mpf(str(sp.N(exact, 40)))) < mpmath.mpf(10) ** -25


def _silverstein_loss(eta, zeta, phi, psi, gamma, dps=20):
    """Independent route: Silverstein form of docs/theory.md §2 by mpmath quadrature.

    s(z) = ∫ dMP_{1/ψ}(λ)/((ζλ + η − ζ)(1 − c − c z s) − z), G = −s, c = φ/ψ; MP_{1/ψ} has
    ratio r = 1/ψ, density √((b − λ)(λ − a))/(2π r λ) on [(1 − √r)², (1 + √r)²] and an
    atom 1 − ψ at 0 when ψ < 1. G′ by mpmath's numerical differentiation.
    """
    with mpmath.workdps(dps):
        eta, zeta, phi, psi, gamma = map(mpmath.mpf, (eta, zeta, phi, psi, gamma))
        c, r = phi / psi, 1 / psi
        a, b = (1 - mpmath.sqrt(r)) ** 2, (1 + mpmath.sqrt(r)) ** 2
        atom = max(0, 1 - psi)

        def integral(fun):
            # λ = (a+b)/2 + (b−a)/2 cos θ makes the square-root edges smooth
            mid, half = (a + b) / 2, (b - a) / 2

            def integrand(th):
                lam = mid + half * mpmath.cos(th)
                dens = half * mpmath.sin(th) / (2 * mpmath.pi * r * lam)
                return fun(lam) * dens * half * mpmath.sin(th)

            return mpmath.quad(integrand, [0, mpmath.pi]) + atom * fun(mpmath.mpf(0))

        def G(zz):
            def eq(s):
                return s - integral(lambda lam: 1 / ((zeta * lam + eta - zeta) * (1 - c - c * zz * s) - zz))

            s0 = -mem.stieltjes_negative_axis(float(eta), float(zeta), float(phi), float(psi),
                                              float(-zz), dps=15)[0].value
            return -mpmath.findroot(eq, mpmath.mpf(s0))

        dg = mpmath.diff(G, -gamma)
        return 1 - c - c * gamma**2 * dg


@pytest.mark.parametrize("eta,zeta,phi,psi,gamma", [
    (TANH_ETA, TANH_ZETA, 0.5, 0.5, 0.01),
    (RELU_ETA, RELU_ZETA, 2.0, 0.5, 0.05),
    (1.0, 0.6, 0.5, 2.0, 1.0),
])
def test_against_silverstein_quadrature(eta, zeta, phi, psi, gamma):
    # the quadrature + findroot + numerical derivative route is good to ≈ 1e-12 at 20 digits
    ref = _silverstein_loss(eta, zeta, phi, psi, gamma)
    value = mem.train_loss(eta, zeta, phi, psi, gamma, dps=25)
    with mpmath.workdps(25):
        assert abs(value.value - ref) < 1e-11 * max(1, abs(ref))


def test_high_precision_is_self_consistent_across_dps():
    lo = mem.train_loss(TANH_ETA, TANH_ZETA, 1, 0.5, "0.001", dps=20)
    hi = mem.train_loss(TANH_ETA, TANH_ZETA, 1, 0.5, "0.001", dps=60)
    assert hi.digits >= 40
    with mpmath.workdps(60):
        assert abs(lo.value - hi.value) < mpmath.mpf(10) ** -17 * abs(hi.value)


def test_numpy_path_matches_mpmath():
    gam = np.array([1e-3, 1e-2, 0.1, 1.0, 10.0])
    for phi, psi in [(0.5, 0.5), (1, 0.5), (2, 0.5), (0.5, 2)]:
        fast = mem.curve_over_gamma(TANH_ETA, TANH_ZETA, phi, psi, gam)
        slow = [float(mem.train_loss(TANH_ETA, TANH_ZETA, phi, psi, g, dps=20)) for g in gam]
        # double precision: 1 − c − cγ²G′ cancels terms of size c, so an absolute 1e-11·c
        np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-11 * phi / psi)


def test_limits_exact_and_approached():
    # nonlinear, n1 < m: 1 − φ/ψ
    assert mem.train_loss_limits(1, sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(1, 2)) == {
        "gamma_to_0": sp.Rational(1, 2), "gamma_to_infinity": 1}
    # nonlinear, n1 ≥ m: 0
    assert mem.train_loss_limits(1, sp.Rational(1, 2), 1, sp.Rational(1, 2))["gamma_to_0"] == 0
    # linear f (η = ζ): rank ≤ n0 too, so 1 − φ when φ < φ/ψ
    assert mem.train_loss_limits(1, 1, sp.Rational(1, 2), sp.Rational(1, 2))["gamma_to_0"] == sp.Rational(1, 2)
    assert mem.train_loss_limits(1, 1, sp.Rational(1, 2), sp.Rational(1, 4))["gamma_to_0"] == sp.Rational(1, 2)
    # the formula approaches them
    small, large = 1e-7, 1e6
    for eta, zeta, phi, psi in [(1, .5, .25, .5), (1, .5, 1, .5), (1, 1, .5, .25), (TANH_ETA, TANH_ZETA, .5, 2)]:
        lim = mem.train_loss_limits(eta, zeta, phi, psi)
        lo = mem.train_loss_numpy(eta, zeta, phi, psi, small)
        hi = mem.train_loss_numpy(eta, zeta, phi, psi, large)
        assert abs(lo - float(lim["gamma_to_0"])) < 1e-4, (eta, zeta, phi, psi, lo)
        assert abs(hi - 1) < 1e-4


def test_loss_decreases_as_eta_over_zeta_grows():
    # PW: more nonlinearity (larger η/ζ, i.e. smaller ζ/η) memorizes better
    ratios = np.linspace(0, 1, 21)
    for phi, psi, gamma in [(0.5, 0.5, 0.01), (1, 0.5, 0.1), (2, 1, 0.05), (0.3, 1, 1.0)]:
        curve = mem.curve_over_zeta_ratio(ratios, phi, psi, gamma)
        assert np.all(np.diff(curve) > 0), (phi, psi, gamma, curve)


def test_loss_increases_with_gamma_and_falls_with_width():
    gam = np.logspace(-3, 1, 30)
    curve = mem.curve_over_gamma(TANH_ETA, TANH_ZETA, 1, 0.5, gam)
    assert np.all(np.diff(curve) > 0) and np.all((curve > 0) & (curve < 1))
    widths = mem.curve_over_aspect(np.linspace(0.2, 3, 15), 0.5, TANH_ETA, TANH_ZETA, 0.01)
    assert np.all(np.diff(widths) < 0)


def test_bad_parameters():
    with pytest.raises(ParameterError):
        mem.train_loss(1, 0.5, 1, 1, 0)
    with pytest.raises(ParameterError):
        mem.train_loss(1, 1.5, 1, 1, 0.1)
    with pytest.raises(ParameterError):
        mem.train_loss(0, 0, 1, 1, 0.1)
    with pytest.raises(ParameterError):
        mem.curve_over_zeta_ratio([1.2], 1, 1, 0.1)


def test_quartic_matches_reference_transcription():
    # the loss uses pennington_worah.quartic; it must be the Q of docs/theory.md §1.4 (typed here)
    from rmtsym import symbols as S
    eta, zeta, phi, psi, G, z = S.eta, S.zeta, S.phi, S.psi, S.G, S.z
    ref = sp.expand(phi**2 * z**2 * zeta * (eta - zeta) * G**4
                    - phi * z * zeta * (psi * z + 2 * (eta - zeta) * (phi - psi)) * G**3
                    - (psi * z * (eta * phi * psi - 2 * phi * zeta + psi * zeta)
                       - zeta * (eta - zeta) * (phi - psi)**2) * G**2
                    + psi * (psi**2 * z + (eta * psi - zeta) * (phi - psi)) * G
                    - psi**3)
    q = mem._quartic_expr()
    assert sp.simplify(q / ref).free_symbols == set()


def _tanh_features(n0, phi, psi):
    def features(seed):
        # an independent simulation (not the package sampler): Y = tanh(WX), tanh is odd so
        # it is already centred; W entries N(0, 1/n0), X entries N(0, 1)
        rng = np.random.default_rng(seed)
        m, n1 = int(round(n0 / phi)), int(round(n0 / psi))
        W = rng.standard_normal((n1, n0)) / np.sqrt(n0)
        return np.tanh(W @ rng.standard_normal((n0, m)))
    return features


def test_small_simulation_trace_and_ridge():
    # n0 = 240: the finite-size bias of E_train measured at n0 = 200 and 800 scales like 1/n0
    # (≈ 1.3 % → 0.5 % at γ = 1e-3, φ = ψ = 0.5; ≈ 3 % → 1 % at γ = 0.01, φ/ψ = 2), so at n0 = 240 a 4 %
    # band plus 3 standard errors (MC error ~ 1/√seeds) is a justified tolerance
    gam = np.array([1e-2, 0.1, 1.0])
    for phi, psi in [(0.5, 0.5), (1.0, 0.5)]:
        theory = mem.curve_over_gamma(TANH_ETA, TANH_ZETA, phi, psi, gam)
        sim = mem.simulate_train_loss(None, phi, psi, gam, 240, seeds=3,
                                      features=_tanh_features(240, phi, psi))
        assert np.all(np.abs(sim.mean - theory) <= 0.04 * theory + 3 * sim.se), (phi, psi, sim.mean, theory)
    # the ridge solve on the same features agrees with the trace formula: 400 target rows,
    # relative MC error of the target average ≈ √(2/(400 m)) ≈ 0.2 %, so 2 %
    Y = _tanh_features(120, 0.5, 0.5)(7)
    for g in (0.01, 1.0):
        s = np.linalg.svd(Y, compute_uv=False)
        lam = np.zeros(Y.shape[1])
        lam[: s.size] = s**2 / Y.shape[1]
        trace = float(mem.trace_loss_from_gram_eigenvalues(lam, g))
        ridge = mem.ridge_train_loss(Y, g, n_targets=400, rng=3)
        assert abs(ridge - trace) < 0.02 * trace


def test_simulation_with_package_sampler():
    pytest.importorskip("rmtsym.sampler")
    gam = [0.05, 0.5]
    sim = mem.simulate_train_loss(np.tanh, 0.5, 1.0, gam, 200, seeds=2)
    theory = mem.curve_over_gamma(TANH_ETA, TANH_ZETA, 0.5, 1.0, gam)
    # φ/ψ = 0.5: bias ≲ 0.2 % at n0 = 200 (measured), so 2 % + 3 se
    assert np.all(np.abs(sim.mean - theory) <= 0.02 * theory + 3 * sim.se)


@pytest.mark.slow
@pytest.mark.parametrize("name,f,eta,zeta", [
    ("tanh", np.tanh, TANH_ETA, TANH_ZETA),
    ("relu", lambda u: np.maximum(u, 0) - 1 / np.sqrt(2 * np.pi), RELU_ETA, RELU_ZETA),
    ("sin", np.sin, (1 - math.exp(-2)) / 2, math.exp(-1)),
])
@pytest.mark.parametrize("phi,psi", [(0.5, 0.5), (0.5, 1.0), (1.0, 0.5), (2.0, 0.5)])
def test_simulation_within_one_percent(name, f, eta, zeta, phi, psi):
    # 1 % + 2 standard errors over γ ∈ [1e-3, 10]. Where the measured 1/n0 bias is largest
    # (φ/ψ > 1, γ ≤ 1e-2: ≈ 1.4 % at n0 = 800) n0 = 1600 brings it to ≈ 0.7 %.
    gam = np.array([1e-3, 1e-2, 0.1, 1.0, 10.0])
    n0 = 1600 if phi / psi > 1 else 800
    theory = mem.curve_over_gamma(eta, zeta, phi, psi, gam)

    def features(seed):
        rng = np.random.default_rng(1000 + seed)
        m, n1 = int(round(n0 / phi)), int(round(n0 / psi))
        W = rng.standard_normal((n1, n0)) / np.sqrt(n0)
        return f(W @ rng.standard_normal((n0, m)))

    sim = mem.simulate_train_loss(None, phi, psi, gam, n0, seeds=4, features=features)
    assert np.all(np.abs(sim.mean - theory) <= 0.01 * theory + 2 * sim.se), (name, sim.mean / theory - 1)


def test_memorization_for_an_activation_uses_gaussian_moments():
    res = mem.memorization("tanh(x)", "0.5", "0.5", ["0.01", "0.1"], dps=20)
    direct = [mem.train_loss(TANH_ETA, TANH_ZETA, 0.5, 0.5, g, dps=20) for g in (0.01, 0.1)]
    # η, ζ of tanh to 10 digits in the constants above: the loss agrees to ≈ 1e-9
    for a, b in zip(res.train_loss, direct):
        assert abs(float(a) - float(b)) < 1e-8
    # linear activation: rank ≤ n0, so the γ → 0 limit is 1 − φ (docs/theory.md §1.4 atom)
    lin = mem.memorization("x", "0.5", "0.25", ["1e-6"], dps=20)
    assert lin.limits["gamma_to_0"] == sp.Rational(1, 2)
    assert abs(float(lin.train_loss[0]) - 0.5) < 1e-4


def test_cli_memorization(capsys):
    import json
    from rmtsym.cli import main
    code = main(["memorization", "tanh(x)", "--phi", "1", "--psi", "0.5", "--gamma", "0.01,1",
                 "--simulate", "--n0", "120", "--seeds", "2", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["gamma"] == ["0.01", "1"] and len(data["train_loss"]) == 2
    assert abs(float(data["train_loss"][1]) - 0.516119234560381) < 1e-12
    assert data["limits"]["gamma_to_0_exact"] == "0"
    assert len(data["simulated"]) == 2 and len(data["simulated_se"]) == 2
    # n0 = 120: finite-size bias ≈ 5 % at γ = 0.01 (1/n0 scaling measured above), so 15 % here
    assert abs(float(data["simulated"][0]) / float(data["train_loss"][0]) - 1) < 0.15
    code = main(["memorization", "tanh(x)", "--phi", "1", "--psi", "0.5", "--gamma", "-1", "--json"])
    assert code == 2 and "gamma" in capsys.readouterr().err
    code = main(["memorization", "tanh(x)", "--phi", "1", "--psi", "0.5", "--gamma", "1", "--simulate"])
    assert code == 2 and "--n0" in capsys.readouterr().err
