"""Finite-width fluctuations of q^l across layers (rmtsym.networks.fluctuations).

Three ways, never against themselves: the exact product formulas against brute-force
enumeration and closed forms; the second-order moment recursion (Gaussian integrals, a
different route) against the exact level; both against simulated networks within their
standard errors plus the neglected terms the theory states.

Tolerances. Simulated moments are compared as |simulated − predicted| ≤ Z·se + err, with se
the standard error of the estimate (10⁴ networks: about 1.4 % of a variance for near-Gaussian
q, more for the skewed q of deep ReLU networks) and err the predicted size of the neglected
O(depth²/width²) terms (0 for the exact level). Z = 4.5: about 80 entries are compared per
network, so a correct theory fails with probability below 1e-3; the seeds are fixed.
"""
import math
from fractions import Fraction
from itertools import product

import numpy as np
import pytest

from rmtsym.errors import ParameterError
from rmtsym.networks.model import Network
from rmtsym.networks.fluctuations import (exact_fluctuations, fluctuations, gaussian_fluctuations,
                                          pair_fluctuations, simulate_fluctuations)
from rmtsym.networks.fluctuations.field_theory import field_theory
from rmtsym.networks.fluctuations.exact import chi_square_binomial_moment, homogeneous_slopes

Z = 4.5
SQRT2 = "1.4142135623730951"


def _double_factorial(m):
    return math.prod(range(2 * m - 1, 0, -2)) if m > 0 else 1


def _brute_AB(n, r, s):
    """E[A^r B^s] by enumerating the 2^n sign patterns; |g_i| independent half-normal, whose
    squares have E g^(2m) = (2m − 1)!! (χ²_1 moment algebra, no binomial polynomials)."""
    total = Fraction(0)
    for signs in product((1, -1), repeat=n):
        pos = [i for i in range(n) if signs[i] > 0]
        neg = [i for i in range(n) if signs[i] < 0]
        # E (Σ_pos x_i)^r (Σ_neg x_i)^s with x_i = g_i², by multinomial expansion
        def power_moment(idx, p):
            if p == 0:
                return Fraction(1)
            if not idx:
                return Fraction(0)
            out = Fraction(0)
            for ks in product(range(p + 1), repeat=len(idx)):
                if sum(ks) != p:
                    continue
                coef = math.factorial(p)
                for k in ks:
                    coef //= math.factorial(k)
                out += coef * math.prod(_double_factorial(k) for k in ks)
            return out
        total += power_moment(pos, r) * power_moment(neg, s)
    return total / 2 ** n


# ---------------------------------------------------------------------------------- exact level
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_chi_square_binomial_moments_match_enumeration(n):
    for r in range(4):
        for s in range(4 - r):
            assert chi_square_binomial_moment(n, r, s) == _brute_AB(n, r, s)


def test_homogeneous_slopes():
    def act(spec, params=None):
        return Network.build(spec, 1, params=params).layers[0].activation
    assert homogeneous_slopes(act("relu")) == (1, 0)
    assert homogeneous_slopes(act("linear")) == (1, 1)
    assert homogeneous_slopes(act("leaky_relu", "a=0.1")) == (1, Fraction(1, 10))
    assert homogeneous_slopes(act("abs")) == (1, -1)
    assert homogeneous_slopes(act("2*Max(x, 0)")) == (2, 0)
    assert homogeneous_slopes(act("tanh")) is None
    assert homogeneous_slopes(act("relu(x - 1)")) is None
    assert homogeneous_slopes(act("x**2")) is None


def test_exact_linear_closed_form_with_widths():
    # q^l = Q σw^{2l} Π χ²_{n_m}/n_m: Cov(q^l, q^k) = Q² σw^{2(l+k)} [Π_{m ≤ min} (1 + 2/n_m) − 1]
    widths = [7, 5, 11, 3, 9]
    net = Network.build("linear", 4, sigma_w="1.3", widths=widths)
    e = exact_fluctuations(net, "0.7", dps=30)
    s2, Q = 1.69, 0.7
    for l in range(1, 5):
        assert float(e.mean[l - 1].value) == pytest.approx(Q * s2 ** l, rel=1e-14)
        for k in range(1, 5):
            prod = math.prod(1 + 2 / widths[m] for m in range(1, min(l, k) + 1))
            assert float(e.covariance[l - 1][k - 1].value) == pytest.approx(Q * Q * s2 ** (l + k) * (prod - 1), rel=1e-13)


def test_exact_higher_moments_linear_width_two():
    # width 2, σw = 1: χ²_2/2 is Exp(1), so q^l = Q × (product of l Exp(1)): E (q^l)^j = (j!)^l Q^j
    net = Network.build("linear", 3, width=2)
    e = exact_fluctuations(net, 2)
    for l in (1, 2, 3):
        for j in (1, 2, 3, 4):
            assert float(e.moment(l, j)) == pytest.approx(math.factorial(j) ** l * 2 ** j, rel=1e-25)
    # joint: E[q^1 q^2] = Q² E[X1² X2] = 4 · 2 · 1
    assert float(e.joint_moment({1: 1, 2: 1})) == pytest.approx(8, rel=1e-25)
    assert float(e.cumulant(1, 3)) == pytest.approx(2 * 8, rel=1e-20)  # Exp(1) third cumulant 2, × Q³


def test_exact_relu_matches_theory_reference_numbers():
    # ReLU, σw² = 2, σb = 0, width 100, q = 2: Var q^l = 4[(1 + 5/n)^{l−1}(1 + 2/n) − 1]; a reference
    # simulation of 2·10⁴ networks gave n·Var = 8.0, 28.9, 48.6, 70.5 (standard errors 2-4 %)
    net = Network.build("relu", 4, sigma_w=SQRT2, width=100)
    e = exact_fluctuations(net, 1)
    nvar = [100 * float(e.covariance[l][l].value) for l in range(4)]
    for l, v in enumerate(nvar, 1):
        assert v == pytest.approx(400 * ((1.05) ** (l - 1) * 1.02 - 1), rel=1e-13)
    for v, ref in zip(nvar, (8.0, 28.9, 48.6, 70.5)):
        assert abs(v - ref) < 0.04 * ref
    # first order: n Var = q²(2 + 5(l − 1)); linear: n Var q^l = 2l
    g = gaussian_fluctuations(net, 1)
    assert np.allclose(100 * np.diag(g.covariance), [8, 28, 48, 68], rtol=1e-12)
    lin = gaussian_fluctuations(Network.build("linear", 6, width=100), 1)
    assert np.allclose(100 * np.diag(lin.covariance), 2 * np.arange(1, 7), rtol=1e-12)
    assert np.allclose(100 * lin.covariance, 2 * np.minimum.outer(np.arange(1, 7), np.arange(1, 7)), rtol=1e-12)


@pytest.mark.parametrize("act,sw,sb,widths,params", [
    ("linear", "1", "0", [100] * 13, None),
    ("relu", SQRT2, "0", [100] * 13, None),
    ("relu", "1.5", "0.3", [40, 60, 30, 80, 50], None),
    ("leaky_relu", "1.3", "0.1", [30, 20, 50, 40], "a=0.2"),
    ("abs", "0.9", "0.5", [25, 25, 25], None),
])
def test_second_order_moment_recursion_is_exact_for_homogeneous(act, sw, sb, widths, params):
    # two routes: the product formula (χ² and binomial algebra) and the moment recursion built
    # from Gaussian integrals E φ⁴, E h²φ², ... (F linear, Σ quadratic in v: the recursion closes)
    net = Network.build(act, len(widths) - 1, sigma_w=sw, sigma_b=sb, widths=widths, params=params)
    e = exact_fluctuations(net, "1.2")
    g = gaussian_fluctuations(net, 1.2)
    ce = np.array(e.covariance_floats())
    assert np.max(np.abs(ce - g.covariance_second_order)) < 1e-12 * np.max(np.abs(ce))
    assert np.allclose(e.mean_floats(), g.mean_second_order, rtol=1e-13)
    # and the moment(l, 2) route of the exact module agrees with its covariance route
    assert float(e.moment(2, 2)) == pytest.approx(ce[1, 1] + e.mean_floats()[1] ** 2, rel=1e-20)


def test_first_order_is_the_wide_limit_of_the_exact_level():
    for act, sw in (("relu", SQRT2), ("leaky_relu(0.3)", "1.2")):
        n = 10 ** 6
        net = Network.build(act, 6, sigma_w=sw, sigma_b="0.2", width=n)
        e = np.array(exact_fluctuations(net, 1).covariance_floats())
        g = gaussian_fluctuations(net, 1).covariance
        assert np.max(np.abs(e - g)) < 1e-4 * np.max(np.abs(e))


def test_exact_orthogonal_without_bias():
    # orthogonal square layers, no bias: q^1 = σw²Q exactly; ReLU Var p | v = (3/4) v²/n to first order
    net = Network.build("relu", 5, sigma_w=SQRT2, width=1000, weights="orthogonal")
    e = exact_fluctuations(net, 1)
    cov = np.array(e.covariance_floats())
    assert cov[0, 0] == 0
    g = gaussian_fluctuations(net, 1)
    assert np.allclose(1000 * np.diag(cov), 1000 * np.diag(g.covariance), rtol=0.02, atol=1e-12)
    assert np.allclose(1000 * np.diag(g.covariance), 4 * 0.75 * 4 * np.arange(5), rtol=1e-10)
    with pytest.raises(ParameterError, match="orthogonal weights and a bias"):
        exact_fluctuations(Network.build("relu", 2, sigma_b=0.1, width=10, weights="orthogonal"), 1)
    with pytest.raises(ParameterError, match="rademacher"):
        exact_fluctuations(Network.build("relu", 2, width=10, weights="rademacher"), 1)


# ---------------------------------------------------------------------------------- against simulation
def _agree(pred_mean, pred_cov, sim, err_mean=None, err_cov=None):
    st = sim.stats()
    em = 0 if err_mean is None else err_mean
    ec = 0 if err_cov is None else err_cov
    dm = np.abs(st["mean"] - pred_mean) - (Z * st["mean_se"] + em)
    dc = np.abs(st["covariance"] - pred_cov) - (Z * st["covariance_se"] + ec)
    return float(np.max(dm)), float(np.max(dc))


def _check(net, K, seed, Q=1.0):
    res = fluctuations(net, Q)
    sim = simulate_fluctuations(net, Q, K, seed=seed)
    err_c = None if res.method == "exact" else res.error_covariance
    err_m = None if res.method == "exact" else res.gaussian.error_mean
    worst_mean, worst_cov = _agree(res.mean, res.covariance, sim, err_m, err_c)
    assert worst_mean <= 1e-12 and worst_cov <= 1e-12, (worst_mean, worst_cov)
    return res, sim


NETWORKS_12 = [("linear", "1", "0", "exact"), ("relu", SQRT2, "0", "exact"), ("tanh", "1.5", "0.1", "gaussian")]


@pytest.mark.parametrize("act,sw,sb,method", NETWORKS_12)
def test_width_100_depth_12_against_simulation(act, sw, sb, method):
    net = Network.build(act, 12, sigma_w=sw, sigma_b=sb, width=100)
    res, sim = _check(net, 10_000, seed=7)
    assert res.method == method
    if act == "relu":
        # discriminating: first order misses the compounding at depth 12 (about 25 % of Var q^12)
        st = sim.stats()
        gap = abs(st["covariance"][-1, -1] - res.first_order_covariance[-1, -1])
        assert gap > Z * st["covariance_se"][-1, -1]
    if act == "tanh":
        # discriminating: layers treated as independent (no covariance along depth) are refused
        st = sim.stats()
        assert np.max(np.abs(st["covariance"] - np.diag(np.diag(res.covariance))) - Z * st["covariance_se"]) > 0


@pytest.mark.slow
@pytest.mark.parametrize("act,sw,sb,method", NETWORKS_12 + [("tanh", "1.0", "0.0", "gaussian"),
                                                            ("erf", "2.0", "0.3", "gaussian")])
def test_width_100_depth_12_against_simulation_full(act, sw, sb, method):
    net = Network.build(act, 12, sigma_w=sw, sigma_b=sb, width=100)
    res, _ = _check(net, 200_000, seed=11)
    assert res.method == method


def test_mixed_widths_and_laws_against_simulation():
    net = Network.build("tanh", 5, sigma_w="1.3", sigma_b="0.2", widths=[80, 60, 120, 90, 70, 100],
                        weights="orthogonal")
    _check(net, 10_000, seed=3)
    net = Network.build("leaky_relu(0.1)", 5, sigma_w="1.3", sigma_b="0.2", widths=[30, 60, 20, 50, 40, 30])
    res, _ = _check(net, 10_000, seed=4)
    assert res.method == "exact"


def test_fourth_moment_of_the_weights_with_a_spike_input():
    # x⁰ = √(n Q) e_1: h^1_i = σw √Q w_i1, so Var q^1 = σw⁴ Q² (m4 − 1)/n exactly, a first-order effect
    from rmtsym.networks.fluctuations.gaussian import input_fourth_moment
    n, Q = 40, 1.5
    for law, m4 in (("rademacher", 1.0), ("uniform", 1.8), ("sparse:0.5", 6.0)):
        net = Network.build("linear", 3, sigma_w="1.1", width=n, weights=law)
        g = gaussian_fluctuations(net, Q, input_fourth_moment(Q, n, "spike"))
        assert g.covariance[0, 0] == pytest.approx(1.1 ** 4 * Q * Q * (m4 - 1) / n, rel=1e-12)
        sim = simulate_fluctuations(net, Q, 4000, seed=5, input_kind="spike")
        worst_m, worst_c = _agree(g.mean, g.covariance, sim, g.error_mean, g.error_covariance)
        assert worst_m <= 1e-12 and worst_c <= 1e-12, (law, worst_m, worst_c)


def test_fourth_moment_changes_the_covariance_as_predicted():
    # random input, ReLU, width 40, sparse:0.4 weights (m4 = 7.5): κ4/(2v²) = 4·4.5·6/(40·8) ≈ 0.34
    # per unit, so the covariance rises by tens of % against Gaussian weights. The difference is
    # compared; its neglected terms are the first-order difference times the relative
    # second-order correction of the layer (the same compounding as for Gaussian weights).
    K, law = 20_000, "sparse:0.4"
    nets = {w: Network.build("relu", 3, sigma_w=SQRT2, width=40, weights=w) for w in ("gaussian", law)}
    pred = {w: gaussian_fluctuations(net, 1.0) for w, net in nets.items()}
    sims = {w: simulate_fluctuations(net, 1.0, K, seed=8).stats() for w, net in nets.items()}
    d_pred = pred[law].covariance - pred["gaussian"].covariance
    d_sim = sims[law]["covariance"] - sims["gaussian"]["covariance"]
    se = np.hypot(sims[law]["covariance_se"], sims["gaussian"]["covariance_se"])
    g = pred["gaussian"]
    rel = np.diag(g.error_covariance) / np.diag(g.covariance)
    err = np.abs(d_pred) * np.maximum.outer(rel, rel)
    assert d_pred[-1, -1] > 0.1 * g.covariance[-1, -1]
    assert np.all(np.abs(d_sim - d_pred) <= Z * se + err)
    assert np.all(np.diag(d_sim) > Z * np.diag(se))  # the change is seen, not noise
    assert not pred[law].notes[-1].startswith("layer")  # within the validity of the κ4 expansion


def test_pair_of_inputs_against_simulation():
    from rmtsym.networks.fluctuations.simulate import sample_moments
    for law in ("gaussian", "orthogonal"):
        net = Network.build("tanh", 4, sigma_w="1.5", sigma_b="0.1", width=100, weights=law)
        pf = pair_fluctuations(net, 0.5)
        sim = simulate_fluctuations(net, 1.0, 10_000, seed=9, pair_cosine=0.5)
        X = np.stack([sim.q, sim.q_b, sim.q_ab], axis=2).reshape(sim.networks, -1)
        st = sample_moments(X)
        assert np.all(np.abs(st["covariance"] - pf.covariance) <= Z * st["covariance_se"] + pf.error_covariance)
        assert np.all(np.abs(st["mean"] - pf.mean.ravel()) <= Z * st["mean_se"] + 1e-12)
        sc = sim.stats("correlation")
        assert np.all(np.abs(sc["mean"] - pf.correlation_mean) <= Z * sc["mean_se"])
        assert np.all(np.abs(sc["covariance"] - pf.correlation_covariance) <= Z * sc["covariance_se"] + pf.error_correlation)
        # each length alone is the one-input theory
        one = gaussian_fluctuations(net, 1.0)
        assert np.allclose(pf.covariance[0::3, 0::3], one.covariance, rtol=1e-6, atol=1e-12)


# ---------------------------------------------------------------------------------- field theory
def test_field_theory_lattice_and_continuum():
    for act, sw, sb in (("tanh", "1.5", "0"), ("erf", "1.2", "0.3"), ("relu", SQRT2, "0"), ("linear", "1", "0")):
        net = Network.build(act, 10, sigma_w=sw, sigma_b=sb, width=100)
        ft = field_theory(net)
        res = fluctuations(net, ft.input_mean_square, method="gaussian")
        assert np.allclose(ft.q_covariance(), res.covariance, rtol=1e-10, atol=1e-15)
        C = ft.state_covariance()
        assert np.allclose(ft.precision_matrix() @ C, np.eye(10), atol=1e-10)
        k, lam, U = ft.modes()
        assert k is not None and np.all(np.diff(k) > 0) and 0 < k[0] and k[-1] < math.pi
        D = U.T @ C @ U
        assert np.allclose(D, np.diag(lam), atol=1e-12 * lam.max())
        t = np.arange(1, 11)
        assert np.allclose(ft.propagator(t[:, None], t[None, :]), C, rtol=1e-10, atol=1e-18)
        if act in ("relu", "linear"):
            assert ft.slope == pytest.approx(1, abs=1e-12) and math.isinf(ft.correlation_length)
            assert np.allclose(k, (2 * np.arange(1, 11) - 1) * math.pi / 21)
        # the state field's action is the quadratic form of the precision matrix
        phi = np.linspace(-1, 1, 10)
        assert ft.action(phi) == pytest.approx(0.5 * phi @ ft.precision_matrix() @ phi, rel=1e-12)


def test_correlation_length_is_the_mean_field_depth_scale():
    from rmtsym.networks.signal_propagation import signal_propagation
    for act, sw, sb in (("tanh", "1.5", "0.05"), ("erf", "1.2", "0.3")):
        sp_ = signal_propagation(act, sw, sb, dps=15)
        ft = field_theory(Network.build(act, 5, sigma_w=sw, sigma_b=sb, width=100))
        assert ft.q_star == pytest.approx(float(getattr(sp_.q_star, "value", sp_.q_star)), rel=1e-9)
        assert ft.correlation_length == pytest.approx(float(getattr(sp_.xi_q, "value", sp_.xi_q)), rel=1e-7)


def test_fourier_modes_decorrelate_simulated_fluctuations():
    # tanh at its fixed point, width 400: the sine modes of the state field (σw² p^l) are
    # uncorrelated in simulated networks and carry the predicted variances
    net = Network.build("tanh", 8, sigma_w="1.5", width=400)
    ft = field_theory(net)
    sim = simulate_fluctuations(net, ft.input_mean_square, 20_000, seed=12)
    phi = 1.5 ** 2 * (sim.p - sim.p.mean(axis=0))
    k, lam, U = ft.modes()
    amp = phi @ U
    C = np.cov(amp.T)
    se = np.sqrt((np.outer(np.diag(C), np.diag(C)) + C ** 2) / sim.networks)
    assert np.all(np.abs(np.diag(C) - lam) <= Z * np.diag(se) + 0.03 * lam)
    off = C - np.diag(np.diag(C))
    assert np.all(np.abs(off) <= Z * se)


def test_breakdown_grows_with_depth_over_width():
    from rmtsym.networks.fluctuations.field_theory import breakdown
    rows = breakdown("linear", 100, [1, 10, 100])
    assert rows[0]["relative_error"] < 1e-12
    # linear: exact n Var = n[(1 + 2/n)^L − 1] against 2L: (L − 1)/n relative at small L/n
    assert rows[1]["relative_error"] == pytest.approx(((1.02 ** 10 - 1) * 100 - 20) / ((1.02 ** 10 - 1) * 100), rel=1e-10)
    assert rows[2]["relative_error"] > 0.5 and rows[2]["skewness"] > 2


# ---------------------------------------------------------------------------------- API details
def test_method_choice_and_errors():
    net = Network.build("tanh", 3, width=50)
    assert fluctuations(net).method == "gaussian"
    with pytest.raises(ParameterError, match="exact level does not apply"):
        fluctuations(net, method="exact")
    assert fluctuations(Network.build("relu", 3, width=50), method="gaussian").method == "gaussian"
    with pytest.raises(ParameterError, match="widths"):
        fluctuations(Network.build("relu", 3))
    with pytest.raises(ParameterError, match="number of networks"):
        simulate_fluctuations(net, 1.0, 1)
    with pytest.raises(ParameterError, match="random numbers"):
        simulate_fluctuations(Network.build("tanh", 10, width=2000, weights="uniform"), 1.0, 10_000)
    with pytest.raises(ParameterError, match="same activation"):
        field_theory(Network.build(["tanh", "relu"], 2, width=10))


def test_json_of_a_result():
    res = fluctuations(Network.build("relu", 3, sigma_w=SQRT2, width=50), 1)
    out = res.as_json(12)
    assert out["method"] == "exact" and len(out["mean"]) == 3 and len(out["covariance"]) == 3
    assert out["correlation_length"] == "inf"
    assert float(out["covariance"][2][2]) == pytest.approx(4 * ((1.1) ** 2 * 1.04 - 1), rel=1e-11)
    g = fluctuations(Network.build("tanh", 3, width=50), 1).as_json()
    assert g["method"] == "gaussian" and "error_estimate" in g and len(g["error_estimate"]) == 3


def test_exact_variance_covariance_is_the_first_order_state_field_when_wide():
    # Cov(v^l, v^k) of the exact level: v^{l+1} = σw² p^l is the field of the field theory
    net = Network.build("relu", 7, sigma_w=SQRT2, width=10 ** 6)
    e = exact_fluctuations(net, 1)
    ft = field_theory(Network.build("relu", 6, sigma_w=SQRT2, width=10 ** 6), 1.0)
    vc = np.array(e.variance_covariance)
    assert vc[0, 0] == 0 and np.allclose(vc[1:, 1:], ft.state_covariance(), rtol=1e-4)
    # linear: v^{l+1} = σw² q^l exactly
    lin = exact_fluctuations(Network.build("linear", 5, sigma_w="1.2", width=30), 1)
    vc = np.array(lin.variance_covariance)
    assert np.allclose(vc[1:, 1:], 1.44 ** 2 * np.array(lin.covariance_floats())[:-1, :-1], rtol=1e-12)


@pytest.mark.parametrize("spec", ["erf", "gelu", "hard_tanh", "elu(1)", "relu", "sin(x)"])
def test_raw_moments_closed_form_against_quadrature(spec):
    # closed forms (differentiated symbolically; E[h² g] = vEg + 2v²∂_v Eg) against composite
    # Gauss–Legendre quadrature with Hermite weights for the v-derivatives
    from rmtsym.networks.fluctuations.moments import RawMoments
    act = Network.build(spec, 1).layers[0].activation
    for v in (0.05, 1.7, 30.0):
        closed, quad = RawMoments(act), RawMoments(act)
        quad._closed = {k: None for k in ("phi2", "phi4", "phi6", "h2phi2", "h2phi4")}
        for key, order in (("phi2", 4), ("phi4", 2), ("h2phi2", 2), ("h2phi4", 0)):
            a, b = np.array(closed.value(key, v, order)), np.array(quad.value(key, v, order))
            scale = np.abs(b) + abs(b[0]) / v ** np.arange(order + 1)
            assert np.all(np.abs(a - b) <= 1e-7 * scale), (spec, v, key, a, b)
        assert closed.method("phi2") == "closed form"


def test_hermite_derivatives_against_price_theorem():
    # tanh has no closed form: dᵏ/dvᵏ E g(√v Z) = E[g He_2k(Z)]/(2v)ᵏ (double-precision quadrature)
    # against Price's theorem dᵏ/dvᵏ E g(√v Z) = E[g^(2k)(√v Z)]/2ᵏ with g^(2k) from SymPy and
    # 20-digit mpmath quadrature
    import mpmath
    import sympy as sp
    from rmtsym import symbols as S
    from rmtsym.networks.fluctuations.moments import RawMoments
    rm = RawMoments(Network.build("tanh", 1).layers[0].activation)
    v = 0.8
    got = rm.value("phi2", v, 4)
    want = []
    with mpmath.workdps(20):
        for k in range(5):
            g = sp.lambdify(S.x, sp.diff(sp.tanh(S.x) ** 2, S.x, 2 * k), "mpmath")
            val = mpmath.quad(lambda z: g(mpmath.sqrt(v) * z) * mpmath.npdf(z), [-mpmath.inf, 0, mpmath.inf])
            want.append(float(val / 2 ** k))
    assert np.allclose(got, want, rtol=1e-10, atol=1e-13)
