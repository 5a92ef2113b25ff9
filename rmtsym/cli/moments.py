"""``rmtsym moments ACT``: the Gaussian moments μ0, η, ζ of an activation.

η = Var f(σZ) and ζ = (E[Z f(σZ)])² with σ = σw·σx (Pennington & Worah 2017); closed
forms where they exist, certified quadrature otherwise.  Argument parsing and output
only; the mathematics lives in :mod:`rmtsym.gaussian`.
"""
from __future__ import annotations

from . import add_json_flag, add_precision_flag, add_sigma_flags
from ._activation import activation_from_args, add_params_flag
from ._format import rows

#: where ``rmtsym --help`` lists this command (see :mod:`rmtsym.cli`)
SECTION = "single layer"
ORDER = 10

def handle(args) -> dict:
    from ..gaussian import gaussian_moments

    act = activation_from_args(args)
    gm = gaussian_moments(act, sigma_w=args.sigma_w, sigma_x=args.sigma_x, dps=args.dps)
    payload = gm.as_json(args.dps)
    payload["activation"] = args.activation
    if not args.json:
        payload["_text"] = summary(payload)
    return payload


def _method(p, key):
    if p[f"{key}_closed_form"]:
        expr = p[f"{key}_expr"]
        if expr is None or p[key] is None or expr == p[key] or len(expr) > 90:
            return "closed form" + (" (in --json)" if expr and len(expr) > 90 and p[key] is not None else "")
        return f"closed form: {expr}"
    digits = p.get(f"{key}_digits")
    return f"{p[f'{key}_method']}" + (f", {digits} certified digits" if digits else "")


def summary(p: dict) -> str:
    """The human summary of ``rmtsym moments``."""
    sw, sx = p["sigma_w"], p["sigma_x"]
    name = p["expr"] if len(p["expr"]) <= 60 else p["activation"]
    head = f"Gaussian moments of f(x) = {name} at sigma = sigma_w*sigma_x"
    head += f" (sigma_w = {sw}, sigma_x = {sx})" if (sw, sx) != ("1", "1") else " = 1"
    lines = [head]
    items = []
    tiny_note = _tiny_mean_note(p)
    for key, label in (("mean", "mean  E f(sZ)"), ("eta", "eta   Var f(sZ)"),
                       ("zeta", "zeta  (E[Z f(sZ)])^2")):
        value = p[key] if p[key] is not None else p[f"{key}_expr"]
        if key == "mean" and tiny_note is not None:
            value = tiny_note[0]
        if p[key] is None and value is not None and len(value) > 200:
            value = value[:200] + " ... (in --json)"
        items.append((label, value, _method(p, key)))
    lines += rows(items)
    if p["params"]:
        lines.append(f"  free parameters: {', '.join(p['params'])}")
    for c in p.get("conditions") or []:
        lines.append(f"  assuming {c}")
    for n in p.get("notes") or []:
        lines.append(f"  note: {n}")
    if tiny_note is not None:
        lines.append(f"  note: {tiny_note[1]}")
    return "\n".join(lines)


#: a mean below this fraction of the scale sqrt(E f(sZ)^2) is shown in short form in text
TINY_MEAN = 1e-20


def _tiny_mean_note(p: dict):
    """(short value, note) when the mean is not 0 but negligible against sqrt(E f(sZ)^2).

    SELU's constants λ, α make the mean 0 at sigma = 1 only as exact numbers; the shortcut
    carries them to 31 digits, which leaves a certified mean of -1.2e-32. Printing that with
    30 significant digits looks like noise; the text shows it with 2 (the full value stays in
    --json) and says what it is. An exact 0 (odd f, closed forms) is printed as 0 already."""
    import mpmath
    if p.get("mean") is None or p.get("eta") is None:
        return None
    with mpmath.workdps(max(int(p.get("dps") or 15), 15) + 5):
        mean, eta = mpmath.mpf(p["mean"]), mpmath.mpf(p["eta"])
        if mean == 0:
            return None
        scale = mpmath.sqrt(abs(eta) + mean ** 2)
        if not scale > 0 or abs(mean) >= TINY_MEAN * scale:
            return None
        short = mpmath.nstr(mean, 2, min_fixed=1, max_fixed=0)
        ratio = mpmath.nstr(abs(mean) / scale, 2, min_fixed=1, max_fixed=0)
    note = (f"the mean {short} is not 0 but {ratio} of sqrt(E f(sZ)^2) = {mpmath.nstr(scale, 6)}: "
            "the remainder left by constants given to finitely many digits (SELU's lambda and "
            "alpha give mean 0 at sigma = 1 only as exact numbers); all digits in --json")
    return short, note


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "moments",
        help="Gaussian moments mean, eta = Var f(sZ), zeta = (E[Z f(sZ)])^2 of an activation",
        description="Gaussian moments of an activation f at s = sigma_w*sigma_x: "
                    "mean = E f(sZ), eta = Var f(sZ), zeta = (E[Z f(sZ)])^2 "
                    "(Pennington & Worah 2017). Closed forms where they exist, "
                    "certified quadrature otherwise.")
    p.add_argument("activation", help='formula in x (e.g. "tanh(x)", "Max(x, a*x)") or a '
                                      "shortcut (relu, gelu, silu, ...)")
    add_sigma_flags(p)
    add_precision_flag(p)
    add_params_flag(p)
    add_json_flag(p)
    p.set_defaults(handler=handle)
