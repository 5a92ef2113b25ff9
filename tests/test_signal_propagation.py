"""Tests of rmtsym.networks.signal_propagation (Schoenholz et al. 2017; docs/theory.md §5.6).

Three routes: closed forms (ReLU arc-cosine, erf arcsin, affine length maps) vs mpmath /
2-D quadrature vs Monte Carlo of a wide random network.
"""
import math

import mpmath
import numpy as np
import pytest

from rmtsym.networks.signal_propagation import (
    c_fixed_point, chi1, correlation_map, critical_sigma_w, integrals_for, length_fixed_point,
    length_map, signal_propagation)
from rmtsym.errors import RmtsymError
from rmtsym.networks.jacobian import JacobianDensity, jacobian_law


def test_relu_fixed_point_closed_form():
    # E relu(√q Z)² = q/2, so q* = σb²/(1 − σw²/2)
    fp = length_fixed_point("relu", "1.2", "0.3", dps=20)
    assert fp.q_star.method == "closed form"
    with mpmath.workdps(30):
        assert abs(fp.q_star.value - mpmath.mpf("0.09") / (1 - mpmath.mpf("1.44") / 2)) < 1e-19


def test_relu_critical_point_and_divergence():
    assert abs(critical_sigma_w("relu").value - mpmath.sqrt(2)) < 1e-10
    r = signal_propagation("relu", "1.4142135623730950488016887", 0)
    assert r.phase == "critical" and r.q_kind == "marginal"
    with pytest.raises(RmtsymError):
        length_fixed_point("relu", 1.6, 0.1)


def test_tanh_critical_line_passes_sigma_w_one():
    assert abs(critical_sigma_w("tanh", 0).value - 1) < 1e-12
    r = signal_propagation("tanh", 0.9, 0)
    assert r.q_star.value == 0 and r.phase == "ordered"


def test_erf_closed_form_against_quadrature():
    # the generic 2-D quadrature must reproduce the Williams arcsin kernel and its φ′ version
    I = integrals_for("erf")
    for q1, q2, c in [(0.8, 0.5, 0.3), (2.0, 2.0, -0.7), (0.3, 1.1, 0.5)]:
        for der in (False, True):
            num, err = I.pair_numeric(q1, q2, c, der)
            assert abs(num - float(I.pair(q1, q2, c, der))) < 1e-12
    I = integrals_for("relu")
    for c in (0.1, 0.9, -0.5):
        for der in (False, True):
            assert abs(I.pair_numeric(1.3, 1.3, c * 1.3, der)[0] - float(I.pair(1.3, 1.3, c * 1.3, der))) < 1e-12


def test_chi1_tanh_quadrature_vs_numpy():
    fp = length_fixed_point("tanh", 1.5, 0.1, dps=15)
    q = float(fp.q_star.value)
    # fixed point equation checked by an independent numpy Gauss–Hermite rule
    z, w = np.polynomial.hermite_e.hermegauss(200)
    w = w / w.sum()
    assert abs(1.5 ** 2 * np.sum(w * np.tanh(math.sqrt(q) * z) ** 2) + 0.01 - q) < 1e-12
    ch = chi1("tanh", fp.q_star.value, 1.5, 15)
    assert abs(float(ch.value) - 2.25 * np.sum(w / np.cosh(math.sqrt(q) * z) ** 4)) < 1e-12


def test_length_slope_matches_finite_difference():
    I = integrals_for("hard_tanh")
    with mpmath.workdps(30):
        q, h = mpmath.mpf("0.7"), mpmath.mpf("1e-10")
        fd = (I.second_moment(q + h) - I.second_moment(q - h)) / (2 * h)
        assert abs(I.length_slope(q) - fd) < 1e-15


def test_chaotic_phase_c_star_is_fixed_point():
    r = signal_propagation("erf", 2.0, 0.2)
    assert r.phase == "chaotic" and 0 < r.c_star.value < 1
    c = correlation_map("erf", r.c_star.value, r.q_star.value, 2.0, 0.2)
    assert abs(c - r.c_star.value) < 1e-10
    assert r.xi_c > r.xi_q  # the correlation depth scale is the longer one near criticality


def _simulate(act, sw, sb, width, depth, rng, cos=0.3):
    x1 = rng.standard_normal(width)
    x2 = cos * x1 + math.sqrt(1 - cos ** 2) * rng.standard_normal(width)
    x1 *= 1 / math.sqrt(np.mean(x1 ** 2))
    x2 *= 1 / math.sqrt(np.mean(x2 ** 2))
    h = np.stack([x1, x2], 1)
    for _ in range(depth):
        W = rng.standard_normal((width, width)) * sw / math.sqrt(width)
        h = W @ (act(h) if _ else h) + sb * rng.standard_normal((width, 1))
    return h


def test_monte_carlo_wide_network_tanh():
    # width 1500, depth 8: the empirical q^l and correlation track the maps; the MC error
    # of a mean of 1500 squared Gaussians is ~ q√(2/1500) ≈ 4 %, we allow 4σ-ish (12 %)
    rng = np.random.default_rng(1)
    sw, sb, depth = 1.5, 0.1, 8
    h = _simulate(np.tanh, sw, sb, 1500, depth, rng)
    q_emp = np.mean(h ** 2, 0)
    fp = float(length_fixed_point("tanh", sw, sb).q_star.value)
    assert np.all(np.abs(q_emp - fp) < 0.12 * fp)
    r = signal_propagation("tanh", sw, sb)
    c_emp = np.mean(h[:, 0] * h[:, 1]) / math.sqrt(q_emp[0] * q_emp[1])
    assert abs(c_emp - float(r.c_star.value)) < 0.1


# ---------------------------------------------------------------- CLI (rmtsym/cli/networks.py)
def _cli(argv, capsys):
    import json
    from rmtsym.cli import main
    rc = main(argv)
    out = capsys.readouterr()
    return rc, (json.loads(out.out) if rc == 0 and "--json" in argv else out)


def test_cli_signal_jacobian_nngp_hessian(capsys):
    rc, d = _cli(["signal", "erf", "--sigma-w", "2", "--sigma-b", "0.2", "--json"], capsys)
    assert rc == 0 and d["phase"] == "chaotic" and float(d["xi_c"]) > float(d["xi_q"])
    rc, d = _cli(["jacobian", "relu", "--layers", "3", "--sigma-w", "1.41421356237309504880168872",
                  "--orthogonal", "--json"], capsys)
    assert rc == 0 and abs(float(d["normalized_variance"]) - 3) < 1e-12
    assert abs(float(d["atoms"][0][1]) - 0.5) < 1e-12
    # --pdf: the algebraic law for ReLU, the subordination solver for tanh (same numbers as
    # the library calls, which tests/test_jacobian.py checks against exact references)
    rc, d = _cli(["jacobian", "relu", "--layers", "2", "--sigma-w", "1.41421356237309504880168872",
                  "--pdf", "0.5,3", "--json"], capsys)
    law = jacobian_law("relu", 2, "1.41421356237309504880168872", 0)
    assert rc == 0 and d["method"].startswith("algebraic") and d["pdf_at"] == [0.5, 3.0]
    assert d["pdf"][0] == pytest.approx(float(law.pdf(0.125)) / 4, rel=1e-12)
    rc, d = _cli(["jacobian", "tanh", "--layers", "2", "--sigma-w", "1.2", "--sigma-b", "0.05",
                  "--pdf", "1,100", "--json"], capsys)
    dens = JacobianDensity("tanh", 2, 1.2, 0.05)
    assert rc == 0 and d["support"][0][0] == "0" and "subordination" in d["method"]
    assert d["pdf"] == pytest.approx(list(dens.pdf([1.0, 100.0])), rel=1e-12)
    assert d["pdf"][1] == 0.0  # beyond the upper edge
    rc, d = _cli(["nngp", "relu", "--depth", "1", "--sigma-w", "1.4142135623730951",
                  "--cos-angle", "0", "--json"], capsys)
    # σw² = 2, orthogonal inputs with |x|²/d = 1: K⁰ = 2I, and one ReLU layer gives
    # K¹12 = σw² √(2·2) sin(π/2)/(2π) = 2/π, K¹11 = σw² · 2/2 = 2
    assert rc == 0 and abs(d["kernel"][0][1] - 2 / math.pi) < 1e-12
    assert abs(d["kernel"][0][0] - 2) < 1e-12
    rc, d = _cli(["hessian", "--phi", "0.25", "--epsilon", "0.01", "--json"], capsys)
    assert rc == 0 and float(d["index"]) == 0 and abs(float(d["critical_energy"]) - 0.0435095) < 1e-6


def test_cli_errors_exit_2(capsys):
    for argv in (["signal", "relu", "--sigma-w", "2", "--json"],
                 ["hessian", "--phi", "0.5", "--epsilon", "-1", "--json"],
                 ["nngp", "relu", "--depth", "2", "--inputs", "1,2;3", "--json"],
                 ["jacobian", "tanh", "--layers", "0", "--json"]):
        rc, out = _cli(argv, capsys)
        assert rc == 2 and out.err.strip() and not out.out.strip()


def test_depth_scales_are_the_linearised_map_rates():
    # ξ_q, ξ_c (Schoenholz et al., docs/theory.md marks them unchecked): iterate the maps
    # themselves (closed-form erf kernel, quadrature-free) and compare the asymptotic
    # contraction ratios with e^{−1/ξ}; after 10 steps the deviation is ~1e-6, so the
    # ratio carries a nonlinear correction of that relative size
    sw, sb = 2.0, 0.2
    r = signal_propagation("erf", sw, sb, dps=30)
    q_star = r.q_star.value
    with mpmath.workdps(30):
        q = mpmath.mpf(3)
        devs = []
        for _ in range(10):
            q = length_map("erf", q, sw, sb, dps=30)
            devs.append(q - q_star)
        assert abs(devs[-1] / devs[-2] - mpmath.exp(-1 / r.xi_q)) < 1e-4
    c, devs = mpmath.mpf("0.6"), []
    for _ in range(40):
        c = correlation_map("erf", c, q_star, sw, sb, dps=20)
        devs.append(c - r.c_star.value)
    assert abs(devs[-1] / devs[-2] - mpmath.exp(-1 / r.xi_c)) < 1e-4
    # ordered phase (tanh): 1 − c^l decays like χ1^l, so e^{−1/ξ_c} = χ1
    o = signal_propagation("tanh", 1.0, 0.05)
    assert o.phase == "ordered"
    q = o.q_star.value
    c, devs = mpmath.mpf("0.99"), []
    for _ in range(12):
        c = correlation_map("tanh", c, q, 1.0, 0.05)
        devs.append(1 - c)
    assert abs(devs[-1] / devs[-2] - o.chi1.value) < 2e-3  # quadratic corrections ~ (1−c)


def test_cli_jacobian_text_is_aligned_with_short_numbers(capsys):
    # every value of the text output starts in one column (the m_k lines were one to the
    # left), numbers are shown with 12 significant digits (m2 = 9 printed as 9.00000000000001),
    # and --json keeps its 15-digit strings
    argv = ["jacobian", "relu", "--layers", "4", "--sigma-w", "1.41421356237309504880168872"]
    rc, out = _cli(argv, capsys)
    assert rc == 0
    lines = out.out.splitlines()[1:]
    rows = [l for l in lines if l.startswith("  ") and not l.startswith("  note")]
    assert len(rows) >= 9 and all(len(l) > 20 and l[19] == " " and l[20] != " " for l in rows)
    vals = {l[:20].strip(): l[20:] for l in rows}
    assert vals["mean m1"] == "1" and vals["m2"] == "9" and vals["m3"] == "113"
    assert vals["m2/m1² − 1"] == "8" and vals["m4"] == "1649"
    rc, d = _cli(argv + ["--json"], capsys)
    assert rc == 0 and len(d["moments"][1].replace(".", "")) >= 15
    assert float(d["moments"][1]) == pytest.approx(9, rel=1e-13)
