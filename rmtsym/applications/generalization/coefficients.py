r"""The activation coefficients μ0, μ1, μ*, ζ of Mei & Montanari.

S. Mei and A. Montanari, *The generalization error of random features regression: precise
asymptotics and double descent curve*, Comm. Pure Appl. Math. 75(4) (2022) 667–766,
arXiv:1908.05355, decompose the activation σ against a standard Gaussian G:

.. math::

    \mu_0 = \mathbb E\,\sigma(G),\qquad \mu_1 = \mathbb E[G\,\sigma(G)],\qquad
    \mu_*^2 = \mathbb E\,\sigma(G)^2 - \mu_0^2 - \mu_1^2,\qquad
    \zeta_{\rm MM} = \mu_1/\mu_* .

The pre-activation ⟨θ, x⟩/√d of their model has unit variance (θ and x uniform on the
sphere of radius √d), so every integral is at σ = 1.  In the notation of Pennington &
Worah (NeurIPS 2017) used by the rest of rmtsym, η = Var σ(G) = μ1² + μ*² and
ζ_PW = μ1², hence

.. math::

    \mu_*^2 = \eta - \zeta_{\rm PW}, \qquad \zeta_{\rm MM}^2 = \frac{\zeta_{\rm PW}}{\eta - \zeta_{\rm PW}} .

**ζ_MM is not the ζ of Pennington & Worah**; the identity above converts between them.
The numbers come from :func:`rmtsym.gaussian.gaussian_moments` (closed forms where the
Gaussian-moment engine finds them, certified quadrature otherwise) and carry that
provenance; μ1 is taken as ±√ζ_PW with the sign of E[Gσ(G)] (only μ1² enters the risk).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import mpmath
import sympy as sp

from ... import symbols as S
from ...errors import ActivationError, ParameterError
from ...numbers import Certified, check_dps, decimal_string

__all__ = ["ActivationCoefficients", "activation_coefficients", "coefficients_from_values"]


@dataclass(frozen=True)
class ActivationCoefficients:
    r"""μ0, μ1, μ*, ζ_MM of an activation at unit pre-activation variance (Mei & Montanari 2022).

    Attributes
    ----------
    name : str
        The activation as typed (or ``"given values"``).
    mu0, mu1, mu_star, mu_star2, zeta, zeta2 : Certified
        μ0 = E σ(G), μ1 = E[Gσ(G)], μ* = √μ*², μ*² = E σ(G)² − μ0² − μ1²,
        ζ = ζ_MM = μ1/μ*, ζ² = ζ_PW/(η − ζ_PW).
    eta_pw, zeta_pw : Certified
        Pennington–Worah's η = Var σ(G) and ζ = μ1² (for conversions).
    exact : dict
        SymPy closed forms (σ = 1) of ``mu0``, ``mu1``, ``mu_star2``, ``zeta2`` where known.
    """

    name: str
    mu0: Certified
    mu1: Certified
    mu_star: Certified
    mu_star2: Certified
    zeta: Certified
    zeta2: Certified
    eta_pw: Certified
    zeta_pw: Certified
    exact: dict

    @property
    def is_linear(self) -> bool:
        """True when μ* = 0 (σ affine: no nonlinear part, ζ_MM infinite)."""
        return self.mu_star2.value == 0

    def as_json(self, digits: int = 15) -> dict:
        def num(c: Certified):
            return decimal_string(c.value, max(1, min(digits, c.digits)))

        out = {}
        for key in ("mu0", "mu1", "mu_star", "mu_star2", "zeta", "zeta2"):
            c = getattr(self, key)
            out[key] = num(c)
            out[f"{key}_method"] = c.method
            out[f"{key}_digits"] = c.digits
            if key in self.exact and self.exact[key] is not None:
                out[f"{key}_exact"] = sp.sstr(self.exact[key])
        out["eta_pw"] = num(self.eta_pw)
        out["zeta_pw"] = num(self.zeta_pw)
        out["zeta_convention"] = ("zeta = zeta_MM = mu1/mu_star (Mei-Montanari); "
                                  "zeta_MM^2 = zeta_PW/(eta_PW - zeta_PW) at sigma = 1")
        return out


def _exact_at_one(expr):
    if expr is None:
        return None
    return sp.simplify(expr.subs(S.sigma, 1))


def _sign_of_mu1(act_expr, zeta_pw: Certified) -> int:
    """Sign of E[G σ(G)] (a double-precision integral; only the sign is used)."""
    from ...gaussian import gaussian_expectation

    if zeta_pw.value == 0:
        return 0
    e = gaussian_expectation(S.x * act_expr, sigma=1, dps=15)
    v = e.value.value
    if v == 0:  # pragma: no cover - ζ_PW > 0 excludes it
        return 0
    return 1 if v > 0 else -1


def activation_coefficients(activation, dps: int = 30) -> ActivationCoefficients:
    r"""μ0, μ1, μ*, ζ_MM of an activation (Mei & Montanari, CPAM 2022, eq. for μ0, μ1, μ*).

    μ0 = E σ(G), μ1 = E[Gσ(G)], μ*² = E σ(G)² − μ0² − μ1² = η − ζ_PW, ζ_MM = μ1/μ*,
    with G ~ N(0, 1), from :func:`rmtsym.gaussian.gaussian_moments` at σw = σx = 1.

    Parameters
    ----------
    activation : str, Activation or SymPy expression
        The activation σ (no free parameters left: substitute them first).
    dps : int
        Decimal digits of the numbers.

    Returns
    -------
    ActivationCoefficients

    Raises
    ------
    ActivationError
        If the activation still has free parameters.
    """
    from ...activation import parse_activation
    from ...gaussian import gaussian_moments

    dps = check_dps(dps)
    act = parse_activation(activation) if not hasattr(activation, "expr") else activation
    if getattr(act, "params", ()):
        names = ", ".join(str(p) for p in act.params)
        raise ActivationError(f"the activation still has free parameters ({names}); give them "
                              "values (for example --params a=0.1)")
    gm = gaussian_moments(act, dps=dps)
    name = str(getattr(act, "source", None) or getattr(act, "name", None) or sp.sstr(act.expr))
    sign = _sign_of_mu1(act.expr, gm.zeta)
    exact = {
        "mu0": _exact_at_one(gm.mean_expr),
        "eta_pw": _exact_at_one(gm.eta_expr),
        "zeta_pw": _exact_at_one(gm.zeta_expr),
    }
    return _build(name, gm.mean, gm.eta, gm.zeta, sign, exact, dps)


def coefficients_from_values(mu0, mu1, mu_star2, dps: int = 30, name: str = "given values"
                             ) -> ActivationCoefficients:
    """Coefficients from given numbers μ0, μ1, μ*² (for activations known only numerically)."""
    dps = check_dps(dps)
    with mpmath.workdps(dps + 10):
        try:
            m0, m1, ms2 = (mpmath.mpf(str(v)) if not isinstance(v, mpmath.mpf) else v
                           for v in (mu0, mu1, mu_star2))
        except (TypeError, ValueError):
            raise ParameterError("mu0, mu1 and mu_star2 must be numbers") from None
        if not all(mpmath.isfinite(v) for v in (m0, m1, ms2)):
            raise ParameterError("mu0, mu1 and mu_star2 must be finite numbers")
        if ms2 < 0:
            raise ParameterError(f"mu_star^2 must be non-negative, got {mpmath.nstr(ms2, 8)}")
        mean = Certified(m0, dps, "given")
        eta = Certified(m1 ** 2 + ms2, dps, "given")
        zeta = Certified(m1 ** 2, dps, "given")
        sign = 0 if m1 == 0 else (1 if m1 > 0 else -1)
    return _build(name, mean, eta, zeta, sign, {}, dps)


def _build(name, mean, eta, zeta, sign, exact, dps) -> ActivationCoefficients:
    digits = min(eta.digits, zeta.digits)
    with mpmath.workdps(dps + 10):
        ms2 = eta.value - zeta.value
        tol = mpmath.mpf(10) ** (-(digits - 2)) * max(abs(eta.value), 1)
        if ms2 < 0 and abs(ms2) <= tol:
            ms2 = mpmath.mpf(0)
        mu1 = sign * mpmath.sqrt(zeta.value)
        mu_star = mpmath.sqrt(ms2) if ms2 > 0 else mpmath.mpf(0)
        # μ*² = η − ζ loses the digits that η and ζ share
        lost = 0 if ms2 == 0 else max(0, int(mpmath.floor(mpmath.log10(abs(eta.value) / ms2))))
        d_star = max(1, digits - lost)
        if ms2 > 0:
            z2 = zeta.value / ms2
            zeta_mm = mu1 / mu_star
        else:
            z2 = mpmath.inf
            zeta_mm = mpmath.inf
    e_eta, e_zeta = exact.get("eta_pw"), exact.get("zeta_pw")
    ex_ms2 = sp.simplify(e_eta - e_zeta) if e_eta is not None and e_zeta is not None else None
    ex_mu1 = sign * sp.sqrt(e_zeta) if e_zeta is not None else None
    ex_z2 = None
    if ex_ms2 is not None and ex_ms2 != 0:
        ex_z2 = sp.simplify(e_zeta / ex_ms2)
    how = "closed form" if (eta.method == "closed form" and zeta.method == "closed form") else (
        "from " + ("quadrature" if "quadrature" in (eta.method, zeta.method) else eta.method))
    cert = lambda v, d, m, e=None: Certified(v, d, m, e)  # noqa: E731
    return ActivationCoefficients(
        name=name,
        mu0=mean,
        mu1=cert(mu1, zeta.digits, f"sign(E[G f(G)])*sqrt(zeta_PW), zeta_PW by {zeta.method}", ex_mu1),
        mu_star=cert(mu_star, d_star, f"sqrt(eta_PW - zeta_PW), {how}",
                     sp.sqrt(ex_ms2) if ex_ms2 is not None else None),
        mu_star2=cert(ms2, d_star, f"eta_PW - zeta_PW, {how}", ex_ms2),
        zeta=cert(zeta_mm, d_star, f"mu1/mu_star, {how}",
                  (ex_mu1 / sp.sqrt(ex_ms2)) if (ex_mu1 is not None and ex_ms2) else None),
        zeta2=cert(z2, d_star, f"zeta_PW/(eta_PW - zeta_PW), {how}", ex_z2),
        eta_pw=eta,
        zeta_pw=zeta,
        exact={"mu0": exact.get("mu0"), "mu1": ex_mu1, "mu_star2": ex_ms2, "zeta2": ex_z2},
    )
