"""``rmtsym report``: a standalone derivation document (LaTeX or Markdown) for one activation.

Argument parsing and output only; the content is obtained from the pipeline by
:mod:`rmtsym.documents.report` and rendered by :mod:`rmtsym.export` (Pennington & Worah,
NeurIPS 2017).
"""
from __future__ import annotations

import sys

from . import add_json_flag, add_sigma_flags, parse_int, parse_number_list
from ._activation import activation_from_args, add_params_flag

#: where ``rmtsym --help`` lists this command (see :mod:`rmtsym.cli`)
SECTION = "export"
ORDER = 10


def handle_report(args) -> dict:
    from ..documents.report import DEFAULT_GAMMAS, write_report

    gammas = parse_number_list(args.gamma, "--gamma") if args.gamma else list(DEFAULT_GAMMAS)
    command = "rmtsym report " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else None
    act = activation_from_args(args) if args.params is not None else args.activation
    out = write_report(act, args.phi, args.psi, output=args.output, fmt=args.format,
                       figures=args.figures, sigma_w=args.sigma_w, sigma_x=args.sigma_x,
                       dps=parse_int(args.dps, "--dps", 5), gammas=gammas, n0=parse_int(args.n0, "--n0", 10),
                       seeds=parse_int(args.seeds, "--seeds", 1), seed=parse_int(args.seed, "--seed", 0),
                       command=command)
    if args.output:
        out["_text"] = "wrote " + ", ".join(out["paths"])
    else:
        out["_text"] = out["document"]
    return out


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report", help="derivation document (LaTeX or Markdown) for one activation",
        description="Write a standalone derivation document for one activation: setup, eta and zeta, "
                    "the Pennington-Worah equation, special case, support and atoms, moments, the "
                    "memorization loss and (with --figures) the density against a simulation.")
    p.add_argument("activation", metavar="ACT", help="activation formula, e.g. tanh, relu, 'Abs(x)'")
    p.add_argument("--phi", required=True, help="φ = n0/m (number or fraction such as 1/4)")
    p.add_argument("--psi", required=True, help="ψ = n0/n1 (number or fraction such as 1/4)")
    p.add_argument("--format", choices=["tex", "md"], default=None,
                   help="tex or md (default: from the --output extension, else tex)")
    p.add_argument("--output", "-o", default=None,
                   help="file to write (without it the document is printed)")
    p.add_argument("--figures", action="store_true",
                   help="simulate at a modest n0 and include the density and memorization figures (PNG "
                        "next to --output)")
    p.add_argument("--gamma", default=None, help="ridge parameters of the memorization table "
                                                 "(default 0.001,0.01,0.1,1,10)")
    p.add_argument("--n0", default="400", help="input dimension of the simulation for --figures (default 400)")
    p.add_argument("--seeds", default="2", help="matrices simulated for --figures (default 2)")
    p.add_argument("--seed", default="0", help="base seed of the simulation (default 0)")
    p.add_argument("--dps", default="20", help="decimal digits of the numbers (default 20)")
    add_sigma_flags(p)
    add_params_flag(p)
    add_json_flag(p)
    p.set_defaults(handler=handle_report)
