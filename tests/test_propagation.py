"""Tests of the propagation of the data spectrum through layers (docs/theory.md §1.8).

Routes compared: exact moments from the S-transform series; moments at infinity of the
algebraic law built by scale/shift/mp_product; densities from the BranchSolver vs the
nested Silverstein fixed point; and numpy simulations of the actual deep network written
here, independently of the package sampler (plus one through the package simulator).
"""
import math

import numpy as np
import pytest
import sympy as sp

from rmtsym.applications import propagation as pr
from rmtsym.errors import ParameterError, RmtsymError
from rmtsym.symbols import x

TANH = sp.tanh(x)
RELU = sp.Max(x, 0)
F1 = -1 + sp.sqrt(5) * sp.exp(-2 * x**2)  # PW's f1: even, so ζ = 0 at every σ


def _narayana(c, k):
    return [sum(math.comb(n, j) * math.comb(n, j - 1) / n * c ** (j - 1) for j in range(1, n + 1))
            for n in range(1, k + 1)]


# ----------------------------------------------------------------------------- exact routes

def test_series_moments_match_algebraic_law_exactly():
    # rational layer parameters: both routes are exact, so equality is exact
    layers = [pr.Layer(1, sp.Rational(2), sp.Rational(9, 10), sp.Rational(1, 10), None),
              pr.Layer(2, sp.Rational(3, 2), sp.Rational(7, 10), sp.Rational(3, 10), None)]
    from rmtsym.algebraic import moments_at_infinity
    series = pr.series_layer_moments(sp.Rational(1, 2), layers, 5)
    eqs = pr.layer_equations(sp.Rational(1, 2), layers)
    assert [e.degree for e in eqs] == [2, 4, 8]
    for l in range(3):
        assert series[l] == moments_at_infinity(eqs[l], 5)


def test_series_moments_known_cases():
    # K_0 = XᵀX/n0 is MP_{1/φ}: Narayana moments
    assert pr.series_layer_moments(sp.Rational(1, 2), [], 4)[0] == [1, 3, 11, 45]
    # linear f (η = ζ = 1): K_1 = XᵀWᵀWX/n1, a product of Wisharts: m2 = 1 + m/n0 + m/n1
    phi, c1 = sp.Rational(1, 3), sp.Rational(5, 2)
    m = pr.series_layer_moments(phi, [pr.Layer(1, c1, 1, 0, None)], 3)[1]
    assert m[0] == 1 and m[1] == 1 + 1 / phi + c1
    # a ζ = 0 layer (a = 0) forgets its input: η·MP_c whatever came before
    layers = [pr.Layer(1, sp.Rational(2), sp.Rational(9, 10), sp.Rational(1, 10), None),
              pr.Layer(2, sp.Rational(3, 4), 0, sp.Rational(3, 2), None)]
    out = pr.series_layer_moments(sp.Rational(1, 2), layers, 4)[2]
    assert out == pr.mp_moments(sp.Rational(3, 4), sp.Rational(3, 2), 4)


def test_zeta_zero_layer_equation_is_marchenko_pastur():
    from rmtsym.pennington_worah import marchenko_pastur_equation
    layers = [pr.Layer(1, sp.Rational(2), sp.Rational(9, 10), sp.Rational(1, 10), None),
              pr.Layer(2, sp.Rational(3, 4), 0, sp.Rational(3, 2), None)]
    eq = pr.layer_equations(sp.Rational(1, 2), layers)[2]
    ref = marchenko_pastur_equation(sp.Rational(3, 4), sp.Rational(3, 2))
    ratio = sp.cancel(eq.poly.as_expr() / ref.poly.as_expr())
    assert ratio.is_number and ratio != 0


def test_propagate_tanh_routes_agree_and_densities():
    prop = pr.propagate(TANH, "0.5", 2, normalize=True, max_algebraic_layers=2, dps=20)
    from rmtsym.algebraic import moments_at_infinity
    for law in prop.laws:
        alg = moments_at_infinity(law.equation, 4)
        # parameters enter the algebraic law as 20-digit rationals
        assert all(abs(float(a) - float(b)) < 1e-12 * abs(float(b)) for a, b in zip(alg, law.moments))
    assert [law.degree for law in prop.laws] == [2, 4, 8]
    xs = np.linspace(0.05, 8, 25)
    for l in (1, 2):
        d_solver = prop.laws[l].density(xs, method="solver")
        d_fixed = prop.laws[l].density(xs, method="fixed_point", eps=1e-8)
        # the fixed point is evaluated at Im z = 1e-8, the solver at the real axis; they agree to
        # ≈ 1e-6 away from edges (the density has square-root edges: a few grid points near
        # the edge see O(√ε)); compare where the density is not tiny
        inside = d_solver > 1e-3
        np.testing.assert_allclose(d_fixed[inside], d_solver[inside], rtol=1e-4, atol=1e-6)
    # normalised tanh: η = 1 at every layer, ζ/η ≈ 0.93 (docs/theory.md §1.8)
    assert all(abs(float(l.moments.eta) - 1) < 1e-15 for l in prop.layers)
    assert abs(float(prop.layers[0].moments.zeta) - 0.3668791644 / 0.3942944904) < 1e-9


@pytest.mark.slow
def test_fixed_point_density_normalised_at_depth_four():
    # depth 4 (equation degree 32, not built): the fixed-point density integrates to the
    # continuous mass 1 − 1/c (c = m/n = 2: rank ≤ n) and reproduces m1 = 1, m2 from the series
    prop = pr.propagate(TANH, "0.5", 4, normalize=True, max_algebraic_layers=0, dps=20)
    law = prop.laws[4]
    sup = law.support()
    assert len(sup) == 1
    lo, hi = sup[0]
    # Gauss–Chebyshev (second kind) nodes in [lo, hi]: exact for √-edges times a polynomial,
    # and fast for densities with square-root edges (error ≈ 1e-4 with 400 nodes)
    n = 400
    k = np.arange(1, n + 1)
    th = k * np.pi / (n + 1)
    t = np.cos(th)
    xs = 0.5 * (lo + hi) + 0.5 * (hi - lo) * t
    w = np.pi / (n + 1) * np.sin(th) ** 2
    rho = law.density(xs, eps=1e-10)
    f = rho / np.sqrt(1 - t**2) * 0.5 * (hi - lo)
    mass, m1, m2 = (np.sum(w * f * xs**j) for j in range(3))
    assert abs(mass - 0.5) < 1e-3
    # K_4 has an atom 1/2 at 0, so the continuous part carries all of m1 and m2
    assert abs(m1 - float(law.moments[0])) < 1e-3
    assert abs(m2 - float(law.moments[1])) < 1e-3 * float(law.moments[1])


def test_linear_activation_atoms():
    # linear f: K_1 = XᵀWᵀWX/n1 with n1 < n0 < m has rank n1: atom 1 − n1/m at 0 (docs/theory.md §1.8 trap)
    prop = pr.propagate(x, "0.5", 1, psi=[2], dps=20)  # n1 = n0/2, m = 2 n0 → atom 3/4
    law = prop.laws[1]
    assert law.layer.b == 0
    atoms = law._solver().atoms()
    assert len(atoms) == 1 and abs(float(atoms[0][0])) < 1e-12 and abs(float(atoms[0][1]) - 0.75) < 1e-12
    lo, hi = law.support()[0]
    xs = np.linspace(lo, hi, 3001)
    cont = np.trapezoid(law.density(xs, method="fixed_point", eps=1e-9), xs)
    assert abs(cont - 0.25) < 2e-3


# ----------------------------------------------------------------------------- mean field

def test_mean_field_recursion():
    # q_1 = σw²σx², q_{l+1} = σw² η_l; ReLU has η(q) = q(π − 1)/(2π) exactly
    lm = pr.mean_field(RELU, 3, sigma_w=2, sigma_x=1)
    k = (sp.pi - 1) / (2 * sp.pi)
    assert sp.simplify(lm[0].q - 4) == 0
    assert sp.simplify(lm[1].q - 4 * 4 * k) == 0
    assert sp.simplify(lm[2].q - 4 * lm[1].eta) == 0
    assert sp.simplify(lm[2].zeta - lm[2].q / 4) == 0
    # normalised: η = 1 and q = 1 at every layer (σw = 1)
    norm = pr.mean_field(RELU, 3, normalize=True)
    assert all(sp.simplify(l.eta - 1) == 0 and sp.simplify(l.q - 1) == 0 for l in norm)


def _simulate(f, mu, phi, layers, n0, seeds, sigma_w=1.0, seed=0, input_cov=None):
    """Independent numpy simulation of K_0 … K_L: Y_l = f(W_l Y_{l−1}) − μ_l, K_l = Y_lᵀY_l/n_l."""
    m = int(round(n0 / phi))
    out = []
    for s in range(seeds):
        rng = np.random.default_rng(1000 * seed + s)
        Y = rng.standard_normal((n0, m))
        if input_cov is not None:
            Y = Y * np.sqrt(input_cov)[None, :]
        mom = []
        for l in range(layers + 1):
            if l:
                W = rng.standard_normal((n0, Y.shape[0])) * (sigma_w / math.sqrt(Y.shape[0]))
                Y = f(W @ Y) - mu[l - 1]
            lam = np.linalg.eigvalsh(Y.T @ Y / Y.shape[0])
            mom.append([np.mean(lam**k) for k in range(1, 5)])
        out.append(mom)
    out = np.array(out)
    return out.mean(axis=0), out.std(axis=0, ddof=1) / math.sqrt(seeds)


def test_mean_field_against_simulation():
    # un-normalised tanh at σw = 1.5: m1(K_l) = η_l(q_l); at n0 = 300 the relative error of a
    # trace average is O(1/n) ≈ 0.5 %, so 1.5 % + 3 se
    lm = pr.mean_field(TANH, 3, sigma_w="1.5")
    mean, se = _simulate(np.tanh, [0, 0, 0], 0.5, 3, 300, 2, sigma_w=1.5)
    for l in range(1, 4):
        th = float(lm[l - 1].eta)
        assert abs(mean[l, 0] - th) <= 0.015 * th + 3 * se[l, 0]


# ----------------------------------------------------------------------------- simulation

def _normalised(expr):
    from rmtsym.gaussian import gaussian_moments
    g = gaussian_moments(expr, dps=20)
    mu, s = float(g.mean), math.sqrt(float(g.eta))
    f = sp.lambdify(x, expr, "numpy")
    return lambda u: (np.asarray(f(u), dtype=float) - mu) / s


@pytest.mark.parametrize("name,expr", [("tanh", TANH), ("relu", RELU), ("f1", F1)])
def test_moments_against_simulation_small(name, expr):
    # L = 3, n0 = n_l = 200, m = 400, 4 seeds. Measured finite-size error at n0 = 300–900:
    # ≲ 0.5 % per moment order for tanh and f1, up to ≈ 1.5 % per order for ReLU (whose
    # seed-to-seed spread is also larger); tolerance (2 % · k) + 3 se for m_k, k ≤ 3
    phi = sp.Rational(1, 2)
    layers = pr.build_layers(expr, phi, 3, normalize=True, dps=20)
    theory = np.array([[float(v) for v in row] for row in pr.series_layer_moments(phi, layers, 4, dps=20)])
    mean, se = _simulate(_normalised(expr), [0, 0, 0], 0.5, 3, 200, 4, seed=3)
    for l in range(4):
        for k in range(3):
            tol = 0.02 * (k + 1) * theory[l, k] + 3 * se[l, k]
            assert abs(mean[l, k] - theory[l, k]) <= tol, (name, l, k + 1, mean[l, k], theory[l, k])


def test_package_simulator_agrees():
    phi = sp.Rational(1, 2)
    layers = pr.build_layers(TANH, phi, 2, normalize=True, dps=20)
    theory = np.array([[float(v) for v in row] for row in pr.series_layer_moments(phi, layers, 3, dps=20)])
    sim = pr.simulate_propagation(TANH, phi, 2, 200, normalize=True, moments=3, seeds=2, layer_list=layers)
    assert sim.mean.shape == (3, 3)
    assert np.all(np.abs(sim.mean - theory) <= 0.02 * np.arange(1, 4) * theory + 3 * sim.se)


def test_zeta_zero_keeps_mp_while_tanh_spreads():
    # equal widths (ψ = 1) and η = 1: f1 keeps K_l ~ MP_{1/φ} (variance 1/φ = 2), tanh spreads it
    phi = sp.Rational(1, 2)
    f1 = pr.propagate(F1, phi, 4, normalize=True, max_algebraic_layers=1, dps=20)
    tanh = pr.propagate(TANH, phi, 4, normalize=True, max_algebraic_layers=0, dps=20)
    var = lambda m: float(m[1] - m[0] ** 2)
    assert all(law.moments == [1, 3, 11, 45] for law in f1.laws)  # exactly MP_2
    v_tanh = [var(law.moments) for law in tanh.laws]
    assert v_tanh[0] == 2 and all(b > a + 0.3 for a, b in zip(v_tanh, v_tanh[1:]))
    # simulation (n0 = 200, m = 400, 3 seeds): the spread of the variance is ≈ 1 %, and
    # f1's stays within 3 % of 2 while tanh's exceeds 2.9 by layer 2 and 3.9 by layer 4
    g1, _ = _simulate(_normalised(F1), [0] * 4, 0.5, 4, 200, 3, seed=5)
    gt, _ = _simulate(_normalised(TANH), [0] * 4, 0.5, 4, 200, 3, seed=5)
    v1 = g1[:, 1] - g1[:, 0] ** 2
    vt = gt[:, 1] - gt[:, 0] ** 2
    assert np.all(np.abs(v1 - 2) < 0.06)
    assert vt[2] > 2.9 and vt[4] > 3.9


def test_zeta_zero_layer_whitens_a_non_mp_input():
    # data with feature covariance Σ whose eigenvalues are uniform on [0.2, 1.8] (docs/theory.md
    # §1.8): K_0 = XᵀX/n0 = MP ⊠ uniform is not MP. After one f1 layer K_1 is MP_{m/n1} = MP_1
    # (η = 1); after a tanh layer it is not (series: m2 ≈ 3.05 instead of 2).
    # n0 = n1 = m = 300, 3 seeds: finite-size error ≈ 1 % per moment order, so 5 %.
    rng = np.random.default_rng(11)
    n0 = m = 300
    cov = np.linspace(0.2, 1.8, n0)
    mp = _narayana(1.0, 3)  # MP_1 moments 1, 2, 5
    res = {}
    for name, expr in (("f1", F1), ("tanh", TANH)):
        f = _normalised(expr)
        moms = []
        for s in range(3):
            X = rng.standard_normal((n0, m)) * np.sqrt(cov)[:, None]
            W = rng.standard_normal((n0, n0)) / math.sqrt(n0)
            Y = f(W @ X)
            lam = np.linalg.eigvalsh(Y.T @ Y / n0)
            moms.append([np.mean(lam**k) for k in range(1, 4)])
        res[name] = np.mean(moms, axis=0)
    assert np.all(np.abs(res["f1"] - np.array(mp)) < 0.05 * np.array(mp)), res["f1"]
    assert abs(res["tanh"][1] - mp[1]) > 0.5


# ----------------------------------------------------------------------------- ζ = 0 class

def test_is_zeta_zero():
    assert pr.is_zeta_zero(F1) is True  # even
    assert pr.is_zeta_zero(sp.Abs(x) - sp.sqrt(2 / sp.pi)) is True
    assert pr.is_zeta_zero(TANH) is False  # certified nonzero
    assert pr.is_zeta_zero(RELU) is False
    he3 = x**3 - 3 * x
    assert pr.is_zeta_zero(he3, sigma=1) is True  # He_k, k ≥ 2, at σ = 1
    assert pr.is_zeta_zero(he3, sigma=2) is False
    f4 = (1 - 4 / sp.sqrt(3) * sp.exp(-x**2 / 2)) * sp.erf(x)
    assert pr.is_zeta_zero(f4, sigma=1) is True  # symbolic: ζ's closed form vanishes
    assert pr.is_zeta_zero(f4, sigma="any") is False
    assert pr.is_zeta_zero(F1, sigma="any") is True


def test_bad_inputs():
    with pytest.raises(ParameterError):
        pr.propagate(TANH, "0.5", 0)
    with pytest.raises(ParameterError):
        pr.propagate(TANH, "-1", 2)
    with pytest.raises(ParameterError):
        pr.propagate(TANH, "0.5", 2, widths=[1])
    with pytest.raises(ParameterError):
        pr.fixed_point_stieltjes(np.array([1.0 + 0j]), 0.5, [])


def test_cli_propagate(capsys):
    import json
    from rmtsym.cli import main
    code = main(["propagate", "tanh(x)", "--phi", "0.5", "--layers", "2", "--normalize", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    rows = data["layers"]
    assert [r["layer"] for r in rows] == [0, 1, 2]
    assert rows[0]["moments"][:2] == ["1.00000000000000", "3.00000000000000"]
    assert abs(float(rows[2]["moments"][1]) - 6.230678761004658) < 1e-9
    assert abs(float(rows[1]["eta"]) - 1) < 1e-12 and "q" in rows[1] and "zeta" in rows[1]
    assert all(len(r["support"]) >= 1 for r in rows)
    code = main(["propagate", "tanh(x)", "--phi", "0", "--layers", "2", "--json"])
    assert code == 2 and "phi" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("name,expr", [("tanh", TANH), ("relu", RELU), ("f1", F1)])
def test_moments_against_simulation_depth_five(name, expr):
    # L = 5, n0 = n_l = 800, m = 1600, 6 seeds: tolerance (1.5 % · k · L/3) + 3 se for m_k, k ≤ 3.
    # Measured deviations at L = 5: tanh and f1 below 1 %; ReLU +1.2 % (m1), +5.4 % (m2), +12 % (m3).
    # The ReLU error is finite-size, not a bias of the layer map: m2(K_5) is off by +18 %, +8.5 %,
    # +2.6 % at n0 = 200, 400, 1200 (≈ 1/n0, with a constant growing with depth; the top
    # eigenvalue of K_5 separates from the bulk at small n), so the tolerance grows with k and L.
    phi = sp.Rational(1, 2)
    layers = pr.build_layers(expr, phi, 5, normalize=True, dps=20)
    theory = np.array([[float(v) for v in row] for row in pr.series_layer_moments(phi, layers, 4, dps=20)])
    mean, se = _simulate(_normalised(expr), [0] * 5, 0.5, 5, 800, 6, seed=9)
    for l in range(6):
        for k in range(3):
            tol = 0.015 * (k + 1) * max(1, l) / 3 * theory[l, k] + 3 * se[l, k]
            assert abs(mean[l, k] - theory[l, k]) <= tol, (name, l, k + 1, mean[l, k], theory[l, k])
