"""The integer coefficients of the exact moments, as a table (rows, CSV, LaTeX).

Every limiting moment is a polynomial

    m_k = Σ coeff · η^a ζ^b φ^c ψ^(−d),       a + b = k,  b ≠ 1,

with integer coefficients (Pennington & Worah 2017; docs/theory.md §1.6). The table lists
one row per monomial, with the counting interpretation where one is justified:

* b = 0 (the ζ = 0 / Marchenko–Pastur part): the coefficient of η^k (φ/ψ)^c is the
  Narayana number N(k, c+1) = C(k, c) C(k, c+1)/k, the number of non-crossing
  partitions of [k] with k − c blocks (MP_{φ/ψ} has free cumulants (φ/ψ)^{n−1};
  Nica & Speicher 2006, Prop. 12.11 and Lecture 9).
* m_2, ζ²/ψ = ζ² n1/n0: the single 4-cycle (i1 μ1 i2 μ2) of the walk with i1 ≠ i2,
  μ1 ≠ μ2 (docs/theory.md §1.6). In the wick route it is the one pairing of the all-A
  word in which the W's pair by equal rows and the X's by equal columns, forcing the
  four inner indices a to coincide: n1² m² n0 · n0^{−2} / (n1 m²) = n1/n0.
* every term: writing u = P − 1, the P-equation is
  u = ηA + Σ_{j≥2} ζ^j A^j with A = t(1 + φu)(1 + ψu)
  (because (η−ζ)A + ζA/(1−ζA) = ηA + ζ²A² + ζ³A³ + …). Expanding this
  Lagrange-type equation, ψ^{k−1} m_k = p_k counts rooted plane *cacti*: trees of
  cycles, where a cycle of half-length j ≥ 1 has j slots, each slot carries one power
  of t and two attachment points, one of φ-kind and one of ψ-kind, each either empty
  or holding a further cactus. A half-length-1 cycle (a doubled edge) weighs η, a
  half-length-j cycle (j ≥ 2, a genuine 2j-cycle of the row/column walk) weighs ζ^j.
  So the coefficient of η^a ζ^b φ^c ψ^(−d) in m_k is the number of such cacti with k
  slots, a doubled edges, genuine cycles of total half-length b, c occupied φ-points
  and k − 1 − d occupied ψ-points. This reading is exactly the series expansion of the
  equation (it is not an independent derivation); it explains a + b = k and b ≠ 1.
"""
from __future__ import annotations

import csv
import io
from math import comb
from typing import Dict, List, Optional

from ..errors import ParameterError

_METHODS = ("series", "free", "wick")


def route_coefficients(k: int, method: str = "series") -> List[Dict]:
    """Coefficient dicts {(a, b, c, d): int} of m_1..m_k from one route."""
    if method == "series":
        from .series import series_coefficients
        return series_coefficients(k)
    if method == "free":
        from .free import free_coefficients
        return free_coefficients(k)
    if method == "wick":
        from .wick import wick_coefficients
        return wick_coefficients(k)
    raise ParameterError(f"the moment method must be one of {', '.join(_METHODS)}, got {method!r}")


def narayana(n: int, j: int) -> int:
    """Narayana number N(n, j) = C(n, j) C(n, j−1)/n: NC partitions of [n] with j blocks."""
    return comb(n, j) * comb(n, j - 1) // n


def _interpretation(k: int, a: int, b: int, c: int, d: int, coeff: int) -> str:
    if b == 0:
        j = k - c
        ok = "" if coeff == narayana(k, j) and d == c else " (MISMATCH)"
        return f"Narayana N({k},{j}): NC partitions of [{k}] with {j} blocks (MP, zeta=0){ok}"
    if (k, a, b, c, d) == (2, 0, 2, 0, 1):
        return "single 4-cycle (i1 mu1 i2 mu2), zeta^2 n1/n0"
    return (f"plane cacti: {a} doubled edge(s), genuine cycles of total half-length {b}, "
            f"{c} phi-point(s), {k - 1 - d} psi-point(s)")


def coefficient_table(k: int, method: str = "series") -> List[Dict]:
    """Rows (one per monomial) of the integer coefficients of m_1..m_k.

    m_j = Σ coefficient · η^a ζ^b φ^c ψ^(−d) (Pennington & Worah 2017, docs/theory.md §1.6).

    Parameters
    ----------
    k : int
        Highest order (bounded by the chosen route's maximum).
    method : {"series", "free", "wick"}
        The route that computes the coefficients; all three agree (tested).

    Returns
    -------
    list of dict
        Keys ``k``, ``a`` (power of η), ``b`` (ζ), ``c`` (φ), ``d`` (1/ψ),
        ``coefficient`` (int) and ``interpretation`` (str), sorted by order, then by
        decreasing power of η, then by c and d.
    """
    rows = []
    for j, coeffs in enumerate(route_coefficients(k, method), start=1):
        for (a, b, c, d), v in sorted(coeffs.items(), key=lambda kv: (-kv[0][0], kv[0][2], kv[0][3])):
            rows.append({"k": j, "a": a, "b": b, "c": c, "d": d, "coefficient": int(v),
                         "interpretation": _interpretation(j, a, b, c, d, int(v))})
    return rows


_FIELDS = ["k", "a", "b", "c", "d", "coefficient", "interpretation"]


def table_to_csv(rows: List[Dict], path: Optional[str] = None) -> str:
    """Write the rows as CSV (header ``k,a,b,c,d,coefficient,interpretation``).

    Returns the CSV text; also writes it to ``path`` when given.
    """
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({f: row[f] for f in _FIELDS})
    text = buf.getvalue()
    if path is not None:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    return text


def _monomial_latex(letter: str, power: int) -> str:
    if power == 0:
        return ""
    return letter if power == 1 else f"{letter}^{{{power}}}"


def table_to_latex(rows: List[Dict], path: Optional[str] = None) -> str:
    """A plain LaTeX ``tabular`` (no booktabs; compiles with texlive-latex-base).

    Columns: k, the monomial η^a ζ^b φ^c ψ^(−d), the integer coefficient. Orders are
    separated by ``\\hline``. Returns the text; also writes it to ``path`` when given.
    """
    lines = [r"\begin{tabular}{|r|l|r|}", r"\hline",
             r"$k$ & monomial in $m_k$ & coefficient \\", r"\hline"]
    last = None
    for row in rows:
        if last is not None and row["k"] != last:
            lines.append(r"\hline")
        last = row["k"]
        parts = [_monomial_latex(r"\eta", row["a"]), _monomial_latex(r"\zeta", row["b"]),
                 _monomial_latex(r"\phi", row["c"])]
        mono = " ".join(p for p in parts if p) or "1"
        if row["d"]:
            mono = mono + " / " + _monomial_latex(r"\psi", row["d"])
        lines.append(rf"{row['k']} & ${mono}$ & {row['coefficient']} \\")
    lines += [r"\hline", r"\end{tabular}"]
    text = "\n".join(lines) + "\n"
    if path is not None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    return text


def latex_document(rows: List[Dict]) -> str:
    """A minimal compilable ``article`` wrapping :func:`table_to_latex` (longtable-free)."""
    return ("\\documentclass{article}\n\\begin{document}\n"
            + table_to_latex(rows) + "\\end{document}\n")


__all__ = ["coefficient_table", "route_coefficients", "table_to_csv", "table_to_latex",
           "latex_document", "narayana"]
