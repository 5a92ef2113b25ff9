"""Algebraic laws: a probability law whose Stieltjes transform solves Q(G, z) = 0.

The Pennington–Worah quartic, Marchenko–Pastur, the product of Wisharts, the law of
each layer of a deep network and the Hessian model MP ⊞ semicircle are all of this
kind. :class:`SpectralEquation` holds the polynomial; the solver (:mod:`rmtsym.solver`)
picks the physical branch of any such equation, and the operations here build new
equations from old ones.

Convention: G(z) = ∫ρ(t)dt/(z − t) ~ 1/z as z → ∞ (physics sign).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List

import sympy as sp

from .errors import RmtsymError
from .symbols import G, z


@dataclass(frozen=True)
class SpectralEquation:
    """The polynomial equation Q(G, z) = 0 of an algebraic law.

    Parameters
    ----------
    poly : sympy.Poly
        Q as a polynomial in the generators ``(G, z)`` of :mod:`rmtsym.symbols`. Its
        coefficients may be exact numbers or expressions in parameters (η, ζ, φ, ψ, ...).
    name : str
        A short human-readable name (``"Pennington-Worah"``, ``"Marchenko-Pastur"``...).
    """

    poly: sp.Poly
    name: str = ""

    @classmethod
    def from_expr(cls, expr: sp.Expr, name: str = "") -> "SpectralEquation":
        """Build from an expression in G and z (denominators are cleared, content removed)."""
        num, _ = sp.fraction(sp.together(sp.expand(expr)))
        poly = sp.Poly(sp.expand(num), G, z)
        _, poly = poly.primitive() if poly.domain.is_Exact and poly.domain.is_Numerical else (1, poly)
        return cls(poly, name)

    @property
    def expr(self) -> sp.Expr:
        return self.poly.as_expr()

    @property
    def degree(self) -> int:
        """Degree in G."""
        return self.poly.degree(G)

    def coefficients_in_G(self) -> List[sp.Expr]:
        """The coefficients a_k(z) of Q = Σ a_k(z) G^k, highest power first."""
        as_g = sp.Poly(self.poly.as_expr(), G)
        return [sp.expand(c) for c in as_g.all_coeffs()]

    def coefficients_in_z(self) -> List[sp.Expr]:
        """The coefficients b_j(G) of Q = Σ b_j(G) z^j, highest power first."""
        as_z = sp.Poly(self.poly.as_expr(), z)
        return [sp.expand(c) for c in as_z.all_coeffs()]

    @property
    def parameters(self) -> set:
        """Free symbols other than G and z."""
        return self.poly.as_expr().free_symbols - {G, z}

    @property
    def is_numeric(self) -> bool:
        return not self.parameters

    def subs(self, values: Dict) -> "SpectralEquation":
        """Substitute parameter values (a dict of symbol → value)."""
        return SpectralEquation.from_expr(self.poly.as_expr().subs(values), self.name)

    def __call__(self, g, zz):
        """Evaluate Q(g, zz) symbolically or at numbers."""
        return self.poly.as_expr().subs({G: g, z: zz})

    def _repr_latex_(self) -> str:
        from .typeset import equation_repr_latex

        return equation_repr_latex(self)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _terms(eq: SpectralEquation):
    """The terms of Q as a dict {(i, j): coefficient} for Q = Σ c_ij G^i z^j."""
    return {monom: coeff for monom, coeff in eq.poly.terms()}


def _from_terms(terms, name: str) -> SpectralEquation:
    expr = sp.Add(*[coeff * G**i * z**j for (i, j), coeff in terms.items()])
    return SpectralEquation.from_expr(expr, name)


def factor_list(expr):
    """``sympy.factor_list`` over Q, or over Q(α, …) when the coefficients hold algebraic
    numbers α (such as √2): otherwise SymPy treats √2 as an independent generator and
    misses factors."""
    expr = sp.sympify(expr)
    algebraics = sorted({a for a in expr.atoms(sp.Pow) if a.is_number and a.exp.is_Rational
                         and not a.exp.is_Integer and a.base.is_Rational}, key=sp.default_sort_key)
    if algebraics:
        return sp.factor_list(expr, extension=algebraics)
    return sp.factor_list(expr)


def _is_zero(value, scale=None) -> bool:
    """Zero test for SymPy expressions.

    Exact (rational functions of the parameters, algebraic numbers) when the value holds
    no Float; with Floats, |value| ≤ 1e-12·scale (``scale`` defaults to 1).
    """
    value = sp.sympify(value)
    if value == 0:
        return True
    if value.has(sp.Float):
        if not value.is_number:
            value = sp.cancel(sp.together(value))
            return value == 0
        return bool(abs(complex(value)) <= 1e-12 * (scale if scale is not None else 1))
    if value.is_number:
        exact = value.equals(0)
        if exact is not None:
            return bool(exact)
        return bool(abs(sp.N(value, 60)) < sp.Float("1e-50"))
    return sp.cancel(sp.together(value)) == 0


def _infinity_polynomial(poly_terms):
    """Split Q(u y, 1/u) = u^μ Σ_s u^s B_s(y) (G = u y, z = 1/u).

    Returns ``{s: {i: b_is}}`` with every s ≥ 0. B_0(y) = Σ_i b_i0 y^i is the
    polynomial whose roots are the possible limits of z·G(z) as z → ∞.
    """
    mu = min(i - j for (i, j) in poly_terms)
    blocks: Dict[int, Dict[int, sp.Expr]] = {}
    for (i, j), coeff in poly_terms.items():
        s = i - j - mu
        blocks.setdefault(s, {})
        blocks[s][i] = blocks[s].get(i, 0) + coeff
    return blocks


def _has_physical_branch(eq: SpectralEquation) -> bool:
    """True when Q has a branch with z·G(z) → 1 as z → ∞ (B_0(1) = 0)."""
    blocks = _infinity_polynomial(_terms(eq))
    b0 = list(blocks.get(0, {}).values())
    size = sum(abs(complex(v)) for v in b0) if all(sp.sympify(v).is_number for v in b0) else None
    return _is_zero(sum(b0), size)


def _proportional(a: SpectralEquation, b: SpectralEquation) -> bool:
    """True when the two polynomials differ by a factor free of G and z (and nonzero)."""
    if a.poly.degree(G) != b.poly.degree(G) or a.poly.degree(z) != b.poly.degree(z):
        return False
    ratio = sp.cancel(sp.together(a.expr / b.expr))
    return not ratio.has(G) and not ratio.has(z) and not _is_zero(ratio)


# ---------------------------------------------------------------------------
# operations on algebraic laws
# ---------------------------------------------------------------------------

def delta_equation(x0=0) -> SpectralEquation:
    """The point mass δ_{x0}: G(z) = 1/(z − x0), i.e. (z − x0) G − 1 = 0.

    Parameters
    ----------
    x0 : number or SymPy expression
        The location of the atom.
    """
    return SpectralEquation.from_expr((z - sp.sympify(x0)) * G - 1, f"delta({x0})")


def scale(eq: SpectralEquation, a) -> SpectralEquation:
    """The law of aX when X has the law of ``eq``.

    For a ≠ 0, G_{aX}(z) = E 1/(z − aX) = G_X(z/a)/a, so G_{aX} solves
    Q(a G, z/a) = 0; multiplying by a^{deg_z Q} clears the denominators:

        Q_a(G, z) = Σ_{ij} c_ij a^{i + deg_z Q − j} G^i z^j.

    For a = 0 (a number) the law is δ_0, returned as z G − 1 = 0.

    Parameters
    ----------
    eq : SpectralEquation
    a : number or SymPy expression
        The factor. A symbolic ``a`` is assumed nonzero.

    Returns
    -------
    SpectralEquation
    """
    a = sp.sympify(a)
    if a.is_number and a == 0:
        return delta_equation(0)
    terms = _terms(eq)
    dz = eq.poly.degree(z)
    new = {(i, j): coeff * a ** (i + dz - j) for (i, j), coeff in terms.items()}
    return _from_terms(new, f"{a}*({eq.name})" if eq.name else "")


def shift(eq: SpectralEquation, b) -> SpectralEquation:
    """The law of X + b when X has the law of ``eq``.

    G_{X+b}(z) = E 1/(z − b − X) = G_X(z − b), so Q_b(G, z) = Q(G, z − b). With
    :func:`scale` it gives every affine image, e.g. T#MP_{1/ψ} with T(λ) = ζλ + η − ζ
    (docs/theory.md §2).

    Parameters
    ----------
    eq : SpectralEquation
    b : number or SymPy expression
        The shift.

    Returns
    -------
    SpectralEquation
    """
    b = sp.sympify(b)
    expr = eq.poly.as_expr().subs(z, z - b)
    return SpectralEquation.from_expr(expr, f"({eq.name})+{b}" if eq.name else "")


def mp_product(eq: SpectralEquation, c, reduce_result: bool = True) -> SpectralEquation:
    """Free multiplicative convolution MP_c ⊠ H with H the law of ``eq``.

    MP_c is the Marchenko–Pastur law with ratio c and mean 1 (atom 1 − 1/c at 0 if
    c > 1). The output is the limiting spectral law of the p×p sample-covariance-type
    matrix S = Σ^{1/2} X Xᵀ Σ^{1/2}/N, X p×N with iid unit-variance entries,
    c = p/N, and the law of Σ tending to H (Marchenko & Pastur 1967; Silverstein 1995,
    J. Multivariate Anal. 55, 331–339). Its Stieltjes transform s = −G solves the
    Silverstein equation (docs/theory.md §1.8, §2)

        s(z) = ∫ dH(τ) / ( τ (1 − c − c z s(z)) − z ).

    In the physics sign, with A = 1 − c + c z G:  G(z) = G_H(z/A)/A. Hence G solves
    Q_H(A G, z/A) = 0, and eliminating the subordination variables (g, w) = (A G, z/A)
    — the resultant of Q_H(g, w) with the two linear relations, i.e. their
    substitution — gives, after multiplication by A^{deg_z Q_H},

        Q_out(G, z) = Σ_{ij} c_ij G^i z^j A^{i − j + deg_z Q_H}.

    With H = δ_1 this is the MP quadratic c z G² − (z − 1 + c) G + 1 = 0. The raw
    polynomial typically carries the spurious factor A = 1 − c + c z G itself (where the
    subordination point z/A is infinite); :func:`reduce` removes it.

    Examples: the PW law is ``mp_product(T#MP_{1/ψ}, φ/ψ)`` (docs/theory.md §2,
    :func:`rmtsym.pennington_worah.free_convolution_equation`); the data-Gram layer map
    of docs/theory.md §1.8 is law(K_l) = ``mp_product(shift(scale(law(K_{l−1}), ζ), η − ζ),
    m/n_l)`` (K_l is m×m, so p = m and N = n_l). Each application roughly doubles the
    degree in G for a non-trivial input law.

    Parameters
    ----------
    eq : SpectralEquation
        The law H (the population covariance spectrum).
    c : number or SymPy expression
        The ratio p/N (> 0).
    reduce_result : bool
        Keep only the irreducible factor carrying the physical branch (default);
        otherwise return the raw eliminated polynomial (which may carry spurious
        factors).

    Returns
    -------
    SpectralEquation
    """
    c = sp.sympify(c)
    A = 1 - c + c * z * G
    dz = eq.poly.degree(z)
    expr = sp.Add(*[coeff * G**i * z**j * A ** (i - j + dz) for (i, j), coeff in _terms(eq).items()])
    out = SpectralEquation.from_expr(expr, f"MP({c}) [x] ({eq.name})" if eq.name else f"MP({c}) [x] law")
    return reduce(out) if reduce_result else out


def semicircle_sum(eq: SpectralEquation, variance, reduce_result: bool = True) -> SpectralEquation:
    """Free additive convolution H ⊞ SC(v) with the semicircle law of variance v.

    The R-transform of SC(v) is R(g) = v g, so R_out = R_H + v g and the
    subordination relation is G_out(z) = G_H(z − v G_out(z)) (Voiculescu; Biane 1997,
    Indiana Univ. Math. J. 46, 705–718). Therefore

        Q_out(G, z) = Q_H(G, z − v G),

    the elimination of the subordination variable w = z − v G. This is the Hessian
    model of Pennington & Bahri (ICML 2017): MP_φ ⊞ SC(2ε) (docs/theory.md §5.3).

    Parameters
    ----------
    eq : SpectralEquation
    variance : number or SymPy expression
        v ≥ 0.
    reduce_result : bool
        Keep only the physical irreducible factor (default).
    """
    v = sp.sympify(variance)
    expr = eq.poly.as_expr().subs(z, z - v * G)
    out = SpectralEquation.from_expr(expr, f"({eq.name}) [+] SC({v})" if eq.name else f"law [+] SC({v})")
    return reduce(out) if reduce_result else out


def moments_at_infinity(eq: SpectralEquation, k: int) -> List[sp.Expr]:
    """Exact moments m_1, …, m_k of the law of ``eq`` from its expansion at z = ∞.

    With G(z) = Σ_{j≥0} m_j z^{−j−1} (m_0 = 1), put u = 1/z and y = z G = 1 + Σ m_j u^j.
    Then Q(u y, 1/u) = u^μ F(y, u) with F(y, u) = Σ_s u^s B_s(y) a polynomial. The
    physical branch is the solution with y(0) = 1, which requires B_0(1) = 0; when
    B_0'(1) ≠ 0 it is unique and the coefficient of u^n in F gives, order by order,

        B_0'(1) m_n = − [u^n] F(1 + Σ_{l<n} m_l u^l, u).

    The powers y^i are expanded with J.C.P. Miller's recurrence (n p_n =
    Σ_{l=1}^n ((i+1) l − n) y_l p_{n−l}), so the cost is O(deg_G Q · k²) operations
    in the coefficient field (rational functions of the parameters when symbolic).

    Parameters
    ----------
    eq : SpectralEquation
        Numeric or symbolic coefficients.
    k : int
        Number of moments (k ≥ 1).

    Returns
    -------
    list of sympy.Expr
        ``[m_1, …, m_k]``.

    Raises
    ------
    RmtsymError
        If no branch has z·G → 1, or that branch is not simple at infinity.
    """
    from sympy.polys.constructor import construct_domain

    if not isinstance(k, int) or k < 1:
        raise RmtsymError(f"the number of moments must be a positive whole number, got {k!r}")
    blocks = _infinity_polynomial(_terms(eq))
    keys = [(s, i) for s in blocks for i in blocks[s]]
    dom, elems = construct_domain([sp.sympify(blocks[s][i]) for s, i in keys], field=True)
    b = {}
    for (s, i), e in zip(keys, elems):
        b.setdefault(s, {})[i] = e
    zero, one = dom.zero, dom.one
    conv = dom.convert
    b0 = b.get(0, {})
    l1 = sum(b0.values(), zero)
    dl1 = sum((conv(i) * v for i, v in b0.items()), zero)
    if dom.is_Exact:
        no_branch = not _is_zero(dom.to_sympy(l1))
    else:  # floating-point coefficients: B_0(1) = 0 up to rounding, relative to |B_0|
        size = sum(abs(complex(dom.to_sympy(v))) for v in b0.values())
        no_branch = abs(complex(dom.to_sympy(l1))) > 1e-12 * size
    if no_branch:
        raise RmtsymError("the equation has no branch with z*G(z) -> 1 at infinity, so it is not the equation of a probability law")
    if _is_zero(dom.to_sympy(dl1)):
        raise RmtsymError("the branch with z*G(z) -> 1 is not simple at infinity; reduce the equation first")
    degs = sorted({i for s in b for i in b[s] if i >= 1})
    maxdeg = max(degs) if degs else 0
    y = [one] + [zero] * k
    # p[i][n]: coefficient of u^n in y^i
    p = {i: [one] + [zero] * k for i in range(1, maxdeg + 1)}
    for n in range(1, k + 1):
        partial = {}
        for i in range(1, maxdeg + 1):
            acc = zero
            for l in range(1, n):
                coef = (i + 1) * l - n
                if coef:
                    acc += conv(coef) * y[l] * p[i][n - l]
            partial[i] = acc / conv(n)
        total = zero
        for s, row in b.items():
            if s > n:
                continue
            for i, bis in row.items():
                if i == 0:
                    if s == n:
                        total += bis
                    continue
                total += bis * (partial[i] if s == 0 else p[i][n - s])
        m_n = -total / dl1
        y[n] = m_n
        for i in range(1, maxdeg + 1):
            p[i][n] = partial[i] + conv(i) * m_n
    return [sp.factor(dom.to_sympy(v)) if not dom.to_sympy(v).is_number else dom.to_sympy(v) for v in y[1:]]


def generic_numbers(expr: sp.Expr):
    """Replace the irrational exact numbers of an expression by indeterminates.

    Exact coefficients built from π, √3, asin(1/3), e^{1/2}, ... put SymPy's polynomial
    algebra in its slow expression domain (the GELU law's discriminant took minutes).
    Over Q(a1, ..., ak) the same resultants and gcds take milliseconds; substituting the
    numbers back afterwards is exact for every identity that holds generically, which is
    all that discriminants, square-free parts and contents need.

    Returns
    -------
    (generic_expr, back) : (sympy.Expr, dict)
        ``back`` maps each indeterminate to the number it stands for
        (``generic_expr.xreplace(back) == expr``).
    """
    found = set()
    for node in sp.preorder_traversal(expr):
        if node.is_number and not node.is_Rational and (
                isinstance(node, (sp.NumberSymbol, sp.Function))
                or (node.is_Pow and not node.exp.is_Integer)):
            found.add(node)
    stand_in = {a: sp.Dummy(f"a{i}") for i, a in enumerate(sorted(found, key=sp.default_sort_key))}
    return expr.xreplace(stand_in), {d: a for a, d in stand_in.items()}


def discriminant(eq: SpectralEquation) -> sp.Expr:
    """The discriminant of Q(G, z) in G: a polynomial in z (and the parameters).

    Disc_G Q = (−1)^{d(d−1)/2} Res_G(Q, ∂_G Q)/a_d(z), d = deg_G Q. Its real zeros are
    the branch points of G on the real axis: the support edges are among them (with
    the zeros of the leading coefficient a_d, which locate atoms). Irrational exact
    coefficients are handled through :func:`generic_numbers`.
    """
    generic, back = generic_numbers(eq.poly.as_expr())
    disc = sp.Poly(generic, G).discriminant()
    return sp.expand(disc.xreplace(back)) if back else sp.expand(disc)


def leading_coefficient(eq: SpectralEquation) -> sp.Expr:
    """a_d(z), the coefficient of the highest power of G in Q."""
    return eq.coefficients_in_G()[0]


def leading_coefficient_roots(eq: SpectralEquation) -> list:
    """Candidate atom locations: the distinct roots of the leading coefficient a_d(z).

    An atom of mass w at x0 means G(z) ≈ w/(z − x0), a branch that blows up at x0,
    which forces a_d(x0) = 0. Roots are exact (radicals or ``CRootOf``); parameters
    are allowed when SymPy can solve a_d in closed form.
    """
    lead = leading_coefficient(eq)
    if not lead.has(z):
        return []
    poly = sp.Poly(lead, z)
    roots = sp.roots(poly)
    if sum(roots.values()) != poly.degree():
        if poly.free_symbols - {z}:
            raise RmtsymError("the leading coefficient cannot be solved in closed form with symbolic parameters")
        return list(dict.fromkeys(poly.all_roots()))
    return list(roots)


def atom_mass_polynomial(eq: SpectralEquation, x0=0, w=None) -> sp.Poly:
    """The polynomial whose roots are the candidate atom masses at x0.

    Put z = x0 + v and G = w/v (an atom of mass w at x0 gives G ≈ w/(z − x0)). Then
    Q(w/v, x0 + v) = Σ c'_ij w^i v^{j−i}; its lowest power of v as v → 0 has a
    coefficient that is a polynomial in w, returned here. Its roots are the possible
    residues of the branches of G at x0: 0 for branches regular there, and the masses.
    """
    w = w if w is not None else sp.Symbol("w")
    x0 = sp.sympify(x0)
    v = sp.Dummy("v")
    shifted = sp.Poly(sp.expand(eq.poly.as_expr().subs(z, x0 + v)), G, v)
    terms = {m: cf for m, cf in shifted.terms() if not _is_zero(cf)}
    low = min(j - i for (i, j) in terms)
    return sp.Poly(sp.Add(*[cf * w**i for (i, j), cf in terms.items() if j - i == low]), w)


def atom_mass_candidates(eq: SpectralEquation, x0=0) -> list:
    """Nonzero roots of :func:`atom_mass_polynomial` (candidate masses at x0)."""
    poly = atom_mass_polynomial(eq, x0)
    roots = sp.roots(poly)
    return [r for r in roots if not _is_zero(r)]


def reduce(eq: SpectralEquation) -> SpectralEquation:
    """Factor Q and keep the irreducible factor that carries the physical branch.

    Factors free of G (constants, parameters, powers of z) are dropped; among the
    others, the physical one is the one with a branch G ~ 1/z at infinity, i.e. with
    B_0(1) = 0 in the notation of :func:`moments_at_infinity`. For a probability law
    whose full equation has a simple such branch, exactly one factor qualifies.
    """
    _, factors = factor_list(eq.poly.as_expr())
    candidates = []
    for fac, _mult in factors:
        if not fac.has(G):
            continue
        feq = SpectralEquation.from_expr(fac, eq.name)
        if _has_physical_branch(feq):
            candidates.append(feq)
    if not candidates:
        raise RmtsymError("no factor of the equation has a branch with z*G(z) -> 1, so it is not the equation of a probability law")
    if len(candidates) > 1:
        raise RmtsymError("several factors of the equation have a branch with z*G(z) -> 1; the physical one is ambiguous")
    return candidates[0]


__all__ = ["SpectralEquation", "factor_list", "delta_equation", "scale", "shift", "mp_product", "semicircle_sum",
           "moments_at_infinity", "discriminant", "leading_coefficient", "leading_coefficient_roots",
           "atom_mass_polynomial", "atom_mass_candidates", "reduce"]
