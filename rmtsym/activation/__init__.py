r"""Activation functions: safe parsing, named shortcuts, parameters.

Pennington & Worah (NeurIPS 2017) show that the spectrum of M = YYᵀ/m with Y = f(WX)
depends on the activation f only through the Gaussian moments η = Var f(σZ) and
ζ = (E[Z f(σZ)])².  This module turns what a user types into the SymPy expression
f(x) that :mod:`rmtsym.gaussian` integrates, and checks that f is an admissible
activation: real and finite on the whole line and square-integrable against every
Gaussian.

Parsing never evaluates user text
---------------------------------
SymPy's ``sympify`` and ``parse_expr`` call Python's ``eval``.  Here the text is parsed
with :func:`ast.parse` (``mode="eval"``) and the tree is walked with a whitelist; the
SymPy expression is built bottom-up from the allowed nodes only:

* numbers: ``int`` and ``float`` literals, decimals taken *exactly* from their text
  (``0.1`` is ``1/10``); no strings, bytes, complex numbers, ``None``;
* operators ``+ - * / **`` and unary ``+ -``; ``^`` is refused (write ``**``);
* calls of whitelisted functions by name, positional arguments only:
  ``Max, Min, Abs, Heaviside, sign, Piecewise, exp, log, sqrt, erf, erfc, sin, cos,
  tan, sinh, cosh, tanh, asin, acos, atan, asinh, acosh, atanh, sec, csc, cot, sech,
  csch, coth`` and the lowercase aliases ``max, min, abs``;
* inside ``Piecewise`` only: ``(value, condition)`` tuples, comparisons
  ``< <= > >=`` (chained too), ``True``, and ``and``/``or``/``&``/``|`` of comparisons;
* names: ``x`` (the variable), constants ``pi``, ``E`` and ``e`` (both Euler's number),
  the named shortcuts below, and parameters.

Everything else (attributes, subscripts, lambdas, comprehensions, keywords, ``*args``,
conditional expressions, strings, dunder names, unknown functions) raises
:class:`~rmtsym.errors.ActivationError` naming the problem.  Resource attacks are
bounded before SymPy sees them: the text is at most :data:`MAX_TEXT` characters, the tree
at most :data:`MAX_NODES` nodes and :data:`MAX_DEPTH` levels, numeric exponents at most
:data:`MAX_EXPONENT` in size and exact numbers at most :data:`MAX_BITS` bits (so
``9**9**9**9`` and ``x**10**10**10`` are refused at once, not computed); one ``Max`` or
``Min`` takes at most :data:`MAX_LATTICE_ARGS` arguments, nested ones flattened (SymPy
compares the arguments pairwise: a dozen quadratic ones take seconds), and a formula
holds at most :data:`MAX_KINK_CALLS` Max/Min/Piecewise/relu-type pieces.  Every constant
subexpression (x- and parameter-free) is evaluated, while the tree is built, by a guarded
evaluator and must be a real number of size at most :data:`MAX_CONSTANT` (10³⁰⁰), because
SymPy's comparisons, ``Max``, ``sqrt``, ... call ``evalf`` on their numeric arguments and
that hangs on numbers such as (7e/3)**(10**99); powers whose expansion would create
integers of more than about 600 digits are refused too (SymPy may try to factor them).
Integer literals must be decimal (no ``0x``/``0o``/``0b``).  The polynomial degree a
formula builds up is bounded by :data:`MAX_DEGREE` before it is built (SymPy would
combine ``((x**100)**100)**100`` into x**1000000; ``hermite(60, hermite(60))`` has degree
3600).

Free parameters
---------------
With ``params=None`` every other valid identifier (ASCII letters, digits and ``_``, not
starting with ``_``) that is not a function, a constant or a shortcut becomes a free real
parameter ``Symbol(name, real=True)``: ``Max(x, a*x)`` has the parameter ``a``.  Names
that read as a second variable — ``y, z, t, u, v, w``, their capitals, ``x1``, ``x_2`` —
are refused ("'y' looks like a second variable") unless declared in ``params``.  Pass
``params`` to be strict — then any other name is an error ("unknown name 'b'; the
variable is x and the parameters are a").  Names of functions
and constants (``e``, ``E``, ``pi``, ``exp``, ...) are never parameters, and the names
``sigma, sigma_w, sigma_x, eta, zeta, phi, psi`` are reserved for the quantities rmtsym
computes; ``I``, ``oo``, ``nan``, ``inf``, ``zoo`` are refused (no complex numbers or
infinities).

Named shortcuts
---------------
=====================  =======================================================
``relu``               Max(x, 0)
``relu6``              Min(Max(x, 0), 6)
``leaky_relu``         Max(x, a·x) with free slope ``a``; ``leaky_relu(0.1)`` numeric slope
``abs``                Abs(x)
``tanh``, ``erf``      tanh(x), erf(x)
``sigmoid``            1/(1 + exp(−x))
``hard_sigmoid``       Max(0, Min(1, x/6 + 1/2)) (PyTorch's convention)
``softplus``           log(1 + exp(x))
``softsign``           x/(1 + Abs(x))
``gelu``               x·(1 + erf(x/√2))/2  (exactly x·Φ(x))
``silu``, ``swish``    x/(1 + exp(−x))
``mish``               x·tanh(log(1 + exp(x)))
``elu``                Piecewise((x, x > 0), (α(exp(x) − 1), True)), α = 1; ``elu(alpha)``
``selu``               λ·Piecewise((x, x > 0), (α(exp(x) − 1), True)), Klambauer et al.'s λ, α
``hard_tanh``          Max(−1, Min(1, x))
``linear``             x
``hermite(k)``         probabilists' He_k(x), 1 ≤ k ≤ :data:`MAX_HERMITE` (He_0 = 1 is constant)
=====================  =======================================================

A bare name means the function applied to ``x`` — as the whole formula (``"tanh"``,
``"sin"``) or inside one (``"relu + x/10"``).  A non-parametric shortcut called with one
argument is composed with it: ``relu(2*x)`` is Max(2x, 0).  The parametric shortcuts
take their parameter first and an optional input second, like SymPy's ``hermite(n, x)``:
``leaky_relu(s)``, ``leaky_relu(s, u)``, ``elu(alpha)``, ``elu(alpha, u)``,
``hermite(k)``, ``hermite(k, u)``.

Admissibility
-------------
f(σZ) must be square-integrable for every σ > 0 (η, ζ are defined by Gaussian integrals),
so the parsed f is checked numerically (with free parameters set in turn to a few sample
values; the activation is accepted if one sample passes, and re-checked by
:meth:`Activation.subs`):

* f depends on x (a constant activation has η = 0 and is refused);
* f is real and finite at x = 0, ±0.5, ±1.3, ±3, ±7, ±2^k (k = 3…13), on a float64 scan
  of [−10, 10] with step 0.025 (suspicious points re-checked with mpmath), next to every
  real zero of the argument of sqrt/fractional powers, log, asin, acos, acosh, atanh
  (so ``sqrt((x - 0.2)*(x - 0.3))`` is refused), and at the real zeros in [−50, 50]
  nearest to 0 (up to 12 per function) of every denominator, of cos inside tan/sec, of
  sin inside cot/csc and of the argument of coth/csch (so ``1/(x - 0.3)``, ``1/(x**2 - 0.6*x + 0.09)``, ``tan(x)`` and
  ``x/(exp(x) - 2)`` are refused).  f must be finite at *every* point: even integrable
  singularities such as log|x| or |x|^(−1/4) are refused, and so is a removable one
  written as 0/0 (``sin(x)/x`` is undefined at 0);
* log|f(x)| grows slower than x²: at x = ±2^k (k = 3…13) and at ±10⁶, ±2·10⁶ the local
  growth exponent p = log₂(L(2x)/L(x)), L = log|f|, must stay below 1.9 once L > 8.  This
  refuses ``exp(x**2)``, ``exp(x**2/100)``, ``exp(0.001*x**2 + 10*x)``, ``exp(x**3)``,
  ``exp(exp(x))``, while ``exp(100*x)`` and ``exp(Abs(x)**1.5)`` are accepted.

The checks never hang: they use a guarded mpmath evaluator that treats exp(u), cosh(u),
b**u beyond exp(10¹⁵) as +inf (refusing ``exp(exp(exp(exp(x))))`` at once, where
mpmath itself would run for hours) and float64 numpy scans.  They are numerical sample
checks, not proofs: a function that misbehaves only between the sample points, away from
the located zeros, is not detected here (the quadrature in :mod:`rmtsym.gaussian` has its
own checks).

Where things are
----------------
===========================  ==========================================================
``parse.py``                 :func:`parse_activation`, the entry point
``ast_parser.py``            the AST whitelist walk that builds the SymPy expression
``whitelist.py``             the functions, constants, refused and reserved names
``shortcuts.py``             relu, leaky_relu, gelu, silu, elu, hard_tanh, hermite(k), ...
``limits.py``                size limits (text, tree, exponents, bits, degree)
``guarded_eval.py``          the evaluator that never hangs; constants checked with it
``admissibility.py``         the checks together, parameters sampled
``realness.py``              real and finite at sample points and on a dense scan
``growth.py``                log|f| slower than x²
``poles.py``                 poles and domain boundaries located and probed
``kinks.py``                 breakpoints (kinks and jumps) of f
``compile.py``               float64 (numpy/scipy) and mpmath code of f
``function.py``              the :class:`Activation` object
===========================  ==========================================================
"""
from .function import Activation
from .guarded_eval import MAX_CONSTANT
from .limits import (MAX_BITS, MAX_DECIMAL_EXPONENT, MAX_DEGREE, MAX_DEPTH, MAX_EXPONENT, MAX_HERMITE,
                     MAX_KINK_CALLS, MAX_LATTICE_ARGS, MAX_NAME, MAX_NODES, MAX_TEXT)
from .parse import parse_activation
from .shortcuts import LEAKY_SLOPE, SHORTCUTS
from .whitelist import FUNCTIONS

__all__ = ["Activation", "parse_activation", "SHORTCUTS", "FUNCTIONS", "MAX_TEXT",
           "MAX_NODES", "MAX_DEPTH", "MAX_EXPONENT", "MAX_BITS", "MAX_HERMITE",
           "MAX_LATTICE_ARGS", "MAX_KINK_CALLS", "MAX_DEGREE", "MAX_DECIMAL_EXPONENT", "MAX_NAME",
           "MAX_CONSTANT", "LEAKY_SLOPE"]
