"""Exact moments of the Pennington–Worah law, by three independent routes.

m_k = lim E (1/n1) tr (YYᵀ/m)^k, Y = f(WX) (Pennington & Worah, NeurIPS 2017), as
integer polynomials in η, ζ, φ and 1/ψ:

* :func:`series_moments` — series of the P-equation, solved order by order
  (:mod:`rmtsym.moments.series`);
* :func:`free_moments` — MP_{φ/ψ} ⊠ T#MP_{1/ψ} by enumeration of non-crossing
  partitions and the Kreweras complement (:mod:`rmtsym.moments.free`);
* :func:`wick_moments` — leading order of the exact finite-size Wick (genus) expansion
  of the Gaussian-equivalent linear model; :func:`wick_finite_size` gives the exact
  finite-size moments (:mod:`rmtsym.moments.wick`);
* :func:`coefficient_table` — the integer coefficients as rows, CSV or LaTeX
  (:mod:`rmtsym.moments.table`).

The three routes share no code beyond argument checks; their agreement is the test.
"""
from .free import MAX_FREE_ORDER, free_coefficients, free_moments
from .series import MAX_SERIES_ORDER, series_coefficients, series_moments
from .table import coefficient_table, latex_document, table_to_csv, table_to_latex
from .wick import (MAX_WICK_ORDER, finite_size_moment, wick_coefficients, wick_correction,
                   wick_finite_size, wick_finite_size_table, wick_moments)

#: the largest order each route accepts
MAX_ORDER = {"series": MAX_SERIES_ORDER, "free": MAX_FREE_ORDER, "wick": MAX_WICK_ORDER}

__all__ = ["series_moments", "free_moments", "wick_moments", "wick_finite_size",
           "wick_correction", "finite_size_moment", "coefficient_table", "table_to_csv",
           "table_to_latex", "latex_document", "series_coefficients", "free_coefficients",
           "wick_coefficients", "wick_finite_size_table", "MAX_ORDER"]
