"""``rmtsym spectrum | pdf | cdf``: the Pennington–Worah law of M = YYᵀ/m.

Either an activation ACT (η, ζ from its Gaussian moments at σ = σw·σx) or
``--eta E --zeta Z`` directly, with the ratios ``--phi`` (n0/m) and ``--psi`` (n0/n1).
Argument parsing and output only; the mathematics lives in :mod:`rmtsym.law` and
:mod:`rmtsym.solver` (Pennington & Worah, NeurIPS 2017).
"""
from __future__ import annotations

from . import add_json_flag, add_precision_flag, add_sigma_flags, parse_number_list
from ._activation import activation_from_args, add_params_flag
from ._format import rows, short
from ..errors import ParameterError

#: where ``rmtsym --help`` lists these commands (see :mod:`rmtsym.cli`)
SECTION = "single layer"
ORDER = 30


def _law(args):
    from ..numbers import check_dps
    from ..law import PenningtonWorahLaw

    dps = check_dps(args.dps)
    given_eta = args.eta is not None or args.zeta is not None
    if args.activation and given_eta:
        raise ParameterError("give either an activation or --eta and --zeta, not both")
    if given_eta and args.params is not None:
        raise ParameterError("--params belongs to an activation; with --eta and --zeta there is none")
    if given_eta:
        if args.eta is None or args.zeta is None:
            raise ParameterError("--eta and --zeta must be given together")
        return PenningtonWorahLaw(args.eta, args.zeta, args.phi, args.psi, dps=dps)
    if not args.activation or not str(args.activation).strip():
        raise ParameterError("give an activation (e.g. tanh) or --eta E --zeta Z")
    act = activation_from_args(args)
    return PenningtonWorahLaw.from_activation(act, args.phi, args.psi,
                                              sigma_w=args.sigma_w, sigma_x=args.sigma_x, dps=dps)


def _digits(law, dps):
    return max(1, law._cap(dps))


def _number(value, digits):
    from ..numbers import decimal_string
    return decimal_string(value, digits)


def _common(law, dps):
    import sympy as sp

    digits = _digits(law, dps)
    out = {
        "eta": _number(sp.N(law.eta, dps + 5), digits),
        "zeta": _number(sp.N(law.zeta, dps + 5), digits),
        "phi": _number(sp.N(law.phi, dps + 5), digits),
        "psi": _number(sp.N(law.psi, dps + 5), digits),
        "dps": dps,
    }
    if law.parameter_digits is not None:
        out["notes"] = list(law.notes)
    return out


def handle_spectrum(args) -> dict:
    import sympy as sp

    from ..symbols import G, z
    from ..typeset import collected_terms

    law = _law(args)
    dps = law.dps
    digits = _digits(law, dps)
    out = _common(law, dps)
    out["case"] = law.case
    out["support"] = [[_number(a, digits), _number(b, digits)] for a, b in law.intervals()]
    out["atoms"] = [[_number(x0, digits), _number(m, digits)] for x0, m in law.atoms()]
    out["moments"] = {f"m{k}": law.moment_mp(k, dps).decimal(digits) for k in range(1, 7)}
    expr = law.equation.expr
    if law.parameter_digits is not None:
        # eta, zeta carried at finite precision: show the coefficients as decimals of the
        # digits they have, not as the 60-digit fractions the solver works with
        expr = sp.N(expr, digits)
    out["equation"] = str(expr)
    terms = collected_terms(expr, G, z)  # collected in G, factored coefficients
    out["equation_latex"] = " ".join(terms).lstrip("+ ") + " = 0"
    out["equation_symbolic"] = str(law.derivation.generic.quartic.value.expr)
    if not args.json:
        out["_text"] = _spectrum_text(args, out, _plain_equation(expr))
    return out


def _plain_equation(expr) -> str:
    """Q(G, z) collected in G with 10-digit coefficients, for reading."""
    import sympy as sp

    from ..symbols import G

    poly = sp.Poly(sp.expand(expr), G)
    terms = []
    for (k,), c in sorted(poly.terms(), reverse=True):
        c = sp.N(sp.expand(c), 10)
        cs = sp.sstr(c) if c.is_Add is False else f"({sp.sstr(c)})"
        terms.append(cs if k == 0 else f"{cs}*G" + (f"^{k}" if k > 1 else ""))
    return " + ".join(terms).replace("+ -", "- ") + " = 0"


def _head(args, out) -> str:
    src = f"f = {args.activation}" if args.activation else f"eta = {short(out['eta'])}, zeta = {short(out['zeta'])}"
    line = f"Pennington-Worah law of M = YY^T/m ({src}; phi = n0/m = {args.phi}, psi = n0/n1 = {args.psi})"
    return line


def _law_rows(args, out):
    items = []
    if args.activation:
        items += [("eta", out["eta"], "Var f(sigma Z)"), ("zeta", out["zeta"], "(E[Z f(sigma Z)])^2")]
    return items


def _spectrum_text(args, out, equation) -> str:
    case = {"general": "general (quartic in G)", "marchenko-pastur": "zeta = 0: Marchenko-Pastur",
            "product-wishart": "eta = zeta: product of two Wisharts (cubic)"}.get(out["case"], out["case"])
    items = [("support", ", ".join(f"[{a}, {b}]" for a, b in out["support"]) or "none (atoms only)",
              "edges from the discriminant")]
    for x0, m in out["atoms"]:
        items.append(("atom", f"at {x0}, mass {m}"))
    items += _law_rows(args, out)
    items += [(k, v, "exact series at z = infinity" if k == "m1" else "") for k, v in out["moments"].items()]
    items += [("case", case), ("equation", equation, "Q(G, z), G(z) ~ 1/z")]
    lines = [_head(args, out)] + rows(items)
    lines += [f"  note: {n}" for n in out.get("notes", [])]
    return "\n".join(lines)


def _points_text(args, out, key, what) -> str:
    items = [(f"{key}({x})", v, f"{d} digits") for x, v, d in zip(out["x"], out[key], out["digits"])]
    items += _law_rows(args, out)
    lines = [_head(args, out), f"  {what}"] + rows(items)
    lines += [f"  note: {n}" for n in out.get("notes", [])]
    return "\n".join(lines)


def _points(args):
    return parse_number_list(args.at, "--at")


def handle_pdf(args) -> dict:
    law = _law(args)
    xs = _points(args)
    vals = law.pdf_mp(xs, law.dps)
    out = _common(law, law.dps)
    out["x"] = xs
    out["pdf"] = [v.decimal(max(1, v.digits)) for v in vals]
    out["digits"] = [v.digits for v in vals]
    if not args.json:
        out["_text"] = _points_text(args, out, "pdf", "density of the continuous part, -Im G(x + i0)/pi")
    return out


def handle_cdf(args) -> dict:
    law = _law(args)
    xs = _points(args)
    vals = [law.cdf_mp(x, law.dps) for x in xs]
    out = _common(law, law.dps)
    out["x"] = xs
    out["cdf"] = [v.decimal(max(1, v.digits)) for v in vals]
    out["digits"] = [v.digits for v in vals]
    if not args.json:
        out["_text"] = _points_text(args, out, "cdf", "P(X <= x), atoms included")
    return out


def _add_law_arguments(p, at: bool) -> None:
    p.add_argument("activation", nargs="?", default=None,
                   help='activation formula in x or shortcut (e.g. "tanh(x)", relu); '
                        "omit it when giving --eta and --zeta")
    p.add_argument("--eta", default=None, help="eta = Var f(sigma Z) (instead of an activation)")
    p.add_argument("--zeta", default=None, help="zeta = (E[Z f(sigma Z)])^2 (instead of an activation)")
    p.add_argument("--phi", required=True, help="phi = n0/m (input dimension over number of samples)")
    p.add_argument("--psi", required=True, help="psi = n0/n1 (input dimension over width)")
    if at:
        p.add_argument("--at", required=True, help="comma-separated points x1,x2,...")
    add_sigma_flags(p)
    add_params_flag(p)
    add_precision_flag(p)
    add_json_flag(p)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "spectrum",
        help="support, atoms, moments and equation of the Pennington-Worah law",
        description="The limiting spectrum of M = YY^T/m, Y = f(WX) (Pennington & Worah 2017): "
                    "support intervals (edges from the discriminant), atoms, moments m1..m6 "
                    "and the algebraic equation Q(G, z) = 0 of its Stieltjes transform.")
    _add_law_arguments(p, at=False)
    p.set_defaults(handler=handle_spectrum)

    p = subparsers.add_parser(
        "pdf", help="density of the Pennington-Worah law at given points",
        description="rho(x) = -Im G(x + i0)/pi of the Pennington-Worah law (atoms excluded), "
                    "to the requested precision.")
    _add_law_arguments(p, at=True)
    p.set_defaults(handler=handle_pdf)

    p = subparsers.add_parser(
        "cdf", help="cumulative distribution of the Pennington-Worah law at given points",
        description="P(X <= x) for the Pennington-Worah law, atoms included.")
    _add_law_arguments(p, at=True)
    p.set_defaults(handler=handle_cdf)


__all__ = ["register"]
