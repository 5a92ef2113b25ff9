"""Tests of rmtsym.solver.BranchSolver: the physical branch of Q(G, z) = 0.

Every number is checked against something computed independently: closed forms
(Marchenko–Pastur), an independent Silverstein fixed point with its own quadrature
(Péché's free-convolution form, docs/theory.md §2), the moments of docs/theory.md §1.6, an
independent mpmath.polyroots + continuation written here, and Monte Carlo of the actual
random matrix. The reference quartic of docs/theory.md §1.4 is typed in HERE only, as an
independent check of the derived one.
"""
import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmtsym.algebraic import SpectralEquation
from rmtsym.errors import ParameterError
from rmtsym.solver import BranchSolver
from rmtsym.symbols import G, z


def reference_quartic(eta, zeta, phi, psi):
    """The quartic Q of docs/theory.md §1.4, typed in from the reference (exact parameters)."""
    eta, zeta, phi, psi = (sp.Rational(str(v)) for v in (eta, zeta, phi, psi))
    Q = (phi**2 * z**2 * zeta * (eta - zeta) * G**4
         - phi * z * zeta * (psi * z + 2 * (eta - zeta) * (phi - psi)) * G**3
         - (psi * z * (eta * phi * psi - 2 * phi * zeta + psi * zeta) - zeta * (eta - zeta) * (phi - psi)**2) * G**2
         + psi * (psi**2 * z + (eta * psi - zeta) * (phi - psi)) * G
         - psi**3)
    return SpectralEquation.from_expr(Q, "reference quartic")


_CACHE = {}


def solver(eta, zeta, phi, psi, dps=30):
    key = (eta, zeta, phi, psi, dps)
    if key not in _CACHE:
        _CACHE[key] = BranchSolver(reference_quartic(eta, zeta, phi, psi), dps=dps)
    return _CACHE[key]


# ---------------------------------------------------------------- independent references
def mp_density(x, c, s):
    """Marchenko–Pastur density, ratio c, mean s: sqrt((b−x)(x−a))/(2π c s x)."""
    a, b = s * (1 - mpmath.sqrt(c)) ** 2, s * (1 + mpmath.sqrt(c)) ** 2
    if not a < x < b:
        return mpmath.mpf(0)
    return mpmath.sqrt((b - x) * (x - a)) / (2 * mpmath.pi * c * s * x)


def silverstein_G(zz, eta, zeta, phi, psi, n_nodes=400):
    """G(z) of MP_{φ/ψ} ⊠ (ζ·MP_{1/ψ} + η − ζ) by a damped Silverstein fixed point.

    s = −G solves s = ∫ dMP_{1/ψ}(λ) / ((ζλ + η − ζ)(1 − c − c z s) − z), c = φ/ψ
    (docs/theory.md §2). MP_{1/ψ} is integrated with Gauss–Legendre in θ after
    λ = a + (b − a)(1 − cos θ)/2 (smooth integrand), plus its atom 1 − ψ at 0 when ψ < 1.
    Warm-started from Im z = 20 and continued down; Im G < 0 is asserted.
    """
    c = phi / psi
    r = 1 / psi
    a, b = (1 - np.sqrt(r)) ** 2, (1 + np.sqrt(r)) ** 2
    xk, wk = np.polynomial.legendre.leggauss(n_nodes)
    th = np.pi * (1 + xk) / 2
    lam = a + (b - a) * np.sin(th / 2) ** 2
    dens = np.sqrt(np.maximum((b - lam) * (lam - a), 0)) / (2 * np.pi * r * lam)
    w = wk * np.pi / 2 * dens * (b - a) / 2 * np.sin(th)
    lam_all, w_all = lam, w
    if r > 1:
        lam_all = np.append(lam, 0.0)
        w_all = np.append(w, 1 - 1 / r)
    tau = zeta * lam_all + eta - zeta
    s = -1 / complex(zz.real, 20.0)
    for im in list(np.geomspace(20, zz.imag, 60)) + [zz.imag] * 5:
        zc = complex(zz.real, im)
        for _ in range(3000):
            new = np.sum(w_all / (tau * (1 - c - c * zc * s) - zc))
            if abs(new - s) < 1e-15 * abs(s):
                s = new
                break
            s = 0.5 * s + 0.5 * new
    assert (-s).imag < 0
    return -s


def continuation_reference(eq_coeffs, zz, dps=40, steps=400):
    """Independent continuation with mpmath.polyroots from z0 = x + 20i (docs/theory.md §1.4)."""
    with mpmath.workdps(dps):
        z0 = mpmath.mpc(zz.real, 20)
        g = 1 / z0
        path = [mpmath.mpc(zz.real, im) for im in np.geomspace(20, zz.imag, steps)] + [mpmath.mpc(zz)]
        for zp in path:
            coeffs = [sum(cf * zp ** j for j, cf in enumerate(row)) for row in eq_coeffs]
            roots = mpmath.polyroots(coeffs[::-1], maxsteps=200, extraprec=2 * dps)
            g = min(roots, key=lambda r: abs(r - g))
        return g


def coeff_table(eq, dps=60):
    poly = sp.Poly(eq.poly.as_expr(), G, z)
    d, e = poly.degree(G), poly.degree(z)
    tab = [[mpmath.mpf(0)] * (e + 1) for _ in range(d + 1)]
    with mpmath.workdps(dps):
        for (k, j), cf in poly.terms():
            tab[k][j] = mpmath.mpf(str(sp.N(cf, dps)))
    return tab


# ---------------------------------------------------------------- the trap of docs/theory.md §1.4
def test_root_selection_counterexample():
    s = solver(0.34085, 0.25, 2, 0.5)
    g = s.stieltjes(0.2 + 0.1j)
    assert abs(complex(g.value) - (2.5761 - 1.7285j)) < 1e-4
    assert g.digits >= 28
    # the naive value 4.890 − 1.443i is a root too (it is what the naive rule picks)
    with mpmath.workdps(30):
        tab = coeff_table(s.equation)
        coeffs = [sum(cf * mpmath.mpc(0.2, 0.1) ** j for j, cf in enumerate(row)) for row in tab]
        roots = mpmath.polyroots(coeffs[::-1], extraprec=60)
    assert min(abs(complex(r) - (4.890 - 1.443j)) for r in roots) < 1e-3
    # independent continuation with mpmath.polyroots agrees to all digits it has
    ref = continuation_reference(tab, 0.2 + 0.1j)
    assert abs(g.value - ref) < mpmath.mpf(10) ** -25
    # the double path too, and the conjugate point gives the conjugate value
    gd = s.stieltjes_numpy(np.array([0.2 + 0.1j, 0.2 - 0.1j]))
    assert abs(gd[0] - complex(g.value)) < 1e-12 and abs(gd[1] - complex(g.value).conjugate()) < 1e-12


def test_herglotz_and_infinity_behaviour():
    s = solver(0.34085, 0.25, 2, 0.5)
    zs = np.array([x + 1j * y for x in (-3, -0.1, 0.3, 1.0, 2.5, 5.0) for y in (1e-6, 1e-3, 0.1, 1, 30)])
    g = s.stieltjes_numpy(zs)
    assert np.all(g.imag < 0)
    big = np.array([1e4 + 1e4j, -3e4 + 2j, 5e5j])
    # z·G(z) = 1 + m1/z + O(1/z²): m1 = η
    zg = big * s.stieltjes_numpy(big)
    assert np.all(np.abs(zg - 1 - 0.34085 / big) < 10 / np.abs(big) ** 2)


# ---------------------------------------------------------------- ζ = 0: Marchenko–Pastur
@pytest.mark.parametrize("eta,phi,psi", [(2, 2, 0.5), (1, 0.5, 2), (0.7, 1, 1)])
def test_marchenko_pastur_closed_form_30_digits(eta, phi, psi):
    s = solver(eta, 0, phi, psi)
    c = sp.Rational(str(phi)) / sp.Rational(str(psi))
    with mpmath.workdps(40):
        cm, sm = mpmath.mpf(str(sp.N(c, 45))), mpmath.mpf(str(eta))
        a, b = sm * (1 - mpmath.sqrt(cm)) ** 2, sm * (1 + mpmath.sqrt(cm)) ** 2
        (ea, eb), = s.support()
        assert abs(eb - b) < mpmath.mpf(10) ** -30 * b
        assert abs(ea - a) < mpmath.mpf(10) ** -30 * b
        for frac in ("0.013", "0.25", "0.5", "0.77", "0.999"):
            x = a + (b - a) * mpmath.mpf(frac)
            d = s.density(x, dps=30)
            assert d.digits >= 29
            assert abs(d.value - mp_density(x, cm, sm)) <= mpmath.mpf(10) ** -29 * mp_density(x, cm, sm)
    atoms = s.atoms()
    if c > 1:
        assert len(atoms) == 1 and abs(atoms[0][1] - (1 - 1 / mpmath.mpf(str(sp.N(c, 40))))) < 1e-25
    else:
        assert atoms == []


# ---------------------------------------------------------------- general law vs free convolution
@pytest.mark.parametrize("pars", [(0.34085, 0.25, 2, 0.5), (1, 0.5, 0.5, 2), (0.39429, 0.36688, 1, 1),
                                  (1, 1, 2, 0.5), (1, 1, 0.25, 0.5)])
def test_quartic_matches_free_convolution_fixed_point(pars):
    """MP_{φ/ψ} ⊠ (ζ·MP_{1/ψ} + η − ζ) via an independent Silverstein solve (η = ζ included)."""
    s = solver(*pars)
    for zz in (0.5 + 0.3j, 1.5 + 0.05j, 3.0 + 1.0j, -0.5 + 0.2j):
        ref = silverstein_G(zz, *pars)
        got = s.stieltjes_numpy(np.array([zz]))[0]
        # quadrature of MP_{1/ψ} with 400 nodes and the fixed point are both ~1e-13
        assert abs(got - ref) < 1e-9 * (1 + abs(ref)), (zz, got, ref)
        assert got.imag < 0


def _interval_rule(a, b, n):
    """Gauss–Legendre nodes t and weights on [a, b] after t = a + (b − a) sin²(θ/2), θ ∈ [0, π]:
    the substitution smooths the square-root edges of a spectral density."""
    th, w = np.polynomial.legendre.leggauss(n)
    theta = np.pi * (1 + th) / 2
    t = a + (b - a) * np.sin(theta / 2) ** 2
    return t, w * np.pi / 2 * (b - a) / 2 * np.sin(theta)


def test_product_wishart_second_moment():
    """η = ζ = 1: m2 = 1 + n1/m + n1/n0 = 1 + φ/ψ + 1/ψ (docs/theory.md §1.5), from the density."""
    phi, psi = 2, 0.5
    s = solver(1, 1, phi, psi)
    (a, b), = s.support()
    a, b = float(a), float(b)
    t, jac = _interval_rule(a, b, 300)
    rho = s.density_numpy(t)
    (x0, mass), = s.atoms()
    assert float(x0) == 0 and abs(float(mass) - 0.75) < 1e-25
    assert abs(np.sum(jac * rho) + float(mass) - 1) < 1e-12
    assert abs(np.sum(jac * rho * t) - 1) < 1e-12          # m1 = η = 1
    assert abs(np.sum(jac * rho * t**2) - (1 + phi / psi + 1 / psi)) < 1e-11


# ---------------------------------------------------------------- atoms (docs/theory.md §1.4)
@pytest.mark.parametrize("eta,zeta,phi,psi,mass", [
    (0.34085, 0.25, 2, 0.5, 0.75),      # nonlinear, φ > ψ: 1 − ψ/φ
    (0.34085, 0.25, 4, 1, 0.75),
    (0.34085, 0.25, 0.5, 2, 0.0),       # φ < ψ: no atom
    (1, 1, 0.25, 0.5, 0.5),             # linear, ψ < 1 and φ < ψ: rank ≤ n0, mass 1 − ψ
    (1, 1, 3, 2, sp.Rational(1, 3)),            # linear, φ > ψ > 1: 1 − ψ/φ
    (1, 1, 0.5, 2, 0.0),                # linear, ψ > 1 > φ/ψ: no atom
])
def test_atom_masses(eta, zeta, phi, psi, mass):
    s = solver(eta, zeta, phi, psi)
    atoms = s.atoms()
    if mass == 0:
        assert atoms == []
    else:
        (x0, m), = atoms
        with mpmath.workdps(40):
            assert x0 == 0 and abs(m - mpmath.mpf(str(sp.N(mass, 45)))) < mpmath.mpf(10) ** -28


# ---------------------------------------------------------------- mass, positivity, moments
@pytest.mark.parametrize("pars", [(0.34085, 0.25, 2, 0.5), (1, 0.5, 0.5, 2), (1, 0.1, 1, 1)])
def test_mass_positivity_and_moments(pars):
    eta, zeta, phi, psi = pars
    s = solver(*pars)
    x = np.linspace(-1, 20, 20001)
    assert np.all(s.density_numpy(x) >= 0)
    mass = sum(float(m) for _, m in s.atoms())
    mom = np.zeros(5)
    for a, b in s.support():
        a, b = float(a), float(b)
        t, jac = _interval_rule(a, b, 400)
        rho = s.density_numpy(t)
        mom += [np.sum(jac * rho * t**k) for k in range(5)]
    assert abs(mom[0] + mass - 1) < 1e-12
    e, zt, f, p = eta, zeta, phi, psi
    exact = [1, e, e**2 * (1 + f / p) + zt**2 / p,
             e**3 * (1 + 3 * f / p + f**2 / p**2) + 3 * e * zt**2 * (1 / p + f / p**2) + zt**3 / p**2,
             e**4 * (1 + 6 * f / p + 6 * f**2 / p**2 + f**3 / p**3)
             + e**2 * zt**2 * (6 / p + 16 * f / p**2 + 6 * f**2 / p**3)
             + 4 * e * zt**3 * (1 / p**2 + f / p**3) + zt**4 * (2 / p**2 + 1 / p**3 + 2 * f / p**3)]
    for k in range(1, 5):
        assert abs(mom[k] - exact[k]) < 1e-11 * exact[k], (k, mom[k], exact[k])


# ---------------------------------------------------------------- double vs high precision
def test_double_path_matches_high_precision_away_from_edges():
    s = solver(0.34085, 0.25, 2, 0.5)
    (a, b), = s.support()
    a, b = float(a), float(b)
    xs = np.linspace(a + 0.01 * (b - a), b - 0.01 * (b - a), 40)
    dd = s.density_numpy(xs)
    hp = s.density_many(list(xs))
    for x, d1, d2 in zip(xs, dd, hp):
        assert abs(d1 - float(d2.value)) < 1e-10 * max(1.0, abs(d1))
    zs = [complex(x, y) for x in (-1.0, 0.3, 1.0, 3.0, 6.0) for y in (-0.5, 0.01, 0.2, 2.0)]
    gd = s.stieltjes_numpy(np.array(zs))
    for zz, g1 in zip(zs, gd):
        g2 = s.stieltjes(zz)
        assert abs(g1 - complex(g2.value)) < 1e-10 * max(1.0, abs(g1))
        assert g2.digits >= 28


def test_precision_15_and_100_against_independent_polyroots():
    s = solver(0.34085, 0.25, 2, 0.5)
    tab = coeff_table(s.equation, dps=130)
    for x in ("0.5", "1.7", "4.2"):
        d100 = s.density(x, dps=100)
        d15 = s.density(x, dps=15)
        assert d100.digits >= 99 and d15.digits >= 14
        with mpmath.workdps(120):
            xm = mpmath.mpf(x)
            coeffs = [sum(cf * xm ** j for j, cf in enumerate(row)) for row in tab]
            roots = mpmath.polyroots(coeffs[::-1], maxsteps=300, extraprec=300)
            lower = [r for r in roots if mpmath.im(r) < 0]
            assert len(lower) == 1  # inside the support a unique root has Im G < 0
            ref = -mpmath.im(lower[0]) / mpmath.pi
            assert abs(d100.value - ref) < mpmath.mpf(10) ** -99 * ref
            assert abs(d15.value - ref) < mpmath.mpf(10) ** -14 * ref


def test_derivative_is_implicit_derivative():
    s = solver(0.34085, 0.25, 2, 0.5)
    zz = mpmath.mpc(-0.3, 0)
    d = s.stieltjes_derivative(zz)
    with mpmath.workdps(40):
        h = mpmath.mpf(10) ** -12
        fd = (s.stieltjes(zz + h, dps=35).value - s.stieltjes(zz - h, dps=35).value) / (2 * h)
    assert abs(d.value - fd) < 1e-18
    assert abs(mpmath.im(d.value)) < 1e-25 and d.value.real < 0  # G decreasing left of the support


def test_outside_support_is_exactly_zero_and_gap_values_real():
    s = solver(0.34085, 0.25, 2, 0.5)
    assert s.density(-1).value == 0 and s.density(0.1).value == 0 and s.density(10).value == 0
    g = s.stieltjes(0.1)            # in the gap between the atom at 0 and the bulk
    assert abs(mpmath.im(g.value)) < 1e-25
    ref = continuation_reference(coeff_table(s.equation), complex(0.1, 1e-12), dps=30, steps=300)
    assert abs(g.value - ref) < 1e-9  # the path stops 1e-12 above the axis; |G'| ~ 100 there


def test_rejects_symbolic_or_empty_equations():
    from rmtsym.symbols import eta
    with pytest.raises(ParameterError):
        BranchSolver(SpectralEquation.from_expr(eta * z * G**2 - G + 1))
    with pytest.raises(ParameterError):
        BranchSolver(SpectralEquation(sp.Poly(z + 1, G, z)))


def test_other_algebraic_law_semicircle():
    """Not only the quartic: the semicircle G² − zG + 1 = 0 (variance 1)."""
    s = BranchSolver(SpectralEquation.from_expr(G**2 - z * G + 1), dps=30)
    (a, b), = s.support()
    assert abs(a + 2) < 1e-28 and abs(b - 2) < 1e-28
    for x in ("-1.3", "0", "0.7"):
        with mpmath.workdps(35):
            ref = mpmath.sqrt(4 - mpmath.mpf(x) ** 2) / (2 * mpmath.pi)
            assert abs(s.density(x).value - ref) < mpmath.mpf(10) ** -29
    assert s.atoms() == []



@pytest.mark.parametrize("scale", [sp.Integer(1), sp.sqrt(2)])
def test_factor_in_z_alone_is_removed(scale):
    """A factor of Q in z alone (here z − 3, a point outside the support of the semicircle of
    variance 1 or √2) is no edge and no
    atom: the cleaned polynomial drops it, on the general path (every coefficient in G has
    a factor z − 3, so the in-domain path hands over) with rational and irrational
    coefficients, and the support is the semicircle's."""
    from rmtsym.solver.polynomial import _clean_poly

    base = scale * G**2 - z * G + 1  # the semicircle of variance `scale`
    eq = SpectralEquation(sp.Poly(sp.expand((z - 3) * base), G, z))
    cleaned = _clean_poly(eq)
    assert sp.cancel(cleaned.as_expr() / base).is_number
    s = BranchSolver(eq, dps=20)
    (a, b), = s.support()
    edge = 2 * float(sp.sqrt(scale))
    assert abs(float(a) + edge) < 1e-15 and abs(float(b) - edge) < 1e-15
    assert s.atoms() == []


# ---------------------------------------------------------------- property-based
params = st.tuples(st.floats(0.2, 3.0), st.floats(0.0, 1.0), st.floats(0.25, 4.0), st.floats(0.25, 4.0))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(params)
def test_property_herglotz_and_unit_mass(p):
    eta, frac, phi, psi = (round(v, 3) for v in p)
    zeta = round(eta * frac, 3)
    s = BranchSolver(reference_quartic(eta, zeta, phi, psi), dps=20)
    zs = np.array([x + 1j * y for x in np.linspace(-1, 3 * eta * (1 + phi / psi) + 2, 7) for y in (1e-4, 0.05, 1.0)])
    g = s.stieltjes_numpy(zs)
    assert np.all(g.imag < 0)
    mass = sum(float(m) for _, m in s.atoms())
    for a, b in s.support():
        a, b = float(a), float(b)
        # 1600 nodes: a density that climbs steeply within 1 % of its edge (η = 1, ζ = .8125,
        # φ = .25, ψ = .5, found by hypothesis) leaves 1.7e-7 of the mass to 400 nodes and
        # 1e-13 to 1600
        t, jac = _interval_rule(a, b, 1600)
        mass += np.sum(jac * s.density_numpy(t))
    assert abs(mass - 1) < 1e-10
    assert s.support(), "a continuous part always exists"


# ---------------------------------------------------------------- Monte Carlo of the real matrix
def _simulate(f, n0, phi, psi, seed):
    rng = np.random.default_rng(seed)
    m, n1 = int(round(n0 / phi)), int(round(n0 / psi))
    W = rng.standard_normal((n1, n0)) / np.sqrt(n0)
    X = rng.standard_normal((n0, m))
    Y = f(W @ X)
    return np.linalg.eigvalsh(Y @ Y.T / m)


def test_monte_carlo_tanh_stieltjes_small():
    """tanh, n0 = 400, φ = ψ = 1: G_emp(z) vs the law at Im z = 0.5 (finite-size error ~1/n)."""
    eta, zeta = 0.3942944904, 0.3668791644  # docs/theory.md §6
    s = solver(eta, zeta, 1, 1)
    eig = np.concatenate([_simulate(np.tanh, 400, 1, 1, seed) for seed in range(3)])
    for zz in (0.5 + 0.5j, 1.5 + 0.5j):
        emp = np.mean(1 / (zz - eig))
        assert abs(emp - s.stieltjes_numpy(np.array([zz]))[0]) < 0.01 * abs(emp)


@pytest.mark.slow
def test_monte_carlo_relu_atom_and_density():
    """Centred ReLU at φ = 2, ψ = 1/2: atom 3/4 at 0 and G at several z, n0 = 1500."""
    eta, zeta = 0.3408450569, 0.25
    s = solver(eta, zeta, 2, 0.5)
    mu0 = 1 / np.sqrt(2 * np.pi)
    eig = _simulate(lambda u: np.maximum(u, 0) - mu0, 1500, 2, 0.5, 7)
    assert abs(np.mean(eig < 1e-8 * eig.max()) - 0.75) < 0.002
    for zz in (0.2 + 0.1j, 1.0 + 0.2j, 3.0 + 0.3j):
        emp = np.mean(1 / (zz - eig))
        assert abs(emp - s.stieltjes_numpy(np.array([zz]))[0]) < 0.01 * abs(emp)


@pytest.mark.parametrize("layers", [3, 4])
@pytest.mark.parametrize("orthogonal", [False, True])
def test_atom_found_where_the_continuous_density_is_singular_too(layers, orthogonal):
    """Deep ReLU-type Jacobian laws: D² is Bernoulli(p), so J Jᵀ has rank ≤ p·n and an atom of
    mass exactly 1 − p at 0 (independent of the solver), while the continuous density also
    blows up there like x^{-L/(L+1)}: ε·G(iε) approaches the mass only like ε^{1/(L+1)}.
    The atom was missed for L ≥ 3 (lead's regression test)."""
    from rmtsym.networks.jacobian import jacobian_equation

    p = sp.Rational(1, 2)
    solver = BranchSolver(jacobian_equation(p, layers, orthogonal=orthogonal), dps=20)
    atoms = solver.atoms()
    assert len(atoms) == 1
    x0, mass = atoms[0]
    assert x0 == 0 and abs(mass - (1 - p)) < mpmath.mpf(10) ** -18
