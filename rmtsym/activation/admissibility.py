"""Admissibility of an activation: the checks together, with parameters sampled.

f(σZ) must be square-integrable for every σ > 0 (η, ζ are Gaussian integrals). A
parameter-free f must depend on x, be real and finite (:mod:`~rmtsym.activation.realness`),
grow slower than exp(c x²) (:mod:`~rmtsym.activation.growth`) and have no pole or domain
boundary on the line (:mod:`~rmtsym.activation.poles`). With free parameters the checks run
with the parameters set in turn to a few sample values, substituted under the parser's
guards (:func:`_safe_subs`); one passing sample accepts the activation. These are
numerical sample checks, not proofs.
"""
from __future__ import annotations

import mpmath
import sympy as sp

from ..errors import ActivationError
from ..symbols import x as X
from .growth import _growth_problem
from .guarded_eval import _check_constant, _value_at
from .limits import _check_degree, _check_number, _degree_bound, _fail, _pow
from .poles import _singularity_problem
from .realness import _SAMPLE_X, _scan_problem


_PARAM_SAMPLES = (sp.Rational(7373, 10000), sp.Integer(2), sp.Rational(-61, 100),
                  sp.Rational(131, 100))


def _numeric_problem(e):
    """The first admissibility problem of a parameter-free f, or None."""
    if not e.has(X):
        return "does not depend on x"
    with mpmath.workdps(20):
        for xv in _SAMPLE_X:
            _, problem = _value_at(e, xv)
            if problem:
                return problem
        return _growth_problem(e) or _scan_problem(e) or _singularity_problem(e)


def _safe_subs(expr, mapping):
    """expr with symbols replaced by numbers, rebuilt bottom-up under the parser's guards.

    ``xreplace`` re-evaluates every node it rebuilds, so a**(1e300/a) at a = 2 would
    compute 2**(5·10**299) exactly and hang (found by fuzzing).  Here each rebuilt power
    goes through ``_pow`` (exponent and size limits) and each new constant through
    ``_check_constant``; a violation raises ActivationError.
    """
    memo = {}
    keys = set(mapping)

    def walk(node):
        if node in mapping:
            return mapping[node]
        if not node.args or not (node.free_symbols & keys):
            return node
        if node in memo:
            return memo[node]
        args = [walk(a) for a in node.args]
        for a in args:
            if isinstance(a, sp.Expr) and not a.is_Rational and not a.free_symbols:
                _check_constant(a)
        if isinstance(node, sp.Pow):
            out = _pow(args[0], args[1])
        else:
            out = node.func(*args)
        if isinstance(out, sp.Expr):
            _check_number(out)
        memo[node] = out
        return out

    return walk(expr)


def _check_admissible(expr, params) -> None:
    """Raise ActivationError unless f is real, finite, free of non-integrable poles and
    grows slower than exp(c x²) (numerical checks; see the module docstring)."""
    if not expr.has(X):
        _fail("the activation does not depend on x (a constant has eta = 0)")
    bad = [s for s in expr.free_symbols if s != X and s not in params]
    if bad:  # pragma: no cover - the parser keeps these in params
        _fail(f"unexpected symbol {bad[0]} in the activation")
    # parameter i takes sample (j + i) mod 4 in round j: distinct parameters get distinct
    # values, so tanh(a*x) - tanh(b*x) is not mistaken for a constant
    ordered = sorted(params, key=lambda s: s.name)
    n = len(_PARAM_SAMPLES)
    samples = [{}] if not params else [
        {p: _PARAM_SAMPLES[(j + i) % n] for i, p in enumerate(ordered)} for j in range(n)]
    first_problem = None
    for vals in samples:
        try:
            e = _safe_subs(expr, vals) if vals else expr
            problem = _numeric_problem(e)
        except ActivationError as exc:
            problem = f"cannot be checked safely ({exc})"
        except RecursionError:
            _fail("the activation is nested too deeply to be checked")
        except (ValueError, TypeError, ArithmeticError):
            # SymPy re-evaluates Max/Min/Piecewise on substitution and refuses to compare
            # non-real values (acosh(-61/100)): this parameter sample is not admissible
            problem = "is not real or cannot be evaluated"
        if problem is None:
            return
        if first_problem is None:
            first_problem = problem
            if vals:
                shown = ", ".join(f"{p} = {v}" for p, v in vals.items())
                first_problem += f" (with {shown}, and other sample parameter values)"
    _fail(f"the activation {first_problem}")


def _check_structure(expr) -> None:
    _check_degree(_degree_bound(expr))
    if expr.has(sp.I):
        _fail("complex numbers are not allowed in an activation")
    if expr.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        _fail("the activation contains an infinity or nan (division by zero?)")
    for bad in (sp.Integral, sp.Derivative, sp.Sum, sp.Product, sp.Limit):
        if expr.has(bad):
            _fail(f"unevaluated {bad.__name__} objects are not allowed in an activation")
