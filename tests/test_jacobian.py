"""Tests of rmtsym.networks.jacobian (PSG 2017, Pastur–Slavin; docs/theory.md §4, §5.4)."""
import math

import mpmath
import numpy as np
import pytest

from rmtsym.networks.jacobian import (JacobianDensity, derivative_moments, fuss_catalan_edge,
                                          jacobian_law,
                                          jacobian_moments, jacobian_spectrum, moments_from_s,
                                          s_from_moments, sample_jacobian_eigenvalues)
from rmtsym.errors import RmtsymError

SQ2 = "1.4142135623730950488016887242097"


def test_linear_gaussian_is_fuss_catalan():
    # product of L square Wisharts: moments are Fuss–Catalan numbers C(k(L+1), k)/(kL + 1)
    for L in (1, 2, 3):
        ms = jacobian_moments("x", L, order=5)
        for k, m in enumerate(ms, start=1):
            assert abs(m.value - math.comb(k * (L + 1), k) / (k * L + 1)) < 1e-15


@pytest.mark.parametrize("L", [2, 3, 4])
def test_fuss_catalan_edge_from_the_algebraic_law(L):
    # docs/theory.md marks λ_max = (L+1)^{L+1}/L^L unchecked: the branch solver's right edge of
    # the algebraic law confirms it
    a, b = jacobian_law("x", L).support()
    assert abs(b - float(fuss_catalan_edge(L))) < 1e-10 and abs(a) < 1e-12


def test_series_roundtrip_and_orthogonal_linear_is_delta():
    with mpmath.workdps(40):
        mu = [mpmath.mpf(v) for v in ("0.7", "0.9", "1.5", "3.1")]
        back = moments_from_s(s_from_moments(mu, 4), 4)
        assert max(abs(a - b) for a, b in zip(mu, back)) < 1e-35
    ms = jacobian_moments("x", 3, orthogonal=True, order=4)
    assert all(abs(m.value - 1) < 1e-15 for m in ms)


@pytest.mark.parametrize("orth,expected", [(False, 8), (True, 4)])
def test_relu_normalised_variance_closed_form(orth, expected):
    # ReLU at criticality: σ² = 2L (Gaussian) or L (orthogonal); m1 = χ^L = 1
    r = jacobian_spectrum("relu", 4, SQ2, 0, orthogonal=orth)
    assert abs(r.normalized_variance.value - expected) < 1e-12
    assert abs(r.normalized_variance_formula - expected) < 1e-12
    assert abs(r.moments[0].value - 1) < 1e-12
    assert r.atoms and abs(r.atoms[0][1] - 0.5) < 1e-9  # rank(D^L) = n/2


def test_relu_moments_series_vs_algebraic_law():
    law = jacobian_law("relu", 3, SQ2)
    ms = jacobian_moments("relu", 3, 1, 0, order=3)  # σw = 1: the law is built at σw = 1
    for k in (1, 2, 3):
        assert abs(law.moment(k) - float(ms[k - 1].value)) < 1e-7 * float(ms[k - 1].value)


def test_hard_tanh_p_matches_erf():
    from rmtsym.networks.signal_propagation import length_fixed_point
    q = length_fixed_point("hard_tanh", 1.2, 0.1).q_star.value
    mu = derivative_moments("hard_tanh", q, 3)
    p = mpmath.erf(1 / mpmath.sqrt(2 * q))
    assert all(abs(m.value - p) < 1e-15 for m in mu)  # 0/1-valued D²: every μ_k = p


def _norm_moments(act, L, n, sw, sb, orth, seeds):
    out = []
    for s in seeds:
        e = sample_jacobian_eigenvalues(act, L, n, sw, sb, orth, seed=s)
        m1, m2 = np.mean(e), np.mean(e ** 2)
        out.append((m1, m2 / m1 ** 2 - 1))
    return np.mean(out, 0)


@pytest.mark.parametrize("orth", [False, True])
def test_relu_simulation_normalised_variance(orth):
    # n = 400, L = 4, 3 networks: the normalised variance is self-averaging (testing trap:
    # raw m1 fluctuates log-normally); finite-n bias O(L²/n) ≈ 4 % of 2L, allow 12 %
    _, nv = _norm_moments("relu", 4, 400, math.sqrt(2), 0.0, orth, range(3))
    expected = 4 if orth else 8
    assert abs(nv - expected) < 0.12 * expected


def test_tanh_simulation_moments():
    # tanh, σw = 1.1, σb = .05, orthogonal, L = 4, n = 400: m1 and normalised variance
    # from the S-series vs 3 networks (PSG: few-% agreement at n ≈ 800); allow 5 % / 20 %
    r = jacobian_spectrum("tanh", 4, 1.1, 0.05, orthogonal=True)
    m1, nv = _norm_moments("tanh", 4, 400, 1.1, 0.05, True, range(3))
    assert abs(m1 - float(r.moments[0].value)) < 0.05 * m1
    assert abs(nv - float(r.normalized_variance.value)) < 0.2 * float(r.normalized_variance.value)
    assert abs(r.moments[0].value - r.chi.value ** 4) < 1e-12


def test_errors():
    with pytest.raises(RmtsymError):
        jacobian_law("tanh", 3, 1.1, 0.05)
    with pytest.raises(RmtsymError):
        jacobian_moments("relu", 0)


def test_hard_tanh_algebraic_law_vs_series_and_simulation():
    # hard-tanh: D² is Bernoulli(p), p = erf(1/√(2q*)); the algebraic law (built at σw = 1,
    # scaled by σw^{2L}) must carry the S-series moments, and its atom 1 − p the simulated
    # fraction of zero eigenvalues (binomial error √(p(1−p)/n) ≈ 1.5 % at n = 400; allow 5 %)
    sw, sb, L = "1.1", "0.05", 3
    r = jacobian_spectrum("hard_tanh", L, sw, sb)
    assert r.support is not None and r.atoms
    law = jacobian_law("hard_tanh", L, sw, sb)
    f = 1.21 ** L
    for k in (1, 2, 3):
        assert abs(law.moment(k) * f ** k - float(r.moments[k - 1].value)) < 1e-7 * float(r.moments[k - 1].value)
    p = float(r.mu[0].value)
    # the zero eigenvalues of one network number n − min_l N_l, N_l ~ Bin(n, p) the active
    # units of layer l (rank of a product = least rank of its factors), so the expected
    # fraction is 1 − E[min_l N_l]/n (0.1195 here, above the limit 1 − p = 0.1064 by the
    # min-of-binomials bias); 8 networks, 4 standard errors
    from scipy.stats import binom
    n = 400
    k = np.arange(1, n + 1)
    expected = 1 - np.sum(binom.sf(k - 1, n, p) ** L) / n
    fr = []
    for s in range(8):
        e = sample_jacobian_eigenvalues("hard_tanh", L, n, 1.1, 0.05, seed=s)
        fr.append(np.mean(e < 1e-9 * e.max()))
    assert abs(np.mean(fr) - expected) < 4 * np.std(fr, ddof=1) / np.sqrt(len(fr))
    assert abs(expected - (1 - p)) < 0.02
    m1s = [np.mean(sample_jacobian_eigenvalues("hard_tanh", L, 400, 1.1, 0.05, seed=s)) for s in range(3)]
    assert abs(np.mean(m1s) - float(r.moments[0].value)) < 0.1 * float(r.moments[0].value)


def test_rectangular_widths():
    from rmtsym.networks.jacobian import jacobian_moments_rectangular
    # equal widths reduce to the square S-transform
    a = jacobian_moments_rectangular("tanh", [400] * 4, 1.1, 0.05, order=3)
    b = jacobian_moments("tanh", 3, 1.1, 0.05, order=3)
    assert all(abs(x.value - y.value) < 1e-15 for x, y in zip(a, b))
    # m1 = χ^L whatever the widths (E tr W A Wᵀ = σw² n_l tr A/n_{l−1})
    r = jacobian_moments_rectangular("tanh", [400, 200, 320, 240], 1.3, 0.1, order=2)
    sq = jacobian_moments("tanh", 3, 1.3, 0.1, order=2)
    assert abs(r[0].value - sq[0].value) < 1e-15
    # normalised variance vs 4 simulated networks (3.31 in theory; seed-to-seed s.d. ≈ 0.13,
    # mean of 4 ≈ 0.07, plus O(1/n) bias: allow 8 %)
    nv = float(r[1].value / r[0].value ** 2 - 1)
    sims = []
    for s in range(4):
        e = sample_jacobian_eigenvalues("tanh", 3, 0, 1.3, 0.1, seed=s, widths=[400, 200, 320, 240])
        sims.append(np.mean(e ** 2) / np.mean(e) ** 2 - 1)
    assert abs(np.mean(sims) - nv) < 0.08 * nv


# --------------------------------------------------------------------------- the density (iii)
@pytest.mark.parametrize("act, sw, sb, orth", [("relu", SQ2, "0", False), ("relu", SQ2, "0", True),
                                               ("hard_tanh", "1.1", "0.05", False)])
def test_density_reproduces_the_algebraic_law(act, sw, sb, orth):
    # the subordination solver knows nothing of the 0/1 structure of D²; for ReLU and hard-tanh
    # its density, edge and atom must equal those of the exact algebraic law (ii), which is
    # built at σw = 1 and scaled by f = σw^{2L}. Tolerances: the double-precision continuation
    # closes to 1e-9, the measured agreement is ≤ 5e-10 (pdf) and 1e-15 (edge)
    L = 3
    dens = JacobianDensity(act, L, sw, sb, orth)
    law = jacobian_law(act, L, sw, sb, orth)
    f = float(mpmath.mpf(sw) ** (2 * L))
    (a, b), = [(float(x), float(y)) for x, y in law.intervals()]
    assert dens.support()[0][1] == pytest.approx(b * f, rel=1e-10)
    xs = np.linspace(a, b, 9)[1:-1]
    ref = np.array([float(law.pdf(x)) for x in xs]) / f
    np.testing.assert_allclose(dens.pdf(xs * f), ref, rtol=1e-8)
    mass0 = [float(m) for x, m in law.atoms() if abs(x) < 1e-12]
    assert dens.atoms()[0][1] == pytest.approx(mass0[0], abs=1e-12)
    # total mass and the CDF inside (the λ → 0 singularity leaves ~4e-5 to the rule)
    assert dens.moment(0) == pytest.approx(1, abs=1e-8)
    np.testing.assert_allclose(dens.cdf(xs * f), [float(law.cdf(x)) for x in xs], atol=1e-4)


@pytest.mark.parametrize("orth, layers, tol, mass_tol", [(False, 4, 1e-8, 1e-8), (True, 4, 1e-5, 1e-4),
                                                         (True, 2, 1e-5, 1e-4)])
def test_tanh_density_carries_the_exact_moments(orth, layers, tol, mass_tol):
    # continuous D² (tanh): moments of the numerical density against the exact S-transform
    # series (an independent route: series reversion of μ_k = E φ′^{2k}); measured 7e-10
    # (Gaussian) and ≤ 5e-7 (orthogonal). Orthogonal densities are exponentially small near 0,
    # where points are taken at Im z = 1e-6·b; that costs up to 3e-5 of the total mass
    dens = JacobianDensity("tanh", layers, 1.1, 0.05, orth)
    ms = jacobian_moments("tanh", layers, 1.1, 0.05, orth, 3)
    assert dens.atoms() == []
    assert abs(dens.moment(0) - 1) < mass_tol
    for k in (1, 2, 3):
        assert dens.moment(k) == pytest.approx(float(ms[k - 1].value), rel=tol)
    # G is a Stieltjes transform: G(iy) ~ 1/(iy), and conjugate symmetric
    g = dens.stieltjes(np.array([1e6j, 1 + 1j, 1 - 1j]))
    assert g[0] * 1e6j == pytest.approx(1, rel=1e-5)
    assert g[1].imag < 0 and g[2] == pytest.approx(np.conj(g[1]))


def test_tanh_density_against_simulated_networks():
    # KS distance of 3 simulated networks (n = 300) to the CDF: measured 0.0053 (Gaussian);
    # the finite-size error is O(1/n) plus the ECDF noise of ~900 rigid eigenvalues, allow 0.03
    dens = JacobianDensity("tanh", 3, 1.2, 0.05, False)
    e = np.sort(np.concatenate([sample_jacobian_eigenvalues("tanh", 3, 300, 1.2, 0.05, seed=s)
                                for s in range(3)]))
    pts = e[::15]
    ecdf = np.searchsorted(e, pts, side="right") / e.size
    assert np.max(np.abs(dens.cdf(pts) - ecdf)) < 0.03
    # and the spectrum reported by jacobian_spectrum now has a support
    r = jacobian_spectrum("tanh", 3, 1.2, 0.05)
    assert r.support[0][1] == pytest.approx(dens.support()[0][1]) and "subordination" in r.method
    # the top of a product of 3 random factors fluctuates strongly at n = 300 (largest of the
    # 900 measured: 12.25 against the edge 11.46), so only the bulk is held to the edge
    assert np.mean(e > r.support[0][1]) < 0.01


def test_density_refusals_and_orthogonal_top_atom():
    with pytest.raises(RmtsymError, match="atom at its maximum"):
        JacobianDensity("hard_tanh", 3, 1.1, 0.05, orthogonal=True)
    with pytest.raises(RmtsymError, match="one orthogonal layer"):
        JacobianDensity("tanh", 1, 1.2, 0.05, orthogonal=True)
    # hard-tanh, orthogonal: L free projections of rank p n share (1 − L(1 − p)) n dimensions,
    # an atom at σw^{2L} that the algebraic law also finds (at 1 before scaling)
    r = jacobian_spectrum("hard_tanh", 3, "1.1", "0.05", orthogonal=True)
    law = jacobian_law("hard_tanh", 3, "1.1", "0.05", orthogonal=True)
    top = [m for x, m in law.atoms() if abs(x - 1) < 1e-12]
    assert len(r.atoms) == 2 and abs(r.atoms[1][0] - mpmath.mpf("1.1") ** 6) < 1e-15
    assert abs(r.atoms[1][1] - top[0]) < 1e-12


# --------------------------------------------------------------------------- deep 0/1-valued D²
# hard-tanh on its critical line at σb = 0.05 (χ1 = 1; rmtsym.networks.signal_propagation)
HT_CRIT_SW = "1.0088534852"


@pytest.mark.parametrize("act, sw, sb, L", [("relu", SQ2, "0", 4), ("relu", SQ2, "0", 6),
                                            ("hard_tanh", HT_CRIT_SW, "0.05", 4),
                                            ("hard_tanh", HT_CRIT_SW, "0.05", 6)])
def test_deep_algebraic_law_density_and_cdf(act, sw, sb, L):
    # from L = 3 on the algebraic route keeps its support and atoms but takes the density and
    # CDF from the subordination solver: its own Chebyshev tables took minutes per CDF value
    # at L = 4 (the real-axis root is not unique, every node needed a continuation) and lost
    # mass at the λ^{-L/(L+1)} singularity at 0. Each case now takes about a second.
    import time
    from rmtsym.networks.jacobian import JacobianLaw
    from rmtsym.networks.model import Network
    t0 = time.perf_counter()
    law = JacobianLaw(Network.build(act, L, sigma_w=sw, sigma_b=sb), None)
    assert law.method == "algebraic" and law.density_method == "subordination"
    assert abs(float(law.mean_field.chi[0].value) - 1) < 1e-8  # at criticality
    x = np.array([0.5, 1.0, 2.0])
    c = law.cdf(x)
    assert time.perf_counter() - t0 < 30  # was minutes (the bug); measured < 1 s
    assert np.all(np.diff(c) > 0) and law.atoms()[0][1] < c[0] < 1
    # independent of the subordination solver: the density is the root of the algebraic
    # equation (built at σw = 1, scaled by f = σw^{2L}) at interior points — the two solvers
    # agree to 5e-10 where both are defined; and the numerical moments are the exact
    # S-transform series (measured 5e-10); the total mass 1 to the rule's 1e-8
    alg = jacobian_law(act, L, sw, sb)
    f = float(mpmath.mpf(sw) ** (2 * L))
    (a, b), = [(float(u), float(v)) for u, v in alg.intervals()]
    assert law.support()[0][1] == pytest.approx(b * f, rel=1e-12)
    xs = np.linspace(a, b, 5)[1:-1]
    np.testing.assert_allclose(law.pdf(xs * f), [float(alg.pdf(v)) / f for v in xs], rtol=1e-8)
    ms = law.exact_moments(3)
    for k in (1, 2, 3):
        assert law.moment(k) == pytest.approx(float(ms[k - 1].value), rel=1e-8)
    assert abs(law.total_mass() - 1) < 1e-8


def test_deep_relu_cdf_against_simulated_networks_and_cli(capsys):
    # the reported case: rmtsym jacobian relu --layers 4 --sigma-w √2 --cdf 1 (hung for minutes)
    import json
    import time
    from rmtsym.cli import main
    t0 = time.perf_counter()
    rc = main(["jacobian", "relu", "--layers", "4", "--sigma-w", "1.4142135623730951",
               "--cdf", "0.01,0.1,1,5", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0 and time.perf_counter() - t0 < 30
    assert d["method"].startswith("algebraic") and "subordination" in d["method"]
    # J Jᵀ of 3 simulated networks (n = 300). The atom at 0 (mass 1/2 at infinite width) is
    # held out: at finite width its mass is 1 − E[min_l N_l]/n, N_l ~ Bin(n, 1/2), with a bias
    # and a seed-to-seed spread of a few % (measured 0.524-0.538 here). The continuous mass on
    # (0, x], F(x) − F(0) against the simulated fraction of eigenvalues in (0, x]: measured
    # ≤ 0.018 over 3 seed sets at n = 300 (≤ 0.01 at n = 600, O(1/n)); allow 0.04
    e = np.sort(np.concatenate([sample_jacobian_eigenvalues("relu", 4, 300, math.sqrt(2), 0, seed=s)
                                for s in range(3)]))
    e[e < 1e-9 * e.max()] = 0.0  # the kernel of J (eigenvalues at rounding level)
    zero = np.mean(e == 0)
    from rmtsym.networks.jacobian import JacobianLaw
    from rmtsym.networks.model import Network
    law = JacobianLaw(Network.build("relu", 4, sigma_w=SQ2), None)
    assert law.cdf(0.0) == pytest.approx(0.5, abs=1e-12)
    pts = e[e > 0][::5]
    sim = np.searchsorted(e, pts, side="right") / e.size - zero
    assert np.max(np.abs(law.cdf(pts) - law.cdf(0.0) - sim)) < 0.04
    np.testing.assert_allclose(d["cdf"], law.cdf([0.01, 0.1, 1, 5]), rtol=1e-12)
    sim_at = np.searchsorted(e, d["cdf_at"], side="right") / e.size - zero
    assert np.max(np.abs(np.array(d["cdf"]) - 0.5 - sim_at)) < 0.04


@pytest.mark.parametrize("act, sw, sb", [("relu", SQ2, "0"), ("hard_tanh", HT_CRIT_SW, "0.05")])
def test_depth_10_uses_the_subordination_route(act, sw, sb):
    # beyond ALGEBRAIC_MAX_DEPTH the whole law is the subordination one; it still carries the
    # exact moments and the atom 1 − p at 0 of the 0/1-valued D²
    from rmtsym.networks.jacobian import JacobianLaw
    from rmtsym.networks.model import Network
    law = JacobianLaw(Network.build(act, 10, sigma_w=sw, sigma_b=sb), None)
    assert law.method == law.density_method == "subordination"
    ms = law.exact_moments(2)
    assert law.moment(1) == pytest.approx(float(ms[0].value), rel=1e-8)
    assert law.moment(2) == pytest.approx(float(ms[1].value), rel=1e-8)
    assert abs(law.total_mass() - 1) < 1e-8 and 0 < law.cdf(1.0) < 1


def test_mixed_relu_tanh_layers_against_mean_field_and_simulation():
    # "relu;tanh", σw = 1.4142, Q = 1: the ReLU layer's D² has an atom 1/2 at 0 and the tanh
    # layer's none, so the spectrum has an atom 1/2 at 0 and a gap (0, 0.00998) below the
    # continuous part. The solver used to take the tanh layer (the last of the narrowest) as
    # its pivot and lost the ReLU layer's u = w/(p + w) to the cancellation p + w → 0 in the
    # gap: "did not converge". The pivot is now the factor of least rank (ReLU: 1/2).
    from rmtsym.networks.jacobian import JacobianLaw
    from rmtsym.networks.model import Network
    from rmtsym.networks.simulate import sample_networks
    sw = 1.4142
    net = Network.build(["relu", "tanh"], 2, sigma_w=str(sw))
    law = JacobianLaw(net, 1)
    assert law.method == "subordination"
    # m1 = Π_l σw² E φ_l′(√q^l Z)², with q¹ = σw² Q and q² = σw² E relu(√q¹ Z)² = σw² q¹/2
    # (σb = 0), the tanh factor E sech⁴(√q² Z) by mpmath.quad at 30 digits (Gauss–Hermite
    # converges slowly here: 1e-8 at 200 nodes, the poles of sech lie near the real axis)
    q1 = sw ** 2
    q2 = sw ** 2 * q1 / 2
    with mpmath.workdps(30):
        E = mpmath.quad(lambda t: mpmath.sech(mpmath.sqrt(q2) * t) ** 4 * mpmath.npdf(t),
                        [-mpmath.inf, -3, 0, 3, mpmath.inf])
    m1 = sw ** 2 * 0.5 * sw ** 2 * float(E)
    assert law.mean() == pytest.approx(m1, rel=1e-12)
    assert float(law.mean_field.q[1].value) == pytest.approx(q2, rel=1e-12)
    # the density carries the exact moments (measured 2e-10) and mass 1 with the atom
    ms = law.exact_moments(3)
    for k in (1, 2, 3):
        assert law.moment(k) == pytest.approx(float(ms[k - 1].value), rel=1e-8)
    assert abs(law.total_mass() - 1) < 1e-8
    assert law.atoms() == [(0.0, pytest.approx(0.5, abs=1e-12))]
    (a, b), = law.support()
    assert 0.009 < a < 0.011 and law.cdf(a) == pytest.approx(0.5, abs=1e-8)
    # 3 simulated networks of width 400: the zero eigenvalues are n − rank(D¹) (tanh′ ≠ 0),
    # fraction 1/2 ± √(1/4/1200) = 0.0144 (allow 4 s.e.); the continuous mass on (0, x]
    # against the simulated fraction in (0, x]: measured ≤ 0.012 over 3 seed sets, allow 0.03
    smp = sample_networks(net.with_widths([400] * 3), 1.0, seeds=3, seed=0)
    e = np.sort(np.concatenate(list(smp.eigenvalues)))
    e[e < 1e-9 * e.max()] = 0.0
    zero = np.mean(e == 0)
    assert abs(zero - 0.5) < 4 * 0.0144
    pts = e[e > 0][::3]
    sim = np.searchsorted(e, pts, side="right") / e.size - zero
    assert np.max(np.abs(law.cdf(pts) - law.cdf(0.0) - sim)) < 0.03
    assert np.mean(smp.eigenvalues[0]) == pytest.approx(m1, rel=0.15)  # one network's m1 (few %)


def test_top_atom_at_depth_four_cdf_from_the_potential():
    """Orthogonal hard-tanh layers at depth 4 leave an atom at the top of J Jᵀ (mass
    1 − 4(1 − p)) beside the atom at 0 and a density diverging at 0: the subordination solver
    does not take it and the density tables took minutes. The CDF now comes from the
    logarithmic potential; it is checked against the exact S-transform moments through
    m_k = ∫ k x^(k−1) (1 − F(x)) dx (Gauss-Legendre in x = b·v⁵, which absorbs the x^(1/5)
    of F at 0; the error falls from 4e-7 at 40 nodes to 1e-8 at 80 and 4e-10 at 160), and
    equals 1 − (top atom) between the support and the top atom."""
    from rmtsym.networks.jacobian import JacobianLaw
    from rmtsym.networks.model import Network

    net = Network.build("hard_tanh", 4, sigma_w=1.2, sigma_b=0.1, weights="orthogonal")
    law = JacobianLaw(net)
    assert law.method == "algebraic" and law._potential
    (lo, hi), = law.support()
    (x0, m0), (xt, mt) = law.atoms()
    assert x0 == 0 and mt == pytest.approx(1 - 4 * law.d2_zero_mass[0], abs=1e-12)
    exact = [float(m.value) for m in law.exact_moments(2)]
    v, w = np.polynomial.legendre.leggauss(80)
    v, w = (v + 1) / 2, w / 2
    x = hi * v ** 5
    dx = 5 * hi * v ** 4
    tail = 1 - law.cdf(x)
    m1 = np.sum(w * dx * tail) + (xt - hi) * mt
    m2 = np.sum(w * dx * 2 * x * tail) + (xt ** 2 - hi ** 2) * mt
    assert abs(m1 / exact[0] - 1) < 1e-7 and abs(m2 / exact[1] - 1) < 1e-6
    assert law.cdf((hi + xt) / 2) == pytest.approx(1 - mt, abs=1e-10)
    assert law.cdf(xt) == pytest.approx(1.0, abs=1e-12) and law.cdf(-1.0) == 0.0
    assert abs(law.total_mass() - 1) < 1e-10
    q = law.ppf(0.5)
    assert law.cdf(q) == pytest.approx(0.5, abs=1e-8)


def test_top_atom_at_depth_four_command_line(capsys):
    """The command that ran for minutes: one CDF point per continuation path, seconds now;
    the JSON says which route gave the CDF."""
    import json
    import time

    from rmtsym.cli import main

    t0 = time.perf_counter()
    rc = main(["jacobian", "hard_tanh", "--layers", "4", "--weights", "orthogonal", "--sigma-w", "1.2",
               "--sigma-b", "0.1", "--cdf", "0.5,4.2", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0 and time.perf_counter() - t0 < 20
    (x0, m0), (xt, mt) = d["atoms"]
    assert float(x0) == 0 and abs(float(xt) - 1.2 ** 8) < 1e-9
    # between the continuous support and the top atom: F = 1 − (top atom)
    assert abs(d["cdf"][1] - (1 - float(mt))) < 1e-9
    assert float(m0) < d["cdf"][0] < d["cdf"][1]
    assert any("logarithmic potential" in n for n in d["notes"])


def test_top_atom_law_near_the_atom_at_zero():
    """Within 1e-14 of the atom at 0 every root grows like m/z; the paths are followed with
    the atoms' poles taken out, and nearer than 1e-12 of the scale the continuous part is
    continued as its power law: F − m0 increases with x from 1e-320 to 1e-5 (it fell and
    jumped before), with the local exponent 1/4 that the Newton polygon of the equation
    gives, and no overflow."""
    from rmtsym.networks.jacobian import JacobianLaw
    from rmtsym.networks.model import Network

    import sympy as sp

    from rmtsym.symbols import G, z

    net = Network.build("hard_tanh", 4, sigma_w=1.2, sigma_b=0.1, weights="orthogonal")
    law = JacobianLaw(net)
    m0 = law.atoms()[0][1]
    # the exponent, independently, from the equation's Newton polygon at z = 0: the atom's
    # mass is a 4-fold root of L(w) (Q at G = w/z, lowest order in z); with G = (m0 + V)/z
    # the lowest terms balance as V^4 z^5 ~ z^6, so V ~ z^(1/4), G_c ~ z^(−3/4), F_c ~ x^(1/4)
    eq = law._alg.equation.poly
    d = eq.degree(G)
    w, V = sp.symbols("w V")
    P = sp.Poly(sp.expand(eq.as_expr().subs(G, w / z) * z**d), z)
    Lw = sp.Poly(P.coeff_monomial(z ** min(m[0] for m in P.monoms())), w)
    mass, mult = next((r, k) for r, k in sp.roots(Lw).items() if k > 1)
    assert mult == 4 and abs(float(mass) - m0) < 1e-12
    R = sp.Poly(sp.expand(eq.as_expr().subs(G, (mass + V) / z) * z**d), V, z)
    b0 = min(b for a, b in R.monoms() if a == 0)
    # the edge of the Newton polygon from (0, b0): every term V^a z^b must have a·β + b ≥ b0
    beta = max(sp.Rational(b0 - b, a) for a, b in R.monoms() if a > 0 and b < b0)
    assert beta == sp.Rational(1, 4)
    X = np.concatenate([[1e-320, 1e-300, 1e-40], np.geomspace(1e-14, 1e-5, 19)])
    F = law.cdf(X) - m0
    assert np.all(F[2:] > 0) and np.all(np.diff(F[2:]) > 0) and abs(F[0]) < 1e-15
    slope = np.diff(np.log10(F[3:])) / np.diff(np.log10(X[3:]))
    assert np.all(np.abs(slope - 0.25) < 0.02), slope
    assert abs(F[2] - F[3] * (1e-40 / 1e-14) ** 0.25) < 0.05 * F[2]
