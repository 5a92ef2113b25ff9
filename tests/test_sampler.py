"""Tests of rmtsym.sampler: conventions, seeding, padding, exact moments, independent simulation."""
import math

import numpy as np
import pytest
from scipy import stats

from rmtsym.errors import ParameterError, RmtsymError
from rmtsym.sampler import (SampleResult, apply_layer, bartlett_factor, centring_constant,
                            random_entries,
                            sample_eigenvalues, sample_features, sample_gram_eigenvalues,
                            sample_matrix, sample_sizes)


def relu(x):
    return np.maximum(x, 0.0)


def identity(x):
    return x


RELU_MEAN = 1.0 / math.sqrt(2.0 * math.pi)  # E max(Z, 0), docs/theory.md §6


# --------------------------------------------------------------------------- sizes and errors
def test_sizes_follow_pw_ratios():
    # φ = n0/m, ψ = n0/n1 (docs/theory.md §1.1)
    assert sample_sizes(2, 0.5, 100) == (100, 200, 50)
    assert sample_sizes("1/4", "4", 100) == (100, 25, 400)
    r = sample_eigenvalues(identity, 3, 1, 10)
    assert (r.n0, r.n1, r.m) == (10, 10, 3)
    assert r.phi == pytest.approx(10 / 3) and r.requested_phi == 3.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(n0=0), "n0 must be at least 1"),
    (dict(n0=-5), "n0 must be at least 1"),
    (dict(n0=2.5), "whole number"),
    (dict(n0="ten"), "whole number"),
    (dict(n0=True), "whole number"),
    (dict(n0=1, psi=3), "n1 = round"),
    (dict(n0=1, phi=3), "m = round"),
    (dict(seeds=0), "seeds must be at least 1"),
    (dict(seeds=1.5), "whole number"),
    (dict(seed=-1), "seed must be"),
    (dict(entries="cauchy"), "entries must be one of"),
    (dict(phi=0), "phi must be"),
    (dict(psi="x"), "psi must be"),
    (dict(sigma_w=-1), "sigma_w must be"),
    (dict(sigma_x=float("nan")), "sigma_x must be"),
    (dict(center="yes"), "center must be"),
])
def test_bad_arguments_are_rejected_clearly(kwargs, match):
    args = dict(activation=np.tanh, phi=1, psi=1, n0=10)
    args.update(kwargs)
    with pytest.raises(ParameterError, match=match):
        sample_eigenvalues(**args)


def test_bad_activation_and_nonfinite_values():
    with pytest.raises(ParameterError):
        sample_eigenvalues(42, 1, 1, 10)
    with pytest.raises(RmtsymError, match="non-finite"), np.errstate(divide="ignore", invalid="ignore"):
        sample_eigenvalues(lambda x: 1.0 / (x - x), 1, 1, 5, center=False)


# --------------------------------------------------------------------------- structure
def test_padding_with_exact_zeros_and_agreement_with_direct_diagonalisation():
    # φ = 2, ψ = 0.5: n1 = 2 n0, m = n0/2, so M (n1×n1) has rank m and n1 − m exact zeros
    r = sample_eigenvalues(np.tanh, 2, 0.5, 40, seeds=2, seed=3)
    assert r.eigenvalues.shape == (2, 80)
    assert np.all(np.diff(r.eigenvalues, axis=1) >= 0)
    assert np.all(np.sum(r.eigenvalues == 0.0, axis=1) == 80 - 20)
    M = sample_matrix(np.tanh, 2, 0.5, 40, seed=3)  # seed index 0 of the same run
    direct = np.linalg.eigvalsh(M)
    # the direct n1×n1 diagonalisation gives round-off "zeros" ~1e-15·‖M‖
    np.testing.assert_allclose(direct, r.eigenvalues[0], atol=1e-12 * direct.max())


def test_seeding_is_reproducible_and_extensible():
    a = sample_eigenvalues(np.sin, 1, 2, 30, seeds=2, seed=7)
    b = sample_eigenvalues(np.sin, 1, 2, 30, seeds=3, seed=7)
    np.testing.assert_array_equal(a.eigenvalues, b.eigenvalues[:2])
    c = sample_eigenvalues(np.sin, 1, 2, 30, seeds=2, seed=8)
    assert not np.allclose(a.eigenvalues, c.eigenvalues)
    assert not np.allclose(b.eigenvalues[0], b.eigenvalues[1])


def test_features_match_the_sampler_and_the_matrix():
    Y = sample_features(relu, 1, 1, 25, seed=4)
    assert Y.shape == (25, 25)
    M = sample_matrix(relu, 1, 1, 25, seed=4)
    np.testing.assert_allclose(M, Y @ Y.T / 25, rtol=1e-12)
    np.testing.assert_allclose(sample_matrix(relu, 1, 1, 25, seed=4, which="Y"), Y)
    r = sample_eigenvalues(relu, 1, 1, 25, seed=4)
    np.testing.assert_allclose(np.linalg.eigvalsh(M), r.eigenvalues[0], atol=1e-12)
    Y2, X = sample_features(relu, 1, 1, 25, seed=4, return_data=True)
    assert X.shape == (25, 25)
    with pytest.raises(ParameterError):
        sample_matrix(relu, 1, 1, 25, which="K")


def test_gram_eigenvalues_on_both_sides():
    rng = np.random.default_rng(0)
    Y = rng.standard_normal((7, 3))
    rows = sample_gram_eigenvalues(Y)  # Y Yᵀ/3, 7 eigenvalues, 4 exact zeros
    np.testing.assert_allclose(rows, np.linalg.eigvalsh(Y @ Y.T / 3), atol=1e-12)
    assert np.sum(rows == 0.0) == 4
    cols = sample_gram_eigenvalues(Y, side="columns")  # Yᵀ Y/7, 3 eigenvalues
    np.testing.assert_allclose(cols, np.linalg.eigvalsh(Y.T @ Y / 7), atol=1e-12)
    Z = rng.standard_normal((3, 7))
    cols = sample_gram_eigenvalues(Z, normalization=2.0, side="columns")
    assert cols.shape == (7,) and np.sum(cols == 0.0) == 4
    np.testing.assert_allclose(cols, np.linalg.eigvalsh(Z.T @ Z / 2), atol=1e-12)


def test_centring_uses_the_exact_gaussian_mean_and_leaves_a_spike_otherwise():
    # μ0 = E relu(σZ) = σ/√(2π) (docs/theory.md §6), here σ = σw σx = 1.5
    assert centring_constant(relu, 1.5, 1.0) == pytest.approx(1.5 * RELU_MEAN, rel=1e-10)
    centred = sample_eigenvalues(relu, 1, 1, 200, seed=1)
    raw = sample_eigenvalues(relu, 1, 1, 200, seed=1, center=False)
    assert centred.center == pytest.approx(RELU_MEAN, rel=1e-10) and raw.center == 0.0
    # the mean adds μ0·11ᵀ to Y: one outlier ≈ n1 μ0² = 31.8 (docs/theory.md §1.3); the bulk
    # edge is ≈ 1.4, so 10 % covers the O(1) bulk contribution to the spike
    assert raw.eigenvalues[0, -1] == pytest.approx(200 * RELU_MEAN ** 2, rel=0.1)
    assert centred.eigenvalues[0, -1] < 3
    # the second eigenvalue of the raw M is close to the top of the centred one (§1.3)
    assert raw.eigenvalues[0, -2] == pytest.approx(centred.eigenvalues[0, -1], rel=0.1)
    explicit = sample_eigenvalues(relu, 1, 1, 200, seed=1, center=RELU_MEAN)
    np.testing.assert_allclose(explicit.eigenvalues, centred.eigenvalues, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("entries", ["gaussian", "rademacher", "uniform"])
def test_entry_distributions_have_the_stated_variance(entries):
    rng = np.random.default_rng(1)
    a = random_entries(rng, (400, 500), 0.5, entries)
    # mean and variance of 2·10^5 iid entries: se(mean) = 0.5/√N ≈ 1.1e-3, se(var) ≤ 0.25·√(2/N)
    assert abs(a.mean()) < 5 * 0.5 / math.sqrt(a.size)
    assert a.var() == pytest.approx(0.25, abs=5 * 0.25 * math.sqrt(2 / a.size))
    if entries == "rademacher":
        assert set(np.unique(a)) == {-0.5, 0.5}
    if entries == "uniform":
        assert a.max() <= 0.5 * math.sqrt(3) and a.min() >= -0.5 * math.sqrt(3)
        # uniform has excess kurtosis −1.2 (distinguishes it from the Gaussian's 0)
        assert stats.kurtosis(a.ravel()) == pytest.approx(-1.2, abs=0.05)


def test_float32_and_progress_bar(capsys):
    r = sample_eigenvalues(np.tanh, 1, 1, 20, seeds=2, dtype=np.float32, progress=True)
    assert r.eigenvalues.dtype == np.float32
    err = capsys.readouterr().err
    assert "2/2 matrices" in err
    sample_eigenvalues(np.tanh, 1, 1, 20, seeds=2, progress=False)
    assert capsys.readouterr().err == ""
    with pytest.raises(ParameterError):
        sample_eigenvalues(np.tanh, 1, 1, 20, dtype=np.int32)


def test_apply_layer_keeps_the_pw_scaling():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 200))
    Y = apply_layer(identity, X, 150, rng, sigma_w=2.0)
    assert Y.shape == (150, 200)
    # linear layer: E Y_iμ² = σw² ‖x_μ‖²/n_in ≈ 4; se of the mean of 3·10^4 correlated entries
    # is dominated by the 200 column norms: 4·√(2/300)/√200 ≈ 0.023
    assert np.mean(Y ** 2) == pytest.approx(4.0, abs=0.15)
    Z = apply_layer(np.tanh, Y, 100, rng, entries="rademacher")
    assert Z.shape == (100, 200) and np.all(np.abs(Z) <= 1)


# --------------------------------------------------------------------------- exact moments
def _linear_m2_exact(n0, n1, m, sw=1.0, sx=1.0):
    """E (1/n1) tr M², M = WXXᵀWᵀ/m, Gaussian W (σw²/n0), X (σx²), exactly at finite size.

    Wick: E_W tr (G S Gᵀ)² = (n1² + n1) tr S² + n1 (tr S)² for G n1×n0 standard, S = XXᵀ;
    E tr S² = σx⁴ n0 m (n0 + m + 1) (Wishart), E (tr S)² = σx⁴ n0 m (n0 m + 2) (χ²).
    Large-n limit: σ⁴ (1 + n1/m + n1/n0), the product-Wishart m2 of docs/theory.md §1.5.
    """
    trs2 = sx ** 4 * n0 * m * (n0 + m + 1)
    trs_sq = sx ** 4 * n0 * m * (n0 * m + 2)
    return (sw ** 4 / n0 ** 2) / (m ** 2 * n1) * ((n1 ** 2 + n1) * trs2 + n1 * trs_sq)


@pytest.mark.parametrize("method", ["bartlett", "direct"])
@pytest.mark.parametrize("n0, phi, psi, n1, m", [(8, 0.5, 2 / 3, 12, 16), (12, 0.75, 1.5, 8, 16)])
def test_linear_moments_equal_exact_finite_size_expectations(method, n0, phi, psi, n1, m):
    # f(x) = x: E m1 = σw²σx² exactly; E m2 from Wick's theorem (above), with n1 > n0 (the
    # Bartlett factor is trapezoidal) and n1 < n0 (triangular), for both ways of drawing WX
    sw, sx = 1.3, 0.8
    r = sample_eigenvalues(identity, phi, psi, n0, seeds=3000, sigma_w=sw, sigma_x=sx, method=method)
    assert (r.n0, r.n1, r.m) == (n0, n1, m) and r.method == method
    per = np.stack([r.eigenvalues.mean(axis=1), (r.eigenvalues ** 2).mean(axis=1)], axis=1)
    mean, se = per.mean(axis=0), per.std(axis=0, ddof=1) / math.sqrt(per.shape[0])
    m1 = (sw * sx) ** 2
    m2 = _linear_m2_exact(n0, n1, m, sw, sx)
    # 4.5 standard errors: a false failure has probability < 1e-5 per check
    assert abs(mean[0] - m1) < 4.5 * se[0]
    assert abs(mean[1] - m2) < 4.5 * se[1]
    # the finite-size m2 differs from the limit 1 + n1/m + n1/n0 by more than the test's resolution
    assert abs(m2 - m1 ** 2 * (1 + n1 / m + n1 / n0)) > 6 * se[1]


# --------------------------------------------------------------------------- Bartlett's reduction
@pytest.mark.parametrize("n0, n1", [(7, 4), (4, 7), (5, 5), (1, 3), (3, 1)])
def test_bartlett_factor_has_the_shape_and_the_wishart_moments_of_w(n0, n1):
    rng = np.random.default_rng(5)
    L = bartlett_factor(rng, n0, n1)
    r = min(n0, n1)
    assert L.shape == (n1, r)
    assert np.all(np.triu(L[:r], 1) == 0) and np.all(np.diag(L[:r]) > 0)
    # A = L Lᵀ against W Wᵀ ~ Wishart_{n1}(I, n0): E A = n0 I and E tr A² = n0 n1 (n0 + n1 + 1)
    # (Muirhead Thm 3.2.14), checked to 4.5 standard errors over 20000 draws
    draws = 20000
    diag_mean = np.zeros(n1)
    off = np.empty(draws)
    tr2 = np.empty(draws)
    for k in range(draws):
        L = bartlett_factor(rng, n0, n1)
        A = L @ L.T
        diag_mean += np.diag(A) / draws
        off[k] = A[-1, 0] if n1 > 1 else 0.0
        tr2[k] = np.sum(A * A)
    assert np.all(np.abs(diag_mean - n0) < 4.5 * math.sqrt(2 * n0 / draws))
    assert abs(off.mean()) < 4.5 * math.sqrt(n0 / draws)
    assert abs(tr2.mean() - n0 * n1 * (n0 + n1 + 1)) < 4.5 * tr2.std(ddof=1) / math.sqrt(draws)


@pytest.mark.parametrize("n0, n1, m", [(300, 200, 50), (150, 400, 70), (200, 200, 1), (5, 3, 4)])
def test_bartlett_product_in_place_equals_l_times_x(n0, n1, m):
    # the in-place, bottom-up block product (blocks of 128 rows) reproduces scale·L·X' exactly,
    # with the same draws: L first, then X'
    from rmtsym.sampler import _bartlett_pre_activations

    Y = np.empty((n1, m))
    _bartlett_pre_activations(np.random.default_rng(9), n0, n1, m, 0.3, Y)
    rng = np.random.default_rng(9)
    L = bartlett_factor(rng, n0, n1)
    Xp = rng.standard_normal((L.shape[1], m))
    np.testing.assert_allclose(Y, 0.3 * (L @ Xp), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f, phi, psi", [(np.tanh, 1, 1), (relu, 0.5, 2.0), (np.sin, 2.0, 0.5),
                                         (lambda x: x * x, 1, 4.0)])
def test_bartlett_and_direct_sample_the_same_law(f, phi, psi):
    # the two ways of drawing WX give the same spectrum: pooled two-sample KS within the
    # rigidity threshold of the independent-simulation test below; the 1/n0 bias of m1
    # (row norms of W) is the same in both, so their m1 agree to 4.5 standard errors
    a = sample_eigenvalues(f, phi, psi, 120, seeds=16, seed=3, method="bartlett", center=False)
    b = sample_eigenvalues(f, phi, psi, 120, seeds=16, seed=4, method="direct", center=False)
    assert (a.method, b.method) == ("bartlett", "direct")
    d = stats.ks_2samp(a.pooled, b.pooled, method="asymp").statistic
    assert d < _pooled_ks_threshold(a.n1, 16)
    ma, mb = a.eigenvalues.mean(axis=1), b.eigenvalues.mean(axis=1)
    se = math.sqrt(ma.var(ddof=1) / ma.size + mb.var(ddof=1) / mb.size)
    assert abs(ma.mean() - mb.mean()) < 4.5 * se


def test_method_choice_and_its_errors():
    assert sample_eigenvalues(np.tanh, 1, 1, 10).method == "bartlett"
    assert sample_eigenvalues(np.tanh, 1, 1, 10, entries="uniform").method == "direct"
    assert sample_eigenvalues(np.tanh, 1, 1, 10, entries=("gaussian", "rademacher")).method == "direct"
    with pytest.raises(ParameterError, match="needs Gaussian W and X"):
        sample_eigenvalues(np.tanh, 1, 1, 10, entries="rademacher", method="bartlett")
    with pytest.raises(ParameterError, match="cannot be returned"):
        sample_features(np.tanh, 1, 1, 10, return_data=True, method="bartlett")
    with pytest.raises(ParameterError, match="method must be one of"):
        sample_eigenvalues(np.tanh, 1, 1, 10, method="fast")
    # auto with the data asked for draws W and X directly; float32 runs through strmm
    Y, X = sample_features(np.tanh, 1, 1, 10, return_data=True)
    assert X.shape == (10, 10)
    r = sample_eigenvalues(np.tanh, 1, 2, 40, dtype=np.float32, method="bartlett")
    assert r.eigenvalues.dtype == np.float32 and np.all(np.isfinite(r.eigenvalues))


@pytest.mark.parametrize("entries", ["rademacher", "uniform"])
def test_first_moment_is_exact_for_any_entries(entries):
    # E Y_iμ² = Σ_a E W_ia² E X_aμ² = σw² σx² for iid centred entries of any law
    r = sample_eigenvalues(identity, 1, 1, 15, seeds=400, entries=entries, sigma_x=1.5)
    per = r.eigenvalues.mean(axis=1)
    assert abs(per.mean() - 2.25) < 4.5 * per.std(ddof=1) / math.sqrt(per.size)


# --------------------------------------------------------------------------- independent simulation
def _independent_simulation(f, mu0, phi, psi, n0, seeds, seed, sw=1.0, sx=1.0):
    """A plain loop on a different code path: legacy MT19937 RandomState, full n1×n1 eigvalsh.

    The round-off "zeros" of the rank-deficient case (|λ| ~ 1e-15, of either sign) are set to
    exact zeros, as the sampler's padding does.
    """
    n1, m = int(round(n0 / psi)), int(round(n0 / phi))
    rs = np.random.RandomState(seed)
    out = []
    for _ in range(seeds):
        W = rs.normal(0.0, sw / math.sqrt(n0), size=(n1, n0))
        X = rs.normal(0.0, sx, size=(n0, m))
        Y = f(W.dot(X)) - mu0
        M = Y.dot(Y.T) / m
        ev = np.linalg.eigvalsh(M)
        ev[np.abs(ev) < 1e-10 * ev.max()] = 0.0
        out.append(ev)
    return np.concatenate(out)


def _pooled_ks_threshold(n, seeds):
    """Threshold for the two-sample KS distance of two pooled spectra of `seeds` n×n matrices.

    The iid critical value ~ 1.9·√(2/(n·seeds)) does not apply: eigenvalues of one matrix are
    rigid (the count in any interval deviates from its mean by O(log n), Erdős–Schlein–Yau), so
    one matrix's ECDF deviates by O(log n / n) and S independent matrices average that down by
    √S. Threshold 2·ln(n)/(n·√S). Measured (15 repetitions, n0 = 120, S = 16): the null
    distance stays below 0.52× this threshold (tanh 0.0104 vs 0.0199, relu 0.0208 vs 0.0341,
    sin 0.0042 vs 0.0114), while σw off by 15 % gives at least 1.3× it (0.028, 0.116, 0.0146).
    """
    return 2.0 * math.log(n) / (n * math.sqrt(seeds))


@pytest.mark.parametrize("f, mu0, phi, psi, sw, sx", [
    (np.tanh, 0.0, 1.0, 1.0, 1.0, 1.0),
    (relu, RELU_MEAN * 1.5, 0.5, 2.0, 1.5, 1.0),
    (np.sin, 0.0, 2.0, 0.5, 1.0, 0.7),
])
def test_sampler_matches_an_independent_simulation(f, mu0, phi, psi, sw, sx):
    ours = sample_eigenvalues(f, phi, psi, 120, seeds=16, seed=11, sigma_w=sw, sigma_x=sx)
    theirs = _independent_simulation(f, mu0, phi, psi, 120, 16, 12345, sw, sx)
    threshold = _pooled_ks_threshold(ours.n1, 16)
    d = stats.ks_2samp(ours.pooled, theirs, method="asymp").statistic
    assert d < threshold
    # sensitivity: the same comparison rejects a simulation whose σw is off by 15 %
    wrong = _independent_simulation(f, mu0, phi, psi, 120, 16, 12345, 1.15 * sw, sx)
    assert stats.ks_2samp(ours.pooled, wrong, method="asymp").statistic > threshold


@pytest.mark.parametrize("entries", ["rademacher", "uniform", ("rademacher", "uniform")])
def test_universality_of_entries(entries):
    # Benigni–Péché (docs/theory.md §3): the same spectrum for Rademacher/uniform entries. Over 45
    # repetitions (n0 = 100, 12 seeds) the distance stayed below 0.47× the same-law threshold,
    # so the O(1/n) fourth-cumulant corrections of non-Gaussian entries are within it
    g = sample_eigenvalues(np.tanh, 1, 0.5, 100, seeds=12, seed=1)
    other = sample_eigenvalues(np.tanh, 1, 0.5, 100, seeds=12, seed=2, entries=entries)
    assert other.entries == ((entries, entries) if isinstance(entries, str) else entries)
    d = stats.ks_2samp(g.pooled, other.pooled, method="asymp").statistic
    assert d < _pooled_ks_threshold(g.n1, 12)


def test_activation_objects_and_formulas():
    act_mod = pytest.importorskip("rmtsym.activation")
    pytest.importorskip("rmtsym.gaussian")
    act = act_mod.parse_activation("relu")
    r = sample_eigenvalues(act, 1, 1, 60, seed=2)
    # the certified Gaussian mean of relu at σ = 1 is 1/√(2π)
    assert r.center == pytest.approx(RELU_MEAN, rel=1e-12)
    r2 = sample_eigenvalues("relu", 1, 1, 60, seed=2)
    np.testing.assert_allclose(r2.eigenvalues, r.eigenvalues)
    r3 = sample_eigenvalues(relu, 1, 1, 60, seed=2)
    np.testing.assert_allclose(r3.eigenvalues, r.eigenvalues, rtol=1e-9, atol=1e-12)


def test_result_type():
    r = sample_eigenvalues(np.tanh, 1, 1, 10, seeds=3)
    assert isinstance(r, SampleResult)
    assert r.seeds == 3 and r.pooled.shape == (30,)
    assert r.sizes()["seeds"] == 3


@pytest.mark.parametrize("phi, psi, n0", [(1, 1, 160), (2, 0.5, 100), (0.5, 2, 100)])
def test_memory_stays_within_about_three_matrices(phi, psi, n0):
    import tracemalloc

    sample_eigenvalues(np.tanh, phi, psi, 20)  # warm up imports and caches
    tracemalloc.start()
    try:
        r = sample_eigenvalues(np.tanh, phi, psi, n0, seeds=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    largest = 8 * max(r.n1 * r.n0, r.n0 * r.m, r.n1 * r.m)
    # W, X and Y coexist only during the product WX (measured peak ≈ 3.13 matrices for the
    # square case, the excess being the eigenvalue output and LAPACK's small work arrays)
    assert peak <= 3.3 * largest


def test_sample_layers_centres_each_layer_and_follows_the_variance_recursion():
    from rmtsym.sampler import sample_layers

    # relu with σw = √2 (He): q_{l+1} = 2 Var relu(√q Z) = q (π − 1)/π (centred), μ_l = √(q_l/(2π))
    out = sample_layers(relu, 300, [400, 400, 400], 300, seed=3, sigma_w=math.sqrt(2))
    q = 2.0
    for l in range(3):
        assert out.scales[l] == pytest.approx(q, rel=1e-9)
        assert out.centers[l] == pytest.approx(math.sqrt(q / (2 * math.pi)), rel=1e-7)
        Y = out.features[l + 1]
        var = q * (math.pi - 1) / (2 * math.pi)
        # 1.2·10^5 entries correlated through 300 shared columns and the layer's own W: the
        # sampling error of the mean is ≈ √(var/min(n, m)) / √n ≲ 0.01·√var; 5 % on the variance
        assert abs(Y.mean()) < 0.05 * math.sqrt(var)
        assert Y.var() == pytest.approx(var, rel=0.05)
        q = 2 * var


def test_zeta_zero_layer_gives_marchenko_pastur_data_gram():
    from rmtsym.sampler import sample_layers

    # docs/theory.md §1.8: an even f (ζ = 0) makes K_1 = Y_1ᵀY_1/n_1 Marchenko–Pastur with ratio
    # m/n_1 and scale η: m1 = η, m2 = η²(1 + m/n_1). |x| at σ = 1: η = 1 − 2/π.
    eta = 1 - 2 / math.pi
    m1s, m2s = [], []
    for seed in range(6):
        out = sample_layers(np.abs, 300, [300], 150, seed=seed)
        ev = out.gram_eigenvalues(1)
        assert ev.shape == (150,)
        m1s.append(ev.mean())
        m2s.append((ev ** 2).mean())
    # finite-size: O(1/n) ≈ 1 % (rank-one mean fluctuations of even f); MC se ≈ 0.3 %
    assert np.mean(m1s) == pytest.approx(eta, rel=0.02)
    assert np.mean(m2s) == pytest.approx(eta ** 2 * (1 + 150 / 300), rel=0.04)
