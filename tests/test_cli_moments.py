"""CLI tests of ``rmtsym moments`` through ``rmtsym.cli.main`` (JSON output, errors)."""
import json
import time

import mpmath
import pytest

from rmtsym.cli import main


def run(capsys, *argv):
    t0 = time.perf_counter()
    code = main(list(argv))
    elapsed = time.perf_counter() - t0
    out, err = capsys.readouterr()
    return code, out, err, elapsed


def run_json(capsys, *argv):
    code, out, err, _ = run(capsys, "moments", *argv, "--json")
    assert code == 0, err
    assert err == ""
    return json.loads(out)


def test_relu_json_closed_form(capsys):
    d = run_json(capsys, "relu", "--dps", "25")
    assert d["activation"] == "relu"
    assert d["eta_closed_form"] is True and d["zeta_closed_form"] is True
    # η = (π − 1)/(2π), ζ = 1/4 at σ = 1 (docs/theory.md §6), 25 significant digits
    with mpmath.workdps(40):
        ref = (mpmath.pi - 1) / (2 * mpmath.pi)
        assert abs(mpmath.mpf(d["eta"]) - ref) < mpmath.mpf(10) ** -25
    assert d["eta"].startswith("0.3408450569081046642311")
    assert len(d["eta"].replace("0.", "", 1)) == 25
    assert d["zeta"].startswith("0.25") and d["eta_digits"] == 25
    assert d["eta_latex"] and d["zeta_latex"] == "\\frac{\\sigma^{2}}{4}"
    assert d["eta_method"] == "closed form"
    for key in ("sigma_w", "sigma_x", "mean"):
        assert key in d


def test_tanh_json_numeric(capsys):
    d = run_json(capsys, "tanh(x)", "--dps", "15", "--sigma-w", "2", "--sigma-x", "0.5")
    assert d["eta_closed_form"] is False and d["eta_latex"] is None
    assert d["eta_method"] == "quadrature" and d["eta_digits"] >= 13
    assert d["mean"] == "0"
    assert abs(float(d["eta"]) - 0.3942944904) < 1e-10  # docs/theory.md §6, σ = 2·0.5 = 1
    assert abs(float(d["zeta"]) - 0.3668791644) < 1e-10


def test_softplus_zeta_exact(capsys):
    d = run_json(capsys, "softplus", "--dps", "12", "--sigma-w", "3")
    assert d["zeta_closed_form"] is True and d["zeta_expr"] == "sigma**2/4"
    assert float(d["zeta"]) == 2.25
    assert d["eta_closed_form"] is False


def test_free_parameter_gives_expressions(capsys):
    d = run_json(capsys, "leaky_relu")
    assert d["eta"] is None and d["zeta"] is None and d["mean"] is None
    assert d["params"] == ["a"]
    assert d["zeta_expr"] == "sigma**2*(a + 1)**2/4"
    assert "a" in d["eta_expr"] and d["eta_closed_form"] is True


def test_parameter_values(capsys):
    d = run_json(capsys, "Max(x, a*x)", "--params", "a=0.1", "--dps", "20")
    assert d["zeta"] == "0.30250000000000000000"
    assert abs(float(d["eta"]) - 0.3760844961) < 1e-10


def test_text_output(capsys):
    code, out, err, _ = run(capsys, "moments", "erf")
    assert code == 0 and "eta " in out and "asin" in out and "None" not in out


@pytest.mark.parametrize("argv, words", [
    (["foo(x)"], "foo"),
    (["__import__('os').system('echo pwned')"], ""),
    (["x.__class__"], "attribute"),
    (["lambda: 1"], "lambda"),
    (["exp(x**2)"], ""),
    (["x + y", "--params", "a"], "y"),
    (["relu", "--sigma-w", "-1"], "sigma_w"),
    (["relu", "--sigma-x", "0"], "sigma_x"),
    (["relu", "--sigma-w", "abc"], "sigma_w"),
    (["relu", "--dps", "3"], "dps"),
    (["relu", "--dps", "x"], ""),
    (["Max(x, a*x)", "--params", "a=abc"], "a"),
    (["relu", "--params", "b=1"], "b"),
    ([""], ""),
    (["log(x)"], ""),
])
def test_errors_exit_2_one_line(capsys, argv, words):
    code, out, err, elapsed = run(capsys, "moments", *argv, "--json")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rmtsym: error:")
    assert "Traceback" not in err and "internal error" not in err
    assert words in lines[0]
    assert elapsed < 30  # nothing hangs


def test_dps_range_and_precision(capsys):
    d = run_json(capsys, "sin", "--dps", "60")
    with mpmath.workdps(70):
        ref = (1 - mpmath.exp(-2)) / 2
        assert abs(mpmath.mpf(d["eta"]) - ref) < mpmath.mpf(10) ** -59


def test_selu_tiny_mean_text_is_short_and_explained(capsys):
    # SELU's mean vanishes at sigma = 1 only for its exact constants; with the shortcut's
    # 31-digit lambda, alpha it is -1.2015e-32 (checked by direct quadrature at 60 digits).
    # --json keeps every digit; the text shows 2 digits and says why it is not 0
    d = run_json(capsys, "selu")
    with mpmath.workdps(40):
        assert abs(mpmath.mpf(d["mean"]) + mpmath.mpf("1.2014841457817363433364e-32")) < 1e-53
    rc, out = run(capsys, "moments", "selu")[:2]
    assert rc == 0
    line = [l for l in out.splitlines() if l.strip().startswith("mean")][0]
    assert line.split()[3] == "-1.2e-32"
    assert "not 0" in out and "--json" in out
    # an exact zero stays "0" and gets no such note; a mean of normal size is untouched
    rc, out = run(capsys, "moments", "tanh")[:2]
    assert [l for l in out.splitlines() if l.strip().startswith("mean")][0].split()[3] == "0"
    assert "not 0" not in out
    rc, out = run(capsys, "moments", "selu", "--sigma-w", "1.3")[:2]
    assert "0.0620566892806537565648844459571" in out and "not 0" not in out
