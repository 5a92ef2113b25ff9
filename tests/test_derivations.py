"""The derivation scripts run in their fast mode and write their figures and notes.

They are imported and called in-process (``main(argv)``), so the library is imported once;
each writes into a temporary folder.
"""
import importlib.util
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DERIVATIONS = os.path.join(os.path.dirname(HERE), "derivations")


def _load(name):
    spec = importlib.util.spec_from_file_location(f"derivation_{name}", os.path.join(DERIVATIONS, f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(name, tmp_path):
    out = tmp_path / name
    res = _load(name).main(["--fast", "--out", str(out)])
    note = (out / "note.md").read_text(encoding="utf-8")
    assert "FAST" in note
    assert json.loads((out / "results.json").read_text())["fast"] is True
    return out, res, note


def test_spectra_fast(tmp_path):
    out, res, note = _run("spectra", tmp_path)
    assert (out / "spectra.png").stat().st_size > 10_000
    mp = [v for k, v in res["activations"].items() if "ζ = 0" in k][0]
    assert mp["case"] == "marchenko-pastur"
    # the law of the ζ = 0 activation is the closed-form MP density (double-precision path)
    assert mp["max_abs_diff_to_closed_form_mp"] < 1e-8
    # n1 = 120: every Kolmogorov distance is a finite-size number, far from a wrong law (> 0.1)
    assert all(v["ks"] < 0.06 for v in res["activations"].values())


def test_memorization_fast(tmp_path):
    out, res, note = _run("memorization", tmp_path)
    assert (out / "memorization_gamma.png").exists() and (out / "memorization_ratio.png").exists()
    assert res["monotone_in_zeta_over_eta"] is True
    # reference values of docs/theory.md §1.7 are rounded to 4 digits
    assert res["reference_max_abs_diff"] < 1e-4
    # n0 = 50: simulation within 25 % (finite-size O(1/n0) corrections at n1 = m = 100)
    assert all(v["max_rel_diff"] < 0.25 for v in res["activations"].values())


def test_layers_fast(tmp_path):
    out, res, note = _run("layers", tmp_path)
    assert (out / "layers_spectra.png").exists() and (out / "layers_variance.png").exists()
    assert res["zeta0_max_abs_var_change_theory"] < 1e-12
    tanh = res["activations"]["tanh"]["per_layer"]
    assert tanh[-1]["var_theory"] > tanh[0]["var_theory"] + 0.5  # spreading
    # n0 = 150, one network: second moments within 15 % (1/n corrections, one draw)
    for act in res["activations"].values():
        for lay in act["per_layer"]:
            assert abs(lay["m2_sim"] - lay["m2_theory"]) < 0.15 * lay["m2_theory"]


def test_activation_table_fast(tmp_path, pdflatex_available):
    out, res, note = _run("activation_table", tmp_path)
    assert res["max_abs_diff_to_reference"] < 1e-10
    tex = (out / "activation_table.tex").read_text()
    assert r"\frac{4 \sigma^{2}}{\pi \left(2 \sigma^{2} + 1\right)}" in tex  # ζ of erf
    assert "numeric, 30 digits" in tex  # tanh has no closed form
    from rmtsym.export import latex as L
    if not pdflatex_available:
        return
    pdf, log = L.compile_pdf(tex, str(out), "compiled")
    assert os.path.getsize(pdf) > 1000


def test_finite_size_moments_fast(tmp_path):
    out = tmp_path / "finite_size_moments"
    _load("finite_size_moments").main(["--fast", "--out", str(out)])
    assert (out / "note.md").exists() and (out / "results.json").exists()


def test_double_descent_fast(tmp_path):
    out, res, note = _run("double_descent", tmp_path)
    assert (out / "double_descent.png").stat().st_size > 20_000
    # the peak of the risk sits at the interpolation threshold psi1 = psi2 = 2 (grid 0.1 ... 10)
    for act in res["activations"].values():
        assert abs(act["peak_psi1_at_lambda_1e-3"] - 2.0) < 0.15
    assert res["peak_grows_with_noise"] is True
    # d = 40, 2 draws: a smoke check only (the standard errors of 2 draws are themselves rough)
    assert res["max_abs_z"] < 30


def test_loss_surfaces_fast(tmp_path):
    out, res, note = _run("loss_surfaces", tmp_path)
    for fig in ("model_sweep.png", "three_halves.png", "index_energy.png", "spectra.png", "freeness.png",
                "minimizers.png"):
        assert (out / fig).stat().st_size > 10_000
    # the model: published ε_c digits (rounded to 6), GOE + Wishart at n = 300 (4 draws: ±0.01)
    assert res["model"]["ec_max_abs_diff_to_published"] < 5e-7
    assert res["model"]["simulation_max_abs_diff"] < 0.01
    # the network experiment runs end to end at three values of φ, each with a critical point
    # of non-zero index (‖∇L‖ ≤ 1e-10)
    phis = res["network"]["phis"]
    assert len(phis) >= 3 and all(e["nonzero_index"] >= 1 for e in phis)
    assert all(p["grad_norm"] <= 1e-10 for e in phis for p in e["points"])
    assert len(res["minimizers"]["phis"]) >= 3
    assert "What agrees with the paper" in note


def test_phase_diagram_fast(tmp_path):
    if not os.environ.get("CI"):  # the sweep's dependencies come with the test extra (CI)
        import pytest
        pytest.importorskip("pandas")
        pytest.importorskip("distributed")
    out, res, note = _run("phase_diagram", tmp_path)
    assert (out / "phase_diagram_signal.png").stat().st_size > 20_000
    assert (out / "phase_diagram_memorization.png").exists()
    tanh, relu = res["signal"]["tanh"], res["signal"]["relu"]
    # tanh has both phases on the grid; its critical line starts at σw² = 1 when σb = 0
    assert tanh["phases"].get("ordered", 0) > 0 and tanh["phases"].get("chaotic", 0) > 0
    assert tanh["critical_line"][0] == [1.0, 0.0]
    # the χ1 = 1 contour of a 3-point σw² axis: linear interpolation over cells of width 1.75
    assert tanh["max_abs_diff_contour_vs_independent_line"] < 1.0
    # ordered phase: c* = 1 and ξ_c = −1/log χ1 (15-digit decimals)
    assert tanh["max_abs_xi_c_identity_ordered"] < 1e-10 and relu["max_abs_xi_c_identity_ordered"] < 1e-10
    # ReLU: χ1 = σw²/2 exactly; the σw² > 2 points are error rows, not a stopped sweep
    assert relu["max_abs_chi1_minus_sigma_w2_over_2"] < 1e-14
    assert relu["error_rows_where_sigma_w2_above_2"] is True and relu["errors"] > 0
    mem = res["surfaces"]["memorization"]
    assert mem["monotone_in_gamma"] and mem["limit_column_matches"] and mem["errors"] == 0
    # γ = 1e-3: E_train(γ) − E_train(0) = O(γ) away from the threshold φ = ψ
    assert mem["max_abs_diff_to_small_gamma_limit_away_from_phi_eq_psi"] < 1e-2
    # the test-risk surface (12 × 12, log grids): double descent at ψ1 = ψ2, removed by the ridge
    gen = res["surfaces"]["generalization"]
    assert (out / "phase_diagram_generalization.png").exists() and gen["errors"] == 0
    assert gen["peak_at_threshold"] and gen["largest_ridge_has_no_peak"]
    assert gen["approaches_psi1_inf_limit"]


def test_field_theory_fast(tmp_path):
    out, res, note = _run("field_theory", tmp_path)
    for fig in ("covariance_along_depth.png", "fourier_spectrum.png", "breakdown.png"):
        assert (out / fig).stat().st_size > 20_000
    cov = res["covariance"]
    assert cov["linear"]["method"] == "exact" and cov["ReLU"]["method"] == "exact"
    assert cov["tanh"]["method"] == "gaussian"
    # 4000 networks: every covariance entry within 4.5 standard errors plus the stated error
    assert all(v["within_se_plus_error"] for v in cov.values())
    four = res["fourier"]
    assert four["linear"]["slope"] == 1.0 and four["tanh"]["slope"] < 1
    # tanh's lattice modes are uncorrelated in simulated networks (sampling noise ~1/√4000 = 0.016)
    assert four["tanh"]["max_abs_mode_correlation"] < 0.08
    bd = res["breakdown"]
    # first order: exact at depth 1; off by (L − 1)/n-like terms for linear, worse for ReLU
    assert bd["linear"][0]["relative_error"] < 1e-12
    assert bd["ReLU"][-1]["relative_error"] > bd["linear"][-1]["relative_error"] > 0.5
    assert bd["tanh σw=1.5"][-1]["relative_error"] < 0.01


def test_deep_jacobians_fast(tmp_path):
    out, res, note = _run("deep_jacobians", tmp_path)
    assert (out / "universality.png").stat().st_size > 20_000 and (out / "isometry.png").stat().st_size > 20_000
    u = res["universality"]
    # the heavy-tailed control (E w⁴ = ∞) pushes its largest eigenvalue furthest beyond the edge
    assert u["student-t:3"]["top_over_edge_max"] == max(v["top_over_edge_max"] for v in u.values())
    assert all(v["kolmogorov"] < 0.05 for k, v in u.items() if k != "student-t:3")
    iso = res["isometry"]
    # orthogonal weights: the normalised variance falls as q* → 0; Gaussian weights keep it near L
    assert iso["orthogonal q*=0.0625"]["normalized_variance"] < 0.1 * iso["orthogonal q*=0.5"]["normalized_variance"]
    assert iso["gaussian q*=0.0625"]["normalized_variance"] > 3


def test_nngp_digits_fast(tmp_path):
    import pytest
    pytest.importorskip("sklearn")  # the "data" extra (in the test extra, so CI runs it)
    out, res, note = _run("nngp_digits", tmp_path)
    for fig in ("nngp_phase.png", "width_convergence.png", "uncertainty.png"):
        assert (out / fig).stat().st_size > 10_000
    # NNGP classification by regression works on 100 digits at every grid point
    assert res["phase"]["best"]["accuracy"] > 0.85
    # σb = 0: the order–chaos line of tanh is σw² = 1 exactly
    assert res["phase"]["critical_sigma_w2"][0] == 1.0
    # (2) the trained networks approach the NTK prediction as the width grows: the relative
    # difference falls with width (O(width^-1/2); 30 digits, 2 networks per width)
    d = [r["rel_rms_diff"] for r in res["width"]["rows"]]
    assert d[0] > d[1] > d[2] and -0.8 < res["width"]["loglog_slope"] < -0.3
    # (3) the predictive variance is positively correlated with the squared error
    assert res["uncertainty"]["spearman_variance_sq_error"] > 0.2
