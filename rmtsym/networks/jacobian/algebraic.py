r"""The algebraic law of J Jᵀ when every D_l² takes only the values 0 and 1.

ReLU (p = 1/2), hard-tanh (p = erf(1/√(2q))), the identity and a linear read-out (p = 1)
have D² ~ Bernoulli(p_l), whose S-transform (1 + w)/(p_l + w) is rational. The product of
:mod:`rmtsym.networks.jacobian.density` is then a rational function of W, and with
W = zG − 1 the relation z χ(W) = 1 becomes a polynomial equation Q(G, z) = 0, solved for its
physical branch by :class:`rmtsym.solver.BranchSolver`. It is built with every σ_{w,l} = 1;
the spectrum at σ is the image under λ ↦ Π_l σ_{w,l}² λ. Square layers give

    i.i.d.:      G (p + zG − 1)^L − (zG − 1) = 0,
    orthogonal:  G (p + zG − 1)^L − (zG)^L (zG − 1) = 0,

and the linear Gaussian network (p = 1) the Fuss–Catalan law, λ_max = (L + 1)^{L+1}/L^L.
"""
from __future__ import annotations

from typing import Sequence

import sympy as sp

from ... import symbols as S

__all__ = ["jacobian_equation", "network_equation", "fuss_catalan_edge"]


def network_equation(ps: Sequence, widths: Sequence[int] = None, iid: Sequence[bool] = None,
                     name: str = ""):
    """Q(G, z) of J Jᵀ/Π σ_l² for Bernoulli(p_l) D_l², widths n_0..n_L and weight kinds."""
    from ...algebraic import SpectralEquation

    L = len(ps)
    ws = [1] * (L + 1) if widths is None else [int(w) for w in widths]
    iid = [True] * L if iid is None else list(iid)
    Cs = [sp.Integer(1)] * (L + 1)
    for l in range(L, 0, -1):
        Cs[l - 1] = Cs[l] * sp.Rational(ws[l - 1], ws[l])
    W = S.z * S.G - 1
    num, den = W, Cs[0] + W  # χ = W/(C_0 + W) · Π ...
    for l in range(1, L + 1):
        p = sp.nsimplify(ps[l - 1])
        c = sp.Rational(ws[l - 1], ws[l])
        C, Cp = Cs[l], Cs[l - 1]
        num, den = num * (C + W), den * (C * p + W)          # S_{D²}(W/C)
        if iid[l - 1]:
            num, den = num * c * C, den * (C + W)
        elif c <= 1:
            num = num * c
        else:
            num, den = num * c * C * (Cp + W), den * Cp * (C + W)
    expr = sp.expand(S.z * num - den)
    return SpectralEquation.from_expr(expr, name or f"JJ^T, L={L}, p={list(ps)}")


def jacobian_equation(p, layers: int, sigma_w=1, orthogonal: bool = False):
    """Q(G, z) of J Jᵀ for L square layers with D² ~ Bernoulli(p) and one σw (module docstring)."""
    from ...algebraic import SpectralEquation

    p = sp.nsimplify(p)
    sw2 = sp.nsimplify(sigma_w) ** 2
    L = int(layers)
    zG = S.z * S.G
    if orthogonal:
        expr = sw2 ** L * S.G * (p + zG - 1) ** L - zG ** L * (zG - 1)
    else:
        expr = sw2 ** L * S.G * (p + zG - 1) ** L - (zG - 1)
    return SpectralEquation.from_expr(sp.expand(expr),
                                      f"JJ^T, L={L}, p={p}, {'orthogonal' if orthogonal else 'Gaussian'}")


def fuss_catalan_edge(layers: int):
    """λ_max = (L + 1)^{L+1}/L^L of a product of L square Wishart matrices (exact)."""
    L = sp.Integer(layers)
    return (L + 1) ** (L + 1) / L ** L
