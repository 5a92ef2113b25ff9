"""Tests of rmtsym.applications.hessian (Pennington & Bahri 2017; theory.md §5.3)."""
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
    assert abs(closed - mpmath.mpf(value)) < 5e-7  # theory.md's six-digit values


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
