"""Tests of the Pennington–Bahri model (rmtsym.applications.hessian = loss_surface.model; ICML 2017)."""
import mpmath
import numpy as np
import pytest
import sympy as sp

from rmtsym.applications.hessian import (critical_energy, critical_energy_edge, hessian_law,
                                         hessian_summary, index, index_exponent,
                                         sample_hessian_eigenvalues)
from rmtsym.errors import RmtsymError


@pytest.mark.parametrize("phi,value", [("0.1", "0.083435"), ("0.25", "0.043510"),
                                       ("0.5", "0.011271"), ("0.75", "0.001266")])
def test_critical_energy_closed_form_vs_edge_condition(phi, value):
    closed = critical_energy(phi, 30).value
    edge = critical_energy_edge(phi, 30).value
    assert abs(closed - edge) < mpmath.mpf(10) ** -25
    assert abs(closed - mpmath.mpf(value)) < 5e-7  # the published six-digit values


def test_left_edge_crosses_zero_at_critical_energy():
    # the branch solver's support of MP_φ ⊞ SC(2ε), built from the algebraic equation, has
    # its left edge > 0 just below ε_c and < 0 just above (±0.1 %), symmetric in size
    ec = sp.Rational(mpmath.nstr(critical_energy("0.25", 40).value, 8))
    a_below = hessian_law("0.25", ec * sp.Rational(999, 1000)).support()[0]
    a_above = hessian_law("0.25", ec * sp.Rational(1001, 1000)).support()[0]
    assert 0 < a_below < 1e-3 and -1e-3 < a_above < 0
    assert abs(a_below + a_above) < 1e-6
    assert index("0.25", ec * sp.Rational(999, 1000)).value == 0


def test_zero_energy_is_marchenko_pastur():
    law = hessian_law("0.5", 0)
    a, b = law.support()
    assert abs(a - (1 - 0.5 ** 0.5) ** 2) < 1e-12 and abs(b - (1 + 0.5 ** 0.5) ** 2) < 1e-12


def test_three_halves_power_law():
    p, alpha0 = index_exponent("0.5")
    assert abs(p - 1.5) < 0.01  # fitted at 0.1 % and 0.4 % above ε_c


@pytest.mark.parametrize("phi,eps", [("0.5", "0.1"), ("1.5", "0.05")])
def test_index_against_simulation(phi, eps):
    # n = 1200, 2 draws: the count of negative eigenvalues fluctuates by O(1) (rigidity),
    # the finite-n edge correction is O(n^{-2/3}) in position; allow 0.01 in α
    alpha = float(index(phi, eps, 20).value)
    emp = np.mean([np.mean(sample_hessian_eigenvalues(float(phi), float(eps), 1200, seed=s) < 0)
                   for s in range(2)])
    assert abs(alpha - emp) < 0.01
    assert alpha > 0


def test_moments_against_simulation():
    # m1 = 1, m2 = 1 + φ + 2ε (free cumulants add: κ2 = φ + 2ε)
    law = hessian_law("0.5", "0.1")
    assert abs(law.moment(1) - 1) < 1e-9
    assert abs(law.moment(2) - (1 + 0.5 + 0.2)) < 1e-9
    e = sample_hessian_eigenvalues(0.5, 0.1, 1200, seed=3)
    assert abs(np.mean(e ** 2) - 1.7) < 0.02  # MC/finite-n: O(1/n) ≈ 1e-3 relative


def test_summary_and_errors():
    s = hessian_summary("0.25", "0.01")
    assert s.index.value == 0 and s.phase.startswith("minimum")
    with pytest.raises(RmtsymError):
        critical_energy("1.5")
    with pytest.raises(RmtsymError):
        hessian_law("-1", "0.1")


# ---------------------------------------------------------------- double-precision path (issue 15)
import math  # noqa: E402

from rmtsym.applications.loss_surface import model as M  # noqa: E402


def _gmp(w, phi, nodes=1500):
    """G of MP_φ (mean 1) by Gauss–Chebyshev quadrature of its density (+ the atom for φ > 1):
    no algebraic equation involved."""
    a, b = (1 - math.sqrt(phi)) ** 2, (1 + math.sqrt(phi)) ** 2
    c, r = (a + b) / 2, (b - a) / 2
    th = np.arange(1, nodes + 1) * np.pi / (nodes + 1)
    t = c + r * np.cos(th)
    base = r * r * (np.pi / (nodes + 1)) * np.sin(th) ** 2 / (2 * np.pi * phi * t)
    g, dg = np.sum(base / (w - t)), -np.sum(base / (w - t) ** 2)
    if phi > 1:
        g, dg = g + (1 - 1 / phi) / w, dg - (1 - 1 / phi) / w ** 2
    return g, dg


def _subordination_index(phi, eps, points=2000, eta=1e-7):
    """α by the subordination equation G(z) = G_MP(z − 2εG(z)) of a free convolution with a
    semicircle, solved by Newton along the real axis, density integrated by the trapezoid rule
    (error ~ h^{3/2} at the square-root edge, ~1e-6 here)."""
    v = 2 * eps
    x0 = -(2 * math.sqrt(v) + 1.0)
    G = 1 / complex(x0, 1.0)
    for e in np.geomspace(1.0, eta, 40):
        for _ in range(50):
            g, dg = _gmp(complex(x0, e) - v * G, phi)
            G -= (G - g) / (1 + v * dg)
    xs = np.linspace(x0, 0, points)
    rho = []
    for x in xs:
        G = G - 1e-6j
        for _ in range(100):
            g, dg = _gmp(complex(x, eta) - v * G, phi)
            step = (G - g) / (1 + v * dg)
            G -= step
            if abs(step) < 1e-14:
                break
        rho.append(max(-G.imag / np.pi, 0.0))
    rho = np.array(rho)
    return float(np.sum(0.5 * (rho[1:] + rho[:-1]) * np.diff(xs)))


@pytest.mark.parametrize("phi,eps", [("0.5", "0.1"), ("0.25", "0.05"), ("1.5", "0.001"), ("3", "0.01"),
                                     ("1", "0.02"), ("0.1", "0.09")])
def test_index_float_equals_branch_solver(phi, eps):
    # two evaluations of the same algebraic law: cubic + Gauss-Legendre vs the generic branch solver
    assert abs(M.index_float(phi, eps) - float(index(phi, eps, 25).value)) < 1e-13


@pytest.mark.parametrize("phi,eps", [(0.5, 0.1), (0.25, 0.05), (1.5, 0.05)])
def test_index_float_against_subordination(phi, eps):
    # independent route: no cubic, MP's G by quadrature of its density; trapezoid error ~1e-6
    assert abs(M.index_float(phi, eps) - _subordination_index(phi, eps)) < 2e-5


def test_table_against_goe_wishart_simulation():
    # n = 600, 2 draws: α counts negative eigenvalues, O(1/n) + edge fluctuations O(n^-2/3)
    # in position (≈ 0.01 · ρ-scale); tolerance 0.008 in α
    for phi, eps in [(0.25, 0.1), (0.75, 0.01), (1.5, 0.05)]:
        emp = np.mean([np.mean(M.sample_hessian_eigenvalues(phi, eps, 600, seed=s) < 0) for s in range(2)])
        assert abs(emp - M.index_float(phi, eps)) < 0.008


@pytest.mark.parametrize("phi,value", [(0.1, 0.083435), (0.25, 0.043510), (0.5, 0.011271), (0.75, 0.001266)])
def test_index_vanishes_exactly_below_published_critical_energy(phi, value):
    ec = M.critical_energy_float(phi)
    assert abs(ec - value) < 5e-7
    assert abs(ec - float(critical_energy_edge(str(phi)).value)) < 1e-14
    assert M.index_float(phi, ec * (1 - 1e-6)) == 0.0
    assert M.support(phi, ec * (1 - 1e-6))[0][0] > 0 > M.support(phi, ec * (1 + 1e-6))[0][0]
    assert M.index_float(phi, ec * (1 + 1e-3)) > 0


@pytest.mark.parametrize("phi", [0.1, 0.5, 0.75])
def test_three_halves_prefactor_and_exponent(phi):
    # α/(α0 r^{3/2}) → 1 linearly in r (next term of the edge expansion)
    ec = M.critical_energy_float(phi)
    for r in (1e-5, 1e-4):
        ratio = M.index_float(phi, ec * (1 + r)) / (M.alpha0(phi) * r ** 1.5)
        assert abs(ratio - 1) < 2 * r
    fit = M.exponent_fit(phi)
    assert abs(fit.exponent - 1.5) < 1e-5 and abs(fit.alpha0_fit / fit.alpha0_exact - 1) < 1e-4
    pure = M.exponent_fit(phi, corrections=0)
    assert 1.48 < pure.exponent < 1.5 and pure.ci95[1] < 1.5  # the O(r) correction biases a pure power law


def _trap(y, x):
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x)))


def test_density_support_and_cdf():
    # normalisation, mean 1 and second moment 1 + φ + 2ε (free cumulants add)
    for phi, eps in [(0.5, 0.1), (1.5, 0.001), (3.0, 0.01)]:
        tot, m1, m2 = 0.0, 0.0, 0.0
        for a, b in M.support(phi, eps):
            th = np.linspace(0, np.pi, 4001)
            x = (a + b) / 2 - (b - a) / 2 * np.cos(th)
            f = M.density(x, phi, eps) * (b - a) / 2 * np.sin(th)
            tot += _trap(f, th)
            m1 += _trap(f * x, th)
            m2 += _trap(f * x * x, th)
        assert abs(tot - 1) < 1e-6 and abs(m1 - 1) < 1e-6 and abs(m2 - (1 + phi + 2 * eps)) < 1e-6
    # φ > 1, small ε: the atom at 0 becomes a separate small interval around 0
    sup = M.support(1.5, 0.001)
    assert len(sup) == 2 and sup[0][0] < 0 < sup[0][1] < sup[1][0]
    x, F = M.cdf_grid(0.5, 0.1)
    assert abs(np.interp(0.0, x, F) - M.index_float(0.5, 0.1)) < 1e-5
    assert M.atoms(1.5, 0) == [(0.0, pytest.approx(1 / 3))]


@pytest.mark.parametrize("phi,eps", [(0, 0.1), (-1, 0.1), (float("nan"), 0.1), (0.5, -0.1), (0.5, float("inf")),
                                     (1e9, 0.1), ("abc", 0.1), (True, 0.1)])
def test_bad_parameters_one_sentence(phi, eps):
    with pytest.raises(RmtsymError) as e:
        M.index_float(phi, eps)
    msg = str(e.value)
    assert "\n" not in msg and msg.split()[0] in ("phi", "epsilon")


def test_sweep_limits():
    with pytest.raises(RmtsymError):
        M.model_sweep([0.5] * 41, [0.1])
    with pytest.raises(RmtsymError):
        M.model_sweep([], [0.1])
    s = M.model_sweep([0.5, 1.5], [0.0, 0.05])
    assert [r["phi"] for r in s.rows] == [0.5, 0.5, 1.5, 1.5]
    assert s.rows[1]["index"] == pytest.approx(M.index_float(0.5, 0.05), abs=0)
    assert set(s.fits) == {0.5} and s.rows[2]["critical_energy"] is None


# ---------------------------------------------------------------- CLI and figure
def _cli(argv, capsys):
    import json
    from rmtsym.cli import main
    rc = main(argv)
    out = capsys.readouterr()
    return rc, (json.loads(out.out) if rc == 0 and "--json" in argv else out)


def test_cli_table_and_single_value(capsys):
    rc, d = _cli(["hessian", "--phi", "0.25,0.5,1.5", "--epsilon", "0,0.05,0.1", "--json"], capsys)
    assert rc == 0 and len(d["table"]) == 9
    row = d["table"][4]
    assert (row["phi"], row["epsilon"]) == ("0.5", "0.05")
    assert abs(float(row["index"]) - float(index("0.5", "0.05", 20).value)) < 1e-12
    assert set(d["exponent_fit"]) == {"0.25", "0.5"}
    f = d["exponent_fit"]["0.5"]
    assert float(f["ci95"][0]) < float(f["exponent"]) < float(f["ci95"][1])
    assert abs(float(f["exponent"]) - 1.5) < 1e-5
    # the single-value form keeps its keys
    rc, d = _cli(["hessian", "--phi", "0.5", "--epsilon", "0.1", "--json"], capsys)
    assert rc == 0 and {"support", "atoms", "index", "critical_energy", "phase"} <= set(d)
    assert abs(float(d["index"]) - 0.113562032093325) < 1e-14
    rc, out = _cli(["hessian", "--phi", "0.5,0.75", "--epsilon", "0.1"], capsys)
    assert rc == 0 and "exponent 1.4999" in out.out and "None" not in out.out


def test_cli_plot_and_errors(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    fig = tmp_path / "h.png"
    rc, d = _cli(["hessian", "--phi", "0.5,1.5", "--epsilon", "0.01,0.1", "--plot", str(fig), "--json"], capsys)
    assert rc == 0 and d["plot"] == str(fig) and fig.stat().st_size > 20_000
    missing = tmp_path / "nowhere" / "h.png"
    for argv in (["--phi", "0", "--epsilon", "0.1"], ["--phi", "nan", "--epsilon", "0.1"],
                 ["--phi", "0.5", "--epsilon", "-0.1"], ["--phi", "0.5", "--epsilon", "nan"],
                 ["--phi", "1e7", "--epsilon", "0.1"], ["--phi", ",".join(["0.5"] * 50), "--epsilon", "0.1"],
                 ["--phi", "0.5", "--epsilon", "0.1", "--plot", str(missing)],
                 ["--phi", "0.5", "--epsilon", "0.1", "--plot", str(tmp_path / "h.txt")]):
        rc, out = _cli(["hessian", *argv, "--json"], capsys)
        assert rc == 2 and not out.out.strip()
        assert len(out.err.strip().splitlines()) == 1
    assert not (tmp_path / "nowhere").exists() and not (tmp_path / "h.txt").exists()
