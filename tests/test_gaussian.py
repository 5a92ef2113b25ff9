"""Tests of rmtsym.gaussian: every closed form checked three ways.

1. against mpmath quadrature written independently here (hand-written mpmath integrands,
   its own subdivision), ≥ 25 digits at dps 30;
2. against a numpy Monte Carlo estimate (10⁶ samples, 5 standard errors computed from
   the sample: a correct value fails with probability ~6e-7 per comparison);
3. against identities: parity, scaling f → a f (η, ζ × a²), sigmoid = (1 + tanh(x/2))/2,
   and the table of docs/theory.md §6 at s = 1 (10 digits).
"""
import time
import zlib

import mpmath
import numpy as np
import pytest
import sympy as sp

from rmtsym import gaussian as G
from rmtsym.errors import ActivationError, ParameterError
from rmtsym.gaussian import gaussian_expectation, gaussian_moments
from rmtsym.symbols import sigma, x

a = sp.Symbol("a", real=True)
SQ2 = sp.sqrt(2)


def _npPhi(u):
    from scipy.special import erf as serf
    return 0.5 * (1 + serf(u / np.sqrt(2)))


def _nperf(u):
    from scipy.special import erf as serf
    return serf(u)


# name: (sympy f, mpmath f, numpy f, kinks)
CASES = {
    "linear": (x, lambda t: t, lambda t: t, ()),
    "relu": (sp.Max(x, 0), lambda t: t if t > 0 else 0 * t, lambda t: np.maximum(t, 0), (0,)),
    "leaky_relu_0.1": (sp.Max(x, x / 10), lambda t: t if t > 0 else t / 10,
                       lambda t: np.where(t > 0, t, t / 10), (0,)),
    "abs": (sp.Abs(x), lambda t: abs(t), np.abs, (0,)),
    "heaviside": (sp.Heaviside(x), lambda t: mpmath.mpf(1) if t > 0 else mpmath.mpf(0),
                  lambda t: (t > 0).astype(float), (0,)),
    "sign": (sp.sign(x), lambda t: mpmath.sign(t), np.sign, (0,)),
    "hard_tanh": (sp.Max(-1, sp.Min(1, x)), lambda t: max(-1, min(1, t)),
                  lambda t: np.clip(t, -1, 1), (-1, 1)),
    "erf": (sp.erf(x), mpmath.erf, _nperf, ()),
    "gelu": (x * (1 + sp.erf(x / SQ2)) / 2, lambda t: t * mpmath.ncdf(t), lambda t: t * _npPhi(t), ()),
    "elu": (sp.Piecewise((x, x > 0), (sp.exp(x) - 1, True)),
            lambda t: t if t > 0 else mpmath.expm1(t), lambda t: np.where(t > 0, t, np.expm1(np.minimum(t, 0))),
            (0,)),
    "sin": (sp.sin(x), mpmath.sin, np.sin, ()),
    "cos": (sp.cos(x), mpmath.cos, np.cos, ()),
    "exp_half": (sp.exp(x / 2), lambda t: mpmath.exp(t / 2), lambda t: np.exp(t / 2), ()),
    "bump_2": (sp.exp(-2 * x ** 2), lambda t: mpmath.exp(-2 * t * t), lambda t: np.exp(-2 * t * t), ()),
    "x_exp": (x * sp.exp(-x ** 2 / 2), lambda t: t * mpmath.exp(-t * t / 2),
              lambda t: t * np.exp(-t * t / 2), ()),
    "x2": (x ** 2, lambda t: t ** 2, lambda t: t ** 2, ()),
    "x3": (x ** 3, lambda t: t ** 3, lambda t: t ** 3, ()),
    "He4": (sp.hermite_prob(4, x), lambda t: t ** 4 - 6 * t ** 2 + 3, lambda t: t ** 4 - 6 * t ** 2 + 3, ()),
    "relu_plus_sin": (sp.Max(x, 0) + sp.sin(x) / 2, lambda t: max(t, 0) + mpmath.sin(t) / 2,
                      lambda t: np.maximum(t, 0) + np.sin(t) / 2, (0,)),
    "x_erf": (x * sp.erf(x), lambda t: t * mpmath.erf(t), lambda t: t * _nperf(t), ()),
    "pw_f1": (-1 + sp.sqrt(5) * sp.exp(-2 * x ** 2), lambda t: -1 + mpmath.sqrt(5) * mpmath.exp(-2 * t * t),
              lambda t: -1 + np.sqrt(5) * np.exp(-2 * t * t), ()),
    "pw_f4": ((1 - 4 / sp.sqrt(3) * sp.exp(-x ** 2 / 2)) * sp.erf(x),
              lambda t: (1 - 4 / mpmath.sqrt(3) * mpmath.exp(-t * t / 2)) * mpmath.erf(t),
              lambda t: (1 - 4 / np.sqrt(3) * np.exp(-t * t / 2)) * _nperf(t), ()),
}


def quad_moments(f, s, kinks=(), dps=35):
    """Independent reference: (mean, η, ζ) by mpmath tanh–sinh at ``dps`` digits."""
    with mpmath.workdps(dps):
        s = mpmath.mpf(str(sp.N(s, dps + 5)))
        pts = sorted({mpmath.mpf(0), mpmath.mpf(3), mpmath.mpf(-3), mpmath.mpf(7), mpmath.mpf(-7)}
                     | {mpmath.mpf(str(sp.N(k, dps + 5))) / s for k in kinks})
        pts = [mpmath.ninf] + pts + [mpmath.inf]
        w = 1 / mpmath.sqrt(2 * mpmath.pi)
        mean = mpmath.quad(lambda z: f(s * z) * mpmath.exp(-z * z / 2) * w, pts)
        eta = mpmath.quad(lambda z: (f(s * z) - mean) ** 2 * mpmath.exp(-z * z / 2) * w, pts)
        ez = mpmath.quad(lambda z: z * f(s * z) * mpmath.exp(-z * z / 2) * w, pts)
        return mean, eta, ez ** 2


def mp(value):
    """An mpf at the current precision from an mpf, a SymPy number or a decimal string."""
    if isinstance(value, sp.Basic):
        return mpmath.mpf(str(sp.N(value, mpmath.mp.dps + 5)))
    return mpmath.mpf(value)


def close(value, ref, digits=25):
    with mpmath.workdps(40):
        value, ref = mp(value), mp(ref)
        return abs(value - ref) <= mpmath.mpf(10) ** (-digits) * max(abs(ref), mpmath.mpf(10) ** -3)


@pytest.mark.parametrize("name", sorted(CASES))
def test_closed_form_vs_independent_quadrature(name):
    f, fmp, _, kinks = CASES[name]
    sw, sx = sp.Rational(13, 10), sp.Rational(9, 10)
    gm = gaussian_moments(f, sigma_w=sw, sigma_x=sx, dps=30)
    assert gm.eta_closed_form and gm.zeta_closed_form, name
    assert gm.mean_closed_form
    assert gm.eta.method == gm.zeta.method == "closed form"
    mean, eta, zeta = quad_moments(fmp, sw * sx, kinks)
    assert close(gm.mean.value, mean), (name, gm.mean, mean)
    assert close(gm.eta.value, eta), (name, gm.eta, eta)
    assert close(gm.zeta.value, zeta), (name, gm.zeta, zeta)


@pytest.mark.parametrize("name", sorted(CASES))
def test_closed_form_vs_monte_carlo(name):
    f, _, fnp, _ = CASES[name]
    s = 0.8
    gm = gaussian_moments(f, sigma_w=sp.Rational(4, 5), dps=20)
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # reproducible per case
    zs = rng.standard_normal(1_000_000)
    y = fnp(s * zs)
    n = len(zs)
    # mean: standard error sd/√n
    mean_mc, mean_se = y.mean(), y.std() / np.sqrt(n)
    assert abs(float(gm.mean) - mean_mc) <= 5 * mean_se + 1e-12
    # η = E (f − μ0)²: centre with the exact mean, standard error of the squares
    sq = (y - float(gm.mean)) ** 2
    assert abs(float(gm.eta) - sq.mean()) <= 5 * sq.std() / np.sqrt(n) + 1e-12
    # √ζ up to sign: compare E[Z f] (the sign of E[Z f] is that of the closed form of E[X f])
    zf = zs * y
    ez = zf.mean()
    assert abs(np.sqrt(float(gm.zeta)) - abs(ez)) <= 5 * zf.std() / np.sqrt(n) + 1e-12


# docs/theory.md §6 at s = 1 (10 significant digits)
TABLE = {
    "linear": (1, 1), "relu": ("0.3408450569", "0.25"), "leaky_relu_0.1": ("0.3760844961", "0.3025"),
    "abs": ("0.3633802276", 0), "hard_tanh": ("0.5160585510", "0.4660649427"),
    "erf": ("0.4645590544", "0.4244131816"), "gelu": ("0.3456440110", "0.25"),
    "elu": ("0.6191785634", "0.5800014946"), "sin": ("0.4323323584", "0.3678794412"),
    "cos": ("0.1997882004", 0), "x2": (2, 0), "x3": (15, 9), "pw_f1": ("0.6666666667", 0),
    "pw_f4": ("0.1825854023", 0),
}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_table_of_theory_md_at_s1(name):
    gm = gaussian_moments(CASES[name][0], dps=30)
    eta_ref, zeta_ref = (mpmath.mpf(str(v)) for v in TABLE[name])
    assert abs(gm.eta.value - eta_ref) < 6e-11 * max(1, abs(eta_ref))
    assert abs(gm.zeta.value - zeta_ref) < 6e-11 * max(1, abs(zeta_ref))


def test_table_numeric_activations_at_s1():
    for f, eta_ref, zeta_ref in [
        (sp.tanh(x), "0.3942944904", "0.3668791644"),
        (1 / (1 + sp.exp(-x)), "0.0433790359", "0.0426922228"),
        (sp.log(1 + sp.exp(x)), "0.2715145018", "0.25"),
        (x / (1 + sp.exp(-x)), "0.3130832970", "0.25"),
    ]:
        gm = gaussian_moments(f, dps=15)
        assert abs(gm.eta.value - mpmath.mpf(eta_ref)) < 6e-11
        assert abs(gm.zeta.value - mpmath.mpf(zeta_ref)) < 6e-11
        assert gm.eta.digits >= 12


# ------------------------------------------------------------------ closed forms (symbolic)
def same(e1, e2, pts=(sp.Rational(3, 10), 1, sp.Rational(5, 2), sp.Rational(37, 10))):
    """Equal as functions of σ: to 40 digits at four σ values (analytic in σ > 0, so a
    coincidence at four arbitrary points is not plausible)."""
    return all(abs(sp.N((e1 - e2).subs(sigma, p), 50)) < 1e-40 for p in pts)


def test_required_symbolic_closed_forms():
    s = sigma
    Phi = lambda u: (1 + sp.erf(u / SQ2)) / 2  # noqa: E731
    expected = {
        x: (s ** 2, s ** 2),
        sp.Max(x, 0): (s ** 2 * (sp.pi - 1) / (2 * sp.pi), s ** 2 / 4),
        sp.Abs(x): (s ** 2 * (1 - 2 / sp.pi), 0),
        sp.erf(x): (2 / sp.pi * sp.asin(2 * s ** 2 / (1 + 2 * s ** 2)), 4 * s ** 2 / (sp.pi * (1 + 2 * s ** 2))),
        sp.sin(x): ((1 - sp.exp(-2 * s ** 2)) / 2, s ** 2 * sp.exp(-s ** 2)),
        sp.cos(x): ((1 - sp.exp(-s ** 2)) ** 2 / 2, 0),
        sp.exp(x): (sp.exp(2 * s ** 2) - sp.exp(s ** 2), s ** 2 * sp.exp(s ** 2)),
        x ** 3 - 3 * x: (15 * s ** 6 - 18 * s ** 4 + 9 * s ** 2, 9 * s ** 2 * (s ** 2 - 1) ** 2),
        sp.Max(-1, sp.Min(1, x)): (
            s ** 2 * (sp.erf(1 / (s * SQ2)) - 2 / (s * sp.sqrt(2 * sp.pi)) * sp.exp(-1 / (2 * s ** 2)))
            + 1 - sp.erf(1 / (s * SQ2)), s ** 2 * sp.erf(1 / (s * SQ2)) ** 2),
        sp.Piecewise((x, x > 0), (sp.exp(x) - 1, True)): (
            s ** 2 / 2 + sp.exp(2 * s ** 2) * Phi(-2 * s) - 2 * sp.exp(s ** 2 / 2) * Phi(-s) + sp.Rational(1, 2)
            - (s / sp.sqrt(2 * sp.pi) + sp.exp(s ** 2 / 2) * Phi(-s) - sp.Rational(1, 2)) ** 2,
            s ** 2 * (sp.Rational(1, 2) + sp.exp(s ** 2 / 2) * Phi(-s)) ** 2),
    }
    gelu_mu = s ** 2 / sp.sqrt(2 * sp.pi * (1 + s ** 2))
    expected[x * Phi(x)] = (
        s ** 2 * (sp.Rational(1, 4) + sp.asin(s ** 2 / (1 + s ** 2)) / (2 * sp.pi)
                  + s ** 2 / (sp.pi * (1 + s ** 2) * sp.sqrt(1 + 2 * s ** 2))) - gelu_mu ** 2, s ** 2 / 4)
    for f, (eta_ref, zeta_ref) in expected.items():
        gm = gaussian_moments(f)
        assert gm.eta_closed_form and gm.zeta_closed_form, f
        assert same(gm.eta_expr, eta_ref), (f, gm.eta_expr)
        assert same(gm.zeta_expr, zeta_ref), (f, gm.zeta_expr)


def test_zeta_quarter_sigma_squared_by_odd_part():
    """f(x) − f(−x) = x ⇒ ζ = σ²/4 exactly (softplus, SiLU/swish), η numeric."""
    for f in (sp.log(1 + sp.exp(x)), x / (1 + sp.exp(-x)), x * (1 + sp.tanh(x / 2)) / 2):
        gm = gaussian_moments(f, sigma_w=sp.Rational(7, 5), dps=15)
        assert gm.zeta_closed_form and gm.zeta_expr == sigma ** 2 / 4
        assert close(gm.zeta.value, sp.Rational(49, 100), 18)
        assert not gm.eta_closed_form and gm.eta_method == "quadrature"
        assert gm.eta.digits >= 13


def test_leaky_relu_symbolic_slope_holds_for_all_slopes():
    gm = gaussian_moments(sp.Max(x, a * x))
    assert gm.eta_closed_form and gm.zeta_closed_form and gm.eta is None
    eta_ref = sigma ** 2 * ((1 + a ** 2) / 2 - (1 - a) ** 2 / (2 * sp.pi))
    assert sp.simplify(gm.eta_expr - eta_ref) == 0
    assert sp.simplify(gm.zeta_expr - sigma ** 2 * (1 + a) ** 2 / 4) == 0
    for slope in (sp.Integer(3), sp.Rational(-1, 2)):
        num = gaussian_moments(sp.Max(x, slope * x), sigma_w=2)
        fmp = lambda t, c=slope: max(t, c.p * t / c.q)  # noqa: E731
        mean, eta, zeta = quad_moments(fmp, 2, (0,))
        assert close(gm.eta_expr.subs({a: slope, sigma: 2}).evalf(40), eta)
        assert close(gm.zeta_expr.subs({a: slope, sigma: 2}).evalf(40), zeta)
        assert close(gm.mean_expr.subs({a: slope, sigma: 2}).evalf(40), mean)
        assert close(num.eta.value, eta)


def test_symbolic_parameters_bump_and_exp():
    gm = gaussian_moments(sp.exp(-a * x ** 2))
    assert gm.eta_closed_form and gm.zeta_expr == 0
    assert sp.simplify(gm.eta_expr - (1 / sp.sqrt(1 + 4 * a * sigma ** 2) - 1 / (1 + 2 * a * sigma ** 2))) == 0
    gm = gaussian_moments(sp.exp(a * x))
    assert sp.simplify(gm.eta_expr - (sp.exp(2 * a ** 2 * sigma ** 2) - sp.exp(a ** 2 * sigma ** 2))) == 0
    assert sp.simplify(gm.zeta_expr - a ** 2 * sigma ** 2 * sp.exp(a ** 2 * sigma ** 2)) == 0


def test_hermite_at_sigma_one():
    """He_k at s = 1: η = k!, ζ = 0 for k ≥ 2 (orthogonality)."""
    for k in range(2, 6):
        gm = gaussian_moments(sp.hermite_prob(k, x))
        assert gm.eta_closed_form
        assert gm.eta.value == sp.factorial(k) and gm.zeta.value == 0


# ------------------------------------------------------------------ identities
def test_parity():
    for f in (sp.tanh(x), sp.erf(x), sp.sin(x), x ** 3, sp.sign(x)):
        assert gaussian_moments(f).mean.value == 0
    for f in (sp.Abs(x), sp.cos(x), sp.exp(-x ** 2), x ** 2, x * sp.erf(x)):
        gm = gaussian_moments(f)
        assert gm.zeta.value == 0 and gm.zeta_expr == 0


@pytest.mark.parametrize("f", [sp.Max(x, 0), sp.erf(x), sp.tanh(x)], ids=["relu", "erf", "tanh"])
def test_scaling_multiplies_eta_zeta_by_a_squared(f):
    g1 = gaussian_moments(f, sigma_w="1.5", dps=20)
    g3 = gaussian_moments(3 * f, sigma_w="1.5", dps=20)
    with mpmath.workdps(25):
        assert abs(g3.eta.value - 9 * g1.eta.value) < 1e-17
        assert abs(g3.zeta.value - 9 * g1.zeta.value) < 1e-17


def test_sigmoid_is_shifted_tanh():
    """sigmoid = (1 + tanh(x/2))/2 ⇒ η_sigmoid(s) = η_tanh(s/2)/4, ζ likewise."""
    sig = gaussian_moments(1 / (1 + sp.exp(-x)), sigma_w="1.2", dps=20)
    th = gaussian_moments(sp.tanh(x), sigma_w="0.6", dps=20)
    assert sig.mean.value == mpmath.mpf(1) / 2 and sig.mean_closed_form
    with mpmath.workdps(25):
        assert abs(sig.eta.value - th.eta.value / 4) < 1e-17
        assert abs(sig.zeta.value - th.zeta.value / 4) < 1e-17


def test_sigma_product_and_symbolic_sigmas():
    g = gaussian_moments(sp.Max(x, 0), sigma_w=2, sigma_x="0.5")
    assert g.eta.value == gaussian_moments(sp.Max(x, 0)).eta.value
    sw, sx = sp.Symbol("sigma_w", positive=True), sp.Symbol("sigma_x", positive=True)
    from rmtsym import symbols
    g = gaussian_moments(sp.Max(x, 0), sigma_w=symbols.sigma_w, sigma_x=symbols.sigma_x)
    assert g.eta is None and g.zeta_expr == (sw * sx) ** 2 / 4


def test_gaussian_expectation_engine():
    e = gaussian_expectation(sp.erf(x) ** 2)
    assert e.closed_form and sp.simplify(e.expr - 2 / sp.pi * sp.asin(2 * sigma ** 2 / (1 + 2 * sigma ** 2))) == 0
    e = gaussian_expectation(x ** 4 * sp.exp(x), sigma="0.5", dps=40)
    # E[X⁴ e^X] for X ~ N(0, v): e^{v/2}(v⁴ + 6v³ + 3v²) at v = 1/4
    v = sp.Rational(1, 4)
    ref = sp.exp(v / 2) * (v ** 4 + 6 * v ** 3 + 3 * v ** 2)
    assert close(e.value.value, ref, 38)
    e = gaussian_expectation(sp.tanh(x) ** 2, sigma=1, dps=20)
    assert not e.closed_form and e.method == "quadrature" and e.value.digits >= 18


def test_cache_makes_repeated_calls_fast():
    f = x * (1 + sp.erf(x / SQ2)) / 2 + sp.sin(x) / 3
    gaussian_moments(f)
    t0 = time.perf_counter()
    for s in ("0.5", "0.75", "1.25", "2"):
        gm = gaussian_moments(f, sigma_w=s)
        assert gm.eta_closed_form
    # four numeric evaluations of cached closed forms: a few ms each (generous bound for a
    # loaded 2-core machine)
    assert time.perf_counter() - t0 < 1.0


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("bad", [-1, 0, "-0.5", "abc", "1e", float("nan"), float("inf"), True, "__import__('os')"])
def test_bad_sigma(bad):
    with pytest.raises(ParameterError):
        gaussian_moments(sp.tanh(x), sigma_w=bad)


@pytest.mark.parametrize("dps", [3, 0, -5, 10 ** 6, 2.5, "30"])
def test_bad_dps(dps):
    with pytest.raises(ParameterError):
        gaussian_moments(sp.tanh(x), dps=dps)


@pytest.mark.parametrize("f", [sp.exp(x ** 2), sp.exp(x ** 2 / 4), x * sp.exp(x ** 2 / 3), sp.exp(x ** 3)])
def test_not_square_integrable(f):
    with pytest.raises(ActivationError):
        gaussian_moments(f)


def test_growth_allowed_at_small_sigma():
    """exp(x²/4) is square-integrable for σ² < 1 (needs 1 − σ² > 0): E f² = 1/√(1 − σ²)."""
    gm = gaussian_moments(sp.exp(x ** 2 / 4), sigma_w="0.6")
    v = sp.Rational(9, 25)
    assert gm.eta_closed_form
    ref = 1 / sp.sqrt(1 - v) - 1 / (1 - v / 2)
    assert close(gm.eta.value, ref, 28)


@pytest.mark.parametrize("f", [sp.log(x), sp.sqrt(x), 1 / x, sp.tan(x)])
def test_not_real_or_singular(f):
    with pytest.raises(ActivationError):
        gaussian_moments(f)


def test_wrong_types():
    for bad in (3, None, [x], sp.Eq(x, 1)):
        with pytest.raises(ActivationError):
            gaussian_moments(bad)


def test_time_limit_aborts_sympy():
    import signal
    if not hasattr(signal, "setitimer"):
        pytest.skip("no SIGALRM on this platform")
    t0 = time.perf_counter()
    with pytest.raises(G._NoClosedForm):
        with G._time_limit(0.3):
            sp.integrate(sp.tanh(x) ** 2 * sp.exp(-x ** 2 / 2), (x, -sp.oo, sp.oo))
    assert time.perf_counter() - t0 < 5


# ------------------------------------------------------------------ held-out activations
# Not used while developing the engine (added at the end, never tuned on): η and ζ must agree
# with the independent quadrature to 25 digits at dps 30.
HELD_OUT = {
    "relu_sq": (sp.Max(x, 0) ** 2, lambda t: max(t, 0) ** 2, (0,)),
    "abs_cubed": (sp.Abs(x) ** 3, lambda t: abs(t) ** 3, (0,)),
    "x_abs": (x * sp.Abs(x), lambda t: t * abs(t), (0,)),
    "relu_minus_half": (sp.Max(x - sp.Rational(1, 2), 0), lambda t: max(t - 0.5, 0), (sp.Rational(1, 2),)),
    "shifted_step": (sp.Heaviside(x - 1), lambda t: 1 if t > 1 else 0, (1,)),
    "clip_0_2": (sp.Min(sp.Max(x, 0), 2), lambda t: min(max(t, 0), 2), (0, 2)),
    "sin_plus_cos": (sp.sin(2 * x) + sp.cos(x / 3), lambda t: mpmath.sin(2 * t) + mpmath.cos(t / 3), ()),
    "sin_times_x": (x * sp.sin(x), lambda t: t * mpmath.sin(t), ()),
    "cos_times_bump": (sp.cos(x) * sp.exp(-x ** 2), lambda t: mpmath.cos(t) * mpmath.exp(-t * t), ()),
    "sinh": (sp.sinh(x / 2), lambda t: mpmath.sinh(t / 2), ()),
    "cosh_bump": (sp.cosh(x) * sp.exp(-x ** 2 / 2), lambda t: mpmath.cosh(t) * mpmath.exp(-t * t / 2), ()),
    "erf_scaled": (sp.erf(3 * x) - x / 4, lambda t: mpmath.erf(3 * t) - t / 4, ()),
    "erfc_shift": (sp.erfc(x), mpmath.erfc, ()),
    "erf_times_x2": (x ** 2 * sp.erf(x / 2), lambda t: t * t * mpmath.erf(t / 2), ()),
    "gelu_plus_relu": (x * (1 + sp.erf(x / SQ2)) / 2 - sp.Max(x, 0) / 3,
                       lambda t: t * mpmath.ncdf(t) - max(t, 0) / 3, (0,)),
    "elu_a2": (sp.Piecewise((x, x >= 0), (2 * (sp.exp(x) - 1), True)),
               lambda t: t if t >= 0 else 2 * mpmath.expm1(t), (0,)),
    "selu_like": (sp.Piecewise((x, x > 0), (sp.exp(x / 2) - 1, True)) * sp.Rational(21, 20),
                  lambda t: mpmath.mpf(21) / 20 * (t if t > 0 else mpmath.expm1(t / 2)), (0,)),
    "abs_minus_mean": (sp.Abs(x) - sp.sqrt(2 / sp.pi), lambda t: abs(t) - mpmath.sqrt(2 / mpmath.pi), (0,)),
    "sign_times_x2": (sp.sign(x) * x ** 2, lambda t: mpmath.sign(t) * t * t, (0,)),
    "pw_f2": (sp.sin(2 * x) + sp.cos(3 * x / 2) - 2 * sp.exp(-2) * x - sp.exp(-sp.Rational(9, 8)),
              lambda t: mpmath.sin(2 * t) + mpmath.cos(1.5 * t) - 2 * mpmath.exp(-2) * t - mpmath.exp(-1.125), ()),
    "hermite5": (sp.hermite_prob(5, x), lambda t: t ** 5 - 10 * t ** 3 + 15 * t, ()),
    "bump_times_erf": (sp.exp(-x ** 2) * sp.erf(x), lambda t: mpmath.exp(-t * t) * mpmath.erf(t), ()),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(HELD_OUT))
def test_held_out_activations(name):
    f, fmp, kinks = HELD_OUT[name]
    for s in (sp.Integer(1), sp.Rational(7, 10)):
        gm = gaussian_moments(f, sigma_w=s, dps=30)
        mean, eta, zeta = quad_moments(fmp, s, kinks, dps=40)
        assert close(gm.eta.value, eta, 25), (name, s, gm.eta, eta, gm.eta_method)
        assert close(gm.zeta.value, zeta, 25), (name, s, gm.zeta, zeta, gm.zeta_method)
        assert close(gm.mean.value, mean, 25), (name, s, gm.mean, mean)


# ------------------------------------------------------------------ activations from text
REQUIRED_SHORTCUTS = ["linear", "relu", "leaky_relu", "leaky_relu(0.1)", "abs", "Heaviside(x)", "sign(x)",
                      "hard_tanh", "erf", "gelu", "elu", "sin(x)", "cos(x)", "exp(x/2)", "exp(a*x)",
                      "exp(-a*x**2)", "x*exp(-x**2/2)", "x**3 - 2*x**2 + 1", "hermite(3)", "hermite(6)",
                      "relu + sin(x)/2", "x*erf(x)", "erf(x) + sin(x)"]
FAST_SHORTCUTS = ["leaky_relu", "hermite(3)", "exp(a*x)", "elu", "hard_tanh", "gelu"]


@pytest.mark.parametrize("spec", [s if s in FAST_SHORTCUTS else pytest.param(s, marks=pytest.mark.slow)
                                  for s in REQUIRED_SHORTCUTS])
def test_required_closed_forms_found_from_text(spec):
    gm = gaussian_moments(spec)
    assert gm.eta_closed_form and gm.zeta_closed_form and gm.mean_closed_form, spec
    if not gm.eta_expr.free_symbols - {sigma}:
        # the number agrees with the closed form evaluated independently by SymPy
        assert close(gm.eta.value, gm.eta_expr.subs(sigma, 1), 28)
        assert close(gm.zeta.value, gm.zeta_expr.subs(sigma, 1), 28)


@pytest.mark.parametrize("spec", ["tanh", "sigmoid", "softplus", "silu", "swish"])
def test_numeric_shortcuts_from_text(spec):
    gm = gaussian_moments(spec, dps=15)
    assert not gm.eta_closed_form and gm.eta_method == "quadrature" and gm.eta.digits >= 13
    assert gm.as_json()["eta_latex"] is None
    assert gm.zeta_closed_form == (spec in ("softplus", "silu", "swish"))


def test_activation_object_and_json():
    from rmtsym.activation import parse_activation
    act = parse_activation("Max(x, a*x)").subs({"a": "0.2"})
    gm = gaussian_moments(act, sigma_w="1.5", dps=20)
    d = gm.as_json()
    assert d["eta_closed_form"] and d["zeta"] == "0.81000000000000000000"  # (1.5·1.2)²/4
    assert d["eta_digits"] == 20 and d["eta_method"] == "closed form"
    assert d["sigma_w"] == "3/2" and d["params"] == []


def test_fast_oscillation_keeps_closed_form():
    """sin(1000x): the double-precision self-check is inconclusive and must not discard
    the exact η = (1 − e^{−2·10⁶ σ²})/2."""
    gm = gaussian_moments(sp.sin(1000 * x))
    assert gm.eta_closed_form and close(gm.eta.value, sp.Rational(1, 2), 28)


def test_kinks_found_numerically_for_quadrature():
    """|sin x| has kinks at kπ (not found exactly): they are located numerically, and η
    agrees with an independent quadrature split at kπ to 25 digits."""
    gm = gaussian_moments(sp.Abs(sp.sin(x)), dps=30)
    assert gm.eta_method == "quadrature" and gm.eta.digits >= 25
    with mpmath.workdps(40):
        kinks = [k * mpmath.pi for k in range(-6, 7)]
    mean, eta, zeta = quad_moments(lambda t: abs(mpmath.sin(t)), 1, [sp.Float(str(k), 40) for k in kinks])
    assert close(gm.eta.value, eta, 25) and close(gm.mean.value, mean, 25)


def test_quadrature_time_limit(monkeypatch):
    from rmtsym.errors import ComputationTimeout
    monkeypatch.setattr(G, "QUAD_TIME_LIMIT", 0.5)
    t0 = time.perf_counter()
    with pytest.raises(ComputationTimeout):
        gaussian_moments(sp.atan(x) + sp.tanh(x) / 3, dps=400)
    assert time.perf_counter() - t0 < 30


def test_unknown_sympy_function():
    with pytest.raises(ActivationError):
        gaussian_moments(sp.Function("g")(x))
    with pytest.raises(ActivationError):
        gaussian_moments(sp.gamma(x))


# ---------------------------------------------------------------------------
# the table of known closed forms (gaussian/known_forms.py) cannot drift from the engine
# ---------------------------------------------------------------------------

from rmtsym.gaussian import known_forms as _KF  # noqa: E402


@pytest.mark.parametrize("name", sorted(_KF.ENTRIES))
def test_known_forms_equal_the_search(name):
    """Each tabulated (mean, η, ζ, conditions, notes) is exactly what the closed-form search
    (with its quadrature self-check) returns for the shortcut, and the table's key is the
    shortcut's expression, so ``gaussian_moments`` hits it."""
    from rmtsym.activation import parse_activation
    from rmtsym.gaussian.moments import _search_moments

    key, build = _KF.ENTRIES[name]
    forms = build()
    f = sp.sympify(parse_activation(name).expr)
    assert sp.srepr(f) == key
    assert _KF.known_moments(sp.srepr(f)) == forms
    G.clear_cache()
    searched = _search_moments(f, G.DEFAULT_TIME_LIMIT)
    assert len(searched) == len(forms)
    for got, want in zip(searched, forms):
        assert got == want
        assert sp.srepr(got) == sp.srepr(want)
    gm = gaussian_moments(name)
    for attr, want in zip(("mean_expr", "eta_expr", "zeta_expr"), forms[:3]):
        assert getattr(gm, attr) == want
    assert gm.notes == forms[4]


def test_known_forms_only_for_the_exact_expression():
    """A nearby expression (a numeric slope, a scaled input) is not in the table."""
    from rmtsym.activation import parse_activation

    for spec in ("leaky_relu(0.1)", "relu(2*x)", "max(x, 0) + 0*x**2 + x/7"):
        f = sp.sympify(parse_activation(spec).expr)
        assert _KF.known_moments(sp.srepr(f)) is None
