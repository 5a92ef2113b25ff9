"""CLI of the kernel commands (rmtsym/cli/kernels.py): nngp and gp."""
import json
import math
import os

import numpy as np
import pytest

from rmtsym.cli import main


def _run(argv, capsys):
    rc = main(argv)
    out = capsys.readouterr()
    return rc, (json.loads(out.out) if rc == 0 and "--json" in argv else out)


def test_nngp_from_files_both_formats(tmp_path, capsys):
    X = np.random.default_rng(0).standard_normal((7, 5))
    np.save(tmp_path / "X.npy", X)
    np.savetxt(tmp_path / "X.csv", X, delimiter=",")
    out = tmp_path / "K.npy"
    rc, d = _run(["nngp", "relu", "--inputs", str(tmp_path / "X.npy"), "--depth", "3", "--sigma-w", "1.4",
                  "--sigma-b", "0.1", "--kernel", "ntk", "--output", str(out), "--json"], capsys)
    assert rc == 0 and d["kernel_name"] == "ntk" and d["n_inputs"] == 7 and "arc-cosine" in d["method"]
    K = np.load(out)
    assert np.allclose(K, d["kernel"], rtol=0, atol=0) and K.shape == (7, 7)
    rc, d2 = _run(["nngp", "relu", "--inputs", str(tmp_path / "X.csv"), "--depth", "3", "--sigma-w", "1.4",
                   "--sigma-b", "0.1", "--kernel", "ntk", "--json"], capsys)
    assert rc == 0 and np.max(np.abs(np.array(d2["kernel"]) - K)) < 1e-13
    # text output: headline first, no None
    rc, o = _run(["nngp", "tanh", "--inputs", "1,0;0.6,0.8", "--depth", "2", "--params", ""], capsys)
    assert rc == 2
    rc, o = _run(["nngp", "leaky_relu(a)", "--params", "a=0.2", "--inputs", "1,0;0.6,0.8", "--depth", "2"], capsys)
    assert rc == 0 and o.out.startswith("kernel") and "None" not in o.out


def test_nngp_cos_angle_and_per_layer_scales(capsys):
    rc, d = _run(["nngp", "erf", "--depth", "1", "--sigma-w", "1.3", "--cos-angle", "0.5", "--json"], capsys)
    # one erf layer then the read-out Dense: K12 = σw²·(2/π) arcsin(2c/(1+2q)) with q = σw², c = σw²/2
    q, c = 1.69, 1.69 * 0.5
    assert rc == 0 and d["kernel"][0][1] == pytest.approx(1.69 * 2 / math.pi * math.asin(2 * c / (1 + 2 * q)), abs=1e-14)
    rc, d = _run(["nngp", "tanh; relu", "--depth", "2", "--sigma-w", "1.2,1.5,1", "--inputs", "1,0;0,1",
                  "--json"], capsys)
    assert rc == 0 and d["network"]["activation"][:2] == ["tanh", "relu"]


def test_gp_command(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X, Xt = rng.standard_normal((40, 3)), rng.standard_normal((15, 3))
    lab, labt = (X[:, 0] > 0).astype(int), (Xt[:, 0] > 0).astype(int)
    Y, Yt = np.eye(2)[lab] - 0.1, np.eye(2)[labt] - 0.1
    for name, A in (("X", X), ("Y", Y), ("Xt", Xt), ("Yt", Yt)):
        np.save(tmp_path / f"{name}.npy", A)
    out = tmp_path / "mean.csv"
    argv = ["gp", "erf", "--train", str(tmp_path / "X.npy"), str(tmp_path / "Y.npy"), "--test",
            str(tmp_path / "Xt.npy"), "--test-targets", str(tmp_path / "Yt.npy"), "--depth", "2",
            "--noise", "0.01", "--output", str(out), "--json"]
    rc, d = _run(argv, capsys)
    assert rc == 0 and 0 <= d["test_error"] <= 0.4 and d["test_accuracy"] == 1 - d["test_error"]
    assert isinstance(d["log_marginal_likelihood"], float) and np.loadtxt(out, delimiter=",").shape == (15, 2)
    # the mean written equals the library's posterior
    from rmtsym.networks.kernels.gp import gp_posterior
    from rmtsym.networks.kernels.recursion import kernel_matrices
    from rmtsym.networks.model import Network
    net = Network.build("erf", 2, readout=True)
    a, c = kernel_matrices(net, X, ntk=False), kernel_matrices(net, Xt, X, ntk=False)
    g = gp_posterior(a.nngp, c.nngp, c.nngp_diag1, Y, 0.01)
    assert np.max(np.abs(np.loadtxt(out, delimiter=",") - g.mean)) < 1e-12
    assert d["log_marginal_likelihood"] == pytest.approx(g.log_marginal_likelihood, rel=1e-12)
    rc, d = _run(argv[:-3] + ["--kernel", "ntk", "--json"], capsys)
    assert rc == 0 and d["kernel"] == "ntk" and "test_error" in d
    rc, o = _run(argv[:-3], capsys)
    assert rc == 0 and o.out.startswith("test error")


def test_hostile_inputs_exit_2_and_write_nothing(tmp_path, capsys, monkeypatch):
    X = np.random.default_rng(0).standard_normal((6, 3))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Y.npy", X[:, :2])
    bad = X.copy()
    bad[2, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    (tmp_path / "bad.csv").write_text("1,2,3\n4,five,6\n")
    np.save(tmp_path / "Y5.npy", X[:5, :2])
    np.save(tmp_path / "X4.npy", np.ones((3, 4)))
    out = tmp_path / "out.npy"
    gp = ["gp", "tanh", "--depth", "2", "--output", str(out), "--json"]
    cases = [
        ["nngp", "tanh", "--depth", "2", "--inputs", str(tmp_path / "missing.npy"), "--output", str(out)],
        ["nngp", "tanh", "--depth", "2", "--inputs", str(tmp_path / "bad.csv"), "--output", str(out)],
        ["nngp", "tanh", "--depth", "2", "--inputs", str(tmp_path / "nan.npy"), "--output", str(out)],
        ["nngp", "tanh", "--depth", "2", "--inputs", str(tmp_path / "X.npy"), "--output", str(tmp_path / "no" / "K.npy")],
        ["nngp", "sign(x)", "--depth", "2", "--inputs", str(tmp_path / "X.npy"), "--kernel", "ntk", "--output", str(out)],
        gp + ["--train", str(tmp_path / "X.npy"), str(tmp_path / "Y5.npy"), "--test", str(tmp_path / "X.npy")],
        gp + ["--train", str(tmp_path / "X.npy"), str(tmp_path / "Y.npy"), "--test", str(tmp_path / "X4.npy")],
        gp + ["--train", str(tmp_path / "X.npy"), str(tmp_path / "Y.npy"), "--test", str(tmp_path / "X.npy"),
              "--noise", "-1"],
    ]
    for argv in cases:
        rc, o = _run(argv, capsys)
        assert rc == 2 and o.err.count("\n") == 1 and "Traceback" not in o.err and not o.out.strip(), argv
        assert not out.exists() and not (tmp_path / "no").exists()
    # a Gram that would not fit in memory is refused before anything is allocated
    import rmtsym.networks.simulate as sim
    monkeypatch.setattr(sim, "available_memory", lambda: 1000)
    rc, o = _run(["nngp", "tanh", "--depth", "2", "--inputs", str(tmp_path / "X.npy"), "--output", str(out)], capsys)
    assert rc == 2 and "memory" in o.err and not out.exists()
