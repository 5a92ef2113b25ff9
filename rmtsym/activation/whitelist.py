"""What a formula may contain: the whitelisted functions, constants and AST nodes.

The names a formula may call (:data:`FUNCTIONS`), its constants (``pi``, ``E``, ``e``),
the names refused with a reason (``I``, ``oo``, ``nan``, ...) and those reserved for what
rmtsym computes (``sigma``, ``eta``, ``zeta``, ``phi``, ``psi``), the operators and
comparisons, and the words that name each refused kind of Python syntax.
"""
from __future__ import annotations

import ast
import re

import sympy as sp


_UNARY = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "erf": sp.erf, "erfc": sp.erfc,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sinh": sp.sinh, "cosh": sp.cosh,
    "tanh": sp.tanh, "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh, "sec": sp.sec,
    "csc": sp.csc, "cot": sp.cot, "sech": sp.sech, "csch": sp.csch, "coth": sp.coth,
    "Abs": sp.Abs, "abs": sp.Abs, "sign": sp.sign, "Heaviside": sp.Heaviside,
}
#: functions accepted in formulas (shortcuts aside)
FUNCTIONS = tuple(sorted(set(_UNARY) | {"Max", "Min", "max", "min", "Piecewise"}))

_CONSTANTS = {"pi": sp.pi, "E": sp.E, "e": sp.E}
_REFUSED = {
    "I": "complex numbers are not allowed in an activation",
    "j": None,  # plain parameter; listed so the rule below is explicit
    "oo": "infinities are not allowed in an activation",
    "inf": "infinities are not allowed in an activation",
    "zoo": "infinities are not allowed in an activation",
    "nan": "nan is not allowed in an activation",
    "NaN": "nan is not allowed in an activation",
    "infinity": "infinities are not allowed in an activation",
}
_REFUSED = {k: v for k, v in _REFUSED.items() if v is not None}
_RESERVED = {"sigma", "sigma_w", "sigma_x", "eta", "zeta", "phi", "psi"}


_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CMP = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge}
_NODE_WORDS = {
    "Attribute": "attribute access (a.b) is", "Subscript": "indexing (a[b]) is",
    "Lambda": "lambda functions are", "ListComp": "comprehensions are",
    "SetComp": "comprehensions are", "DictComp": "comprehensions are",
    "GeneratorExp": "generator expressions are",
    "IfExp": "conditional expressions (a if b else c; use Piecewise) are",
    "List": "lists are", "Set": "sets are", "Dict": "dictionaries are",
    "JoinedStr": "strings are", "FormattedValue": "strings are",
    "Starred": "starred arguments are", "NamedExpr": "assignments (:=) are",
    "Await": "await is", "Yield": "yield is", "YieldFrom": "yield is", "Slice": "slices are",
}
