r"""LaTeX of every object rmtsym derives, in forms that can be pasted into a paper.

The Pennington–Worah theory (Pennington & Worah, "Nonlinear random matrix theory for deep
learning", NeurIPS 2017; conventions of ``shared/reference/theory.md``) produces a small
number of formulas: the Gaussian moments η, ζ of the activation, the P-equation, the quartic
Q(G, z) = 0 for the Stieltjes transform and its special cases (Marchenko–Pastur for ζ = 0,
the product-Wishart cubic for η = ζ), the discriminant / edge equation, the exact moments
m_k, the memorization loss and the layer map. This module writes each of them

* collected in the main variable (G, or z, or the monomials η^a ζ^b) with *factored*
  coefficients — never a raw ``sympy.latex`` of an expanded expression;
* in the shared symbols of :mod:`rmtsym.symbols` (η, ζ, φ, ψ, σ_w, σ_x);
* as the body of an ``align*`` environment (amsmath only), broken into lines of bounded
  visible width so that nothing overflows an A4 page with 2.5 cm margins.

Every ``*_latex`` function returns the LaTeX of one displayed equation block (an
``align*`` environment; pass ``env="aligned"`` for a block to put inside ``$$ … $$``, as
Jupyter and GitHub Markdown expect). :func:`document` wraps snippets into a complete
``article`` using only amsmath, amssymb, graphicx and geometry (Debian's
texlive-latex-base + texlive-latex-recommended), and :func:`compile_pdf` runs pdflatex.

Numbers that are not exact are printed with their certified digits and marked
"numeric, N digits".
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

import sympy as sp

from .. import symbols as S
from ..errors import RmtsymError
from ..numbers import Certified
from ..typeset import (DISPLAY_DIGITS, LINE_WIDTH, SYMBOL_NAMES, _group_lines, _is_negative,  # noqa: F401
                       _strip_plus, align, certified_latex, collected_terms, display_numbers,
                       equation_latex, equation_repr_latex, equations, gaussian_moments_latex,
                       gaussian_moments_repr_latex, gaussian_moments_rows, latex, law_repr_latex,
                       number_latex, visible_width)


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
    r"""The Pennington–Worah P-equation and the G–P relation (PW 2017, Thm. 1; theory.md §1.4)::

        G(z) = (ψ/z) P(1/(zψ)) + (1 − ψ)/z,
        P = 1 + (η − ζ) t P_φ P_ψ + P_φ P_ψ t ζ / (1 − P_φ P_ψ t ζ),
        P_φ = 1 + (P − 1)φ,  P_ψ = 1 + (P − 1)ψ,  t = 1/(zψ).
    """
    rows = [
        ("G(z)", r"= \frac{\psi}{z}\, P\!\left(\frac{1}{z\psi}\right) + \frac{1 - \psi}{z},"),
        ("P", r"= 1 + (\eta - \zeta)\, t\, P_\varphi P_\psi"
              r" + \frac{\zeta\, t\, P_\varphi P_\psi}{1 - \zeta\, t\, P_\varphi P_\psi},"),
        (r"P_\varphi", r"= 1 + (P - 1)\,\varphi, \qquad P_\psi = 1 + (P - 1)\,\psi, \qquad t = \frac{1}{z\psi}."),
    ]
    return equations(rows, env)


def _params(*values):
    """Numeric strings ("0.394", "1/2") become exact Rationals; anything else is kept."""
    out = []
    for v in values:
        if isinstance(v, str):
            try:
                v = sp.Rational(v.strip())
            except (TypeError, ValueError):
                raise RmtsymError(f"not a number: {v!r}")
        out.append(v)
    return out


def quartic_latex(eta=S.eta, zeta=S.zeta, phi=S.phi, psi=S.psi, env: str = "align*") -> str:
    r"""The PW quartic (theory.md §1.4), derived by :func:`rmtsym.pennington_worah.quartic`::

        Q = φ²z²ζ(η−ζ)G⁴ − φzζ[ψz + 2(η−ζ)(φ−ψ)]G³
            − [ψz(ηφψ − 2φζ + ψζ) − ζ(η−ζ)(φ−ψ)²]G² + ψ[ψ²z + (ηψ − ζ)(φ−ψ)]G − ψ³.

    With numeric parameters the coefficients are shown as decimals (8 digits).
    """
    from .. import pennington_worah as pw
    eta, zeta, phi, psi = _params(eta, zeta, phi, psi)
    return equation_latex(pw.quartic(eta, zeta, phi, psi), env=env)


def special_case_latex(eta=S.eta, zeta=S.zeta, phi=S.phi, psi=S.psi, env: str = "align*") -> str:
    r"""The factorisation of the quartic in the special cases (theory.md §1.5).

    ζ = 0: Q = −ψ[…]·(c η z G² − (z − η(1 − c))G + 1) up to a factor free of G — the
    Marchenko–Pastur quadratic with c = φ/ψ, scale η. η = ζ: the product-Wishart cubic
    φζz²G³ + ζz(φψ − 2φ + ψ)G² − (ψ²z + ζ(ψ−1)(φ−ψ))G + ψ² = 0. In the general case the
    text says that the quartic is irreducible (the reduced equation is Q itself).
    """
    from .. import pennington_worah as pw
    eta, zeta, phi, psi = _params(eta, zeta, phi, psi)
    q = pw.quartic(eta, zeta, phi, psi)
    red = pw.reduced_equation(eta, zeta, phi, psi)
    case = pw.classify(eta, zeta, phi, psi)
    qexpr = sp.expand(q.poly.as_expr())
    if case == "general":
        return align(r"\text{general case: } Q(G,z)", [r"\text{irreducible; reduced equation } = Q"],
                     env=env)
    cofactor = sp.cancel(qexpr / red.poly.as_expr())
    cof = sp.factor(cofactor)
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
        c = sp.simplify(sp.sympify(phi) / sp.sympify(psi))
        cval = "" if c.free_symbols else f" = {latex(c)}"
        sval = "" if sp.sympify(eta).free_symbols else f" = {latex(display_numbers(eta))}"
        lines.append(equations([(name, rf": \quad c = \frac{{\varphi}}{{\psi}}{cval},\ "
                                       rf"\text{{scale }} \eta{sval}")], env))
    else:
        lines.append(equations([(name, r": \quad \eta = \zeta")], env))
    return "\n".join(lines)


def discriminant_latex(eta=S.eta, zeta=S.zeta, phi=S.phi, psi=S.psi, env: str = "align*",
                       width: int = LINE_WIDTH) -> str:
    """The edge equation (the physical factor of the discriminant in G, spurious factors
    removed; :func:`rmtsym.pennington_worah.edge_equation`) collected in z, each
    coefficient factored and long coefficients broken over several lines."""
    from .. import pennington_worah as pw
    eta, zeta, phi, psi = _params(eta, zeta, phi, psi)
    edge = sp.expand(pw.edge_equation(eta, zeta, phi, psi))
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


def moments_latex(k: int = 4, moments: Optional[Sequence] = None, env: str = "align*",
                  width: int = LINE_WIDTH) -> str:
    r"""Exact moments m_1 … m_k of the PW law (Pennington & Worah 2017; theory.md §1.6)
    from :func:`rmtsym.moments.series_moments`, m_k = ψ^{1−k} p_k, collected in η^a ζ^b
    with factored coefficients, e.g. m_2 = \frac{φ+ψ}{ψ} η² + \frac{ζ²}{ψ}."""
    if moments is None:
        from ..moments import series_moments
        moments = series_moments(k)
    rows = []
    for i, mk in enumerate(moments, start=1):
        terms = moment_terms(mk)
        lines = _group_lines(terms, width, first_extra=4)
        row = f"m_{{{i}}} &= {_strip_plus(lines[0])}"
        for line in lines[1:]:
            row += f" \\\\\n&\\quad {line}"
        rows.append(row)
    return f"\\begin{{{env}}}\n" + " \\\\\n".join(rows) + f"\n\\end{{{env}}}"


def moment_table_latex(k: int = 4, method: str = "series") -> str:
    """The integer coefficient table of m_1 … m_k (the moments module's own writer,
    :func:`rmtsym.moments.table_to_latex`)."""
    from ..moments import coefficient_table, table_to_latex
    return table_to_latex(coefficient_table(k, method))


# ---------------------------------------------------------------------------------------
# applications
# ---------------------------------------------------------------------------------------

def memorization_formula_latex(env: str = "align*") -> str:
    r"""The memorization loss (PW 2017 §5; theory.md §1.7, normalisation checked there)::

        E_train(γ) = (γ²/m) E tr (YᵀY/m + γ)^{-2} = 1 − φ/ψ − (φ/ψ) γ² G′(−γ),
        G′(z) = −∂_z Q / ∂_G Q.
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
    theory.md §1.8), with the mean-field recursion of the pre-activation variance::

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


# ---------------------------------------------------------------------------------------
# documents
# ---------------------------------------------------------------------------------------

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2.5cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\setlength{\emergencystretch}{3em}
"""


def document(body: str, title: Optional[str] = None) -> str:
    """A complete ``article`` (amsmath, amssymb, graphicx, geometry only) around ``body``.

    No font-encoding package: the default OT1 fonts need no font generation (T1 would
    make pdflatex run METAFONT without cm-super); the body must therefore be ASCII."""
    head = PREAMBLE
    if title:
        head += f"\\title{{{title}}}\n\\date{{}}\n"
    start = "\\begin{document}\n" + ("\\maketitle\n" if title else "")
    return head + start + body + "\n\\end{document}\n"


def pdflatex_path() -> Optional[str]:
    """The pdflatex executable, or None."""
    return shutil.which("pdflatex")


def compile_pdf(tex: str, workdir: Optional[str] = None, name: str = "document",
                runs: int = 1, timeout: float = 120) -> Tuple[str, str]:
    """Compile a LaTeX document with ``pdflatex -interaction=nonstopmode -halt-on-error``.

    Returns (pdf path, log text). Raises :class:`RmtsymError` when pdflatex is missing or
    the compilation fails (with the first error line of the log).
    """
    exe = pdflatex_path()
    if exe is None:
        raise RmtsymError("pdflatex is not installed (Debian: texlive-latex-base)")
    workdir = workdir or tempfile.mkdtemp(prefix="rmtsym-tex-")
    path = os.path.join(workdir, f"{name}.tex")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(tex)
    for _ in range(runs):
        proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                              cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout)
    log_path = os.path.join(workdir, f"{name}.log")
    log = open(log_path, encoding="latin-1").read() if os.path.exists(log_path) else proc.stdout.decode("latin-1")
    pdf = os.path.join(workdir, f"{name}.pdf")
    if proc.returncode != 0 or not os.path.exists(pdf):
        err = next((ln for ln in log.splitlines() if ln.startswith("!")), "unknown error")
        raise RmtsymError(f"pdflatex failed on {path}: {err}")
    return pdf, log


def overfull_boxes(log: str) -> List[float]:
    """The widths (pt) of all "Overfull \\hbox (Xpt too wide)" messages of a log."""
    return [float(v) for v in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)", log)]


__all__ = ["latex", "align", "equations", "visible_width", "number_latex", "certified_latex",
           "display_numbers", "collected_terms", "gaussian_moments_latex", "gaussian_moments_rows",
           "p_equation_expr", "p_equation_latex", "equation_latex", "quartic_latex",
           "special_case_latex", "discriminant_latex", "moment_terms", "moments_latex",
           "moment_table_latex", "memorization_formula_latex", "memorization_table_latex",
           "layer_map_latex", "layer_table_latex", "equation_repr_latex", "law_repr_latex",
           "gaussian_moments_repr_latex", "document", "compile_pdf", "pdflatex_path",
           "overfull_boxes", "SYMBOL_NAMES", "LINE_WIDTH"]
