"""The shortcut activations selu, mish, relu6, softsign, hard_sigmoid, swish: their formulas
and Gaussian moments, checked against an independent quadrature (scipy.integrate.quad of the
formula written out in numpy, breakpoints at the kinks); and the error for an unknown word."""
import math

import numpy as np
import pytest
from scipy import integrate

from rmtsym.activation import parse_activation
from rmtsym.errors import ActivationError
from rmtsym.gaussian import gaussian_moments

LAM, ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717

# the published definitions, written independently of rmtsym's SymPy forms
REFERENCE = {
    "selu": (lambda x: LAM * np.where(x > 0, x, ALPHA * np.expm1(np.minimum(x, 0))), [0.0]),
    "mish": (lambda x: x * np.tanh(np.logaddexp(0, x)), []),
    "relu6": (lambda x: np.clip(x, 0, 6), [0.0, 6.0]),
    "softsign": (lambda x: x / (1 + np.abs(x)), [0.0]),
    "hard_sigmoid": (lambda x: np.clip(x / 6 + 0.5, 0, 1), [-3.0, 3.0]),
    "swish": (lambda x: x / (1 + np.exp(-x)), []),
}


def _gauss(g, s, kinks):
    """E g(sZ) by adaptive quadrature on [-12, 12] cut at the kinks (in z = x/s)."""
    pts = sorted(k / s for k in kinks if abs(k / s) < 12)
    edges = [-12.0] + pts + [12.0]
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        total += integrate.quad(lambda z: g(z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), a, b,
                                epsabs=1e-14, epsrel=1e-13, limit=200)[0]
    return total


@pytest.mark.parametrize("name", sorted(REFERENCE))
@pytest.mark.parametrize("s", [1.0, 2.5])
def test_shortcut_moments_against_independent_quadrature(name, s):
    f, kinks = REFERENCE[name]
    act = parse_activation(name)
    xs = np.linspace(-7, 7, 57)
    assert np.allclose(act.numpy_function()(xs), f(xs), rtol=1e-14, atol=1e-14)
    mu = _gauss(lambda z: f(s * z), s, kinks)
    eta = _gauss(lambda z: f(s * z) ** 2, s, kinks) - mu ** 2
    zeta = _gauss(lambda z: z * f(s * z), s, kinks) ** 2
    gm = gaussian_moments(act, sigma_w=s, dps=20)
    # double-precision quadrature: agreement to ~1e-11 relative is all it can certify
    assert abs(float(gm.mean.value) - mu) < 1e-11 * (1 + abs(mu))
    assert abs(float(gm.eta.value) - eta) < 1e-11 * (1 + eta)
    assert abs(float(gm.zeta.value) - zeta) < 1e-11 * (1 + zeta)


def test_known_identities_of_the_new_shortcuts():
    # x·g(x) with g(x) + g(−x) = 1 has zeta = s²/4 exactly (swish); SELU is self-normalising
    # at s = 1: mean ≈ 0 and E f² ≈ 1 (to the 1e-6 of the paper's rounded constants)
    gm = gaussian_moments(parse_activation("swish"), sigma_w=3)
    assert gm.zeta_closed_form and abs(float(gm.zeta.value) - 9 / 4) < 1e-25
    gm = gaussian_moments(parse_activation("selu"))
    assert abs(float(gm.mean.value)) < 1e-6 and abs(float(gm.eta.value) - 1) < 1e-6
    # hard_sigmoid is relu6(x + 3)/6
    a, b = parse_activation("hard_sigmoid"), parse_activation("relu6(x + 3)/6")
    xs = np.linspace(-8, 8, 33)
    assert np.allclose(a.numpy_function()(xs), b.numpy_function()(xs))


@pytest.mark.parametrize("word,suggested", [("selu2", "selu"), ("Relu", "relu"), ("misch", "mish"),
                                             ("softsing", "softsign"), ("hard_sigmod", "hard_sigmoid")])
def test_unknown_word_is_named_with_the_closest_shortcut(word, suggested):
    with pytest.raises(ActivationError) as exc:
        parse_activation(word)
    msg = str(exc.value)
    assert repr(word) in msg and f"did you mean {suggested!r}" in msg and "\n" not in msg


def test_unknown_function_suggests_and_parameters_still_work():
    with pytest.raises(ActivationError, match="did you mean 'tanh'"):
        parse_activation("tanhh(x)")
    assert parse_activation("a*x + x**2").params  # a bare parameter inside a formula is fine
    with pytest.raises(ActivationError, match="does not depend on x"):
        parse_activation("a", params=["a"])  # a declared parameter alone is a constant
