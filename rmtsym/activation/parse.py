"""The entry point :func:`parse_activation`: a formula, a SymPy expression or an Activation.

Text goes through the AST parser (:mod:`rmtsym.activation.ast_parser`); a SymPy expression
is checked to use only what the formula syntax can write; either way the result is checked
for structure and admissibility before an :class:`~rmtsym.activation.function.Activation`
is returned.
"""
from __future__ import annotations

import sympy as sp

from ..symbols import x as X
from .admissibility import _check_admissible, _check_structure
from .ast_parser import _parse_text, _refuse_second_variable
from .function import Activation
from .guarded_eval import _check_constant
from .limits import MAX_NAME, _check_number, _fail
from .shortcuts import _KNOWN
from .whitelist import FUNCTIONS, _IDENT, _REFUSED, _RESERVED, _UNARY


def _coerce_params(params):
    if params is None:
        return None
    if isinstance(params, (str, bytes)):
        params = [p.strip() for p in params.split(",") if p.strip()] if isinstance(params, str) \
            else _fail("params must be names of parameters, not bytes")
    try:
        items = list(params)
    except TypeError:
        _fail(f"params must be an iterable of parameter names, got {type(params).__name__}")
    out = {}
    for p in items:
        name = p.name if isinstance(p, sp.Symbol) else p
        if not isinstance(name, str) or not _IDENT.match(name) or len(name) > MAX_NAME:
            _fail(f"{name!r} is not a valid parameter name")
        if name == "x":
            _fail("x is the variable, it cannot be a parameter")
        if name in _KNOWN or name in _REFUSED or name in _RESERVED:
            _fail(f"{name!r} cannot be a parameter: it is a function, constant or reserved name")
        out[name] = sp.Symbol(name, real=True)
    return out


_SYMPY_FUNCTIONS = tuple({f for f in _UNARY.values() if isinstance(f, type)}
                         | {sp.Max, sp.Min, sp.Piecewise})  # sqrt is a Pow
_SYMPY_OTHER = (sp.Add, sp.Mul, sp.Pow, sp.Symbol, sp.Number, sp.NumberSymbol,
                sp.Rel, sp.And, sp.Or, sp.Not, sp.logic.boolalg.BooleanAtom,
                sp.logic.boolalg.ITE, sp.functions.elementary.piecewise.ExprCondPair)


def _check_sympy_nodes(expr) -> None:
    """A SymPy input may use only what the formula syntax can write (same functions):
    rmtsym.gaussian and the numpy/mpmath evaluators rely on that whitelist."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, _SYMPY_FUNCTIONS):
            pass
        elif isinstance(node, _SYMPY_OTHER):
            if isinstance(node, sp.Number) and node.is_Rational:
                _check_number(node)
        else:
            name = getattr(node.func, "__name__", type(node).__name__)
            _fail(f"the SymPy function {name} is not supported in an activation "
                  f"(supported: {', '.join(FUNCTIONS)})")
        if (isinstance(node, sp.Expr) and not node.is_Rational and not node.free_symbols
                and node.args):
            _check_constant(node)
            continue
        stack.extend(node.args)


def _from_sympy(expr, allowed):
    if not isinstance(expr, sp.Expr):
        _fail(f"the activation must be an expression in x, got {type(expr).__name__}")
    _check_structure(expr)
    _check_sympy_nodes(expr)
    repl = {}
    params = {}
    for s in expr.free_symbols:
        if not isinstance(s, sp.Symbol):
            _fail(f"the activation contains {s}, which is not a symbol")
        if s.name == "x":
            repl[s] = X
            continue
        if allowed is not None and s.name not in allowed:
            listed = ", ".join(sorted(allowed)) or "none"
            _fail(f"unknown name {s.name!r}; the variable is x and the parameters are {listed}")
        if s.name in _RESERVED or s.name in _REFUSED or s.name in _KNOWN:
            _fail(f"{s.name!r} cannot be a parameter: it is a function, constant or reserved name")
        if allowed is None:
            _refuse_second_variable(s.name)
        sym = allowed[s.name] if allowed is not None else sp.Symbol(s.name, real=True)
        repl[s] = sym
        params[s.name] = sym
    return expr.xreplace(repl), params


def parse_activation(spec, params=None) -> Activation:
    r"""Parse an activation safely (AST whitelist, never ``eval``) and check it.

    Parameters
    ----------
    spec : str, sympy.Expr or Activation
        A formula in ``x`` in SymPy syntax (``"tanh(x)"``, ``"Max(x, x/10)"``,
        ``"Piecewise((x, x > 0), (exp(x) - 1, True))"``), a named shortcut (``"relu"``,
        ``"leaky_relu(0.1)"``, ``"hermite(3)"``; see the module docstring), a SymPy
        expression in any Symbol named ``x``, or an :class:`Activation` (returned as is).
    params : iterable of str, optional
        The parameter names allowed.  ``None`` (default): every unknown identifier is a
        free real parameter.  Given: any other name is an error.

    Returns
    -------
    Activation
        f with ``.expr`` in :data:`rmtsym.symbols.x`; it is real, finite and grows slower
        than exp(c x²) (sample checks), so the Gaussian moments of Pennington & Worah
        (NeurIPS 2017), η = Var f(σZ) and ζ = (E[Z f(σZ)])², exist for every σ.

    Raises
    ------
    ActivationError
        Unsafe or invalid syntax, unknown function or name, constant or complex-valued
        or non-integrable activation, wrong type, or a formula beyond the size limits.
    """
    if isinstance(spec, Activation):
        return spec
    allowed = _coerce_params(params)
    if isinstance(spec, str):
        source, expr = _parse_text(spec, allowed)
        names = {s.name: s for s in expr.free_symbols if s != X}
        name = source
    elif isinstance(spec, sp.Basic):
        source = sp.sstr(spec)
        expr, names = _from_sympy(spec, allowed)
        name = source
    else:
        kind = "None" if spec is None else type(spec).__name__
        _fail(f"the activation must be a formula string, a SymPy expression or an Activation, "
              f"got {kind}")
    if not isinstance(expr, sp.Expr):
        _fail("the activation must be an expression, not a condition")
    _check_structure(expr)
    plist = tuple(names.values())
    _check_admissible(expr, plist)
    return Activation(expr, plist, source, name)
