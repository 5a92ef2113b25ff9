"""Spectra of CK and NTK Gram matrices on Gaussian data (rmtsym.networks.kernels.spectra),
against the eigenvalues of Gram matrices of inputs and sampled networks."""
import numpy as np
import pytest

from rmtsym.networks.kernels.empirical import sampled_kernels
from rmtsym.networks.kernels.recursion import kernel_matrices
from rmtsym.networks.kernels.spectra import (ck_gram_law, kernel_gram_law, ks_distance, layer_law_cdf,
                                             sample_ck_gram)
from rmtsym.networks.model import Network

N, D = 300, 600       # γ = n/d = 1/2


def test_linear_network_gram_is_marchenko_pastur():
    law = kernel_gram_law(Network.build("x", 3, readout=True), 0.5, "nngp")
    # K = XᵀX/d exactly: scale 1, shift 0 (k₀ = 0, k₁ = 1 up to the O(ε²) central difference)
    assert law.scale == pytest.approx(1.0, abs=1e-7) and abs(law.shift) < 1e-7
    X = np.random.default_rng(0).standard_normal((N, D))
    assert ks_distance(np.linalg.eigvalsh(X @ X.T / D), law.cdf) < 0.03
    assert law.cdf(np.array([law.edges[1] + 1e-9]))[0] == pytest.approx(1.0)


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_infinite_width_grams_follow_the_affine_mp_law(act):
    X = np.random.default_rng(0).standard_normal((N, D))
    net = Network.build(act, 3, sigma_w=1.4, sigma_b=0.2, readout=True)
    r = kernel_matrices(net, X)
    for kind, G in (("nngp", r.nngp), ("ntk", r.ntk)):
        law = kernel_gram_law(net, N / D, kind)
        e = np.linalg.eigvalsh(G)
        # n = 300: the three outliers (rank-one and norm terms) removed, KS ≈ 1/√n-ish
        # finite-d corrections of O(1/√d) (measured 0.01–0.03 at n = 400, d = 800)
        assert ks_distance(e[:-3], law.cdf) < 0.05, (act, kind)
        assert e[-1] > law.edges[1]          # the spike k₀·n sits outside the bulk


def test_wide_sampled_network_ntk_approaches_the_law():
    # Fan & Wang's wide regime: hidden width ≫ n. At width 4000 = 27 n the empirical NTK's
    # bulk is within KS 0.1 of the law (measured 0.07 for tanh at width 5 n, n = 400)
    n, d = 150, 300
    X = np.random.default_rng(1).standard_normal((n, d))
    net = Network.build("tanh", 2, sigma_w=1.4, sigma_b=0.2, readout=True)
    e = np.linalg.eigvalsh(sampled_kernels(net, X, 4000, seed=2).ntk)
    assert ks_distance(e[:-3], kernel_gram_law(net, n / d, "ntk").cdf) < 0.1


def test_ck_at_linear_width_against_sampled_networks():
    law = ck_gram_law("tanh", N / D, 2)
    e = sample_ck_gram("tanh", N, D, 2, seed=0)
    # n = 300, widths = d = 600: KS within the finite-size scale (measured 0.006 at n = 400)
    assert ks_distance(e, layer_law_cdf(law, 1.3 * e.max())) < 0.04
