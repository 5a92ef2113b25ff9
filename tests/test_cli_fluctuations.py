"""``rmtsym fluctuations``: JSON keys, methods, simulation, and one-sentence errors (exit 2)."""
import json
import math

import pytest

from rmtsym.cli import main

SQRT2 = "1.4142135623730951"


def _json(capsys, argv):
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_exact_relu_json(capsys):
    out = _json(capsys, ["fluctuations", "relu", "--width", "100", "--depth", "4", "--sigma-w", SQRT2,
                         "--sigma-b", "0"])
    assert out["method"] == "exact" and out["regime"] in ("fixed point", "transient")
    assert len(out["mean"]) == 4 and len(out["covariance"]) == 4 and len(out["covariance"][0]) == 4
    # n Var q^l = 400[(1.05)^{l−1}(1.02) − 1]; first order would say 8, 28, 48, 68
    for l in range(1, 5):
        assert 100 * float(out["covariance"][l - 1][l - 1]) == pytest.approx(400 * (1.05 ** (l - 1) * 1.02 - 1), rel=1e-12)
    assert out["correlation_length"] == "inf"
    assert float(out["first_order_relative_error"]) == pytest.approx(1 - 68 / 72.31, rel=1e-3)
    assert out["network"]["widths"] == [100] * 5


def test_gaussian_tanh_json_with_simulation(capsys):
    out = _json(capsys, ["fluctuations", "tanh", "--width", "100", "--depth", "5", "--sigma-w", "1.5",
                         "--sigma-b", "0.1", "--input-mean-square", "2", "--simulate", "--networks", "4000",
                         "--seed", "3"])
    assert out["method"] == "gaussian" and out["regime"] == "transient"
    assert float(out["input_mean_square"]) == 2 and float(out["mean_field"][0]) == pytest.approx(1.5 ** 2 * 2 + 0.01)
    assert len(out["error_estimate"]) == 5
    sim = out["simulated"]
    assert sim["networks"] == 4000 and len(sim["covariance"]) == 5 and len(sim["covariance_se"]) == 5
    for l in range(5):
        se = sim["covariance_se"][l][l]
        err = float(out["error_estimate"][l][l])
        assert abs(sim["covariance"][l][l] - float(out["covariance"][l][l])) <= 4.5 * se + err


def test_fixed_point_adds_the_field_theory(capsys):
    out = _json(capsys, ["fluctuations", "tanh", "--width", "50", "--depth", "6", "--sigma-w", "1.5",
                         "--fixed-point"])
    assert out["regime"] == "fixed point"
    ft = out["field_theory"]
    assert 0 < ft["slope"] < 1 and ft["correlation_length"] == pytest.approx(-1 / math.log(ft["slope"]))
    assert float(out["correlation_length"]) == pytest.approx(ft["correlation_length"], rel=1e-12)
    assert len(ft["mode_wavenumbers"]) == 6


def test_widths_weights_and_params(capsys):
    out = _json(capsys, ["fluctuations", "leaky_relu", "--params", "a=0.1", "--widths", "30,40,50",
                         "--depth", "2", "--sigma-b", "0.2"])
    assert out["method"] == "exact"
    out = _json(capsys, ["fluctuations", "relu", "--width", "30", "--depth", "2", "--weights", "rademacher"])
    assert out["method"] == "gaussian" and any("rademacher" in n for n in out["notes"])
    out = _json(capsys, ["fluctuations", "relu", "--width", "30", "--depth", "2", "--weights", "orthogonal",
                         "--method", "gaussian"])
    assert out["method"] == "gaussian"


def test_text_output(capsys):
    assert main(["fluctuations", "relu", "--width", "20", "--depth", "3", "--sigma-w", SQRT2, "--simulate",
                 "--networks", "200"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("q^l = |h^l|^2/n_l of relu") and "method: exact" in text
    assert "sim Var q^l" in text and "None" not in text


@pytest.mark.parametrize("argv,words", [
    (["tanh", "--depth", "3"], "width"),
    (["tanh", "--depth", "3", "--width", "10", "--method", "exact"], "exact level does not apply"),
    (["tanh", "--depth", "3", "--width", "10", "--input-mean-square", "-1"], "mean square"),
    (["tanh", "--depth", "3", "--width", "0"], "--width"),
    (["tanh", "--depth", "3", "--width", "3000", "--weights", "uniform", "--simulate", "--networks", "100000"],
     "random numbers"),
    (["tanh", "--depth", "3", "--width", "10", "--simulate", "--networks", "1"], "--networks"),
    (["tanh", "--depth", "3", "--width", "10", "--weights", "student-t:3"], "student-t"),
    (["relu", "--depth", "2", "--width", "10", "--sigma-w", "2", "--fixed-point"], "fixed point"),
    (["x +", "--depth", "2", "--width", "10"], ""),
])
def test_bad_input_is_one_sentence_exit_2(capsys, tmp_path, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    assert main(["fluctuations"] + argv) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err.count("\n") == 1 and "Traceback" not in cap.err
    assert words.lower() in cap.err.lower()
    assert list(tmp_path.iterdir()) == []


def test_pair_of_inputs(capsys):
    out = _json(capsys, ["fluctuations", "tanh", "--width", "100", "--depth", "3", "--sigma-w", "1.5",
                         "--cosine", "0.5", "--simulate", "--networks", "3000"])
    pair = out["pair"]
    assert pair["method"] == "gaussian" and len(pair["covariance"]) == 9 and len(pair["correlation_mean"]) == 3
    sim = pair["simulated"]
    for l in range(3):
        assert abs(sim["correlation_mean"][l] - pair["correlation_mean"][l]) <= 4.5 * sim["correlation_mean_se"][l]
        se = sim["correlation_covariance_se"][l][l]
        assert abs(sim["correlation_covariance"][l][l] - pair["correlation_covariance"][l][l]) <= \
            4.5 * se + pair["correlation_error_estimate"][l][l]
    # the first length alone is the one-input result
    assert pair["covariance"][3][3] == pytest.approx(float(out["covariance"][1][1]), rel=1e-6)
    assert main(["fluctuations", "tanh", "--width", "10", "--depth", "2", "--cosine", "1"]) == 2
