"""``rmtsym signal | jacobian``: deep random networks (``nngp`` is in :mod:`rmtsym.cli.kernels`).

Argument parsing and output only; the mathematics is in
:mod:`rmtsym.networks.signal_propagation` and :mod:`~rmtsym.networks.jacobian`.
"""
from __future__ import annotations

import math

import mpmath

from ..errors import RmtsymError
from ..numbers import decimal_string
from . import add_json_flag, parse_number_list


def _num(v, digits=15):
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

    p = subparsers.add_parser("jacobian", help="spectrum of J J^T of a deep random network",
                              description="Pennington-Schoenholz-Ganguli / Pastur-Slavin: moments from "
                                          "the S-transform product, normalised variance, and support "
                                          "and atoms when phi'^2 is 0/1-valued (ReLU, hard-tanh).")
    p.add_argument("activation")
    p.add_argument("--layers", type=int, required=True)
    _sigmas(p)
    p.add_argument("--orthogonal", action="store_true", help="Haar-orthogonal weights")
    p.add_argument("--widths", help="Gaussian weights with widths n0,n1,...,nL (moments only; "
                                    "must list layers + 1 numbers)")
    p.add_argument("--order", type=int, default=4, help="number of moments (default 4)")
    p.add_argument("--pdf", metavar="X1,X2,...",
                   help="also the limit density of J J^T at these points (square layers; write "
                        "--pdf=-1,2 when the first number is negative)")
    add_json_flag(p)
    p.set_defaults(handler=handle_jacobian)


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


def handle_jacobian(args) -> dict:
    from ..networks.jacobian import jacobian_moments_rectangular, jacobian_spectrum
    if args.widths is not None:
        if args.orthogonal:
            raise RmtsymError("--widths is for Gaussian weights; orthogonal layers are square")
        items = [w.strip() for w in args.widths.split(",") if w.strip()]
        if not all(w.isdigit() for w in items) or len(items) != args.layers + 1:
            raise RmtsymError("--widths must list layers + 1 positive whole numbers n0,...,nL")
        ms = jacobian_moments_rectangular(args.activation, [int(w) for w in items], args.sigma_w,
                                          args.sigma_b, order=max(args.order, 2))
        out = {"activation": args.activation, "layers": args.layers, "widths": [int(w) for w in items],
               "moments": [_num(m) for m in ms],
               "normalized_variance": _num(ms[1].value / ms[0].value ** 2 - 1),
               "method": "S-transform series (rectangular Gaussian layers)"}
        if not args.json:
            out["_text"] = _text(out)
        return out
    r = jacobian_spectrum(args.activation, args.layers, args.sigma_w, args.sigma_b,
                          orthogonal=args.orthogonal, order=args.order)
    out = {"activation": r.activation, "layers": r.layers, "orthogonal": r.orthogonal,
           "q_star": _num(r.q_star), "chi": _num(r.chi),
           "mu": [_num(m) for m in r.mu],
           "moments": [_num(m) for m in r.moments],
           "normalized_variance": _num(r.normalized_variance),
           "normalized_variance_formula": _num(r.normalized_variance_formula),
           "support": None if r.support is None else [[_num(a), _num(b)] for a, b in r.support],
           "atoms": None if r.atoms is None else [[_num(a), _num(m)] for a, m in r.atoms],
           "method": r.method, "notes": r.notes}
    if args.pdf is not None:
        from ..networks.jacobian import JacobianDensity
        xs = [float(v) for v in parse_number_list(args.pdf, "--pdf")]
        if r.law is not None:  # 0/1-valued D²: the exact law, built at σw = 1
            scale = float(mpmath.mpf(args.sigma_w) ** (2 * args.layers))
            density = [float(r.law.pdf(x / scale)) / scale for x in xs]
            how = "algebraic law (0/1-valued D²)"
        else:
            dens = JacobianDensity(args.activation, args.layers, args.sigma_w, args.sigma_b,
                                   orthogonal=args.orthogonal)
            density = [float(v) for v in dens.pdf(xs)]
            how = "subordination equation, double precision"
        out["pdf"] = {"x": xs, "density": density, "method": how}
    if not args.json:
        out["_text"] = _text(out)
    return out
