"""The command-line grammar of a deep random network, shared by every deep-network command.

    ACT                      one activation, or one per layer separated by ';'
                             ("tanh", "tanh; relu; erf(x)")
    --layers L / --depth L   number of layers with an activation
    --sigma-w S, --sigma-b B one value, or one per layer separated by ','
    --weights LAW            gaussian, orthogonal, rademacher, uniform, student-t:NU, sparse:P
                             (one, or one per layer separated by ',')
    --params a=V,...         values of the activation's free parameters
    --widths n0,...,nL       the widths (ratios matter at infinite width; simulations use them)
    --width N                every layer N wide
    --input-mean-square Q    ‖x⁰‖²/n0 of the input (else the fixed point q*)

Parsing only: the network itself is :class:`rmtsym.networks.model.Network`.
"""
from __future__ import annotations

import math

from ..errors import ParameterError

__all__ = ["add_network_arguments", "network_from_args", "split_list"]


def add_network_arguments(p, depth_flag: str = "--layers", widths: bool = True,
                          input_mean_square: bool = True) -> None:
    """Add the network options above to an argparse parser."""
    p.add_argument("activation", help='formula in x or a shortcut; one per layer separated by ";"')
    p.add_argument(depth_flag, dest="depth", type=int, required=True, help="number of layers L")
    p.add_argument("--sigma-w", default="1", help="weight scale σw (one value, or one per layer: 1.5,1.2,...)")
    p.add_argument("--sigma-b", default="0", help="bias scale σb (one value, or one per layer)")
    p.add_argument("--weights", default="gaussian",
                   help="weight law: gaussian, orthogonal, rademacher, uniform, student-t:NU (NU > 4), "
                        "sparse:P (0 < P <= 1); one, or one per layer separated by ','")
    p.add_argument("--params", default=None, help="values of the activation's parameters, a=0.1,b=2")
    if widths:
        p.add_argument("--widths", default=None, help="widths n0,n1,...,nL (L + 1 whole numbers)")
    if input_mean_square:
        p.add_argument("--input-mean-square", default=None, metavar="Q",
                       help="the input's mean square ||x0||^2/n0 (layer-by-layer mean field from the "
                            "input); without it every layer sits at the fixed point q*")


def split_list(text, name: str, sep: str = ","):
    """``"a,b,c"`` → ["a", "b", "c"]; an empty item is an error, not a silent skip."""
    items = [s.strip() for s in str(text).split(sep)]
    if any(not s for s in items):
        raise ParameterError(f"{name} has an empty item in {text!r}")
    return items


def _whole(text, name):
    try:
        v = float(text)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a whole number, got {text!r}") from None
    if not math.isfinite(v) or v != int(v) or v < 1:
        raise ParameterError(f"{name} must be a positive whole number, got {text!r}")
    return int(v)


def network_from_args(args, width=None, readout: bool = False):
    """The :class:`~rmtsym.networks.model.Network` the options describe (``width`` overrides)."""
    from ..networks.model import MAX_DEPTH, Network

    depth = _whole(args.depth, "the number of layers")
    if depth > MAX_DEPTH:
        raise ParameterError(f"the number of layers must be at most {MAX_DEPTH}, got {depth}")
    acts = split_list(args.activation, "the activation list", ";")
    sws = split_list(args.sigma_w, "--sigma-w")
    sbs = split_list(args.sigma_b, "--sigma-b")
    laws = split_list(args.weights, "--weights")
    widths = None
    if getattr(args, "widths", None) is not None:
        widths = [_whole(w, "each width") for w in split_list(args.widths, "--widths")]
        need = depth + 1 + (1 if readout else 0)
        if len(widths) != need:
            raise ParameterError(f"--widths must list {need} numbers n0,...,n{need - 1} for "
                                 f"{depth} layers, got {len(widths)}")
    if width is not None and widths is not None:
        raise ParameterError("give --widths or --width, not both")
    return Network.build(acts if len(acts) > 1 else acts[0], depth,
                         sigma_w=sws if len(sws) > 1 else sws[0],
                         sigma_b=sbs if len(sbs) > 1 else sbs[0],
                         weights=laws if len(laws) > 1 else laws[0],
                         widths=widths, width=width, params=args.params, readout=readout)
