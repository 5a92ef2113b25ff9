"""``rmtsym signal``: mean-field signal propagation (``jacobian`` is in :mod:`rmtsym.cli.jacobian`,
``nngp`` and ``gp`` in :mod:`rmtsym.cli.kernels`, ``fluctuations`` in :mod:`rmtsym.cli.fluctuations`).

Argument parsing and output only; the mathematics is in :mod:`rmtsym.networks.signal_propagation`.
"""
from __future__ import annotations

from ..errors import RmtsymError
from . import add_json_flag
from ._activation import activation_from_args, add_params_flag

SECTION = "deep networks"
ORDER = 10


def _num(v, digits=15):
    import mpmath

    from ..numbers import decimal_string
    if v is None:
        return None
    if hasattr(v, "value"):
        v = v.value
    v = mpmath.mpf(v)
    if mpmath.isinf(v):
        return "inf"
    return decimal_string(v, digits)


def _sigmas(p):
    p.add_argument("--sigma-w", default="1", help="weight scale σw (default 1)")
    p.add_argument("--sigma-b", default="0", help="bias scale σb (default 0)")


def register(subparsers) -> None:
    p = subparsers.add_parser("signal", help="mean-field signal propagation: q*, chi1, depth scales, phase",
                              description="Schoenholz et al. (ICLR 2017): fixed point q* of the length "
                                          "map, chi1, c*, xi_q, xi_c and the phase (ordered/critical/"
                                          "chaotic); --critical gives sigma_w on the order-to-chaos line.")
    p.add_argument("activation", help='formula in x or a shortcut (e.g. tanh, "erf(x)")')
    _sigmas(p)
    add_params_flag(p)
    p.add_argument("--q0", default="1", help="input length q0 (matters only for marginal maps)")
    p.add_argument("--critical", action="store_true", help="also the critical sigma_w at this sigma_b")
    p.add_argument("--digits", type=int, default=15, help="significant digits, 5 to 30 (default 15)")
    add_json_flag(p)
    p.set_defaults(handler=handle_signal)


def handle_signal(args) -> dict:
    from ..networks.signal_propagation import critical_sigma_w, signal_propagation
    if not 5 <= args.digits <= 30:
        raise RmtsymError("--digits must lie between 5 and 30")
    act = activation_from_args(args)
    r = signal_propagation(act, args.sigma_w, args.sigma_b, q0=args.q0, dps=args.digits)
    out = r.as_json(args.digits)
    out["activation"] = args.activation
    if args.critical:
        out["critical_sigma_w"] = _num(critical_sigma_w(act, args.sigma_b, dps=10), 10)
    if not args.json:
        out["_text"] = _signal_text(out)
    return out


def _signal_text(out) -> str:
    from ._format import rows

    phase = {"ordered": "ordered (chi1 < 1: correlations converge, gradients vanish)",
             "chaotic": "chaotic (chi1 > 1: correlations decay, gradients explode)",
             "critical": "critical (chi1 = 1: the edge of chaos)"}.get(out["phase"], out["phase"])
    lines = [f"Mean-field signal propagation of f = {out['activation']}, sigma_w = {out['sigma_w']}, "
             f"sigma_b = {out['sigma_b']} (Schoenholz et al. 2017)"]
    items = [("phase", phase),
             ("q*", out["q_star"], "fixed point of q -> sigma_w^2 E f(sqrt(q) Z)^2 + sigma_b^2"
              + ("" if out.get("q_kind") in (None, "finite") else f" ({out['q_kind']})")),
             ("chi1", out["chi1"], "sigma_w^2 E f'(sqrt(q*) Z)^2"),
             ("c*", out["c_star"], "fixed point of the correlation map"),
             ("chi_c", out["chi_c"], "slope of the correlation map at c*"),
             ("length slope", out["length_slope"], "slope of the length map at q*"),
             ("xi_q", out["xi_q"], "depth scale of lengths, -1/log(length slope)"),
             ("xi_c", out["xi_c"], "depth scale of correlations, -1/log(chi_c)")]
    if out.get("critical_sigma_w") is not None:
        items.append(("critical sigma_w", out["critical_sigma_w"], f"chi1 = 1 at sigma_b = {out['sigma_b']}"))
    lines += rows(items)
    lines += [f"  note: {n}" for n in out.get("notes") or []]
    return "\n".join(lines)
