"""Tests of rmtsym.networks.nngp (Lee et al. 2018; docs/theory.md §5.5)."""
import math

import numpy as np
import pytest

from rmtsym.networks.nngp import empirical_kernel, nngp_kernel, parse_inputs
from rmtsym.errors import RmtsymError

X = parse_inputs("1,0,0;0.6,0.8,0;-0.3,0.2,0.9")


def test_relu_closed_form_against_quadrature():
    # x·x / 3 scaling, σw² = 2 (critical ReLU), σb = .1
    K = nngp_kernel("relu", X, 3, sigma_w=math.sqrt(2), sigma_b=0.1).final
    # same network written as Max(x, 0) is classified "general" only if not matched; force
    # the quadrature route with an equivalent formula
    Kq = nngp_kernel("(x + Abs(x))/2", X, 3, sigma_w=math.sqrt(2), sigma_b=0.1, method="quadrature")
    assert "quadrature" in Kq.method
    assert np.max(np.abs(K - Kq.final)) < 1e-10


def test_erf_closed_form_against_quadrature():
    K = nngp_kernel("erf", X, 2, sigma_w=1.7, sigma_b=0.2).final
    # the same activation through the quadrature route
    Kq = nngp_kernel("erf", X, 2, sigma_w=1.7, sigma_b=0.2, method="quadrature")
    assert "quadrature" in Kq.method
    assert np.max(np.abs(K - Kq.final)) < 1e-10


def test_linear_network_kernel_is_scaled_gram():
    K = nngp_kernel("x", X, 4, sigma_w=1.0, sigma_b=0.0).final
    assert np.allclose(K, X @ X.T / 3, atol=1e-14)


def test_relu_diagonal_exact():
    # diagonal: K^l = σb² + σw² K^{l−1}/2 exactly
    K = nngp_kernel("relu", X, 2, sigma_w=1.3, sigma_b=0.5).kernels
    for l in (1, 2):
        assert np.allclose(np.diag(K[l]), 0.25 + 1.69 * np.diag(K[l - 1]) / 2, rtol=1e-14)


@pytest.mark.parametrize("act", ["relu", "erf", "tanh"])
def test_against_wide_networks(act):
    # width 2000, depth 3, 4 networks: entries of K are means over 2000 units of products
    # of O(1) Gaussians-ish, MC error ~ K√(2/2000)/√4 ≈ 1.6 % of the diagonal; allow 5 %
    theory = nngp_kernel(act, X, 3, sigma_w=1.5, sigma_b=0.2).final
    emp = np.mean([empirical_kernel(act, X, 3, 2000, 1.5, 0.2, seed=s) for s in range(4)], 0)
    scale = np.max(np.diag(theory))
    assert np.max(np.abs(emp - theory)) < 0.05 * scale


def test_errors():
    with pytest.raises(RmtsymError):
        parse_inputs("1,2;3")
    with pytest.raises(RmtsymError):
        nngp_kernel("relu", X, -1)
