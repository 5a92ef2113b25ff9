#!/usr/bin/env python3
"""The table of η and ζ for the common activations, in LaTeX (Pennington & Worah 2017, §2).

Question. What are η = Var f(σZ) and ζ = (E[Z f(σZ)])² of the usual activations, in closed
form (in σ = σ_w σ_x) where one exists and numerically with certified digits otherwise —
and do they agree with the reference table of docs/theory.md §6?

Method. :func:`rmtsym.gaussian.gaussian_moments` for each activation (closed forms by exact
Gaussian integration; certified adaptive quadrature otherwise), the closed forms printed
with :func:`rmtsym.typeset.latex`, the values at σ = 1 with 10 digits and compared with
the 10-digit reference values of docs/theory.md §6 (an independent 45-digit quadrature).
Writes ``activation_table.tex`` (a complete document; the tests compile it), the bare
``tabular`` in ``table.tex``, and ``note.md``.

Usage::

    python derivations/activation_table.py [--fast] [--out DIR]
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

NAME = "activation_table"

#: (label in LaTeX, specification, reference η(1), ζ(1) from docs/theory.md §6, in the fast run)
ACTIVATIONS = [
    (r"$x$", "x", 1.0, 1.0, True),
    (r"ReLU", "relu", 0.3408450569, 0.25, True),
    (r"leaky ReLU ($a = 0.1$)", "leaky_relu(0.1)", 0.3760844961, 0.3025, False),
    (r"$|x|$", "abs", 0.3633802276, 0.0, True),
    (r"hard-tanh", "hard_tanh", 0.5160585510, 0.4660649427, False),
    (r"$\tanh$", "tanh", 0.3942944904, 0.3668791644, True),
    (r"erf", "erf", 0.4645590544, 0.4244131816, True),
    (r"sigmoid", "sigmoid", 0.0433790359, 0.0426922228, False),
    (r"GELU $x\Phi(x)$", "gelu", 0.3456440110, 0.25, False),
    (r"SiLU", "silu", 0.3130832970, 0.25, False),
    (r"softplus", "softplus", 0.2715145018, 0.25, False),
    (r"ELU ($\alpha = 1$)", "elu", 0.6191785634, 0.5800014946, False),
    (r"$\sin$", "sin", 0.4323323584, 0.3678794412, True),
    (r"$\cos$", "cos", 0.1997882004, 0.0, False),
    (r"$\mathrm{He}_2 = x^2 - 1$", "hermite(2)", 2.0, 0.0, False),
    (r"$\mathrm{He}_3$", "hermite(3)", 6.0, 0.0, False),
    (r"PW $f_1 = -1 + \sqrt{5}e^{-2x^2}$", "-1 + sqrt(5)*exp(-2*x**2)", 2 / 3, 0.0, False),
]


def _cell(expr, cert, latex):
    """Closed form (in σ) when known, else the value with its certified digits."""
    import sympy as sp

    if expr is not None:
        e = sp.sympify(expr)
        if e.is_number:
            return f"${latex(e)}$"
        return f"${latex(e)}$"
    return f"$\\approx {cert.decimal(min(10, cert.digits))}$ (numeric, {cert.digits} digits)"


def main(argv=None):
    args = _common.parse(NAME, "table of eta and zeta for the common activations (LaTeX)", argv)
    from rmtsym.gaussian import gaussian_moments
    from rmtsym.export.pdflatex import document
    from rmtsym.typeset import latex
    from rmtsym import symbols as S

    chosen = [a for a in ACTIVATIONS if a[4]] if args.fast else ACTIVATIONS
    lines = [r"\begin{tabular}{|l|l|l|l|l|}", r"\hline",
             r"$f$ & $\eta(\sigma)$ & $\zeta(\sigma)$ & $\eta(1)$ & $\zeta(1)$ \\", r"\hline"]
    rows, results, worst = [], {"activations": {}}, 0.0
    for label, spec, eta_ref, zeta_ref, _fast in chosen:
        gm = gaussian_moments(spec, dps=30)
        # closed forms in σ: the same computation with a symbolic scale σ_w = σ (σ_x = 1)
        sym = gaussian_moments(spec, sigma_w=S.sigma, dps=30) if (gm.eta_expr is not None or
                                                                   gm.zeta_expr is not None) else gm
        eta1, zeta1 = float(gm.eta.value), float(gm.zeta.value)
        d = max(abs(eta1 - eta_ref), abs(zeta1 - zeta_ref))
        worst = max(worst, d)
        eta_cell = _cell(sym.eta_expr, gm.eta, latex)
        zeta_cell = _cell(sym.zeta_expr, gm.zeta, latex)
        lines.append(f"{label} & {eta_cell} & {zeta_cell} & ${gm.eta.decimal(min(10, gm.eta.digits))}$ & "
                     f"${gm.zeta.decimal(min(10, gm.zeta.digits))}$ \\\\")
        results["activations"][spec] = {"eta": eta1, "zeta": zeta1, "eta_method": gm.eta_method,
                                        "zeta_method": gm.zeta_method, "eta_ref": eta_ref, "zeta_ref": zeta_ref,
                                        "eta_expr": None if sym.eta_expr is None else str(sym.eta_expr),
                                        "zeta_expr": None if sym.zeta_expr is None else str(sym.zeta_expr)}
        rows.append([spec, gm.eta_method, gm.zeta_method, f"{eta1:.10f}", f"{zeta1:.10f}", f"{d:.1e}"])
    lines += [r"\hline", r"\end{tabular}"]
    table = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "table.tex"), "w", encoding="utf-8") as fh:
        fh.write(table)
    doc = document(r"\begin{center}\small" + "\n" + table + r"\end{center}" + "\n"
                     r"\noindent $\sigma = \sigma_w\sigma_x$, $\eta = \operatorname{Var} f(\sigma Z)$, "
                     r"$\zeta = (\mathbb{E}[Z f(\sigma Z)])^2$, $Z\sim\mathcal{N}(0,1)$; "
                     r"$\Phi$ is the standard normal CDF. Closed forms by exact Gaussian integration "
                     r"(rmtsym.gaussian); numeric entries by certified quadrature.",
                     title=r"Gaussian moments $\eta$, $\zeta$ of common activations")
    doc = doc.replace(r"\documentclass[11pt]{article}", r"\documentclass[11pt]{article}" + "\n"
                      r"\usepackage[a4paper,landscape,margin=1.5cm]{geometry}").replace(
        r"\usepackage[a4paper,margin=2.5cm]{geometry}" + "\n", "")
    with open(os.path.join(args.out, "activation_table.tex"), "w", encoding="utf-8") as fh:
        fh.write(doc)
    results["max_abs_diff_to_reference"] = worst
    note = ["# η and ζ of common activations", "",
            "η = Var f(σZ), ζ = (E[Z f(σZ)])² (Pennington & Worah 2017; docs/theory.md §1.2), computed by "
            "`rmtsym.gaussian.gaussian_moments`: closed forms in σ = σw·σx where found, certified quadrature "
            "otherwise. The LaTeX table is `activation_table.tex` (complete document, compiled in the tests) "
            "and `table.tex` (the bare tabular).", ""]
    note += _common.md_table(["activation", "η method", "ζ method", "η(1)", "ζ(1)",
                              "max abs diff. to docs/theory.md §6"], rows)
    note += ["", f"Largest difference to the 10-digit reference values of docs/theory.md §6: {worst:.1e} "
             "(the reference is rounded to 10 digits, so anything below 1e-10 is agreement)."]
    return _common.write_outputs(args, NAME, note, results)


if __name__ == "__main__":
    main()
