"""Tests of ``rmtsym sample`` and ``rmtsym validate``: JSON payloads, exit codes, figures."""
import json
import math

import numpy as np
import pytest

from rmtsym.cli import main
from rmtsym.sampler import sample_eigenvalues


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sample_json(capsys):
    code, out, err = run(capsys, "sample", "tanh", "--phi", "2", "--psi", "1/2", "--n0", "20",
                         "--seeds", "3", "--seed", "5", "--json")
    assert code == 0 and err == ""
    d = json.loads(out)
    assert d["sizes"] == {"n0": 20, "n1": 40, "m": 10, "phi": 2.0, "psi": 0.5, "requested_phi": 2.0,
                          "requested_psi": 0.5, "seeds": 3}
    eigs = np.array(d["eigenvalues"])
    assert eigs.size == 120 and np.all(np.diff(eigs) >= 0)
    assert np.sum(eigs == 0.0) == 3 * 30  # rank m = 10 of each 40×40 M
    ref = sample_eigenvalues("tanh", 2, 0.5, 20, seeds=3, seed=5)
    np.testing.assert_allclose(eigs, ref.pooled)
    per = ref.eigenvalues
    assert d["moments"]["m2"] == pytest.approx(np.mean(per ** 2))
    se = np.std((per ** 2).mean(axis=1), ddof=1) / math.sqrt(3)
    assert d["moments_se"]["m2"] == pytest.approx(se)
    assert d["centered"] is True and d["center"] == 0.0


def test_sample_single_seed_has_no_standard_error_and_text_output(capsys):
    code, out, _ = run(capsys, "sample", "relu", "--phi", "1", "--psi", "1", "--n0", "10", "--json")
    assert code == 0 and json.loads(out)["moments_se"]["m1"] is None
    code, out, _ = run(capsys, "sample", "relu", "--phi", "1", "--psi", "1", "--n0", "30")
    assert code == 0 and "eigenvalues  30 (min" in out and "None" not in out


def test_sample_no_center_leaves_the_mean_spike(capsys):
    # relu: μ0 = 1/√(2π); uncentred, M has one eigenvalue ≈ n1 μ0² = 15.9 (docs/theory.md §1.3)
    code, out, _ = run(capsys, "sample", "relu", "--phi", "1", "--psi", "1", "--n0", "100",
                       "--no-center", "--json")
    d = json.loads(out)
    assert code == 0 and d["centered"] is False and d["center"] == 0.0
    assert d["eigenvalues"][-1] == pytest.approx(100 / (2 * math.pi), rel=0.15)


def test_sample_entries_and_sigmas(capsys):
    code, out, _ = run(capsys, "sample", "x", "--phi", "1", "--psi", "1", "--n0", "40", "--seeds", "4",
                       "--entries", "rademacher", "--sigma-w", "2", "--sigma-x", "1/2", "--json")
    d = json.loads(out)
    assert code == 0 and d["entries"] == "rademacher" and d["sigma_w"] == 2.0 and d["sigma_x"] == 0.5
    # f(x) = x: E m1 = σw²σx² = 1 exactly; 5 standard errors
    assert abs(d["moments"]["m1"] - 1.0) < 5 * d["moments_se"]["m1"]
    assert d["method"] == "direct"  # Bartlett's reduction needs Gaussian entries


@pytest.mark.parametrize("method, used", [("auto", "bartlett"), ("bartlett", "bartlett"),
                                          ("direct", "direct")])
def test_sample_method(capsys, method, used):
    code, out, _ = run(capsys, "sample", "tanh", "--phi", "1", "--psi", "2", "--n0", "30",
                       "--seed", "2", "--method", method, "--json")
    d = json.loads(out)
    assert code == 0 and d["method"] == used
    ref = sample_eigenvalues("tanh", 1, 2, 30, seed=2, method=used)
    np.testing.assert_allclose(d["eigenvalues"], ref.pooled)


@pytest.mark.parametrize("argv, fragment", [
    (["--n0", "0"], "n0 must be at least 1"),
    (["--n0", "2.5"], "whole number"),
    (["--n0", "-3"], "at least 1"),
    (["--n0", "ten"], "whole number"),
    (["--n0", "10", "--seeds", "0"], "--seeds must be at least 1"),
    (["--n0", "10", "--seed", "-1"], "--seed must be at least 0"),
    (["--n0", "1", "--psi", "3"], "n1 = round"),
    (["--n0", "10", "--phi", "0"], "phi must be"),
    (["--n0", "10", "--phi", "1/0"], "phi must be"),
    (["--n0", "10", "--entries", "cauchy"], "invalid choice"),
    (["--n0", "10", "--method", "fast"], "invalid choice"),
    (["--n0", "10", "--entries", "uniform", "--method", "bartlett"], "needs Gaussian W and X"),
    (["--n0", "10", "--sigma-w", "-1"], "sigma_w must be"),
])
def test_sample_bad_arguments_exit_2_with_one_sentence(capsys, argv, fragment):
    base = ["sample", "tanh", "--phi", "1", "--psi", "1"]
    # later options override the defaults above (argparse keeps the last value)
    code, out, err = run(capsys, *(base + argv + ["--json"]))
    assert code == 2 and out == ""
    assert err.startswith("rmtsym: error: ") and err.count("\n") == 1
    assert fragment in err
    assert "Traceback" not in err


def test_sample_rejects_unsafe_activation_text(capsys):
    code, out, err = run(capsys, "sample", "__import__('os').system('true')", "--phi", "1", "--psi",
                         "1", "--n0", "5", "--json")
    assert code == 2 and out == "" and "Traceback" not in err


def test_validate_json_and_plot(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    fig = tmp_path / "relu.png"
    code, out, err = run(capsys, "validate", "relu", "--phi", "2", "--psi", "1/2", "--n0", "150",
                         "--seeds", "2", "--plot", str(fig), "--json")
    assert code == 0 and err == ""
    d = json.loads(out)
    assert d["verdict"] == "pass"
    assert d["tolerance"] == pytest.approx(0.02 * 1000 / 75)  # min(n0, n1, m) = m = 75
    assert 0 <= d["kolmogorov"] <= d["tolerance"]
    assert d["atoms"] == [[0.0, pytest.approx(0.75)]] and d["empirical_atom_mass"] == [0.75]
    assert set(d["edges"]) == {"lower", "upper"} and "count" in d["outliers"]
    assert d["moments"]["m1"] == pytest.approx(d["law_moments"]["m1"], rel=0.03)
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and d["plot"] == str(fig)


def test_validate_tolerance_and_failures(capsys, tmp_path):
    code, out, _ = run(capsys, "validate", "tanh", "--phi", "1", "--psi", "1", "--n0", "60",
                       "--seeds", "2", "--tolerance", "1e-6", "--json")
    d = json.loads(out)
    # a failed verdict is a result, not a usage error
    assert code == 0 and d["verdict"] == "fail" and d["tolerance"] == 1e-6
    code, out, err = run(capsys, "validate", "tanh", "--phi", "1", "--psi", "1", "--n0", "60",
                         "--plot", str(tmp_path / "f.jpg"), "--json")
    assert code == 2 and out == "" and ".png" in err
    code, out, err = run(capsys, "validate", "tanh", "--phi", "1", "--psi", "1", "--n0", "60",
                         "--tolerance", "2", "--json")
    assert code == 2 and "--tolerance" in err
    code, out, err = run(capsys, "validate", "tanh", "--phi", "1", "--psi", "1", "--n0", "6.5")
    assert code == 2 and "whole number" in err


def test_validate_extrapolation(capsys):
    code, out, _ = run(capsys, "validate", "x", "--phi", "1", "--psi", "2", "--n0", "40", "--seeds", "4",
                       "--extrapolate", "20,40,80", "--json")
    d = json.loads(out)
    assert code == 0 and [e["k"] for e in d["extrapolation"]] == [1, 2, 3]
    for e in d["extrapolation"]:
        assert e["sizes"] == [20, 40, 80] and len(e["values"]) == 3
        # linear f: m1 = 1, m2 = η²(1 + φ/ψ) + ζ²/ψ = 2 (docs/theory.md §1.6); intercept within 5 se
        assert abs(e["z_score"]) < 5
    assert d["extrapolation"][1]["law"] == pytest.approx(2.0)
    code, out, err = run(capsys, "validate", "x", "--phi", "1", "--psi", "2", "--n0", "40",
                         "--extrapolate", "20,20", "--json")
    assert code == 2 and "--extrapolate" in err
