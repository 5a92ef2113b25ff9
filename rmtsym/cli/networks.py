"""``rmtsym signal``: mean-field signal propagation (``jacobian`` is in :mod:`rmtsym.cli.jacobian`,
``nngp`` and ``gp`` in :mod:`rmtsym.cli.kernels`, ``fluctuations`` in :mod:`rmtsym.cli.fluctuations`).

Argument parsing and output only; the mathematics is in :mod:`rmtsym.networks.signal_propagation`.
"""
from __future__ import annotations


from ..errors import RmtsymError
from . import add_json_flag

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
    p.add_argument("activation")
    _sigmas(p)
    p.add_argument("--q0", default="1", help="input length q0 (matters only for marginal maps)")
    p.add_argument("--critical", action="store_true", help="also the critical sigma_w at this sigma_b")
    p.add_argument("--digits", type=int, default=15)
    add_json_flag(p)
    p.set_defaults(handler=handle_signal)


def _text(d):
    return "\n".join(f"{k}: {v}" for k, v in d.items() if not k.startswith("_"))


def handle_signal(args) -> dict:
    from ..networks.signal_propagation import critical_sigma_w, signal_propagation
    if not 5 <= args.digits <= 30:
        raise RmtsymError("--digits must lie between 5 and 30")
    r = signal_propagation(args.activation, args.sigma_w, args.sigma_b, q0=args.q0, dps=args.digits)
    out = r.as_json(args.digits)
    if args.critical:
        out["critical_sigma_w"] = _num(critical_sigma_w(args.activation, args.sigma_b, dps=10), 10)
    if not args.json:
        out["_text"] = _text(out)
    return out
