"""CLI for the applications: ``memorization``, ``propagate`` and ``design``.

Argument parsing and output only; the mathematics is in :mod:`rmtsym.applications`.
"""
from __future__ import annotations

from . import add_json_flag, add_precision_flag, add_sigma_flags, parse_number_list
from ..errors import ParameterError
from ._activation import activation_from_args, add_params_flag
from ._format import rows, short, table

#: where ``rmtsym --help`` lists these commands (see :mod:`rmtsym.cli`)
SECTION = "single layer"
ORDER = 50


def _positive(text, name):
    import mpmath

    try:
        v = mpmath.mpf(text)
    except (ValueError, TypeError):
        raise ParameterError(f"{name} must be a number, got {text!r}")
    if not (mpmath.isfinite(v) and v > 0):
        raise ParameterError(f"{name} must be a positive number, got {text}")
    return str(text).strip()


def _parse(args):
    return activation_from_args(args)


# ----------------------------------------------------------------------------- memorization

def _memorization(args):
    from ..numbers import check_dps, decimal_string
    from ..applications.memorization import memorization, simulate_train_loss

    dps = check_dps(args.dps)
    phi = _positive(args.phi, "phi")
    psi = _positive(args.psi, "psi")
    gammas = parse_number_list(args.gamma, "--gamma")
    for g in gammas:
        _positive(g, "gamma")
    act = _parse(args)
    res = memorization(act, phi, psi, gammas, sigma_w=_positive(args.sigma_w, "sigma_w"),
                       sigma_x=_positive(args.sigma_x, "sigma_x"), dps=dps)
    out = {"activation": act.name}
    out.update(res.as_json(dps))
    out["formula"] = "E_train = 1 - phi/psi - (phi/psi) gamma^2 G'(-gamma)  (docs/theory.md §1.7)"
    if args.simulate:
        if args.n0 is None:
            raise ParameterError("--simulate needs --n0 (the input dimension of the simulation)")
        if args.n0 < 2 or args.seeds < 2:
            raise ParameterError("--simulate needs --n0 >= 2 and --seeds >= 2 (for an error bar)")
        sim = simulate_train_loss(act, float(phi), float(psi), [float(g) for g in gammas], args.n0,
                                  seeds=args.seeds, seed=args.seed, sigma_w=float(args.sigma_w),
                                  sigma_x=float(args.sigma_x))
        out["simulated"] = [decimal_string(v, 8) for v in sim.mean]
        out["simulated_se"] = [decimal_string(v, 3) for v in sim.se]
        out["simulation"] = dict(sim.sizes, seeds=args.seeds, method=sim.method)
    if not args.json:
        out["_text"] = _memorization_text(args, out)
    return out


def _memorization_text(args, out) -> str:
    lines = [f"Training loss of ridge regression on random features f = {args.activation} with random targets "
             f"(phi = n0/m = {args.phi}, psi = n0/n1 = {args.psi})",
             "  E_train = 1 - phi/psi - (phi/psi) gamma^2 G'(-gamma)   (Pennington & Worah 2017)"]
    head = ["gamma", "E_train"]
    body = [[g, short(v, 12)] for g, v in zip(out["gamma"], out["train_loss"])]
    if "simulated" in out:
        head += ["simulated", "+-"]
        body = [r + [short(m, 6), short(se, 2)] for r, m, se in zip(body, out["simulated"], out["simulated_se"])]
    lines += table(head, body)
    lim = out.get("limits") or {}
    lines += rows([("eta, zeta", f"{short(out.get('eta'), 12)}, {short(out.get('zeta'), 12)}"),
                   ("gamma -> 0", short(lim.get("gamma_to_0"), 12), "interpolation limit"),
                   ("gamma -> inf", short(lim.get("gamma_to_infinity"), 12))])
    if "simulation" in out:
        s = out["simulation"]
        lines.append(f"  simulated at n0 = {s.get('n0')}, n1 = {s.get('n1')}, m = {s.get('m')}, "
                     f"{s['seeds']} seeds ({s['method']})")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- propagate

def _propagate(args):
    from ..numbers import check_dps
    from ..applications.propagation import propagate

    dps = check_dps(args.dps)
    phi = _positive(args.phi, "phi")
    if args.layers < 1:
        raise ParameterError(f"--layers must be at least 1, got {args.layers}")
    if args.layers > 12:
        raise ParameterError("--layers is limited to 12")
    widths = psi = None
    if args.widths is not None and args.psi is not None:
        raise ParameterError("give either --widths or --psi, not both")
    if args.widths is not None:
        widths = [_positive(w, "width") for w in parse_number_list(args.widths, "--widths")]
        if len(widths) == 1:
            widths = widths * args.layers
    if args.psi is not None:
        psi = [_positive(p, "psi") for p in parse_number_list(args.psi, "--psi")]
        if len(psi) == 1:
            psi = psi * args.layers
    act = _parse(args)
    prop = propagate(act, phi, args.layers, widths=widths, psi=psi,
                     sigma_w=_positive(args.sigma_w, "sigma_w"), sigma_x=_positive(args.sigma_x, "sigma_x"),
                     normalize=args.normalize, moments=4, dps=dps,
                     max_algebraic_layers=min(args.layers, 2))
    out = {"activation": act.name}
    out.update(prop.as_json(digits=min(dps, 15), support=not args.no_support))
    out["layer_map"] = "law(K_l) = MP_{m/n_l} [x] law(zeta_l K_{l-1}/kappa_{l-1} + (eta_l - zeta_l) I)  (docs/theory.md §1.8)"
    out["widths_convention"] = "--widths are n_l/n0; --psi are n0/n_l (default: equal widths)"
    if not args.json:
        out["_text"] = _propagate_text(args, out)
    return out


def _propagate_text(args, out) -> str:
    lines = [f"Spectrum of the data Gram matrix K_l = Y_l^T Y_l/n_l through {args.layers} layers of "
             f"f = {args.activation} (phi = n0/m = {args.phi}" + (", normalised to eta = 1)" if out.get("normalize") else ")")]
    head = ["layer", "m1", "m2", "m3", "m4", "support", "eta", "zeta"]
    body = []
    for layer in out["layers"]:
        ms = layer.get("moments", [])
        sup = " ".join(f"[{short(a, 6)}, {short(b, 6)}]" for a, b in layer.get("support") or []) or "-"
        body.append([str(layer["layer"])] + [short(m, 8) for m in (ms + ["-"] * 4)[:4]] + [sup] +
                    [short(layer.get("eta"), 6), short(layer.get("zeta"), 6)])
    lines += table(head, body)
    lines.append("  layer map: law(K_l) = MP_{m/n_l} [x] law(zeta K_{l-1} + (eta - zeta) I)   "
                 "(Pennington & Worah 2017)")
    lines.append("  " + out["widths_convention"])
    for n in out.get("notes", []) or []:
        lines.append(f"  note: {n}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- design

def _design(args):
    from ..numbers import check_dps
    from ..applications.design import design_activation

    dps = check_dps(args.dps)
    res = design_activation(args.family, args.params, zeta_over_eta=args.zeta_over_eta,
                            center=not args.no_center, normalize=not args.no_normalize,
                            sigma=_positive(args.sigma, "sigma"), dps=dps)
    out = res.as_json(dps)
    if not args.json:
        out["_text"] = _design_text(out)
    return out


def _design_text(out) -> str:
    lines = [f"Family {out['family']} solved for zeta/eta = {out['zeta_over_eta']} at sigma = {out['sigma']}"
             f" ({', '.join(out.get('conditions') or [])})"]
    items = []
    for name, p in (out.get("parameters") or {}).items():
        items.append((name, p.get("value"), f"= {p['exact']}" if p.get("exact") and len(str(p["exact"])) <= 60 else
                      ("closed form in --json" if p.get("exact") else "")))
    items += [("scale", out.get("scale")), ("offset", out.get("offset")),
              ("activation", out.get("activation")), ("method", out.get("method"))]
    chk = out.get("check") or {}
    items.append(("check", f"mean {short(chk.get('mean'))}, eta {short(chk.get('eta'))}, zeta {short(chk.get('zeta'))}"))
    lines += rows(items)
    for n in out.get("notes", []) or []:
        lines.append(f"  note: {n}")
    return "\n".join(lines)


def register(subparsers):
    p = subparsers.add_parser("memorization", help="training loss of random-feature ridge regression "
                              "on random targets, E_train(gamma) (PW 2017)")
    p.add_argument("activation", help="activation formula in x, e.g. tanh(x) or relu")
    p.add_argument("--phi", required=True, help="phi = n0/m")
    p.add_argument("--psi", required=True, help="psi = n0/n1")
    p.add_argument("--gamma", required=True, help="ridge parameters, comma-separated (g1,g2,...)")
    add_sigma_flags(p)
    add_precision_flag(p)
    p.add_argument("--simulate", action="store_true", help="add Monte Carlo values (needs --n0)")
    p.add_argument("--n0", type=int, default=None, help="input dimension of the simulation")
    p.add_argument("--seeds", type=int, default=4, help="independent draws for the simulation (default 4)")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    add_params_flag(p)
    add_json_flag(p)
    p.set_defaults(handler=_memorization)

    p = subparsers.add_parser("propagate", help="spectrum of the data Gram matrix through L random layers")
    p.add_argument("activation", help="activation formula in x")
    p.add_argument("--phi", required=True, help="phi = n0/m")
    p.add_argument("--layers", type=int, required=True, help="number of layers L")
    p.add_argument("--widths", default=None, help="layer widths n_l/n0, comma-separated (one value: all layers)")
    p.add_argument("--psi", default=None, help="psi_l = n0/n_l, comma-separated (one value: all layers)")
    p.add_argument("--normalize", action="store_true", help="use (f - E f(Z))/sqrt(Var f(Z)) (eta = 1)")
    p.add_argument("--no-support", action="store_true", help="skip the support computation (faster)")
    add_sigma_flags(p)
    add_params_flag(p)
    add_precision_flag(p)
    add_json_flag(p)
    p.set_defaults(handler=_propagate)

    p = subparsers.add_parser("design", help="solve a family of activations for zeta = 0 (or a target "
                              "zeta/eta), centring and eta = 1")
    p.add_argument("family", help='family with free parameters, e.g. "(1 - c*exp(-x**2/2))*erf(x)"')
    p.add_argument("--params", required=True, help="names of the parameters to solve for, comma-separated")
    p.add_argument("--zeta-over-eta", default="0", help="target zeta/eta in [0, 1) (default 0)")
    p.add_argument("--sigma", default="1", help="pre-activation scale sigma = sigma_w sigma_x (default 1)")
    p.add_argument("--no-center", action="store_true", help="do not require E f(sigma Z) = 0")
    p.add_argument("--no-normalize", action="store_true", help="do not require eta = 1")
    add_precision_flag(p)
    add_json_flag(p)
    p.set_defaults(handler=_design)
