"""The closed forms of μ0, η, ζ that the engine finds for a few shortcut activations, as source.

A fresh process spends most of ``rmtsym spectrum relu`` in the closed-form search for ReLU
(SymPy's integrals and ``simplify``, and the quadrature self-check). For the activations
below, at their default parameters, the search's result is written out here and used
instead; it is the *same* result, expression for expression, conditions and notes included
(so every method and note string is unchanged): ``tests/test_gaussian.py`` recomputes each
entry with the search itself (:func:`rmtsym.gaussian.moments._search_moments`) and asserts
exact equality, so the table cannot drift from the engine.

An entry is used only for exactly its expression (the key is ``sympy.srepr`` of the
activation's expression, as the moment cache's); ``leaky_relu(0.1)``, ``relu(2*x)`` or
any other expression goes through the search as before.
"""
from __future__ import annotations

import sympy as sp

from ..symbols import sigma as S
from ..symbols import x as X

_ODD_MEAN = "parity: f odd, so the mean is 0"


def _relu():
    return (sp.Max(X, 0),
            (sp.sqrt(2) * S / (2 * sp.sqrt(sp.pi)), S**2 * (sp.pi - 1) / (2 * sp.pi), S**2 / 4, (), ()))


def _linear():
    return X, (sp.Integer(0), S**2, S**2, (), (_ODD_MEAN,))


def _abs():
    return (sp.Abs(X),
            (sp.sqrt(2) * S / sp.sqrt(sp.pi), S**2 * (sp.pi - 2) / sp.pi, sp.Integer(0), (), ()))


def _leaky_relu():
    a = sp.Symbol("a", real=True)  # the default slope of leaky_relu (activation.LEAKY_SLOPE)
    return (sp.Max(X, a * X),
            (sp.sqrt(2) * S * sp.Abs(a - 1) / (2 * sp.sqrt(sp.pi)),
             S**2 * (-(a - 1)**2 + sp.pi * (a**2 + 1)) / (2 * sp.pi),
             S**2 * (a + 1)**2 / 4, (), ()))


def _erf():
    return (sp.erf(X),
            (sp.Integer(0), 2 * sp.asin(2 * S**2 / (2 * S**2 + 1)) / sp.pi,
             4 * S**2 / (sp.pi * (2 * S**2 + 1)), (), (_ODD_MEAN,)))


def _hard_tanh():
    erfc = sp.erfc(sp.sqrt(2) / (2 * S))
    return (sp.Max(-1, sp.Min(1, X)),
            (sp.Integer(0),
             S**2 * (-erfc + 1 - sp.sqrt(2) * sp.exp(-1 / (2 * S**2)) / (sp.sqrt(sp.pi) * S)) + erfc,
             S**2 * (erfc - 1)**2, (), ()))


#: shortcut name → builder of (expression, (mean, η, ζ, conditions, notes)) in symbols.sigma
ENTRIES = {"relu": _relu, "linear": _linear, "abs": _abs, "leaky_relu": _leaky_relu,
           "erf": _erf, "hard_tanh": _hard_tanh}

_TABLE: dict = {}


def known_moments(key: str):
    """The tabulated (mean, η, ζ, conditions, notes) for the expression whose ``srepr`` is
    ``key``, or None."""
    if not _TABLE:
        for build in ENTRIES.values():
            expr, forms = build()
            _TABLE[sp.srepr(expr)] = forms
    return _TABLE.get(key)


__all__ = ["ENTRIES", "known_moments"]
