"""``rmtsym moment-polys``: the exact moments m_1..m_K as polynomials (issue 5).

Argument parsing and output only; the mathematics is in :mod:`rmtsym.moments`.
"""
from __future__ import annotations

from ..errors import RmtsymError
from . import add_json_flag

#: where ``rmtsym --help`` lists this command (see :mod:`rmtsym.cli`)
SECTION = "single layer"
ORDER = 20


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "moment-polys",
        help="exact moments m1..mK of the Pennington-Worah law as polynomials in eta, zeta, phi, psi",
        description=("Exact limiting moments m_k = lim E (1/n1) tr (YY^T/m)^k as integer polynomials "
                     "in eta, zeta, phi and 1/psi, by one of three independent routes: the series of "
                     "the P-equation (series), non-crossing partitions of MP (x) T#MP (free), or the "
                     "Wick expansion of the Gaussian-equivalent linear model (wick, which also gives "
                     "the exact finite-size moments in n0, n1, m)."))
    p.add_argument("--order", "-k", type=int, required=True, help="highest moment order K (>= 1)")
    p.add_argument("--method", choices=["series", "free", "wick"], default="series",
                   help="route (default: series)")
    p.add_argument("--latex", action="store_true",
                   help="also print the integer coefficient table as a LaTeX tabular")
    add_json_flag(p)
    p.set_defaults(handler=handle)


def handle(args) -> dict:
    import sympy as sp

    from ..moments import MAX_ORDER, coefficient_table, table_to_latex
    from ..moments import free_moments, series_moments, wick_finite_size, wick_moments

    k, method = args.order, args.method
    if k < 1:
        raise RmtsymError(f"--order must be at least 1, got {k}")
    if k > MAX_ORDER[method]:
        raise RmtsymError(f"--order {k} is too large for --method {method} "
                          f"(at most {MAX_ORDER[method]})")
    routes = {"series": series_moments, "free": free_moments, "wick": wick_moments}
    moments = routes[method](k)
    payload = {"method": method, "order": k,
               "symbols": ["eta", "zeta", "phi", "psi"],
               "moments": [sp.sstr(sp.expand(mk)) for mk in moments]}
    if method == "wick":
        payload["finite_size"] = [sp.sstr(sp.expand(e)) for e in wick_finite_size(k)]
        payload["finite_size_symbols"] = ["eta", "zeta", "n0", "n1", "m"]
    text = [f"m{j} = {s}" for j, s in enumerate(payload["moments"], start=1)]
    if method == "wick":
        text += [f"E (1/n1) tr M^{j} (finite size) = {s}"
                 for j, s in enumerate(payload["finite_size"], start=1)]
    if args.latex:
        payload["latex"] = table_to_latex(coefficient_table(k, method))
        text.append(payload["latex"].rstrip("\n"))
    payload["_text"] = "\n".join(text)
    if getattr(args, "json", False):
        payload.pop("_text")
    return payload
