"""The entry point :func:`propagate` and its result, :class:`Propagation` of :class:`LayerLaw`."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np
import sympy as sp

from ...errors import ParameterError, RmtsymError
from ...numbers import check_dps, decimal_string
from .layer_laws import SOLVER_MAX_DEGREE, fixed_point_stieltjes, layer_equations
from .layers import Layer, build_layers
from .moment_series import series_layer_moments


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
            from ...solver import BranchSolver
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
    docs/theory.md §1.8), K_0 = XᵀX/n0 ~ σx²·MP_{1/φ}.

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
