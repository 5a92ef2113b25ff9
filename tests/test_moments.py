"""Tests for rmtsym.moments: three independent routes to the exact moments (issue 5).

The routes (P-equation series, non-crossing partitions, Wick pairings) share no
mathematics; each is checked against the others, against the reference values of
docs/theory.md §1.6 typed here, against known identities (Marchenko–Pastur / Narayana,
product of Wisharts / Fuss–Catalan, real Wishart moments), against mpmath quadrature
of the MP density, and the exact finite-size Wick polynomials against Monte Carlo.
"""
import csv
import io
import json
import subprocess
from math import comb

import mpmath
import numpy as np
import pytest
import sympy as sp

from rmtsym.cli import main
from rmtsym.errors import ParameterError
from rmtsym.moments import (MAX_ORDER, coefficient_table, finite_size_moment, free_coefficients,
                            free_moments, latex_document, series_coefficients, series_moments,
                            table_to_csv, table_to_latex, wick_coefficients, wick_correction,
                            wick_finite_size, wick_moments)
from rmtsym.moments.free import (free_cumulants_of_product, kreweras_block_sizes,
                                 moments_from_cumulants, noncrossing_partitions)
from rmtsym.moments.wick import m as m_sym, n0 as n0_sym, n1 as n1_sym, perfect_matchings
from rmtsym.symbols import eta, phi, psi, zeta

# docs/theory.md §1.6, typed by hand (checked against simulation there)
REFERENCE = [
    eta,
    eta**2 * (1 + phi / psi) + zeta**2 / psi,
    eta**3 * (1 + 3 * phi / psi + phi**2 / psi**2) + 3 * eta * zeta**2 * (1 / psi + phi / psi**2)
    + zeta**3 / psi**2,
    eta**4 * (1 + 6 * phi / psi + 6 * phi**2 / psi**2 + phi**3 / psi**3)
    + eta**2 * zeta**2 * (6 / psi + 16 * phi / psi**2 + 6 * phi**2 / psi**3)
    + 4 * eta * zeta**3 * (1 / psi**2 + phi / psi**3)
    + zeta**4 * (2 / psi**2 + 1 / psi**3 + 2 * phi / psi**3),
]


def same(a, b):
    return sp.expand(a - b) == 0


# ---------------------------------------------------------------- series route

def test_series_matches_reference_m1_to_m4():
    got = series_moments(4)
    assert len(got) == 4
    for mk, ref in zip(got, REFERENCE):
        assert same(mk, ref), (mk, ref)


def test_series_rejects_bad_orders():
    for bad in (0, -3, 1.5, "3", True, None, MAX_ORDER["series"] + 1):
        with pytest.raises(ParameterError):
            series_moments(bad)
    assert series_moments(np.int64(2)) == series_moments(2.0) == series_moments(2)


@pytest.mark.parametrize("point", [(sp.Rational(13, 10), sp.Rational(7, 10), sp.Rational(2), sp.Rational(1, 2)),
                                   (sp.Rational(1, 3), sp.Rational(1, 4), sp.Rational(3, 7), sp.Rational(5, 2)),
                                   (sp.Rational(2), sp.Rational(2), sp.Rational(1), sp.Rational(3))])
def test_series_satisfies_reference_quartic(point):
    # G(z) = Σ m_k / z^{k+1} must solve Q(G, z) = 0 of docs/theory.md §1.4 order by order in 1/z
    # (the quartic is typed here, independently of the series code). Exact rational
    # parameter points keep this fast; three points, one with η = ζ (cubic case).
    e, zt, ph, ps = point
    K = 10
    w = sp.Symbol("w")  # w = 1/z
    vals = {eta: e, zeta: zt, phi: ph, psi: ps}
    ms = [mk.subs(vals) for mk in series_moments(K)]
    Gs = sp.Poly(w + sum(mk * w ** (k + 2) for k, mk in enumerate(ms)), w)
    # Q multiplied by w² is a polynomial in w and G
    Q = (Gs**4 * (ph**2 * zt * (e - zt))
         - Gs**3 * sp.Poly(ph * zt * (ps + 2 * (e - zt) * (ph - ps) * w), w)
         - Gs**2 * sp.Poly(ps * (e * ph * ps - 2 * ph * zt + ps * zt) * w
                           - zt * (e - zt) * (ph - ps)**2 * w**2, w)
         + Gs * sp.Poly(ps * (ps**2 * w + (e * ps - zt) * (ph - ps) * w**2), w)
         - sp.Poly(ps**3 * w**2, w))
    coeffs = Q.all_coeffs()[::-1]
    # truncating G after w^{K+1} leaves Q·w² exact through w^{K+2}
    assert any(cf != 0 for cf in coeffs)
    assert all(cf == 0 for cf in coeffs[:K + 3]), coeffs[:K + 3]


def test_series_structure_degree_and_no_linear_zeta():
    # every monomial has a + b = k (M is homogeneous of degree 1 in (η, ζ)) and b ≠ 1
    for k, coeffs in enumerate(series_coefficients(10), start=1):
        for (a, b, c, d), v in coeffs.items():
            assert a + b == k and b != 1 and v > 0
            assert 0 <= c <= d <= k - 1


# ---------------------------------------------------------------- identities

@pytest.mark.parametrize("k", range(1, 7))
def test_zeta_zero_gives_marchenko_pastur_narayana(k):
    # ζ = 0: MP with ratio c = φ/ψ and scale η; m_k = η^k Σ_j N(k, j) c^{j−1}, N Narayana
    mk = series_moments(k)[-1].subs(zeta, 0)
    narayana = sum(comb(k, j) * comb(k, j - 1) // k * (phi / psi) ** (j - 1) for j in range(1, k + 1))
    assert same(mk, eta**k * narayana)


def test_linear_case_product_wishart_m2():
    m2 = series_moments(2)[1].subs({eta: 1, zeta: 1})
    assert same(m2, 1 + phi / psi + 1 / psi)


def test_linear_square_case_fuss_catalan():
    # η = ζ = φ = ψ = 1: product of two square Wisharts, moments = Fuss–Catalan C(3k, k)/(2k+1)
    vals = [mk.subs({eta: 1, zeta: 1, phi: 1, psi: 1}) for mk in series_moments(8)]
    assert vals == [comb(3 * k, k) // (2 * k + 1) for k in range(1, 9)]


@pytest.mark.parametrize("c_ratio,scale", [("0.3", "0.7"), ("0.8", "2.5")])
def test_zeta_zero_moments_against_mpmath_quadrature(c_ratio, scale):
    # MP density with ratio c ≤ 1 (no atom) and scale η, integrated at 30 digits
    with mpmath.workdps(30):
        c_, s_ = mpmath.mpf(c_ratio), mpmath.mpf(scale)
        lo, hi = s_ * (1 - mpmath.sqrt(c_))**2, s_ * (1 + mpmath.sqrt(c_))**2

        def rho(x):
            return mpmath.sqrt((hi - x) * (x - lo)) / (2 * mpmath.pi * c_ * s_ * x)

        assert abs(mpmath.quad(rho, [lo, hi]) - 1) < mpmath.mpf(10)**-20
        ms = series_moments(6)
        for k, mk in enumerate(ms, start=1):
            exact = mk.subs({zeta: 0, eta: sp.Rational(scale), phi: sp.Rational(c_ratio), psi: 1})
            quad = mpmath.quad(lambda x: x**k * rho(x), [lo, hi])
            # the closed-form density is smooth inside and has square-root edges: tanh-sinh
            # quadrature reaches ~25 digits; 1e-18 leaves a wide margin
            assert abs(quad - mpmath.mpf(sp.N(exact, 35))) < mpmath.mpf(10)**-18 * abs(quad)


# ---------------------------------------------------------------- free route

def test_noncrossing_partitions_are_catalan_and_noncrossing():
    for n in range(0, 9):
        parts = list(noncrossing_partitions(n))
        assert len(parts) == comb(2 * n, n) // (n + 1)
        assert len(set(parts)) == len(parts)
        for part in parts:
            assert sorted(x for b in part for x in b) == list(range(n))
            for b1 in part:
                for b2 in part:
                    if b1 == b2:
                        continue
                    # no a < b < c < d with a, c in b1 and b, d in b2
                    assert not any(a < b < c < d for a in b1 for c in b1 for b in b2 for d in b2)


def test_kreweras_complement_block_count_and_examples():
    for n in range(1, 8):
        for part in noncrossing_partitions(n):
            assert len(part) + len(kreweras_block_sizes(part, n)) == n + 1
    assert kreweras_block_sizes(((0,), (1,), (2,), (3,)), 4) == (4,)     # K(0_n) = 1_n
    assert kreweras_block_sizes(((0, 1, 2, 3),), 4) == (1, 1, 1, 1)     # K(1_n) = 0_n
    assert kreweras_block_sizes(((0, 1), (2, 3)), 4) == (1, 1, 2)


def test_free_equals_series_k6():
    assert free_coefficients(6) == series_coefficients(6)


def test_free_moments_from_product_cumulants_agree():
    # κ_n(ab) via Kreweras, then moment–cumulant formula: a second use of NC(n)
    assert all(same(a, b) for a, b in zip(moments_from_cumulants(free_cumulants_of_product(6)),
                                          free_moments(6)))


def test_free_rejects_too_large_order():
    with pytest.raises(ParameterError):
        free_moments(MAX_ORDER["free"] + 1)


@pytest.mark.slow
def test_free_equals_series_k12():
    assert free_coefficients(12) == series_coefficients(12)


# ---------------------------------------------------------------- wick route

def test_perfect_matchings_count():
    for n, count in [(0, 1), (2, 1), (4, 3), (6, 15), (8, 105)]:
        mats = perfect_matchings(n)
        assert mats.shape == (count, n)
        for row in mats:
            assert all(row[row[i]] == i and row[i] != i for i in range(n))


def test_wick_leading_equals_series_k4():
    assert wick_coefficients(4) == series_coefficients(4)
    assert all(same(a, b) for a, b in zip(wick_moments(4), REFERENCE))


@pytest.mark.slow
def test_wick_leading_equals_series_k5():
    assert wick_coefficients(5) == series_coefficients(5)


def test_wick_finite_size_real_wishart():
    # ζ = 0: Y = √η Z, real Wishart: E tr (ZZᵀ)^2 = n1 m (n1 + m + 1) and
    # E tr (ZZᵀ)^3 = n1 m (n1² + m² + 3 n1 m + 3 n1 + 3 m + 4) (Letac & Massam 2004)
    fs = wick_finite_size(3)
    n, p = n1_sym, m_sym
    assert same(fs[0], eta)
    assert same(fs[1].subs(zeta, 0), eta**2 * n * p * (n + p + 1) / (n * p**2))
    assert same(fs[2].subs(zeta, 0),
                eta**3 * n * p * (n**2 + p**2 + 3 * n * p + 3 * n + 3 * p + 4) / (n * p**3))


def test_wick_leading_order_by_substitution():
    # independent of the bookkeeping in wick_coefficients: substitute n0 = φL, n1 = φL/ψ,
    # m = L, then the L^0 coefficient is the limit and no positive power of L may remain
    L = sp.Symbol("L", positive=True)
    for fs, ref in zip(wick_finite_size(4), REFERENCE):
        sub = sp.expand(fs.subs({n0_sym: phi * L, n1_sym: phi * L / psi, m_sym: L}))
        parts = sp.collect(sub, L, evaluate=False)
        powers = {sp.Integer(1) if key == 1 else key for key in parts}
        assert all(p == 1 or (p.is_Pow and p.exp < 0) or p == 1 / L for p in powers), powers
        assert same(parts[sp.Integer(1)], ref)


def test_wick_correction_is_the_1_over_m_term():
    # E tr M^k/n1 = m_k + c_k/m + O(1/m²): check at m = 10^4, 10^5 with exact rationals
    vals = {eta: sp.Rational(13, 10), zeta: sp.Rational(7, 10), phi: sp.Rational(1, 2),
            psi: sp.Rational(3, 4)}
    fs = wick_finite_size(4)
    ms = wick_moments(4)
    cs = wick_correction(4)
    for k in range(4):
        for M in (10**4, 10**5):
            exact = fs[k].subs({eta: vals[eta], zeta: vals[zeta], n0_sym: vals[phi] * M,
                                n1_sym: vals[phi] * M / vals[psi], m_sym: M})
            resid = exact - ms[k].subs(vals) - cs[k].subs(vals) / M
            assert resid != 0 or k == 0
            assert abs(float(resid)) * M**2 < 1e4     # O(1/m²) with a bounded constant
    assert same(cs[1].subs(zeta, 0), eta**2)       # real Wishart: (n1 + 1)/m → φ/ψ + 1/m


def _mc_moments(n0, n1, m, eta_v, zeta_v, draws, seed, kmax=4):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((draws, n1, n0)) / np.sqrt(n0)
    X = rng.standard_normal((draws, n0, m))
    Z = rng.standard_normal((draws, n1, m))
    Y = np.sqrt(zeta_v) * W @ X + np.sqrt(eta_v - zeta_v) * Z
    M = Y @ Y.transpose(0, 2, 1) / m
    P = np.broadcast_to(np.eye(n1), M.shape).copy()
    out = []
    for _ in range(kmax):
        P = P @ M
        v = np.trace(P, axis1=1, axis2=2) / n1
        out.append((v.mean(), v.std() / np.sqrt(draws)))
    return out


@pytest.mark.parametrize("sizes,seed", [((2, 3, 4), 11), ((3, 2, 5), 12), ((5, 4, 3), 13)])
def test_wick_finite_size_against_tiny_monte_carlo(sizes, seed):
    n0, n1, m = sizes
    eta_v, zeta_v = 1.3, 0.7
    mc = _mc_moments(n0, n1, m, eta_v, zeta_v, draws=100_000, seed=seed)
    limit = wick_moments(4)
    for k, (mean, se) in enumerate(mc, start=1):
        exact = finite_size_moment(k, eta_v, zeta_v, n0, n1, m)
        # 10^5 iid draws: the sample mean is within 4.5 standard errors except with
        # probability < 1e-5 per check (the CLT is adequate here: the estimated se
        # of tr M^4 is itself accurate to a few % at 10^5 draws)
        assert abs(mean - exact) < 4.5 * se, (sizes, k, mean, exact, se)
        if k >= 2:
            # and the test can fail: the n → ∞ value is rejected by the same data
            lim = float(limit[k - 1].subs({eta: eta_v, zeta: zeta_v, phi: sp.Rational(n0, m),
                                           psi: sp.Rational(n0, n1)}))
            assert abs(mean - lim) > 6 * se, (sizes, k, mean, lim, se)


def test_wick_rejects_bad_order():
    with pytest.raises(ParameterError):
        wick_moments(MAX_ORDER["wick"] + 1)
    with pytest.raises(ParameterError):
        wick_finite_size(0)


# ---------------------------------------------------------------- table

def test_table_agrees_across_routes():
    rows = {meth: coefficient_table(4, meth) for meth in ("series", "free", "wick")}
    strip = {meth: [{k: v for k, v in r.items()} for r in rs] for meth, rs in rows.items()}
    assert strip["series"] == strip["free"] == strip["wick"]
    assert len(rows["series"]) == 1 + 3 + 6 + 12


def test_table_rows_and_interpretations():
    rows = coefficient_table(5)
    assert {"k": 2, "a": 0, "b": 2, "c": 0, "d": 1, "coefficient": 1}.items() <= next(
        r for r in rows if (r["k"], r["a"], r["b"]) == (2, 0, 2)).items()
    assert "4-cycle" in next(r for r in rows if (r["k"], r["b"]) == (2, 2))["interpretation"]
    for r in rows:
        assert "MISMATCH" not in r["interpretation"]
        if r["b"] == 0:
            assert r["interpretation"].startswith("Narayana")
    # rows rebuild the reference polynomials
    for k in range(1, 5):
        poly = sum(r["coefficient"] * eta**r["a"] * zeta**r["b"] * phi**r["c"] / psi**r["d"]
                   for r in rows if r["k"] == k)
        assert same(poly, REFERENCE[k - 1])


def test_table_csv_and_latex(tmp_path):
    rows = coefficient_table(3)
    text = table_to_csv(rows, tmp_path / "t.csv")
    back = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text())))
    assert text.startswith("k,a,b,c,d,coefficient,interpretation")
    assert len(back) == len(rows) and int(back[-1]["coefficient"]) == rows[-1]["coefficient"]
    tex = table_to_latex(rows)
    assert tex.startswith(r"\begin{tabular}") and tex.rstrip().endswith(r"\end{tabular}")
    assert "booktabs" not in tex and r"\toprule" not in tex
    assert r"$\zeta^{2} / \psi$ & 1 \\" in tex
    assert tex.count(r"\\") == len(rows) + 1


@pytest.mark.latex
def test_table_latex_compiles(tmp_path, require_pdflatex):
    (tmp_path / "t.tex").write_text(latex_document(coefficient_table(6)))
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                          cwd=tmp_path, capture_output=True, timeout=120)
    assert proc.returncode == 0 and (tmp_path / "t.pdf").exists()


# ---------------------------------------------------------------- CLI

def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("method", ["series", "free", "wick"])
def test_cli_json(capsys, method):
    code, out, err = _run(capsys, ["moment-polys", "--order", "4", "--method", method, "--json"])
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert payload["order"] == 4 and payload["method"] == method
    loc = {"eta": eta, "zeta": zeta, "phi": phi, "psi": psi}
    for s, ref in zip(payload["moments"], REFERENCE):
        assert same(sp.sympify(s, locals=loc), ref)
    if method == "wick":
        assert len(payload["finite_size"]) == 4
        loc2 = {"eta": eta, "zeta": zeta, "n0": n0_sym, "n1": n1_sym, "m": m_sym}
        assert same(sp.sympify(payload["finite_size"][1], locals=loc2), wick_finite_size(2)[1])
    else:
        assert "finite_size" not in payload


def test_cli_latex_and_text(capsys):
    code, out, _ = _run(capsys, ["moment-polys", "--order", "2", "--latex", "--json"])
    assert code == 0
    assert json.loads(out)["latex"].startswith(r"\begin{tabular}")
    code, out, _ = _run(capsys, ["moment-polys", "--order", "2"])
    assert code == 0 and out.startswith("m1 = eta\nm2 = ")


@pytest.mark.parametrize("argv", [["--order", "0"], ["--order", "-2"], ["--order", "6", "--method", "wick"],
                                  ["--order", "13", "--method", "free"], ["--order", "41"],
                                  ["--order", "x"], ["--order", "3", "--method", "magic"], []])
def test_cli_errors(capsys, argv):
    code, out, err = _run(capsys, ["moment-polys", *argv, "--json"])
    assert code == 2 and out == ""
    assert err.startswith("rmtsym: error:") and err.count("\n") == 1


# ---------------------------------------------------------------- slow / timing

@pytest.mark.slow
def test_series_order_20_structure_and_identities():
    ms = series_coefficients(20)
    assert len(ms) == 20
    # Fuss–Catalan at η = ζ = φ = ψ = 1 and Narayana at ζ = 0, k = 20
    assert sum(ms[-1].values()) == comb(60, 20) // 41
    nar = {c: v for (a, b, c, d), v in ms[-1].items() if b == 0}
    assert nar == {c: comb(20, c) * comb(20, c + 1) // 20 for c in range(20)}
