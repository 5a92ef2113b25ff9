"""The Pennington–Worah law: the P-equation, the quartic derived from it, special cases.

Pennington & Worah, "Nonlinear random matrix theory for deep learning", NeurIPS 30
(2017) 2637–2646 (journal version J. Stat. Mech. (2019) 124005). For Y = f(WX),
M = YYᵀ/m (n1×n1), φ = n0/m, ψ = n0/n1, η = Var f(σZ), ζ = (E[Z f(σZ)])², the
Stieltjes transform G(z) = lim (1/n1) tr (z − M)⁻¹ is (docs/theory.md §1.4)

    G(z) = (ψ/z) P(1/(zψ)) + (1 − ψ)/z,
    P    = 1 + (η − ζ) t P_φ P_ψ + P_φ P_ψ t ζ / (1 − P_φ P_ψ t ζ),
    P_φ  = 1 + (P − 1) φ,  P_ψ = 1 + (P − 1) ψ.

Everything here is exact SymPy algebra: the quartic Q(G, z) is *derived* from the
P-equation, the special cases are recognised by factoring, and the free-probability
form of Péché (Electron. Commun. Probab. 24 (2019) no. 66),
μ_PW = MP_{φ/ψ} ⊠ T#MP_{1/ψ} with T(λ) = ζλ + η − ζ, is rebuilt independently with the
operations of :mod:`rmtsym.algebraic`. Numbers (G at a point, densities, edges to
high precision) come from :mod:`rmtsym.solver`.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from numbers import Number
from typing import Dict, List, Tuple

import mpmath
import sympy as sp

from . import algebraic
from .algebraic import SpectralEquation
from .errors import ParameterError
from . import symbols as S
from .symbols import G, P, eta, phi, psi, t, z, zeta

__all__ = ["Derivation", "Derived", "derive", "p_equation", "g_from_p", "quartic", "classify", "reduced_equation", "discriminant",
           "edge_equation", "edge_factors", "atoms", "marchenko_pastur_equation",
           "product_wishart_equation", "free_convolution_equation", "exact_parameter"]


# ---------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------

def exact_parameter(value, name: str = "parameter") -> sp.Expr:
    """Convert a user parameter to an exact SymPy number (or keep a SymPy expression).

    ints and SymPy Rationals/expressions are kept; Python floats, SymPy Floats and
    mpmath numbers become the Rational of their shortest decimal representation
    (``0.34085`` → ``6817/20000``; an mpmath ``mpf`` at its current precision), so
    that every later step is exact. Non-finite and complex values are refused.
    """
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    if isinstance(value, sp.Basic):
        # Floats anywhere in the expression become the Rationals of their decimal strings
        floats = value.atoms(sp.Float)
        if floats:
            value = value.xreplace({f: _float_to_rational(f, name) for f in floats})
        if value.is_number:
            if value.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
                raise ParameterError(f"{name} must be finite, got {value}")
            if value.is_real is False:
                raise ParameterError(f"{name} must be real, got {value}")
        # exact irrational numbers (sqrt(2), pi) and symbolic expressions are kept
        return value
    if isinstance(value, (int, Fraction)):
        return sp.Rational(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(f"{name} must be finite, got {value!r}")
        return sp.Rational(repr(float(value)))
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise ParameterError(f"{name} must be finite, got {value!r}")
        return sp.Rational(mpmath.nstr(value, mpmath.mp.dps, strip_zeros=True, min_fixed=-mpmath.inf,
                                       max_fixed=mpmath.inf))
    if isinstance(value, (complex, mpmath.mpc)):
        raise ParameterError(f"{name} must be real, got {value!r}")
    if isinstance(value, Number):
        return exact_parameter(float(value), name)
    raise ParameterError(f"{name} must be a number or a SymPy expression, got {type(value).__name__}")


def _float_to_rational(f: sp.Float, name: str) -> sp.Rational:
    if not f.is_finite:
        raise ParameterError(f"{name} must be finite, got {f}")
    return sp.Rational(str(f))


def _params(eta_v, zeta_v, phi_v, psi_v):
    """Exact parameters, with range checks on those that are numbers."""
    e = exact_parameter(eta_v, "eta")
    zt = exact_parameter(zeta_v, "zeta")
    ph = exact_parameter(phi_v, "phi")
    ps = exact_parameter(psi_v, "psi")
    for val, name in ((ph, "phi"), (ps, "psi")):
        if val.is_number and not val > 0:
            raise ParameterError(f"{name} must be positive, got {val}")
    if zt.is_number and zt < 0:
        raise ParameterError(f"zeta must be nonnegative, got {zt}")
    if e.is_number and not e > 0:
        raise ParameterError(f"eta must be positive (eta = 0 is the trivial law at 0), got {e}")
    diff = e - zt
    if diff.is_number and diff < 0:
        raise ParameterError(f"eta must be at least zeta (eta - zeta is a sum of squares), got eta={e}, zeta={zt}")
    return e, zt, ph, ps


def _generic_point(values):
    """Replace irrational numeric values (√2, π, ...) by positive Dummy symbols.

    Factoring and discriminants are done over Q(parameters): SymPy's EX domain mishandles
    algebraic numbers (√2·√2 only simplifies after the fact, which leaves spurious
    factors), so an irrational value is kept as an indeterminate during the algebra and
    substituted at the end. Equal values share one symbol, so the conditions η = ζ and
    ζ = 0 that change the factorisation are still seen exactly.

    Returns
    -------
    (generic_values, back) : (tuple, dict)
        ``back`` maps each Dummy to its value.
    """
    back = {}
    out = []
    for v in values:
        if v.is_number and not v.is_Rational:
            dummy = next((d for d, x in back.items() if sp.simplify(x - v) == 0), None)
            if dummy is None:
                dummy = sp.Dummy("a", positive=True)
                back[dummy] = v
            out.append(dummy)
        else:
            out.append(v)
    return tuple(out), back


def _substitute_back(eq: SpectralEquation, back: dict, name: str = None) -> SpectralEquation:
    if not back:
        return SpectralEquation(eq.poly, name or eq.name)
    expr = sp.expand(eq.poly.as_expr().xreplace(back))
    return SpectralEquation(sp.Poly(expr, G, z), name or eq.name)


# ---------------------------------------------------------------------------
# the P-equation and the quartic
# ---------------------------------------------------------------------------

def p_equation() -> sp.Eq:
    """The Pennington–Worah P-equation (docs/theory.md §1.4), symbols from :mod:`rmtsym.symbols`.

        P = 1 + (η − ζ) t P_φ P_ψ + P_φ P_ψ t ζ / (1 − P_φ P_ψ t ζ),
        P_φ = 1 + (P − 1) φ,  P_ψ = 1 + (P − 1) ψ.

    P is the generating function P(t) = 1 + Σ p_k t^k of the moments, m_k = ψ^{1−k} p_k.

    Returns
    -------
    sympy.Eq
        ``Eq(P, rhs)`` in the symbols P, t, η, ζ, φ, ψ of :mod:`rmtsym.symbols`.
    """
    e, zt, ph, ps = S.eta, S.zeta, S.phi, S.psi
    p_phi = 1 + (P - 1) * ph
    p_psi = 1 + (P - 1) * ps
    rhs = 1 + (e - zt) * t * p_phi * p_psi + p_phi * p_psi * t * zt / (1 - p_phi * p_psi * t * zt)
    return sp.Eq(P, rhs, evaluate=False)  # never decidable (P on both sides); skips the test


def g_from_p() -> sp.Eq:
    """The G–P relation G = (ψ/z) P + (1 − ψ)/z, with P evaluated at t = 1/(zψ).

    Equivalently P = (z G − 1 + ψ)/ψ (the substitution used by :func:`quartic`).
    Beware the wrong variant with argument 1/z (docs/theory.md §1.4).

    Returns
    -------
    sympy.Eq
        ``Eq(G, ψ P/z + (1 − ψ)/z)``.
    """
    return sp.Eq(G, S.psi / z * P + (1 - S.psi) / z, evaluate=False)  # G, P free: never decidable


#: Q(G, z) with all four parameters free, as the derivation (:func:`_derive_generic_quartic`)
#: gives it: {(deg G, deg z, deg η, deg φ, deg ψ, deg ζ): integer coefficient}. The table is
#: what every call uses (building it takes a third of a millisecond, the derivation through
#: SymPy's rational-function field about 30 ms, a tenth of a spectrum command); the test
#: suite derives the quartic again and compares (tests/test_pennington_worah.py).
_GENERIC_QUARTIC_TERMS = {
    (0, 0, 0, 0, 3, 0): -1, (1, 0, 0, 0, 2, 1): 1, (1, 0, 0, 1, 1, 1): -1,
    (1, 0, 1, 0, 3, 0): -1, (1, 0, 1, 1, 2, 0): 1, (1, 1, 0, 0, 3, 0): 1,
    (2, 0, 0, 0, 2, 2): -1, (2, 0, 0, 1, 1, 2): 2, (2, 0, 0, 2, 0, 2): -1,
    (2, 0, 1, 0, 2, 1): 1, (2, 0, 1, 1, 1, 1): -2, (2, 0, 1, 2, 0, 1): 1,
    (2, 1, 0, 0, 2, 1): -1, (2, 1, 0, 1, 1, 1): 2, (2, 1, 1, 1, 2, 0): -1,
    (3, 1, 0, 1, 1, 2): -2, (3, 1, 0, 2, 0, 2): 2, (3, 1, 1, 1, 1, 1): 2,
    (3, 1, 1, 2, 0, 1): -2, (3, 2, 0, 1, 1, 1): -1, (4, 2, 0, 2, 0, 2): -1,
    (4, 2, 1, 2, 0, 1): 1,
}


@functools.lru_cache(maxsize=1)
def _generic_quartic() -> sp.Poly:
    """Q(G, z) with all four parameters free, over ZZ[η, φ, ψ, ζ]: the derived quartic
    (:func:`_derive_generic_quartic`), built from its table ``_GENERIC_QUARTIC_TERMS``."""
    params = (S.eta, S.phi, S.psi, S.zeta)
    flat = sp.Poly.from_dict(_GENERIC_QUARTIC_TERMS, G, z, *params, domain=sp.ZZ)
    return flat.eject(*params)


def _derive_generic_quartic() -> sp.Poly:
    """Q(G, z) with all four parameters free, derived from the P-equation.

    Substitute t = 1/(zψ) and P = (zG − 1 + ψ)/ψ (solved from :func:`g_from_p`) in
    P − rhs = 0, bring to one fraction and keep the numerator; remove its content
    (the gcd of its coefficients, a polynomial in the parameters) and fix the sign so
    that the coefficient of G·z is +ψ³, the normalisation of docs/theory.md §1.4.
    """
    eq = p_equation()
    # the G–P relation is linear in P, a·P + b = 0: P = −b/a (sympy.solve gives the same
    # and takes a tenth of a second)
    rel = g_from_p()
    lin = sp.Poly(rel.rhs - rel.lhs, P)
    if lin.degree() != 1:  # pragma: no cover - g_from_p is linear in P by construction
        raise ArithmeticError("the G-P relation is not linear in P")
    p_of_g = -lin.coeff_monomial(1) / lin.coeff_monomial(P)
    expr = (eq.lhs - eq.rhs).subs({P: p_of_g, t: 1 / (z * S.psi)})
    # one fraction: the expression as an element of the rational-function field
    # Q(G, z, η, ζ, φ, ψ) (SymPy's together/expand on expressions takes ten times longer)
    field, *_ = sp.field((G, z, S.eta, S.zeta, S.phi, S.psi), sp.ZZ)
    num = field.from_expr(expr).numer
    ring = num.ring
    # its content: the gcd of the coefficients in G, z (polynomials in the parameters)
    # and the common power of G and z
    blocks: Dict[tuple, object] = {}
    for monom, coeff in num.terms():
        blocks[monom[:2]] = blocks.get(monom[:2], ring.zero) + ring({(0, 0) + monom[2:]: coeff})
    content = functools.reduce(lambda a, b: a.gcd(b), blocks.values())
    low = tuple(min(m[i] for m in blocks) for i in range(2))
    num = num.exquo(content * ring({low + (0, 0, 0, 0): 1}))
    poly = sp.Poly(num.as_expr(), G, z)
    if sp.Poly(poly.coeff_monomial(G * z), S.psi).LC() < 0:
        poly = -poly
    return poly


def quartic(eta=eta, zeta=zeta, phi=phi, psi=psi) -> SpectralEquation:
    """The Pennington–Worah quartic Q(G, z) = 0 for the Stieltjes transform of M.

    Derived from the P-equation (see :func:`_derive_generic_quartic`) and equal to the
    reference form (docs/theory.md §1.4)::

        Q = φ² z² ζ(η−ζ) G⁴ − φ z ζ [ψ z + 2(η−ζ)(φ−ψ)] G³
            − [ψ z (ηφψ − 2φζ + ψζ) − ζ(η−ζ)(φ−ψ)²] G² + ψ [ψ² z + (ηψ − ζ)(φ−ψ)] G − ψ³.

    Parameters
    ----------
    eta, zeta, phi, psi : number or SymPy expression
        Defaults are the shared symbols. Floats and mpmath numbers are converted to
        exact Rationals (:func:`exact_parameter`). Numbers are range-checked
        (φ, ψ, η > 0, 0 ≤ ζ ≤ η).

    Returns
    -------
    SpectralEquation
        Q with the values substituted, without further normalisation (so that it is
        literally the reference Q). For ζ = 0 or η = ζ its degree in G drops; see
        :func:`reduced_equation`.
    """
    return _quartic_at(_params(eta, zeta, phi, psi))


@functools.lru_cache(maxsize=64)
def _quartic_at(values) -> SpectralEquation:
    """The generic quartic at already-checked exact values (η, ζ, φ, ψ), kept per point
    (a derivation asks for it at its point and at its generic point, for the reduction and
    for the discriminant; a :class:`SpectralEquation` is immutable).

    Each coefficient of the generic quartic (a polynomial in η, ζ, φ, ψ with integer
    coefficients) is evaluated in the smallest polynomial ring or field that holds the
    values (``QQ``, ``ZZ(π)``, ``QQ[a]``, ...): the same polynomial as substituting into
    the expression and expanding it, without SymPy's expansion over expressions. Values
    that need SymPy's expression domain (algebraic numbers such as √2) are substituted.
    """
    fast = _quartic_in_domain(values)
    if fast is not None:
        return fast
    subs = dict(zip((S.eta, S.zeta, S.phi, S.psi), values))
    expr = _generic_quartic().as_expr().subs(subs, simultaneous=True)
    return SpectralEquation(sp.Poly(sp.expand(expr), G, z), "Pennington-Worah")


def _quartic_in_domain(values):
    """:func:`_quartic_at` by evaluating the coefficients in a polynomial domain, or None
    when the values only fit SymPy's expression domain."""
    from sympy.polys.constructor import construct_domain

    try:
        dom, vals = construct_domain(list(values), field=True)
    except Exception:  # pragma: no cover - construct_domain falls back to EX itself
        return None
    if dom.is_EX:
        return None
    generic = _generic_quartic()
    if not generic.domain.is_PolynomialRing:  # pragma: no cover - derived over ZZ[η, ζ, φ, ψ]
        return None
    position = {s: i for i, s in enumerate((S.eta, S.zeta, S.phi, S.psi))}
    ordered = [vals[position[s]] for s in generic.domain.symbols]
    terms = {}
    for monom, coeff in generic.rep.terms():
        total = evaluate_monomials(dom, dict(coeff.terms()), ordered)
        if total:
            terms[monom] = dom.to_sympy(total)
    return SpectralEquation(sp.Poly.from_dict(terms, G, z), "Pennington-Worah")


def evaluate_monomials(dom, terms: dict, values):
    """Σ v·Π x_i^(e_i) over ``terms`` {(e_1, ..., e_n): v} (integer v, e_i ≥ 0) at the values
    x_i, elements of the field ``dom``, over one common denominator: each value is
    numerator/denominator in the field's ring, the numerators of all terms are summed in the
    ring (no gcd per operation) and one division ends it. The same element as adding the
    terms in the field one by one (a coefficient of the quartic at a point; an exact moment
    from the P-series, :meth:`rmtsym.law.PenningtonWorahLaw.moment_exact`)."""
    if not terms:
        return dom.zero
    ring = dom.get_ring() if dom.is_Field else dom
    n = len(values)
    parts = [(ring.convert(dom.numer(x)), ring.convert(dom.denom(x))) for x in values]
    tops = [max(key[i] for key in terms) for i in range(n)]

    def powers(x, k):
        out = [ring.one]
        for _ in range(k):
            out.append(out[-1] * x)
        return out

    num_pow = [powers(p[0], t) for p, t in zip(parts, tops)]
    den_pow = [powers(p[1], t) for p, t in zip(parts, tops)]
    total = ring.zero
    for key, v in terms.items():
        term = ring.convert(v)
        for i, e in enumerate(key):
            term = term * num_pow[i][e] * den_pow[i][tops[i] - e]
        total += term
    den = ring.one
    for i in range(n):
        den = den * den_pow[i][tops[i]]
    return dom.convert(total) / dom.convert(den) if dom.is_Field else dom.convert(total)


# ---------------------------------------------------------------------------
# special cases
# ---------------------------------------------------------------------------

def marchenko_pastur_equation(c, scale=1) -> SpectralEquation:
    """Marchenko–Pastur law with ratio c and mean ``scale`` (Marchenko & Pastur 1967).

    The law of s·XXᵀ/N, X p×N with iid unit-variance entries, c = p/N, s = scale:

        c s z G² − (z − s(1 − c)) G + 1 = 0,

    with an atom 1 − 1/c at 0 when c > 1. In the PW model (ζ = 0), c = φ/ψ and s = η
    (docs/theory.md §1.5).

    Parameters
    ----------
    c : number or SymPy expression
        The ratio p/N (> 0).
    scale : number or SymPy expression
        The mean s (> 0).

    Returns
    -------
    SpectralEquation
        Exactly the quadratic above (no renormalisation).
    """
    c = exact_parameter(c, "c")
    s = exact_parameter(scale, "scale")
    if c.is_number and not c > 0:
        raise ParameterError(f"the Marchenko-Pastur ratio c must be positive, got {c}")
    if s.is_number and not s > 0:
        raise ParameterError(f"the Marchenko-Pastur scale must be positive, got {s}")
    expr = c * s * z * G**2 - (z - s * (1 - c)) * G + 1
    return SpectralEquation(sp.Poly(sp.expand(expr), G, z), "Marchenko-Pastur")


def product_wishart_equation(zeta=zeta, phi=phi, psi=psi) -> SpectralEquation:
    """The law of M for linear f (η = ζ): a product of two Wishart matrices.

    M = (ζ/m) W X Xᵀ Wᵀ/σ² has the law MP_{φ/ψ} ⊠ (ζ·MP_{1/ψ}); built here by free
    multiplicative convolution (:func:`rmtsym.algebraic.mp_product` of the scaled MP
    law), independently of the quartic. The result is the cubic of docs/theory.md §1.5::

        φ ζ z² G³ + ζ z (φψ − 2φ + ψ) G² − (ψ² z + ζ(ψ−1)(φ−ψ)) G + ψ² = 0,

    normalised to that form (constant term ψ²).

    Parameters
    ----------
    zeta, phi, psi : number or SymPy expression
        ζ = η > 0 and the ratios (defaults: the shared symbols).

    Returns
    -------
    SpectralEquation
    """
    zt = exact_parameter(zeta, "zeta")
    _e, zt, ph, ps = _params(zt, zt, phi, psi)
    (zt, ph, ps), back = _generic_point((zt, ph, ps))
    return _substitute_back(_product_wishart_generic(zt, ph, ps), back)


def _product_wishart_generic(zt, ph, ps) -> SpectralEquation:
    inner = algebraic.scale(marchenko_pastur_equation(1 / ps), zt)
    out = algebraic.mp_product(inner, ph / ps)
    return _normalise_constant(out, ps**2, "product-Wishart")


def _normalise_constant(eq: SpectralEquation, target, name: str) -> SpectralEquation:
    """Rescale Q so that its G⁰z⁰ coefficient equals ``target`` (both nonzero)."""
    const = eq.poly.coeff_monomial(1)
    if const == 0:
        return SpectralEquation(eq.poly, name)
    factor = sp.cancel(sp.sympify(target) / const)
    scaled = _scale_in_domain(eq.poly, factor)
    if scaled is not None:
        return SpectralEquation(scaled, name)
    return SpectralEquation(sp.Poly(sp.expand(sp.cancel(eq.poly.as_expr() * factor)), G, z), name)


def _scale_in_domain(poly: sp.Poly, factor):
    """factor·Q with the coefficients multiplied in the field of Q's domain (the same
    polynomial as expanding the product), or None when the factor is not in that field."""
    if factor == 1:
        return poly
    try:
        field = poly.domain.get_field()
        f = field.from_sympy(factor)
        terms = {m: field.to_sympy(field.convert(c, poly.domain) * f) for m, c in poly.rep.terms()}
    except Exception:  # a factor outside the domain (an algebraic number): the expression path
        return None
    return sp.Poly.from_dict(terms, *poly.gens)


def reduced_equation(eta=eta, zeta=zeta, phi=phi, psi=psi) -> SpectralEquation:
    """The irreducible factor of the quartic that carries the physical branch.

    The quartic is factored (with the parameters substituted) and the factor with a
    branch G ~ 1/z at infinity is kept (:func:`rmtsym.algebraic.reduce`). This gives
    the MP quadratic c η z G² − (z − η(1 − c)) G + 1 (c = φ/ψ) for ζ = 0, the cubic of
    docs/theory.md §1.5 for η = ζ, and the quartic itself otherwise. Normalised so that its
    constant term is that of the reference forms (1 for MP, ψ² for the cubic, −ψ³).

    Parameters
    ----------
    eta, zeta, phi, psi : number or SymPy expression
        As in :func:`quartic`.

    Returns
    -------
    SpectralEquation
        Named ``"Marchenko-Pastur"``, ``"product-Wishart"`` or ``"Pennington-Worah"``.
    """
    generic, back = _generic_point(_params(eta, zeta, phi, psi))
    return _substitute_back(_reduced_generic(generic), back)


def _reduced_generic(values) -> SpectralEquation:
    red = algebraic.reduce(_quartic_at(values))
    ps = values[3]
    deg = red.degree
    target = {1: 1, 2: 1, 3: ps**2}.get(deg, -ps**3)
    name = {2: "Marchenko-Pastur", 3: "product-Wishart"}.get(deg, "Pennington-Worah")
    return _normalise_constant(red, target, name)


def classify(eta=eta, zeta=zeta, phi=phi, psi=psi) -> str:
    """Which law the parameters give, decided by factoring the quartic.

    Returns ``"marchenko-pastur"`` when the physical factor of Q (after substituting the
    parameters, which may be symbolic, e.g. ``zeta=0``) is the MP quadratic with ratio
    φ/ψ and scale η; ``"product-wishart"`` when it is the cubic of the linear network
    (η = ζ); ``"general"`` otherwise. With all four parameters free the quartic is
    irreducible and the answer is ``"general"``; pass e.g. ``zeta=0`` or
    ``eta=zeta`` to ask about a special case symbolically.

    Returns
    -------
    str
    """
    generic, _back = _generic_point(_params(eta, zeta, phi, psi))
    return _classify_generic(generic, _reduced_generic(generic))


def _classify_generic(generic, red: SpectralEquation) -> str:
    """:func:`classify` at a generic point whose reduced equation is already known."""
    e, zt, ph, ps = generic
    if red.degree == 2 and algebraic._proportional(red, marchenko_pastur_equation(ph / ps, e)):
        return "marchenko-pastur"
    if red.degree == 3 and not (zt.is_number and zt == 0):
        if algebraic._proportional(red, _product_wishart_generic(zt, ph, ps)):
            return "product-wishart"
    return "general"


# ---------------------------------------------------------------------------
# edges and atoms
# ---------------------------------------------------------------------------

def discriminant(eta=eta, zeta=zeta, phi=phi, psi=psi) -> sp.Expr:
    """Discriminant in G of the quartic Q (a polynomial in z; SymPy expression).

    For symbolic parameters it factors as ζ φ² ψ⁶ z⁴ D(z) with D of degree 5 in z (a
    few seconds of SymPy); the quartic's degree drops when ζ = 0 or η = ζ, and the
    discriminant is then that of the lower-degree polynomial.
    """
    generic, back = _generic_point(_params(eta, zeta, phi, psi))
    return _discriminant_generic(generic, back)


def _discriminant_generic(generic, back: dict) -> sp.Expr:
    disc = algebraic.discriminant(_quartic_at(generic))
    return sp.expand(disc.xreplace(back)) if back else disc


def edge_factors(eta=eta, zeta=zeta, phi=phi, psi=psi) -> List[sp.Expr]:
    """The factors of the edge equation (see :func:`edge_equation`), each once."""
    generic, back = _generic_point(_params(eta, zeta, phi, psi))
    return _edge_factors_generic(_reduced_generic(generic), back)


def _edge_factors_generic(red: SpectralEquation, back: dict) -> List[sp.Expr]:
    """:func:`edge_factors` from the reduced equation at a generic point."""
    disc, _den = sp.fraction(sp.together(algebraic.discriminant(red)))
    _, factors = algebraic.factor_list(sp.expand(disc))
    keep = []
    for fac, _mult in factors:
        if not fac.has(z):
            continue  # constants and parameters
        if sp.Poly(fac, z).degree() == 1 and _is_monomial_in_z(fac):
            continue  # powers of z: the atom location / a singular point at z = 0
        keep.append(sp.expand(fac.xreplace(back)) if back else fac)
    return keep


def _is_monomial_in_z(expr) -> bool:
    poly = sp.Poly(expr, z)
    return len(poly.terms()) == 1


def edge_equation(eta=eta, zeta=zeta, phi=phi, psi=psi) -> sp.Expr:
    """The polynomial in z whose real positive roots are the candidate support edges.

    It is the discriminant in G of the *reduced* equation (the physical factor:
    the branch points of other factors are irrelevant), with the spurious factors
    dropped: constants and parameter factors, and powers of z — z = 0 is where the
    leading coefficient vanishes (the atom location, :func:`atoms`) and not a
    square-root edge. Example: ζ = 0 gives (z − η(1 − √c)²)(z − η(1 + √c)²) up to a
    constant, i.e. z² − 2η(1 + c) z + η²(1 − c)² with c = φ/ψ.

    Returns
    -------
    sympy.Expr
        The product of the kept factors (each to the first power).
    """
    return sp.Mul(*edge_factors(eta, zeta, phi, psi))


def atoms(eta=eta, zeta=zeta, phi=phi, psi=psi) -> List[Tuple[sp.Expr, sp.Expr]]:
    """Atoms of the PW law, exact: a list of ``(location, mass)``.

    Nonlinear f (η > ζ): mass max(0, 1 − ψ/φ) = max(0, 1 − m/n1) at 0; linear f
    (η = ζ), whose rank is also limited by n0: max(0, 1 − ψ/φ, 1 − ψ) (docs/theory.md §1.4).
    Numbers give an empty list when there is no atom; symbolic parameters give
    ``[(0, Max(...))]``. The masses are the nonzero roots of the leading-order
    polynomial at z = 0 (:func:`rmtsym.algebraic.atom_mass_polynomial`), which the
    tests check: ζ(η−ζ) w² (φ w − (φ − ψ))² for the quartic, ζ w (w − 1 + ψ/φ)(w − 1 + ψ)φ
    for the cubic.
    """
    return _atoms_at(_params(eta, zeta, phi, psi))


def _atoms_at(values) -> List[Tuple[sp.Expr, sp.Expr]]:
    e, zt, ph, ps = values
    linear = sp.simplify(e - zt) == 0
    candidates = [sp.Integer(0), 1 - ps / ph] + ([1 - ps] if linear else [])
    mass = sp.Max(*candidates)
    if mass.is_number:
        return [(sp.Integer(0), mass)] if mass > 0 else []
    return [(sp.Integer(0), mass)]


# ---------------------------------------------------------------------------
# free-probability form (Péché 2019)
# ---------------------------------------------------------------------------

def free_convolution_equation(eta=eta, zeta=zeta, phi=phi, psi=psi) -> SpectralEquation:
    """The PW law as MP_{φ/ψ} ⊠ T#MP_{1/ψ}, T(λ) = ζλ + (η − ζ) (docs/theory.md §2).

    Péché (2019): the PW law is the law of the Gaussian-equivalent linear model
    Y = √ζ ŴX̂ + √(η−ζ) Z, i.e. a sample covariance with population covariance
    Σ = ζŴŴᵀ + (η−ζ)I whose spectrum is T#MP_{1/ψ}. Built with
    :func:`rmtsym.algebraic.scale`, :func:`~rmtsym.algebraic.shift` and
    :func:`~rmtsym.algebraic.mp_product` — an independent derivation of the quartic.
    """
    (e, zt, ph, ps), back = _generic_point(_params(eta, zeta, phi, psi))
    pop = algebraic.shift(algebraic.scale(marchenko_pastur_equation(1 / ps), zt), e - zt)
    return _substitute_back(algebraic.mp_product(pop, ph / ps), back, "MP [x] T#MP (Pennington-Worah)")


# ---------------------------------------------------------------------------
# the derivation as one object
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Derived:
    """One object of the derivation and how it was obtained.

    Attributes
    ----------
    value : SymPy object (or str, list)
        The result: an ``Eq``, a :class:`~rmtsym.algebraic.SpectralEquation`, an expression,
        a list of (location, mass) pairs, ...
    provenance : str
        How it was obtained, in one sentence (the function and the operation).
    """

    value: object
    provenance: str


#: how each step of a :class:`Derivation` is obtained
PROVENANCE = {
    "p_equation": "the P-equation of Pennington & Worah (NeurIPS 2017, Theorem 1): P(t) = 1 + sum_k p_k t^k, "
                  "m_k = psi^(1-k) p_k (pennington_worah.p_equation)",
    "g_from_p": "the G-P relation G(z) = (psi/z) P(1/(z psi)) + (1 - psi)/z (pennington_worah.g_from_p)",
    "quartic": "the P-equation with t = 1/(z psi) and P = (zG - 1 + psi)/psi over one denominator; its "
               "numerator without content, signed so that the G z coefficient is +psi^3 "
               "(pennington_worah.quartic)",
    "reduced": "the irreducible factor of the quartic with a branch G ~ 1/z at infinity "
               "(algebraic.reduce), normalised to the reference constant term (pennington_worah.reduced_equation)",
    "case": "the reduced equation compared with the Marchenko-Pastur quadratic (ratio phi/psi, scale eta) and "
            "with the product-Wishart cubic built by free multiplicative convolution (pennington_worah.classify)",
    "cofactor": "the quartic divided exactly by the reduced equation: Q = cofactor * R",
    "ratio": "c = phi/psi = n1/m, the Marchenko-Pastur ratio of the zeta = 0 case",
    "discriminant": "the discriminant in G of the quartic, a polynomial in z (pennington_worah.discriminant)",
    "edge_factors": "the factors of the discriminant in G of the reduced equation that hold z, powers of z "
                    "removed (pennington_worah.edge_factors)",
    "edge_equation": "the product of the edge factors: its real roots are the candidate support edges "
                     "(pennington_worah.edge_equation)",
    "atoms": "the nonzero roots of the leading-order polynomial at z = 0: mass max(0, 1 - psi/phi) at 0, "
             "and 1 - psi also for linear f (pennington_worah.atoms)",
    "moments": "the series of the P-equation, m_k = psi^(1-k) p_k, exact polynomials in eta, zeta, phi, psi "
               "(moments.series_moments)",
}


class Derivation:
    """The Pennington–Worah derivation at one point (η, ζ, φ, ψ), computed once.

    Pennington & Worah, "Nonlinear random matrix theory for deep learning", NeurIPS 2017:
    the P-equation, the quartic Q(G, z) derived from it, the factorisation that reveals the
    special cases (ζ = 0: Marchenko–Pastur; η = ζ: product of two Wisharts), the
    discriminant and edge equation, the atoms and the exact moments. Each step is a
    :class:`Derived` (a SymPy object and its provenance), computed on first access and then
    kept, so the law, the report and the command line that share a derivation (through
    :func:`derive`) never compute a step twice. Renderers (:mod:`rmtsym.export`) receive it
    and only print it.

    Parameters
    ----------
    eta, zeta, phi, psi : number or SymPy expression
        As in :func:`quartic` (defaults: the shared symbols); converted to exact numbers
        and range-checked once.

    Attributes
    ----------
    parameters : tuple
        The exact (η, ζ, φ, ψ).
    p_equation, g_from_p, quartic, reduced, case, cofactor, ratio, discriminant,
    edge_factors, edge_equation, atoms : Derived
        The steps (see :data:`PROVENANCE`); ``moments(k)`` gives m_1 … m_k.
    """

    def __init__(self, eta=eta, zeta=zeta, phi=phi, psi=psi):
        self.parameters = _params(eta, zeta, phi, psi)
        self.eta, self.zeta, self.phi, self.psi = self.parameters
        self._generic, self._back = _generic_point(self.parameters)
        self._steps: Dict[str, Derived] = {}
        self._moments: Dict[int, Derived] = {}

    def _step(self, name: str, compute) -> Derived:
        step = self._steps.get(name)
        if step is None:
            step = self._steps[name] = Derived(compute(), PROVENANCE[name])
        return step

    @property
    def _reduced_at_generic(self) -> SpectralEquation:
        if "_reduced_generic" not in self.__dict__:
            self.__dict__["_reduced_generic"] = _reduced_generic(self._generic)
        return self.__dict__["_reduced_generic"]

    @property
    def is_symbolic(self) -> bool:
        """True when a parameter is left free."""
        return any(not v.is_number for v in self.parameters)

    @property
    def generic(self) -> "Derivation":
        """The derivation with all four parameters free (this one specialises it)."""
        return derive()

    @property
    def p_equation(self) -> Derived:
        values = dict(zip((S.eta, S.zeta, S.phi, S.psi), self.parameters))
        return self._step("p_equation", lambda: p_equation().subs(values, simultaneous=True))

    @property
    def g_from_p(self) -> Derived:
        return self._step("g_from_p", g_from_p)

    @property
    def quartic(self) -> Derived:
        return self._step("quartic", lambda: _quartic_at(self.parameters))

    @property
    def reduced(self) -> Derived:
        return self._step("reduced", lambda: _substitute_back(self._reduced_at_generic, self._back))

    @property
    def case(self) -> Derived:
        return self._step("case", lambda: _classify_generic(self._generic, self._reduced_at_generic))

    @property
    def cofactor(self) -> Derived:
        return self._step("cofactor", lambda: sp.cancel(sp.expand(self.quartic.value.poly.as_expr())
                                                        / self.reduced.value.poly.as_expr()))

    @property
    def ratio(self) -> Derived:
        return self._step("ratio", lambda: sp.simplify(self.phi / self.psi))

    @property
    def discriminant(self) -> Derived:
        return self._step("discriminant", lambda: _discriminant_generic(self._generic, self._back))

    @property
    def edge_factors(self) -> Derived:
        return self._step("edge_factors", lambda: _edge_factors_generic(self._reduced_at_generic, self._back))

    @property
    def edge_equation(self) -> Derived:
        return self._step("edge_equation", lambda: sp.Mul(*self.edge_factors.value))

    @property
    def atoms(self) -> Derived:
        return self._step("atoms", lambda: _atoms_at(self.parameters))

    def moments(self, k: int) -> Derived:
        """m_1 … m_k of the law as exact polynomials in η, ζ, φ, ψ (the parameters are not
        substituted: the polynomials are the same at every point)."""
        k = int(k)
        if k not in self._moments:
            from .moments import series_moments

            self._moments[k] = Derived(series_moments(k), PROVENANCE["moments"])
        return self._moments[k]

    def provenance(self) -> Dict[str, str]:
        """How each step computed so far was obtained (name → sentence)."""
        out = {name: step.provenance for name, step in self._steps.items()}
        out.update({f"moments({k})": d.provenance for k, d in self._moments.items()})
        return out

    def __repr__(self) -> str:
        done = ", ".join(self._steps) or "nothing yet"
        return f"Derivation(eta={self.eta}, zeta={self.zeta}, phi={self.phi}, psi={self.psi}; computed: {done})"


@functools.lru_cache(maxsize=64)
def _derive_exact(values) -> Derivation:
    return Derivation(*values)


def derive(eta=eta, zeta=zeta, phi=phi, psi=psi) -> Derivation:
    """The :class:`Derivation` at (η, ζ, φ, ψ), shared: equal parameters give the same
    object, so every step is computed once per point in a session.

    Parameters
    ----------
    eta, zeta, phi, psi : number or SymPy expression
        As in :func:`quartic` (defaults: the shared symbols, the generic derivation).
    """
    return _derive_exact(_params(eta, zeta, phi, psi))
