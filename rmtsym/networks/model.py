r"""One model of a deep random network, shared by the theory and the simulation.

A fully connected network is a composition of layers, each a map of the state it carries
(in the spirit of neural-tangents' ``stax``). Layer l = 1..L maps x^{l−1} ∈ R^{n_{l−1}} to

    h^l = σ_{w,l} W^l x^{l−1}/√n_{l−1} + σ_{b,l} b^l,        x^l = φ_l(h^l),

with W^l an n_l × n_{l−1} matrix of unit-variance entries drawn from the layer's weight law
(:mod:`rmtsym.networks.weights`) and b^l ~ N(0, I). A layer without activation (``φ_l =
None``) is a linear read-out. The input–output Jacobian is

    J = D^L W̃^L ⋯ D^1 W̃^1,       W̃^l = σ_{w,l} W^l/√n_{l−1},   D^l = diag φ_l′(h^l)

(Pennington, Schoenholz & Ganguli 2017; Pastur 2020; Pastur & Slavin 2023). Infinite-width
theory needs only the ratios c_l = n_{l−1}/n_l; simulations need the widths themselves.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from ..errors import ParameterError
from .weights import WeightLaw, parse_weight_law

__all__ = ["Layer", "Network", "as_activation", "MAX_DEPTH", "MAX_WIDTH"]

#: deepest network the calculator accepts
MAX_DEPTH = 1000
#: widest layer a simulation may ask for (a width² float64 matrix is then 8 GB: the size
#: check of each simulation refuses what does not fit long before this)
MAX_WIDTH = 10 ** 6

_PARAM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def as_activation(spec, params=None):
    """An :class:`rmtsym.activation.Activation` with every parameter given a value.

    ``spec`` is a formula or shortcut (parsed by the AST whitelist, never evaluated), or an
    Activation; ``params`` maps names to numbers (a dict, or the CLI text ``"a=0.1,b=2"``).
    """
    import sympy as sp

    from ..activation import parse_activation

    values = _param_values(params)
    if hasattr(spec, "expr"):
        act = spec
    else:
        if not isinstance(spec, str) or not spec.strip():
            raise ParameterError("the activation formula is empty")
        act = parse_activation(spec, params=list(values) or None) if values else parse_activation(spec)
    if act.params:
        by_name = {str(p): p for p in act.params}
        missing = [n for n in by_name if n not in values]
        if missing:
            raise ParameterError(f"give a value to the activation's parameter {missing[0]!r} "
                                 f"(e.g. --params {missing[0]}=0.1)")
        act = act.subs({by_name[n]: sp.nsimplify(values[n], rational=True) for n in by_name})
    return act


def _param_values(params) -> dict:
    if params is None:
        return {}
    if isinstance(params, dict):
        items = list(params.items())
    else:
        items = []
        for item in (s.strip() for s in str(params).split(",")):
            if not item:
                raise ParameterError(f"--params must be a comma-separated list name=value, got {params!r}")
            name, eq, val = item.partition("=")
            if not eq:
                raise ParameterError(f"--params: give {name.strip()!r} a value (name=value)")
            items.append((name.strip(), val.strip()))
    out = {}
    for name, val in items:
        name = str(name)
        if not _PARAM_NAME.fullmatch(name) or name == "x":
            raise ParameterError(f"--params: {name!r} is not a valid parameter name")
        try:
            v = float(val)
        except (TypeError, ValueError):
            raise ParameterError(f"--params: the value of {name!r} must be a number, got {val!r}") from None
        if not math.isfinite(v):
            raise ParameterError(f"--params: the value of {name!r} must be finite, got {val!r}")
        out[name] = str(val)
    return out


def _scale(value, name: str, positive: bool) -> str:
    """A σ as a validated decimal string (kept as text so that exact values stay exact)."""
    import mpmath

    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    if type(value).__name__ in ("float64", "float32", "float16", "int64", "int32"):
        value = value.item()  # a numpy scalar: its Python value
    try:
        v = mpmath.mpf(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if not mpmath.isfinite(v):
        raise ParameterError(f"{name} must be a finite number, got {value!r}")
    if positive and not v > 0:
        raise ParameterError(f"{name} must be positive, got {value}")
    if not positive and v < 0:
        raise ParameterError(f"{name} must be non-negative, got {value}")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return repr(value)  # the shortest decimal that reads back to the same double
    return str(value)


@dataclass(frozen=True)
class Layer:
    """One layer: affine map with weight law and scales, then the activation (or none).

    ``sigma_w`` and ``sigma_b`` are decimal strings (exact values stay exact); ``width`` is
    n_l, or None when only infinite-width theory is asked for.
    """
    activation: object
    sigma_w: str
    sigma_b: str
    weights: WeightLaw
    width: Optional[int] = None

    @property
    def name(self) -> str:
        return "linear read-out" if self.activation is None else self.activation.name

    @property
    def sw(self) -> float:
        return float(self.sigma_w)

    @property
    def sb(self) -> float:
        return float(self.sigma_b)


def _per_layer(value, depth: int, what: str) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return list(value) * depth
        if len(value) != depth:
            raise ParameterError(f"{what} lists {len(value)} values for {depth} layers")
        return list(value)
    return [value] * depth


class Network:
    """A fully connected random network (see the module docstring).

    Build one with :meth:`Network.build`. ``layers[l − 1]`` is layer l; ``widths`` is
    [n_0, ..., n_L] or None.
    """

    def __init__(self, layers: Sequence[Layer], input_width: Optional[int] = None):
        self.layers: Tuple[Layer, ...] = tuple(layers)
        self.input_width = input_width
        if not self.layers:
            raise ParameterError("a network needs at least one layer")

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(cls, activation, depth: int, sigma_w=1, sigma_b=0, weights="gaussian",
              widths: Optional[Sequence[int]] = None, width: Optional[int] = None,
              params=None, readout: bool = False,
              allow_infinite_fourth_moment: bool = False) -> "Network":
        r"""A network of ``depth`` layers; any argument may be one value or one per layer.

        Parameters
        ----------
        activation : str, Activation, or a list of them (one per layer)
            φ_l, parsed by the safe parser; ``params`` gives values to free parameters.
        depth : int
            Number of layers with an activation, L ≥ 1.
        sigma_w, sigma_b : number, decimal string, or a list (one per layer)
        weights : str, WeightLaw, callable, or a list
            ``gaussian``, ``orthogonal``, ``rademacher``, ``uniform``, ``student-t:NU``,
            ``sparse:P`` or ``fn(rng, shape)`` (see :mod:`rmtsym.networks.weights`).
        widths : list of L + 1 (L + 2 with ``readout``) whole numbers, optional
            n_0, ..., n_L. ``width=N`` makes every layer N wide.
        readout : bool
            Append a linear read-out layer (σw and σb of the last entry; the ``stax``
            network Dense → (φ → Dense) × L of the kernel computations).
        """
        if isinstance(depth, bool) or not isinstance(depth, (int,)) and not (
                isinstance(depth, float) and depth.is_integer()):
            raise ParameterError(f"the depth must be a whole number, got {depth!r}")
        depth = int(depth)
        if not 1 <= depth <= MAX_DEPTH:
            raise ParameterError(f"the depth must lie between 1 and {MAX_DEPTH}, got {depth}")
        n_affine = depth + (1 if readout else 0)
        acts_in = _per_layer(activation, depth, "the activation")
        cache = {}
        acts = []
        for a in acts_in:
            key = a if isinstance(a, str) else id(a)
            if key not in cache:
                cache[key] = as_activation(a, params)
            acts.append(cache[key])
        if readout:
            acts.append(None)
        sws = [_scale(v, "sigma_w", True) for v in _per_layer(sigma_w, n_affine, "sigma_w")]
        sbs = [_scale(v, "sigma_b", False) for v in _per_layer(sigma_b, n_affine, "sigma_b")]
        laws = [parse_weight_law(w, allow_infinite_fourth_moment)
                for w in _per_layer(weights, n_affine, "the weight law")]
        if widths is not None and width is not None:
            raise ParameterError("give either widths or width, not both")
        ws = None
        if width is not None:
            ws = [_whole(width, "width")] * (n_affine + 1)
        elif widths is not None:
            ws = [_whole(w, "each width") for w in widths]
            if len(ws) != n_affine + 1:
                raise ParameterError(f"{n_affine} layers need {n_affine + 1} widths n0,...,n{n_affine}, "
                                     f"got {len(ws)}")
        layers = [Layer(acts[i], sws[i], sbs[i], laws[i], None if ws is None else ws[i + 1])
                  for i in range(n_affine)]
        return cls(layers, None if ws is None else ws[0])

    def with_widths(self, widths: Sequence[int]) -> "Network":
        """The same network with the widths n_0, ..., n_L given (for simulation)."""
        ws = [_whole(w, "each width") for w in widths]
        if len(ws) != len(self.layers) + 1:
            raise ParameterError(f"{len(self.layers)} layers need {len(self.layers) + 1} widths, got {len(ws)}")
        return Network([Layer(l.activation, l.sigma_w, l.sigma_b, l.weights, n)
                        for l, n in zip(self.layers, ws[1:])], ws[0])

    # ------------------------------------------------------------------ properties
    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def widths(self) -> Optional[List[int]]:
        if self.input_width is None or any(l.width is None for l in self.layers):
            return None
        return [self.input_width] + [l.width for l in self.layers]

    @property
    def ratios(self) -> List[float]:
        """c_l = n_{l−1}/n_l, l = 1..L (all 1 when no widths were given)."""
        ws = self.widths
        if ws is None:
            return [1.0] * self.depth
        return [a / b for a, b in zip(ws[:-1], ws[1:])]

    @property
    def square(self) -> bool:
        ws = self.widths
        return ws is None or len(set(ws)) == 1

    @property
    def homogeneous(self) -> bool:
        """Every layer has the same activation, scales and weight law (so a fixed point q* exists)."""
        first = self.layers[0]
        key = (_act_key(first.activation), first.sigma_w, first.sigma_b, first.weights.name)
        return all((_act_key(l.activation), l.sigma_w, l.sigma_b, l.weights.name) == key
                   for l in self.layers)

    def describe(self) -> dict:
        """A JSON-ready description (what the theory and the simulation were given)."""
        def common(values):
            return values[0] if len(set(values)) == 1 else values

        return {"depth": self.depth,
                "activation": common([l.name for l in self.layers]),
                "sigma_w": common([l.sigma_w for l in self.layers]),
                "sigma_b": common([l.sigma_b for l in self.layers]),
                "weights": common([l.weights.name for l in self.layers]),
                "widths": self.widths}

    def __repr__(self) -> str:
        d = self.describe()
        return (f"Network(depth={d['depth']}, activation={d['activation']!r}, sigma_w={d['sigma_w']!r}, "
                f"sigma_b={d['sigma_b']!r}, weights={d['weights']!r}, widths={d['widths']!r})")


def _act_key(act):
    if act is None:
        return None
    import sympy as sp
    return sp.srepr(act.expr)


def _whole(value, what: str) -> int:
    if isinstance(value, bool):
        raise ParameterError(f"{what} must be a whole number, got {value!r}")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be a whole number, got {value!r}") from None
    if not math.isfinite(f) or f != int(f) or f < 1:
        raise ParameterError(f"{what} must be a positive whole number, got {value!r}")
    if f > MAX_WIDTH:
        raise ParameterError(f"{what} must be at most {MAX_WIDTH}, got {value!r}")
    return int(f)
