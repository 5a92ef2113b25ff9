r"""Typesetting: SymPy objects and numbers as LaTeX, without deriving anything.

Pure formatting shared by every stage of the pipeline: the ``_repr_latex_`` of
:class:`rmtsym.algebraic.SpectralEquation`, :class:`rmtsym.gaussian.GaussianMoments` and
:class:`rmtsym.law.PenningtonWorahLaw` (Jupyter) and the renderers of :mod:`rmtsym.export`
use it. It knows how to write, never what to write: it receives expressions, equations
and numbers already computed and only chooses their printed form —

* the shared symbols of :mod:`rmtsym.symbols` with their LaTeX names (η, ζ, φ as
  ``\varphi``, ψ, σ_w, σ_x);
* a polynomial collected in its main variable (G, or z) with *factored* coefficients,
  never a raw ``sympy.latex`` of an expanded expression;
* the body of an ``align*`` environment (amsmath only), broken into lines of bounded
  visible width so that nothing overflows an A4 page with 2.5 cm margins (pass
  ``env="aligned"`` for a block to put inside ``$$ … $$``, as Jupyter and GitHub Markdown
  expect);
* numbers that are not exact with their certified digits, marked "numeric, N digits".

It imports only :mod:`rmtsym.symbols` and :mod:`rmtsym.numbers`, so that any module may
use it without an import circle.
"""
from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

import mpmath
import sympy as sp

from . import symbols as S
from .numbers import Certified, decimal_string

#: LaTeX names of the shared symbols (PW write φ, ψ, η, ζ; σ_w, σ_x are the weight/data scales)
SYMBOL_NAMES = {
    S.phi: r"\varphi", S.psi: r"\psi", S.eta: r"\eta", S.zeta: r"\zeta",
    S.sigma_w: r"\sigma_w", S.sigma_x: r"\sigma_x", S.sigma: r"\sigma",
    S.gamma: r"\gamma", S.G: "G", S.z: "z", S.P: "P", S.t: "t", S.c: "c", S.x: "x",
}

#: the visible width (characters of rendered math, roughly) of one displayed line; an A4
#: page with 2.5 cm margins holds about 60 characters of 11 pt display math (measured:
#: 62 overflowed by 40 pt) — 50 leaves room for the left-hand side and the indent.
LINE_WIDTH = 50

#: numeric coefficients with more digits than this are shown as decimals
DISPLAY_DIGITS = 8


def latex(expr, **settings) -> str:
    """``sympy.latex`` with rmtsym's symbol names (φ as ``\\varphi``, σ_w, σ_x, …)."""
    names = dict(SYMBOL_NAMES)
    names.update(settings.pop("symbol_names", {}))
    return sp.latex(sp.sympify(expr), symbol_names=names, **settings)


# ---------------------------------------------------------------------------------------
# widths and line breaking
# ---------------------------------------------------------------------------------------

_CMD = re.compile(r"\\(left|right|bigl|bigr|Bigl|Bigr|,|;|quad|qquad|!|mathrm|operatorname|text)\b")


def visible_width(tex: str) -> int:
    """A rough count of the characters a LaTeX math string shows.

    Sizing commands and spaces count 0, a command such as ``\\eta`` counts 1, braces and
    script markers count 0, and a fraction counts the longer of numerator and denominator.
    Used only to decide where to break lines.
    """
    s = tex
    # fractions: keep the longer part (approximately)
    for _ in range(8):
        m = re.search(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", s)
        if not m:
            break
        a, b = m.group(1), m.group(2)
        s = s[: m.start()] + (a if len(a) >= len(b) else b) + s[m.end():]
    s = _CMD.sub("", s)
    s = re.sub(r"\\[A-Za-z]+", "X", s)
    s = re.sub(r"[{}^_&\s]", "", s)
    return len(s)


def _group_lines(terms: Sequence[str], width: int, first_extra: int = 0) -> List[str]:
    """Greedily pack signed terms (each starting with '+' or '-') into lines."""
    lines: List[str] = []
    cur = ""
    for term in terms:
        limit = width - (first_extra if not lines else 0)
        if cur and visible_width(cur + term) > limit:
            lines.append(cur)
            cur = term
        else:
            cur = cur + " " + term if cur else term
    if cur:
        lines.append(cur)
    return lines


def _strip_plus(s: str) -> str:
    s = s.strip()
    return s[1:].lstrip() if s.startswith("+") else s


def align(lhs: str, terms: Sequence[str], rhs: Optional[str] = None, env: str = "align*",
          width: int = LINE_WIDTH, rel: str = "=") -> str:
    """Display ``lhs rel term1 term2 … [= rhs]`` broken into lines of bounded width.

    Parameters
    ----------
    lhs : str
        Left-hand side (LaTeX).
    terms : sequence of str
        Signed terms, each beginning with ``+`` or ``-`` (the first may omit it).
    rhs : str, optional
        A final ``= rhs`` (e.g. ``"0"``) on the last line.
    env : {"align*", "aligned"}
        ``aligned`` for use inside ``$$ … $$`` (Jupyter, GitHub Markdown).
    """
    terms = [t if t.strip()[:1] in "+-" else "+ " + t for t in terms if t.strip()]
    if not terms:
        terms = ["0"]
    lines = _group_lines(terms, width, first_extra=visible_width(lhs))
    out = [f"{lhs} {rel}{{}}& {_strip_plus(lines[0])}"]
    for line in lines[1:]:
        out.append(f"&\\quad {line}")
    if rhs is not None:
        out[-1] += f" {rel} {rhs}"
    body = " \\\\\n".join(out)
    return f"\\begin{{{env}}}\n{body}\n\\end{{{env}}}"


def equations(rows: Sequence[Tuple[str, str]], env: str = "align*") -> str:
    """Several ``lhs & = rhs`` rows aligned on the relation (rows are (lhs, "= rhs"))."""
    body = " \\\\\n".join(f"{lhs} &{rhs}" for lhs, rhs in rows)
    return f"\\begin{{{env}}}\n{body}\n\\end{{{env}}}"


# ---------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------

def number_latex(value, digits: int = 12) -> str:
    """A real number with ``digits`` significant digits, exponent as ``\\times 10^{k}``."""
    s = decimal_string(value, digits)
    if "e" in s:
        mant, ex = s.split("e")
        return f"{mant} \\times 10^{{{int(ex)}}}"
    return s


def certified_latex(value: Certified, digits: Optional[int] = None, note: bool = True) -> str:
    """A :class:`~rmtsym.numbers.Certified` number: exact closed form when known, else its
    decimal digits followed by ``\\text{(numeric, N digits)}``."""
    d = min(digits or value.digits, value.digits) if value.digits else (digits or 15)
    num = number_latex(mpmath.re(value.value), max(1, d))
    if value.exact is not None or not note:
        return num
    return f"{num}\\ \\text{{(numeric, {value.digits} digits)}}"


def _display_number(c, digits: int = DISPLAY_DIGITS):
    """Exact small rationals stay exact; long rationals and irrational constants → Float."""
    c = sp.nsimplify(c) if isinstance(c, float) else sp.sympify(c)
    if c.is_Rational:
        if abs(c.p) < 10**5 and c.q < 10**4:
            return c
        return sp.Float(sp.N(c, digits + 2), digits)
    if c.is_number:
        return sp.Float(sp.N(c, digits + 2), digits)
    return c


def display_numbers(expr, digits: int = DISPLAY_DIGITS):
    """Replace long numeric coefficients of a polynomial-like expression by decimals."""
    expr = sp.sympify(expr)
    if expr.is_number:
        return _display_number(expr, digits)
    free = sorted(expr.free_symbols, key=str)
    poly = sp.Poly(sp.expand(expr), *free)
    return sp.Add(*[_display_number(c, digits) * sp.Mul(*[v**e for v, e in zip(free, mon)])
                    for mon, c in poly.terms()])


# ---------------------------------------------------------------------------------------
# collected polynomials with factored coefficients
# ---------------------------------------------------------------------------------------

def _is_negative(expr) -> bool:
    """True when the expression reads with a leading minus sign."""
    expr = sp.sympify(expr)
    if expr.is_number:
        return bool(sp.re(sp.N(expr)) < 0)
    return bool(expr.could_extract_minus_sign())


def _factor_coefficient(c, numeric: bool):
    c = sp.sympify(c)
    if numeric:
        return display_numbers(c)
    return sp.factor(c)


def _inner_latex(coeff, var, numeric: bool) -> Tuple[int, str, str]:
    """Split a coefficient a(var) into sign · content · var^j · [inner polynomial].

    Returns (sign, content·var^j LaTeX, inner LaTeX or "") with sign = ±1.
    """
    coeff = sp.expand(coeff)
    p = sp.Poly(coeff, var)
    monoms = [m[0] for m in p.monoms()]
    j = min(monoms)
    cs = p.coeffs()
    if numeric:
        content = sp.Integer(1)
    else:
        content = sp.factor(sp.gcd_list(cs)) if len(cs) > 1 else sp.factor(cs[0])
        if content == 0:
            content = sp.Integer(1)
    inner_terms = [(sp.cancel(c / content), m - j) for c, m in zip(cs, monoms)]
    sign = 1
    if len(inner_terms) == 1:
        single = inner_terms[0][0] * content
        if _is_negative(single):
            sign, single = -1, -single
        head = _factor_coefficient(single, numeric)
        head_tex = _product_latex(head, var, j)
        return sign, head_tex, ""
    if _is_negative(inner_terms[0][0]):
        sign = -sign
        inner_terms = [(-a, k) for a, k in inner_terms]
    if _is_negative(content):
        sign, content = -sign, -content
    pieces = []
    for a, k in inner_terms:
        a = _factor_coefficient(a, numeric)
        t = _product_latex(a, var, k)
        neg = _is_negative(a)
        if neg:
            t = _product_latex(_factor_coefficient(-a, numeric), var, k)
        pieces.append(("- " if neg else "+ ") + t)
    inner = _strip_plus(" ".join(pieces))
    head_tex = _product_latex(content, var, j, allow_one=False)
    return sign, head_tex, inner


def _product_latex(coeff, var, power: int, allow_one: bool = True) -> str:
    """LaTeX of coeff·var^power, with the coefficient printed first (no ``1 \\cdot``)."""
    coeff = sp.sympify(coeff)
    vpart = "" if power == 0 else (latex(var) if power == 1 else f"{latex(var)}^{{{power}}}")
    if coeff == 1:
        return vpart if vpart or not allow_one else "1"
    ctex = latex(coeff)
    if coeff.is_Add:
        ctex = f"\\left({ctex}\\right)"
    if not vpart:
        return ctex
    return f"{ctex} {vpart}" if not ctex[-1].isdigit() or True else f"{ctex} {vpart}"


def collected_terms(expr, var, inner_var, numeric: Optional[bool] = None) -> List[str]:
    """Signed LaTeX terms of Σ_k a_k(inner_var) var^k, highest k first.

    Each a_k is written as ±(content)·inner_var^j·[b_0 + b_1 inner_var + …] with the
    content (gcd of the coefficients) and every b_i factored — the "collected in G with
    factored coefficients" form of the quartic. With ``numeric=True`` (default when the
    expression has no free parameters) the coefficients are printed as decimals with
    :data:`DISPLAY_DIGITS` digits unless they are short rationals.
    """
    expr = sp.expand(sp.sympify(expr))
    if numeric is None:
        numeric = not (expr.free_symbols - {var, inner_var})
    poly = sp.Poly(expr, var)
    terms = []
    for (k,), a in sorted(poly.terms(), key=lambda t: -t[0][0]):
        if a == 0:
            continue
        vpart = "" if k == 0 else (latex(var) if k == 1 else f"{latex(var)}^{{{k}}}")
        if a.has(inner_var) or not a.is_number:
            sign, head, inner = _inner_latex(a, inner_var, numeric)
        else:
            sign = -1 if a < 0 else 1
            head, inner = latex(_factor_coefficient(abs(a), numeric)), ""
        if inner:
            body = f"{head}\\bigl[{inner}\\bigr]" if head else f"\\bigl[{inner}\\bigr]"
            body = f"{body}\\,{vpart}" if vpart else body
        else:
            if head in ("", "1"):
                body = vpart or "1"
            else:
                body = f"{head}\\,{vpart}" if vpart else head
        terms.append(("- " if sign < 0 else "+ ") + body)
    return terms


# ---------------------------------------------------------------------------------------
# η and ζ
# ---------------------------------------------------------------------------------------

def gaussian_moments_rows(gm, digits: int = 15) -> List[Tuple[str, str]]:
    """Rows (lhs, "= …") for μ0, η, ζ of a :class:`rmtsym.gaussian.GaussianMoments`."""
    rows = []
    for sym, expr, cert, label in ((r"\mu_0 = \mathbb{E} f(\sigma Z)", gm.mean_expr, gm.mean, "mean"),
                                   (r"\eta = \operatorname{Var} f(\sigma Z)", gm.eta_expr, gm.eta, "eta"),
                                   (r"\zeta = \bigl(\mathbb{E}[Z f(\sigma Z)]\bigr)^2", gm.zeta_expr, gm.zeta, "zeta")):
        rhs = ""
        continuation = []
        if expr is not None:
            e = sp.sympify(expr)
            rhs = "= " + latex(sp.factor(e) if not e.is_number else e)
            if visible_width(rhs) > LINE_WIDTH + 10 and not e.is_number:
                # too wide for the page (GELU's η): the expanded sum, broken into lines
                terms = [latex(sp.factor(term)) for term in sp.Add.make_args(sp.expand(e))]
                terms = [t if t.startswith("-") else "+ " + t for t in terms]
                lines = _group_lines(terms, LINE_WIDTH, first_extra=visible_width(sym))
                rhs = "= " + _strip_plus(lines[0])
                continuation = [("", r"\quad " + line) for line in lines[1:]]
        if cert is not None:
            value = certified_latex(cert, digits, note=expr is None)
            if expr is not None and sp.sympify(expr).is_number and sp.sympify(expr).is_Rational:
                pass  # exact rational: the closed form is the value
            else:
                rel = "=" if expr is None and False else ("\\approx" if expr is not None else "\\approx")
                rhs = f"{rhs} {rel} {value}" if rhs else f"\\approx {value}"
        if not rhs:
            rhs = r"\ \text{(no closed form; symbolic parameters)}"
        if continuation and cert is not None:
            # the value goes on its own line after the broken closed form
            head, _, value_part = rhs.rpartition(" \\approx ")
            rhs = head
            continuation.append(("", "\\approx " + value_part))
        rows.append((sym, rhs))
        rows.extend(continuation)
    return rows


def gaussian_moments_latex(gm, digits: int = 15, env: str = "align*") -> str:
    r"""η and ζ of an activation (Pennington & Worah 2017, §2; docs/theory.md §1.2–1.3).

    η = Var f(σZ), ζ = (E[Z f(σZ)])² with σ = σ_w σ_x (Stein's form of (σ E f′(σZ))²):
    the closed form in σ when :mod:`rmtsym.gaussian` found one, followed by its value;
    otherwise the value with ``(numeric, N digits)``.
    """
    return equations(gaussian_moments_rows(gm, digits), env)



def equation_latex(equation, lhs: Optional[str] = None, env: str = "align*",
                   width: int = LINE_WIDTH) -> str:
    """Q(G, z) = 0 of a :class:`rmtsym.algebraic.SpectralEquation`, collected in G with
    factored coefficients (each a polynomial in z, its content pulled out)."""
    expr = equation.poly.as_expr() if hasattr(equation, "poly") else sp.sympify(equation)
    terms = collected_terms(expr, S.G, S.z)
    return align(lhs or "Q(G,z)", terms, rhs="0", env=env, width=width)


# ---------------------------------------------------------------------------------------
# _repr_latex_ helpers for classes in other modules
# ---------------------------------------------------------------------------------------

def equation_repr_latex(equation) -> str:
    """For ``SpectralEquation._repr_latex_``: ``$$\\begin{aligned} … \\end{aligned}$$``."""
    return "$$" + equation_latex(equation, env="aligned") + "$$"


def law_repr_latex(law) -> str:
    """For ``PenningtonWorahLaw._repr_latex_``: the quartic collected in G plus parameters."""
    body = equation_latex(law.equation, env="aligned")
    params = ""
    if all(hasattr(law, a) for a in ("eta", "zeta", "phi", "psi")):
        params = (rf"\\ \eta = {latex(display_numbers(law.eta))},\ \zeta = {latex(display_numbers(law.zeta))},"
                  rf"\ \varphi = {latex(law.phi)},\ \psi = {latex(law.psi)}")
    return f"$${body}{params}$$"


def gaussian_moments_repr_latex(gm) -> str:
    """For ``GaussianMoments._repr_latex_``."""
    return "$$" + gaussian_moments_latex(gm, env="aligned") + "$$"


__all__ = ["SYMBOL_NAMES", "LINE_WIDTH", "DISPLAY_DIGITS", "latex", "visible_width", "align", "equations",
           "number_latex", "certified_latex", "display_numbers", "collected_terms", "equation_latex",
           "gaussian_moments_rows", "gaussian_moments_latex", "equation_repr_latex", "law_repr_latex",
           "gaussian_moments_repr_latex"]
