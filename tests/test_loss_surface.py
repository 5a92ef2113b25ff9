"""Tests of the network side of rmtsym.applications.loss_surface (Pennington & Bahri, ICML 2017):
exact derivatives, critical-point search, freeness check, the experiment end to end."""
import math

import numpy as np
import pytest

from rmtsym.applications.loss_surface import model as M
from rmtsym.applications.loss_surface.critical_points import (count_negative, find_critical_point,
                                                              search_critical_points, train_minimizer)
from rmtsym.applications.loss_surface.experiment import (fit_energy_scale, index_experiment, ks_to_model,
                                                         linear_reference, memorization_network,
                                                         minimizer_energies, quadratic_reference,
                                                         spectrum_comparison)
from rmtsym.applications.loss_surface.freeness import (free_mixed_moment, freeness_check, haar_orthogonal,
                                                       ks_two_sample)
from rmtsym.applications.loss_surface.network import OneHiddenLayerNet, memorization_task
from rmtsym.errors import RmtsymError


def _fd(fun, theta, h=1e-6):
    cols = []
    for e in np.eye(theta.size):
        cols.append((np.asarray(fun(theta + h * e)) - np.asarray(fun(theta - h * e))) / (2 * h))
    return np.array(cols)


@pytest.mark.parametrize("act", ["tanh", "sin(x) + x**3/3"])
def test_exact_derivatives_match_finite_differences(act):
    # central differences: truncation O(h²) ≈ 1e-12, rounding O(eps/h) ≈ 1e-10
    net = OneHiddenLayerNet(memorization_task(4, 3, 7, seed=1), 5, activation=act)
    th = net.init(2)
    g = net.gradient(th)
    assert np.abs(g - _fd(net.loss, th)).max() < 1e-8 * max(1, np.abs(g).max())
    J = net.jacobian(th)
    assert np.abs(J - _fd(lambda t: net.residuals(t).ravel(), th).T).max() < 1e-8
    H0, H1 = net.hessian_parts(th)
    H = H0 + H1
    assert np.abs(H - _fd(net.gradient, th)).max() < 1e-8
    assert np.abs(H1 - H1.T).max() < 1e-15
    km = net.k * net.m
    assert np.allclose(H0, J.T @ J / km) and np.allclose(g, J.T @ net.residuals(th).ravel() / km)


def test_gauss_newton_part_and_phi():
    # φ = n/(km); H0 = JᵀJ/(km) is PSD with rank ≤ min(n, km): for φ > 1 at least n − km zero eigenvalues
    task = memorization_task(5, 5, 6, seed=0)
    net = OneHiddenLayerNet(task, 5)
    assert net.n == 50 and net.phi == pytest.approx(50 / 30)
    H0, H1 = net.hessian_parts(net.init(0))
    w0 = np.linalg.eigvalsh(H0)
    assert w0.min() > -1e-12 and np.sum(w0 > 1e-10 * w0.max()) <= 30
    # θ = 0 is a critical point with L = ‖y‖²/(2km) and H0 = 0 (f(0) = 0 kills J)
    z = np.zeros(net.n)
    assert np.linalg.norm(net.gradient(z)) == 0
    assert net.loss(z) == pytest.approx(np.sum(task.Y ** 2) / 60)
    assert np.abs(net.hessian_parts(z)[0]).max() == 0


def test_bad_sizes():
    with pytest.raises(RmtsymError):
        memorization_task(0, 3, 5)
    with pytest.raises(RmtsymError):
        memorization_task(10, 10, 10 ** 6)
    with pytest.raises(RmtsymError):
        OneHiddenLayerNet(memorization_task(100, 100, 10), 100)  # 20000 parameters
    with pytest.raises(RmtsymError):
        memorization_network(float("nan"), 5)
    with pytest.raises(RmtsymError):
        memorization_network(0.5, 5).split(np.zeros(3))


def test_newton_finds_critical_points_and_minimizers():
    net = memorization_network(0.5, 5, seed=3)
    mini, traj = train_minimizer(net, net.init(1), keep_trajectory=True)
    assert mini.negative == 0 and mini.energy < traj[0][0] < 0.7
    assert mini.energy < linear_reference(net.phi)  # a network memorizes better than a linear fit
    # LM on ‖∇L‖² from a random point: a converged point is a genuine critical point (gradient
    # at rounding level), its index counted from the exact Hessian
    # (most starts stall at gradient-flat points; these three seeds/scales converge)
    found = [find_critical_point(net, s * np.random.default_rng(i).standard_normal(net.n))
             for i, s in [(4, 1.0), (5, 0.6), (6, 0.3)]]
    conv = [p for p in found if p.converged]
    assert len(conv) == 3
    for p in conv:
        assert p.grad_norm <= 1e-10
        assert p.negative == count_negative(np.linalg.eigvalsh(net.hessian(p.theta)))
    assert any(p.negative > 0 for p in conv)


def test_haar_and_freeness_check_on_free_matrices():
    rng = np.random.default_rng(0)
    Q = haar_orthogonal(50, rng)
    assert np.abs(Q.T @ Q - np.eye(50)).max() < 1e-12
    # a Wishart and an independent GOE are asymptotically free: the actual sum is spectrally a
    # rotated sum (KS at the rotation-to-rotation level), and τ(abab) matches its free value
    # up to O(1/n) fluctuations
    n = 300
    X = rng.standard_normal((n, 2 * n))
    H0 = X @ X.T / (2 * n)
    A = rng.standard_normal((n, n))
    H1 = 0.3 * (A + A.T) / np.sqrt(2 * n)
    fc = freeness_check(H0, H1, rotations=3, seed=1)
    assert fc.ks_actual_vs_rotated < 3 * fc.ks_rotated_vs_rotated + 0.02
    assert abs(fc.mixed_moment_rel_diff) < 0.1
    assert abs(fc.index_actual - fc.index_rotated) < 0.02
    # not free: H1 = H0 − τ(H0) commutes with H0; τ(abab) = τ(a²b²) ≠ free value
    B = H0 - np.trace(H0) / n * np.eye(n)
    act, free = free_mixed_moment(H0, B)
    assert act > 1.5 * free
    assert ks_two_sample([0, 1, 2], [0, 1, 2]) == 0 and ks_two_sample([0], [1]) == 1
    with pytest.raises(RmtsymError):
        freeness_check(H0, H1[:5, :5])


def test_ks_to_model_and_energy_scale_fit():
    eigs = M.sample_hessian_eigenvalues(0.5, 0.1, 800, seed=2)
    assert ks_to_model(eigs, 0.5, 0.1) < 0.04          # the right law (finite n: O(n^{-1/2}) at most)
    assert ks_to_model(eigs, 0.5, 0.4) > 0.08          # a wrong energy is seen
    # the fitted κ recovers a known energy rescaling of model-generated indices
    e = np.array([0.05, 0.1, 0.2, 0.3])
    a = np.array([M.index_float(0.5, 2.0 * x) for x in e])
    kappa, rms = fit_energy_scale(e, a, 0.5)
    assert abs(kappa - 2.0) < 1e-4 and rms < 1e-8


def test_spectrum_comparison_on_the_model_itself():
    # H0 Wishart (mean 1, ratio φ) + free GOE of variance 2ε: the comparison must return
    # ε_eff ≈ ε, a small KS, and H0's variance ratio ≈ φ
    rng = np.random.default_rng(1)
    n, phi, eps = 400, 0.5, 0.05
    X = rng.standard_normal((n, int(n / phi)))
    H0 = X @ X.T / X.shape[1]
    A = rng.standard_normal((n, n))
    H1 = math.sqrt(2 * eps) * (A + A.T) / math.sqrt(2 * n)
    sc = spectrum_comparison(H0, H1, phi, eps)
    assert abs(sc.eps_measured / eps - 1) < 0.05 and abs(sc.h0_variance_ratio - phi) < 0.05
    assert sc.ks_at_energy < 0.05 and sc.ks_fitted <= sc.ks_at_energy + 1e-9
    assert abs(sc.fitted_scale - 1) < 0.05


def test_experiment_end_to_end_one_phi():
    # the three-φ run is the derivation's fast mode (tests/test_derivations.py); here one small
    # network (n = 50): the fields are filled and consistent
    ex = index_experiment(0.5, 5, seed=3, trainings=1, starts_per_training=4, random_starts=8,
                          freeness_points=1, rotations=2, maxit=200)
    assert ex.n == 50 and ex.phi == pytest.approx(0.5)
    assert ex.search.converged + ex.search.gradient_flat == ex.search.attempts == 12
    assert all(r["grad_norm"] <= 1e-10 for r in ex.rows)
    for r in ex.rows:
        assert r["model_index"] == M.index_float(ex.phi, r["energy"])
    if ex.rows:
        assert math.isfinite(ex.kappa) and ex.rms_fitted <= ex.rms_raw + 1e-12


def test_minimizer_energies_and_references():
    me = minimizer_energies([0.5, 1.5], 4, tasks=2, inits=1, seed=0)
    assert me.runs == [2, 2] and all(z == r for z, r in zip(me.index_zero, me.runs))
    assert me.quadratic[0] == pytest.approx(0.5 * (1 - me.phis[0]) ** 2)
    assert me.linear[1] == 0 == quadratic_reference(1.5)
    # above φ = 1 the network interpolates (energy ≈ 0), below it the energy is positive
    assert me.mean[1] < 0.02 < me.mean[0] < linear_reference(me.phis[0])


@pytest.mark.slow
def test_bigger_network_critical_points_and_minimizers():
    # n = 128: at each φ several distinct critical points, some with non-zero index; minimizer
    # energies near ½(1 − φ)² (the paper's observation; within 0.05 at this size)
    for phi in (0.25, 0.5, 0.75):
        net = memorization_network(phi, 8, seed=1)
        res = search_critical_points(net, trainings=4, starts_per_training=12, random_starts=20, seed=2)
        assert len(res.critical) >= 2 and any(p.negative > 0 for p in res.critical)
    me = minimizer_energies([0.25, 0.5], 8, tasks=2, inits=2, seed=1)
    for p, m in zip(me.phis, me.mean):
        assert abs(m - quadratic_reference(p)) < 0.05


def test_power_law_fit_recovers_a_known_law():
    from rmtsym.applications.loss_surface.experiment import power_law_fit
    e = 0.1 + np.linspace(0.01, 0.1, 10)
    fit = power_law_fit(e, 2 * (e - 0.1) ** 1.5)
    assert abs(fit.exponent - 1.5) < 1e-6 and abs(fit.threshold - 0.1) < 1e-6 and fit.points == 10
    assert power_law_fit(e[:4], e[:4]) is None  # too few points
