"""Infinite-width kernels (rmtsym.networks.kernels): closed forms, the quadrature engine, the
NNGP/NTK recursion, against independent quadrature, neural-tangents (when installed) and
sampled wide networks."""
import math

import numpy as np
import pytest

from rmtsym.activation import parse_activation
from rmtsym.errors import ParameterError, RmtsymError
from rmtsym.networks.kernels.closed_forms import detect_closed_form
from rmtsym.networks.kernels.quadrature import PairQuadrature, gauss_1d, polar_pair
from rmtsym.networks.kernels.recursion import check_gram_size, kernel_matrices
from rmtsym.networks.model import Network


def _net(act, depth, sw, sb):
    return Network.build(act, depth, sigma_w=sw, sigma_b=sb, readout=True)


def _scipy_pair(f, a, b, c, kinks=()):
    """E f(u)f(v) by nested adaptive scipy quadrature (v | u Gaussian), split at kinks."""
    from scipy.integrate import quad
    rho = c / math.sqrt(a * b)
    s = math.sqrt(max(1 - rho * rho, 0.0))
    sa, sb = math.sqrt(a), math.sqrt(b)

    def inner(z1):
        m = sb * rho * z1
        pts = sorted((k - m) / (sb * s) for k in kinks if abs((k - m) / (sb * s)) < 12) if s > 0 else []
        v = quad(lambda z2: f(m + sb * s * z2) * math.exp(-z2 * z2 / 2), -12, 12, points=pts or None,
                 epsabs=1e-14, epsrel=1e-13, limit=200)[0]
        return f(sa * z1) * v * math.exp(-z1 * z1 / 2)

    pts = sorted(k / sa for k in kinks if abs(k / sa) < 12)
    return quad(inner, -12, 12, points=pts or None, epsabs=1e-14, epsrel=1e-13, limit=200)[0] / (2 * math.pi)


# ------------------------------------------------------------------ closed forms
CASES = [("relu", lambda t: max(t, 0.0), lambda t: float(t > 0), (0.0,)),
         ("leaky_relu(0.1)", lambda t: t if t > 0 else 0.1 * t, lambda t: 1.0 if t > 0 else 0.1, (0.0,)),
         ("abs", abs, lambda t: math.copysign(1.0, t), (0.0,)),
         ("2*x - 1", lambda t: 2 * t - 1, lambda t: 2.0, ()),
         ("3*erf(-2*x)", lambda t: 3 * math.erf(-2 * t), lambda t: -12 / math.sqrt(math.pi) * math.exp(-4 * t * t), ()),
         ("gelu", lambda t: t * (1 + math.erf(t / math.sqrt(2))) / 2,
          lambda t: (1 + math.erf(t / math.sqrt(2))) / 2 + t * math.exp(-t * t / 2) / math.sqrt(2 * math.pi), ())]


@pytest.mark.parametrize("spec,f,df,kinks", CASES, ids=[c[0] for c in CASES])
def test_closed_forms_against_scipy_quadrature(spec, f, df, kinks):
    cf = detect_closed_form(parse_activation(spec))
    assert cf is not None
    for a, b, c in [(1.3, 0.7, 0.4), (2.0, 0.5, -0.9), (0.8, 0.8, 0.79)]:
        F, dF = cf.pair(np.array(a), np.array(b), np.array(c), True)
        # adaptive quadrature split at the kinks: ~1e-12 absolute
        assert float(F) == pytest.approx(_scipy_pair(f, a, b, c, kinks), abs=2e-11)
        assert float(dF) == pytest.approx(_scipy_pair(df, a, b, c, kinks), abs=2e-11)


def test_step_family_and_its_missing_ntk():
    cf = detect_closed_form(parse_activation("sign(x)"))
    assert cf.family == "arccos0" and not cf.has_derivative
    F, _ = cf.pair(np.array(1.0), np.array(2.0), np.array(0.5), False)
    # E sign(u) sign(v) = (2/π) arcsin ρ
    assert float(F) == pytest.approx(2 / math.pi * math.asin(0.5 / math.sqrt(2)), abs=1e-15)
    with pytest.raises(ParameterError):
        kernel_matrices(_net("sign(x)", 2, 1.0, 0.0), np.eye(3), ntk=True)
    assert detect_closed_form(parse_activation("tanh")) is None


# ------------------------------------------------------------------ ReLU NTK, written independently
def _relu_arccos_recursion(X, depth, sw, sb):
    """Arc-cosine NNGP/NTK recursion (Cho & Saul 2009; Jacot et al. 2018), written from scratch."""
    K = sw ** 2 * X @ X.T / X.shape[1] + sb ** 2
    T = K.copy()
    for _ in range(depth):
        d = np.sqrt(np.diag(K))
        cos = np.clip(K / np.outer(d, d), -1, 1)
        np.fill_diagonal(cos, 1.0)  # exactly: arccos is ill-conditioned at 1
        th = np.arccos(cos)
        K_new = np.outer(d, d) * (np.sin(th) + (np.pi - th) * np.cos(th)) / (2 * np.pi)
        T = T * (np.pi - th) / (2 * np.pi)
        K = sw ** 2 * K_new + sb ** 2
        T = K + sw ** 2 * T
    return K, T


@pytest.mark.parametrize("sw,sb", [(math.sqrt(2), 0.0), (1.3, 0.4), (2.1, 1.0)])
def test_relu_ntk_is_the_arccos_recursion(sw, sb):
    X = np.random.default_rng(1).standard_normal((40, 7))
    K, T = _relu_arccos_recursion(X, 4, sw, sb)
    r = kernel_matrices(_net("relu", 4, sw, sb), X)
    assert np.max(np.abs(r.nngp - K) / np.max(K)) < 1e-12
    assert np.max(np.abs(r.ntk - T) / np.max(T)) < 1e-12
    if sb != 0.4:
        return
    # the same ReLU through the general quadrature (a kink at 0: Hermite series + polar rule)
    rq = kernel_matrices(_net("relu", 2, sw, sb), X[:6], method="quadrature")
    K2, T2 = _relu_arccos_recursion(X[:6], 2, sw, sb)
    assert np.max(np.abs(rq.nngp - K2)) < 1e-9 * np.max(K2) and np.max(np.abs(rq.ntk - T2)) < 1e-9 * np.max(T2)
    assert rq.error < 1e-9 * np.max(T2)


# ------------------------------------------------------------------ the general engine
def _gl_pair(f, a, b, c, panels=64, order=16):
    """Tensor panel Gauss–Legendre on [−12, 12]² in (z₁, z₂), u = √a z₁,
    v = √b(ρz₁ + √(1−ρ²)z₂): an independent double-precision rule (no series, no table)."""
    x, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(-12, 12, panels + 1)
    h = (edges[1] - edges[0]) / 2
    z = ((edges[:-1, None] + edges[1:, None]) / 2 + h * x[None, :]).ravel()
    wz = np.tile(h * w, panels) * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    rho = c / math.sqrt(a * b)
    fu = f(math.sqrt(a) * z)
    inner = f(math.sqrt(b) * (rho * z[:, None] + math.sqrt(max(1 - rho * rho, 0.0)) * z[None, :])) @ wz
    return float(np.sum(wz * fu * inner))


def test_tanh_pairs_against_an_independent_rule():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 20))
    K = 1.8 * X @ X.T / 20 + 0.3
    q = np.diag(K).copy()
    pq = PairQuadrature(np.tanh, lambda t: 1 / np.cosh(t) ** 2)
    F, dF, err = pq.pair(q, q, K, ntk=True, symmetric=True)
    assert err < 1e-11
    for i, j in [(0, 1), (5, 40), (17, 17), (59, 2)]:
        assert F[i, j] == pytest.approx(_gl_pair(np.tanh, K[i, i], K[j, j], K[i, j]), abs=1e-12)
        assert dF[i, j] == pytest.approx(_gl_pair(lambda t: 1 / np.cosh(t) ** 2, K[i, i], K[j, j], K[i, j]),
                                         abs=1e-12)
    # a cross Gram (two sets) equals the block of the symmetric one
    F12, dF12, _ = pq.pair(q[:10], q[20:35], K[:10, 20:35], ntk=True)
    assert np.max(np.abs(F12 - F[:10, 20:35])) < 1e-13 and np.max(np.abs(dF12 - dF[:10, 20:35])) < 1e-13


def test_deep_tanh_kernels_entrywise_against_an_independent_rule():
    # depth 3: the recursion for three inputs redone entry by entry with the tensor
    # panel Gauss–Legendre rule of _gl_pair — no table, no series
    X = np.array([[1.0, 0.2, -0.4], [0.3, -1.1, 0.5], [2.0, 0.0, 1.0]])
    sw, sb = 1.6, 0.3
    r = kernel_matrices(_net("tanh", 3, sw, sb), np.vstack([X, np.random.default_rng(3).standard_normal((30, 3))]))
    f, df = np.tanh, lambda t: 1 / np.cosh(t) ** 2
    K = sw ** 2 * X @ X.T / 3 + sb ** 2
    T = K.copy()
    for _ in range(3):
        Fm, dFm = np.empty((3, 3)), np.empty((3, 3))
        for i in range(3):
            for j in range(i, 3):
                Fm[i, j] = Fm[j, i] = _gl_pair(f, K[i, i], K[j, j], K[i, j])
                dFm[i, j] = dFm[j, i] = _gl_pair(df, K[i, i], K[j, j], K[i, j])
        K = sw ** 2 * Fm + sb ** 2
        T = K + sw ** 2 * T * dFm
    assert np.max(np.abs(r.nngp[:3, :3] - K) / K.max()) < 1e-10
    assert np.max(np.abs(r.ntk[:3, :3] - T) / T.max()) < 1e-10


def test_large_symmetric_gram_equals_the_two_set_computation():
    # 520 inputs of varied norms: several σ-cells and several row chunks per cell, so the
    # symmetric path (upper triangle, mirrored) is checked against the general two-set path
    X = np.random.default_rng(5).standard_normal((520, 16))
    net = _net("tanh", 2, 1.5, 0.2)
    a, b = kernel_matrices(net, X), kernel_matrices(net, X, X)
    assert np.array_equal(a.nngp, a.nngp.T) and np.array_equal(a.ntk, a.ntk.T)
    assert np.max(np.abs(a.nngp - b.nngp)) < 1e-12 and np.max(np.abs(a.ntk - b.ntk)) < 1e-12


def test_kinked_activation_uses_the_polar_rule():
    # hard tanh (kinks at ±1): polar rule against adaptive scipy quadrature
    f = lambda t: np.clip(t, -1, 1)  # noqa: E731
    for a, b, th in [(1.2, 0.9, 0.05), (2.0, 2.0, 0.0), (0.7, 1.5, 3.0)]:
        c = math.sqrt(a * b) * math.cos(th)
        ref = _scipy_pair(lambda t: max(-1.0, min(1.0, t)), a, b, c, (-1.0, 1.0)) if th > 0 else \
            gauss_1d(lambda t: f(t) ** 2, np.array([math.sqrt(a)]), (-1.0, 1.0))[0][0]
        got = polar_pair(f, np.array([math.sqrt(a)]), np.array([math.sqrt(b)]), np.array([th]), (-1.0, 1.0))[0]
        assert got == pytest.approx(ref, abs=1e-11)


def test_zero_variance_inputs():
    # a zero input with σb = 0 has q = 0: F = φ(0)·E φ(σZ), here for the shifted tanh
    X = np.array([[0.0, 0.0], [1.0, 0.5], [0.3, -2.0]])
    r = kernel_matrices(_net("tanh(x) + 0.5", 1, 1.0, 0.0), X)
    m = gauss_1d(lambda t: np.tanh(t) + 0.5, np.sqrt(np.array([1.25 / 2, 4.09 / 2])))[0]
    assert r.nngp[0, 1:] == pytest.approx(0.5 * m, abs=1e-12) and r.nngp[0, 0] == pytest.approx(0.25, abs=1e-15)


# ------------------------------------------------------------------ neural-tangents
def test_agrees_with_neural_tangents():
    nt = pytest.importorskip("neural_tangents")
    import jax
    jax.config.update("jax_enable_x64", True)
    from neural_tangents import stax
    X = np.random.default_rng(2).standard_normal((12, 5))
    for name, act, ours in [("relu", stax.Relu(), "relu"), ("erf", stax.Erf(), "erf"), ("gelu", stax.Gelu(), "gelu"),
                            ("leaky", stax.LeakyRelu(0.1), "leaky_relu(0.1)"), ("abs", stax.Abs(), "abs")]:
        layers = [stax.Dense(1, W_std=1.5, b_std=0.2)]
        for _ in range(3):
            layers += [act, stax.Dense(1, W_std=1.5, b_std=0.2)]
        kfn = stax.serial(*layers)[2]
        k = kfn(X, None, ("nngp", "ntk"))
        r = kernel_matrices(_net(ours, 3, 1.5, 0.2), X)
        assert np.max(np.abs(np.asarray(k.nngp) - r.nngp)) < 1e-12 * np.max(r.nngp), name
        assert np.max(np.abs(np.asarray(k.ntk) - r.ntk)) < 1e-12 * np.max(r.ntk), name
        if ours == "erf":  # the general engine on the same network, independently of the closed form
            rq = kernel_matrices(_net(ours, 3, 1.5, 0.2), X, method="quadrature")
            assert np.max(np.abs(np.asarray(k.ntk) - rq.ntk)) < 1e-10 * np.max(rq.ntk)


# ------------------------------------------------------------------ sampled wide networks
@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_sampled_networks_within_monte_carlo_error(act):
    from rmtsym.networks.kernels.empirical import sampled_kernels
    X = np.random.default_rng(4).standard_normal((5, 8))
    net = _net(act, 2, 1.5, 0.3)
    r = kernel_matrices(net, X)
    S = [sampled_kernels(net, X, 800, seed=s) for s in range(24)]
    for est, theory in ((np.array([s.nngp for s in S]), r.nngp), (np.array([s.ntk for s in S]), r.ntk)):
        mean, se = est.mean(0), est.std(0, ddof=1) / math.sqrt(len(S))
        # 24 networks of width 800: the mean is within 4.5 standard errors on every entry,
        # plus the O(1/width) bias of a finite network (~1/800 of the entry)
        assert np.all(np.abs(mean - theory) <= 4.5 * se + 3e-3 * np.abs(theory) + 1e-12)


# ------------------------------------------------------------------ hostile inputs
def test_hostile_inputs():
    net = _net("tanh", 2, 1.0, 0.0)
    with pytest.raises(ParameterError, match="NaN"):
        kernel_matrices(net, np.array([[1.0, np.nan]]))
    with pytest.raises(ParameterError, match="dimensions"):
        kernel_matrices(net, np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ParameterError, match="memory"):
        check_gram_size(10 ** 6, 10 ** 6)
    with pytest.raises(ParameterError, match="read-out"):
        kernel_matrices(Network.build("tanh", 2), np.ones((2, 3)))
    with pytest.raises(RmtsymError):
        kernel_matrices(_net("exp(x)", 6, 3.0, 0.0), np.ones((2, 3)) * 3)
