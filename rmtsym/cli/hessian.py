"""``rmtsym hessian``: the Pennington–Bahri loss-surface model.

Argument parsing and output only; the mathematics is in :mod:`rmtsym.applications.hessian`.
"""
from __future__ import annotations

from . import add_json_flag
from .networks import _num, _text


def register(subparsers) -> None:
    p = subparsers.add_parser("hessian", help="Pennington-Bahri Hessian: MP_phi ⊞ SC(2 eps)",
                              description="Support, index (fraction of negative eigenvalues) and "
                                          "critical energy of the Pennington-Bahri Hessian model.")
    p.add_argument("--phi", required=True, help="ratio of parameters to data points")
    p.add_argument("--epsilon", required=True, help="energy of the critical point (>= 0)")
    add_json_flag(p)
    p.set_defaults(handler=handle_hessian)


def handle_hessian(args) -> dict:
    from ..applications.hessian import hessian_summary
    s = hessian_summary(args.phi, args.epsilon)
    out = {"phi": args.phi, "epsilon": args.epsilon,
           "support": [[_num(a), _num(b)] for a, b in s.support],
           "atoms": [[_num(a), _num(m)] for a, m in s.atoms],
           "index": _num(s.index), "critical_energy": _num(s.critical_energy),
           "phase": s.phase}
    if not args.json:
        out["_text"] = _text(out)
    return out
