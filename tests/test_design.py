"""Tests of the activation designer (ζ = 0 class, target ζ/η, centring, η = 1).

Each designed activation is re-checked here by an independent mpmath quadrature written
in this file (not the package's Gaussian engine), at 25 digits.
"""
import json

import mpmath
import pytest
import sympy as sp

from rmtsym.applications.design import design_activation
from rmtsym.errors import RmtsymError
from rmtsym.symbols import x


def _quad_moments(expr, sigma=1, dps=25):
    """(E f(σZ), Var f(σZ), E[Z f(σZ)]) by mpmath quadrature, split at 0."""
    with mpmath.workdps(dps):
        f = sp.lambdify(x, expr, "mpmath")
        s = mpmath.mpf(sp.N(sigma, dps))
        dens = lambda z: mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi)
        E = lambda g: mpmath.quad(lambda z: g(z) * dens(z), [-mpmath.inf, 0, mpmath.inf])
        mu = E(lambda z: f(s * z))
        m2 = E(lambda z: f(s * z) ** 2)
        s1 = E(lambda z: z * f(s * z))
        return mu, m2 - mu**2, s1


def test_recovers_pw_f4_exactly():
    res = design_activation("(1 - c*exp(-x**2/2))*erf(x)", "c", dps=20)
    assert res.method == "symbolic"
    assert sp.simplify(res.values["c"] - 4 / sp.sqrt(3)) == 0
    # η = 1 is reached by an overall factor: η_raw = 0.182585 (docs/theory.md §1.8)
    assert abs(float(1 / res.scale**2) - 0.1825854023) < 1e-9
    mu, eta, s1 = _quad_moments(res.activation)
    assert abs(s1) < 1e-20 and abs(mu) < 1e-20 and abs(eta - 1) < 1e-20


def test_quadratic_family_zeta_zero_centred_normalised():
    # a x² + b x + c: ζ = b²σ², mean a σ² + c, η = σ²(2a²σ² + b²) → a = 1/√2, b = 0, c = −1/√2 (He2/√2)
    res = design_activation("a*x**2 + b*x + c", "a,b,c", dps=20)
    assert res.method == "symbolic" and res.conditions == ["shape", "center", "eta"]
    assert res.values == {"a": sp.sqrt(2) / 2, "b": 0, "c": -sp.sqrt(2) / 2}
    mu, eta, s1 = _quad_moments(res.activation)
    assert abs(mu) < 1e-20 and abs(eta - 1) < 1e-20 and abs(s1) < 1e-20
    # at σ = 2 the same family gives a = 1/(4√2), c = −1/(2√2)·... checked by quadrature
    res2 = design_activation("a*x**2 + b*x + c", "a,b,c", sigma=2, dps=20)
    mu, eta, s1 = _quad_moments(res2.activation, sigma=2)
    assert abs(mu) < 1e-20 and abs(eta - 1) < 1e-20 and abs(s1) < 1e-20


def test_linear_plus_tanh_zeta_zero_numeric():
    # no closed form for tanh: numeric path; ζ = 0 means a = −b·E[tanh′(Z)] ≈ −0.6057 b
    res = design_activation("a*x + b*tanh(x)", "a,b", dps=20)
    assert res.method == "numeric"
    a, b = float(res.values["a"]), float(res.values["b"])
    assert b > 0 and abs(a / b + 0.6057) < 1e-3
    mu, eta, s1 = _quad_moments(res.activation)
    assert abs(s1) < 1e-15 and abs(eta - 1) < 1e-15 and abs(mu) < 1e-20


def test_tanh_linear_mix_target_ratio():
    res = design_activation("a*x + b*tanh(x)", "a,b", zeta_over_eta="0.5", dps=20)
    mu, eta, s1 = _quad_moments(res.activation)
    assert abs(s1**2 / eta - mpmath.mpf("0.5")) < 1e-15 and abs(eta - 1) < 1e-15
    # one parameter: tanh(x) + c x reaches ζ/η = 0.99 (pure tanh has 0.930); scale gives η = 1
    res = design_activation("tanh(x) + c*x", "c", zeta_over_eta="0.99", dps=20)
    assert res.conditions == ["shape"]
    mu, eta, s1 = _quad_moments(res.activation)
    assert abs(s1**2 / eta - mpmath.mpf("0.99")) < 1e-15 and abs(eta - 1) < 1e-15


def test_impossible_targets():
    with pytest.raises(RmtsymError, match="impossible"):
        design_activation("a*x + b*tanh(x)", "a,b", zeta_over_eta=1.5)
    with pytest.raises(RmtsymError, match="impossible"):
        design_activation("a*x + b*tanh(x)", "a,b", zeta_over_eta=-0.1)
    with pytest.raises(RmtsymError, match="impossible"):
        design_activation("a*x + b*tanh(x)", "a,b", zeta_over_eta=1)
    # c·tanh(x) has ζ/η = 0.930 for every c ≠ 0: ζ = 0 only at c = 0 (a constant)
    with pytest.raises(RmtsymError, match="no parameter values|constant"):
        design_activation("c*tanh(x)", "c")
    # cos(x) + c: even, ζ = 0 always, but a target 0.5 is out of reach
    with pytest.raises(RmtsymError):
        design_activation("cos(x) + c*x**2", "c", zeta_over_eta="0.5")
    with pytest.raises(RmtsymError, match="underdetermined"):
        design_activation("a*x + b*tanh(x) + c*sin(x)", "a,b,c", center=False)
    with pytest.raises(RmtsymError):
        design_activation("tanh(x)", "q")


def test_cli_design(capsys):
    from rmtsym.cli import main
    code = main(["design", "(1 - c*exp(-x**2/2))*erf(x)", "--params", "c", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert data["method"] == "symbolic"
    assert data["parameters"]["c"]["exact"] == str(4 * sp.sqrt(3) / 3)
    assert abs(float(data["parameters"]["c"]["value"]) - 4 / 3**0.5) < 1e-15
    assert abs(float(data["check"]["eta"]) - 1) < 1e-15 and float(data["check"]["zeta"]) == 0
    code = main(["design", "a*x + b*tanh(x)", "--params", "a,b", "--zeta-over-eta", "2", "--json"])
    err = capsys.readouterr().err
    assert code == 2 and "impossible" in err
