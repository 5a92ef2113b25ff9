"""Named shortcut activations: relu, leaky_relu, gelu, silu, elu, hard_tanh, hermite(k), ...

The simple ones: ``relu`` max(x, 0); ``relu6`` min(max(x, 0), 6); ``sigmoid`` 1/(1 + e^−x);
``softplus`` log(1 + e^x); ``gelu`` xΦ(x); ``silu`` = ``swish`` x/(1 + e^−x) (swish with
β = 1); ``mish`` x tanh(softplus x) (Misra 2019); ``selu`` λ(x if x > 0 else α(e^x − 1)) with
the constants λ, α of Klambauer et al. (NeurIPS 2017); ``softsign`` x/(1 + |x|);
``hard_tanh`` clip(x, −1, 1); ``hard_sigmoid`` clip(x/6 + 1/2, 0, 1) (PyTorch's and Keras 3's
convention, relu6(x + 3)/6); ``linear`` = ``identity`` x; and ``tanh``, ``erf``, ``abs``.

A bare name means the function applied to x (``"relu"``); a non-parametric shortcut called
with one argument is composed with it (``relu(2*x)``); the parametric ones take their
parameter first (``leaky_relu(0.1)``, ``elu(alpha)``, ``hermite(k)``) and an optional input
second. ``hermite(k)`` is the probabilists' He_k, built by its three-term recursion.
"""
from __future__ import annotations

import sympy as sp

from .whitelist import FUNCTIONS, _CONSTANTS


#: default name of the leaky-ReLU slope
LEAKY_SLOPE = "a"


def _hermite_prob(k: int, u):
    """Probabilists' Hermite polynomial He_k(u): He_{k+1} = u He_k − k He_{k−1}.

    The recursion runs on integer coefficient lists (SymPy's ``expand`` at every step
    takes seconds for k = 60); the result is the expanded polynomial in u.
    """
    prev, cur = [1], [0, 1]  # coefficients of He_0, He_1 in increasing powers
    if k == 0:
        return sp.Integer(1)
    for j in range(1, k):
        nxt = [0] + cur  # u * He_j
        for i, c in enumerate(prev):
            nxt[i] -= j * c
        prev, cur = cur, nxt
    return sp.Add(*[sp.Integer(c) * u ** i for i, c in enumerate(cur) if c])


def _sc_relu(u):
    return sp.Max(u, 0)


def _sc_sigmoid(u):
    return 1 / (1 + sp.exp(-u))


def _sc_softplus(u):
    return sp.log(1 + sp.exp(u))


def _sc_gelu(u):
    return u * (1 + sp.erf(u / sp.sqrt(2))) / 2


def _sc_silu(u):
    return u / (1 + sp.exp(-u))


def _sc_hard_tanh(u):
    return sp.Max(-1, sp.Min(1, u))


def _sc_linear(u):
    return u


#: SELU constants (Klambauer et al., "Self-normalizing neural networks", NeurIPS 2017),
#: as the decimals of the paper, kept exact
SELU_LAMBDA = sp.Rational("1.0507009873554804934193349852946")
SELU_ALPHA = sp.Rational("1.6732632423543772848170429916717")


def _sc_selu(u):
    return SELU_LAMBDA * sp.Piecewise((u, u > 0), (SELU_ALPHA * (sp.exp(u) - 1), True))


def _sc_mish(u):
    # Misra 2019: x tanh(softplus(x))
    return u * sp.tanh(sp.log(1 + sp.exp(u)))


def _sc_relu6(u):
    return sp.Min(sp.Max(u, 0), 6)


def _sc_softsign(u):
    return u / (1 + sp.Abs(u))


def _sc_hard_sigmoid(u):
    # PyTorch's and Keras 3's convention: relu6(x + 3)/6 = clip(x/6 + 1/2, 0, 1)
    return sp.Max(0, sp.Min(1, u / 6 + sp.Rational(1, 2)))


_SIMPLE_SHORTCUTS = {
    "relu": _sc_relu, "sigmoid": _sc_sigmoid, "softplus": _sc_softplus, "gelu": _sc_gelu,
    "silu": _sc_silu, "swish": _sc_silu, "hard_tanh": _sc_hard_tanh, "hardtanh": _sc_hard_tanh,
    "linear": _sc_linear, "identity": _sc_linear,
    "selu": _sc_selu, "mish": _sc_mish, "relu6": _sc_relu6, "softsign": _sc_softsign,
    "hard_sigmoid": _sc_hard_sigmoid, "hardsigmoid": _sc_hard_sigmoid,
}
_PARAM_SHORTCUTS = {"leaky_relu", "elu", "hermite"}
#: named shortcut activations
SHORTCUTS = tuple(sorted(set(_SIMPLE_SHORTCUTS) | _PARAM_SHORTCUTS | {"abs", "tanh", "erf"}))
_KNOWN = set(FUNCTIONS) | set(_SIMPLE_SHORTCUTS) | _PARAM_SHORTCUTS | set(_CONSTANTS)
