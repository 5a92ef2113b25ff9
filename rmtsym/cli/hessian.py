"""``rmtsym hessian``: the Pennington–Bahri loss-surface model MP_φ ⊞ SC(2ε).

Argument parsing and output only; the mathematics is in
:mod:`rmtsym.applications.loss_surface.model` (alias ``rmtsym.applications.hessian``), the
figure in :mod:`rmtsym.export.hessian_figures`.
"""
from __future__ import annotations

from . import add_json_flag, parse_number_list
from .networks import _num

SECTION = "loss surfaces"
ORDER = 1


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "hessian", help="Pennington-Bahri Hessian: MP_phi ⊞ SC(2 eps), index table, 3/2 law",
        description="Index alpha(eps, phi) (fraction of negative eigenvalues), support and critical "
                    "energy of the Pennington-Bahri Hessian model MP_phi ⊞ SC(2 eps) (ICML 2017), for "
                    "every pair of the given phi and eps values; the exponent of the 3/2 law near "
                    "eps_c for each phi < 1; --plot draws alpha against eps and the densities.")
    p.add_argument("--phi", required=True, metavar="A,B,...",
                   help="ratios of parameters to data points (> 0), comma-separated")
    p.add_argument("--epsilon", required=True, metavar="E1,E2,...",
                   help="energies of the critical points (>= 0), comma-separated")
    p.add_argument("--plot", default=None, metavar="FILE",
                   help="draw alpha against eps for each phi and the density panels (.png, .pdf or "
                        ".svg; the folder must exist)")
    add_json_flag(p)
    p.set_defaults(handler=handle_hessian)


def _f(v, digits=13):
    return None if v is None else _num(v, digits)


def _table_text(out) -> str:
    head = ["phi", "epsilon", "index", "eps_c(phi)", "left edge", "phase"]
    rows = [[r["phi"], r["epsilon"], r["index"], r["critical_energy"] or "-", r["left_edge"], r["phase"]]
            for r in out["table"]]
    short = [[str(c) if i in (0, 1, 5) else f"{float(c):.10g}" if c != "-" else c
              for i, c in enumerate(row)] for row in rows]
    widths = [max(len(head[i]), *(len(r[i]) for r in short)) for i in range(len(head))]
    lines = ["Pennington-Bahri model MP_phi ⊞ SC(2 eps): index = P(lambda < 0)",
             "  " + "  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in short]
    if out["exponent_fit"]:
        lines.append("3/2 law near eps_c: fit of log alpha on log r (+ r, r^2), "
                     "r = (eps - eps_c)/eps_c in [1e-3, 3e-2]")
        for phi, f in out["exponent_fit"].items():
            lines.append(f"  phi = {phi}: exponent {float(f['exponent']):.8f} "
                         f"[95% CI {float(f['ci95'][0]):.8f}, {float(f['ci95'][1]):.8f}]; "
                         f"pure power law {float(f['exponent_pure_power_law']):.4f}; "
                         f"alpha0 fit {float(f['alpha0_fit']):.6g}, closed form {float(f['alpha0_exact']):.6g}")
    lines.append(f"method: {out['method']}")
    if out.get("plot"):
        lines.append(f"plot: {out['plot']}")
    return "\n".join(lines)


def handle_hessian(args) -> dict:
    from ..applications.loss_surface.model import check_phi_epsilon, hessian_summary, model_sweep
    phis = parse_number_list(args.phi, "--phi")
    epss = parse_number_list(args.epsilon, "--epsilon")
    for v in phis:
        check_phi_epsilon(v, 0)
    for v in epss:
        check_phi_epsilon(1, v)
    if args.plot:
        from ..export.hessian_figures import check_figure_path
        check_figure_path(args.plot)  # bad extension, missing folder or matplotlib: before computing
    sweep = model_sweep(phis, epss)
    out = {}
    if len(phis) == 1 and len(epss) == 1:
        s = hessian_summary(phis[0], epss[0])
        out.update({"phi": phis[0], "epsilon": epss[0],
                    "support": [[_num(a), _num(b)] for a, b in s.support],
                    "atoms": [[_num(a), _num(m)] for a, m in s.atoms],
                    "index": _num(s.index), "critical_energy": _num(s.critical_energy),
                    "phase": s.phase})
    out["phis"] = phis
    out["epsilons"] = epss
    out["table"] = [{"phi": phis[i // len(epss)], "epsilon": epss[i % len(epss)],
                     "index": _f(r["index"]), "critical_energy": _f(r["critical_energy"]),
                     "left_edge": _f(r["left_edge"]), "right_edge": _f(r["right_edge"]),
                     "support": [[_f(a), _f(b)] for a, b in r["support"]],
                     "atoms": [[_f(a), _f(m)] for a, m in r["atoms"]], "phase": r["phase"]}
                    for i, r in enumerate(sweep.rows)]
    out["exponent_fit"] = {
        phis[sweep.phis.index(p)]: {"exponent": _f(f.exponent, 10), "ci95": [_f(f.ci95[0], 10), _f(f.ci95[1], 10)],
                                    "exponent_pure_power_law": _f(g.exponent, 10),
                                    "ci95_pure_power_law": [_f(g.ci95[0], 10), _f(g.ci95[1], 10)],
                                    "alpha0_fit": _f(f.alpha0_fit, 10), "alpha0_exact": _f(f.alpha0_exact, 13),
                                    "r_range": [f.r_range[0], f.r_range[1]], "points": f.points,
                                    "method": f.method}
        for p, (f, g) in sweep.fits.items()}
    out["method"] = sweep.method
    if args.plot:
        from ..export.hessian_figures import plot_model_sweep
        plot_model_sweep(sweep.curves, sweep.densities, path=args.plot,
                         critical_energies={p: r["critical_energy"] for p, r in
                                            ((r["phi"], r) for r in sweep.rows)},
                         points=[(r["phi"], r["epsilon"], r["index"]) for r in sweep.rows])
        out["plot"] = args.plot
    if not args.json:
        out["_text"] = _table_text(out)
    return out
