"""Activation designer: choose the free parameters of a family to fix ζ/η, centring and η = 1.

Pennington & Worah (NeurIPS 2017, §6) single out activations with ζ = 0, i.e.
E[Z f(σZ)] = 0 (f orthogonal to x in L²(Gauss)): such layers whiten the data spectrum
(``docs/theory.md`` §1.8). More generally the spectrum depends on f only through ζ/η (up to a
scale), so a designer that reaches a target ratio ζ/η ∈ [0, 1] — with f centred,
E f(σZ) = 0, and normalised, η = Var f(σZ) = 1 — covers the whole PW family.

Conditions (σ = σw σx, Z ~ N(0, 1)):

    shape:      ζ − R η = 0      (R = ζ/η target; for R = 0 this is E[Z f(σZ)] = 0)
    centring:   E f(σZ) = 0
    scale:      η = 1

Solved symbolically (SymPy ``solve`` on the closed forms of :mod:`rmtsym.gaussian`) when
the closed forms exist, otherwise numerically (mpmath ``findroot`` on quadrature of
E[Z f], E f, E f², polished at the requested precision). When the family has fewer
parameters than conditions, η = 1 is reached by an overall factor and then centring by
subtracting a constant (neither changes ζ/η). The result is always re-checked by
:func:`rmtsym.gaussian.gaussian_moments` on the final activation.
"""
from __future__ import annotations

import itertools
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, List

import mpmath
import sympy as sp

from .. import symbols as S
from ..errors import ParameterError, RmtsymError
from ..numbers import Certified, check_dps, decimal_string


class _SolveTimeout(Exception):
    pass


@contextmanager
def _time_limit(seconds):
    """Abort a SymPy call after ``seconds`` (SIGALRM, main thread only; otherwise no limit)."""
    if seconds is None or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "SIGALRM"):
        yield
        return

    def handler(signum, frame):
        raise _SolveTimeout()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class DesignResult:
    """A designed activation and its certificate.

    Attributes
    ----------
    family : sympy.Expr
        The family f_θ(x).
    values : dict
        Parameter name → value (exact SymPy number when solved symbolically, else a Float).
    scale, offset : sympy.Expr
        The final activation is ``scale * (f_θ(x) − offset)``.
    activation : sympy.Expr
        The designed activation.
    method : str
        ``"symbolic"`` or ``"numeric"``.
    conditions : list of str
        The conditions solved through the parameters.
    mean, eta, zeta : Certified
        Gaussian moments of the final activation from :func:`rmtsym.gaussian.gaussian_moments`.
    """

    family: sp.Expr
    values: Dict[str, sp.Expr]
    scale: sp.Expr
    offset: sp.Expr
    activation: sp.Expr
    method: str
    conditions: List[str]
    mean: Certified
    eta: Certified
    zeta: Certified
    target: sp.Expr
    sigma: sp.Expr

    @property
    def exact(self) -> bool:
        return self.method == "symbolic"

    def as_json(self, dps: int = 30) -> dict:
        d = min(dps, 30)
        return {
            "family": str(self.family),
            "parameters": {k: {"value": decimal_string(v, d), "exact": str(v) if self.exact else None}
                           for k, v in self.values.items()},
            "scale": decimal_string(self.scale, d),
            "offset": decimal_string(self.offset, d),
            "activation": str(self.activation),
            "method": self.method,
            "conditions": list(self.conditions),
            "zeta_over_eta": str(self.target),
            "sigma": str(self.sigma),
            "check": {"mean": self.mean.decimal(min(d, self.mean.digits)),
                      "eta": self.eta.decimal(min(d, self.eta.digits)),
                      "zeta": self.zeta.decimal(min(d, self.zeta.digits))},
        }


def _parse_family(family, params):
    from ..activation import parse_activation

    names = [p.strip() for p in (params.split(",") if isinstance(params, str) else params) if str(p).strip()]
    if not names:
        raise ParameterError("name at least one free parameter of the family (for example --params c)")
    act = parse_activation(family, params=names)
    by_name = {p.name: p for p in act.params}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise ParameterError(f"the family does not contain the parameter(s) {', '.join(missing)}")
    return act.expr, [by_name[n] for n in names]


def _subs_sigma(e, sigma):
    return sp.sympify(e).subs({S.sigma: sigma, S.sigma_w: sigma, S.sigma_x: 1})


def _choose(solutions, syms):
    """Real solutions first; among them prefer positive values (an overall sign is free)."""
    real = []
    for sol in solutions:
        if not all(s in sol for s in syms):
            continue
        vals = [sp.nsimplify(sp.simplify(sol[s])) if sol[s].is_number else sol[s] for s in syms]
        if any(not v.is_number for v in vals):
            continue
        if any(abs(sp.im(sp.N(v, 30))) > 1e-25 for v in vals):
            continue
        real.append([sp.re(v) if sp.N(sp.im(v), 30) == 0 else v for v in vals])
    # deterministic: most positive values first, then the largest leading parameter
    real.sort(key=lambda vs: (-sum(1 for v in vs if sp.N(v) > 0), [-float(sp.N(v)) for v in vs]))
    return real


def _gauss_mp(fun, sigma, breaks, dps):
    """E g(σZ) by mpmath quadrature, split at 0 and the kinks of g (scaled by 1/σ)."""
    pts = sorted({mpmath.mpf(0)} | {mpmath.mpf(b) / sigma for b in breaks})
    nodes = [-mpmath.inf] + pts + [mpmath.inf]
    dens = lambda z: mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi)
    return mpmath.quad(lambda z: fun(sigma * z, z) * dens(z), nodes)


def design_activation(family, params, zeta_over_eta=0, center: bool = True, normalize: bool = True,
                      sigma=1, dps: int = 30, time_limit: float = 30.0) -> DesignResult:
    """Solve a parametric family for a target ζ/η, centring and η = 1.

    Parameters
    ----------
    family : str or sympy.Expr
        f_θ(x), parsed by :func:`rmtsym.activation.parse_activation` (never ``eval``).
    params : str or sequence of str
        Names of the free parameters θ to solve for (all other names are refused).
    zeta_over_eta : number or str
        Target R = ζ/η ∈ [0, 1); R = 0 asks for PW's ζ = 0 class.
    center, normalize : bool
        Require E f(σZ) = 0 and η = 1 (through the parameters when there are enough of them,
        otherwise by an overall offset and factor, which leave ζ/η unchanged).
    sigma : number
        Pre-activation scale σ = σw σx at which the conditions hold.
    dps : int
        Digits for the numeric path and the final check.

    Returns
    -------
    DesignResult

    Raises
    ------
    RmtsymError
        Impossible targets (R outside [0, 1), or no real solution), too many or too few
        parameters for the conditions, or an activation that would be constant.

    Examples
    --------
    ``design_activation("(1 - c*exp(-x**2/2))*erf(x)", "c")`` gives c = 4/√3 (PW's f4).
    """
    from ..gaussian import gaussian_moments

    dps = check_dps(dps)
    if not isinstance(zeta_over_eta, sp.Basic):
        try:
            target = mpmath.mpf(zeta_over_eta)
        except (ValueError, TypeError):
            raise ParameterError(f"the target zeta/eta must be a number, got {zeta_over_eta!r}")
        if not mpmath.isfinite(target):
            raise ParameterError(f"the target zeta/eta must be a finite number in [0, 1), got {zeta_over_eta!r}")
    R = sp.nsimplify(zeta_over_eta, rational=True) if not isinstance(zeta_over_eta, sp.Basic) else zeta_over_eta
    if not R.is_number or R < 0:
        raise RmtsymError(f"the target zeta/eta = {zeta_over_eta} is impossible: zeta/eta lies in [0, 1]")
    if R >= 1:
        raise RmtsymError(f"the target zeta/eta = {zeta_over_eta} is impossible: zeta/eta <= 1, with "
                          "equality only for a linear activation (eta - zeta is the nonlinear variance)")
    sig = sp.nsimplify(sigma)
    if not (sig.is_number and sig > 0):
        raise ParameterError(f"sigma must be a positive number, got {sigma}")
    expr, syms = _parse_family(family, params)
    names = [s.name for s in syms]

    mom = gaussian_moments(expr, sigma_w=sig, sigma_x=1, dps=dps)
    mean_e = None if mom.mean_expr is None else _subs_sigma(mom.mean_expr, sig)
    eta_e = None if mom.eta_expr is None else _subs_sigma(mom.eta_expr, sig)
    zeta_e = None if mom.zeta_expr is None else _subs_sigma(mom.zeta_expr, sig)
    mean_zero = mean_e is not None and sp.simplify(mean_e) == 0
    if mean_e is None and sp.simplify(expr.subs(S.x, -S.x) + expr) == 0:
        mean_zero = True  # odd family: centred for every θ

    # which conditions go through the parameters
    conds = ["shape"]
    if center and not mean_zero:
        conds.append("center")
    if normalize:
        conds.append("eta")
    n = len(syms)
    if len(conds) > n and "eta" in conds:
        conds.remove("eta")
    if len(conds) > n and "center" in conds:
        conds.remove("center")
    if len(conds) > n:
        raise RmtsymError(f"{len(conds)} condition(s) ({', '.join(conds)}) cannot be met with "
                          f"{n} parameter(s)")
    if len(conds) < n:
        raise RmtsymError(f"the problem is underdetermined: {len(conds)} condition(s) ({', '.join(conds)}) "
                          f"for {n} parameters ({', '.join(names)}); fix some parameters in the family")

    values = None
    method = "symbolic"
    closed = zeta_e is not None and eta_e is not None and (mean_e is not None or "center" not in conds)
    if closed:
        eqs = []
        for cnd in conds:
            if cnd == "shape":
                eqs.append(zeta_e if R == 0 else zeta_e - R * eta_e)
            elif cnd == "center":
                eqs.append(mean_e)
            else:
                eqs.append(eta_e - 1)
        try:
            with _time_limit(time_limit):
                sols = sp.solve(eqs, syms, dict=True)
            cands = _choose(sols, syms)
            # a solution must leave a non-constant activation (η > 0)
            cands = [c for c in cands if sp.N(eta_e.subs(dict(zip(syms, c))), 30) > 1e-20]
            if cands:
                values = dict(zip(syms, cands[0]))
        except (_SolveTimeout, NotImplementedError, TypeError, ValueError):
            values = None
    if values is None:
        method = "numeric"
        values = _numeric_solve(expr, syms, conds, R, sig, dps)

    fam = expr.subs(values)
    scale, offset = sp.Integer(1), sp.Integer(0)
    if center and "center" not in conds and not mean_zero:
        m = gaussian_moments(fam, sigma_w=sig, sigma_x=1, dps=dps)
        offset = _value(m.mean, dps, exact=method == "symbolic")
    if normalize and "eta" not in conds:
        m = gaussian_moments(fam, sigma_w=sig, sigma_x=1, dps=dps)
        eta_v = _value(m.eta, dps, exact=method == "symbolic")
        if not sp.N(eta_v, 30) > 1e-20:
            raise RmtsymError("the solution makes the activation constant (eta = 0); no such member exists")
        scale = 1 / sp.sqrt(eta_v)
    final = scale * (fam - offset) if (scale != 1 or offset != 0) else fam
    if method == "symbolic":
        final = sp.simplify(final) if sp.count_ops(final) < 80 else final
    check = gaussian_moments(final, sigma_w=sig, sigma_x=1, dps=dps)
    ok_tol = sp.Float(10) ** (-(min(dps, check.eta.digits) // 2))
    eta_c, zeta_c, mean_c = (sp.Float(str(mpmath.re(v.value)), dps) for v in (check.eta, check.zeta, check.mean))
    if not eta_c > ok_tol:
        raise RmtsymError("the solution makes the activation constant (eta = 0); no such member exists")
    if abs(zeta_c / eta_c - R) > ok_tol or (center and abs(mean_c) > ok_tol) or (normalize and abs(eta_c - 1) > ok_tol):
        raise RmtsymError("the designed activation failed its check by the Gaussian engine "
                          f"(zeta/eta = {sp.N(zeta_c / eta_c, 8)}, mean = {sp.N(mean_c, 8)}, eta = {sp.N(eta_c, 8)})")
    return DesignResult(expr, {s.name: values[s] for s in syms}, scale, offset, final, method, conds,
                        check.mean, check.eta, check.zeta, R, sig)


def _value(cert: Certified, dps, exact):
    if exact and cert.exact is not None and not sp.sympify(cert.exact).free_symbols:
        return sp.sympify(cert.exact)
    return sp.Float(mpmath.nstr(mpmath.re(cert.value), dps + 3), dps + 3)


def _numeric_solve(expr, syms, conds, R, sig, dps):
    """mpmath findroot on quadrature of E[Z f], E f, E f² (several starting points)."""
    from ..gaussian import breakpoints

    try:
        breaks = [float(b) for b in breakpoints(expr)]
    except Exception:
        breaks = []
    work = min(dps, 25) + 5
    with mpmath.workdps(work):
        s_ = mpmath.mpf(sp.N(sig, work))
        Rm = mpmath.mpf(sp.N(R, work))
        poly = None
        try:
            poly = sp.Poly(expr, *syms)
            if poly.total_degree() > 1:
                poly = None
        except sp.PolynomialError:
            poly = None
        if poly is not None:
            # f = g_0 + Σ θ_i g_i: the basis integrals are computed once, then every moment is
            # a polynomial in θ (E[Z f] and E f linear, E f² quadratic)
            basis = [poly.coeff_monomial(1)] + [poly.coeff_monomial(s) for s in syms]
            fns = [sp.lambdify(S.x, g, "mpmath") for g in basis]
            k = len(fns)
            zs = [_gauss_mp(lambda u, z, f=f: z * f(u), s_, breaks, work) for f in fns]
            ms = [_gauss_mp(lambda u, z, f=f: f(u), s_, breaks, work) for f in fns]
            gram = [[None] * k for _ in range(k)]
            for i in range(k):
                for j in range(i, k):
                    gram[i][j] = gram[j][i] = _gauss_mp(lambda u, z, f=fns[i], g=fns[j]: f(u) * g(u),
                                                        s_, breaks, work)

            def moments(*theta):
                th = [mpmath.mpf(1)] + list(theta)
                s1 = sum(t * v for t, v in zip(th, zs))
                mu = sum(t * v for t, v in zip(th, ms))
                m2 = sum(th[i] * th[j] * gram[i][j] for i in range(k) for j in range(k))
                return s1, mu, m2 - mu**2
        else:
            fn = sp.lambdify([S.x] + list(syms), expr, "mpmath")

            def moments(*theta):
                s1 = _gauss_mp(lambda u, z: z * fn(u, *theta), s_, breaks, work)
                mu = _gauss_mp(lambda u, z: fn(u, *theta), s_, breaks, work)
                m2 = _gauss_mp(lambda u, z: fn(u, *theta) ** 2, s_, breaks, work)
                return s1, mu, m2 - mu**2

        def system(*theta):
            s1, mu, eta_v = moments(*theta)
            out = []
            for cnd in conds:
                if cnd == "shape":
                    out.append(s1 if Rm == 0 else s1**2 - Rm * eta_v)
                elif cnd == "center":
                    out.append(mu)
                else:
                    out.append(eta_v - 1)
            return out if len(out) > 1 else out[0]

        starts = [0.5, 1.0, 2.0, -1.0, 0.1]
        best = None
        limit = 40 if poly is not None else 6  # each quadrature-driven start costs many integrals
        for combo in itertools.islice(itertools.product(starts, repeat=len(syms)), limit):
            try:
                root = mpmath.findroot(system, combo if len(combo) > 1 else combo[0],
                                       tol=mpmath.mpf(10) ** (-(work - 8)), maxsteps=60)
            except (ValueError, ZeroDivisionError, mpmath.libmp.libhyper.NoConvergence):
                continue
            theta = list(root) if len(syms) > 1 else [root]
            theta = [mpmath.re(t) for t in theta]
            res = system(*theta)
            res = res if isinstance(res, list) else [res]
            if max(abs(r) for r in res) > mpmath.mpf(10) ** (-(work - 10)):
                continue
            eta_v = moments(*theta)[2]
            if eta_v <= mpmath.mpf(10) ** (-(work // 2)):
                continue
            score = (-sum(1 for t in theta if t > 0),)
            if best is None or score < best[0]:
                best = (score, theta)
        if best is None:
            raise RmtsymError("no parameter values meet the conditions (no real solution found): the "
                              "target is not reachable within this family")
        return {s: sp.Float(mpmath.nstr(t, work), work) for s, t in zip(syms, best[1])}


__all__ = ["design_activation", "DesignResult"]
