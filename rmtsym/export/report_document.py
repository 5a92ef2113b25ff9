r"""The report document of one activation, rendered from a :class:`ReportData`.

The document follows the Pennington–Worah derivation (J. Pennington and P. Worah, "Nonlinear
random matrix theory for deep learning", NeurIPS 2017) for one activation f and one pair of
ratios φ = n0/m, ψ = n0/n1:

1. setup and conventions (scalings, φ, ψ, the Stieltjes convention);
2. η = Var f(σZ) and ζ = (E[Z f(σZ)])², with how they were obtained (closed form, or
   certified quadrature with its digits);
3. the P-equation and the quartic Q(G, z) = 0, generic and at the parameters;
4. the special case (Marchenko–Pastur for ζ = 0, product Wishart for η = ζ), if any;
5. support (edge equation and its roots) and atoms;
6. the first moments: exact polynomials, their values, and the moments of the computed
   density as an independent check;
7. when simulated: the density against a simulation of the actual matrix (Kolmogorov
   distance stated);
8. the memorization loss E_train(γ) (PW §5): a table of values, the exact limits, and when
   simulated a figure with simulated points.

Everything shown is computed before and handed over in a :class:`ReportData` (by
:func:`rmtsym.documents.report.build_report`, which obtains the law, its
:class:`~rmtsym.pennington_worah.Derivation`, the memorization losses and the simulation);
:func:`render_tex` and :func:`render_markdown` only write it, as a LaTeX document that
compiles with pdflatex unchanged (amsmath, amssymb, graphicx, geometry) or as GitHub Markdown
(math in ``$…$`` and ``$$…$$``).
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import sympy as sp

from ..numbers import Certified, decimal_string
from ..typeset import equation_latex, gaussian_moments_latex, latex, number_latex
from . import equations as E
from .pdflatex import ascii_tex, document


@dataclass
class ReportData:
    """Everything a report shows, computed once before it is written
    (:func:`rmtsym.documents.report.build_report`)."""

    activation: object
    phi: sp.Expr
    psi: sp.Expr
    sigma_w: sp.Expr
    sigma_x: sp.Expr
    dps: int
    gm: object
    law: object
    case: str
    intervals: list
    atoms: list
    edge_equation: sp.Expr
    moments_exact: List[sp.Expr]
    moment_values: List[Certified]
    moment_density: List[float]
    gammas: List[str]
    losses: List[Certified]
    limits: Dict[str, sp.Expr]
    figures: Dict[str, str] = field(default_factory=dict)
    simulation: Dict[str, object] = field(default_factory=dict)
    memorization_simulation: Dict[str, object] = field(default_factory=dict)
    #: the Pennington–Worah derivation at the law's parameters (rmtsym.pennington_worah.Derivation)
    derivation: object = None

    @property
    def name(self) -> str:
        return str(getattr(self.activation, "source", None) or getattr(self.activation, "name", "f"))

    @property
    def parameter_digits(self) -> Optional[int]:
        """Digits of η, ζ when one of them is numeric (None when both are exact)."""
        ds = [c.digits for c, e in ((self.gm.eta, self.gm.eta_expr), (self.gm.zeta, self.gm.zeta_expr))
              if e is None and c is not None]
        return min(ds) if ds else None

    def summary(self) -> dict:
        d = min(self.dps, 15)
        return {
            "activation": self.name,
            "phi": str(self.phi), "psi": str(self.psi),
            "sigma_w": str(self.sigma_w), "sigma_x": str(self.sigma_x),
            "eta": self.gm.eta.decimal(min(d, self.gm.eta.digits)),
            "zeta": self.gm.zeta.decimal(min(d, self.gm.zeta.digits)),
            "eta_method": self.gm.eta_method, "zeta_method": self.gm.zeta_method,
            "case": self.case,
            "support": [[decimal_string(a, 12), decimal_string(b, 12)] for a, b in self.intervals],
            "atoms": [[decimal_string(x0, 12), decimal_string(w, 12)] for x0, w in self.atoms],
            "moments": [v.decimal(min(d, v.digits)) for v in self.moment_values],
            "gamma": list(self.gammas),
            "train_loss": [v.decimal(min(d, v.digits)) for v in self.losses],
            "kolmogorov_distance": self.simulation.get("ks"),
        }



# ---------------------------------------------------------------------------------------
# shared text pieces
# ---------------------------------------------------------------------------------------

_CASES = {"marchenko-pastur": "Marchenko–Pastur (ζ = 0)", "product-wishart": "product of two Wisharts (η = ζ)",
          "general": "general (irreducible quartic)"}


def _method_sentence(gm, which: str) -> str:
    expr = getattr(gm, f"{which}_expr")
    cert = getattr(gm, which)
    if expr is not None:
        return f"closed form (exact Gaussian integration in rmtsym.gaussian), evaluated to {cert.digits} digits"
    return (f"certified adaptive quadrature (no closed form found), numeric, {cert.digits} digits"
            + (f" [{cert.note}]" if cert.note else ""))


def _interval_tex(a, b, digits=10) -> str:
    return f"[{number_latex(a, digits)},\\ {number_latex(b, digits)}]"


def _support_rows(data: ReportData) -> List[str]:
    rows = []
    for a, b in data.intervals:
        rows.append(_interval_tex(a, b))
    return rows


def _atoms_text(data: ReportData, math_wrap) -> str:
    if not data.atoms:
        return "The law has no atom (" + math_wrap(r"n_1 \le m") + ", i.e. " + math_wrap(r"\psi \ge \varphi") + ")."
    parts = [math_wrap(f"\\delta_{{{number_latex(x0, 6)}}}") + " with mass " + math_wrap(number_latex(w, 12))
             for x0, w in data.atoms]
    if data.case == "product-wishart":
        return ("Atoms: " + ", ".join(parts) + ", the mass " + math_wrap(r"\max(0, 1 - \psi/\varphi, 1 - \psi)")
                + " at 0 of a linear $f$, whose features have rank at most " + math_wrap(r"\min(n_0, m)")
                + " (docs/theory.md §1.4).")
    return ("Atoms: " + ", ".join(parts) + ", the mass " + math_wrap(r"\max(0, 1 - \psi/\varphi)")
            + " = " + math_wrap(r"\max(0, 1 - m/n_1)") + " at 0 of a nonlinear $f$ (docs/theory.md §1.4).")


def _edge_block(data: ReportData, env: str) -> Optional[str]:
    if data.edge_equation is None:
        return None
    try:
        return E.discriminant_latex(data.derivation, env=env)
    except Exception:
        return None


def _param_values_tex(data: ReportData) -> str:
    return (f"\\varphi = {latex(data.phi)},\\ \\psi = {latex(data.psi)},\\ "
            f"\\sigma_w = {latex(data.sigma_w)},\\ \\sigma_x = {latex(data.sigma_x)}")


def _moment_value_rows(data: ReportData):
    rows = []
    for k, (v, dnum) in enumerate(zip(data.moment_values, data.moment_density), start=1):
        d = min(v.digits, 15)
        rows.append((k, number_latex(v.value, d), number_latex(dnum, 10),
                     f"{abs(float(v.value) - dnum) / abs(float(v.value)):.1e}"))
    return rows


# ---------------------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------------------

def _tex_escape(text: str) -> str:
    rep = {"\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$",
           "{": r"\{", "}": r"\}", "^": r"\^{}", "~": r"\~{}",
           "|": r"$|$", "<": r"$<$", ">": r"$>$"}
    return "".join(rep.get(ch, ch) for ch in str(text))


def _tex_text(text: str) -> str:
    """Plain-text sentence for LaTeX: Greek letters → math, dashes kept."""
    greek = {"η": r"$\eta$", "ζ": r"$\zeta$", "φ": r"$\varphi$", "ψ": r"$\psi$", "σ": r"$\sigma$",
             "γ": r"$\gamma$", "≤": r"$\le$", "≥": r"$\ge$", "→": r"$\to$", "–": "--", "—": "---",
             "·": r"$\cdot$", "§": r"\S{}", "√": r"$\surd$", "×": r"$\times$", "ᵀ": r"$^\top$"}
    out = _tex_escape(text).replace("--", "-{}-")  # command-line options, not an en dash
    for k, v in greek.items():
        out = out.replace(k, v)
    return out


def render_tex(data: ReportData, command: Optional[str] = None) -> str:
    """The report as a complete LaTeX document (compiles with pdflatex unchanged)."""
    M = lambda s: f"${s}$"  # noqa: E731
    act_tex = data.activation.latex()
    b = []
    b.append(r"\section*{Setup and conventions}")
    b.append("Pennington \\& Worah, \\emph{Nonlinear random matrix theory for deep learning}, NeurIPS 2017. "
             "We study the spectrum of " + M(r"M = \frac{1}{m} Y Y^{\top} \in \mathbb{R}^{n_1\times n_1}")
             + ", " + M(r"Y = f(WX)") + " with " + M(r"W \in \mathbb{R}^{n_1\times n_0}") + ", "
             + M(r"W_{ij} \sim \mathcal{N}(0, \sigma_w^2/n_0)") + ", "
             + M(r"X \in \mathbb{R}^{n_0\times m}") + ", " + M(r"X_{i\mu} \sim \mathcal{N}(0, \sigma_x^2)")
             + ", $f$ applied entrywise and centred at " + M(r"\sigma = \sigma_w\sigma_x")
             + ", in the limit " + M(r"n_0, n_1, m \to \infty") + " with " + M(r"\varphi = n_0/m")
             + " and " + M(r"\psi = n_0/n_1") + " fixed. The Stieltjes transform is "
             + M(r"G(z) = \int \frac{\rho(t)\,dt}{z - t} \sim \frac{1}{z}")
             + " and the density " + M(r"\rho(x) = -\frac{1}{\pi}\operatorname{Im} G(x + i0^{+})") + ".")
    b.append(r"\begin{align*}" + f"f(x) = {act_tex}, \\qquad {_param_values_tex(data)}." + r"\end{align*}")

    b.append(r"\section*{Gaussian moments $\eta$ and $\zeta$}")
    b.append("With " + M(r"Z\sim\mathcal{N}(0,1)") + ": " + M(r"\eta = \operatorname{Var} f(\sigma Z)")
             + " (the centred $f$) and " + M(r"\zeta = (\sigma\,\mathbb{E} f'(\sigma Z))^2 = (\mathbb{E}[Z f(\sigma Z)])^2")
             + " (Stein's form, valid for kinks).")
    b.append(gaussian_moments_latex(data.gm, digits=min(data.dps, 15)))
    b.append(r"\begin{itemize}")
    b.append(r"\item $\eta$: " + _tex_text(_method_sentence(data.gm, "eta")) + ".")
    b.append(r"\item $\zeta$: " + _tex_text(_method_sentence(data.gm, "zeta")) + ".")
    b.append(r"\end{itemize}")
    if data.parameter_digits is not None:
        b.append(f"All numbers below inherit at most {data.parameter_digits} significant digits from "
                 r"$\eta$ and $\zeta$.")

    b.append(r"\section*{The spectral equation}")
    b.append("Pennington--Worah's theorem: " + M("G") + " is given through the generating function "
             + M("P") + " of the moments,")
    b.append(E.p_equation_latex())
    b.append("Substituting " + M(r"P = (zG - 1 + \psi)/\psi") + " and " + M(r"t = 1/(z\psi)")
             + " and clearing denominators gives the quartic (derived symbolically by "
             r"\texttt{rmtsym.pennington\_worah.quartic}):")
    b.append(E.quartic_latex(data.derivation.generic))
    b.append("At the parameters of this report (coefficients to 8 digits):")
    b.append(equation_latex(data.law.equation))

    b.append(r"\section*{Special case}")
    b.append("Classification by factoring the quartic: \\textbf{" + _tex_text(_CASES.get(data.case, data.case)) + "}.")
    if data.case != "general":
        b.append(E.special_case_latex(data.derivation))
        if data.case == "marchenko-pastur":
            b.append("So " + M("M") + " has the Marchenko--Pastur law with ratio "
                     + M(r"c = \varphi/\psi = n_1/m") + " and scale " + M(r"\eta")
                     + ": the activation behaves spectrally like an i.i.d.\\ matrix of variance "
                     + M(r"\eta") + " (docs/theory.md \\S1.5).")
    else:
        b.append("Neither " + M(r"\zeta = 0") + " (Marchenko--Pastur) nor " + M(r"\eta = \zeta")
                 + " (product of Wisharts) holds; the quartic is irreducible and is the equation of the law.")

    b.append(r"\section*{Support and atoms}")
    eb = _edge_block(data, "align*")
    if eb:
        b.append("The support edges are real roots of the edge equation (the discriminant in " + M("G")
                 + " of the reduced equation, spurious factors removed), here normalised to be monic:")
        b.append(eb)
    sup = ", ".join(M(r) for r in _support_rows(data)) or "empty"
    b.append("Support of the continuous part: " + sup + ". " + _atoms_text(data, M))

    b.append(r"\section*{Moments}")
    b.append("Exact moments " + M(r"m_k = \lim \frac{1}{n_1}\mathbb{E}\operatorname{tr} M^k")
             + " from the series of the P-equation (" + M(r"m_k = \psi^{1-k} p_k") + "):")
    b.append(E.moments_latex(data.moments_exact))
    b.append("Values at the parameters, and the moments " + M(r"\int x^k\,d\mu") + " of the computed density "
             "(Gauss--Legendre quadrature of " + M(r"\rho") + " plus atoms) as an independent check:")
    b.append(r"\begin{center}\begin{tabular}{|r|l|l|l|}\hline")
    b.append(r"$k$ & $m_k$ (exact polynomial) & $\int x^k d\mu$ (density) & rel.\ difference \\ \hline")
    for k, v, dn, rel in _moment_value_rows(data):
        b.append(f"{k} & ${v}$ & ${dn}$ & ${rel}$ \\\\")
    b.append(r"\hline\end{tabular}\end{center}")

    if "density" in data.figures:
        sim = data.simulation
        b.append(r"\section*{Density against simulation}")
        b.append(f"Eigenvalues of {sim['seeds']} sampled matrices at " + M(f"n_0 = {sim['n0']}, n_1 = {sim['n1']}, m = {sim['m']}")
                 + " (rmtsym.sampler, exact Gaussian centring) against the Pennington--Worah density. "
                 "Kolmogorov distance " + M(f"D = {sim['ks']:.4f}") + " (finite-size scale "
                 + M(r"1/\sqrt{n_1} \approx " + f"{sim['ks_scale']:.3f}") + ").")
        b.append(r"\begin{center}\includegraphics[width=0.85\textwidth]{"
                 + os.path.basename(data.figures["density"]) + r"}\end{center}")

    b.append(r"\section*{Memorization}")
    b.append("Random-feature ridge regression on random " + M(r"\mathcal{N}(0,1)")
             + " targets (PW \\S5; normalisation of docs/theory.md \\S1.7): the training loss is")
    b.append(E.memorization_formula_latex())
    sim = data.memorization_simulation
    b.append(r"\begin{center}")
    b.append(E.memorization_table_latex(data.gammas, data.losses,
                                        sim.get("mean") if sim else None, sim.get("se") if sim else None,
                                        digits=min(10, data.dps)))
    b.append(r"\end{center}")
    lim0 = data.limits["gamma_to_0"]
    b.append("Limits: " + M(r"E_{\mathrm{train}} \to " + latex(lim0)) + " as " + M(r"\gamma \to 0")
             + " (" + M(r"1 - \operatorname{rank}(Y)/m") + ") and " + M(r"E_{\mathrm{train}} \to 1")
             + " as " + M(r"\gamma\to\infty") + ". The loss depends on $f$ only through "
             + M(r"(\eta,\zeta)") + " and decreases as " + M(r"\eta/\zeta") + " grows (PW).")
    if "memorization" in data.figures:
        b.append(r"\begin{center}\includegraphics[width=0.75\textwidth]{"
                 + os.path.basename(data.figures["memorization"]) + r"}\end{center}")

    b.append(r"\section*{Provenance}")
    b.append(r"\begin{flushleft}" + _tex_text(f"Generated by rmtsym on {datetime.date.today().isoformat()}"
                                              + (f" with: {command}" if command else "") + ".")
             + r"\end{flushleft}")
    title = "Pennington--Worah spectrum for $f(x) = " + act_tex + "$"
    body = "\n\n".join(b)
    return document(ascii_tex(body), title=title)


# ---------------------------------------------------------------------------------------
# Markdown (GitHub)
# ---------------------------------------------------------------------------------------

def _md_block(tex: str) -> str:
    """A display block for GitHub: ``align*`` → ``aligned`` inside ``$$`` on their own lines."""
    tex = tex.replace(r"\begin{align*}", r"\begin{aligned}").replace(r"\end{align*}", r"\end{aligned}")
    return "$$\n" + tex.strip() + "\n$$"


def render_markdown(data: ReportData, command: Optional[str] = None) -> str:
    """The report as GitHub Markdown: inline math in ``$…$``, displays in ``$$…$$`` with
    ``aligned`` (no other environment), tables in Markdown syntax."""
    M = lambda s: f"${s}$"  # noqa: E731
    act_tex = data.activation.latex()
    o = [f"# Pennington–Worah spectrum for $f(x) = {act_tex}$", ""]
    o.append("## Setup and conventions")
    o.append("Pennington & Worah, *Nonlinear random matrix theory for deep learning*, NeurIPS 2017. "
             "Spectrum of " + M(r"M = \frac{1}{m} Y Y^{\top}") + " (" + M(r"n_1\times n_1") + "), "
             + M("Y = f(WX)") + ", " + M(r"W_{ij} \sim \mathcal{N}(0, \sigma_w^2/n_0)") + ", "
             + M(r"X_{i\mu} \sim \mathcal{N}(0, \sigma_x^2)") + ", f centred at "
             + M(r"\sigma = \sigma_w\sigma_x") + "; " + M(r"\varphi = n_0/m") + ", " + M(r"\psi = n_0/n_1")
             + ". Stieltjes transform " + M(r"G(z) = \int \rho(t)\,dt/(z - t) \sim 1/z")
             + ", density " + M(r"\rho(x) = -\operatorname{Im} G(x + i0^{+})/\pi") + ".")
    o.append("")
    o.append(M(f"f(x) = {act_tex}") + ", " + M(_param_values_tex(data)) + ".")
    o.append("")
    o.append("## Gaussian moments η and ζ")
    o.append(M(r"\eta = \operatorname{Var} f(\sigma Z)") + ", " + M(r"\zeta = (\mathbb{E}[Z f(\sigma Z)])^2")
             + " (Stein's form of " + M(r"(\sigma\,\mathbb{E} f'(\sigma Z))^2") + ").")
    o.append("")
    o.append(_md_block(gaussian_moments_latex(data.gm, digits=min(data.dps, 15))))
    o.append("")
    o.append(f"- η: {_method_sentence(data.gm, 'eta')}.")
    o.append(f"- ζ: {_method_sentence(data.gm, 'zeta')}.")
    if data.parameter_digits is not None:
        o.append(f"- All numbers below inherit at most {data.parameter_digits} significant digits from η and ζ.")
    o.append("")
    o.append("## The spectral equation")
    o.append(_md_block(E.p_equation_latex()))
    o.append("")
    o.append("With " + M(r"P = (zG - 1 + \psi)/\psi") + ", " + M(r"t = 1/(z\psi)") + " (derived by "
             "`rmtsym.pennington_worah.quartic`):")
    o.append("")
    o.append(_md_block(E.quartic_latex(data.derivation.generic)))
    o.append("")
    o.append("At the parameters of this report (coefficients to 8 digits):")
    o.append("")
    o.append(_md_block(equation_latex(data.law.equation)))
    o.append("")
    o.append("## Special case")
    o.append(f"Classification by factoring the quartic: **{_CASES.get(data.case, data.case)}**.")
    if data.case != "general":
        o.append("")
        for blk in E.special_case_latex(data.derivation).split(r"\end{align*}"):
            if blk.strip():
                o.append(_md_block(blk + r"\end{align*}"))
                o.append("")
    o.append("")
    o.append("## Support and atoms")
    eb = _edge_block(data, "align*")
    if eb:
        o.append("Edges are real roots of the edge equation (discriminant in " + M("G")
                 + " of the reduced equation, spurious factors removed, monic):")
        o.append("")
        o.append(_md_block(eb))
        o.append("")
    sup = ", ".join(M(r) for r in _support_rows(data)) or "empty"
    o.append("Support of the continuous part: " + sup + ". " + _atoms_text(data, M))
    o.append("")
    o.append("## Moments")
    o.append("Exact moments " + M(r"m_k = \lim \frac{1}{n_1}\mathbb{E}\operatorname{tr} M^k")
             + " (series of the P-equation):")
    o.append("")
    o.append(_md_block(E.moments_latex(data.moments_exact)))
    o.append("")
    o.append("| k | m_k (exact polynomial) | moment of the computed density | rel. difference |")
    o.append("|---|---|---|---|")
    for k, v, dn, rel in _moment_value_rows(data):
        o.append(f"| {k} | {M(v)} | {M(dn)} | {rel} |")
    o.append("")
    if "density" in data.figures:
        sim = data.simulation
        o.append("## Density against simulation")
        o.append(f"{sim['seeds']} sampled matrices at n0 = {sim['n0']}, n1 = {sim['n1']}, m = {sim['m']}; "
                 f"Kolmogorov distance D = {sim['ks']:.4f} (finite-size scale 1/√n1 ≈ {sim['ks_scale']:.3f}).")
        o.append("")
        o.append(f"![density]({os.path.basename(data.figures['density'])})")
        o.append("")
    o.append("## Memorization")
    o.append("Ridge regression of random targets on the features (PW §5; docs/theory.md §1.7):")
    o.append("")
    o.append(_md_block(E.memorization_formula_latex()))
    o.append("")
    sim = data.memorization_simulation
    o.append("| γ | E_train(γ) |" + (" simulation (mean ± se) |" if sim else ""))
    o.append("|---|---|" + ("---|" if sim else ""))
    for i, (g, v) in enumerate(zip(data.gammas, data.losses)):
        row = f"| {g} | {v.decimal(min(10, v.digits))} |"
        if sim:
            row += f" {sim['mean'][i]:.5f} ± {sim['se'][i]:.1e} |"
        o.append(row)
    o.append("")
    o.append("Limits: " + M(r"E_{\mathrm{train}} \to " + latex(data.limits["gamma_to_0"])) + " as "
             + M(r"\gamma\to 0") + ", " + M(r"E_{\mathrm{train}} \to 1") + " as " + M(r"\gamma\to\infty")
             + "; the loss decreases as η/ζ grows (PW).")
    if "memorization" in data.figures:
        o.append("")
        o.append(f"![memorization]({os.path.basename(data.figures['memorization'])})")
    o.append("")
    o.append("## Provenance")
    o.append(f"Generated by rmtsym on {datetime.date.today().isoformat()}"
             + (f" with `{command}`" if command else "") + ".")
    return "\n".join(o) + "\n"


__all__ = ["ReportData", "render_tex", "render_markdown"]
