"""``rmtsym fluctuations``: finite-width fluctuations of q^l = ‖h^l‖²/n_l across layers.

Argument parsing and printing only; the theory is :mod:`rmtsym.networks.fluctuations.predict`
(exact level and Gaussian level), the simulation :mod:`rmtsym.networks.fluctuations.simulate`.
"""
from __future__ import annotations

from ..errors import ParameterError
from . import add_json_flag, parse_int
from ._network import add_network_arguments, network_from_args

SECTION = "deep networks"
ORDER = 40

_DESCRIPTION = (
    "Mean and layer-to-layer covariance of q^l = |h^l|^2/n_l, l = 1..L, of a random network of "
    "finite width fed one input of mean square Q (Schoenholz, Pennington & Sohl-Dickstein, "
    "arXiv:1710.06570). method 'exact' for positively homogeneous activations (linear, ReLU, "
    "leaky ReLU, |x|) with Gaussian weights, or orthogonal weights without bias: q^l is a product "
    "of independent layer factors. Otherwise method 'gaussian': first order in 1/width, with the "
    "estimated size of the neglected O(depth^2/width^2) terms. --simulate adds K simulated "
    "networks with standard errors.")


def register(subparsers) -> None:
    p = subparsers.add_parser("fluctuations", help="finite-width mean and covariance of q^l across layers "
                                                   "(exact or Gaussian), with simulation",
                              description=_DESCRIPTION)
    add_network_arguments(p, depth_flag="--depth", widths=True, input_mean_square=False)
    p.add_argument("--width", default=None, metavar="N", help="every layer N wide (or --widths n0,...,nL)")
    p.add_argument("--input-mean-square", default="1", metavar="Q",
                   help="the input's mean square ||x0||^2/n0 (default 1)")
    p.add_argument("--fixed-point", action="store_true",
                   help="place the input at the fixed point q* of the length map (homogeneous networks; "
                        "Q is then the starting point of the search)")
    p.add_argument("--method", default="auto", choices=("auto", "exact", "gaussian"),
                   help="auto (default): exact where it applies, else gaussian")
    p.add_argument("--input-direction", default="random", choices=("random", "spike"),
                   help="the input's direction (matters only for non-Gaussian i.i.d. weights): a random "
                        "direction (default) or a spike sqrt(n0 Q) e_1")
    p.add_argument("--cosine", default=None, metavar="C",
                   help="also a second input at this cosine to the first (same mean square): both lengths and "
                        "their correlation c^l = q_ab/sqrt(q_aa q_bb), Gaussian level (key pair)")
    p.add_argument("--simulate", action="store_true", help="also simulate --networks K networks")
    p.add_argument("--networks", default="10000", metavar="K", help="networks to simulate (default 10000)")
    p.add_argument("--seed", default="0", help="root seed of the simulation (default 0)")
    p.add_argument("--digits", default="15", help="significant digits printed (default 15)")
    add_json_flag(p)
    p.set_defaults(handler=handle_fluctuations)


def _fmt(v, digits=6):
    if v is None:
        return "-"
    if isinstance(v, str):
        v = float(v)
    return f"{v:.{digits}g}"


def handle_fluctuations(args) -> dict:
    import math

    from ..networks.fluctuations.gaussian import input_fourth_moment
    from ..networks.fluctuations.predict import fluctuations
    from ..networks.fluctuations.simulate import check_fluctuation_simulation, simulate_fluctuations

    digits = parse_int(args.digits, "--digits", 3)
    if digits > 30:
        raise ParameterError(f"--digits must be at most 30, got {digits}")
    width = None
    if args.width is not None:
        width = parse_int(args.width, "--width", 1)
    elif args.widths is None:
        raise ParameterError("give the width: --width N (or --widths n0,n1,...,nL)")
    network = network_from_args(args, width=width)
    K = parse_int(args.networks, "--networks", 2)
    seed = parse_int(args.seed, "--seed", 0)
    cosine = None
    if args.cosine is not None:
        try:
            cosine = float(args.cosine)
        except ValueError:
            raise ParameterError(f"--cosine must be a number, got {args.cosine!r}") from None
        if not -1 < cosine < 1:
            raise ParameterError(f"--cosine must lie strictly between -1 and 1, got {args.cosine}")
    if args.simulate:  # refuse a simulation that cannot run before computing anything
        check_fluctuation_simulation(network, K, pair=cosine is not None)
    try:
        Q = float(args.input_mean_square)
    except ValueError:
        raise ParameterError(f"--input-mean-square must be a number, got {args.input_mean_square!r}") from None
    R0 = input_fourth_moment(Q, network.widths[0], args.input_direction) if math.isfinite(Q) else None
    res = fluctuations(network, args.input_mean_square if not args.fixed_point else Q, method=args.method,
                       fixed_point=args.fixed_point, input_fourth=R0)
    out = {"network": network.describe()}
    out.update(res.as_json(digits))
    if res.regime == "fixed point" and network.homogeneous and len(set(network.widths)) == 1:
        from ..networks.fluctuations.field_theory import field_theory
        out["field_theory"] = field_theory(network, res.input_mean_square, fixed_point=False).as_json()
    pair = None
    if cosine is not None:
        from ..networks.fluctuations.pairs import pair_fluctuations
        pair = pair_fluctuations(network, cosine, res.input_mean_square)
        out["pair"] = {"cosine": cosine, "method": "gaussian",
                       "mean": [[float(v) for v in row] for row in pair.mean],
                       "covariance": [[float(v) for v in row] for row in pair.covariance],
                       "covariance_order": "layer-major: 3(l-1) + (aa, bb, ab)",
                       "correlation_mean_field": [float(v) for v in pair.mean_field_correlation],
                       "correlation_mean": [float(v) for v in pair.correlation_mean],
                       "correlation_covariance": [[float(v) for v in row] for row in pair.correlation_covariance],
                       "correlation_error_estimate": [[float(v) for v in row] for row in pair.error_correlation]}
        if pair.notes:
            out["pair"]["notes"] = pair.notes
    sim = None
    if args.simulate:
        sim = simulate_fluctuations(network, res.input_mean_square, K, seed=seed,
                                    input_kind=args.input_direction, pair_cosine=cosine)
        st = sim.stats()
        import numpy as np
        cov_th, mean_th = res.covariance, res.mean
        with np.errstate(divide="ignore", invalid="ignore"):
            zc = np.where(st["covariance_se"] > 0, (st["covariance"] - cov_th) / st["covariance_se"], 0.0)
            zm = np.where(st["mean_se"] > 0, (st["mean"] - mean_th) / st["mean_se"], 0.0)
        out["simulated"] = {"networks": K, "seed": seed, "seconds": round(sim.seconds, 3),
                            "input_direction": args.input_direction,
                            "mean": [float(v) for v in st["mean"]],
                            "mean_se": [float(v) for v in st["mean_se"]],
                            "covariance": [[float(v) for v in row] for row in st["covariance"]],
                            "covariance_se": [[float(v) for v in row] for row in st["covariance_se"]],
                            "max_abs_z_mean": float(np.max(np.abs(zm))),
                            "max_abs_z_covariance": float(np.max(np.abs(zc)))}
        if pair is not None:
            sc = sim.stats("correlation")
            out["pair"]["simulated"] = {"correlation_mean": [float(v) for v in sc["mean"]],
                                        "correlation_mean_se": [float(v) for v in sc["mean_se"]],
                                        "correlation_covariance": [[float(v) for v in r] for r in sc["covariance"]],
                                        "correlation_covariance_se": [[float(v) for v in r] for r in sc["covariance_se"]]}
    if not args.json:
        out["_text"] = _text(out, res, sim, pair)
    return out


def _text(out, res, sim, pair=None) -> str:
    import math

    d = out["network"]
    widths = d["widths"]
    wtxt = f"width {widths[1]}" if len(set(widths)) == 1 else f"widths {','.join(map(str, widths))}"
    head = [f"q^l = |h^l|^2/n_l of {d['activation']}, {d['depth']} layers, {wtxt}, sigma_w {d['sigma_w']}, "
            f"sigma_b {d['sigma_b']}, {d['weights']} weights",
            f"method: {out['method']}    regime: {out['regime']}    Q = {_fmt(out['input_mean_square'], 8)}"]
    rel = float(out["first_order_relative_error"])
    if out["method"] == "exact":
        head.append(f"first order (Gaussian) would be off by {100 * rel:.3g} % in Var q^l (at worst)")
    else:
        head.append(f"neglected O(depth^2/width^2) terms: about {100 * rel:.3g} % of Var q^l (at worst; "
                    f"integrals by {out['integrals']})")
    if "field_theory" in out:
        ft = out["field_theory"]
        head.append(f"field along depth: slope a = {_fmt(ft['slope'])}, noise s^2 = {_fmt(ft['noise'])} per layer, "
                    f"continuum mass {_fmt(ft['continuum']['mass'])}, diffusion {_fmt(ft['continuum']['diffusion'])}")
    if "correlation_length" in out:
        xi = out["correlation_length"]
        head.append(f"correlation length along depth: {'infinite (marginal length map)' if xi == 'inf' else _fmt(xi)}")
    cols = ["layer", "mean field", "E q^l", "Var q^l", "Corr(q^l,q^L)"]
    if sim is not None:
        cols += ["sim E q^l", "+-", "sim Var q^l", "+-"]
    rows = []
    L = res.depth
    cov = res.covariance
    st = sim.stats() if sim is not None else None
    for l in range(L):
        denom = math.sqrt(cov[l, l] * cov[L - 1, L - 1]) if cov[l, l] > 0 and cov[L - 1, L - 1] > 0 else 0
        corr = cov[l, L - 1] / denom if denom > 0 else float("nan")
        row = [str(l + 1), _fmt(res.mean_field[l]), _fmt(res.mean[l]), _fmt(cov[l, l]), _fmt(corr, 4)]
        if st is not None:
            row += [_fmt(st["mean"][l]), _fmt(st["mean_se"][l], 2), _fmt(st["covariance"][l, l]),
                    _fmt(st["covariance_se"][l, l], 2)]
        rows.append(row)
    widths_c = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    table = ["  ".join(c.rjust(w) for c, w in zip(cols, widths_c))]
    table += ["  ".join(v.rjust(w) for v, w in zip(r, widths_c)) for r in rows]
    tail = []
    if pair is not None:
        tail.append(f"pair at cosine {out['pair']['cosine']:g} (gaussian): correlation c^l mean field / E c^l / "
                    "Var c^l" + (" / simulated E c^l / Var c^l" if sim is not None else ""))
        pc = out["pair"]
        for l in range(L):
            line = (f"  layer {l + 1:>3}: {_fmt(pc['correlation_mean_field'][l])}  {_fmt(pc['correlation_mean'][l])}  "
                    f"{_fmt(pc['correlation_covariance'][l][l])}")
            if sim is not None:
                ps = pc["simulated"]
                line += (f"  |  {_fmt(ps['correlation_mean'][l])} +- {_fmt(ps['correlation_mean_se'][l], 2)}  "
                         f"{_fmt(ps['correlation_covariance'][l][l])} +- {_fmt(ps['correlation_covariance_se'][l][l], 2)}")
            tail.append(line)
    if sim is not None:
        s = out["simulated"]
        tail.append(f"simulated: {s['networks']} networks in {s['seconds']} s; largest |z| (simulated − predicted)"
                    f"/se: mean {s['max_abs_z_mean']:.2f}, covariance {s['max_abs_z_covariance']:.2f}")
    for n in out.get("notes", []):
        tail.append(f"note: {n}")
    tail.append("the full L x L covariance is in --json (key covariance)")
    return "\n".join(head + table + tail)
