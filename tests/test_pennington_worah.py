"""Tests of the symbolic Pennington–Worah law (rmtsym.pennington_worah).

References are typed from docs/theory.md (§1.4 quartic, §1.5 special cases,
§1.6 moments, §2 free-convolution form) and checked against independent routes: the
series of the P-equation, a Silverstein fixed point with Gauss–Legendre quadrature of
the MP density, continuation of numpy roots, and small Monte Carlo samples.
"""
import math
import time

import numpy as np
import pytest
import sympy as sp

from rmtsym import algebraic as al
from rmtsym import pennington_worah as pw
from rmtsym.errors import ParameterError
from rmtsym.symbols import G, P, eta, phi, psi, t, z, zeta

R = sp.Rational

# docs/theory.md §1.4, typed by hand
Q_REF = (phi**2 * z**2 * zeta * (eta - zeta) * G**4
         - phi * z * zeta * (psi * z + 2 * (eta - zeta) * (phi - psi)) * G**3
         - (psi * z * (eta * phi * psi - 2 * phi * zeta + psi * zeta) - zeta * (eta - zeta) * (phi - psi)**2) * G**2
         + psi * (psi**2 * z + (eta * psi - zeta) * (phi - psi)) * G
         - psi**3)

# docs/theory.md §1.6, typed by hand
M_REF = [
    eta,
    eta**2 * (1 + phi / psi) + zeta**2 / psi,
    eta**3 * (1 + 3 * phi / psi + phi**2 / psi**2) + 3 * eta * zeta**2 * (1 / psi + phi / psi**2) + zeta**3 / psi**2,
    eta**4 * (1 + 6 * phi / psi + 6 * phi**2 / psi**2 + phi**3 / psi**3)
    + eta**2 * zeta**2 * (6 / psi + 16 * phi / psi**2 + 6 * phi**2 / psi**3)
    + 4 * eta * zeta**3 * (1 / psi**2 + phi / psi**3)
    + zeta**4 * (2 / psi**2 + 1 / psi**3 + 2 * phi / psi**3),
]

# docs/theory.md §1.5, typed by hand
CUBIC_REF = (phi * zeta * z**2 * G**3 + zeta * z * (phi * psi - 2 * phi + psi) * G**2
             - (psi**2 * z + zeta * (psi - 1) * (phi - psi)) * G + psi**2)


def mp_quadratic_ref(c, s):
    return c * s * z * G**2 - (z - s * (1 - c)) * G + 1


def proportional(expr_a, expr_b):
    ratio = sp.cancel(sp.together(expr_a / expr_b))
    return not ratio.has(G) and not ratio.has(z) and ratio != 0


# ---------------------------------------------------------------------------
# the quartic
# ---------------------------------------------------------------------------

def test_quartic_derived_equals_reference_symbolically():
    q = pw.quartic()
    assert sp.expand(q.expr - Q_REF) == 0
    assert q.degree == 4
    assert q.parameters == {eta, zeta, phi, psi}


def test_quartic_table_is_the_derivation():
    """Every call reads the quartic from a table; here it is derived from the P-equation
    again (substitution, one fraction, content removed, sign fixed) and compared, as a
    polynomial over the same domain."""
    derived = pw._derive_generic_quartic()
    assert derived == pw._generic_quartic()
    assert derived.domain == pw._generic_quartic().domain
    assert sp.expand(derived.as_expr() - Q_REF) == 0


def test_quartic_vanishes_on_p_equation_solutions():
    # independent of the normalisation: Q(G(P), z) ∝ numerator of P − rhs(P) after the
    # G–P substitution; check at random rational points that a root P of the
    # P-equation gives a root G of Q.
    peq = pw.p_equation()
    vals = {eta: R(7, 10), zeta: R(3, 10), phi: R(3, 2), psi: R(2, 3)}
    zz = R(5, 2)
    pe = (peq.lhs - peq.rhs).subs(vals).subs(t, 1 / (zz * vals[psi]))
    p_roots = sp.Poly(sp.fraction(sp.together(pe))[0], P).nroots(n=30)
    q = pw.quartic(**{s.name: v for s, v in vals.items()})
    for pr in p_roots:
        g = vals[psi] / zz * pr + (1 - vals[psi]) / zz  # G = (ψ/z) P + (1 − ψ)/z
        assert abs(sp.N(q(g, zz), 30)) < 1e-20


def test_numeric_parameters_are_exact():
    q = pw.quartic(0.34085, 0.25, 2, 0.5)
    ref = Q_REF.subs({eta: R(6817, 20000), zeta: R(1, 4), phi: 2, psi: R(1, 2)})
    assert sp.expand(q.expr - ref) == 0
    assert q.is_numeric
    import mpmath
    q2 = pw.quartic(mpmath.mpf("0.5"), sp.Float("0.25"), R(3, 2), 1)
    assert sp.expand(q2.expr - Q_REF.subs({eta: R(1, 2), zeta: R(1, 4), phi: R(3, 2), psi: 1})) == 0


@pytest.mark.parametrize("args", [
    (1, 0.5, 0, 1), (1, 0.5, 1, -2), (0.5, 1, 1, 1), (1, -0.1, 1, 1), (float("nan"), 0, 1, 1),
    (1, 0, float("inf"), 1), (1j, 0, 1, 1), (0, 0, 1, 1), ("x**2", 0, 1, 1),
])
def test_bad_parameters_raise(args):
    with pytest.raises(ParameterError):
        pw.quartic(*args)


def test_g_from_p_and_p_equation_shapes():
    gp = pw.g_from_p()
    assert sp.simplify(gp.rhs.subs(P, 1) - 1 / z) == 0  # P ≡ 1 gives G = 1/z
    peq = pw.p_equation()
    assert peq.lhs == P and peq.rhs.has(t, eta, zeta, phi, psi)


# ---------------------------------------------------------------------------
# special cases by factoring
# ---------------------------------------------------------------------------

def test_zeta_zero_is_marchenko_pastur_symbolic():
    red = pw.reduced_equation(eta, 0, phi, psi)
    assert red.degree == 2
    assert sp.cancel(red.expr - mp_quadratic_ref(phi / psi, eta)) == 0
    assert pw.classify(eta, 0, phi, psi) == "marchenko-pastur"


def test_eta_equals_zeta_is_cubic_symbolic():
    red = pw.reduced_equation(zeta, zeta, phi, psi)
    assert red.degree == 3
    assert sp.expand(red.expr - CUBIC_REF) == 0
    assert pw.classify(zeta, zeta, phi, psi) == "product-wishart"
    # the product-of-Wisharts route (free multiplicative convolution) gives the same cubic
    assert sp.expand(pw.product_wishart_equation().expr - CUBIC_REF) == 0


@pytest.mark.parametrize("args,kind,deg", [
    ((2, 0, R(1, 2), R(3, 4)), "marchenko-pastur", 2),
    ((R(6817, 20000), 0, 2, R(1, 2)), "marchenko-pastur", 2),
    ((1, 1, 2, R(1, 2)), "product-wishart", 3),
    ((R(9, 4), R(9, 4), R(1, 3), 3), "product-wishart", 3),
    ((0.34085, 0.25, 2, 0.5), "general", 4),
    ((1, R(1, 2), 1, 1), "general", 4),
    ((eta, zeta, phi, psi), "general", 4),
])
def test_classify_numeric(args, kind, deg):
    assert pw.classify(*args) == kind
    assert pw.reduced_equation(*args).degree == deg


# ---------------------------------------------------------------------------
# moments
# ---------------------------------------------------------------------------

def p_series_moments(k, vals=None):
    """m_1..m_k from the P-equation directly, independent of the quartic (docs/theory.md §1.6).

    P(t) = 1 + Σ p_j t^j solves P = 1 + (η − ζ)A + ζA/(1 − ζA) with A = t P_φ P_ψ; the
    geometric series is expanded (A = O(t)) and the fixed point iterated on truncated
    series (coefficient lists), one more exact coefficient per sweep; m_j = ψ^{1−j} p_j.
    """
    vals = vals or {}
    e, zt, ph, ps = (sp.sympify(vals.get(s, s)) for s in (eta, zeta, phi, psi))

    def mul(u, v):
        out = [sp.Integer(0)] * (k + 1)
        for i, ui in enumerate(u):
            if ui == 0:
                continue
            for j in range(k + 1 - i):
                out[i + j] += ui * v[j]
        return [sp.expand(x) for x in out]

    p = [sp.Integer(1)] + [sp.Integer(0)] * k
    for _ in range(k):
        p_phi = [1 + (p[0] - 1) * ph] + [ph * x for x in p[1:]]
        p_psi = [1 + (p[0] - 1) * ps] + [ps * x for x in p[1:]]
        prod = mul(p_phi, p_psi)
        a = [sp.Integer(0)] + prod[:k]  # A = t P_φ P_ψ
        za = [zt * x for x in a]
        geo, power = [sp.Integer(0)] * (k + 1), za
        for _r in range(k):
            geo = [g + q for g, q in zip(geo, power)]
            power = mul(power, za)
        p = [sp.expand(1 + (e - zt) * a[0] + geo[0])] + [sp.expand((e - zt) * a[j] + geo[j]) for j in range(1, k + 1)]
    return [sp.factor(ps**(1 - j) * p[j]) for j in range(1, k + 1)]


def test_moments_match_reference_and_p_series():
    ms = al.moments_at_infinity(pw.quartic(), 4)
    for got, ref in zip(ms, M_REF):
        assert sp.cancel(got - ref) == 0
    for got, ref in zip(ms, p_series_moments(4)):
        assert sp.cancel(got - ref) == 0
    assert ms[0] == eta  # m1 = η


def test_product_wishart_second_moment():
    # η = ζ = 1: m2 = 1 + n1/m + n1/n0 = 1 + φ/ψ + 1/ψ
    for eq in (pw.reduced_equation(1, 1, phi, psi), pw.quartic(1, 1, phi, psi), pw.product_wishart_equation(1, phi, psi)):
        m = al.moments_at_infinity(eq, 2)
        assert m[0] == 1
        assert sp.cancel(m[1] - (1 + phi / psi + 1 / psi)) == 0


def test_twelve_moments_fast():
    start = time.time()
    ms = al.moments_at_infinity(pw.quartic(), 12)
    elapsed = time.time() - start
    assert elapsed < 10, elapsed  # the contract asks for "seconds"; measured ≈ 1.2 s
    # all twelve at a rational point against the P-series computed with numbers
    vals = {eta: R(3, 4), zeta: R(1, 2), phi: R(2, 3), psi: R(5, 4)}
    ref = p_series_moments(12, vals)
    got = [m.subs(vals) for m in ms]
    assert got == ref


def test_moments_numeric_general():
    q = pw.quartic(0.34085, 0.25, 2, 0.5)
    ms = al.moments_at_infinity(q, 4)
    vals = {eta: R(6817, 20000), zeta: R(1, 4), phi: 2, psi: R(1, 2)}
    assert ms == [sp.nsimplify(r.subs(vals)) for r in M_REF]


# ---------------------------------------------------------------------------
# edges and atoms
# ---------------------------------------------------------------------------

def test_edge_equation_marchenko_pastur():
    c = phi / psi
    edges = sp.solve(pw.edge_equation(eta, 0, phi, psi), z)
    expected = {eta * (1 - sp.sqrt(c))**2, eta * (1 + sp.sqrt(c))**2}
    assert len(edges) == 2
    for e in edges:
        assert any(sp.simplify(sp.expand(e - x)) == 0 for x in expected)


def test_edge_equation_numeric_general_has_positive_roots():
    ef = pw.edge_equation(1, R(1, 2), 2, R(1, 2))
    assert not ef.has(eta)
    poly = sp.Poly(ef, z)
    assert poly.degree() == 5
    positive = [r for r in poly.real_roots() if r > 0]
    assert len(positive) >= 2
    assert sp.Poly(pw.discriminant(1, R(1, 2), 2, R(1, 2)), z).rem(poly).is_zero


@pytest.mark.parametrize("eta_v,zeta_v,phi_v,psi_v", [
    (R(6817, 20000), R(1, 4), 2, R(1, 2)),      # φ > ψ, nonlinear: 3/4
    (R(6817, 20000), R(1, 4), R(1, 2), 2),      # φ < ψ: no atom
    (1, R(1, 3), 3, 3),                          # φ = ψ: no atom
    (1, 1, 2, R(1, 2)),                          # linear, 1 − ψ/φ = 3/4 > 1 − ψ = 1/2
    (1, 1, R(1, 2), R(1, 4)),                    # linear, 1 − ψ = 3/4 > 1 − ψ/φ = 1/2
    (1, 1, 4, 2),                                # linear, ψ > 1: 1/2
    (1, 1, 1, 3),                                # linear, no atom
])
def test_atoms_closed_form_vs_leading_coefficient(eta_v, zeta_v, phi_v, psi_v):
    atoms = pw.atoms(eta_v, zeta_v, phi_v, psi_v)
    red = pw.reduced_equation(eta_v, zeta_v, phi_v, psi_v)
    assert 0 in al.leading_coefficient_roots(red)
    # candidate residues at 0: the roots of the lowest-order polynomial in w (G = w/z)
    candidates = set(al.atom_mass_candidates(red, 0))
    expected_candidates = {R(1) - R(psi_v) / phi_v}
    if eta_v == zeta_v:
        expected_candidates.add(1 - R(psi_v))
    expected_candidates.discard(0)
    assert candidates == expected_candidates
    mass = max([0] + [m for m in candidates if m > 0])
    assert (atoms == []) == (mass == 0)
    if atoms:
        assert atoms == [(0, mass)]
    # the physical branch: z G(z) at z = i·1e-8, by continuation from z = 20i.
    # z G(z) = mass + O(√|z|) (a hard edge at 0 gives G ~ z^(-1/2)), so 1e-3 ≫ 1e-4 but
    # far below the 1/4 gap between candidate masses.
    branch = continued_root(red, [1j * y for y in np.geomspace(20, 1e-8, 400)])
    assert abs(1e-8j * branch - float(mass)) < 1e-3


def test_atom_mass_polynomial_symbolic():
    w = sp.Symbol("w")
    poly = al.atom_mass_polynomial(pw.quartic(), 0, w)
    assert sp.factor(poly.as_expr() - zeta * (eta - zeta) * w**2 * (phi * w - (phi - psi))**2) == 0
    cub = al.atom_mass_polynomial(pw.reduced_equation(zeta, zeta, phi, psi), 0, w)
    roots = set(sp.roots(cub))
    assert roots == {0, 1 - psi / phi, 1 - psi} or {sp.simplify(r) for r in roots} == {0, sp.simplify(1 - psi / phi), 1 - psi}
    assert pw.atoms() == [(0, sp.Max(0, 1 - psi / phi))]


def test_atoms_monte_carlo_rank(single_thread_blas):
    # rank of M = YYᵀ/m: nonlinear f gives min(n1, m); linear f also limited by n0.
    rng = np.random.default_rng(1)
    n0, n1, m = 60, 120, 30  # φ = 2, ψ = 0.5: masses 0.75 (both cases)
    for f, phi_v, psi_v in ((np.tanh, 2, R(1, 2)), (lambda x: x, 2, R(1, 2))):
        W = rng.standard_normal((n1, n0)) / math.sqrt(n0)
        X = rng.standard_normal((n0, m))
        Y = f(W @ X)
        ev = np.linalg.eigvalsh(Y @ Y.T / m)
        zero_frac = np.mean(ev < 1e-9 * ev.max())
        mass = pw.atoms(1, 1 if f is not np.tanh else R(1, 2), phi_v, psi_v)[0][1]
        assert zero_frac == pytest.approx(float(mass), abs=1e-12)  # rank is exact
    n0, n1, m = 30, 120, 60  # φ = 1/2, ψ = 1/4: linear f rank n0 → 3/4, tanh rank m → 1/2
    W = rng.standard_normal((n1, n0)) / math.sqrt(n0)
    X = rng.standard_normal((n0, m))
    for f, linear in ((np.tanh, False), (lambda x: x, True)):
        ev = np.linalg.eigvalsh(f(W @ X) @ f(W @ X).T / m)
        zero_frac = np.mean(ev < 1e-9 * ev.max())
        mass = pw.atoms(1, 1 if linear else R(1, 2), R(1, 2), R(1, 4))[0][1]
        assert zero_frac == pytest.approx(float(mass), abs=1e-12)


# ---------------------------------------------------------------------------
# numerical branch checks (continuation written here, independent of solver.py)
# ---------------------------------------------------------------------------

def numeric_coeffs(eq, zz):
    """Coefficients of Q(·, zz) as a complex numpy polynomial in G (highest first)."""
    return np.array([complex(sp.N(a.subs(z, zz) if hasattr(a, "subs") else a)) for a in eq.coefficients_in_G()])


def continued_root(eq, path):
    """Follow the root with G ≈ 1/z from path[0] (Im z large) by nearest-root continuation."""
    lam = [sp.lambdify(z, a, "numpy") for a in eq.coefficients_in_G()]
    g = 1 / path[0]
    for zz in path:
        roots = np.roots([complex(f(zz)) if callable(f) else complex(f) for f in lam])
        g = roots[np.argmin(abs(roots - g))]
    return g


def test_root_selection_counterexample_quartic():
    # docs/theory.md §1.4: ReLU (η = 0.34085, ζ = 0.25), φ = 2, ψ = 0.5, z = 0.2 + 0.1i
    q = pw.quartic(0.34085, 0.25, 2, 0.5)
    x = 0.2
    path = x + 1j * np.geomspace(20, 0.1, 400)
    g = continued_root(q, path)
    assert abs(g - (2.5761 - 1.7285j)) < 2e-4  # reference given to 4 decimals


def silverstein_G(zz, eta_v, zeta_v, phi_v, psi_v, nodes=200):
    """G of MP_{φ/ψ} ⊠ T#MP_{1/ψ} by the Silverstein fixed point (docs/theory.md §2).

    s = −G solves s = ∫ dH(τ)/(τ(1 − c − c z s) − z), H = law of ζλ + η − ζ, λ ~ MP_{1/ψ}.
    The MP_{1/ψ} density is integrated with Gauss–Legendre in θ, λ = a + (b − a)(1 − cos θ)/2,
    which removes the square-root edges (spectrally accurate); its atom 1 − ψ at 0 when ψ < 1
    is added (200 nodes agree with 400 to 1e-14). Damped iteration (weight 0.6 on the new
    iterate), warm-started from Im z = 20 down to Im zz; Im G < 0 asserted.
    """
    r = 1 / psi_v
    a, b = (1 - math.sqrt(r))**2, (1 + math.sqrt(r))**2
    xg, wg = np.polynomial.legendre.leggauss(nodes)
    theta = (xg + 1) * math.pi / 2
    lam = a + (b - a) * (1 - np.cos(theta)) / 2
    dens = np.sqrt((b - lam) * (lam - a)) / (2 * math.pi * r * lam)
    weights = wg * math.pi / 2 * dens * (b - a) * np.sin(theta) / 2
    taus = zeta_v * lam + eta_v - zeta_v
    if r > 1:
        taus = np.append(taus, eta_v - zeta_v)
        weights = np.append(weights, 1 - 1 / r)
    assert abs(weights.sum() - 1) < 1e-12
    c = phi_v / psi_v
    s = -1 / (zz.real + 20j)
    for y in np.geomspace(20, zz.imag, 30):
        zk = zz.real + 1j * y
        for _ in range(5000):
            new = np.sum(weights / (taus * (1 - c - c * zk * s) - zk))
            if abs(new - s) < 1e-15:
                s = new
                break
            s = 0.4 * s + 0.6 * new
        else:
            raise AssertionError("Silverstein iteration did not converge")
    g = -s
    assert g.imag < 0
    return g


@pytest.mark.parametrize("eta_v,zeta_v,phi_v,psi_v,zz", [
    (0.34085, 0.25, 0.5, 1.5, 0.6 + 0.3j),
    (1.0, 0.6, 1.0, 2.0, 1.5 + 0.5j),
    (0.394294, 0.366879, 1.5, 0.75, 0.3 + 0.2j),
])
def test_free_convolution_matches_quartic(eta_v, zeta_v, phi_v, psi_v, zz):
    fc = pw.free_convolution_equation(eta_v, zeta_v, phi_v, psi_v)
    q = pw.quartic(eta_v, zeta_v, phi_v, psi_v)
    assert proportional(fc.expr, q.expr)
    g_q = continued_root(q, zz.real + 1j * np.geomspace(20, zz.imag, 400))
    g_s = silverstein_G(zz, eta_v, zeta_v, phi_v, psi_v)
    # both in double precision; the fixed point converges to 1e-15, quadrature is spectral
    assert abs(g_q - g_s) < 1e-9 * max(1, abs(g_q))


def test_free_convolution_symbolic_is_the_quartic():
    fc = pw.free_convolution_equation()
    assert proportional(fc.expr, Q_REF)
    ms = al.moments_at_infinity(fc, 4)
    for got, ref in zip(ms, M_REF):
        assert sp.cancel(got - ref) == 0


def sample_eigs(f, n0, phi_v, psi_v, draws, seed):
    """Eigenvalues of M = YYᵀ/m, Y = f(WX), W_ij ~ N(0, 1/n0), X_iμ ~ N(0, 1) (docs/theory.md §1.1)."""
    rng = np.random.default_rng(seed)
    m, n1 = int(round(n0 / phi_v)), int(round(n0 / psi_v))
    out = []
    for _ in range(draws):
        W = rng.standard_normal((n1, n0)) / math.sqrt(n0)
        X = rng.standard_normal((n0, m))
        Y = f(W @ X)
        out.append(np.linalg.eigvalsh(Y @ Y.T / m))
    return np.concatenate(out)


RELU_C = (lambda x: np.maximum(x, 0) - 1 / math.sqrt(2 * math.pi), (math.pi - 1) / (2 * math.pi), 0.25)
TANH = (np.tanh, 0.3942944904, 0.3668791644)  # docs/theory.md §6 (σ = 1)


def test_monte_carlo_relu_moments_and_G(single_thread_blas):
    # centred ReLU, φ = 1, ψ = 1/2, n0 = 300, 2 draws. Observed over 6 seeds: m1 within
    # 0.8%, m2 within 2.1%, G(1 + 0.5i) within 0.35%. The relative MC sd of m2 is ≈ 1%
    # and the finite-size bias O(1/n0); tolerances 3% (m1), 6% (m2), 1.5% (G) are ≈ 4–5 sd.
    f, e_v, z_v = RELU_C
    eigs = sample_eigs(f, 300, 1.0, 0.5, 2, seed=11)
    q = pw.quartic(e_v, z_v, 1.0, 0.5)
    ms = al.moments_at_infinity(q, 2)
    assert np.mean(eigs) == pytest.approx(float(ms[0]), rel=0.03)
    assert np.mean(eigs**2) == pytest.approx(float(ms[1]), rel=0.06)
    for zz in (1.0 + 0.5j, 0.2 + 0.3j):
        g_emp = np.mean(1 / (zz - eigs))
        g_th = continued_root(q, zz.real + 1j * np.geomspace(20, zz.imag, 300))
        assert abs(g_emp - g_th) < 0.015 * abs(g_th)


@pytest.mark.slow
@pytest.mark.parametrize("act", [RELU_C, TANH], ids=["relu", "tanh"])
@pytest.mark.parametrize("phi_v,psi_v", [(0.5, 2.0), (2.0, 0.5), (1.0, 1.0)])
def test_monte_carlo_large(act, phi_v, psi_v, single_thread_blas):
    # n0 = 1000, 2 draws: docs/theory.md §1.4 reports ≈ 0.5% agreement at n0 ≈ 1000; m3 is the
    # noisiest (≈ 1.5% sd at n0 = 300, so ≈ 0.5% here); tolerances 1% (G, m1, m2), 2.5% (m3).
    f, e_v, z_v = act
    eigs = sample_eigs(f, 1000, phi_v, psi_v, 2, seed=5)
    q = pw.quartic(e_v, z_v, phi_v, psi_v)
    ms = [float(m) for m in al.moments_at_infinity(q, 3)]
    for k, tol in zip(range(3), (0.01, 0.01, 0.025)):
        assert np.mean(eigs**(k + 1)) == pytest.approx(ms[k], rel=tol)
    for zz in (ms[0] + 0.3j, 0.5 * ms[0] + 0.2j, 2 * ms[0] + 0.5j):
        g_emp = np.mean(1 / (zz - eigs))
        g_th = continued_root(q, zz.real + 1j * np.geomspace(20, zz.imag, 300))
        assert abs(g_emp - g_th) < 0.01 * abs(g_th)
    mass = pw.atoms(e_v, z_v, phi_v, psi_v)
    zero_frac = np.mean(eigs < 1e-8 * eigs.max())
    assert zero_frac == pytest.approx(float(mass[0][1]) if mass else 0.0, abs=1e-3)


def test_exact_parameter_conversions():
    import mpmath
    assert pw.exact_parameter(0.1) == R(1, 10)
    assert pw.exact_parameter(sp.Float("0.25")) == R(1, 4)
    assert pw.exact_parameter(np.float64(0.75)) == R(3, 4)
    assert pw.exact_parameter(np.int64(3)) == 3
    with mpmath.workdps(20):
        assert pw.exact_parameter(mpmath.mpf("0.3")) == R(3, 10)
    assert pw.exact_parameter(0.5 * eta) == eta / 2
    assert pw.exact_parameter(sp.sqrt(2)) == sp.sqrt(2)
    for bad in (sp.Float("nan"), sp.I, mpmath.mpc(1, 1), True, None):
        with pytest.raises(ParameterError):
            pw.exact_parameter(bad)


def test_free_convolution_special_cases():
    # ζ = 0: T#MP_{1/ψ} = δ_η and MP_{φ/ψ} ⊠ δ_η is MP with ratio φ/ψ and scale η
    fc = pw.free_convolution_equation(2, 0, R(1, 2), R(3, 4))
    assert proportional(fc.expr, mp_quadratic_ref(R(2, 3), 2))
    # η = ζ: the cubic of the linear network
    fc = pw.free_convolution_equation(R(3, 2), R(3, 2), 2, R(1, 2))
    assert proportional(fc.expr, CUBIC_REF.subs({zeta: R(3, 2), phi: 2, psi: R(1, 2)}))


def test_discriminant_symbolic_structure():
    disc = pw.discriminant()
    const, factors = sp.factor_list(disc)
    simple = {f: m for f, m in factors if len(f.free_symbols) == 1}
    assert simple == {zeta: 1, phi: 2, z: 4, psi: 6}
    big = [f for f, m in factors if len(f.free_symbols) > 1]
    assert len(big) == 1 and sp.Poly(big[0], z).degree() == 5


def test_free_convolution_raw_elimination_has_quartic_factor():
    # before reduction, the eliminated polynomial is ζ·A·Q with A = 1 − c + c z G (c = φ/ψ)
    pop = al.shift(al.scale(pw.marchenko_pastur_equation(1 / psi), zeta), eta - zeta)
    raw = al.mp_product(pop, phi / psi, reduce_result=False)
    assert raw.degree == 5
    quotient, remainder = sp.div(sp.Poly(raw.expr, G, z), sp.Poly(Q_REF, G, z))
    assert remainder.is_zero
    assert proportional(quotient.as_expr(), 1 - phi / psi + phi / psi * z * G)


def test_irrational_parameters():
    # √2 and π are kept exact; the factorisation still sees ζ = 0 and η = ζ
    s2 = sp.sqrt(2)
    assert pw.classify(s2, 0, 1, 2) == "marchenko-pastur"
    assert pw.classify(sp.pi, sp.pi, 1, 2) == "product-wishart"
    assert pw.classify(s2, 1, 1, 2) == "general"
    # MP edges η(1 ± √c)², c = 1/2: z² − 3√2 z + 1/2
    (edge,) = pw.edge_factors(s2, 0, 1, 2)
    assert sp.expand(edge / sp.Poly(edge, z).LC() - (z**2 - 3 * s2 * z + R(1, 2))) == 0
    # general case: the edge polynomial divides the discriminant of the quartic
    ef = pw.edge_equation(s2, 1, 1, 2)
    assert sp.Poly(ef, z).degree() == 5
    disc = pw.discriminant(s2, 1, 1, 2)
    ref = sp.expand(pw.discriminant().subs({eta: s2, zeta: 1, phi: 1, psi: 2}))
    assert sp.expand(disc - ref) == 0
    ms = al.moments_at_infinity(pw.reduced_equation(s2, 1, 1, 2), 2)
    assert sp.simplify(ms[1] - M_REF[1].subs({eta: s2, zeta: 1, phi: 1, psi: 2})) == 0


@pytest.mark.parametrize("args", [
    (1, R(1, 2), 2, R(1, 2)), (1, R(1, 2), R(1, 2), 2), (R(6817, 20000), R(1, 4), R(1, 3), R(3, 4)), (1, R(9, 10), 1, 1),
])
def test_edges_are_where_the_density_switches_on(args):
    # independent of the discriminant: follow the physical root from X + 20i down to
    # X + 1e-7 i (X right of the spectrum), then leftwards along x + 1e-7 i on a 6000-point
    # grid (continuity + Herglotz sign); the density −Im G/π switches on/off (threshold 1e-4) within a few grid steps of
    # a positive root of the edge equation (square-root edges: ρ ~ √δ, so ρ = 1e-4 is
    # reached 1e-8-ish from the edge; ε = 1e-7 smooths on that scale only).
    q = pw.quartic(*args)
    roots = sorted(float(r) for r in sp.Poly(pw.edge_equation(*args), z).real_roots() if r > 0)
    lam = [sp.lambdify(z, a, "numpy") for a in q.coefficients_in_G()]

    def coeffs(zz):
        return [complex(f(zz)) for f in lam]

    X, eps = 1.3 * max(roots) + 1, 1e-7
    g = continued_root(q, X + 1j * np.geomspace(20, eps, 300))
    xs = np.linspace(X, 1e-3, 6000)
    dens = []
    for x in xs:
        r_ = np.roots(coeffs(x + 1j * eps))
        # continuity plus the Herglotz sign (Im z > 0 ⇒ Im G < 0): where two roots nearly
        # collide (just outside an edge) plain nearest-root tracking can jump to the
        # conjugate sheet
        r_ = r_[r_.imag < 0]
        g = r_[np.argmin(abs(r_ - g))]
        dens.append(-g.imag / np.pi)
    # remove the Lorentzian of the atom at 0 (mass w: −Im w/(x + iε)/π = wε/(π(x² + ε²)))
    w = float(pw.atoms(*args)[0][1]) if pw.atoms(*args) else 0.0
    inside = np.array(dens) - w * eps / (np.pi * (xs**2 + eps**2)) > 1e-4
    switches = [0.5 * (xs[i] + xs[i + 1]) for i in range(len(xs) - 1) if inside[i] != inside[i + 1]]
    step = xs[0] - xs[1]
    assert len(switches) == len(roots)
    for s_, r in zip(sorted(switches), roots):
        assert abs(s_ - r) < 3 * step


# --------------------------------------------------------------------------- the Derivation
def test_derivation_is_computed_once_and_shared():
    from rmtsym.law import PenningtonWorahLaw

    half, quarter = sp.Rational(1, 2), sp.Rational(1, 4)
    d = pw.derive(half, quarter, 2, half)
    assert pw.derive(half, quarter, sp.Integer(2), half) is d           # the same object per point
    assert pw.derive(0.5, 0.25, 2, 0.5) is d                            # floats read as exact decimals
    law = PenningtonWorahLaw(half, quarter, 2, half)
    assert law.derivation is d and law.equation is d.quartic.value     # the law uses the derivation
    assert d.quartic is d.quartic and d.case is d.case                 # each step computed once
    assert d.generic is pw.derive()


def test_derivation_steps_match_the_functions():
    # each step is the library function's result at the same point, with a provenance
    for point in [(sp.Rational(1, 3), 0, 2, sp.Rational(1, 2)),                      # Marchenko–Pastur
                  (sp.Rational(1, 2), sp.Rational(1, 2), sp.Rational(1, 2), sp.Rational(1, 4)),  # product Wishart
                  (sp.Rational(1, 2), sp.Rational(1, 4), 2, sp.Rational(1, 2))]:  # general
        d = pw.derive(*point)
        assert d.quartic.value.poly == pw.quartic(*point).poly
        assert d.reduced.value.poly == pw.reduced_equation(*point).poly
        assert d.case.value == pw.classify(*point)
        assert sp.expand(d.edge_equation.value - pw.edge_equation(*point)) == 0
        assert d.atoms.value == pw.atoms(*point)
        # Q = cofactor · R exactly
        assert sp.expand(d.cofactor.value * d.reduced.value.poly.as_expr() - d.quartic.value.poly.as_expr()) == 0
        for name in ("quartic", "reduced", "case", "edge_equation", "atoms", "cofactor"):
            assert getattr(d, name).provenance
        assert set(d.provenance()) >= {"quartic", "reduced", "case", "edge_equation", "atoms", "cofactor"}
    assert pw.derive(sp.Rational(1, 3), 0, 2, sp.Rational(1, 2)).case.value == "marchenko-pastur"


def test_derivation_moments_are_the_series_moments():
    from rmtsym.moments import series_moments

    m = pw.derive().moments(3)
    assert m.value == series_moments(3) and "P-equation" in m.provenance
    # m_2 = (1 + φ/ψ) η² + ζ²/ψ (PW 2017), an independent check of the polynomial
    assert sp.simplify(m.value[1] - ((1 + phi / psi) * eta**2 + zeta**2 / psi)) == 0


def test_export_renders_the_handed_derivation():
    from rmtsym.export import equations as E
    from rmtsym.export import latex as L

    d = pw.derive(sp.Rational(1, 3), 0, 2, sp.Rational(1, 2))
    assert E.quartic_latex(d) == L.quartic_latex(sp.Rational(1, 3), 0, 2, sp.Rational(1, 2))
    assert E.special_case_latex(d) == L.special_case_latex(sp.Rational(1, 3), 0, 2, sp.Rational(1, 2))
    assert r"\text{Marchenko--Pastur}" in E.special_case_latex(d)
