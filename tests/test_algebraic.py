"""Tests of the operations on algebraic laws (rmtsym.algebraic).

Each operation is checked against an independent description of the same law:
closed-form moments (Narayana polynomials for MP, Catalan numbers for the semicircle,
binomial moments for affine images), the S-transform for free multiplicative
convolution, the Pennington–Bahri closed form for the Hessian model, and numpy
samples of the corresponding random matrices.
"""

import numpy as np
import pytest
import sympy as sp

from rmtsym import algebraic as al
from rmtsym import pennington_worah as pw
from rmtsym.algebraic import SpectralEquation
from rmtsym.errors import RmtsymError
from rmtsym.symbols import G, c, z

R = sp.Rational
a_s, b_s, d_s, v_s = sp.symbols("a b d v", positive=True)


def mp_moment(k, ratio):
    """Moments of MP with ratio c and mean 1 (Narayana polynomials): Σ_r c^r/(r+1) C(k,r) C(k−1,r)."""
    return sp.expand(sum(ratio**r * sp.binomial(k, r) * sp.binomial(k - 1, r) / (r + 1) for r in range(k)))


def proportional(ea, eb):
    ratio = sp.cancel(sp.together(ea / eb))
    return not ratio.has(G) and not ratio.has(z) and ratio != 0


# ---------------------------------------------------------------------------
# moments_at_infinity
# ---------------------------------------------------------------------------

def test_mp_moments_are_narayana_symbolic():
    ms = al.moments_at_infinity(pw.marchenko_pastur_equation(c), 8)
    for k, m in enumerate(ms, start=1):
        assert sp.expand(m - mp_moment(k, c)) == 0


def test_moments_numeric_and_errors():
    ms = al.moments_at_infinity(pw.marchenko_pastur_equation(R(1, 2), 3), 3)
    assert ms == [3, 9 * mp_moment(2, R(1, 2)), 27 * mp_moment(3, R(1, 2))]
    with pytest.raises(RmtsymError):
        al.moments_at_infinity(SpectralEquation.from_expr(z * G - 2), 2)  # z G → 2: not a law
    with pytest.raises(RmtsymError):
        al.moments_at_infinity(pw.marchenko_pastur_equation(c), 0)
    # (zG − 1)² has a double branch at infinity: refused until reduced
    with pytest.raises(RmtsymError):
        al.moments_at_infinity(SpectralEquation.from_expr((z * G - 1)**2 - G**2), 2)


def test_moments_with_float_coefficients():
    eq = SpectralEquation.from_expr(sp.Float(0.5) * z * G**2 - (z - sp.Float(0.5)) * G + 1)  # MP c = 1/2
    ms = al.moments_at_infinity(eq, 3)
    assert [float(m) for m in ms] == pytest.approx([float(mp_moment(k, R(1, 2))) for k in (1, 2, 3)], rel=1e-14)
    # rounding in the coefficients: B_0(1) = 1e-15 relative is accepted, 1e-6 is not a law
    eq = SpectralEquation.from_expr(sp.Float(0.5) * z * G**2 - (z - sp.Float(0.5)) * G + sp.Float(1 + 1e-15))
    assert float(al.moments_at_infinity(eq, 1)[0]) == pytest.approx(1, rel=1e-12)
    with pytest.raises(RmtsymError):
        al.moments_at_infinity(SpectralEquation.from_expr(sp.Float(0.5) * z * G**2 - (z - sp.Float(0.5)) * G
                                                          + sp.Float(1 + 1e-6)), 1)


# ---------------------------------------------------------------------------
# scale, shift
# ---------------------------------------------------------------------------

def test_scale_and_shift_moments():
    mp = pw.marchenko_pastur_equation(c)
    base = [1] + [mp_moment(k, c) for k in range(1, 6)]
    scaled = al.moments_at_infinity(al.scale(mp, a_s), 5)
    for k in range(1, 6):
        assert sp.expand(scaled[k - 1] - a_s**k * base[k]) == 0
    shifted = al.moments_at_infinity(al.shift(mp, b_s), 5)
    for k in range(1, 6):
        expect = sum(sp.binomial(k, j) * b_s**(k - j) * base[j] for j in range(k + 1))
        assert sp.expand(shifted[k - 1] - expect) == 0
    assert proportional(al.scale(mp, 0).expr, z * G - 1)  # δ_0
    assert proportional(al.scale(pw.marchenko_pastur_equation(c), 3).expr,
                        pw.marchenko_pastur_equation(c, 3).expr)


# ---------------------------------------------------------------------------
# mp_product
# ---------------------------------------------------------------------------

def s_transform_product_moments(k, ratios):
    """Moments of MP_{c1} ⊠ MP_{c2} ⊠ … from the S-transform, independent of Q.

    S_{MP_c}(w) = 1/(1 + c w); S multiplies under ⊠. With ψ(x) = Σ_{j≥1} m_j x^j,
    χ = ψ^{-1} satisfies χ(w) = S(w) w/(1 + w); invert the series.
    """
    w, x = sp.symbols("w x")
    S = sp.Mul(*[1 / (1 + r * w) for r in ratios])
    chi = sp.series(S * w / (1 + w), w, 0, k + 1).removeO()
    # invert χ: ψ(x) = Σ m_j x^j with χ(ψ(x)) = x, order by order
    ms = sp.symbols(f"m1:{k + 1}")
    psi_ser = sum(ms[j] * x**(j + 1) for j in range(k))
    comp = sp.expand(sp.series(chi.subs(w, psi_ser), x, 0, k + 1).removeO())
    sol = {}
    for j in range(1, k + 1):
        eqj = comp.coeff(x, j).subs(sol)
        sol[ms[j - 1]] = sp.solve(eqj - (1 if j == 1 else 0), ms[j - 1])[0]
    return [sp.expand(sol[m]) for m in ms]


def test_mp_product_of_delta_one_is_mp():
    delta1 = al.delta_equation(1)
    out = al.mp_product(delta1, c)
    assert proportional(out.expr, pw.marchenko_pastur_equation(c).expr)
    out_num = al.mp_product(delta1, R(5, 2))
    assert proportional(out_num.expr, pw.marchenko_pastur_equation(R(5, 2)).expr)


def test_mp_product_of_mp_matches_s_transform():
    out = al.mp_product(pw.marchenko_pastur_equation(d_s), c)
    ms = al.moments_at_infinity(out, 4)
    ref = s_transform_product_moments(4, [c, d_s])
    for got, exp in zip(ms, ref):
        assert sp.cancel(got - exp) == 0
    assert sp.expand(ms[1] - (1 + c + d_s)) == 0  # m2 = 1 + c + d


def test_iterated_mp_product_layer_map():
    # a linear two-layer map (ζ = η = 1) applied to MP_a: MP_c ⊠ MP_b ⊠ MP_a, against the
    # S-transform product (independent of any polynomial)
    a_r, b_r, c_r = R(1, 2), R(1, 3), R(2)
    law = pw.marchenko_pastur_equation(a_r)
    for ratio in (b_r, c_r):
        law = al.mp_product(al.shift(al.scale(law, 1), 0), ratio)
    ms = al.moments_at_infinity(law, 4)
    assert ms == s_transform_product_moments(4, [a_r, b_r, c_r])


def test_mp_product_monte_carlo(single_thread_blas):
    # MP_c ⊠ H with H = law of Σ (two-point 1 and 3, equal weights): S = Σ^{1/2} X Xᵀ Σ^{1/2}/N.
    # p = 400, N = 800 (c = 1/2), 5 draws: G_emp at z = 2 + 1i has MC error ~ 1/(pN)^{1/2}
    # and O(1/p) bias; 1% tolerance.
    H = SpectralEquation.from_expr((z - 1) * (z - 3) * G - (z - 2))  # G = (1/(z−1) + 1/(z−3))/2
    out = al.mp_product(H, R(1, 2))
    rng = np.random.default_rng(3)
    p, N = 400, 800
    sig = np.sqrt(np.repeat([1.0, 3.0], p // 2))
    eigs = []
    for _ in range(5):
        X = rng.standard_normal((p, N))
        Sx = sig[:, None] * X
        eigs.append(np.linalg.eigvalsh(Sx @ Sx.T / N))
    eigs = np.concatenate(eigs)
    ms = al.moments_at_infinity(out, 3)
    for k in range(3):
        assert np.mean(eigs**(k + 1)) == pytest.approx(float(ms[k]), rel=0.01)
    zz = 2 + 1j
    g_emp = np.mean(1 / (zz - eigs))
    coeffs = [complex(sp.N(a.subs(z, zz))) for a in out.coefficients_in_G()]
    roots = np.roots(coeffs)
    assert min(abs(roots - g_emp)) < 0.01 * abs(g_emp)


# ---------------------------------------------------------------------------
# semicircle_sum
# ---------------------------------------------------------------------------

def test_semicircle_of_delta_is_catalan():
    sc = al.semicircle_sum(al.delta_equation(0), v_s)
    assert proportional(sc.expr, v_s * G**2 - z * G + 1)
    ms = al.moments_at_infinity(sc, 8)
    for k in range(1, 9):
        expect = 0 if k % 2 else sp.catalan(k // 2) * v_s**(k // 2)
        assert sp.expand(ms[k - 1] - expect) == 0


def test_semicircle_sum_of_mp_cumulants():
    # free cumulants add: κ2(MP_c) = c, κ2(SC_v) = v; so m2 − m1² = c + v and m1 = 1
    out = al.semicircle_sum(pw.marchenko_pastur_equation(c), v_s)
    ms = al.moments_at_infinity(out, 4)
    assert ms[0] == 1
    assert sp.expand(ms[1] - 1 - c - v_s) == 0
    # κ3(MP_c) = c², κ3(SC) = 0: m3 = κ3 + 3 κ2 κ1 + κ1³
    assert sp.expand(ms[2] - (c**2 + 3 * (c + v_s) + 1)) == 0


@pytest.mark.parametrize("phi_v,eps_c", [("0.1", 0.083435), ("0.25", 0.043510), ("0.5", 0.011271), ("0.75", 0.001266)])
def test_pennington_bahri_critical_energy(phi_v, eps_c):
    # H = MP_φ ⊞ SC(2ε) (docs/theory.md §5.3); the left edge reaches 0 when Disc_G Q(·, 0) = 0.
    eps = sp.Symbol("epsilon", positive=True)
    ph = R(phi_v)
    out = al.semicircle_sum(pw.marchenko_pastur_equation(ph), 2 * eps)
    d0 = sp.fraction(sp.together(al.discriminant(out).subs(z, 0)))[0]
    roots = [r for r in sp.Poly(d0, eps).real_roots() if r > 0]
    assert len(roots) == 1
    closed = (1 - 20 * ph - 8 * ph**2 + (1 + 8 * ph)**R(3, 2)) / 16
    assert sp.N(roots[0] - closed, 40) == 0 or abs(sp.N(roots[0] - closed, 40)) < 1e-35
    assert abs(float(roots[0]) - eps_c) < 5e-7  # reference given to 6 decimals


def test_pennington_bahri_symbolic():
    # the same, with φ symbolic: the positive root of the edge condition is εc(φ) exactly
    eps = sp.Symbol("epsilon", positive=True)
    ph = sp.Symbol("phi_pb", positive=True)
    out = al.semicircle_sum(pw.marchenko_pastur_equation(ph), 2 * eps)
    d0 = sp.factor(al.discriminant(out).subs(z, 0))
    closed = (1 - 20 * ph - 8 * ph**2 + (1 + 8 * ph)**R(3, 2)) / 16
    assert sp.simplify(sp.fraction(sp.together(d0))[0].subs(eps, closed)) == 0


# ---------------------------------------------------------------------------
# discriminant, leading coefficient, reduce
# ---------------------------------------------------------------------------

def test_discriminant_mp_edges():
    disc = al.discriminant(pw.marchenko_pastur_equation(c))
    roots = set(sp.solve(disc, z))
    assert {sp.simplify(r) for r in roots} == {sp.simplify((1 - sp.sqrt(c))**2), sp.simplify((1 + sp.sqrt(c))**2)} or \
        all(any(sp.simplify(r - e) == 0 for e in ((1 - sp.sqrt(c))**2, (1 + sp.sqrt(c))**2)) for r in roots)


def test_leading_coefficient_and_atoms_mp():
    mp = pw.marchenko_pastur_equation(R(3))
    assert al.leading_coefficient_roots(mp) == [0]
    assert al.atom_mass_candidates(mp, 0) == [R(2, 3)]  # 1 − 1/c
    assert al.leading_coefficient_roots(al.delta_equation(2)) == [2]  # δ_2: a_1(z) = z − 2
    assert al.atom_mass_candidates(al.delta_equation(2), 2) == [1]
    assert al.leading_coefficient_roots(SpectralEquation.from_expr(G**2 - z * G + 1)) == []  # semicircle


def test_reduce_drops_spurious_factors():
    mp = pw.marchenko_pastur_equation(c)
    spoiled = SpectralEquation.from_expr(mp.expr * (z * G - 2) * z**2 * (c + 1))
    red = al.reduce(spoiled)
    assert proportional(red.expr, mp.expr)
    with pytest.raises(RmtsymError):
        al.reduce(SpectralEquation.from_expr((z * G - 2) * (G - 3)))


def test_subs_and_roundtrip():
    mp = pw.marchenko_pastur_equation(c)
    assert proportional(mp.subs({c: R(1, 3)}).expr, pw.marchenko_pastur_equation(R(1, 3)).expr)
