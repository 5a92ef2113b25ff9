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


#: the default slope of ``leaky_relu`` (``activation.LEAKY_SLOPE``)
_A = sp.Symbol("a", real=True)


def _relu():
    return (sp.sqrt(2) * S / (2 * sp.sqrt(sp.pi)), S**2 * (sp.pi - 1) / (2 * sp.pi), S**2 / 4, (), ())


def _linear():
    return (sp.Integer(0), S**2, S**2, (), (_ODD_MEAN,))


def _abs():
    return (sp.sqrt(2) * S / sp.sqrt(sp.pi), S**2 * (sp.pi - 2) / sp.pi, sp.Integer(0), (), ())


def _leaky_relu():
    a = _A
    return (sp.sqrt(2) * S * sp.Abs(a - 1) / (2 * sp.sqrt(sp.pi)),
            S**2 * (-(a - 1)**2 + sp.pi * (a**2 + 1)) / (2 * sp.pi),
            S**2 * (a + 1)**2 / 4, (), ())


def _erf():
    return (sp.Integer(0), 2 * sp.asin(2 * S**2 / (2 * S**2 + 1)) / sp.pi,
            4 * S**2 / (sp.pi * (2 * S**2 + 1)), (), (_ODD_MEAN,))


def _hard_tanh():
    erfc = sp.erfc(sp.sqrt(2) / (2 * S))
    return (sp.Integer(0),
            S**2 * (-erfc + 1 - sp.sqrt(2) * sp.exp(-1 / (2 * S**2)) / (sp.sqrt(sp.pi) * S)) + erfc,
            S**2 * (erfc - 1)**2, (), ())


#: shortcut name → (``sympy.srepr`` of its expression, builder of (mean, η, ζ, conditions,
#: notes) in symbols.sigma); the keys are written out so that a lookup builds no expression
#: (the test checks each against the parsed shortcut)
ENTRIES = {
    "relu": ("Max(Integer(0), Symbol('x', real=True))", _relu),
    "linear": ("Symbol('x', real=True)", _linear),
    "abs": ("Abs(Symbol('x', real=True))", _abs),
    "leaky_relu": ("Max(Symbol('x', real=True), Mul(Symbol('a', real=True), Symbol('x', real=True)))",
                   _leaky_relu),
    "erf": ("erf(Symbol('x', real=True))", _erf),
    "hard_tanh": ("Max(Integer(-1), Min(Integer(1), Symbol('x', real=True)))", _hard_tanh),
}

_KEYS = {key: build for key, build in ENTRIES.values()}


def known_moments(key: str):
    """The tabulated (mean, η, ζ, conditions, notes) for the expression whose ``srepr`` is
    ``key``, or None. Only the entry asked for is built."""
    build = _KEYS.get(key)
    return None if build is None else build()


__all__ = ["ENTRIES", "known_moments"]
