"""Propagation of the data spectrum through the layers of a deep random network.

Model (Pennington & Worah, NeurIPS 2017, §6; Benigni & Péché, EJP 2021; ``theory.md`` §1.8)
-----------------------------------------------------------------------------------------
Data X ∈ R^{n0×m} with iid N(0, σx²) entries; layers Y_l = f(W_l Y_{l−1}) − μ_l with
W_l ∈ R^{n_l×n_{l−1}} of iid N(0, σw²/n_{l−1}) entries (Y_0 = X) and μ_l the Gaussian mean
that centres the layer; the data Gram matrix of layer l is K_l = Y_lᵀY_l/n_l (m×m).

Mean field. The pre-activations of layer l are Gaussian with variance q_l = σw² κ_{l−1},
κ_{l−1} = diag(K_{l−1}) (κ_0 = σx²); after the centred activation κ_l = η_l, so

    q_1 = σw² σx²,   q_{l+1} = σw² η_l,   η_l = Var f(√q_l Z),  ζ_l = (E[Z f(√q_l Z)])².

(Schoenholz et al., ICLR 2017, recursion q^l = σw² ∫Dz φ(√q^{l−1}z)² — with the centred f.)

Layer map (Gaussian equivalence, iterated). Conditionally on Y_{l−1} the rows of Y_l are
iid with covariance ≈ ζ_l K_{l−1}/κ_{l−1} + (η_l − ζ_l) I (linear Hermite part plus
independent nonlinear noise), so

    law(K_l) = MP_{m/n_l} ⊠ law( ζ_l K_{l−1}/κ_{l−1} + (η_l − ζ_l) I ),

which is the reference map of theory.md §1.8 when f is normalised (κ = η = 1). With
``normalize=True`` f is replaced by (f − E f(Z))/√(Var f(Z)), i.e. η(q) → η(q)/η(1),
ζ(q) → ζ(q)/η(1), and with σw = σx = 1 every layer has q = η = 1.

Three routes are provided:
* the algebraic law of each layer, Q_l(G, z) = 0, built by :func:`rmtsym.algebraic.scale`,
  :func:`~rmtsym.algebraic.shift` and :func:`~rmtsym.algebraic.mp_product`; its degree in G
  doubles with every layer (2, 4, 8, 16, 32, 64 for K_0 … K_5), so it is built up to
  ``max_algebraic_layers`` (default 3), with densities from
  :class:`rmtsym.solver.BranchSolver` where the degree is at most 8;
* the Silverstein fixed point of the whole chain (nested subordination, damped, warm-started
  from Im z = 20 and continued towards the real axis, asserting Im G < 0, theory.md §2), used
  for densities of deeper layers;
* exact moments by an independent route: the S-transform series S_{K_l} = S_{H_l}·S_{MP},
  S_{MP_c}(w) = 1/(1 + c w), i.e. χ_{K_l}(w) = χ_{H_l}(w)/(1 + c_l w) with χ the inverse of the
  moment series ψ(u) = Σ m_k u^k (Voiculescu; Nica & Speicher, Lecture 18).

The ζ = 0 class: when ζ_l = 0 the layer forgets its input, law(K_l) = η_l·MP_{m/n_l}
("whitening"); with equal widths n_l = n0 (ψ = 1) and η = 1 the input law MP_{1/φ} is
therefore preserved through depth (PW's observation; Benigni & Péché 2021).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import mpmath
import numpy as np
import sympy as sp

from .. import symbols as S
from ..errors import ParameterError, RmtsymError
from ..numbers import Certified, check_dps, decimal_string

#: degree in G of K_l's equation is 2^(l+1); the solver is used for densities up to this degree
SOLVER_MAX_DEGREE = 8


# ----------------------------------------------------------------------------------------
# activations and the mean-field recursion
# ----------------------------------------------------------------------------------------

def _as_expr(activation):
    """SymPy expression of an activation (Activation object, expression or formula string)."""
    if hasattr(activation, "expr"):
        return activation.expr
    if isinstance(activation, sp.Basic):
        return activation
    if isinstance(activation, str):
        from ..activation import parse_activation  # the safe parser (never eval)
        return parse_activation(activation).expr
    raise ParameterError("the activation must be a formula, an Activation or a SymPy expression")


def _exact_or_mpf(cert: Certified, dps: int):
    """The exact SymPy value of a Certified when known, else a SymPy Float at dps digits."""
    if cert.exact is not None:
        ex = sp.sympify(cert.exact)
        if not ex.free_symbols:
            return ex
    with mpmath.workdps(dps + 5):
        return sp.Float(mpmath.nstr(mpmath.re(cert.value), dps + 5), dps + 5)


@dataclass
class LayerMoments:
    """Gaussian moments of one layer at its pre-activation variance q."""

    q: sp.Expr
    mean: sp.Expr
    eta: sp.Expr
    zeta: sp.Expr
    exact: bool


def _moments_at(expr, q, dps, cache):
    key = sp.srepr(sp.nsimplify(q) if q.is_Rational else q)
    if key in cache:
        return cache[key]
    from ..gaussian import gaussian_moments

    sw = sp.sqrt(q) if not isinstance(q, sp.Float) else sp.Float(mpmath.sqrt(mpmath.mpf(str(q))), dps + 5)
    mom = gaussian_moments(expr, sigma_w=sw, sigma_x=1, dps=dps + 5)
    if mom.eta is None or mom.zeta is None or mom.mean is None:
        raise RmtsymError("the Gaussian moments of the activation could not be computed")
    out = LayerMoments(q, _exact_or_mpf(mom.mean, dps), _exact_or_mpf(mom.eta, dps),
                       _exact_or_mpf(mom.zeta, dps),
                       mom.eta.exact is not None and mom.zeta.exact is not None)
    cache[key] = out
    return out


def mean_field(activation, layers: int, sigma_w=1, sigma_x=1, normalize: bool = False,
               dps: int = 30) -> List[LayerMoments]:
    """Pre-activation variances q_l and the Gaussian moments η_l, ζ_l of each layer.

    q_1 = σw²σx², q_{l+1} = σw² η_l with η_l = Var f(√q_l Z) (centred f; Schoenholz et al.
    2017, theory.md §5.6); ζ_l = (E[Z f(√q_l Z)])². With ``normalize``, f → (f − μ0)/√η at
    unit variance, so η_l and ζ_l are divided by η(q = 1).

    Returns
    -------
    list of LayerMoments
        One entry per layer 1 … L (exact SymPy numbers where the Gaussian engine has closed
        forms, SymPy Floats otherwise).
    """
    dps = check_dps(dps)
    if not isinstance(layers, int) or layers < 1:
        raise ParameterError(f"the number of layers must be a positive whole number, got {layers!r}")
    expr = _as_expr(activation)
    sw, sx = sp.nsimplify(sigma_w), sp.nsimplify(sigma_x)
    if not (sw.is_number and sx.is_number and sw > 0 and sx > 0):
        raise ParameterError("sigma_w and sigma_x must be positive numbers")
    cache: Dict[str, LayerMoments] = {}
    norm = sp.Integer(1)
    mean0 = sp.Integer(0)
    if normalize:
        base = _moments_at(expr, sp.Integer(1), dps, cache)
        if not base.eta > 0:
            raise ParameterError("the activation is constant under the Gaussian (eta = 0); it cannot be normalised")
        norm, mean0 = base.eta, base.mean
    out = []
    q = sw**2 * sx**2
    for _ in range(layers):
        mom = _moments_at(expr, q, dps, cache)
        eta_l = _clean(mom.eta / norm)
        zeta_l = _clean(mom.zeta / norm)
        mean_l = _clean((mom.mean - mean0) / sp.sqrt(norm)) if normalize else mom.mean
        if not eta_l > 0:
            raise ParameterError("a layer has eta = 0: the activation is constant at that variance")
        out.append(LayerMoments(q, mean_l, eta_l, zeta_l, mom.exact))
        q = _clean(sw**2 * eta_l)
    return out


def _clean(e):
    """Tidy an exact layer parameter (cheap, exact: radsimp/cancel only; Floats evaluated)."""
    e = sp.sympify(e)
    if e.has(sp.Float):
        return e.evalf()
    if e.is_Rational:
        return e
    return sp.cancel(sp.radsimp(e))


# ----------------------------------------------------------------------------------------
# layer parameters
# ----------------------------------------------------------------------------------------

@dataclass
class Layer:
    """One application of the layer map law(K_l) = MP_c ⊠ law(a K_{l−1} + b).

    c = m/n_l, a = ζ_l/κ_{l−1}, b = η_l − ζ_l (exact SymPy numbers where available).
    """

    index: int
    c: sp.Expr
    a: sp.Expr
    b: sp.Expr
    moments: LayerMoments


def _widths(phi, layers, widths=None, psi=None):
    """Ratios c_l = m/n_l of every layer. ``widths`` are n_l/n0 ratios or absolute sizes."""
    phi = sp.nsimplify(phi)
    if not (phi.is_number and phi > 0):
        raise ParameterError(f"phi must be a positive number, got {phi}")
    if widths is not None and psi is not None:
        raise ParameterError("give either the widths or psi, not both")
    if widths is None:
        ps = [sp.Integer(1)] * layers if psi is None else (
            [sp.nsimplify(p) for p in psi] if isinstance(psi, (list, tuple)) else [sp.nsimplify(psi)] * layers)
        if len(ps) != layers:
            raise ParameterError(f"psi has {len(ps)} values for {layers} layers")
        for p in ps:
            if not (p.is_number and p > 0):
                raise ParameterError(f"psi must be positive, got {p}")
        # n_l = n0/ψ_l, m = n0/φ  ⇒  c_l = m/n_l = ψ_l/φ
        return [p / phi for p in ps]
    ws = [sp.nsimplify(w) for w in widths]
    if len(ws) != layers:
        raise ParameterError(f"{len(ws)} widths given for {layers} layers")
    for w in ws:
        if not (w.is_number and w > 0):
            raise ParameterError(f"layer widths must be positive, got {w}")
    # widths relative to n0: n_l = w_l n0 ⇒ c_l = m/n_l = 1/(φ w_l)
    return [1 / (phi * w) for w in ws]


def build_layers(activation, phi, layers: int, widths=None, psi=None, sigma_w=1, sigma_x=1,
                 normalize: bool = False, dps: int = 30) -> List[Layer]:
    """The layer maps of an L-layer network (see the module docstring).

    Parameters
    ----------
    widths : sequence, optional
        Layer widths relative to the input dimension, n_l/n0 (so c_l = m/n_l = 1/(φ·w_l)).
    psi : number or sequence, optional
        Alternatively ψ_l = n0/n_l (c_l = ψ_l/φ); default ψ = 1 (equal widths).
    """
    lm = mean_field(activation, layers, sigma_w, sigma_x, normalize, dps)
    cs = _widths(phi, layers, widths, psi)
    kappa = sp.nsimplify(sigma_x) ** 2
    out = []
    for l, (mom, c) in enumerate(zip(lm, cs), start=1):
        out.append(Layer(l, c, _clean(mom.zeta / kappa), _clean(mom.eta - mom.zeta), mom))
        kappa = mom.eta
    return out


# ----------------------------------------------------------------------------------------
# exact moments by the S-transform series
# ----------------------------------------------------------------------------------------

def _simp(e):
    """Normal form of a series coefficient: exact rationals stay, floats stay, otherwise a
    cancelled rational function of the transcendental constants (π, √2, …)."""
    e = sp.sympify(e)
    if e.is_Rational or e.is_Float:
        return e
    if e.has(sp.Float):
        return sp.expand(e)
    return sp.cancel(e)


def _reversion(f: List, k: int) -> List:
    """Coefficients g_1 … g_k of the compositional inverse of f(u) = Σ_{j≥1} f_j u^j."""
    f1 = f[0]
    g = [sp.Integer(0)] * k
    g[0] = 1 / f1
    for n in range(2, k + 1):
        # coefficient of w^n in f(g(w)) with the current truncation
        comp = _compose(f, g, n)
        g[n - 1] = _simp(g[n - 1] - comp[n - 1] / f1)
    return [_simp(v) for v in g]


def _compose(f: List, g: List, k: int) -> List:
    """Coefficients 1 … k of f(g(w)) for series without constant terms."""
    result = [sp.Integer(0)] * k
    power = [sp.Integer(0)] * k  # g^j, coefficients of w^1..w^k
    power_prev = None
    for j in range(1, k + 1):
        if j == 1:
            power = list(g[:k])
        else:
            new = [sp.Integer(0)] * k
            for p in range(k):
                if power_prev[p] == 0:
                    continue
                for q in range(k - p - 1):
                    new[p + q + 1] += power_prev[p] * g[q]
            power = [_simp(v) for v in new]
        if j - 1 < len(f):
            for n in range(k):
                result[n] += f[j - 1] * power[n]
        power_prev = power
    return [_simp(v) for v in result]


def _mul_series(a: List, b: List, k: int) -> List:
    """Coefficients 0 … k of a product of series given from order 0."""
    out = [sp.Integer(0)] * (k + 1)
    for i in range(k + 1):
        for j in range(k + 1 - i):
            out[i + j] += a[i] * b[j]
    return [_simp(v) for v in out]


def mp_product_moments(h_moments: Sequence, c) -> List:
    """Moments of MP_c ⊠ H from the moments of H, by the S-transform (exact series).

    S_{MP_c}(w) = 1/(1 + c w) for MP with mean 1 and ratio c, and S_{A⊠B} = S_A S_B. With
    χ = ψ^{-1}, ψ(u) = Σ_k m_k u^k, S(w) = χ(w)(1 + w)/w, so χ_out(w) = χ_H(w)/(1 + c w).
    Requires m_1(H) ≠ 0.
    """
    k = len(h_moments)
    h = [sp.sympify(v) for v in h_moments]
    if h[0] == 0:
        raise RmtsymError("the S-transform needs a law with nonzero mean")
    chi_h = _reversion(h, k)  # coefficients of w^1..w^k
    c = sp.sympify(c)
    inv = [(-c) ** j for j in range(k + 1)]  # 1/(1 + c w)
    chi_out = _mul_series([sp.Integer(0)] + chi_h, inv, k)[1:]
    return _reversion(chi_out, k)


def affine_moments(moments: Sequence, a, b) -> List:
    """Moments of a X + b from those of X (binomial expansion)."""
    k = len(moments)
    m = [sp.Integer(1)] + [sp.sympify(v) for v in moments]
    a, b = sp.sympify(a), sp.sympify(b)
    return [_simp(sum(sp.binomial(n, j) * a**j * b ** (n - j) * m[j] for j in range(n + 1)))
            for n in range(1, k + 1)]


def mp_moments(c, scale=1, k: int = 4) -> List:
    """Moments of scale·MP_c: scale^n Σ_j Narayana(n, j) c^{j−1}."""
    c, s = sp.sympify(c), sp.sympify(scale)
    out = []
    for n in range(1, k + 1):
        nar = sum(sp.binomial(n, j) * sp.binomial(n, j - 1) / n * c ** (j - 1) for j in range(1, n + 1))
        out.append(_simp(s**n * nar))
    return out


def series_layer_moments(phi, layer_list: Sequence[Layer], k: int = 4, sigma_x=1,
                         exact: Optional[bool] = None, dps: int = 30) -> List[List]:
    """Moments m_1 … m_k of K_0, K_1, …, K_L by the S-transform route.

    Parameters
    ----------
    exact : bool, optional
        Exact SymPy arithmetic (rational functions of π, √2, … when the layer parameters
        contain them). Default: exact when every parameter is rational, else ``dps``-digit
        floats (exact expressions in π grow quickly with depth).

    Returns a list of L + 1 lists (K_0 = XᵀX/n0 ~ σx²·MP_{1/φ} first).
    """
    phi = sp.nsimplify(phi)
    params = [sp.sympify(v) for layer in layer_list for v in (layer.a, layer.b, layer.c)]
    if exact is None:
        exact = all(v.is_Rational for v in params)

    def num(v):
        v = sp.sympify(v)
        return v if exact or v.is_Rational else sp.Float(sp.N(v, dps + 10), dps + 10)

    cur = mp_moments(1 / phi, sp.nsimplify(sigma_x) ** 2, k)
    out = [cur]
    for layer in layer_list:
        a, b, c = num(layer.a), num(layer.b), num(layer.c)
        if a == 0:
            h = [b**n for n in range(1, k + 1)]
        else:
            h = affine_moments(cur, a, b)
        cur = mp_product_moments(h, c)
        out.append(cur)
    return out


# ----------------------------------------------------------------------------------------
# algebraic laws
# ----------------------------------------------------------------------------------------

def _rational(v, dps):
    v = sp.sympify(v)
    if v.is_Rational:
        return v
    return sp.Rational(str(sp.N(v, dps)))


def layer_equations(phi, layer_list: Sequence[Layer], dps: int = 30, sigma_x=1,
                    max_layers: Optional[int] = None):
    """SpectralEquation of K_0, K_1, … (MP_c ⊠ of the affine image of the previous law).

    Parameters are rounded to ``dps``-digit rationals when they are not rational (exact
    factoring needs rational coefficients). The degree in G doubles per layer, so only the
    first ``max_layers`` layers are built (all by default).
    """
    from ..algebraic import mp_product, scale, shift
    from ..pennington_worah import marchenko_pastur_equation

    phi = sp.nsimplify(phi)
    eq = marchenko_pastur_equation(1 / phi, _rational(sp.nsimplify(sigma_x) ** 2, dps))
    out = [eq]
    for layer in layer_list[: max_layers if max_layers is not None else len(layer_list)]:
        a, b, c = (_rational(v, dps) for v in (layer.a, layer.b, layer.c))
        h = shift(scale(eq, a), b)
        eq = mp_product(h, c)
        out.append(eq)
    return out


# ----------------------------------------------------------------------------------------
# Silverstein fixed point of the whole chain
# ----------------------------------------------------------------------------------------

def _g_mp(w, c, s):
    """Stieltjes transform (physics sign) of s·MP_c at complex w (Im w > 0), vectorised."""
    lo, hi = s * (1 - math.sqrt(c)) ** 2, s * (1 + math.sqrt(c)) ** 2
    root = np.sqrt(w - lo) * np.sqrt(w - hi)  # principal branches: cut [lo, hi], ~ w at ∞
    return (w - s * (1 - c) - root) / (2 * c * s * w)


def _fixed_point_once(z, phi, layer_list, sigma_x=1, damping: float = 0.5,
                      steps: int = 80, iters: int = 60, im_start: float = 20.0, tol: float = 1e-13):
    """One continuation run of the joint fixed point; returns (G, converged-and-Im-G<0 flags)."""
    L = len(layer_list)
    a = [float(l.a) for l in layer_list]
    b = [float(l.b) for l in layer_list]
    c = [float(l.c) for l in layer_list]
    c0, s0 = 1 / float(phi), float(sigma_x) ** 2
    # the first layer (from the top) whose a = 0 cuts the chain: below it nothing matters
    bottom = 0
    for l in range(L, 0, -1):
        if a[l - 1] == 0:
            bottom = l
            break
    target_im = z.imag
    start_im = np.maximum(im_start, target_im)
    g = [1 / (z.real + 1j * start_im) for _ in range(L + 1)]  # g[l] ≈ G_{K_l}(w_l)

    def sweep(zz, g):
        # downward: subordination points w_l (w_L = z), A_l = 1 − c_l + c_l w_l g_l
        w = [None] * (L + 1)
        A = [None] * (L + 1)
        u = [None] * (L + 1)
        w[L] = zz
        for l in range(L, max(bottom, 1) - 1, -1):
            A[l] = 1 - c[l - 1] + c[l - 1] * w[l] * g[l]
            u[l] = w[l] / A[l]
            if l > bottom:
                w[l - 1] = (u[l] - b[l - 1]) / a[l - 1]
        # upward: G_{K_l}(w_l) = G_{H_l}(u_l)/A_l, G_{H_l}(u) = G_{K_{l−1}}((u − b)/a)/a
        new = list(g)
        if bottom == 0:
            lower = _g_mp(w[0], c0, s0)
            new[0] = lower
            start = 1
        else:
            lower = (1 / (u[bottom] - b[bottom - 1])) / A[bottom]
            new[bottom] = lower
            start = bottom + 1
        for l in range(start, L + 1):
            lower = (lower / a[l - 1]) / A[l]
            new[l] = lower
        return new

    idx = list(range(bottom, L + 1))
    k = len(idx)

    def residual(V, zz):
        gg = list(g)
        for t_, l in enumerate(idx):
            gg[l] = V[:, t_]
        new = sweep(zz, gg)
        return V - np.stack([new[l] for l in idx], axis=1)

    def jacobian(V, zz, F):
        h = 1e-7 * np.maximum(1.0, np.abs(V))
        J = np.empty((V.shape[0], k, k), dtype=complex)
        for t_ in range(k):
            Vh = V.copy()
            Vh[:, t_] += h[:, t_]
            J[:, :, t_] = (residual(Vh, zz) - F) / h[:, t_][:, None]
        return J

    def solve(J, F):
        try:
            return np.linalg.solve(J, F[..., None])[..., 0]
        except np.linalg.LinAlgError:
            return damping * F

    def newton(V, zz, n_iter):
        # Newton on V = sweep(V) (holomorphic in V: complex finite-difference Jacobian);
        # a damped fixed-point step is taken where Newton would leave the lower half plane
        for _ in range(n_iter):
            F = residual(V, zz)
            step = solve(jacobian(V, zz, F), F)
            Vn = V - step
            bad = ~np.all(np.isfinite(Vn), axis=1) | (Vn[:, -1].imag > 0)
            Vn[bad] = V[bad] - damping * F[bad]
            V = Vn
            if np.max(np.abs(F)) < tol:
                break
        return V

    V = np.stack([g[l] for l in idx], axis=1)
    z_prev = None
    for frac in np.linspace(0, 1, steps + 1):
        im = np.exp((1 - frac) * np.log(start_im) + frac * np.log(target_im))
        zz = z.real + 1j * im
        if z_prev is not None:
            # tangent predictor dV/dz = −J⁻¹ ∂F/∂z: near an atom G ~ mass/z moves fast and a
            # plain warm start can fall into the basin of another solution
            F0 = residual(V, z_prev)
            dz = 1e-7 * np.maximum(1.0, np.abs(z_prev))
            dFdz = (residual(V, z_prev + dz) - F0) / dz[:, None]
            dV = -solve(jacobian(V, z_prev, F0), dFdz)
            pred = V + dV * (zz - z_prev)[:, None]
            okp = np.all(np.isfinite(pred), axis=1) & (pred[:, -1].imag < 0)
            V = np.where(okp[:, None], pred, V)
        V = newton(V, zz, 6 if frac < 1 else iters)
        z_prev = zz
    F = residual(V, z)
    for t_, l in enumerate(idx):
        g[l] = V[:, t_]
    G = g[L] if L else _g_mp(z, c0, s0)
    scale_ = np.maximum(1.0, np.abs(G))
    # near a square-root edge the Jacobian is singular and Newton converges only linearly,
    # so the residual is accepted at 1e-7 relative (G then has ≈ 7 correct digits there)
    ok = (G.imag <= 1e-10 * scale_) & (np.max(np.abs(F), axis=1) <= 1e-7 * np.maximum(1.0, np.max(np.abs(V), axis=1)))
    return G, ok


def fixed_point_stieltjes(z, phi, layer_list: Sequence[Layer], sigma_x=1, steps: int = 60,
                          damping: float = 0.5, strict: bool = True):
    """G_{K_L}(z) for Im z > 0 by the nested Silverstein fixed point (vectorised over z).

    Subordination: with A_l = 1 − c_l + c_l w_l g_l, G_{K_l}(w_l) = G_{H_l}(w_l/A_l)/A_l and
    G_{H_l}(u) = G_{K_{l−1}}((u − b_l)/a_l)/a_l for H_l = a_l K_{l−1} + b_l (a_l = 0: 1/(u − b_l)),
    K_0 = σx²·MP_{1/φ} explicit. The unknowns g_0 … g_L are solved jointly (Newton, with a
    damped fixed-point step as fallback), continued from Im z = 20 down to Im z in ``steps``
    geometric steps (theory.md §2). Each point is computed twice (``steps`` and 2·``steps``);
    points where the two disagree are redone with 8·``steps``, and Im G < 0 is asserted
    (a fixed point with Im G > 0 is spurious, theory.md §2 trap). With ``strict=False`` a
    point whose residual stays above 1e-7 (seen exactly at a spectral edge) is returned as is
    and a spurious point (seen within ≈ 1e-3 of an atom) is returned as NaN, instead of
    raising.
    """
    z = np.atleast_1d(np.asarray(z, dtype=complex))
    if np.any(z.imag <= 0):
        raise ParameterError("the fixed point needs Im z > 0")
    G1, ok1 = _fixed_point_once(z, phi, layer_list, sigma_x, damping, steps)
    G2, ok2 = _fixed_point_once(z, phi, layer_list, sigma_x, damping, 2 * steps)
    agree = ok1 & ok2 & (np.abs(G1 - G2) <= 1e-7 * np.maximum(1.0, np.abs(G2)))
    G = G2.copy()
    redo = np.nonzero(~agree)[0]
    if redo.size:
        G3, ok3 = _fixed_point_once(z[redo], phi, layer_list, sigma_x, damping, 8 * steps)
        spurious = G3.imag > 1e-8 * np.maximum(1.0, np.abs(G3))
        if strict and np.any(spurious):
            raise RmtsymError("the Silverstein fixed point converged to a spurious point with Im G > 0")
        if strict and not np.all(ok3):
            raise RmtsymError("the Silverstein fixed point did not converge")
        G3 = np.where(spurious, np.nan, G3)
        G[redo] = G3
    return G


# ----------------------------------------------------------------------------------------
# the result object
# ----------------------------------------------------------------------------------------

@dataclass
class LayerLaw:
    """The law of K_l: exact moments, the layer's (q, η, ζ), and its algebraic equation if built."""

    index: int
    layer: Optional[Layer]
    moments: List[sp.Expr]
    equation: object = None
    _prop: object = field(default=None, repr=False)

    @property
    def degree(self):
        return self.equation.degree if self.equation is not None else None

    def density(self, x, method: str = "auto", eps: float = 1e-9, strict: bool = True):
        """ρ(x) of K_l, double precision; ``method`` = "solver", "fixed_point" or "auto"."""
        x = np.asarray(x, dtype=float)
        if method == "auto":
            method = "solver" if (self.equation is not None and self.equation.degree <= SOLVER_MAX_DEGREE) \
                else "fixed_point"
        if method == "solver":
            if self.equation is None:
                raise RmtsymError(f"the algebraic law of layer {self.index} was not built")
            return self._solver().density_numpy(x)
        if method != "fixed_point":
            raise ParameterError(f"unknown density method {method!r}")
        G = fixed_point_stieltjes(x + 1j * eps, self._prop.phi, self._prop.layers[: self.index],
                                  self._prop.sigma_x, strict=strict)
        return np.where(np.isnan(G), np.nan, np.maximum(0.0, -G.imag / math.pi))

    def _solver(self):
        if getattr(self, "_bs", None) is None:
            from ..solver import BranchSolver
            self._bs = BranchSolver(self.equation, dps=self._prop.dps)
        return self._bs

    def support(self, method: str = "auto"):
        """Intervals of the continuous part: edges from the solver (algebraic law), or, for
        layers whose equation is not built or too large, from the fixed-point density on a
        grid (resolution ≈ 1e-3 of the spread; say ``method="fixed_point"``)."""
        if method == "auto":
            method = "solver" if (self.equation is not None and self.equation.degree <= SOLVER_MAX_DEGREE) \
                else "fixed_point"
        if method == "solver":
            return [(float(lo), float(hi)) for lo, hi in self._solver().support()]
        m1, m2 = float(self.moments[0]), float(self.moments[1])
        top = m1 + 12 * math.sqrt(max(m2 - m1**2, 1e-30)) + 4 * m1
        xs = np.linspace(0, top, 401)[1:]
        rho = self.density(xs, method="fixed_point", eps=1e-9, strict=False)
        on = rho > 1e-7 * np.nanmax(rho)  # NaN (no trustworthy value) counts as off
        brackets = []  # (off point, on point) around every edge
        for i in range(1, len(xs)):
            if on[i] != on[i - 1]:
                brackets.append((xs[i - 1], xs[i]) if on[i] else (xs[i], xs[i - 1]))
        if on[0]:
            brackets.insert(0, (0.0, xs[0]))
        if on[-1]:
            raise RmtsymError("the density does not vanish at the end of the search grid")
        off = np.array([b[0] for b in brackets])
        inn = np.array([b[1] for b in brackets])
        # bisection on "density > 1e-7·max" at Im z = 1e-9, all edges at once (≈ 2e-5 of the grid step)
        for _ in range(16):
            mid = 0.5 * (off + inn)
            r = self.density(mid, method="fixed_point", eps=1e-9, strict=False) > 1e-7 * np.nanmax(rho)
            inn = np.where(r, mid, inn)
            off = np.where(r, off, mid)
        edges = 0.5 * (off + inn)
        return [(float(edges[i]), float(edges[i + 1])) for i in range(0, len(edges) - 1, 2)]


@dataclass
class Propagation:
    """Laws of K_0 … K_L for an activation (see :func:`propagate`)."""

    phi: sp.Expr
    sigma_x: sp.Expr
    layers: List[Layer]
    laws: List[LayerLaw]
    dps: int
    normalize: bool

    def as_json(self, digits: int = 15, support: bool = True) -> dict:
        rows = []
        for law in self.laws:
            row = {"layer": law.index,
                   "moments": [decimal_string(sp.N(v, digits + 5), digits) for v in law.moments]}
            if law.layer is not None:
                mom = law.layer.moments
                row.update({"q": decimal_string(sp.N(mom.q, digits + 5), digits),
                            "eta": decimal_string(sp.N(mom.eta, digits + 5), digits),
                            "zeta": decimal_string(sp.N(mom.zeta, digits + 5), digits),
                            "c": decimal_string(sp.N(law.layer.c, digits + 5), digits)})
            if support:
                method = "solver" if (law.equation is not None and law.equation.degree <= SOLVER_MAX_DEGREE) \
                    else "fixed_point"
                row["support"] = [[decimal_string(lo, 10), decimal_string(hi, 10)] for lo, hi in law.support()]
                row["support_method"] = method
            row["equation_degree"] = law.degree
            rows.append(row)
        return {"phi": str(self.phi), "normalize": self.normalize, "layers": rows}


def propagate(activation, phi, layers: int, widths=None, psi=None, sigma_w=1, sigma_x=1,
              normalize: bool = False, moments: int = 4, dps: int = 30,
              max_algebraic_layers: int = 3) -> Propagation:
    """Spectrum of the data Gram K_l = Y_lᵀY_l/n_l through L random layers.

    law(K_l) = MP_{m/n_l} ⊠ law(ζ_l K_{l−1}/κ_{l−1} + (η_l − ζ_l) I)   (PW 2017 §6;
    theory.md §1.8), K_0 = XᵀX/n0 ~ σx²·MP_{1/φ}.

    Parameters
    ----------
    activation : Activation, SymPy expression or formula
    phi : number
        φ = n0/m.
    layers : int
        L ≥ 1.
    widths, psi :
        Layer widths n_l/n0, or ψ_l = n0/n_l (default equal widths, ψ = 1).
    normalize : bool
        Use (f − E f(Z))/√Var f(Z) (η = 1 at unit variance).
    moments : int
        Number of exact moments per layer (S-transform series).
    max_algebraic_layers : int
        Build the algebraic equation of K_l for l ≤ this (degree 2^(l+1)).

    Returns
    -------
    Propagation
    """
    dps = check_dps(dps)
    if not isinstance(moments, int) or moments < 1:
        raise ParameterError("the number of moments must be a positive whole number")
    layer_list = build_layers(activation, phi, layers, widths, psi, sigma_w, sigma_x, normalize, dps)
    series = series_layer_moments(phi, layer_list, moments, sigma_x, dps=dps)
    eqs = layer_equations(phi, layer_list, dps, sigma_x, max_layers=min(layers, max_algebraic_layers))
    prop = Propagation(sp.nsimplify(phi), sp.nsimplify(sigma_x), layer_list, [], dps, normalize)
    for l in range(layers + 1):
        law = LayerLaw(l, layer_list[l - 1] if l else None, series[l], eqs[l] if l < len(eqs) else None)
        law._prop = prop
        prop.laws.append(law)
    return prop


# ----------------------------------------------------------------------------------------
# the ζ = 0 class
# ----------------------------------------------------------------------------------------

def is_zeta_zero(activation, sigma=1, dps: int = 30) -> bool:
    """Decide exactly whether ζ = (E[Z f(σZ)])² vanishes (PW's "new class", theory.md §1.8).

    Decided symbolically: ζ's closed form from :func:`rmtsym.gaussian.gaussian_moments`
    simplifies to 0 (or f is even, which forces E[Z f(σZ)] = 0 for every σ). A certified
    nonzero numerical value proves ζ ≠ 0. Otherwise the question is refused.

    Parameters
    ----------
    sigma : number or "any"
        The pre-activation scale σ = σw σx; ``"any"`` asks whether ζ = 0 for every σ > 0.

    Raises
    ------
    RmtsymError
        When neither a symbolic proof nor a certified nonzero value is found.
    """
    from ..gaussian import gaussian_moments

    expr = _as_expr(activation)
    if sp.simplify(expr.subs(S.x, -S.x) - expr) == 0:
        return True  # even f: E[Z f(σZ)] = 0 by symmetry, for every σ
    if isinstance(sigma, str) and sigma == "any":
        mom = gaussian_moments(expr, sigma_w=S.sigma_w, sigma_x=1, dps=dps)
        if mom.zeta_expr is not None:
            return sp.simplify(mom.zeta_expr) == 0
        raise RmtsymError("zeta has no closed form for this activation, so zeta = 0 for every sigma cannot be decided")
    sw = sp.nsimplify(sigma)
    mom = gaussian_moments(expr, sigma_w=sw, sigma_x=1, dps=dps)
    if mom.zeta_expr is not None:
        val = sp.sympify(mom.zeta_expr).subs({S.sigma: sw, S.sigma_w: sw, S.sigma_x: 1})
        if sp.simplify(val) == 0 or sp.nsimplify(sp.radsimp(sp.sqrt(val))) == 0:
            return True
        num = sp.N(val, dps)
        if num.is_number and abs(num) > sp.Float(10) ** (-dps // 2):
            return False
        # a closed form that evaluates to ~0 but does not simplify: ask for more digits
        if sp.N(val, 3 * dps) == 0:
            return True
    if mom.zeta is not None and mom.zeta.exact is not None:
        return sp.sympify(mom.zeta.exact) == 0
    if mom.zeta is not None:
        with mpmath.workdps(dps):
            if mpmath.re(mom.zeta.value) > mpmath.mpf(10) ** (-(mom.zeta.digits // 2)):
                return False  # certified nonzero
    raise RmtsymError("zeta = 0 could not be decided exactly for this activation (no closed form, "
                      "and the certified value is indistinguishable from 0)")


def whitened_law(c, eta=1):
    """The law of K_l after a ζ = 0 layer, η·MP_c, whatever the input law (SpectralEquation)."""
    from ..pennington_worah import marchenko_pastur_equation
    return marchenko_pastur_equation(c, eta)


# ----------------------------------------------------------------------------------------
# simulation
# ----------------------------------------------------------------------------------------

@dataclass
class SimulatedPropagation:
    """Monte Carlo moments (1/m) tr K_l^k, mean and standard error over seeds."""

    mean: np.ndarray  # shape (L + 1, k)
    se: np.ndarray
    sizes: Dict[str, object]


def simulate_propagation(activation, phi, layers: int, n0: int, widths=None, psi=None,
                         sigma_w=1, sigma_x=1, normalize: bool = False, moments: int = 4,
                         seeds: int = 2, seed: int = 0, layer_list: Optional[List[Layer]] = None,
                         dps: int = 20) -> SimulatedPropagation:
    """Simulate K_0 … K_L with :func:`rmtsym.sampler.apply_layer` and return their moments.

    Each layer subtracts its Gaussian mean μ_l = E f(√q_l Z) (mean field); with
    ``normalize`` the activation is (f − μ0)/√η at unit variance.
    """
    from ..sampler import apply_layer, random_entries, resolve_activation

    if layer_list is None:
        layer_list = build_layers(activation, phi, layers, widths, psi, sigma_w, sigma_x, normalize, dps)
    from ..activation import parse_activation

    expr = _as_expr(activation)
    f = resolve_activation(parse_activation(expr)).function
    shift0, scale0 = 0.0, 1.0
    if normalize:
        from ..gaussian import gaussian_moments
        base = gaussian_moments(expr, dps=20)
        shift0, scale0 = float(base.mean), 1 / math.sqrt(float(base.eta))

    def g(u, f=f, shift0=shift0, scale0=scale0):
        return (f(u) - shift0) * scale0

    n0 = int(n0)
    m = int(round(n0 / float(phi)))
    sizes = [int(round(n0 / (float(phi) * float(l.c)))) for l in layer_list]  # n_l = m/c_l
    out = np.zeros((seeds, layers + 1, moments))
    for s in range(seeds):
        rng = np.random.default_rng([seed, s, 7])
        Y = random_entries(rng, (n0, m), float(sigma_x))
        for l in range(layers + 1):
            if l:
                Y = apply_layer(g, Y, sizes[l - 1], rng, sigma_w=float(sigma_w),
                                center=float(layer_list[l - 1].moments.mean))
            K = Y.T @ Y / Y.shape[0]
            lam = np.linalg.eigvalsh(K)
            out[s, l] = [np.mean(lam**k) for k in range(1, moments + 1)]
    mean = out.mean(axis=0)
    se = out.std(axis=0, ddof=1) / math.sqrt(seeds) if seeds > 1 else np.full_like(mean, np.nan)
    return SimulatedPropagation(mean, se, {"n0": n0, "m": m, "widths": sizes})


__all__ = ["propagate", "Propagation", "LayerLaw", "Layer", "LayerMoments", "mean_field", "build_layers",
           "series_layer_moments", "mp_product_moments", "affine_moments", "mp_moments",
           "layer_equations", "fixed_point_stieltjes", "is_zeta_zero", "whitened_law",
           "simulate_propagation", "SimulatedPropagation"]
