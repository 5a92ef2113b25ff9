"""The Gaussian moments of an activation: :func:`gaussian_moments` → :class:`GaussianMoments`.

μ0 = E f(σZ), η = Var f(σZ), ζ = (E[Z f(σZ)])² (Pennington & Worah, NeurIPS 2017): closed
forms in σ from the closed-form search, with the parity, odd/even-part and Stein rules as
fallbacks, self-checked against quadrature, cached per expression; the numbers at a numeric
σ from the closed forms or from certified quadrature, cached per (f, σ, dps).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import mpmath
import sympy as sp

from ..errors import ActivationError, ComputationTimeout
from ..numbers import Certified, check_dps, decimal_string
from ..symbols import sigma as SIGMA
from ..symbols import x as X
from .case_splitting import _KINKS
from .certification import _self_check
from .closed_form import _TIMEOUTS, _symbolic_expectation
from .expectation import _check_conditions, _evaluate, _to_sigma
from .known_forms import known_moments
from .odd_even_parts import _even_part_rule, _odd_part_rule
from .parity import _is_odd
from .quadrature import _certified_quad, _growth_check, _numeric_kinks, _singularity_check
from .simplify import _simplify
from .stein import _stein_rule
from .timeouts import DEFAULT_TIME_LIMIT, _NoClosedForm, _setting, _time_limit


@dataclass
class GaussianMoments:
    r"""The Gaussian moments of an activation at σ = σw·σx (Pennington & Worah 2017).

    μ0 = E f(σZ), η = Var f(σZ) = E f(σZ)² − μ0², ζ = (E[Z f(σZ)])² = (σ E f′(σZ))².

    Attributes
    ----------
    activation : Activation or sympy.Expr
    sigma_w, sigma_x : sympy numbers or symbols
    dps : int
    mean, eta, zeta : Certified or None
        None when free parameters or symbolic σ prevent a number.
    mean_expr, eta_expr, zeta_expr : sympy.Expr or None
        Simplified closed forms in ``symbols.sigma`` (or σw·σx when these are symbolic)
        and the free parameters; None where no closed form was found.
    eta_closed_form, zeta_closed_form, mean_closed_form : bool
    eta_method, zeta_method, mean_method : str
        ``"closed form"``, ``"quadrature"`` or ``"none"``.
    conditions : tuple
        Expressions that must be positive for the closed forms to hold.
    notes : tuple of str
        How the rules were applied (parity, odd part, Stein, case splits, ...).
    """

    activation: object
    sigma_w: sp.Expr
    sigma_x: sp.Expr
    dps: int
    mean: Optional[Certified]
    eta: Optional[Certified]
    zeta: Optional[Certified]
    mean_expr: Optional[sp.Expr]
    eta_expr: Optional[sp.Expr]
    zeta_expr: Optional[sp.Expr]
    eta_closed_form: bool
    zeta_closed_form: bool
    mean_closed_form: bool = False
    eta_method: str = "none"
    zeta_method: str = "none"
    mean_method: str = "none"
    conditions: tuple = ()
    notes: tuple = ()

    @property
    def sigma(self):
        return self.sigma_w * self.sigma_x

    def _repr_latex_(self) -> str:
        from ..typeset import gaussian_moments_repr_latex

        return gaussian_moments_repr_latex(self)

    def as_json(self, dps: Optional[int] = None) -> dict:
        """A JSON-ready dict: decimal strings with ``dps`` significant digits, LaTeX, flags."""
        dps = self.dps if dps is None else dps

        def num(c):
            return None if c is None else decimal_string(c.value, min(dps, max(c.digits, 1)))

        def digits(c):
            return None if c is None else c.digits

        def lx(e):
            return None if e is None else sp.latex(e)

        def st(e):
            return None if e is None else sp.sstr(e)

        act = self.activation
        name = getattr(act, "source", None) or getattr(act, "name", None) or sp.sstr(_activation_expr(act))
        params = [str(p) for p in _activation_params(act)]
        return {
            "activation": str(name),
            "expr": sp.sstr(_activation_expr(act)),
            "params": params,
            "sigma_w": sp.sstr(self.sigma_w),
            "sigma_x": sp.sstr(self.sigma_x),
            "dps": dps,
            "mean": num(self.mean),
            "eta": num(self.eta),
            "zeta": num(self.zeta),
            "mean_closed_form": self.mean_closed_form,
            "eta_closed_form": self.eta_closed_form,
            "zeta_closed_form": self.zeta_closed_form,
            "mean_digits": digits(self.mean),
            "eta_digits": digits(self.eta),
            "zeta_digits": digits(self.zeta),
            "mean_method": self.mean_method,
            "eta_method": self.eta_method,
            "zeta_method": self.zeta_method,
            "mean_expr": st(self.mean_expr),
            "eta_expr": st(self.eta_expr),
            "zeta_expr": st(self.zeta_expr),
            "mean_latex": lx(self.mean_expr),
            "eta_latex": lx(self.eta_expr),
            "zeta_latex": lx(self.zeta_expr),
            "sigma_symbol": "sigma = sigma_w*sigma_x",
            "conditions": [sp.sstr(c) + " > 0" for c in self.conditions],
            "notes": list(self.notes),
        }


def _activation_expr(act):
    if isinstance(act, sp.Basic):
        return act
    expr = getattr(act, "expr", None)
    if expr is None:
        raise ActivationError("the activation must be a formula in x or an Activation object")
    return expr


def _activation_params(act):
    if isinstance(act, sp.Basic):
        return tuple(sorted(act.free_symbols - {X}, key=str))
    return tuple(getattr(act, "params", ()) or ())


def _coerce_activation(activation):
    if isinstance(activation, str):
        try:
            from ..activation import parse_activation
        except ImportError:  # pragma: no cover - the activation module is a sibling stage
            raise ActivationError("activation strings need rmtsym.activation, which is missing")
        return parse_activation(activation)
    if isinstance(activation, sp.Basic):
        if not isinstance(activation, sp.Expr):
            raise ActivationError(f"the activation must be an expression in x, got {activation}")
        extra = [s for s in activation.free_symbols if s != X and s.name == "x"]
        if extra:
            raise ActivationError("the activation uses a variable x that is not rmtsym.symbols.x")
        return activation
    if hasattr(activation, "expr"):
        return activation
    raise ActivationError(f"the activation must be a formula in x, got {type(activation).__name__}")


_MOMENT_CACHE: dict = {}
#: numbers already computed: (f, σ, dps) → (mean, η, ζ, methods)
_NUMERIC_CACHE: dict = {}


def _symbolic_moments(f, time_limit):
    """Cached closed forms (mean, η, ζ) in symbols.sigma, plus conditions and notes.

    The closed forms of a few shortcut activations at their default parameters are read
    from :mod:`~rmtsym.gaussian.known_forms` (the search's own result, written out and
    tested against it); every other expression goes through :func:`_search_moments`.
    """
    key = sp.srepr(f)
    if key in _MOMENT_CACHE:
        return _MOMENT_CACHE[key]
    known = known_moments(key)
    if known is not None:
        _MOMENT_CACHE[key] = known
        return known
    return _search_moments(f, time_limit, key)


def _search_moments(f, time_limit, key=None):
    """The closed-form search for (mean, η, ζ, conditions, notes), self-checked against
    quadrature; cached under ``key`` unless a time limit stopped a search."""
    key = sp.srepr(f) if key is None else key
    timeouts_before = _TIMEOUTS[0]
    notes = []
    mean_e, c1 = _symbolic_expectation(f, time_limit)
    if mean_e is None:
        mean_e, note = _even_part_rule(f, time_limit)
        if note:
            notes.append(note)
    ef2_e, c2 = _symbolic_expectation(f ** 2, time_limit, simplify=False)
    exf_e, c3 = _symbolic_expectation(X * f, time_limit, simplify=False)
    if exf_e is not None and f.has(*_KINKS) is False and _is_odd(X * f):
        notes.append("parity: f even, so E[Z f(sZ)] = 0")
    if exf_e is None:
        exf_e, note = _odd_part_rule(f, time_limit)
        if exf_e is None:
            exf_e, note = _stein_rule(f, time_limit)
        if note:
            notes.append(note)
    if mean_e is not None and _is_odd(f):
        notes.append("parity: f odd, so the mean is 0")
    if not _self_check(f, mean_e, ef2_e, exf_e):
        notes.append("a closed form disagreed with quadrature and was discarded")
        mean_e = ef2_e = exf_e = None
    eta_e = _simplify(ef2_e - mean_e ** 2) if (ef2_e is not None and mean_e is not None) else None
    zeta_e = _simplify((exf_e / SIGMA) ** 2) if exf_e is not None else None
    out = (mean_e, eta_e, zeta_e, tuple(c1) + tuple(c2) + tuple(c3), tuple(notes))
    if _TIMEOUTS[0] == timeouts_before:
        _MOMENT_CACHE[key] = out
    else:
        notes.append("a closed-form search hit its time limit (not cached; retried next call)")
        out = out[:4] + (tuple(notes),)
    return out


def gaussian_moments(activation, sigma_w=1, sigma_x=1, dps=30,
                     time_limit=DEFAULT_TIME_LIMIT) -> GaussianMoments:
    r"""Gaussian moments μ0, η, ζ of an activation (Pennington & Worah 2017, §1.2–1.3).

    With σ = σw·σx and Z ~ N(0, 1):
    μ0 = E f(σZ), η = Var f(σZ), ζ = (E[Z f(σZ)])².

    Parameters
    ----------
    activation : Activation, str or sympy.Expr
        The activation f(x) (strings go through ``rmtsym.activation.parse_activation``;
        free parameters stay symbolic).
    sigma_w, sigma_x : positive number, numeric string or positive SymPy symbol
    dps : int
        Decimal digits of the numbers (5 … 1000).
    time_limit : float
        Seconds allowed for each closed-form search; risky SymPy calls are aborted.

    Returns
    -------
    GaussianMoments

    Raises
    ------
    ParameterError
        σ not a positive number, dps out of range.
    ActivationError
        f not square-integrable against the Gaussian, not real, or not evaluable.

    Examples
    --------
    >>> from rmtsym.symbols import x
    >>> import sympy as sp
    >>> gm = gaussian_moments(sp.Max(x, 0))
    >>> gm.eta_expr, gm.zeta_expr
    (sigma**2*(pi - 1)/(2*pi), sigma**2/4)
    """
    dps = check_dps(dps)
    sw = _to_sigma(sigma_w, "sigma_w")
    sx = _to_sigma(sigma_x, "sigma_x")
    act = _coerce_activation(activation)
    f = sp.sympify(_activation_expr(act))
    if not f.has(X):
        raise ActivationError("the activation must depend on x")
    s = sw * sx
    mean_e, eta_e, zeta_e, conditions, notes = _symbolic_moments(f, time_limit)
    symbolic_s = bool(s.free_symbols)
    subs_s = {SIGMA: s} if symbolic_s else {}
    mean_out = mean_e.subs(subs_s) if mean_e is not None else None
    eta_out = eta_e.subs(subs_s) if eta_e is not None else None
    zeta_out = zeta_e.subs(subs_s) if zeta_e is not None else None

    params = f.free_symbols - {X}
    numbers_possible = not params and not symbolic_s
    mean = eta = zeta = None
    m_method = "closed form" if mean_e is not None else "none"
    e_method = "closed form" if eta_e is not None else "none"
    z_method = "closed form" if zeta_e is not None else "none"
    num_key = (sp.srepr(f), sp.srepr(s), dps)
    if numbers_possible and num_key in _NUMERIC_CACHE:
        mean, eta, zeta, m_method, e_method, z_method = _NUMERIC_CACHE[num_key]
    elif numbers_possible:
        try:
            with _time_limit(_setting("QUAD_TIME_LIMIT")):
                mean, eta, zeta, m_method, e_method, z_method = _numbers(
                    f, s, dps, mean_e, eta_e, zeta_e, conditions, m_method, e_method, z_method)
        except _NoClosedForm:
            raise ComputationTimeout(
                f"the quadrature at {dps} digits took longer than {_setting('QUAD_TIME_LIMIT'):g} s; "
                "ask for fewer digits (--dps)") from None
        if len(_NUMERIC_CACHE) > 4096:
            _NUMERIC_CACHE.clear()
        _NUMERIC_CACHE[num_key] = (mean, eta, zeta, m_method, e_method, z_method)
    return GaussianMoments(
        activation=act, sigma_w=sw, sigma_x=sx, dps=dps,
        mean=mean, eta=eta, zeta=zeta,
        mean_expr=mean_out, eta_expr=eta_out, zeta_expr=zeta_out,
        eta_closed_form=eta_e is not None, zeta_closed_form=zeta_e is not None,
        mean_closed_form=mean_e is not None,
        eta_method=e_method, zeta_method=z_method, mean_method=m_method,
        conditions=tuple(conditions), notes=tuple(notes))


def _numbers(f, s, dps, mean_e, eta_e, zeta_e, conditions, m_method, e_method, z_method):
    """The numbers μ0, η, ζ at numeric σ: closed forms evaluated with sympy.N, the rest by
    certified quadrature (sharing nodes between the three integrals)."""
    memo: dict = {}
    _check_conditions(conditions, {SIGMA: s}, s)
    kinks = None
    if mean_e is None or eta_e is None or zeta_e is None:
        _growth_check(f, s)
        kinks = _numeric_kinks(f, s)
        _singularity_check(f, s, kinks)
    if mean_e is not None:
        mean = Certified(_evaluate(mean_e, {SIGMA: s}, dps), dps, "closed form", mean_e.subs(SIGMA, s))
    else:
        mean = _certified_quad(f, s, dps, what="mean", memo=memo, kinks=kinks)
        m_method = "quadrature"
    if eta_e is not None:
        eta = Certified(_evaluate(eta_e, {SIGMA: s}, dps), dps, "closed form", eta_e.subs(SIGMA, s))
    else:
        with mpmath.workdps(dps + 10):
            center = mean.value
        eta = _certified_quad(f, s, dps, center=center, what="eta", memo=memo, kinks=kinks)
        eta = Certified(eta.value, min(eta.digits, mean.digits), "quadrature", None, eta.note)
        e_method = "quadrature"
    if zeta_e is not None:
        zeta = Certified(_evaluate(zeta_e, {SIGMA: s}, dps), dps, "closed form", zeta_e.subs(SIGMA, s))
    else:
        ez = _certified_quad(f, s, dps, what="E[Z f]", z_weight=True, memo=memo, kinks=kinks)
        with mpmath.workdps(dps + 10):
            zval = ez.value ** 2
        zeta = Certified(zval, ez.digits, "quadrature", None, ez.note)
        z_method = "quadrature"
    return mean, eta, zeta, m_method, e_method, z_method
