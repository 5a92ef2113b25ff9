r"""LaTeX of the objects of the Pennington–Worah derivation, rendered as they are handed.

Pennington & Worah, "Nonlinear random matrix theory for deep learning", NeurIPS 2017. The
theory produces a small number of formulas: the P-equation, the quartic Q(G, z) = 0 of the
Stieltjes transform and its special cases (Marchenko–Pastur for ζ = 0, the product-Wishart
cubic for η = ζ), the edge equation, the exact moments m_k, the memorization loss and the
layer map. The functions here receive those objects already derived — a
:class:`rmtsym.pennington_worah.Derivation` (from :func:`rmtsym.pennington_worah.derive`, or
the ``derivation`` of a :class:`rmtsym.law.PenningtonWorahLaw`), a list of moment
polynomials, a table of numbers — and only print them, with the formatting rules of
:mod:`rmtsym.typeset` (collected in the main variable with factored coefficients, lines of
bounded width, the body of an ``align*`` environment or, with ``env="aligned"``, of a
``$$ … $$`` block). Nothing here derives mathematics.

The same formulas from parameters (η, ζ, φ, ψ) instead of a derivation:
:mod:`rmtsym.documents.formulas` (also importable under its former name
``rmtsym.export.latex``).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import sympy as sp

from .. import symbols as S
from ..numbers import Certified
from ..typeset import (LINE_WIDTH, _group_lines, _is_negative, _strip_plus, align, certified_latex,
                       collected_terms, display_numbers, equation_latex, equations, latex, number_latex,
                       visible_width)


# ---------------------------------------------------------------------------------------
# the P-equation, the quartic and its special cases
# ---------------------------------------------------------------------------------------

_PPHI, _PPSI = sp.symbols("P_varphi P_psi")


def p_equation_expr() -> Tuple[sp.Expr, Dict]:
    """The right-hand side of the P-equation in the auxiliary symbols P_φ, P_ψ and the
    substitution {P_φ: 1 + (P − 1)φ, P_ψ: 1 + (P − 1)ψ}; the tests check it against
    :func:`rmtsym.pennington_worah.p_equation`."""
    e, zt, t = S.eta, S.zeta, S.t
    rhs = 1 + (e - zt) * t * _PPHI * _PPSI + _PPHI * _PPSI * t * zt / (1 - _PPHI * _PPSI * t * zt)
    return rhs, {_PPHI: 1 + (S.P - 1) * S.phi, _PPSI: 1 + (S.P - 1) * S.psi}


def p_equation_latex(env: str = "align*") -> str:
    r"""The Pennington–Worah P-equation and the G–P relation (PW 2017, Thm. 1; docs/theory.md §1.4)::

        G(z) = (ψ/z) P(1/(zψ)) + (1 − ψ)/z,
        P = 1 + (η − ζ) t P_φ P_ψ + P_φ P_ψ t ζ / (1 − P_φ P_ψ t ζ),
        P_φ = 1 + (P − 1)φ,  P_ψ = 1 + (P − 1)ψ,  t = 1/(zψ).

    Returns the LaTeX of these equations.
    """
    rows = [
        ("G(z)", r"= \frac{\psi}{z}\, P\!\left(\frac{1}{z\psi}\right) + \frac{1 - \psi}{z},"),
        ("P", r"= 1 + (\eta - \zeta)\, t\, P_\varphi P_\psi"
              r" + \frac{\zeta\, t\, P_\varphi P_\psi}{1 - \zeta\, t\, P_\varphi P_\psi},"),
        (r"P_\varphi", r"= 1 + (P - 1)\,\varphi, \qquad P_\psi = 1 + (P - 1)\,\psi, \qquad t = \frac{1}{z\psi}."),
    ]
    return equations(rows, env)


def quartic_latex(derivation, env: str = "align*") -> str:
    r"""The PW quartic (theory of :func:`rmtsym.pennington_worah.quartic`) of a derivation::

        Q = φ²z²ζ(η−ζ)G⁴ − φzζ[ψz + 2(η−ζ)(φ−ψ)]G³
            − [ψz(ηφψ − 2φζ + ψζ) − ζ(η−ζ)(φ−ψ)²]G² + ψ[ψ²z + (ηψ − ζ)(φ−ψ)]G − ψ³.

    With numeric parameters the coefficients are shown as decimals (8 digits).

    Parameters
    ----------
    derivation : rmtsym.pennington_worah.Derivation
        Its ``quartic`` is printed (``derive()`` for the generic quartic).
    """
    return equation_latex(derivation.quartic.value, env=env)


def special_case_latex(derivation, env: str = "align*") -> str:
    r"""The factorisation of the quartic in the special cases (Pennington & Worah 2017).

    ζ = 0: Q = −ψ[…]·(c η z G² − (z − η(1 − c))G + 1) up to a factor free of G — the
    Marchenko–Pastur quadratic with c = φ/ψ, scale η. η = ζ: the product-Wishart cubic
    φζz²G³ + ζz(φψ − 2φ + ψ)G² − (ψ²z + ζ(ψ−1)(φ−ψ))G + ψ² = 0. In the general case the
    text says that the quartic is irreducible (the reduced equation is Q itself).

    Parameters
    ----------
    derivation : rmtsym.pennington_worah.Derivation
        Its ``case``, ``reduced``, ``cofactor`` and (ζ = 0) ``ratio`` are printed.
    """
    case = derivation.case.value
    if case == "general":
        return align(r"\text{general case: } Q(G,z)", [r"\text{irreducible; reduced equation } = Q"],
                     env=env)
    red = derivation.reduced.value
    cof = sp.factor(derivation.cofactor.value)
    name = {"marchenko-pastur": r"\text{Marchenko--Pastur}", "product-wishart": r"\text{product Wishart}"}.get(
        case, r"\text{reduced}")
    red_terms = collected_terms(red.poly.as_expr(), S.G, S.z)
    coft = latex(cof)
    if cof.is_Add:
        coft = f"\\left({coft}\\right)"
    prod = "R(G,z)" if cof == 1 else ("-R(G,z)" if cof == -1 else f"{coft}\\cdot R(G,z)")
    rows = [f"Q(G,z) &= {prod}, \\\\"]
    lines = [f"\\begin{{{env}}}\n" + rows[0] + "\n" + align("R(G,z)", red_terms, rhs="0", env="X")
             .split("\n", 1)[1].rsplit("\n", 1)[0].replace("={}&", "&=") + f"\n\\end{{{env}}}"]
    if case == "marchenko-pastur":
        c = derivation.ratio.value
        eta = derivation.eta
        cval = "" if c.free_symbols else f" = {latex(c)}"
        sval = "" if sp.sympify(eta).free_symbols else f" = {latex(display_numbers(eta))}"
        lines.append(equations([(name, rf": \quad c = \frac{{\varphi}}{{\psi}}{cval},\ "
                                       rf"\text{{scale }} \eta{sval}")], env))
    else:
        lines.append(equations([(name, r": \quad \eta = \zeta")], env))
    return "\n".join(lines)


def discriminant_latex(derivation, env: str = "align*", width: int = LINE_WIDTH) -> str:
    """The edge equation of a derivation (the physical factor of the discriminant in G,
    spurious factors removed; :func:`rmtsym.pennington_worah.edge_equation`) collected in z,
    each coefficient factored and long coefficients broken over several lines; with numeric
    parameters it is printed monic (the roots are what matters)."""
    edge = sp.expand(derivation.edge_equation.value)
    numeric = not (edge.free_symbols - {S.z})
    if numeric:
        poly = sp.Poly(edge, S.z)
        lc = poly.LC()
        edge = sp.expand(edge / lc)  # monic: the roots are what matters
    poly = sp.Poly(edge, S.z)
    terms = []
    for (k,), a in sorted(poly.terms(), key=lambda t: -t[0][0]):
        zp = "" if k == 0 else ("z" if k == 1 else f"z^{{{k}}}")
        if numeric:
            a = display_numbers(a)
            sign = "-" if a < 0 else "+"
            body = latex(abs(a)) if abs(a) != 1 or not zp else ""
            terms.append(f"{sign} {body}\\,{zp}" if body and zp else f"{sign} {body or zp}")
        else:
            # split a long coefficient into its own Add terms, bracketed over lines
            fa = sp.factor(a)
            sub = [("- " if _is_negative(u) else "+ ") + latex(-u if _is_negative(u) else u)
                   for u in sp.Add.make_args(sp.expand(a))]
            neg = _is_negative(fa)
            if neg:
                fa = sp.factor(-a)
            tex = latex(fa)
            sg = "- " if neg else "+ "
            if visible_width(tex) <= width - 8:
                if fa.is_Add:
                    tex = f"\\left({tex}\\right)"
                terms.append(f"{sg}{tex}\\,{zp}" if zp else f"{sg}{tex}")
            else:
                chunk = _group_lines(sub, width - 10)
                terms.append("+ \\bigl[" + _strip_plus(chunk[0]))
                terms.extend(chunk[1:-1] if len(chunk) > 2 else [])
                if len(chunk) > 1:
                    terms.append(chunk[-1] + f"\\bigr]\\,{zp}")
                else:
                    terms[-1] += f"\\bigr]\\,{zp}"
    if numeric:
        terms = _group_lines(terms, width, first_extra=4)
    # symbolic: each coefficient on its own line(s)
    out = [f"E(z) ={{}}& {_strip_plus(terms[0])}"] + [f"&\\quad {t}" for t in terms[1:]]
    out[-1] += " = 0"
    return f"\\begin{{{env}}}\n" + " \\\\\n".join(out) + f"\n\\end{{{env}}}"




# ---------------------------------------------------------------------------------------
# moments
# ---------------------------------------------------------------------------------------

def moment_terms(mk) -> List[str]:
    """Signed terms of m_k collected in the monomials η^a ζ^b, each coefficient (a
    polynomial in φ and 1/ψ) factored: m_2 = (φ + ψ)/ψ · η² + ζ²/ψ."""
    mk = sp.expand(sp.sympify(mk))
    poly = sp.Poly(mk, S.eta, S.zeta)
    terms = []
    for (a, b), c in sorted(poly.terms(), key=lambda t: (-t[0][0], t[0][1])):
        c = sp.factor(c)
        mono = []
        if a:
            mono.append(r"\eta" if a == 1 else f"\\eta^{{{a}}}")
        if b:
            mono.append(r"\zeta" if b == 1 else f"\\zeta^{{{b}}}")
        mtex = " ".join(mono)
        neg = _is_negative(c)
        c = -c if neg else c
        if c == 1:
            body = mtex or "1"
        else:
            ctex = latex(c)
            if c.is_Add:
                ctex = f"\\left({ctex}\\right)"
            body = f"{ctex}\\, {mtex}" if mtex else ctex
        terms.append(("- " if neg else "+ ") + body)
    return terms



def moments_latex(moments: Sequence, env: str = "align*", width: int = LINE_WIDTH) -> str:
    r"""Exact moments m_1 … m_k of the PW law (Pennington & Worah 2017) as handed — e.g.
    ``derivation.moments(k).value``, from :func:`rmtsym.moments.series_moments`,
    m_k = ψ^{1−k} p_k — collected in η^a ζ^b with factored coefficients, e.g.
    m_2 = \frac{φ+ψ}{ψ} η² + \frac{ζ²}{ψ}."""
    rows = []
    for i, mk in enumerate(moments, start=1):
        terms = moment_terms(mk)
        lines = _group_lines(terms, width, first_extra=4)
        row = f"m_{{{i}}} &= {_strip_plus(lines[0])}"
        for line in lines[1:]:
            row += f" \\\\\n&\\quad {line}"
        rows.append(row)
    return f"\\begin{{{env}}}\n" + " \\\\\n".join(rows) + f"\n\\end{{{env}}}"


# ---------------------------------------------------------------------------------------
# applications
# ---------------------------------------------------------------------------------------

def memorization_formula_latex(env: str = "align*") -> str:
    r"""The memorization loss (PW 2017 §5; docs/theory.md §1.7, normalisation checked there)::

        E_train(γ) = (γ²/m) E tr (YᵀY/m + γ)^{-2} = 1 − φ/ψ − (φ/ψ) γ² G′(−γ),
        G′(z) = −∂_z Q / ∂_G Q.

    Returns the LaTeX of these equations in the environment ``env``.
    """
    rows = [
        (r"E_{\mathrm{train}}(\gamma)", r"= \frac{\gamma^{2}}{m}\,\mathbb{E}\operatorname{tr}"
                                        r"\left(\frac{Y^{\top}Y}{m} + \gamma\right)^{-2}"),
        ("", r"= 1 - \frac{\varphi}{\psi} - \frac{\varphi}{\psi}\,\gamma^{2}\, G'(-\gamma),"
             r" \qquad G'(z) = -\frac{\partial_z Q(G,z)}{\partial_G Q(G,z)}"),
    ]
    return equations(rows, env)


def memorization_table_latex(gammas: Sequence, losses: Sequence, simulated: Optional[Sequence] = None,
                             simulated_se: Optional[Sequence] = None, digits: int = 10) -> str:
    """A ``tabular`` of γ and E_train(γ) (and Monte Carlo mean ± se when given)."""
    cols = "|r|l|" + ("l|" if simulated is not None else "")
    head = r"$\gamma$ & $E_{\mathrm{train}}(\gamma)$" + (r" & simulation" if simulated is not None else "")
    lines = [f"\\begin{{tabular}}{{{cols}}}", r"\hline", head + r" \\", r"\hline"]
    for i, (g, v) in enumerate(zip(gammas, losses)):
        val = certified_latex(v, digits, note=False) if isinstance(v, Certified) else number_latex(v, digits)
        gtex = str(g) if isinstance(g, str) else number_latex(g, 6)
        row = f"${gtex}$ & ${val}$"
        if simulated is not None:
            se = "" if simulated_se is None else f" \\pm {number_latex(simulated_se[i], 2)}"
            row += f" & ${number_latex(simulated[i], 5)}{se}$"
        lines.append(row + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    return "\n".join(lines)


def layer_map_latex(env: str = "align*") -> str:
    r"""The layer map of the data Gram K_l = Y_lᵀY_l/n_l (PW 2017 §6; Benigni–Péché 2021;
    docs/theory.md §1.8), with the mean-field recursion of the pre-activation variance::

        law(K_l) = MP_{m/n_l} ⊠ law(ζ_l K_{l−1}/κ_{l−1} + (η_l − ζ_l) I),
        q_1 = σ_w²σ_x², q_{l+1} = σ_w² η_l, η_l = Var f(√q_l Z), ζ_l = (E[Z f(√q_l Z)])².
    """
    rows = [
        (r"\operatorname{law}(K_l)", r"= \mathrm{MP}_{m/n_l} \boxtimes \operatorname{law}\!\left("
                                     r"\frac{\zeta_l}{\kappa_{l-1}} K_{l-1} + (\eta_l - \zeta_l)\, I\right),"
                                     r" \qquad K_l = \frac{Y_l^{\top} Y_l}{n_l},"),
        (r"q_1", r"= \sigma_w^2\sigma_x^2, \qquad q_{l+1} = \sigma_w^2\,\eta_l, \qquad \kappa_0 = \sigma_x^2,"
                 r"\quad \kappa_l = \eta_l,"),
        (r"\eta_l", r"= \operatorname{Var} f(\sqrt{q_l}\, Z), \qquad "
                    r"\zeta_l = \bigl(\mathbb{E}[Z f(\sqrt{q_l}\, Z)]\bigr)^2 ."),
    ]
    return equations(rows, env)


def layer_table_latex(layers, digits: int = 8) -> str:
    """A ``tabular`` of the layer parameters (l, q_l, η_l, ζ_l, c_l = m/n_l) of
    :func:`rmtsym.applications.propagation.build_layers`."""
    lines = [r"\begin{tabular}{|r|l|l|l|l|}", r"\hline",
             r"$l$ & $q_l$ & $\eta_l$ & $\zeta_l$ & $c_l = m/n_l$ \\", r"\hline"]
    for lay in layers:
        mom = lay.moments
        vals = [number_latex(sp.N(v, digits + 5), digits) for v in (mom.q, mom.eta, mom.zeta, lay.c)]
        lines.append(f"{lay.index} & " + " & ".join(f"${v}$" for v in vals) + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    return "\n".join(lines)


__all__ = ["p_equation_expr", "p_equation_latex", "quartic_latex", "special_case_latex", "discriminant_latex",
           "moment_terms", "moments_latex", "memorization_formula_latex", "memorization_table_latex",
           "layer_map_latex", "layer_table_latex"]
