#!/usr/bin/env python3
"""Pennington & Bahri (ICML 2017) on the model and on real networks.

Question. Pennington & Bahri, "Geometry of neural network loss surfaces via random matrix
theory" (ICML 2017, PMLR 70:2798–2806) model the Hessian at a critical point of energy ε as
MP_φ ⊞ SC(2ε) and derive the index α(ε, φ), the critical energy ε_c(φ) and the 3/2 law;
they observe that minimizers of a memorization task have energy ≈ ½(1 − φ)². How much of
this holds on an actual network?

Method.
1. Model: :func:`rmtsym.applications.loss_surface.model.model_sweep` (cubic + quadrature)
   checked against GOE + Wishart matrices; ε_c against the published six-digit values; the
   3/2 law (closed-form prefactor α0, exponent fits).
2. Network: ŷ = B tanh(Ax/√n0)/√n1, n0 = n1 = k = N, squared loss L = ‖e‖²/(2km) on
   Gaussian inputs and targets, φ = n/(km). Critical points by Levenberg–Marquardt on ‖∇L‖²
   with the exact Hessian (:mod:`~rmtsym.applications.loss_surface.critical_points`); index
   against energy against α(ε, φ) raw, with a fitted energy scale κ, and at the measured
   ε_eff = τ(H1²)/(2τ(H0)²); spectra against the law; freeness (H vs H0 + QH1Qᵀ).
3. Minimizers: damped-Newton training at several φ; energies against ½(1 − φ)² and ½(1 − φ).

Usage::

    python derivations/loss_surfaces.py [--fast] [--out DIR] [--seed S]
"""
from __future__ import annotations

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

import numpy as np  # noqa: E402

NAME = "loss_surfaces"
#: the six-digit critical energies quoted for the paper's formula
PUBLISHED_EC = {0.1: 0.083435, 0.25: 0.043510, 0.5: 0.011271, 0.75: 0.001266}
MODEL_PHIS = [0.1, 0.25, 0.5, 0.75, 1.5]
MODEL_EPS = [0.0, 0.01, 0.05, 0.1, 0.3]
NET_PHIS = [0.25, 0.5, 0.75]


def _f(x, d=4):
    return "nan" if x is None or not np.isfinite(x) else f"{x:.{d}f}"


def model_part(args, out, results, note):
    from rmtsym.applications.loss_surface import model as M
    from rmtsym.export.hessian_figures import plot_model_sweep, plot_three_halves
    sweep = M.model_sweep(MODEL_PHIS, MODEL_EPS)
    plot_model_sweep(sweep.curves, sweep.densities, path=os.path.join(out, "model_sweep.png"),
                     critical_energies={r["phi"]: r["critical_energy"] for r in sweep.rows},
                     points=[(r["phi"], r["epsilon"], r["index"]) for r in sweep.rows])
    # ε_c: closed form, edge condition, published digits
    ec_rows, ec_max = [], 0.0
    for p, pub in PUBLISHED_EC.items():
        closed = M.critical_energy_float(p)
        edge = float(M.critical_energy_edge(str(p), 30).value)
        ec_max = max(ec_max, abs(closed - pub))
        ec_rows.append([p, f"{pub:.6f}", f"{closed:.9f}", f"{edge:.9f}", f"{M.alpha0(p):.6f}"])
    # 3/2 law figure and fits
    curves, lines, fit_rows = {}, {}, []
    r = np.geomspace(1e-4, 1.0, 40)
    for p in [0.1, 0.25, 0.5, 0.75]:
        ec = M.critical_energy_float(p)
        curves[p] = (r, np.array([M.index_float(p, ec * (1 + x)) for x in r]))
        lines[p] = (r, M.alpha0(p) * r ** 1.5)
        f2, f0 = sweep.fits[p] if p in sweep.fits else (M.exponent_fit(p), M.exponent_fit(p, corrections=0))
        fit_rows.append([p, f"{f2.exponent:.7f} [{f2.ci95[0]:.7f}, {f2.ci95[1]:.7f}]",
                         f"{f0.exponent:.4f} [{f0.ci95[0]:.4f}, {f0.ci95[1]:.4f}]",
                         f"{f2.alpha0_fit:.6f}", f"{f2.alpha0_exact:.6f}"])
    plot_three_halves(curves, lines, path=os.path.join(out, "three_halves.png"))
    # GOE + Wishart simulation of the table
    n = 300 if args.fast else 2000
    sim_rows, sim_max = [], 0.0
    for p, e in [(0.25, 0.1), (0.5, 0.05), (0.5, 0.3), (0.75, 0.01), (1.5, 0.05)]:
        th = M.index_float(p, e)
        draws = [np.mean(M.sample_hessian_eigenvalues(p, e, n, seed=args.seed + s) < 0) for s in range(4)]
        mean, se = float(np.mean(draws)), float(np.std(draws, ddof=1) / 2)
        sim_max = max(sim_max, abs(mean - th))
        sim_rows.append([p, e, f"{th:.5f}", f"{mean:.5f} ± {se:.5f}"])
    results["model"] = {"ec_max_abs_diff_to_published": ec_max, "simulation_n": n,
                        "simulation_max_abs_diff": sim_max,
                        "exponents": {str(row[0]): row[1] for row in fit_rows},
                        "table": [{k: v for k, v in row.items() if k in ("phi", "epsilon", "index")}
                                  for row in sweep.rows]}
    note += ["## 1. The model MP_φ ⊞ SC(2ε)", "",
             "Index α(ε, φ) = P(λ < 0) from the cubic 2εφG³ − (2ε + φz)G² + (z − 1 + φ)G − 1 = 0 "
             "(R-transform 1/(1 − φg) + 2εg), integrated by Gauss–Legendre quadrature with square-root "
             "edge substitutions; agrees with the branch solver of `rmtsym.law` to ~1e-16 (tests).", "",
             "![alpha against epsilon and densities](model_sweep.png)", "",
             "Critical energy: closed form (1 − 20φ − 8φ² + (1 + 8φ)^{3/2})/16, the edge condition "
             "z(g) = z′(g) = 0 solved independently, and the published six digits "
             f"(max difference {ec_max:.1e}, i.e. rounding). α0 is the closed-form prefactor of the 3/2 law.", ""]
    note += _common.md_table(["φ", "published ε_c", "closed form", "edge condition", "α0"], ec_rows)
    note += ["", "3/2 law: fits of log α against log r, r = (ε − ε_c)/ε_c ∈ [1e-3, 3e-2]. With the "
             "corrections r, r² the exponent is 3/2 to ~3e-7 (the t-interval, which sees only the fit "
             "residuals, is narrower than the remaining truncation error); the pure power law gives "
             "≈ 1.49 over this range, because of the O(r) correction.", ""]
    note += _common.md_table(["φ", "exponent (with r, r²) [95 %]", "pure power law [95 %]", "α0 fit",
                              "α0 closed form"], fit_rows)
    note += ["", "![3/2 law](three_halves.png)", "",
             f"GOE + Wishart simulation (n = {n}, 4 draws): H = XXᵀ/m + √(2ε)·GOE.", ""]
    note += _common.md_table(["φ", "ε", "α model", "α simulated (mean ± se)"], sim_rows)
    note += ["", f"Largest difference: {sim_max:.4f} (finite n: O(1/n) in α, edge fluctuations "
             "O(n^{-2/3}) in position).", ""]


def network_part(args, out, results, note):
    from rmtsym.applications.loss_surface import model as M
    from rmtsym.applications.loss_surface.experiment import index_experiment
    from rmtsym.export.hessian_figures import plot_freeness, plot_index_energy, plot_spectrum_panels
    if args.fast:
        width, kw = 6, dict(trainings=2, starts_per_training=8, random_starts=16, freeness_points=1,
                            rotations=3, maxit=300)
    else:
        width, kw = 8, dict(trainings=8, starts_per_training=20, random_starts=40, freeness_points=3,
                            rotations=6, maxit=400)
    exps = [index_experiment(p, width, seed=args.seed + 10 * i, **kw) for i, p in enumerate(NET_PHIS)]
    panels, spec_panels, free_panels, rows, free_rows, law_rows = [], [], [], [], [], []
    res = {"width": width, "settings": kw, "phis": []}
    for ex in exps:
        ph = ex.phi
        emax = max([r["energy"] for r in ex.rows + ex.flat_rows] + [0.3])
        grid = np.linspace(0, 1.05 * emax, 120)
        curves = [(grid, np.array([M.index_float(ph, g) for g in grid]), "model α(ε, φ)", "-")]
        if np.isfinite(ex.kappa):
            curves.append((grid, np.array([M.index_float(ph, ex.kappa * g) for g in grid]),
                           f"model α(κε, φ), κ = {ex.kappa:.3g} (fitted)", "--"))
        crit = (np.array([r["energy"] for r in ex.rows]), np.array([r["index"] for r in ex.rows]))
        flat = (np.array([r["energy"] for r in ex.flat_rows]), np.array([r["index"] for r in ex.flat_rows]))
        meas = (crit[0], np.array([r["model_index_measured"] for r in ex.rows]))
        s = ex.search
        panels.append({"title": f"φ = {ph:.3f} (n = {ex.n}, m = {ex.m}); {s.converged}/{s.attempts} "
                                f"searches reached ‖∇L‖ ≤ 1e-10", "critical": crit, "flat": flat,
                       "measured": meas, "curves": curves})
        nonzero = int(sum(1 for r in ex.rows if r["negative"] > 0))
        for label, fit in (("critical points", ex.power_law_critical), ("all search end points", ex.power_law_all)):
            law_rows.append([f"{ph:.3f}", label] + (
                [fit.points, f"{fit.exponent:.2f} [{fit.exponent_ci95[0]:.2f}, {fit.exponent_ci95[1]:.2f}]",
                 f"{fit.threshold:.3f} [{fit.threshold_ci95[0]:.3f}, {fit.threshold_ci95[1]:.3f}]"]
                if fit else ["< 5", "-", "-"]) + [f"{M.critical_energy_float(ph):.4f}" if ph < 1 else "-"])
        rows.append([f"{ph:.3f}", ex.n, ex.m, f"{s.converged}/{s.attempts}", len(ex.rows), nonzero,
                     f"{min([r['energy'] for r in ex.rows], default=float('nan')):.3f}–"
                     f"{max([r['energy'] for r in ex.rows], default=float('nan')):.3f}",
                     _f(ex.rms_raw, 3), f"{_f(ex.rms_fitted, 3)} (κ = {ex.kappa:.3g})", _f(ex.rms_measured, 3)])
        sc = ex.spectrum
        entry = {"phi": ph, "n": ex.n, "m": ex.m, "attempts": s.attempts, "converged": s.converged,
                 "distinct_critical": len(ex.rows), "nonzero_index": nonzero,
                 "kappa": ex.kappa, "rms_raw": ex.rms_raw, "rms_fitted": ex.rms_fitted,
                 "rms_measured": ex.rms_measured,
                 "power_law_critical": None if ex.power_law_critical is None else vars(ex.power_law_critical),
                 "power_law_all": None if ex.power_law_all is None else vars(ex.power_law_all),
                 "points": [{k: r[k] for k in ("energy", "index", "model_index", "model_index_fitted",
                                               "model_index_measured", "eps_eff", "h0_mean", "grad_norm")}
                            for r in ex.rows]}
        if sc is not None:
            w = sc.eigenvalues
            lo, hi = float(np.percentile(w, 1)) - 0.5, float(np.percentile(w, 97)) + 0.5
            xs = np.linspace(lo, hi, 600)
            spec_panels.append({"title": f"φ = {ph:.3f}: spec(H)/τ(H0) at ε = {sc.energy:.3f}, α = {sc.index:.3f}",
                                "eigenvalues": w, "xlim": (lo, hi), "bins": 30,
                                "curves": [(xs, M.density(xs, ph, sc.energy), f"law at ε (KS {sc.ks_at_energy:.2f})"),
                                           (xs, M.density(xs, ph, sc.eps_measured),
                                            f"law at ε_eff = {sc.eps_measured:.3g} (KS {sc.ks_at_measured:.2f})"),
                                           (xs, M.density(xs * sc.fitted_scale, ph, sc.fitted_epsilon) * sc.fitted_scale,
                                            f"fit: s = {sc.fitted_scale:.3g}, ε′ = {sc.fitted_epsilon:.3g} "
                                            f"(KS {sc.ks_fitted:.2f})")]})
            w0 = sc.h0_eigenvalues
            hi0 = float(np.percentile(w0, 97)) + 0.5
            x0 = np.linspace(0, hi0, 600)
            spec_panels.append({"title": f"φ = {ph:.3f}: spec(H0)/τ(H0) vs MP_φ (KS {sc.h0_ks_to_mp:.2f}); "
                                         f"var ratio {sc.h0_variance_ratio:.2f} vs φ",
                                "eigenvalues": w0, "xlim": (-0.05, hi0), "bins": 30,
                                "curves": [(x0, M.density(x0, ph, 0.0), "MP_φ, mean 1")]})
            entry["spectrum"] = {k: getattr(sc, k) for k in
                                 ("energy", "index", "h0_mean", "eps_measured", "ks_at_energy", "ks_at_measured",
                                  "fitted_scale", "fitted_epsilon", "ks_fitted", "h0_ks_to_mp", "h0_variance_ratio")}
        entry["freeness"] = []
        for fc in ex.freeness:
            free_rows.append([f"{ph:.3f}", f"{fc.index_actual:.3f}", f"{fc.index_rotated:.3f} ± {fc.index_rotated_sd:.3f}",
                              f"{fc.ks_actual_vs_rotated:.3f}", f"{fc.ks_rotated_vs_rotated:.3f}",
                              f"{fc.mixed_moment_actual:.3e}", f"{fc.mixed_moment_free:.3e}"])
            entry["freeness"].append({"index_actual": fc.index_actual, "index_rotated": fc.index_rotated,
                                      "ks_actual_vs_rotated": fc.ks_actual_vs_rotated,
                                      "ks_rotated_vs_rotated": fc.ks_rotated_vs_rotated,
                                      "mixed_moment_actual": fc.mixed_moment_actual,
                                      "mixed_moment_free": fc.mixed_moment_free})
        if ex.freeness:
            fc = ex.freeness[0]
            free_panels.append({"title": f"φ = {ph:.3f}, α = {fc.index_actual:.3f}: KS {fc.ks_actual_vs_rotated:.3f} "
                                         f"(rotation-to-rotation {fc.ks_rotated_vs_rotated:.3f})",
                                "actual": fc.eigenvalues_actual,
                                "rotated": fc.eigenvalues_rotated[:fc.n]})
        res["phis"].append(entry)
    plot_index_energy(panels, path=os.path.join(out, "index_energy.png"))
    if spec_panels:
        plot_spectrum_panels(spec_panels, path=os.path.join(out, "spectra.png"))
    if free_panels:
        plot_freeness(free_panels, path=os.path.join(out, "freeness.png"))
    results["network"] = res
    note += ["## 2. Critical points of a real network", "",
             f"Network ŷ = B tanh(Ax/√{width})/√{width}, n0 = n1 = k = {width}, no biases, "
             f"n = {2 * width * width} parameters; m random points with N(0, 1) inputs and targets; "
             "L = ‖ŷ − y‖²/(2km), so the zero network has L ≈ ½; φ = n/(km) (parameters per scalar target, the "
             "aspect ratio of the km × n Jacobian, as in the paper; m is rounded, so φ is the realised value). "
             "Critical points: Levenberg–Marquardt on ‖∇L‖² with the exact Hessian, from points of damped-Newton "
             "training trajectories (perturbed) and from random points; a point counts only if ‖∇L‖ ≤ 1e-10. "
             "Index = fraction of eigenvalues below −1e-7·max|λ|.", "",
             "Three comparisons with the model (which assumes τ(H0) = 1 and τ(H1²) = 2ε): **raw** α(ε, φ) at the "
             "measured energy, no parameter; **fitted** α(κε, φ) with one κ per φ (least squares); **measured** "
             "α(ε_eff, φ) with ε_eff = τ(H1²)/(2τ(H0)²) from the network's own H0 and H1.", ""]
    note += _common.md_table(["φ", "n", "m", "searches converged", "distinct critical points", "with index > 0",
                              "energy range", "RMS α − model (raw)", "RMS (fitted κ)", "RMS (ε_eff)"], rows)
    note += ["", "![index against energy](index_energy.png)", "",
             "The 3/2-law form α = A(ε − ε0)^p with the threshold ε0 free, fitted to the points of small index "
             "(0 < α ≤ 0.2), on the critical points and on all search end points (critical or stalled); the "
             "model's ε_c for comparison. (On the model itself this fit over 0.05 ≤ r ≤ 1 gives p ≈ 1.13: the "
             "exponent 3/2 is only reached within a few per cent of ε_c.)", ""]
    note += _common.md_table(["φ", "points used", "number", "exponent p [95 %]", "threshold ε0 [95 %]",
                              "model ε_c"], law_rows)
    note += ["",
             "Most searches stall (hollow points): ‖∇L‖ stops decreasing well above 1e-10, mostly where the "
             "Hessian is nearly singular along ∇L (gradient-flat points, Frye et al., Neural Computation 33 (2021) "
             "1469) or on saturated tanh units. They are not counted.", "",
             "## 3. Spectra", "",
             "At the critical point with the median non-zero index of each φ: spec(H) in units of τ(H0) against the "
             "law at ε, at ε_eff, and at the Kolmogorov-optimal (eigenvalue scale s, energy ε′); and spec(H0) "
             "against MP_φ (the model's H0; its variance ratio τ(H0²)/τ(H0)² − 1 should be φ).", "",
             "![spectra](spectra.png)", "",
             "## 4. Freeness: H against H0 + Q H1 Qᵀ (Q Haar)", ""]
    note += _common.md_table(["φ", "index of H", "index of H0 + QH1Qᵀ", "KS(H, rotated)",
                              "KS(rotated, rotated)", "τ(H0H1H0H1)", "free value"], free_rows)
    note += ["", "![freeness](freeness.png)", ""]


def minimizer_part(args, out, results, note):
    from rmtsym.applications.loss_surface.experiment import (linear_reference, minimizer_energies,
                                                              quadratic_reference)
    from rmtsym.export.hessian_figures import plot_minimizer_energies
    if args.fast:
        phis, width, tasks, inits = [0.25, 0.5, 0.75, 1.25], 4, 2, 1
    else:
        phis, width, tasks, inits = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5], 8, 4, 2
    me = minimizer_energies(phis, width, tasks=tasks, inits=inits, seed=args.seed)
    rows, zq, zl = [], [], []
    for i, p in enumerate(me.phis):
        se = me.se[i] if np.isfinite(me.se[i]) and me.se[i] > 0 else float("nan")
        dq = me.mean[i] - me.quadratic[i]
        dl = me.mean[i] - me.linear[i]
        zq.append(dq / se if se == se else float("nan"))
        zl.append(dl / se if se == se else float("nan"))
        rows.append([f"{p:.3f}", f"{me.mean[i]:.4f} ± {me.se[i]:.4f}", f"{me.quadratic[i]:.4f}",
                     f"{dq:+.4f} ({_f(zq[-1], 1)} se)", f"{me.linear[i]:.4f}", f"{dl:+.4f} ({_f(zl[-1], 1)} se)",
                     f"{me.converged[i]}/{me.runs[i]}", f"{me.index_zero[i]}/{me.runs[i]}"])
    # a second shape at the same φ: is the energy a function of φ alone?
    if args.fast:
        n0b, wb, kb, phis_b = 6, 4, 2, [0.25, 0.5]
    else:
        n0b, wb, kb, phis_b = 12, 8, 4, [0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9]
    me2 = minimizer_energies(phis_b, wb, tasks=tasks, inits=inits, seed=args.seed + 5, k=kb, n0=n0b)
    for i, p in enumerate(me2.phis):
        rows.append([f"{p:.3f} (n0 = {n0b}, n1 = {wb}, k = {kb})", f"{me2.mean[i]:.4f} ± {me2.se[i]:.4f}",
                     f"{me2.quadratic[i]:.4f}", f"{me2.mean[i] - me2.quadratic[i]:+.4f} "
                     f"({_f((me2.mean[i] - me2.quadratic[i]) / me2.se[i] if me2.se[i] > 0 else float('nan'), 1)} se)",
                     f"{me2.linear[i]:.4f}", f"{me2.mean[i] - me2.linear[i]:+.4f}", f"{me2.converged[i]}/{me2.runs[i]}",
                     f"{me2.index_zero[i]}/{me2.runs[i]}"])
    grid = np.linspace(0, max(me.phis) * 1.05, 200)
    plot_minimizer_energies(me.phis, me.mean, me.se,
                            [(grid, [quadratic_reference(g) for g in grid], "½(1 − φ)² (paper's observation)"),
                             (grid, [linear_reference(g) for g in grid], "½(1 − φ) (linear least squares)")],
                            path=os.path.join(out, "minimizers.png"),
                            runs=list(zip(me.phis, me.energies)),
                            title=f"energy of minimizers, n0 = n1 = k = {width}, tanh",
                            extra=[(me2.phis, me2.mean, me2.se,
                                    f"n0 = {n0b}, n1 = {wb}, k = {kb} (mean ± 2 se)")])
    below = [i for i, p in enumerate(me.phis) if p < 1]
    rms_q = math.sqrt(np.mean([(me.mean[i] - me.quadratic[i]) ** 2 for i in below]))
    rms_l = math.sqrt(np.mean([(me.mean[i] - me.linear[i]) ** 2 for i in below]))
    rms_q2 = math.sqrt(np.mean([(m - q) ** 2 for m, q in zip(me2.mean, me2.quadratic)]))
    results["minimizers_second_shape"] = {"n0": n0b, "n1": wb, "k": kb, "phis": me2.phis, "mean": me2.mean,
                                          "se": me2.se, "quadratic": me2.quadratic, "rms_to_quadratic": rms_q2}
    results["minimizers"] = {"width": width, "phis": me.phis, "mean": me.mean, "se": me.se,
                             "quadratic": me.quadratic, "linear": me.linear, "runs": me.runs,
                             "converged": me.converged, "index_zero": me.index_zero,
                             "rms_to_quadratic_phi_below_1": rms_q, "rms_to_linear_phi_below_1": rms_l}
    note += ["## 5. The open problem: energy of minimizers", "",
             f"Damped-Newton training (exact Hessian) of the same network with n0 = n1 = k = {width}, "
             f"{tasks} random tasks × {inits} initialisations per φ; mean ± se over runs.", ""]
    note += _common.md_table(["φ", "energy (mean ± se)", "½(1 − φ)²", "difference", "½(1 − φ)", "difference",
                              "‖∇L‖ ≤ 1e-10", "index 0"], rows)
    note += ["", f"Over φ < 1: RMS distance to ½(1 − φ)² = {rms_q:.4f}, to ½(1 − φ) = {rms_l:.4f} "
             f"(n0 = n1 = k = {width}); for the second shape (n0 = {n0b}, n1 = {wb}, k = {kb}) the RMS distance "
             f"to ½(1 − φ)² is {rms_q2:.4f}.", "",
             "![energies of minimizers](minimizers.png)", ""]


def main(argv=None):
    args = _common.parse(NAME, "Pennington-Bahri loss surfaces: model, network critical points, minimizers", argv)
    results, note = {}, ["# Loss surfaces: Pennington & Bahri (ICML 2017) on the model and on a network", ""]
    model_part(args, args.out, results, note)
    network_part(args, args.out, results, note)
    minimizer_part(args, args.out, results, note)
    note += summary(results)
    return _common.write_outputs(args, NAME, note, results)


def summary(results):
    from rmtsym.applications.loss_surface.experiment import quadratic_reference
    from rmtsym.applications.loss_surface.model import critical_energy_float
    net = results["network"]["phis"]
    mins = results["minimizers"]
    lines = ["## What agrees with the paper, what does not", ""]
    lines.append(f"- Model: ε_c matches the published digits (max difference "
                 f"{results['model']['ec_max_abs_diff_to_published']:.1e}); the 3/2 exponent and its closed-form "
                 "prefactor α0 are confirmed; α(ε, φ) agrees with GOE + Wishart matrices within "
                 f"{results['model']['simulation_max_abs_diff']:.4f} at n = {results['model']['simulation_n']}.")
    for e in net:
        sp = e.get("spectrum") or {}
        fr = e["freeness"][0] if e["freeness"] else {}
        lines.append(
            f"- Network φ = {e['phi']:.3f}: {e['distinct_critical']} critical points ({e['nonzero_index']} with "
            f"index > 0) from {e['attempts']} searches; RMS(α − model) raw {_f(e['rms_raw'], 3)}, with fitted "
            f"κ = {e['kappa']:.3g}: {_f(e['rms_fitted'], 3)}, at ε_eff: {_f(e['rms_measured'], 3)}."
            + (f" H0 is far from MP_φ (KS {sp['h0_ks_to_mp']:.2f}, variance ratio {sp['h0_variance_ratio']:.2f} "
               f"vs φ = {e['phi']:.2f}); spectrum KS to the law {sp['ks_at_energy']:.2f} at ε, "
               f"{sp['ks_fitted']:.2f} after fitting two scales." if sp else "")
            + (f" Freeness: KS(H, H0 + QH1Qᵀ) = {fr['ks_actual_vs_rotated']:.3f} against a rotation-to-rotation "
               f"baseline {fr['ks_rotated_vs_rotated']:.3f}; index {fr['index_actual']:.3f} vs "
               f"{fr['index_rotated']:.3f}." if fr else ""))
    thr = [(e["phi"], e["power_law_all"]) for e in net if e.get("power_law_all")]
    if thr:
        lines.append("- Threshold of the index: the fit α = A(ε − ε0)^p to all search end points of small index gives "
                     + "; ".join(f"φ = {p:.3f}: ε0 = {f['threshold']:.3f}, p = {f['exponent']:.2f} "
                                 f"[{f['exponent_ci95'][0]:.2f}, {f['exponent_ci95'][1]:.2f}] (model ε_c "
                                 f"{critical_energy_float(p):.4f}, ½(1 − φ)² "
                                 f"{quadratic_reference(p):.3f})" for p, f in thr)
                     + f". ε0 exceeds the model's ε_c at {sum(f['threshold'] > critical_energy_float(p) for p, f in thr)} "
                       f"of {len(thr)} values of φ; 3/2 lies inside the 95 % interval of p at "
                       f"{sum(f['exponent_ci95'][0] <= 1.5 <= f['exponent_ci95'][1] for p, f in thr)} of {len(thr)}.")
    sec = results.get("minimizers_second_shape")
    if sec:
        d = [m - q for m, q in zip(sec["mean"], sec["quadratic"])]
        d0 = [m - q for p, m, q in zip(mins["phis"], mins["mean"], mins["quadratic"]) if p < 1]
        lines.append(f"- Shape dependence at equal φ: energy of minimizers minus ½(1 − φ)² ranges over "
                     f"[{min(d):+.3f}, {max(d):+.3f}] for n0 = {sec['n0']}, n1 = {sec['n1']}, k = {sec['k']} and over "
                     f"[{min(d0):+.3f}, {max(d0):+.3f}] for n0 = n1 = k = {mins['width']}.")
    lines.append(f"- Minimizers (n0 = n1 = k = {mins['width']}): over φ < 1 the RMS distance to ½(1 − φ)² is "
                 f"{mins['rms_to_quadratic_phi_below_1']:.4f} and to ½(1 − φ) is "
                 f"{mins['rms_to_linear_phi_below_1']:.4f}; with n0 = {results['minimizers_second_shape']['n0']}, "
                 f"n1 = {results['minimizers_second_shape']['n1']}, k = {results['minimizers_second_shape']['k']} it "
                 f"is {results['minimizers_second_shape']['rms_to_quadratic']:.4f} from ½(1 − φ)²; see the table for "
                 "the per-φ differences in units of se.")
    return lines + [""]


if __name__ == "__main__":
    main()
