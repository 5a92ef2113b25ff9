r"""Gaussian moments of an activation: the engine behind η and ζ.

Pennington & Worah (NeurIPS 2017, "Nonlinear random matrix theory for deep learning",
§1.2–1.3 of ``docs/theory.md``) show that the spectrum of M = YYᵀ/m,
Y = f(WX), depends on the activation f only through two Gaussian integrals.  With
σ = σw·σx and Z ~ N(0, 1):

.. math::

    \mu_0 = \mathbb E f(\sigma Z), \qquad
    \eta = \operatorname{Var} f(\sigma Z) = \mathbb E f(\sigma Z)^2 - \mu_0^2, \qquad
    \zeta = \bigl(\mathbb E[Z f(\sigma Z)]\bigr)^2 = \bigl(\sigma\,\mathbb E f'(\sigma Z)\bigr)^2 .

The last form is Stein's lemma; the form without a derivative is valid for kinks and
jumps (ReLU, |x|, sign, hard-tanh).

This module computes E[g(σZ)] for a SymPy expression g(x) with a rule-based engine
that tries exact rules first, each under a hard time limit:

1. **parity** — an odd integrand integrates to 0 over the line;
2. **piecewise splitting** — Max, Min, Abs, Heaviside, sign and Piecewise are resolved
   on the intervals between their breakpoints (found exactly, nested kinks included);
   a kink whose orientation depends on a free parameter (``Max(x, a*x)``) is split into
   the two sign cases, and the cases are merged when they agree (η, ζ of leaky ReLU
   hold for every slope a);
3. **the Gaussian–erf class** — after expansion (trig and hyperbolic functions
   rewritten as exponentials, erfc = 1 − erf), every term is
   c·xⁿ·exp(A x² + B x)·Πᵢ erf(cᵢ x + dᵢ) on an interval.  Completing the square maps
   it to a standard normal Y, x = m + √w·Y, and then

   * truncated moments ∫ₜ^∞ yʲ φ(y) dy = tʲ⁻¹φ(t) + (j−1)∫ₜ^∞ yʲ⁻² φ, ∫ₜ^∞ φ = erfc(t/√2)/2
     (full-line moments (j−1)!!: the Hermite/Wick rule for polynomials);
   * Stein's lemma E[Yʲ h(Y)] = (j−1)E[Yʲ⁻² h] + E[Yʲ⁻¹ h′] (with boundary terms on
     half-lines), which turns an erf into a Gaussian and recurses;
   * the table E erf(cY + d) = erf(d/√(1+2c²)),
     E erf(aY) erf(bY) = (2/π) asin(2ab/√((1+2a²)(1+2b²))) (Williams 1997),
     E[erf(cY) 1{Y>0}] = atan(√2 c)/π;
4. **odd/even parts** — E[X f(X)] = E[X·o(X)] with o = (f(x) − f(−x))/2, simplified.
   f(x) − f(−x) = x gives ζ = σ²/4 exactly for softplus, SiLU/swish, GELU and ReLU;
   likewise E f(X) = E e(X) with the even part e (sigmoid: e = 1/2);
   **Stein** E[Z f(σZ)] = σ E f′(σZ) when f is smooth;
5. plain ``sympy.integrate`` on what is left (only for exp/erf/trig integrands; at
   most 2 s per expectation);
6. otherwise **certified mpmath quadrature**: ``mpmath.quad`` (tanh–sinh) in z with
   breakpoints at the kinks (divided by σ) and at 0, tails to ±∞, computed twice —
   at dps + 10 digits on the subdivision {0, ±2, ±5} and at dps + 15 digits on
   {0, ±1, ±3, ±7}; the digits on which the two agree (with the second pass's error
   estimate added) are reported as certified.  A cheap double-precision pre-check
   refuses activations with poles (tan x, 1/x) before the expensive passes.

Not implemented: the σ-derivative trick d/dσ E g(σZ) = E[Z g′(σZ)] and a separate
Hermite-coefficient rule; polynomials are covered by the Gaussian moments (j−1)!!, which
is the same computation.

Closed forms are computed once per expression with σ symbolic (``symbols.sigma``) and
cached; later calls only substitute σ and evaluate with ``sympy.N``, so repeated calls
for numeric σ cost milliseconds.  Every new closed form is also checked once against a
double-precision quadrature at σ = 1 before it is trusted.

Where things are
----------------
==========================  ===============================================================
``moments.py``              :func:`gaussian_moments` → :class:`GaussianMoments` (μ0, η, ζ)
``expectation.py``          :func:`gaussian_expectation` → :class:`Expectation` (one E[g(σZ)])
``closed_form.py``          the closed-form search for one expectation, cached
``parity.py``               odd integrands vanish
``case_splitting.py``       kinks: breakpoints, pieces between them, parameter sign cases
``smooth_terms.py``         a kink-free integrand term by term
``gaussian_erf.py``         the Gaussian–erf class: completing the square, Stein with boundary terms
``truncated_moments.py``    ∫_t^∞ yʲ φ(y) dy and the moments (j−1)!!
``erf_table.py``            the table of base integrals of erf products
``integrate_fallback.py``   plain ``sympy.integrate``, briefly
``odd_even_parts.py``       the odd/even-part rules (ζ = σ²/4 for softplus, SiLU, GELU, ReLU)
``stein.py``                Stein's rule E[Z f(σZ)] = σ E f′(σZ) for smooth f
``simplify.py``             tidying closed forms under a time limit
``certification.py``        closed forms checked against a double-precision quadrature
``quadrature.py``           certified mpmath quadrature (two passes), pre-checks
``numeric_eval.py``         the mpmath evaluator of SymPy expressions
``timeouts.py``             time limits (the ``*_TIME_LIMIT`` settings of this package)
==========================  ===============================================================
"""
from . import gaussian_erf as _gaussian_erf
from . import truncated_moments as _truncated_moments
from .case_splitting import breakpoints
from .closed_form import _EXPECT_CACHE
from .expectation import Expectation, gaussian_expectation
from .moments import _MOMENT_CACHE, _NUMERIC_CACHE, GaussianMoments, gaussian_moments
from .timeouts import DEFAULT_TIME_LIMIT, INTEGRATE_TIME_LIMIT, QUAD_TIME_LIMIT, SIMPLIFY_TIME_LIMIT
from .timeouts import _NoClosedForm, _time_limit, _TimedOut  # noqa: F401  (reached through the package)


def clear_cache() -> None:
    """Forget every cached closed form (benchmarks use it for cold timings)."""
    _EXPECT_CACHE.clear()
    _MOMENT_CACHE.clear()
    _NUMERIC_CACHE.clear()
    _gaussian_erf._std.cache_clear()
    _truncated_moments._tail_moment.cache_clear()


__all__ = ["GaussianMoments", "Expectation", "gaussian_moments", "gaussian_expectation",
           "clear_cache", "breakpoints", "DEFAULT_TIME_LIMIT", "INTEGRATE_TIME_LIMIT", "QUAD_TIME_LIMIT",
           "SIMPLIFY_TIME_LIMIT"]
