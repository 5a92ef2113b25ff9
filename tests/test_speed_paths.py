"""The fast paths of issue 16 give the numbers of the paths they replace, and the closed form
of degree-2 laws gives the textbook Marchenko–Pastur law.

Each fast path is compared with the slow one it replaces, run in the same test (the slow
one forced by switching the fast one off), and where there is one with an independent
closed form: the batched continuation against the step-by-step one (written here), the
single path of the atom check against one path per point, the Pennington–Worah moments
from the P-series against the expansion of Q at infinity, the pure-Python Brent against
scipy's, the double-precision Gaussian expectations against closed forms, the fixed point
and the critical σw of mean-field theory against the high-precision iteration and the
bisection, the vectorised 2-D quadrature against its loop, the lean float64 code of an
activation against lambdify's own namespaces, and the closed-form quadratic root against
the general (eigenvalue) path and Marchenko & Pastur's density √((λ₊−x)(x−λ₋))/(2π c s x).
No timing is asserted (speed is measured in benchmarks/startup.py).
"""
import math
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

import rmtsym.networks.signal_propagation as SP
from rmtsym.activation import parse_activation
from rmtsym.activation.compile import _np_printer, _reciprocal_form, numpy_lambdify
from rmtsym.activation.whitelist import _UNARY
from rmtsym.law import PenningtonWorahLaw, SpectralLaw
from rmtsym.networks.brent import brentq
from rmtsym.networks.integrals import integrals_for
from rmtsym.pennington_worah import derive, marchenko_pastur_equation
from rmtsym.solver import BranchSolver
from rmtsym.solver.branch import _is_zero_number
from rmtsym.symbols import x as X
from rmtsym.symbols import z

RELU_ETA = (sp.pi - 1) / (2 * sp.pi)


def _solver(eta, zeta, phi, psi):
    s = BranchSolver(derive(sp.sympify(eta), sp.sympify(zeta), sp.sympify(phi), sp.sympify(psi)).quartic.value, 30)
    s.support()
    return s


def _row_by_row_roots(s):
    """Roots of Q(·, z) one z at a time (np.roots): the same bits whatever the batch, so
    that the two continuations below see identical roots."""
    F = s._float

    def roots(zarr):
        zarr = np.atleast_1d(np.asarray(zarr, dtype=complex))
        A = np.zeros((len(zarr), F.shape[0]), dtype=complex)
        for j in range(F.shape[1] - 1, -1, -1):
            A = A * zarr[:, None] + F[:, j][None, :]
        out = np.full((len(zarr), s.degree), np.nan + 0j)
        for i, a in enumerate(A):
            r = np.roots(np.trim_zeros(a[::-1], "f"))
            out[i, :len(r)] = r
        return out
    return roots


def _continue_step_by_step(s, zarr, steps_per_decade=40):
    """The continuation as it was written before issue 16: one root matching per step."""
    lo, hi, scale = s._hull()
    zarr = np.asarray(zarr, dtype=complex)
    R = 1e3 * scale
    target = np.maximum(zarr.imag, 1e-10 * scale)
    nsteps = int(np.ceil(steps_per_decade * max(1.0, float(np.max(np.log10(R / target)))))) + 1
    z0 = zarr.real + 1j * np.maximum(R, zarr.imag)
    roots = s._np_roots(z0)
    dist = np.abs(roots - (1.0 / z0)[:, None])
    dist = np.where(np.isfinite(dist), dist, np.inf)
    g = roots[np.arange(len(z0)), np.argmin(dist, axis=1)]
    worst = np.zeros(len(zarr))
    logR, logT = np.log(np.maximum(R, zarr.imag)), np.log(target)
    for step in range(1, nsteps + 2):
        zs = zarr.real + 1j * np.exp(logR + (logT - logR) * step / nsteps) if step <= nsteps else zarr
        roots = s._np_roots(zs)
        dist = np.abs(roots - g[:, None])
        dist = np.where(np.isfinite(dist), dist, np.inf)
        order = np.argsort(dist, axis=1)
        near = dist[np.arange(len(zs)), order[:, 0]]
        second = dist[np.arange(len(zs)), order[:, 1]] if s.degree > 1 else np.full(len(zs), np.inf)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(second > 0, near / second, 1.0)
        worst = np.maximum(worst, np.nan_to_num(ratio, nan=1.0))
        g = roots[np.arange(len(zs)), order[:, 0]]
    return g, worst


# ------------------------------------------------------------------ continuation
@pytest.mark.parametrize("pars", [(RELU_ETA, sp.Rational(1, 4), 2, sp.Rational(1, 2)),  # quartic, atom
                                  (1, 1, 2, sp.Rational(1, 2)),                          # cubic
                                  (1, 0, 2, 1)])                                         # quadratic
def test_batched_continuation_is_the_step_by_step_one(pars):
    s = _solver(*pars)
    s._np_roots = _row_by_row_roots(s)
    lo, hi, scale = s._hull()
    rng = np.random.default_rng(7)
    # 1 and 3 paths (walk in Python lists), 12 (numpy walk), 30 (step-by-step matching)
    for zs in (np.array([0.1 + 1e-10j]), 1j * scale * np.array([1e-4, 1e-7, 1e-10]),
               rng.uniform(lo - 1, hi + 1, 12) + 0j, rng.uniform(lo, hi, 30) + 1e-6j):
        g1, w1 = s._continue_np(zs)
        g2, w2 = _continue_step_by_step(s, zs)
        assert np.array_equal(g1, g2, equal_nan=True) and np.array_equal(w1, w2)


def test_one_vertical_path_gives_the_values_of_one_path_per_point():
    s = _solver(RELU_ETA, sp.Rational(1, 4), 2, sp.Rational(1, 2))
    a, b = (float(v) for v in s.support()[0])
    eps = s._hull()[2] * np.array([1e-2, 1e-4, 1e-7])
    for x0 in (a + 0.3 * (b - a), a + 0.8 * (b - a), b + 0.5):  # unambiguous paths
        v = s.stieltjes_vertical(x0, eps)
        p = s.stieltjes_numpy(x0 + 1j * eps)
        assert np.allclose(v, p, rtol=1e-12, atol=0)


def test_atoms_unchanged_by_the_single_path():
    # PW with n1 > m (ψ < φ... here M = YYᵀ/m has rank m < n1): the atom 1 − ψ/φ = 3/4 at 0,
    # found where the two branches with that residue make the continuation ambiguous;
    # Marchenko–Pastur with c = 3 > 1: the atom 1 − 1/c at 0
    s = _solver(RELU_ETA, sp.Rational(1, 4), 2, sp.Rational(1, 2))
    (x0, m), = s.atoms()
    with mpmath.workdps(40):
        assert x0 == 0 and abs(m - mpmath.mpf(3) / 4) < 1e-25
    law = SpectralLaw(marchenko_pastur_equation(3, 2))
    (x0, m), = law.atoms()
    with mpmath.workdps(40):
        assert x0 == 0 and abs(m - mpmath.mpf(2) / 3) < 1e-25


def test_zero_test_of_exact_coefficients():
    r2 = sp.sqrt(2)
    coeffs = [sp.Integer(3), (1 + r2) ** 2 - 3 - 2 * r2]  # the second is an unexpanded zero
    assert _is_zero_number(coeffs[1], coeffs)
    assert not _is_zero_number(sp.pi ** 2 / 7 - 1, [sp.Integer(1), sp.pi ** 2 / 7 - 1])
    assert not _is_zero_number(sp.Rational(1, 10 ** 40), [sp.Integer(1), sp.Rational(1, 10 ** 40)])


# ------------------------------------------------------------------ degree 2: closed form
@pytest.mark.parametrize("c,s", [(sp.Rational(1, 2), 1), (2, sp.Rational(3, 2)), (1, 1), (sp.Rational(1, 10), 4)])
def test_quadratic_closed_form_is_the_textbook_marchenko_pastur_density(c, s):
    law = SpectralLaw(marchenko_pastur_equation(c, s))
    assert law.solver.degree == 2 and law.solver._quadratic()
    cf, sf = float(c), float(s)
    lm, lp = sf * (1 - math.sqrt(cf)) ** 2, sf * (1 + math.sqrt(cf)) ** 2
    a, b = (float(v) for v in law.intervals()[0])
    assert abs(a - lm) < 1e-14 * lp and abs(b - lp) < 1e-14 * lp
    x = np.linspace(a, b, 10_002)[1:-1]
    closed = law.pdf(x)
    textbook = np.sqrt((lp - x) * (x - lm)) / (2 * np.pi * cf * sf * x)
    assert np.max(np.abs(closed - textbook)) < 1e-12 * np.max(textbook)
    inner = (x - a > 1e-3 * (b - a)) & (b - x > 1e-3 * (b - a))
    assert np.max(np.abs(closed - textbook)[inner] / textbook[inner]) < 1e-12
    # 40-digit values of the same formula near the edges: the factored discriminant keeps
    # the relative accuracy there, up to the rounding of the edges to doubles (one ulp of
    # an edge is a relative error ulp/(x − edge) in x − edge)
    for t in (1e-9, 1e-6, 0.5, 1 - 1e-6):
        xv = a + t * (b - a)
        with mpmath.workdps(40):
            c_, s_ = mpmath.mpf(sp.N(c, 50)), mpmath.mpf(sp.N(s, 50))
            lo, hi = s_ * (1 - mpmath.sqrt(c_)) ** 2, s_ * (1 + mpmath.sqrt(c_)) ** 2
            ref = mpmath.sqrt((hi - xv) * (xv - lo)) / (2 * mpmath.pi * c_ * s_ * xv)
        rounding = 4e-16 * b / min(xv - a, b - xv)
        assert abs(law.pdf(xv) - float(ref)) <= (1e-12 + rounding) * float(ref)
    # the general path (eigenvalues, selection) on the same points
    law.solver.quadratic_closed_form = False
    general = law.pdf(x)
    law.solver.quadratic_closed_form = True
    assert np.max(np.abs(closed - general)) < 1e-12 * np.max(general)


@pytest.mark.parametrize("activation,phi,psi", [("abs", 2, sp.Rational(1, 2)), ("x**2 - 1", sp.Rational(1, 3), 3)])
def test_zeta_zero_laws_use_the_closed_form_and_agree_with_the_general_path(activation, phi, psi):
    law = PenningtonWorahLaw.from_activation(parse_activation(activation), phi, psi)
    assert law.case == "marchenko-pastur" and law.solver._quadratic()
    lo, hi = law.support()
    zz = np.linspace(lo - 1, hi + 1, 400) + 1j * np.geomspace(1e-9, 3, 400)
    roots = law.solver._np_roots(zz)
    A = law.solver._np_coeffs(zz)
    for k in range(2):
        r = roots[:, k]
        assert np.max(np.abs(A[:, 0] + A[:, 1] * r + A[:, 2] * r * r) / (np.abs(A).max(axis=1) * (1 + np.abs(r)) ** 2)) < 1e-14
    g1 = law.stieltjes(zz)
    xs = np.linspace(lo, hi, 1000)
    r1 = law.pdf(xs)
    law.solver.quadratic_closed_form = False
    g2 = law.stieltjes(zz)
    r2 = law.pdf(xs)
    law.solver.quadratic_closed_form = True
    assert np.max(np.abs(g1 - g2) / np.abs(g2)) < 1e-12
    assert np.max(np.abs(r1 - r2)) < 1e-12 * np.max(r2)
    assert np.all(g1.imag < 0)


# ------------------------------------------------------------------ moments from the P-series
@pytest.mark.parametrize("make", [
    lambda: PenningtonWorahLaw.from_activation(sp.Max(X, 0), 2, sp.Rational(1, 2)),
    lambda: PenningtonWorahLaw.from_activation(sp.erf(X), sp.Rational(1, 3), 3),   # η, ζ rounded
    lambda: PenningtonWorahLaw(sp.Rational(3, 2), sp.Rational(1, 3), sp.Rational(1, 2), 3),
    lambda: PenningtonWorahLaw(1, 0, 2, 1),                                        # ζ = 0
    lambda: PenningtonWorahLaw(1, 1, sp.Rational(1, 2), 2),                        # η = ζ
    lambda: PenningtonWorahLaw(sp.sqrt(2), sp.Rational(1, 2), 1, 1),
])
def test_series_moments_are_the_expansion_at_infinity(make):
    law = make()
    for k in range(1, 7):
        assert law.moment_exact(k) == SpectralLaw.moment_exact(law, k)


# ------------------------------------------------------------------ Brent
def test_brent_is_scipys_brentq_step_for_step():
    from scipy.optimize import brentq as scipy_brentq

    rng = np.random.default_rng(3)
    funcs = [lambda t, c: math.tanh(3 * t - c[0]) + 0.1 * c[1], lambda t, c: t ** 3 - c[0] * t - c[1],
             lambda t, c: (t - c[0]) ** 5, lambda t, c: 1.0 if t > c[0] else -1.0]
    done = 0
    for trial in range(400):
        c = rng.normal(size=4)
        f = funcs[trial % len(funcs)]
        a, b = -3 + c[2], 3 + c[3]
        if np.sign(f(a, c)) == np.sign(f(b, c)) or f(a, c) == 0:
            continue
        xtol, rtol = [(1e-13, 1e-13), (2e-12, 8.881784197001252e-16), (1e-3, 1e-10)][trial % 3]
        calls1, calls2 = [], []
        r1 = scipy_brentq(lambda t: calls1.append(t) or f(t, c), a, b, xtol=xtol, rtol=rtol, maxiter=200)
        r2 = brentq(lambda t: calls2.append(t) or f(t, c), a, b, xtol=xtol, rtol=rtol, maxiter=200)
        assert r1 == r2 and calls1 == calls2
        done += 1
    assert done > 200
    with pytest.raises(ValueError):
        brentq(lambda t: t * t + 1, -1, 1)


# ------------------------------------------------------------------ mean-field theory
def test_double_precision_gaussian_expectations_against_closed_forms():
    for name, g, exact in [
        ("erf", lambda f: (lambda t: f(t) ** 2), lambda q: 2 / math.pi * math.asin(2 * q / (1 + 2 * q))),
        ("x**3", lambda f: (lambda t: f(t) ** 2), lambda q: 15 * q ** 3),
        ("sin(3*x)", lambda f: (lambda t: f(t) ** 2), lambda q: (1 - math.exp(-18 * q)) / 2),
        ("hard_tanh", lambda f: (lambda t: f(t)), lambda q: 0.0),
    ]:
        I = integrals_for(name)
        fn = g(I._np(False))
        for q in (1e-4, 0.3, 2.0, 40.0):
            v = I.gauss_numpy(fn, q)
            assert v is not None and abs(v - exact(q)) <= 1e-13 * max(1.0, abs(exact(q)))
    # the tail of e^{2√q z} beyond |z| = 12 is not negligible for q = 40: refused, not wrong
    I = integrals_for("exp(x)")
    assert I.gauss_numpy(lambda t: I._np(False)(t) ** 2, 40.0) is None
    assert abs(I.gauss_numpy(lambda t: I._np(False)(t) ** 2, 0.5) - math.e) < 1e-14


@pytest.mark.parametrize("activation,sw,sb", [("tanh", "1.5", "0.1"), ("hard_tanh", "1.3", "0.2"),
                                              ("gelu", "1.3", "0.5"), ("tanh", "2.5", "1.0")])
def test_fixed_point_double_start_gives_the_high_precision_iteration(activation, sw, sb, monkeypatch):
    fast = SP.length_fixed_point(activation, sw, sb, dps=25)
    monkeypatch.setattr(SP, "_fixed_point_double", lambda *a, **k: None)
    slow = SP.length_fixed_point(activation, sw, sb, dps=25)
    assert fast.q_star.digits == slow.q_star.digits == 25
    assert fast.q_star.value == slow.q_star.value and fast.kind == slow.kind


def test_critical_sigma_w_double_root_gives_the_bisection(monkeypatch):
    fast = SP.critical_sigma_w("erf", "0.3", dps=10)
    assert fast.method.startswith("root of")
    monkeypatch.setattr(SP, "_critical_sigma_w_double", lambda *a, **k: None)
    slow = SP.critical_sigma_w("erf", "0.3", dps=10)
    assert slow.method == "bisection on χ1 = 1" and fast.digits == slow.digits == 9
    assert abs(fast.value - slow.value) < mpmath.mpf(10) ** -10 * slow.value
    # and χ1 = 1 there (the erf closed form E φ′(σZ)² = 4/(π√(1 + 4σ²))): σw² · that at q*
    fp = SP.length_fixed_point("erf", fast.value, "0.3", dps=20)
    chi = fast.value ** 2 * 4 / (mpmath.pi * mpmath.sqrt(1 + 4 * fp.q_star.value))
    assert abs(chi - 1) < 1e-9


@pytest.mark.parametrize("activation", ["tanh", "gelu", "mish", "erf(x) + x/3"])
def test_vectorised_pair_quadrature_is_the_loop(activation):
    I = integrals_for(activation)
    for q1, q2, c, der in [(0.8, 0.8, 0.14, False), (1.3, 0.5, -0.2, True), (2.0, 2.0, 1.99, False)]:
        new = I.pair_numeric(q1, q2, c, der)
        kinks = I.kinks
        try:
            I.kinks = [1e9]  # a kink far outside [−10, 10]: the same panels, through the loop
            old = I.pair_numeric(q1, q2, c, der)
        finally:
            I.kinks = kinks
        assert new == old


# ------------------------------------------------------------------ float64 code of activations
@pytest.mark.parametrize("expr", [f(X / 7 + sp.pi) for f in _UNARY.values() if f is not sp.Heaviside]
                         + [sp.Heaviside(X), sp.Max(X, sp.Min(2, X ** 2)), sp.Integer(10) ** 100 * X,
                            sp.Piecewise((sp.exp(X), X < 0), (sp.log(1 + X), X < 3), (X ** 2, True)),
                            parse_activation("gelu").expr, parse_activation("selu").expr,
                            parse_activation("mish").expr, parse_activation("softplus").expr])
def test_lean_numpy_code_equals_lambdify_with_numpy_and_scipy_namespaces(expr):
    grid = np.linspace(-10, 10, 2001) + 0.0031
    reference = sp.lambdify(X, _reciprocal_form(expr), modules=["scipy", "numpy"], printer=_np_printer())
    lean = numpy_lambdify(X, expr)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = np.asarray(reference(grid)), np.asarray(lean(grid))
    assert np.array_equal(a, b, equal_nan=True)


def test_the_discriminant_of_the_solver_is_the_algebraic_one():
    from rmtsym.algebraic import SpectralEquation, discriminant

    s = _solver(RELU_ETA, sp.Rational(1, 4), 2, sp.Rational(1, 2))
    disc = sp.Poly(discriminant(SpectralEquation(s.poly, "")), z)
    pts = sorted(float(p) for p in s._real_roots(disc.as_expr(), 40))
    for p in pts:  # every real zero of the algebraic discriminant is a branch point
        assert any(abs(p - float(b)) < 1e-12 * (1 + abs(p)) for b in s.branch_points())


# ------------------------------------------------------------------ in-domain polynomial algebra
@pytest.mark.parametrize("pars", [
    (RELU_ETA, sp.Rational(1, 4), 2, sp.Rational(1, 2)),                  # ZZ(π)
    (sp.Rational(3, 2), sp.Rational(1, 2), sp.Rational(1, 3), 3),          # QQ
    (sp.E * sp.pi, sp.Rational(1, 5), sp.Rational(7, 4), sp.Rational(2, 3)),  # ZZ(E, π)
    (1, 0, sp.Rational(1, 2), 1),                                          # ζ = 0 (MP)
    (2, 1, 3, sp.Rational(1, 2)),                                          # atom away from 0
])
def test_in_domain_algebra_equals_the_expression_path(pars, monkeypatch):
    # the quartic, its normalisation, the square-free part, the discriminant and the atoms'
    # lowest-order polynomials are computed in the coefficients' own domain when it is Q, Z or
    # a polynomial domain in π, e; switching those paths off must give the same equation, the
    # same branch points and the same atoms
    import rmtsym.pennington_worah as PW
    import rmtsym.solver.branch as BR
    import rmtsym.solver.polynomial as PO

    def run():
        d = derive(*(sp.sympify(v) for v in pars))
        s = BranchSolver(d.quartic.value, 30)
        return d.quartic.value.poly, d.reduced.value.poly, s.poly, s.branch_points(), s.atoms()

    fast = run()
    monkeypatch.setattr(PW, "_quartic_in_domain", lambda values: None)
    monkeypatch.setattr(PW, "_scale_in_domain", lambda poly, factor: None)
    monkeypatch.setattr(PO, "_clean_in_domain", lambda poly: None)
    monkeypatch.setattr(BR, "_discriminant_in_domain", lambda poly: None)
    monkeypatch.setattr(BR.BranchSolver, "_lowest_order_in_domain", lambda self, x0, w: None)
    slow = run()
    for a, b in zip(fast[:3], slow[:3]):
        assert sp.expand(a.as_expr() - b.as_expr()) == 0
    assert len(fast[3]) == len(slow[3])
    with mpmath.workdps(40):
        assert all(abs(p - q) <= 1e-28 * (1 + abs(q)) for p, q in zip(fast[3], slow[3]))
        assert len(fast[4]) == len(slow[4])
        for (x0, m0), (x1, m1) in zip(fast[4], slow[4]):
            assert abs(x0 - x1) < 1e-25 and abs(m0 - m1) < 1e-25


@pytest.mark.parametrize("values", [
    ("0.34", "0.25", 2, "0.5"), (1, 1, 1, 1), ("0.5", 0, 1, 2),
    (sp.Rational(1, 2) - 1 / (2 * sp.pi), sp.Rational(1, 4), 2, sp.Rational(1, 2)),
    (sp.sqrt(2) / 3, sp.Rational(1, 5), 3, 1), (1 - sp.E / 5, sp.Rational(1, 7) / sp.pi, sp.Rational(3, 2), sp.Rational(2, 3)),
])
def test_series_moments_over_one_denominator_equal_the_term_by_term_sum(values):
    """PenningtonWorahLaw.moment_exact sums the P-series terms over one common denominator in
    the ring of the parameters' field; here each term is added in the field itself."""
    from sympy.polys.constructor import construct_domain

    from rmtsym.law import PenningtonWorahLaw
    from rmtsym.moments.series import series_coefficients
    from rmtsym.pennington_worah import evaluate_monomials

    law = PenningtonWorahLaw(*values)
    dom, (e, zt, ph, ps) = construct_domain(list(law.derivation.parameters), field=True)
    for k in range(1, 9):
        terms = series_coefficients(k)[k - 1]
        direct = dom.zero
        for (a, b, c, d), v in terms.items():
            direct += dom.convert(v) * e ** a * zt ** b * ph ** c / ps ** d
        assert evaluate_monomials(dom, {t: v for t, v in terms.items() if v}, (e, zt, ph, dom.one / ps)) == direct
