"""The ζ = 0 class: activations whose layers forget their input (whitening).

When ζ_l = 0, law(K_l) = η_l·MP_{m/n_l}; with equal widths and η = 1 the input law
MP_{1/φ} is preserved through depth (Pennington & Worah 2017; Benigni & Péché 2021).
"""
from __future__ import annotations

import mpmath
import sympy as sp

from ... import symbols as S
from ...errors import RmtsymError
from .layers import _as_expr


def is_zeta_zero(activation, sigma=1, dps: int = 30) -> bool:
    """Decide exactly whether ζ = (E[Z f(σZ)])² vanishes (PW's "new class", docs/theory.md §1.8).

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
    from ...gaussian import gaussian_moments

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
    from ...pennington_worah import marchenko_pastur_equation
    return marchenko_pastur_equation(c, eta)
