"""``rmtsym jacobian``: the spectrum of J Jᵀ of a deep random network, and real networks to check it.

Argument parsing and output only; the mathematics is in :mod:`rmtsym.networks.jacobian`,
:mod:`rmtsym.networks.mean_field`, :mod:`rmtsym.networks.simulate` and
:mod:`rmtsym.networks.validation`.
"""
from __future__ import annotations

from . import add_json_flag, parse_int, parse_number_list
from ._format import short
from ._network import add_network_arguments, network_from_args

SECTION = "deep networks"
ORDER = 20


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "jacobian", help="spectrum of J J^T of a deep random network (any activation, widths, weights)",
        description="Pennington-Schoenholz-Ganguli / Pastur-Slavin: the limit law of J J^T, J the "
                    "input-output Jacobian, from the S-transform product with each layer at its own "
                    "variance q^l (layer-by-layer mean field from the input, or the fixed point q*): "
                    "exact moments, support, atoms, density and CDF; --simulate compares with real "
                    "networks.")
    add_network_arguments(p, "--layers")
    p.add_argument("--orthogonal", action="store_true", help="same as --weights orthogonal")
    p.add_argument("--order", default="4", help="number of exact moments (default 4)")
    p.add_argument("--pdf", metavar="X1,X2,...", help="the density of the continuous part at these points")
    p.add_argument("--cdf", metavar="X1,X2,...", help="the CDF at these points")
    p.add_argument("--method", default="auto", choices=["auto", "algebraic", "subordination"],
                   help="algebraic law (0/1-valued D^2) or subordination solver (any D^2)")
    p.add_argument("--simulate", action="store_true", help="also simulate real networks and compare")
    p.add_argument("--width", default=None, help="width of every layer of the simulated networks")
    p.add_argument("--seeds", default="4", help="number of simulated networks (default 4)")
    p.add_argument("--seed", default="0", help="root seed of the simulation (default 0)")
    add_json_flag(p)
    p.set_defaults(handler=handle)


def _num(v, digits=15):
    from ..numbers import decimal_string
    import mpmath
    if v is None:
        return None
    if hasattr(v, "value"):
        v = v.value
    v = mpmath.mpf(v)
    if mpmath.isinf(v):
        return "inf"
    return decimal_string(v, digits)


def handle(args) -> dict:
    from ..errors import ParameterError
    from ..networks.jacobian import JacobianLaw
    from ..networks.jacobian.moments import MAX_ORDER

    if args.orthogonal:
        if args.weights not in ("gaussian", "orthogonal"):
            raise ParameterError("give either --orthogonal or --weights, not both")
        args.weights = "orthogonal"
    order = parse_int(args.order, "--order", 2)
    if order > MAX_ORDER:
        raise ParameterError(f"--order must be at most {MAX_ORDER}, got {order}")
    pdf_at = None if args.pdf is None else [float(v) for v in parse_number_list(args.pdf, "--pdf")]
    cdf_at = None if args.cdf is None else [float(v) for v in parse_number_list(args.cdf, "--cdf")]
    sim_width = None
    if args.simulate:
        seeds = parse_int(args.seeds, "--seeds", 2)
        seed = parse_int(args.seed, "--seed", 0)
        if args.width is not None:
            sim_width = parse_int(args.width, "--width", 1)
        elif args.widths is None:
            raise ParameterError("--simulate needs --width N (or --widths n0,...,nL)")
    elif args.width is not None:
        raise ParameterError("--width is the width of the simulated networks; add --simulate")
    net = network_from_args(args)
    sim_net = None
    if args.simulate:
        from ..networks.simulate import check_simulation_size
        sim_net = net.with_widths([sim_width] * (net.depth + 1)) if sim_width is not None else net
        check_simulation_size(sim_net.widths, seeds)       # before any large allocation
    Q = args.input_mean_square
    law = JacobianLaw(net, Q, method=args.method)
    mf = law.mean_field
    moments = law.exact_moments(order)
    out = {"activation": net.describe()["activation"], "layers": net.depth,
           "weights": net.describe()["weights"], "widths": net.widths,
           "orthogonal": all(not l.weights.iid for l in net.layers),
           "regime": mf.regime,
           "input_mean_square": _num(mf.input_mean_square),
           "q": [_num(c) for c in mf.q],
           "chi_layers": [_num(c) for c in mf.chi],
           "moments": [_num(m) for m in moments],
           "normalized_variance": _num(law.normalized_variance())}
    if mf.q_star is not None:
        out["q_star"] = _num(mf.q_star)
        out["chi"] = _num(mf.chi[0])
        if net.homogeneous and net.square:
            from ..networks.jacobian import derivative_moments
            import mpmath
            mu = derivative_moments(net.layers[0].activation, mf.q_star.value, 2, 20)
            s1 = 0 if not net.layers[0].weights.iid else -1
            out["mu"] = [_num(m) for m in mu]
            out["normalized_variance_formula"] = _num(
                net.depth * (mu[1].value / mu[0].value ** 2 - 1 - s1))
            del mpmath
    out["support"] = [[_num(a), _num(b)] for a, b in law.support()]
    out["atoms"] = [[_num(a), _num(m)] for a, m in law.atoms()]
    if law.method == "algebraic" and law.density_method == "algebraic":
        out["method"] = "algebraic law (0/1-valued D²) + S-transform moments"
    elif law.method == "algebraic":
        out["method"] = ("algebraic law (0/1-valued D²) for support and atoms + density and CDF by the "
                         "subordination equation (double precision) + S-transform moments")
    else:
        out["method"] = "S-transform moments + density by the subordination equation (double precision)"
    if pdf_at is not None:
        out["pdf_at"] = pdf_at
        out["pdf"] = [float(v) for v in law.pdf(pdf_at)]
    if cdf_at is not None:
        out["cdf_at"] = cdf_at
        out["cdf"] = [float(v) for v in law.cdf(cdf_at)]
    notes = list(mf.notes) + list(law.notes)
    if mf.regime == "fixed point":
        notes.append("every layer at the fixed point q* of the length map (give "
                     "--input-mean-square for the layer-by-layer mean field from the input)")
    if args.simulate:
        out["simulated"] = _simulate(law, sim_net, seeds, seed, notes)
    if law.mass_error is not None:
        out["mass_error"] = law.mass_error
    out["notes"] = notes
    if not args.json:
        out["_text"] = _text(out)
    return out


def _simulate(law, net, seeds, seed, notes) -> dict:
    from ..networks.integrals import integrals_for
    from ..networks.simulate import sample_networks
    from ..networks.validation import validate_jacobian

    mf = law.mean_field
    Q = float(mf.input_mean_square.value)
    first = net.layers[0].activation
    if Q == 0 and mf.regime == "fixed point" and first is not None and \
            integrals_for(first).positively_homogeneous:
        Q = 1.0  # q* = 0 is reached only in the limit; D² does not depend on q for such φ
        notes.append("q* = 0 for this positively homogeneous activation: the simulated input has "
                     "mean square 1 (its D² law does not depend on q)")
    sample = sample_networks(net, Q, seeds=seeds, seed=seed, jacobian=True)
    v = validate_jacobian(law, sample, order=3, q_theory=[c.value for c in mf.q])
    out = v.as_json()
    out.update({"widths": sample.widths, "seeds": seeds, "seed": seed, "seconds": sample.seconds,
                "tolerance_note": "finite width: deviations shrink like 1/n with a constant growing "
                                  "with depth; Kolmogorov distances of a few 1/n are expected"})
    return out


def _fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


#: significant digits of the numbers of the text output (--json keeps all of them)
TEXT_DIGITS = 12
#: the label column of the text output
LABEL = 20


def _g(v) -> str:
    """A decimal string of the JSON output with TEXT_DIGITS significant digits ("9" for
    9.00000000000001: the series' last digits are rounding); other values as _fmt."""
    return short(v, TEXT_DIGITS) if isinstance(v, str) else _fmt(v)


def _row(label: str, value) -> str:
    return f"  {label}".ljust(LABEL) + str(value)


def _text(out) -> str:
    lines = []
    act = out["activation"] if isinstance(out["activation"], str) else "; ".join(out["activation"])
    w = out["weights"] if isinstance(out["weights"], str) else ", ".join(out["weights"])
    lines.append(f"J Jᵀ of a {out['layers']}-layer network: {act}, weights {w}"
                 + (f", widths {out['widths']}" if out["widths"] else ", square layers"))
    lines.append(_row("regime", out["regime"])
                 + (f" (q* = {_g(out['q_star'])})" if "q_star" in out else
                    f" (input mean square {_g(out['input_mean_square'])})"))
    ms = out["moments"]
    lines.append(_row("mean m1", _g(ms[0])))
    lines.append(_row("m2/m1² − 1", _g(out["normalized_variance"])))
    for k, m in enumerate(ms[1:], start=2):
        lines.append(_row(f"m{k}", _g(m)))
    for a, b in out["support"]:
        lines.append(_row("support", f"[{_g(a)}, {_g(b)}]"))
    for x, m in out["atoms"]:
        lines.append(_row("atom", f"at {_g(x)}, mass {_g(m)}"))
    lines.append(_row("method", out["method"]))
    qs = [_g(q) for q in out["q"]]
    if len(qs) <= 12:
        lines.append(_row("q^l", ", ".join(qs)))
    else:
        lines.append(_row("q^l", f"{', '.join(qs[:3])}, ..., {qs[-1]} ({len(qs)} layers)"))
    for key in ("pdf", "cdf"):
        if key in out:
            for x, v in zip(out[key + "_at"], out[key]):
                lines.append(_row(f"{key}({_fmt(x)})", _fmt(v)))
    if "simulated" in out:
        s = out["simulated"]
        lines.append(f"  simulated         {s['networks']} networks of widths {s['widths'][0]}..., "
                     f"{s['seconds']:.1f} s")
        lines.append(f"    Kolmogorov      {s['kolmogorov']:.4g}")
        lines.append(f"    Wasserstein-1   {s['wasserstein1']:.4g}")
        for m in s["moments"]:
            lines.append(f"    m{m['k']}              {m['simulated']:.6g} ± {m['se']:.2g}  (theory {m['theory']:.6g})")
        e = s["edge"]
        lines.append(f"    largest eig     {e['simulated_max']:.6g} ± {e['se']:.2g}  (edge {e['theory']:.6g})")
    for n in out["notes"]:
        lines.append(f"  note: {n}")
    return "\n".join(lines)
