"""The formula parser: an AST whitelist walk that builds the SymPy expression.

The text is parsed with :func:`ast.parse` (``mode="eval"``) and never evaluated; the tree is
size-checked (:mod:`rmtsym.activation.limits`), then walked node by node by
:class:`_Builder`, which accepts only the syntax of :mod:`rmtsym.activation.whitelist` and
the shortcuts of :mod:`rmtsym.activation.shortcuts`, and builds the SymPy expression bottom
up. Unknown names become parameters, or are refused when they read as a second variable.
"""
from __future__ import annotations

import ast
import re
import warnings

import sympy as sp

from ..errors import ActivationError
from ..symbols import x as X
from .guarded_eval import _check_constant
from .limits import (MAX_BITS, MAX_DEPTH, MAX_HERMITE, MAX_KINK_CALLS, MAX_LATTICE_ARGS, MAX_NAME,
                     MAX_NODES, MAX_TEXT, _check_degree, _check_number, _decimal_literal,
                     _degree_bound, _fail, _pow)
from .shortcuts import LEAKY_SLOPE, _KNOWN, _SIMPLE_SHORTCUTS, _hermite_prob
from .whitelist import _CMP, _CONSTANTS, _IDENT, _NODE_WORDS, _OPS, _REFUSED, _RESERVED, _UNARY


def _tree_guard(tree) -> None:
    """Refuse trees with too many nodes or too deep nesting (iterative, no recursion)."""
    count = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            _fail(f"the activation formula is too complex (more than {MAX_NODES} syntax nodes)")
        if depth > MAX_DEPTH:
            _fail(f"the activation formula is nested too deeply (more than {MAX_DEPTH} levels)")
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1))


_KINK_CALLS = {"Max", "Min", "max", "min", "Piecewise", "relu", "leaky_relu", "elu",
               "hard_tanh", "hardtanh", "selu", "relu6", "hard_sigmoid", "hardsigmoid", "softsign"}


def _kink_call_guard(tree) -> None:
    """Refuse more than MAX_KINK_CALLS Max/Min/Piecewise-type pieces: each costs SymPy
    pairwise assumption queries (~7 ms on an idle core, ~40 ms on a loaded machine)."""
    # every call's function is a Name node, so counting Names counts calls and bare names
    n = sum(1 for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id in _KINK_CALLS)
    if n > MAX_KINK_CALLS:
        _fail(f"the activation has {n} Max/Min/Piecewise/relu-type pieces "
              f"(at most {MAX_KINK_CALLS})")


#: names that read as a second variable rather than a parameter (refused unless declared)
_VARIABLE_LIKE = re.compile(r"^(?:[yztuvwXYZTUVW]|x_?\d+|x_\w+)$")


def _refuse_second_variable(name: str) -> None:
    """Refuse an undeclared name that reads as a second variable (y, z, t, X, x1, ...)."""
    if _VARIABLE_LIKE.match(name):
        hint = " (the variable is lowercase x)" if name == "X" else ""
        _fail(f"{name!r} looks like a second variable; an activation is a function of x "
              f"alone{hint} — if {name!r} is a parameter, declare it (params=[{name!r}], "
              f"or --params {name} on the command line)")


class _Builder:
    """Builds a SymPy expression from a whitelisted AST; never evaluates Python code."""

    def __init__(self, text: str, allowed):
        self.text = text
        self.allowed = None if allowed is None else dict(allowed)
        self.params = {}

    # -- names
    def param(self, name: str):
        if name in self.params:
            return self.params[name]
        if self.allowed is not None:
            if name not in self.allowed:
                listed = ", ".join(sorted(self.allowed)) or "none"
                _fail(f"unknown name {name!r}; the variable is x and the parameters are {listed}")
            sym = self.allowed[name]
        else:
            if not _IDENT.match(name) or len(name) > MAX_NAME:
                _fail(f"{name!r} is not an allowed parameter name")
            _refuse_second_variable(name)
            sym = sp.Symbol(name, real=True)
        self.params[name] = sym
        return sym

    def name(self, node: ast.Name):
        n = node.id
        if n.startswith("_"):
            _fail(f"the name {n!r} is not allowed (names may not start with '_')")
        if n == "x":
            return X
        if n in _CONSTANTS:
            return _CONSTANTS[n]
        if n in _REFUSED:
            _fail(_REFUSED[n])
        if n in _RESERVED:
            _fail(f"the name {n!r} is reserved for the quantity rmtsym computes; "
                  f"use another parameter name")
        if n in _SIMPLE_SHORTCUTS:
            return _SIMPLE_SHORTCUTS[n](X)
        if n in _UNARY:
            return _UNARY[n](X)
        if n == "leaky_relu":
            return self.leaky_relu([])
        if n == "elu":
            return self.elu([])
        if n == "hermite":
            _fail("hermite needs its degree, e.g. hermite(3)")
        if n in ("Max", "Min", "max", "min", "Piecewise"):
            _fail(f"{n} must be called with arguments, e.g. {n}(x, 0)")
        if n in ("True", "False", "None"):
            _fail(f"{n} is not allowed here")
        return self.param(n)

    # -- expressions
    def expr(self, node):
        out = self._expr(node)
        if isinstance(out, sp.Expr) and not out.is_Rational and not out.free_symbols:
            _check_constant(out)
        return out

    def _expr(self, node):
        if isinstance(node, ast.Expression):
            return self.expr(node.body)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return _check_number(-self.expr(node.operand))
            if isinstance(node.op, ast.UAdd):
                return self.expr(node.operand)
            if isinstance(node.op, ast.Not):
                _fail("'not' is not allowed; write the opposite comparison")
            _fail("the operator ~ is not allowed")
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Compare):
            _fail("comparisons are only allowed as Piecewise conditions")
        if isinstance(node, ast.BoolOp):
            _fail("'and'/'or' are only allowed in Piecewise conditions")
        if isinstance(node, ast.Tuple):
            _fail("tuples are only allowed as Piecewise arguments (value, condition)")
        self.refuse(node)

    def refuse(self, node):
        kind = type(node).__name__
        if kind in _NODE_WORDS:
            _fail(f"{_NODE_WORDS[kind]} not allowed in an activation")
        _fail(f"the syntax {kind} is not allowed in an activation")

    def constant(self, node: ast.Constant):
        v = node.value
        if isinstance(v, bool) or v is None or v is Ellipsis:
            _fail(f"{v!r} is not allowed here")
        if isinstance(v, int):
            seg = ast.get_source_segment(self.text, node) or ""
            if not seg.replace("_", "").isdigit():
                _fail(f"only decimal numbers are allowed, not {seg!r}")
            if v.bit_length() > MAX_BITS:
                _fail("a number in the activation is too large (more than about 300 digits)")
            return sp.Integer(v)
        if isinstance(v, float):
            seg = ast.get_source_segment(self.text, node)
            if seg is None:
                _fail("cannot read a decimal number")
            return _decimal_literal(seg)
        if isinstance(v, complex):
            _fail("complex numbers are not allowed in an activation")
        if isinstance(v, (str, bytes)):
            _fail("strings are not allowed in an activation")
        _fail(f"the constant {v!r} is not allowed")

    def binop(self, node: ast.BinOp):
        op = type(node.op)
        if op not in _OPS:
            if op is ast.BitXor:
                _fail("'^' is not a power in Python syntax; write x**2")
            if op in (ast.BitAnd, ast.BitOr):
                _fail("'&' and '|' are only allowed between Piecewise conditions")
            _fail(f"the operator {type(node.op).__name__} is not allowed (use + - * / **)")
        left = self.expr(node.left)
        right = self.expr(node.right)
        if op is ast.Add:
            return _check_number(left + right)
        if op is ast.Sub:
            return _check_number(left - right)
        if op is ast.Mult:
            return _check_number(left * right)
        if op is ast.Div:
            if right == 0:
                _fail("division by zero in the activation")
            return _check_number(left / right)
        return _pow(left, right)

    # -- conditions (Piecewise only)
    def condition(self, node):
        if isinstance(node, ast.Constant) and node.value is True:
            return sp.true
        if isinstance(node, ast.Name) and node.id == "True":
            return sp.true
        if isinstance(node, ast.Compare):
            parts = []
            left = self.expr(node.left)
            for op, comp in zip(node.ops, node.comparators):
                if type(op) not in _CMP:
                    _fail("only the comparisons < <= > >= are allowed in Piecewise conditions")
                right = self.expr(comp)
                parts.append(_CMP[type(op)](left, right))
                left = right
            return sp.And(*parts)
        if isinstance(node, ast.BoolOp):
            args = [self.condition(v) for v in node.values]
            return sp.And(*args) if isinstance(node.op, ast.And) else sp.Or(*args)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            a, b = self.condition(node.left), self.condition(node.right)
            return sp.And(a, b) if isinstance(node.op, ast.BitAnd) else sp.Or(a, b)
        _fail("a Piecewise condition must be a comparison such as x > 0, or True")

    # -- calls
    def call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name):
            _fail("only named functions can be called (e.g. tanh(x))")
        fname = node.func.id
        if fname.startswith("_"):
            _fail(f"the name {fname!r} is not allowed (names may not start with '_')")
        if fname not in _KNOWN or fname in _CONSTANTS:
            _fail(f"unknown function {fname!r}{_suggestion(fname)}")
        if node.keywords:
            _fail(f"{fname}() takes no keyword arguments")
        if any(isinstance(a, ast.Starred) for a in node.args):
            _fail(f"{fname}() takes no starred arguments")
        nargs = len(node.args)
        if fname == "Piecewise":
            return self.piecewise(node.args)
        if fname in ("Max", "Min", "max", "min"):
            if nargs < 1:
                _fail(f"{fname} needs at least one argument")
            args = [self.expr(a) for a in node.args]
            op = sp.Max if fname.lower() == "max" else sp.Min
            # SymPy compares every pair of arguments when it builds Max/Min (seconds for
            # a dozen non-trivial arguments), so the flattened arity is capped
            arity = sum(len(a.args) if isinstance(a, op) else 1 for a in args)
            if arity > MAX_LATTICE_ARGS:
                _fail(f"{fname} has {arity} arguments (at most {MAX_LATTICE_ARGS}, nested "
                      f"{fname} included); write a sum of relu terms or a Piecewise instead")
            return op(*args)
        if fname == "hermite":
            return self.hermite(node.args)
        if fname == "leaky_relu":
            return self.leaky_relu(node.args)
        if fname == "elu":
            return self.elu(node.args)
        if fname == "Heaviside" and nargs == 2:
            u = self.expr(node.args[0])
            h0 = self.expr(node.args[1])
            if not h0.is_Number:
                _fail("the second argument of Heaviside (its value at 0) must be a number")
            return sp.Heaviside(u, h0)
        if nargs != 1:
            _fail(f"{fname} takes exactly one argument, got {nargs}")
        u = self.expr(node.args[0])
        if fname in _SIMPLE_SHORTCUTS:
            return _SIMPLE_SHORTCUTS[fname](u)
        return _UNARY[fname](u)

    def piecewise(self, args):
        if not args:
            _fail("Piecewise needs at least one (value, condition) pair")
        pairs = []
        for a in args:
            if not isinstance(a, ast.Tuple) or len(a.elts) != 2:
                _fail("each Piecewise argument must be a pair (value, condition)")
            pairs.append((self.expr(a.elts[0]), self.condition(a.elts[1])))
        try:
            return sp.Piecewise(*pairs)
        except (TypeError, ValueError) as exc:
            _fail(f"invalid Piecewise: {exc}")

    def _param_arg(self, fname, node, what):
        v = self.expr(node)
        if v.has(X):
            _fail(f"{fname} takes its {what} first, not its input; write {fname}({what}, u) "
                  f"to apply it to u")
        return v

    def _input_arg(self, args, fname, nmax):
        if len(args) > nmax:
            _fail(f"{fname} takes at most {nmax} arguments, got {len(args)}")
        return self.expr(args[1]) if len(args) == 2 else X

    def leaky_relu(self, args):
        slope = self._param_arg("leaky_relu", args[0], "slope") if args else self.param(LEAKY_SLOPE)
        u = self._input_arg(args, "leaky_relu", 2)
        return sp.Max(u, slope * u)

    def elu(self, args):
        alpha = self._param_arg("elu", args[0], "alpha") if args else sp.Integer(1)
        u = self._input_arg(args, "elu", 2)
        return sp.Piecewise((u, u > 0), (alpha * (sp.exp(u) - 1), True))

    def hermite(self, args):
        if not args:
            _fail("hermite needs its degree, e.g. hermite(3)")
        k = self.expr(args[0])
        if not (k.is_Integer and 0 <= int(k) <= MAX_HERMITE):
            _fail(f"the Hermite degree must be an integer from 0 to {MAX_HERMITE}, got {k}")
        u = self._input_arg(args, "hermite", 2)
        _check_degree(int(k) * _degree_bound(u))
        return _hermite_prob(int(k), u)


def _suggestion(word: str) -> str:
    """``"; did you mean 'selu'?"`` for the closest shortcut or function name, or ``""``."""
    import difflib

    from .shortcuts import SHORTCUTS
    from .whitelist import FUNCTIONS

    names = sorted(set(SHORTCUTS) | set(FUNCTIONS))
    if word.lower() in names:
        return f"; did you mean {word.lower()!r}?"
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6) or \
        difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f" (shortcuts: {', '.join(SHORTCUTS)})"


def _parse_text(text: str, allowed) -> tuple:
    if len(text) > MAX_TEXT:
        _fail(f"the activation formula is too long ({len(text)} characters; at most {MAX_TEXT})")
    stripped = text.strip()
    if not stripped:
        _fail("the activation formula is empty")
    if not stripped.isascii():
        _fail("the activation formula must be plain ASCII (write pi, sqrt, ...)")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in stripped):
        _fail("the activation formula contains control characters")
    if "\n" in stripped or "\r" in stripped:
        _fail("the activation formula must be on one line")
    try:
        with warnings.catch_warnings():
            # "invalid decimal literal" & co. would otherwise reach the CLI's stderr
            warnings.simplefilter("ignore")
            tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        msg = str(exc.msg) if getattr(exc, "msg", None) else "invalid syntax"
        _fail(f"the activation formula is not valid syntax ({msg})")
    except (ValueError, RecursionError, MemoryError, OverflowError):
        _fail("the activation formula cannot be parsed (too deep or too large)")
    _tree_guard(tree)
    _kink_call_guard(tree)
    body = tree.body
    if isinstance(body, ast.Name) and body.id not in _KNOWN and body.id != "x" \
            and (allowed is None or body.id not in allowed) and not body.id.startswith("_") \
            and body.id not in _REFUSED and body.id not in _RESERVED:
        # a lone word that is neither a shortcut nor a function: not "a constant parameter"
        _fail(f"unknown activation {body.id!r}: it is neither a shortcut nor a formula in x"
              f"{_suggestion(body.id)}")
    builder = _Builder(stripped, allowed)
    try:
        expr = builder.expr(tree)
    except ActivationError:
        raise
    except RecursionError:
        _fail("the activation formula is nested too deeply")
    except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError) as exc:
        # SymPy refusing a construction (e.g. comparing non-real numbers in Max)
        _fail(f"the activation formula cannot be built ({type(exc).__name__}: "
              f"{str(exc).splitlines()[0][:120] if str(exc) else 'no detail'})")
    return stripped, expr


#: largest |constant| accepted inside a formula
