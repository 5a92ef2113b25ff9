"""``rmtsym nngp | gp``: infinite-width kernels of deep networks and GP inference with them.

Argument parsing and output only; the mathematics is in :mod:`rmtsym.networks.kernels`
(:mod:`~rmtsym.networks.kernels.recursion` for the NNGP and NTK Grams,
:mod:`~rmtsym.networks.kernels.gp` for the posterior).
"""
from __future__ import annotations

from ..errors import ParameterError
from . import add_json_flag
from ._network import add_network_arguments, network_from_args

SECTION = "deep networks"
ORDER = 30

#: Grams up to this many inputs are printed in full (larger ones go to --output)
PRINT_MAX = 50


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "nngp", help="NNGP or NTK Gram of a deep network at infinite width (Lee et al. 2018)",
        description="The kernel K^L (NNGP) or Theta^L (NTK) of Dense -> (ACT -> Dense) x L in "
                    "neural-tangents' stax conventions (NTK parameterization), for a set of "
                    "inputs: closed forms (arc-cosine, erf, GELU) or a fast quadrature with an "
                    "error bound for any activation.")
    add_network_arguments(p, depth_flag="--depth", widths=False, input_mean_square=False)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--inputs", help='inputs X.npy or X.csv (one per row), or "x1;x2;..." with '
                                    'comma-separated entries')
    g.add_argument("--cos-angle", help="two inputs with |x|^2/d = 1 at this cosine")
    p.add_argument("--kernel", choices=("nngp", "ntk"), default="nngp", help="which kernel (default nngp)")
    p.add_argument("--output", help="write the Gram to this .npy or .csv file")
    add_json_flag(p)
    p.set_defaults(handler=handle_nngp)

    p = subparsers.add_parser(
        "gp", help="Bayesian inference with a deep network's NNGP or NTK (GP posterior)",
        description="GP regression with the infinite-width kernel: posterior mean and variance on "
                    "the test inputs, the log marginal likelihood and, with --test-targets, the "
                    "test error (classification by regression when the targets are one-hot). "
                    "--kernel ntk gives the converged gradient-descent predictor of the wide "
                    "network (Lee et al. 2019).")
    add_network_arguments(p, depth_flag="--depth", widths=False, input_mean_square=False)
    p.add_argument("--train", nargs=2, metavar=("X", "Y"), required=True,
                   help="training inputs and targets (.npy or .csv; Y one column per output)")
    p.add_argument("--test", required=True, metavar="XT", help="test inputs (.npy or .csv)")
    p.add_argument("--test-targets", metavar="YT", help="test targets, for the test error")
    p.add_argument("--kernel", choices=("nngp", "ntk"), default="nngp", help="which kernel (default nngp)")
    p.add_argument("--noise", default="0", help="observation noise variance s2 (default 0)")
    p.add_argument("--output", help="write the posterior mean to this .npy or .csv file")
    add_json_flag(p)
    p.set_defaults(handler=handle_gp)


def _fmt(v, digits=10):
    return f"{v:.{digits}g}"


def _text_table(rows):
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def _inputs(args):
    import math
    import numpy as np
    from ..networks.kernels.arrays import load_array, looks_like_path
    from ..networks.nngp import parse_inputs
    if args.inputs is not None:
        if looks_like_path(args.inputs):
            return load_array(args.inputs, "--inputs")
        return parse_inputs(args.inputs)
    import mpmath
    try:
        c = float(mpmath.mpf(args.cos_angle))
    except (TypeError, ValueError):
        raise ParameterError(f"--cos-angle must be a number, got {args.cos_angle!r}") from None
    if not -1 <= c <= 1:
        raise ParameterError("--cos-angle must lie in [-1, 1]")
    return np.array([[1.0, 0.0], [c, math.sqrt(1 - c * c)]]) * math.sqrt(2)  # |x|²/d = 1


def handle_nngp(args) -> dict:
    import numpy as np
    from ..networks.kernels.arrays import check_output_path, save_array
    from ..networks.kernels.recursion import check_gram_size, kernel_matrices
    out_path = check_output_path(args.output) if args.output else None
    X = _inputs(args)
    check_gram_size(X.shape[0], X.shape[0])
    net = network_from_args(args, readout=True)
    r = kernel_matrices(net, X, ntk=(args.kernel == "ntk"))
    G = r.ntk if args.kernel == "ntk" else r.nngp
    n = G.shape[0]
    d = np.sqrt(np.diag(G))
    corr = G / np.outer(d, d)
    method = r.methods[0] if len(set(r.methods)) == 1 else "; ".join(dict.fromkeys(r.methods))
    out = {"activation": args.activation, "depth": net.depth - 1, "kernel_name": args.kernel,
           "n_inputs": n, "input_dimension": X.shape[1], "method": method,
           "quadrature_error": r.error,
           "regime": "infinite width; NTK parameterization (neural-tangents stax conventions); "
                     "the weight law does not matter at infinite width (i.i.d. unit variance)",
           "network": r.network}
    if n <= PRINT_MAX:
        out["kernel"] = [[float(v) for v in row] for row in G]
        out["correlation"] = [[float(v) for v in row] for row in corr]
    else:
        out["kernel_summary"] = {"diagonal_mean": float(np.mean(np.diag(G))),
                                 "min": float(G.min()), "max": float(G.max())}
    if out_path:
        save_array(out_path, G)
        out["output"] = out_path
    if not args.json:
        rows = [("kernel", f"{args.kernel.upper()} of {n} inputs in R^{X.shape[1]}, depth {net.depth - 1}"),
                ("method", method),
                ("error bound", _fmt(r.error, 3) if r.error else "0 (closed form)")]
        if n <= 6:
            for i in range(n):
                rows.append((f"row {i + 1}", "  ".join(_fmt(v, 12) for v in G[i])))
        else:
            rows.append(("diagonal mean", _fmt(float(np.mean(np.diag(G))), 12)))
        if out_path:
            rows.append(("written to", out_path))
        out["_text"] = _text_table(rows)
    return out


def handle_gp(args) -> dict:
    import numpy as np
    from ..networks.kernels.arrays import check_output_path, load_array, save_array
    from ..networks.kernels.gp import gp_posterior, is_one_hot, ntk_predictor
    from ..networks.kernels.recursion import check_gram_size, kernel_matrices
    out_path = check_output_path(args.output) if args.output else None
    try:
        noise = float(args.noise)
    except ValueError:
        raise ParameterError(f"--noise must be a number, got {args.noise!r}") from None
    if not (noise >= 0 and np.isfinite(noise)):
        raise ParameterError(f"--noise must be a finite number ≥ 0, got {args.noise!r}")
    X = load_array(args.train[0], "--train X")
    Y = load_array(args.train[1], "--train Y", ndim=(1, 2))
    Xt = load_array(args.test, "--test")
    Yt = load_array(args.test_targets, "--test-targets", ndim=(1, 2)) if args.test_targets else None
    if Y.shape[0] != X.shape[0]:
        raise ParameterError(f"--train: {X.shape[0]} inputs but {Y.shape[0]} targets")
    if Xt.shape[1] != X.shape[1]:
        raise ParameterError(f"--test inputs have dimension {Xt.shape[1]}, the training inputs {X.shape[1]}")
    if Yt is not None and (Yt.shape[0] != Xt.shape[0] or Yt.ndim != Y.ndim or
                           (Y.ndim == 2 and Yt.shape[1] != Y.shape[1])):
        raise ParameterError(f"--test-targets has shape {Yt.shape}, expected {(Xt.shape[0],) + Y.shape[1:]}")
    check_gram_size(X.shape[0], X.shape[0] + Xt.shape[0], "the training and test Grams")
    net = network_from_args(args, readout=True)
    ntk = args.kernel == "ntk"
    tr = kernel_matrices(net, X, ntk=ntk)
    cr = kernel_matrices(net, Xt, X, ntk=ntk)
    if ntk:
        res = ntk_predictor(tr.ntk, cr.ntk, tr.nngp, cr.nngp, cr.nngp_diag1, Y, noise)
    else:
        res = gp_posterior(tr.nngp, cr.nngp, cr.nngp_diag1, Y, noise)
    mean = res.mean if Y.ndim == 2 else res.mean[:, 0]
    out = {"activation": args.activation, "depth": net.depth - 1, "kernel": args.kernel,
           "noise": noise, "jitter": res.jitter, "n_train": int(X.shape[0]), "n_test": int(Xt.shape[0]),
           "log_marginal_likelihood": res.log_marginal_likelihood,
           "method": "; ".join(dict.fromkeys(tr.methods)), "quadrature_error": max(tr.error, cr.error),
           "mean_predictive_variance": float(np.mean(res.variance)),
           "regime": ("NNGP posterior (Bayesian inference with the infinite-width prior)" if not ntk else
                      "NTK: mean and variance over initialisations of the infinitely wide network "
                      "trained by gradient flow to convergence; the log marginal likelihood is that "
                      "of a GP with covariance Theta + s2 I"),
           "network": tr.network}
    if Yt is not None:
        err2 = (res.mean - (Yt if Yt.ndim == 2 else Yt[:, None])) ** 2
        out["test_mse"] = float(np.mean(err2))
        if Y.ndim == 2 and is_one_hot(Y):
            acc = float(np.mean(np.argmax(res.mean, 1) == np.argmax(Yt, 1)))
            out["test_accuracy"] = acc
            out["test_error"] = 1.0 - acc
            out["test_error_kind"] = "classification error (argmax of the mean, one-hot targets)"
        else:
            out["test_error"] = out["test_mse"]
            out["test_error_kind"] = "mean squared error"
        from scipy.stats import spearmanr
        per_point = err2.mean(1)
        if np.ptp(res.variance) > 0 and np.ptp(per_point) > 0:
            out["variance_error_spearman"] = float(spearmanr(res.variance, per_point).statistic)
    if out_path:
        save_array(out_path, mean)
        out["output"] = out_path
    if not args.json:
        rows = []
        if "test_error" in out:
            rows.append(("test error", f"{_fmt(out['test_error'], 6)}  ({out['test_error_kind']})"))
        if res.log_marginal_likelihood is not None:
            rows.append(("log marginal likelihood", _fmt(res.log_marginal_likelihood, 12)))
        rows += [("kernel", f"{args.kernel.upper()}, depth {net.depth - 1}, noise {noise:g}"
                  + (f", jitter {res.jitter:.1e}" if res.jitter else "")),
                 ("method", out["method"]),
                 ("train / test", f"{X.shape[0]} / {Xt.shape[0]}"),
                 ("mean predictive variance", _fmt(out["mean_predictive_variance"], 6))]
        if out_path:
            rows.append(("mean written to", out_path))
        out["_text"] = _text_table(rows)
    return out
