r"""LaTeX of the Pennington–Worah formulas at given parameters (η, ζ, φ, ψ).

Pennington & Worah, "Nonlinear random matrix theory for deep learning", NeurIPS 2017. Each
function here obtains the one :class:`~rmtsym.pennington_worah.Derivation` at its parameters
(:func:`rmtsym.pennington_worah.derive`, shared and computed once per point) or the moment
polynomials (:mod:`rmtsym.moments`), and hands them to the renderers of
:mod:`rmtsym.export.equations`; the parameters default to the shared symbols, which gives
the generic formulas (``quartic_latex()``). Numeric strings ("0.394", "1/2") are read as
exact rationals.

Every typesetting and document helper is importable from here too (from
:mod:`rmtsym.typeset`, :mod:`rmtsym.export.equations` and :mod:`rmtsym.export.pdflatex`), so
that this module keeps the whole namespace of its former name ``rmtsym.export.latex``, which
is an alias of it.
"""
from __future__ import annotations

import sympy as sp

from .. import symbols as S
from ..errors import RmtsymError
from ..export import equations as _E
from ..export.equations import (layer_map_latex, layer_table_latex, memorization_formula_latex,  # noqa: F401
                                memorization_table_latex, moment_terms, p_equation_expr, p_equation_latex)
from ..export.pdflatex import PREAMBLE, compile_pdf, document, overfull_boxes, pdflatex_path  # noqa: F401
from ..pennington_worah import derive
from ..typeset import (DISPLAY_DIGITS, LINE_WIDTH, SYMBOL_NAMES, align, certified_latex,  # noqa: F401
                       collected_terms, display_numbers, equation_latex, equation_repr_latex, equations,
                       gaussian_moments_latex, gaussian_moments_repr_latex, gaussian_moments_rows, latex,
                       law_repr_latex, number_latex, visible_width)


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
    r"""The PW quartic at the parameters (:func:`rmtsym.export.equations.quartic_latex` of
    ``derive(eta, zeta, phi, psi)``)::

        Q = φ²z²ζ(η−ζ)G⁴ − φzζ[ψz + 2(η−ζ)(φ−ψ)]G³
            − [ψz(ηφψ − 2φζ + ψζ) − ζ(η−ζ)(φ−ψ)²]G² + ψ[ψ²z + (ηψ − ζ)(φ−ψ)]G − ψ³.

    With numeric parameters the coefficients are shown as decimals (8 digits).
    """
    return _E.quartic_latex(derive(*_params(eta, zeta, phi, psi)), env=env)


def special_case_latex(eta=S.eta, zeta=S.zeta, phi=S.phi, psi=S.psi, env: str = "align*") -> str:
    """The factorisation of the quartic in the special cases at the parameters (ζ = 0:
    Marchenko–Pastur; η = ζ: product Wishart; else "irreducible");
    :func:`rmtsym.export.equations.special_case_latex` of ``derive(eta, zeta, phi, psi)``."""
    return _E.special_case_latex(derive(*_params(eta, zeta, phi, psi)), env=env)


def discriminant_latex(eta=S.eta, zeta=S.zeta, phi=S.phi, psi=S.psi, env: str = "align*",
                       width: int = LINE_WIDTH) -> str:
    """The edge equation at the parameters, collected in z
    (:func:`rmtsym.export.equations.discriminant_latex` of ``derive(eta, zeta, phi, psi)``)."""
    return _E.discriminant_latex(derive(*_params(eta, zeta, phi, psi)), env=env, width=width)


def moments_latex(k: int = 4, moments=None, env: str = "align*", width: int = LINE_WIDTH) -> str:
    r"""Exact moments m_1 … m_k of the PW law, collected in η^a ζ^b with factored
    coefficients (m_2 = \frac{φ+ψ}{ψ} η² + \frac{ζ²}{ψ}); the polynomials are the generic
    derivation's (:func:`rmtsym.moments.series_moments`, m_k = ψ^{1−k} p_k) unless handed."""
    if moments is None:
        moments = derive().moments(k).value
    return _E.moments_latex(moments, env=env, width=width)


def moment_table_latex(k: int = 4, method: str = "series") -> str:
    """The integer coefficient table of m_1 … m_k (the moments module's own writer,
    :func:`rmtsym.moments.table_to_latex`)."""
    from ..moments import coefficient_table, table_to_latex

    return table_to_latex(coefficient_table(k, method))


__all__ = ["latex", "align", "equations", "visible_width", "number_latex", "certified_latex",
           "display_numbers", "collected_terms", "gaussian_moments_latex", "gaussian_moments_rows",
           "p_equation_expr", "p_equation_latex", "equation_latex", "quartic_latex",
           "special_case_latex", "discriminant_latex", "moment_terms", "moments_latex",
           "moment_table_latex", "memorization_formula_latex", "memorization_table_latex",
           "layer_map_latex", "layer_table_latex", "equation_repr_latex", "law_repr_latex",
           "gaussian_moments_repr_latex", "document", "compile_pdf", "pdflatex_path",
           "overfull_boxes", "SYMBOL_NAMES", "LINE_WIDTH"]
