"""GP inference with the infinite-width kernels (rmtsym.networks.kernels.gp)."""
import math

import numpy as np
import pytest

from rmtsym.errors import ParameterError, RmtsymError
from rmtsym.networks.kernels.gp import (accuracy, cholesky_jitter, gp_posterior, is_one_hot,
                                        ntk_predictor, one_hot)
from rmtsym.networks.kernels.recursion import kernel_matrices
from rmtsym.networks.model import Network


def _setup(act="erf", n=30, nt=12, seed=0, ntk=True):
    rng = np.random.default_rng(seed)
    X, Xt = rng.standard_normal((n, 4)), rng.standard_normal((nt, 4))
    Y = np.sin(X[:, :2]) + 0.1 * rng.standard_normal((n, 2))
    net = Network.build(act, 2, sigma_w=1.4, sigma_b=0.3, readout=True)
    tr, cr, te = kernel_matrices(net, X, ntk=ntk), kernel_matrices(net, Xt, X, ntk=ntk), kernel_matrices(net, Xt, ntk=ntk)
    return X, Xt, Y, tr, cr, te


def test_posterior_equals_direct_numpy_solve():
    X, Xt, Y, tr, cr, te = _setup()
    s2 = 0.05
    g = gp_posterior(tr.nngp, cr.nngp, cr.nngp_diag1, Y, s2)
    A = tr.nngp + s2 * np.eye(len(X))
    mean = cr.nngp @ np.linalg.solve(A, Y)
    cov = te.nngp - cr.nngp @ np.linalg.solve(A, cr.nngp.T)
    sign, logdet = np.linalg.slogdet(A)
    lml = -0.5 * np.sum(Y * np.linalg.solve(A, Y)) - Y.shape[1] * 0.5 * logdet - 0.5 * Y.size * math.log(2 * math.pi)
    assert np.max(np.abs(g.mean - mean)) < 1e-10
    assert np.max(np.abs(g.variance - np.diag(cov))) < 1e-10
    assert g.log_marginal_likelihood == pytest.approx(lml, rel=1e-12) and g.jitter == 0
    # the diagonals carried for the test set equal the test Gram's diagonal
    assert np.max(np.abs(cr.nngp_diag1 - np.diag(te.nngp))) < 1e-12


def test_ntk_predictor_equals_direct_solve_and_linear_dynamics():
    X, Xt, Y, tr, cr, te = _setup()
    h = ntk_predictor(tr.ntk, cr.ntk, tr.nngp, cr.nngp, cr.nngp_diag1, Y, 0.0)
    B = np.linalg.solve(tr.ntk, cr.ntk.T)
    assert np.max(np.abs(h.mean - B.T @ Y)) < 1e-8
    cov = te.nngp + B.T @ tr.nngp @ B - B.T @ cr.nngp.T - cr.nngp @ B
    assert np.max(np.abs(h.variance - np.diag(cov))) < 1e-8
    # finite time: the closed form equals T steps of the linearised gradient descent
    lr, T = 0.5 / np.linalg.eigvalsh(tr.ntk)[-1], 40
    f_tr, f_te = np.zeros_like(Y), np.zeros((len(Xt), 2))
    for _ in range(T):
        r = f_tr - Y
        f_te = f_te - lr * cr.ntk @ r
        f_tr = f_tr - lr * tr.ntk @ r
    hT = ntk_predictor(tr.ntk, cr.ntk, tr.nngp, cr.nngp, cr.nngp_diag1, Y, 0.0, steps=T, lr=lr)
    assert np.max(np.abs(hT.mean - f_te)) < 1e-10


def test_jitter_and_not_positive_definite():
    v = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    L, jit = cholesky_jitter(np.outer(v, v), 0.0)          # rank one: needs a jitter
    assert 0 < jit <= 1e-6 * 11 and np.allclose(L @ L.T, np.outer(v, v) + jit * np.eye(5), atol=1e-12)
    with pytest.raises(RmtsymError, match="not positive definite"):
        cholesky_jitter(np.diag([1.0, 1.0, -1.0, 1.0]))
    net = Network.build("relu", 2, sigma_w=1.4, readout=True)
    K = kernel_matrices(net, np.eye(5), ntk=False).nngp
    with pytest.raises(ParameterError, match="one row per training input"):
        gp_posterior(K, K[:2], np.diag(K)[:2], np.ones(4), 0.1)
    with pytest.raises(ParameterError, match="noise"):
        gp_posterior(K, K[:2], np.diag(K)[:2], np.ones(5), -1)


def test_one_hot_helpers():
    Y = one_hot([0, 2, 1], offset=0.1)
    assert Y.shape == (3, 3) and Y[1, 2] == pytest.approx(0.9) and is_one_hot(Y) and not is_one_hot(Y[:, :1])
    assert accuracy(Y, one_hot([0, 2, 2])) == pytest.approx(2 / 3)
    with pytest.raises(ParameterError):
        one_hot([0.5, 1])


def test_digits_classification_by_regression():
    datasets = pytest.importorskip("sklearn.datasets")
    d = datasets.load_digits()
    X = d.data / 16.0
    X = X - X.mean(0)
    X /= np.linalg.norm(X, axis=1, keepdims=True) / math.sqrt(X.shape[1])
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(d.target))
    tr, te = idx[:300], idx[300:600]
    Y = one_hot(d.target, offset=0.1)
    net = Network.build("relu", 2, sigma_w=math.sqrt(2), sigma_b=0.1, readout=True)
    a, c = kernel_matrices(net, X[tr]), kernel_matrices(net, X[te], X[tr])
    g = gp_posterior(a.nngp, c.nngp, c.nngp_diag1, Y[tr], 1e-3)
    h = ntk_predictor(a.ntk, c.ntk, a.nngp, c.nngp, c.nngp_diag1, Y[tr], 1e-3)
    # 300 training digits: both predictors classify about 95 % of held-out digits
    assert accuracy(g.mean, Y[te]) > 0.9 and accuracy(h.mean, Y[te]) > 0.9
    # predictive variance is larger on the misclassified digits (claim (3) of the derivation)
    wrong = np.argmax(g.mean, 1) != d.target[te]
    assert g.variance[wrong].mean() > g.variance[~wrong].mean()
