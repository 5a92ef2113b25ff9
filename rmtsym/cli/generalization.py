"""``rmtsym generalization ACT``: test risk, bias, variance and training error (double descent).

Random-feature ridge regression in the setting of Mei & Montanari (CPAM 2022): N = ψ1·d
features σ(⟨θ_a, x⟩/√d), n = ψ2·d samples, ridge penalty (Nλ/d)‖a‖² with the loss averaged
over the n samples.  Argument parsing and output only; the mathematics is in
:mod:`rmtsym.applications.generalization`, the figure in
:mod:`rmtsym.export.generalization_figures`.
"""
from __future__ import annotations

from . import add_json_flag, add_precision_flag, parse_int, parse_number_list
from ..errors import ActivationError, ParameterError

SECTION = "generalization"
ORDER = 1

#: at most this many points from a ``lo:hi:count`` range
MAX_RANGE = 5000


def _axis(text, name):
    """A comma-separated list, or ``lo:hi:count`` (count evenly spaced values, ends included)."""
    s = str(text).strip()
    if ":" in s and "," not in s:
        parts = s.split(":")
        if len(parts) != 3:
            raise ParameterError(f"{name} as a range must read lo:hi:count, got {s!r}")
        lo, hi = (parse_number_list(p, name)[0] for p in parts[:2])
        count = parse_int(parts[2], f"the count of {name}", 1)
        if count > MAX_RANGE:
            raise ParameterError(f"{name}: at most {MAX_RANGE} values in a range, got {count}")
        import mpmath

        a, b = mpmath.mpf(lo), mpmath.mpf(hi)
        if count == 1:
            return [lo]
        return [mpmath.nstr(a + (b - a) * k / (count - 1), 20) for k in range(count)]
    return parse_number_list(s, name)


def _check_plot_path(path):
    from ..export.plots import check_figure_path

    check_figure_path(path)


def handle(args) -> dict:
    from ..applications.generalization.curve import generalization
    from ..numbers import check_dps
    from ._activation import activation_from_args

    if not isinstance(args.activation, str) or not args.activation.strip():
        raise ActivationError("the activation formula is empty")
    dps = check_dps(args.dps)
    psi1 = _axis(args.psi1, "--psi1")
    psi2 = _axis(args.psi2, "--psi2")
    ridge = _axis(args.ridge, "--ridge")
    signal = parse_number_list(args.signal, "--signal")
    noise = parse_number_list(args.noise, "--noise")
    nonlinear = parse_number_list(args.nonlinear_target, "--nonlinear-target")
    for name, vals in (("--signal", signal), ("--noise", noise), ("--nonlinear-target", nonlinear)):
        if len(vals) != 1:
            raise ParameterError(f"{name} takes one number")
    simulate = None
    if args.simulate:
        if args.d is None:
            raise ParameterError("--simulate needs --d (the input dimension of the simulation)")
        simulate = {"d": parse_int(args.d, "--d", 2), "seeds": parse_int(args.seeds, "--seeds", 1),
                    "seed": parse_int(args.seed, "--seed", 0), "inputs": args.inputs}
        if args.n_test is not None:
            simulate["n_test"] = parse_int(args.n_test, "--n-test", 1)
    elif args.d is not None:
        raise ParameterError("--d is the dimension of the simulation; add --simulate")
    if args.plot:
        _check_plot_path(args.plot)
    act = activation_from_args(args)
    curve = generalization(act, psi1, psi2, ridge, signal=signal[0], noise=noise[0],
                           nonlinear=nonlinear[0], dps=dps, simulate=simulate)
    out = curve.as_json(dps)
    out["activation"] = args.activation
    if args.plot:
        if len(curve.points) < 2:
            raise ParameterError("--plot draws a curve: give several values of --psi1, --psi2 or --ridge")
        from ..export.generalization_figures import plot_double_descent

        plot_double_descent(path=args.plot, **curve.figure_data())
        out["plot"] = args.plot
    if not args.json:
        out["_text"] = curve.text() + (f"\n  figure: {args.plot}" if args.plot else "")
    return out


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "generalization",
        help="test risk, bias, variance and training error of random-feature ridge regression "
             "(Mei-Montanari double descent)",
        description="Asymptotic test risk R = F1^2 B + (tau^2 + F*^2) V + F*^2, its bias B and "
                    "variance V, and the training error of ridge regression on N = psi1*d random "
                    "features sigma(<theta, x>/sqrt(d)) with n = psi2*d samples (Mei & Montanari, "
                    "CPAM 2022). Ridge penalty (N lambda/d)|a|^2, loss averaged over the n samples. "
                    "Comma lists (or lo:hi:count) for --psi1, --psi2, --ridge give a curve over "
                    "their grid.")
    p.add_argument("activation", metavar="ACT", help='activation formula in x, e.g. relu, tanh, "Abs(x)"')
    p.add_argument("--psi1", required=True, help="psi1 = N/d: features per input dimension (list or lo:hi:count)")
    p.add_argument("--psi2", required=True, help="psi2 = n/d: samples per input dimension (list or lo:hi:count)")
    p.add_argument("--ridge", required=True, help="ridge lambda >= 0 of the penalty (N lambda/d)|a|^2 "
                                                  "(list or lo:hi:count; 0 = the limit lambda -> 0+)")
    p.add_argument("--signal", default="1", help="F1^2 = |beta|^2, the linear part of the target (default 1)")
    p.add_argument("--noise", default="0", help="tau^2, the variance of the label noise (default 0)")
    p.add_argument("--nonlinear-target", default="0",
                   help="F*^2, the power of the target's nonlinear part (default 0)")
    p.add_argument("--params", default=None, help="values of the activation's parameters, e.g. a=0.1")
    add_precision_flag(p)
    p.add_argument("--simulate", action="store_true", help="add Monte Carlo values at the same points (needs --d)")
    p.add_argument("--d", default=None, help="input dimension d of the simulation")
    p.add_argument("--seeds", default="4", help="independent draws of the simulation (default 4)")
    p.add_argument("--seed", default="0", help="base seed (default 0)")
    p.add_argument("--inputs", default="sphere", choices=["sphere", "gaussian"],
                   help="inputs and weights uniform on the sphere of radius sqrt(d) (default) or Gaussian")
    p.add_argument("--n-test", default=None, help="test inputs per draw (default max(1000, 2n))")
    p.add_argument("--plot", default=None, metavar="FILE",
                   help="draw the curve with the simulated points (.png, .pdf or .svg; the folder must exist)")
    add_json_flag(p)
    p.set_defaults(handler=handle)
