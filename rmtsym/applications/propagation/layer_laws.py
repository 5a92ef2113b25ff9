"""The law of each layer: its algebraic equation (shallow layers) or the fixed point (deep).

The equation Q_l(G, z) = 0 is built by :func:`rmtsym.algebraic.scale`, ``shift`` and
``mp_product`` (its degree in G doubles with every layer); the Silverstein fixed point of
the whole chain (nested subordination, damped, warm-started from Im z = 20 and continued
towards the real axis, asserting Im G < 0) gives G for deeper layers.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import sympy as sp

from ...errors import ParameterError, RmtsymError
from .layers import Layer


SOLVER_MAX_DEGREE = 8


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
    from ...algebraic import mp_product, scale, shift
    from ...pennington_worah import marchenko_pastur_equation

    phi = sp.nsimplify(phi)
    eq = marchenko_pastur_equation(1 / phi, _rational(sp.nsimplify(sigma_x) ** 2, dps))
    out = [eq]
    for layer in layer_list[: max_layers if max_layers is not None else len(layer_list)]:
        a, b, c = (_rational(v, dps) for v in (layer.a, layer.b, layer.c))
        h = shift(scale(eq, a), b)
        eq = mp_product(h, c)
        out.append(eq)
    return out


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
    geometric steps (docs/theory.md §2). Each point is computed twice (``steps`` and 2·``steps``);
    points where the two disagree are redone with 8·``steps``, and Im G < 0 is asserted
    (a fixed point with Im G > 0 is spurious, docs/theory.md §2 trap). With ``strict=False`` a
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
