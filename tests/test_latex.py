"""Tests of rmtsym.export.latex: clean forms, correctness of the printed pieces, compilation."""
import os
import re

import pytest
import sympy as sp

from rmtsym import pennington_worah as pw
from rmtsym import symbols as S
from rmtsym.export import latex as L
from rmtsym.numbers import Certified


def test_p_equation_expression_is_the_library_p_equation():
    rhs, subs = L.p_equation_expr()
    assert sp.simplify(rhs.subs(subs) - pw.p_equation().rhs) == 0
    tex = L.p_equation_latex()
    assert r"P_\varphi" in tex and r"\frac{1 - \psi}{z}" in tex


def test_quartic_is_collected_in_G_with_factored_coefficients():
    tex = L.quartic_latex()
    # the reference form of docs/theory.md §1.4, coefficient by coefficient (factored, not expanded)
    assert r"\varphi^{2} \zeta \left(\eta - \zeta\right) z^{2}\,G^{4}" in tex
    assert r"2 \left(\eta - \zeta\right) \left(\varphi - \psi\right)" in tex
    assert r"\left(\varphi - \psi\right)^{2}" in tex
    assert r"- \psi^{3} = 0" in tex
    # no expanded monomial soup: η appears at most ~6 times (the expanded Q has 20 terms in η)
    assert tex.count(r"\eta") <= 6


def test_numeric_quartic_exact_coefficients():
    # η = 1/2, ζ = 1/4, φ = 2, ψ = 1/2: φ²ζ(η−ζ) = 1/4, φζ = 1/2 ... (reference Q by hand)
    tex = L.quartic_latex(sp.Rational(1, 2), sp.Rational(1, 4), 2, sp.Rational(1, 2))
    assert r"\frac{1}{4} z^{2}\,G^{4}" in tex
    assert r"- \frac{1}{8} = 0" in tex
    # hand evaluation of the G coefficient ψ[ψ²z + (ηψ − ζ)(φ − ψ)] = z/8 + 0
    assert r"\frac{1}{8} z\,G" in tex


def test_numeric_coefficients_printed_as_decimals():
    tex = L.quartic_latex("0.3942944904", "0.3668791644", 2, sp.Rational(1, 2))
    # η, ζ given as 10-digit decimals: coefficients become 8-digit decimals, not huge fractions
    assert not re.search(r"\d{12,}", tex)
    # φ²ζ(η−ζ) = 4·0.3668791644·0.027415326 = 0.04023244...
    assert "0.040232" in tex


def test_special_cases():
    mp = L.special_case_latex(sp.Rational(1, 3), 0, 2, sp.Rational(1, 2))
    assert r"\text{Marchenko--Pastur}" in mp and "= 4" in mp
    # c η z G² − (z − η(1 − c))G + 1 with c = 4, η = 1/3: (4/3) z G² − (z + 1) G + 1
    assert r"\frac{4}{3} z\,G^{2}" in mp and "z + 1" in mp
    pwc = L.special_case_latex(eta=S.zeta)
    assert r"\text{product Wishart}" in pwc and r"\varphi \zeta z^{2}\,G^{3}" in pwc
    gen = L.special_case_latex(sp.Rational(1, 2), sp.Rational(1, 4), 2, sp.Rational(1, 2))
    assert "irreducible" in gen


def test_edge_equation_mp_symbolic():
    tex = L.discriminant_latex(zeta=0)
    # ψ²z² − 2ηψ(φ + ψ) z + η²(φ − ψ)²: roots η(1 ± √c)², c = φ/ψ
    assert r"\psi^{2}\,z^{2}" in tex
    assert r"- 2 \eta \psi \left(\varphi + \psi\right)\,z" in tex
    assert r"\eta^{2} \left(\varphi - \psi\right)^{2}" in tex


def test_moments_latex_matches_reference_m2_m3():
    tex = L.moments_latex(3)
    assert r"m_{2} &= \frac{\varphi + \psi}{\psi}\, \eta^{2} + \frac{1}{\psi}\, \zeta^{2}" in tex
    assert r"\frac{3 \left(\varphi + \psi\right)}{\psi^{2}}\, \eta \zeta^{2}" in tex


def test_certified_number_note():
    c = Certified(sp.Float("0.39429449039784117442", 25)._to_mpmath(90), 25, "quadrature")
    assert L.certified_latex(c, 10) == r"0.3942944904\ \text{(numeric, 25 digits)}"
    e = Certified(sp.Float(0.25)._to_mpmath(53), 30, "closed form", exact=sp.Rational(1, 4))
    assert "numeric" not in L.certified_latex(e, 5)
    assert L.number_latex(1.5e-7, 3) == r"1.50 \times 10^{-7}"


def test_lines_fit_width():
    for tex in (L.quartic_latex(), L.moments_latex(6), L.discriminant_latex(zeta=0)):
        for line in tex.splitlines():
            if line.startswith("\\begin") or line.startswith("\\end"):
                continue
            # LINE_WIDTH plus the left-hand side (≤ 8) and the rhs "= 0"
            assert L.visible_width(line) <= L.LINE_WIDTH + 14, line


def test_repr_helpers():
    from rmtsym.law import PenningtonWorahLaw
    law = PenningtonWorahLaw(sp.Rational(1, 2), sp.Rational(1, 4), 2, sp.Rational(1, 2))
    r = L.law_repr_latex(law)
    assert r.startswith("$$\\begin{aligned}") and r.endswith("$$") and "align*" not in r
    assert "$$" not in L.equation_repr_latex(law.equation)[2:-2]


@pytest.fixture(scope="module")
def all_snippets():
    from rmtsym.gaussian import gaussian_moments
    from rmtsym.applications.propagation import build_layers
    snippets = [
        L.p_equation_latex(), L.quartic_latex(),
        L.quartic_latex("0.3942944904", "0.3668791644", 2, sp.Rational(1, 2)),
        L.special_case_latex(zeta=0), L.special_case_latex(eta=S.zeta),
        L.discriminant_latex(zeta=0),
        L.discriminant_latex("0.3942944904", "0.3668791644", 2, sp.Rational(1, 2)),
        L.moments_latex(6), r"\begin{center}" + L.moment_table_latex(3) + r"\end{center}",
        L.gaussian_moments_latex(gaussian_moments("relu", dps=20)),
        L.gaussian_moments_latex(gaussian_moments("tanh", dps=20)),
        L.memorization_formula_latex(),
        r"\begin{center}" + L.memorization_table_latex(["0.01", "1"], [0.5, 0.75], [0.49, 0.74],
                                                      [1e-3, 2e-3]) + r"\end{center}",
        L.layer_map_latex(),
        r"\begin{center}" + L.layer_table_latex(build_layers("tanh", 2, 2, normalize=True, dps=15))
        + r"\end{center}",
    ]
    return snippets


def test_snippets_are_ascii(all_snippets):
    for s in all_snippets:
        assert all(ord(ch) < 128 for ch in s), s[:80]


@pytest.mark.latex
def test_snippets_compile_without_overfull_boxes(all_snippets, tmp_path, require_pdflatex):
    doc = L.document("\n\n".join(all_snippets), title="rmtsym exports")
    pdf, log = L.compile_pdf(doc, str(tmp_path), "snippets")
    assert os.path.getsize(pdf) > 1000
    # a few pt of overfull is invisible; anything larger means a line runs into the margin
    assert max(L.overfull_boxes(log), default=0.0) < 5.0, L.overfull_boxes(log)


def test_long_closed_forms_are_broken_into_lines():
    """GELU's η closed form ran off the page in the report: it must be broken into lines
    of bounded width, with the value on its own line (lead's regression test)."""
    from rmtsym.export.latex import LINE_WIDTH, gaussian_moments_latex, visible_width
    from rmtsym.gaussian import gaussian_moments

    tex = gaussian_moments_latex(gaussian_moments("gelu"))
    rows = [r for r in tex.split("\\\\") if "begin" not in r or "&" in r]
    eta_rows = tex.split(r"\eta = \operatorname{Var} f(\sigma Z)")[1].split(r"\zeta =")[0].split("\\\\")
    assert len([r for r in eta_rows if r.strip()]) >= 3  # broken closed form + value line
    for row in rows:
        rhs = row.split("&", 1)[-1]
        assert visible_width(rhs) <= LINE_WIDTH + 25, rhs
    assert r"\approx 0.345644011024351" in tex
