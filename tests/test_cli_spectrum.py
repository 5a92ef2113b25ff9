"""CLI tests for ``rmtsym spectrum | pdf | cdf`` (JSON payloads and one-line errors)."""
import json
import math

import pytest

from rmtsym.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_spectrum_json_eta_zeta(capsys):
    code, out, err = run(capsys, "spectrum", "--eta", "0.34085", "--zeta", "0.25", "--phi", "2",
                         "--psi", "0.5", "--json")
    assert code == 0 and err == ""
    d = json.loads(out)
    for key in ("eta", "zeta", "support", "atoms", "moments", "equation", "equation_latex", "case"):
        assert key in d
    assert d["case"] == "general"
    (a, b), = d["support"]
    assert len(a.replace(".", "").lstrip("0")) >= 30  # 30 significant digits
    assert 0.2074 < float(a) < 0.2075 and 4.387 < float(b) < 4.388
    (x0, mass), = d["atoms"]
    assert float(x0) == 0 and float(mass) == 0.75
    m = d["moments"]
    assert sorted(m) == [f"m{k}" for k in range(1, 7)]
    assert float(m["m1"]) == 0.34085  # m1 = η
    e, z_, f, p = 0.34085, 0.25, 2, 0.5
    assert math.isclose(float(m["m2"]), e**2 * (1 + f / p) + z_**2 / p, rel_tol=1e-15)
    assert "G**4" in d["equation"] and "G^{4}" in d["equation_latex"]


def test_spectrum_special_cases(capsys):
    code, out, _ = run(capsys, "spectrum", "--eta", "2", "--zeta", "0", "--phi", "1", "--psi", "1", "--json")
    d = json.loads(out)
    assert code == 0 and d["case"] == "marchenko-pastur"
    (a, b), = d["support"]
    assert float(a) == 0 and abs(float(b) - 8) < 1e-25  # η(1 + √c)² with c = 1
    code, out, _ = run(capsys, "spectrum", "--eta", "1", "--zeta", "1", "--phi", "2", "--psi", "0.5",
                       "--json", "--dps", "15")
    d = json.loads(out)
    assert d["case"] == "product-wishart" and float(d["moments"]["m2"]) == 1 + 4 + 2


def test_pdf_and_cdf_json(capsys):
    code, out, _ = run(capsys, "pdf", "--eta", "0.34085", "--zeta", "0.25", "--phi", "2", "--psi", "0.5",
                       "--at", "0.1,1,2", "--dps", "20", "--json")
    d = json.loads(out)
    assert code == 0 and d["x"] == ["0.1", "1", "2"]
    assert d["pdf"][0] == "0" and d["pdf"][1].startswith("0.1026745066285124332")
    code, out, _ = run(capsys, "cdf", "--eta", "0.34085", "--zeta", "0.25", "--phi", "2", "--psi", "0.5",
                       "--at=-1,0,0.1,10", "--dps", "15", "--json")
    d = json.loads(out)
    assert code == 0 and [float(v) for v in d["cdf"]] == [0.0, 0.75, 0.75, 1.0]


def test_text_output(capsys):
    code, out, _ = run(capsys, "pdf", "--eta", "1", "--zeta", "0.5", "--phi", "1", "--psi", "1", "--at", "1")
    assert code == 0 and "pdf(1)" in out and "None" not in out and "{" not in out
    code, out, _ = run(capsys, "spectrum", "relu", "--phi", "2", "--psi", "0.5")
    # a human summary: support and atom first, the equation exactly once, no reprs
    assert code == 0 and out.count("G^4") == 1 and "[[" not in out and "None" not in out
    assert out.splitlines()[1].split()[0] == "support" and "atom" in out.splitlines()[2]


@pytest.mark.parametrize("argv,word", [
    (["spectrum", "--eta", "0.2", "--zeta", "0.25", "--phi", "2", "--psi", "0.5"], "eta"),
    (["spectrum", "--eta", "1", "--zeta", "0.25", "--phi", "-2", "--psi", "0.5"], "phi"),
    (["spectrum", "--eta", "1", "--zeta", "0.25", "--phi", "2", "--psi", "0"], "psi"),
    (["spectrum", "--eta", "nan", "--zeta", "0.25", "--phi", "2", "--psi", "0.5"], "eta"),
    (["spectrum", "--eta", "1", "--zeta", "-1", "--phi", "2", "--psi", "0.5"], "zeta"),
    (["spectrum", "--eta", "1", "--phi", "2", "--psi", "0.5"], "--zeta"),
    (["spectrum", "--phi", "2", "--psi", "0.5"], "activation"),
    (["spectrum", "tanh", "--eta", "1", "--zeta", "0.5", "--phi", "2", "--psi", "0.5"], "not both"),
    (["pdf", "--eta", "1", "--zeta", "0.5", "--phi", "2", "--psi", "0.5", "--at", "1,x"], "--at"),
    (["spectrum", "--eta", "1", "--zeta", "0.5", "--phi", "2", "--psi", "0.5", "--dps", "2"], "dps"),
])
def test_errors_are_one_line_exit_2(capsys, argv, word):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("rmtsym: error:") and word in err
    assert "Traceback" not in err


def test_spectrum_from_activation(capsys):
    """relu: η = (π − 1)/(2π), ζ = 1/4 exactly (docs/theory.md §6); needs rmtsym.activation."""
    pytest.importorskip("rmtsym.activation")
    code, out, err = run(capsys, "spectrum", "relu", "--phi", "2", "--psi", "0.5", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["eta"].startswith("0.3408450569081046642") and float(d["zeta"]) == 0.25
    assert d["moments"]["m1"] == d["eta"]
    (x0, mass), = d["atoms"]
    assert float(mass) == 0.75
