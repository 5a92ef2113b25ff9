"""``rmtsym generalization``: JSON keys, curves, simulation, figure, and one-sentence errors."""
import json
import os

import numpy as np
import pytest

from rmtsym.cli import main


def _run(capsys, *argv):
    rc = main(["generalization", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _json(capsys, *argv):
    rc, out, err = _run(capsys, *argv, "--json")
    assert rc == 0, err
    assert out.count("\n") == 1  # exactly one JSON object
    return json.loads(out)


def test_module_constants():
    from rmtsym.cli import generalization as g
    assert g.SECTION == "generalization" and g.ORDER == 1


def test_single_point_json(capsys):
    js = _json(capsys, "relu", "--psi1", "1.5", "--psi2", "2", "--ridge", "0.01", "--noise", "0.2",
               "--nonlinear-target", "0.1", "--dps", "25")
    for key in ("test_risk", "bias", "variance", "train_error", "coefficients", "regime", "conventions",
                "limits", "lambda_bar", "bias_term", "variance_term", "method", "digits"):
        assert key in js
    assert isinstance(js["test_risk"], str) and len(js["test_risk"].replace(".", "")) >= 25
    r, b, v = (float(js[k]) for k in ("test_risk", "bias", "variance"))
    assert abs(r - (b + 0.3 * v + 0.1)) < 1e-12
    c = js["coefficients"]
    assert c["zeta2_exact"] == "pi/(-2 + pi)" and c["mu1_exact"] == "1/2"
    assert "not Pennington-Worah" in js["conventions"]["zeta"]
    assert "(N lambda/d)" in js["conventions"]["ridge"]


def test_curve_keys_are_lists_in_grid_order(capsys):
    js = _json(capsys, "tanh", "--psi1", "0.5,1,2", "--psi2", "1.5", "--ridge", "0.001,0.1", "--dps", "15")
    assert len(js["test_risk"]) == 6 and len(js["train_error"]) == 6
    assert [float(v) for v in js["psi1"]] == [0.5, 1, 2, 0.5, 1, 2]
    assert [float(v) for v in js["ridge"]] == [0.001] * 3 + [0.1] * 3
    assert "limits" not in js
    js2 = _json(capsys, "tanh", "--psi1", "0.5:2:4", "--psi2", "1.5", "--ridge", "0.1", "--dps", "15")
    assert np.allclose([float(v) for v in js2["psi1"]], [0.5, 1.0, 1.5, 2.0])


def test_params_are_substituted(capsys):
    js = _json(capsys, "Max(x, a*x)", "--params", "a=0.1", "--psi1", "1", "--psi2", "2", "--ridge", "0.1",
               "--dps", "15")
    assert abs(float(js["coefficients"]["mu1"]) - 0.55) < 1e-12
    rc, _, err = _run(capsys, "Max(x, a*x)", "--psi1", "1", "--psi2", "2", "--ridge", "0.1")
    assert rc == 2 and "free parameters" in err


def test_text_output(capsys):
    rc, out, err = _run(capsys, "relu", "--psi1", "1.5", "--psi2", "2", "--ridge", "0.01")
    assert rc == 0 and out.startswith("generalization of random-feature ridge regression")
    assert "test risk R" in out and "train error" in out and "None" not in out


def test_simulation_and_plot(capsys, tmp_path, single_thread_blas):
    fig = tmp_path / "dd.png"
    js = _json(capsys, "relu", "--psi1", "0.5,3", "--psi2", "1.5", "--ridge", "0.1", "--dps", "15",
               "--simulate", "--d", "40", "--seeds", "3", "--plot", str(fig))
    sim = js["simulated"]
    assert len(sim["test_risk"]) == 2 and len(sim["test_risk_se"]) == 2 and sim["d"] == 40
    assert fig.stat().st_size > 10_000 and js["plot"] == str(fig)
    # small d: within 4 se plus a generous finite-size allowance of 8/d
    th = np.array([float(v) for v in js["test_risk"]])
    assert np.all(np.abs(np.array(sim["test_risk"]) - th) <= 4 * np.array(sim["test_risk_se"]) + 8 / 40)


@pytest.mark.parametrize("argv,fragment", [
    (["--psi1=-1", "--psi2", "1", "--ridge", "0.1"], "psi1 must be positive"),
    (["--psi1", "0", "--psi2", "1", "--ridge", "0.1"], "psi1 must be positive"),
    (["--psi1", "1", "--psi2", "nan", "--ridge", "0.1"], "finite"),
    (["--psi1", "1", "--psi2", "1", "--ridge=-0.1"], "ridge must be non-negative"),
    (["--psi1", "1", "--psi2", "1", "--ridge", "0.1", "--noise=-1"], "noise"),
    (["--psi1", "1", "--psi2", "1", "--ridge", "inf"], "finite"),
    (["--psi1", "1", "--psi2", "1", "--ridge", "0.1", "--simulate"], "--d"),
    (["--psi1", "1", "--psi2", "1", "--ridge", "0.1", "--d", "50"], "--simulate"),
    (["--psi1", "1", "--psi2", "1", "--ridge", "0.1", "--simulate", "--d", "100000"], "GiB"),
    (["--psi1", "1", "--psi2", "1", "--ridge", "0.1", "--dps", "2"], "precision"),
    (["--psi1", "1:2", "--psi2", "1", "--ridge", "0.1"], "lo:hi:count"),
])
def test_bad_input_is_one_sentence_exit_2(capsys, argv, fragment):
    rc, out, err = _run(capsys, "relu", *argv, "--json")
    assert rc == 2 and out == ""
    assert err.startswith("rmtsym: error:") and err.count("\n") == 1 and "Traceback" not in err
    assert fragment in err


def test_affine_activation_is_refused(capsys):
    rc, _, err = _run(capsys, "2*x + 1", "--psi1", "1", "--psi2", "1", "--ridge", "0.1")
    assert rc == 2 and "affine" in err


def test_plot_into_missing_folder_creates_nothing(capsys, tmp_path):
    target = tmp_path / "missing" / "dd.png"
    rc, _, err = _run(capsys, "relu", "--psi1", "1,2", "--psi2", "1", "--ridge", "0.1", "--plot", str(target))
    assert rc == 2 and "folder" in err
    assert not (tmp_path / "missing").exists()
    rc, _, err = _run(capsys, "relu", "--psi1", "1,2", "--psi2", "1", "--ridge", "0.1",
                      "--plot", str(tmp_path / "dd.txt"))
    assert rc == 2 and os.listdir(tmp_path) == []


def test_ridgeless_threshold_is_infinite(capsys):
    js = _json(capsys, "relu", "--psi1", "1", "--psi2", "1", "--ridge", "0", "--dps", "15")
    assert js["test_risk"] == "+inf" and js["train_error"] == "0"
    assert any("diverges" in n for n in js["notes"])


def test_text_states_the_zeta_identity_with_its_square(capsys):
    # zeta_MM = mu1/mu* and zeta_MM^2 = zeta_PW/(eta_PW - zeta_PW): the text once printed the
    # right-hand side next to zeta_MM itself, without the square
    rc, out, err = _run(capsys, "relu", "--psi1", "2", "--psi2", "3", "--ridge", "0.1")
    assert rc == 0, err
    line = [l for l in out.splitlines() if "zeta_MM" in l][0]
    assert "zeta_MM^2 = zeta_PW/(eta_PW - zeta_PW)" in line
    assert line.count("(") == line.count(")")
    # and the identity holds for the printed zeta_MM against rmtsym moments' PW moments
    zeta_mm = float(line.split("zeta_MM = mu1/mu* =")[1].split()[0])
    assert main(["moments", "relu", "--json"]) == 0
    m = json.loads(capsys.readouterr()[0])
    eta, zeta = float(m["eta"]), float(m["zeta"])
    assert zeta_mm ** 2 == pytest.approx(zeta / (eta - zeta), rel=1e-7)
