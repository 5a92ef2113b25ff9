"""The layers: the mean-field recursion of the pre-activation variance, and the widths.

q_1 = σw² σx², q_{l+1} = σw² η_l, η_l = Var f(√q_l Z), ζ_l = (E[Z f(√q_l Z)])² (with the
centred f; Schoenholz et al., ICLR 2017), optionally with f normalised; each
:class:`Layer` holds its moments and its ratio c_l = m/n_l.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List

import mpmath
import sympy as sp

from ...errors import ParameterError, RmtsymError
from ...numbers import Certified, check_dps


def _as_expr(activation):
    """SymPy expression of an activation (Activation object, expression or formula string)."""
    if hasattr(activation, "expr"):
        return activation.expr
    if isinstance(activation, sp.Basic):
        return activation
    if isinstance(activation, str):
        from ...activation import parse_activation  # the safe parser (never eval)
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
    from ...gaussian import gaussian_moments

    sw = sp.sqrt(q) if not isinstance(q, sp.Float) else sp.Float(mpmath.sqrt(mpmath.mpf(str(q))), dps + 5)
    mom = gaussian_moments(expr, sigma_w=sw, sigma_x=1, dps=dps + 5)
    if mom.eta is None or mom.zeta is None or mom.mean is None:
        free = sorted(str(s) for s in getattr(expr, "free_symbols", ()) if str(s) != "x")
        if free:
            raise ParameterError(f"the layers need numbers, and the activation depends on {', '.join(free)}; "
                                 f"give values (--params {free[0]}=0.1)")
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
    2017, docs/theory.md §5.6); ζ_l = (E[Z f(√q_l Z)])². With ``normalize``, f → (f − μ0)/√η at
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
