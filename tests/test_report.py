"""Tests of rmtsym.export.report and the ``rmtsym report`` command."""
import json
import math
import os
import re

import pytest

from rmtsym.cli import main
from rmtsym.export import latex as L
from rmtsym.export.report import build_report, render_markdown, render_tex

#: five activations covering every branch: numeric η, ζ (tanh), closed forms (relu, erf),
#: ζ = 0 → Marchenko–Pastur (abs), η = ζ → product Wishart (x); both sides of φ = ψ
CASES = [("tanh", 2, "1/2"), ("relu", "1/2", 1), ("erf", 1, 1), ("abs", "1/2", 1), ("x", "1/2", "1/4")]


@pytest.fixture(scope="module")
def reports():
    return {act: build_report(act, phi, psi, dps=20, gammas=("0.01", "1")) for act, phi, psi in CASES}


def _balanced_dollars(md: str) -> bool:
    return md.replace(r"\$", "").count("$") % 2 == 0


def test_cases_and_numbers(reports):
    assert reports["tanh"].case == "general"
    assert reports["abs"].case == "marchenko-pastur"
    assert reports["x"].case == "product-wishart"
    for act, data in reports.items():
        # m1 = η (docs/theory.md §1.6), and the exact moments agree with the moments of the solved
        # density (Gauss–Legendre on ρ plus atoms), an independent route: 1e-8 relative
        assert abs(float(data.moment_values[0].value) - float(data.gm.eta.value)) < 1e-15
        for v, d in zip(data.moment_values, data.moment_density):
            assert abs(float(v.value) - d) <= 1e-8 * abs(d), act
        assert all(0 <= float(v.value) <= 1 for v in data.losses)


def test_mp_report_edges_closed_form(reports):
    data = reports["abs"]
    eta, c = 1 - 2 / math.pi, 0.5  # |x| at σ = 1: η = 1 − 2/π, c = φ/ψ
    (a, b), = data.intervals
    assert abs(float(a) - eta * (1 - math.sqrt(c)) ** 2) < 1e-12
    assert abs(float(b) - eta * (1 + math.sqrt(c)) ** 2) < 1e-12
    assert data.atoms == []


def test_linear_atom(reports):
    # f = x, φ = 1/2, ψ = 1/4: rank limited by n0 and m; mass max(0, 1 − ψ/φ, 1 − ψ) = 3/4
    (x0, w), = reports["x"].atoms
    assert float(x0) == 0 and abs(float(w) - 0.75) < 1e-12


def test_tex_is_ascii_and_complete(reports):
    for act, data in reports.items():
        tex = render_tex(data)
        assert all(ord(ch) < 128 for ch in tex), act
        assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
        for section in ("Setup and conventions", "Gaussian moments", "The spectral equation",
                        "Special case", "Support and atoms", "Moments", "Memorization"):
            assert section in tex
        assert "includegraphics" not in tex  # no figures asked for
    assert "numeric, 25 digits" in render_tex(reports["tanh"])
    assert r"\text{Marchenko--Pastur}" in render_tex(reports["abs"])


def test_markdown_renders_on_github(reports):
    for act, data in reports.items():
        md = render_markdown(data)
        assert _balanced_dollars(md), act
        envs = set(re.findall(r"\\begin\{([a-z*]+)\}", md))
        assert envs <= {"aligned"}, envs
        # every display block sits on its own lines
        assert all(line.strip() == "$$" for line in md.splitlines() if line.strip().startswith("$$"))
        assert "| k | m_k" in md


@pytest.mark.latex
def test_reports_compile(reports, tmp_path, require_pdflatex):
    for act, data in reports.items():
        pdf, log = L.compile_pdf(render_tex(data), str(tmp_path), f"report_{act}")
        assert os.path.getsize(pdf) > 5000
        assert max(L.overfull_boxes(log), default=0.0) < 5.0, (act, L.overfull_boxes(log))


def test_cli_json_writes_file(tmp_path, capsys):
    out = tmp_path / "abs.md"
    rc = main(["report", "abs", "--phi", "1/2", "--psi", "1", "--output", str(out), "--gamma", "0.1", "--json"])
    assert rc == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["paths"] == [str(out)] and payload["format"] == "md"
    assert payload["summary"]["case"] == "marchenko-pastur"
    assert payload["summary"]["gamma"] == ["0.1"]
    assert _balanced_dollars(out.read_text())


def test_cli_figures(tmp_path, capsys):
    out = tmp_path / "r.tex"
    rc = main(["report", "abs", "--phi", "1/2", "--psi", "1", "--output", str(out), "--figures",
               "--n0", "60", "--seeds", "2", "--gamma", "0.1,1", "--json"])
    assert rc == 0
    payload = json.loads(capsys.readouterr().out)
    paths = payload["paths"]
    assert len(paths) == 3 and all(os.path.exists(p) for p in paths)
    assert paths[1].endswith("r_density.png") and paths[2].endswith("r_memorization.png")
    tex = out.read_text()
    assert r"\includegraphics[width=0.85\textwidth]{r_density.png}" in tex
    # Kolmogorov distance of 120 eigenvalues (n1 = 60·… ) is a finite-size number below 0.1
    assert 0 < payload["summary"]["kolmogorov_distance"] < 0.1


def test_cli_errors(tmp_path, capsys):
    assert main(["report", "abs", "--phi", "1", "--psi", "1", "--figures", "--json"]) == 2
    assert "--figures needs --output" in capsys.readouterr().err
    assert main(["report", "abs", "--phi", "-1", "--psi", "1", "--json"]) == 2
    assert main(["report", "abs", "--phi", "1", "--psi", "1", "--output", str(tmp_path / "a.docx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "Traceback" not in err


def test_cli_sigma_scales(capsys):
    # ReLU at σ = σw σx = 2: η = σ²(π−1)/(2π), ζ = σ²/4 (docs/theory.md §6), and
    # m2 = η²(1 + φ/ψ) + ζ²/ψ (docs/theory.md §1.6) at φ = ψ = 1
    assert main(["report", "relu", "--phi", "1", "--psi", "1", "--sigma-w", "2", "--gamma", "1", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)["summary"]
    eta, zeta = 4 * (math.pi - 1) / (2 * math.pi), 1.0
    assert abs(float(s["eta"]) - eta) < 1e-13 and abs(float(s["zeta"]) - zeta) < 1e-13
    assert abs(float(s["moments"][1]) - (2 * eta**2 + zeta**2)) < 1e-12
