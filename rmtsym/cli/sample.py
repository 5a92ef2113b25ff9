"""``rmtsym sample | validate``: Monte Carlo of M = YYᵀ/m and its distance to the PW law.

Argument parsing and output only; the simulation lives in :mod:`rmtsym.sampler`, the
statistics in :mod:`rmtsym.validation`, the figure in :mod:`rmtsym.export.plots`
(Pennington & Worah, NeurIPS 2017; conventions of docs/theory.md §1.1).
"""
from __future__ import annotations

from . import add_json_flag, add_sigma_flags, parse_int, parse_number_list
from ..errors import ParameterError
from ._activation import activation_from_args, add_params_flag
from ._format import rows, short

#: where ``rmtsym --help`` lists these commands (see :mod:`rmtsym.cli`)
SECTION = "single layer"
ORDER = 40

#: at most this many eigenvalues are printed in the JSON payload of ``sample``
MAX_PRINTED = 2_000_000


def _common_arguments(p) -> None:
    p.add_argument("activation", metavar="ACT", help="activation formula, e.g. tanh, relu, x**2")
    p.add_argument("--phi", required=True, help="φ = n0/m (number or fraction such as 1/4)")
    p.add_argument("--psi", required=True, help="ψ = n0/n1 (number or fraction such as 1/4)")
    p.add_argument("--n0", required=True, help="input dimension n0 (whole number ≥ 1)")
    p.add_argument("--seeds", default="1", help="number of independent matrices (default 1)")
    p.add_argument("--seed", default="0", help="base seed, a whole number ≥ 0 (default 0)")
    p.add_argument("--entries", default="gaussian", choices=["gaussian", "rademacher", "uniform"],
                   help="law of the entries of W and X, scaled to the PW variances (default gaussian)")
    p.add_argument("--method", default="auto", choices=["auto", "bartlett", "direct"],
                   help="how WX is drawn: 'direct' multiplies W and X; 'bartlett' draws the same "
                        "matrix in law as L·X' with L the Bartlett factor of W (Gaussian entries "
                        "only, about half the work); 'auto' (default) takes Bartlett when it can")
    add_sigma_flags(p)
    add_params_flag(p)
    p.add_argument("--progress", action="store_true", help="show a progress bar on stderr")


def _n0(text) -> int:
    s = str(text).strip()
    try:
        return int(s)
    except ValueError:
        pass
    try:
        f = float(s)
    except ValueError:
        raise ParameterError(f"--n0 must be a whole number, got {text!r}") from None
    if not f.is_integer():
        raise ParameterError(f"--n0 must be a whole number, got {text!r}")
    return int(f)


def _floats(values):
    return [float(v) for v in values]


def handle_sample(args) -> dict:
    from ..sampler import sample_eigenvalues, sample_sizes
    from ..validation import moments, moments_se

    seeds = parse_int(args.seeds, "--seeds", 1)
    n1 = sample_sizes(args.phi, args.psi, _n0(args.n0))[1]
    if seeds * n1 > MAX_PRINTED:  # refused before sampling, not after
        raise ParameterError(f"{seeds * n1} eigenvalues are too many to print (at most {MAX_PRINTED}); "
                             f"use fewer seeds or a smaller n0")
    res = sample_eigenvalues(activation_from_args(args), args.phi, args.psi, _n0(args.n0),
                             seeds=seeds, seed=parse_int(args.seed, "--seed", 0),
                             sigma_w=args.sigma_w, sigma_x=args.sigma_x, entries=args.entries,
                             center=not args.no_center, progress=True if args.progress else None,
                             method=args.method)
    pooled = res.pooled
    if pooled.size > MAX_PRINTED:
        raise ParameterError(f"{pooled.size} eigenvalues are too many to print (at most {MAX_PRINTED}); "
                             f"use fewer seeds or a smaller n0")
    kmax = 4
    out = {
        "activation": res.activation,
        "sizes": res.sizes(),
        "sigma_w": res.sigma_w,
        "sigma_x": res.sigma_x,
        "entries": res.entries[0],
        "method": res.method,
        "centered": not args.no_center,
        "center": res.center,
        "seed": res.seed,
        "moments": {f"m{k}": v for k, v in zip(range(1, kmax + 1), _floats(moments(res, kmax)))},
        "moments_se": {f"m{k}": (v if v == v else None)
                       for k, v in zip(range(1, kmax + 1), _floats(moments_se(res, kmax)))},
        "seconds": res.seconds,
        "eigenvalues": pooled.tolist(),
    }
    out["activation"] = args.activation
    if not args.json:
        out["_text"] = _sample_text(out, pooled)
    return out


def _sizes_line(out) -> str:
    s = out["sizes"]
    seeds = s["seeds"]
    return (f"n0 = {s['n0']}, n1 = {s['n1']}, m = {s['m']} (phi = {short(s['phi'], 6)}, psi = {short(s['psi'], 6)}); "
            f"{seeds} matri{'x' if seeds == 1 else 'ces'}, {out.get('entries', 'gaussian')} entries")


def _moment_rows(out, law=None):
    items = []
    for k, v in out["moments"].items():
        se = out["moments_se"].get(k)
        val = short(v, 8) + (f" +- {short(se, 2)}" if se is not None else "")
        note = f"law {short(law[k], 8)}" if law else ("standard error over the matrices" if k == "m1" and se is not None else "")
        items.append((k, val, note))
    return items


def _sample_text(out, eigs) -> str:
    lines = [f"Eigenvalues of M = YY^T/m, Y = f(WX), f = {out['activation']}: {_sizes_line(out)}"]
    items = [("eigenvalues", f"{eigs.size} (min {short(float(eigs.min()), 8)}, max {short(float(eigs.max()), 8)})",
              "all of them with --json")]
    items += _moment_rows(out)
    items += [("drawn by", f"{out['method']} ({out['seconds']:.3g} s)"),
              ("centred", f"yes, E f(sigma Z) = {short(out['center'], 8)} subtracted" if out["centered"] else "no")]
    return "\n".join(lines + rows(items))


def _validate_text(out) -> str:
    lines = [f"Simulation against the Pennington-Worah law, f = {out['activation']}: {_sizes_line(out)}"]
    items = [("verdict", f"{out['verdict']} (Kolmogorov {short(out['kolmogorov'], 4)} vs tolerance {short(out['tolerance'], 4)})"),
             ("Kolmogorov", short(out["kolmogorov"], 6), f"sup |F_emp - F| at x = {short(out['kolmogorov_at'], 6)}"),
             ("Wasserstein-1", short(out["wasserstein1"], 6))]
    for side in ("lower", "upper"):
        e = (out.get("edges") or {}).get(side)
        if e:
            items.append((f"{side} edge", f"{short(e['empirical'], 6)} +- {short(e['empirical_se'], 2)}",
                          f"law {short(e['theory'], 8)}"))
    items += _moment_rows(out, out["law_moments"])
    for (x0, m), emp in zip(out.get("atoms") or [], out.get("empirical_atom_mass") or []):
        items.append(("atom", f"at {short(x0, 6)}: mass {short(emp, 6)}", f"law {short(m, 8)}"))
    o = out.get("outliers") or {}
    if o.get("count"):
        items.append(("outliers", f"{o['count']} ({short(o['per_matrix'], 3)} per matrix), largest {short(o['largest'], 6)}"))
    items.append(("eta, zeta", f"{short(out['eta'], 10)}, {short(out['zeta'], 10)}"))
    if out.get("plot"):
        items.append(("figure", out["plot"]))
    lines += rows(items)
    ex = out.get("extrapolation")
    if ex:
        lines.append(f"  fit m_k(n0) = a + b/n0 over n0 = {', '.join(map(str, ex[0]['sizes']))}:")
        lines += rows([(f"m{e['k']}", f"a = {short(e['a'], 8)} +- {short(e['a_se'], 2)}",
                        f"law {short(e['law'], 8)}, z = {short(e['z_score'], 3)}") for e in ex], indent=4)
    if out.get("note"):
        lines.append(f"  note: {out['note']}")
    return "\n".join(l for l in lines if l.strip())


def handle_validate(args) -> dict:
    from ..validation import validate

    tolerance = _tolerance(args.tolerance) if args.tolerance is not None else None
    sizes = None
    if args.extrapolate:
        sizes = [_n0(v) for v in parse_number_list(args.extrapolate, "--extrapolate")]
        if len(set(sizes)) < 2 or min(sizes) < 1:
            raise ParameterError("--extrapolate needs at least two different sizes n0 >= 1")
    if args.plot:
        from ..export.plots import check_figure_path

        check_figure_path(args.plot)  # a bad extension or folder, or no matplotlib: before sampling
    act = activation_from_args(args)
    rep = validate(act, args.phi, args.psi, _n0(args.n0),
                   seeds=parse_int(args.seeds, "--seeds", 1), seed=parse_int(args.seed, "--seed", 0),
                   sigma_w=args.sigma_w, sigma_x=args.sigma_x, entries=args.entries,
                   tolerance=tolerance, progress=True if args.progress else None,
                   method=args.method)
    out = rep.as_dict()
    out["method"] = rep.result.method
    out["moments"] = {f"m{k}": v for k, v in enumerate(out["moments"], 1)}
    out["moments_se"] = {f"m{k}": (v if v == v else None) for k, v in enumerate(out["moments_se"], 1)}
    out["law_moments"] = {f"m{k}": v for k, v in enumerate(out["law_moments"], 1)}
    if args.plot:
        from ..export.plots import plot_spectrum

        plot_spectrum(rep.result, rep.law, path=args.plot, kolmogorov=rep.kolmogorov)
        out["plot"] = args.plot
    if sizes:
        from ..validation import moment_extrapolation

        out["extrapolation"] = moment_extrapolation(
            act, args.phi, args.psi, sizes=sizes, seeds=rep.sizes["seeds"],
            kmax=3, law=rep.law, seed=rep.result.seed, sigma_w=args.sigma_w,
            sigma_x=args.sigma_x, entries=args.entries, method=args.method)
    out["activation"] = args.activation
    if not args.json:
        out["_text"] = _validate_text(out)
    return out


def _tolerance(text):
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"--tolerance must be a number, got {text!r}") from None
    if not 0 < value <= 1:
        raise ParameterError(f"--tolerance must lie in (0, 1], got {text!r}")
    return value


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sample", help="sample the eigenvalues of M = YYᵀ/m (Monte Carlo)",
        description="Sample the eigenvalues of Pennington-Worah's M = YYᵀ/m, Y = f(WX) − E f(σZ), "
                    "W_ij ~ N(0, σw²/n0), X_iμ ~ N(0, σx²), n1 = round(n0/ψ), m = round(n0/φ).")
    _common_arguments(p)
    p.add_argument("--no-center", action="store_true",
                   help="do not subtract the Gaussian mean E f(σZ) (leaves a spike ≈ n1 μ0²)")
    add_json_flag(p)
    p.set_defaults(handler=handle_sample)

    p = subparsers.add_parser(
        "validate", help="sample M = YYᵀ/m and measure its distance to the Pennington-Worah law",
        description="Sample M and report the exact Kolmogorov and Wasserstein-1 distances to the "
                    "Pennington-Worah law, the edges, outliers, moments and a verdict "
                    "(pass iff KS <= tolerance, default 0.02·1000/min(n0, n1, m)).")
    _common_arguments(p)
    p.set_defaults(seeds="4")
    p.add_argument("--tolerance", default=None,
                   help="Kolmogorov tolerance of the verdict (default 0.02·1000/min(n0, n1, m))")
    p.add_argument("--extrapolate", default=None, metavar="N1,N2,...",
                   help="also fit m_k(n0) = a + b/n0 over these sizes (k = 1..3) and compare a "
                        "with the law's moments")
    p.add_argument("--plot", default=None, metavar="FILE",
                   help="also save a figure (histogram vs density; .png, .pdf or .svg)")
    add_json_flag(p)
    p.set_defaults(handler=handle_validate)
