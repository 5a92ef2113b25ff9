#!/usr/bin/env python3
"""Memorization loss against the ridge parameter for several ζ/η (Pennington & Worah 2017, §5).

Question. PW compute the training loss of ridge regression of random targets on random
features, E_train(γ) = 1 − φ/ψ − (φ/ψ)γ²G′(−γ) (docs/theory.md §1.7), and observe that more
nonlinearity (larger η/ζ) memorizes better. Does the formula match the actual regression,
and is the ordering in η/ζ as PW report?

Method. Activations normalised to η = 1 (features divided by √η, which leaves ζ/η
unchanged): f(x) = x (ζ/η = 1), tanh, ReLU, sin and |x| (ζ = 0). φ = ψ = 1/2 (n1 = m, the
memorization threshold). Theory: :func:`rmtsym.applications.memorization.train_loss_numpy`
on a γ grid; simulation: :func:`~rmtsym.applications.memorization.simulate_train_loss` with
features from :func:`rmtsym.sampler.sample_features` (exact per draw:
(γ²/m) tr (YᵀY/m + γ)^{-2}), mean ± se over seeds. Regression check against the reference
values of docs/theory.md §1.7 (η = 1, γ = 0.01) at 30 digits with
:func:`~rmtsym.applications.memorization.train_loss`.

Usage::

    python derivations/memorization.py [--fast] [--out DIR]
"""
from __future__ import annotations

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

import numpy as np  # noqa: E402

NAME = "memorization"
PHI, PSI = 0.5, 0.5
ACTIVATIONS = [("x (linear)", "x"), ("tanh", "tanh"), ("sin", "sin"), ("ReLU", "relu"),
               ("abs(x), ζ = 0", "Abs(x)")]
#: docs/theory.md §1.7, η = 1, φ = ψ = 0.5, γ = 0.01 (4 digits)
REFERENCE = {1.0: .5005, 0.9: .1142, 0.7: .0718, 0.5: .0593, 0.3: .0532, 0.1: .0504, 0.0: .0499}


def main(argv=None):
    args = _common.parse(NAME, "memorization loss against gamma for several zeta/eta", argv)
    from rmtsym.gaussian import gaussian_moments
    from rmtsym.sampler import sample_features
    from rmtsym.applications.memorization import (train_loss, train_loss_numpy, simulate_train_loss,
                                                  curve_over_zeta_ratio)
    from rmtsym.export.figures import plot_memorization, plot_lines

    n0, seeds = (50, 2) if args.fast else (800, 4)
    g_sim = np.array([1e-2, 1e-1, 1.0]) if args.fast else np.logspace(-3, 1, 9)
    grid = np.logspace(-3.3, 1.3, 60 if args.fast else 200)
    curves, points, rows, results = [], [], [], {"phi": PHI, "psi": PSI, "n0": n0, "seeds": seeds,
                                                "activations": {}}
    for label, spec in ACTIVATIONS:
        gm = gaussian_moments(spec, dps=20)
        eta, zeta = float(gm.eta.value), float(gm.zeta.value)
        r = zeta / eta
        theory = train_loss_numpy(1.0, r, PHI, PSI, grid)
        scale = 1 / math.sqrt(eta)
        sim = simulate_train_loss(spec, PHI, PSI, g_sim, n0, seeds=seeds, seed=args.seed,
                                  features=lambda s, spec=spec, scale=scale:
                                  scale * np.asarray(sample_features(spec, PHI, PSI, n0, seed=s)))
        th_pts = train_loss_numpy(1.0, r, PHI, PSI, g_sim)
        z = (sim.mean - th_pts) / np.maximum(sim.se, 1e-300)
        rel = np.abs(sim.mean - th_pts) / th_pts
        results["activations"][label] = {"zeta_over_eta": r, "gamma": g_sim.tolist(), "theory": th_pts.tolist(),
                                         "sim_mean": sim.mean.tolist(), "sim_se": sim.se.tolist(),
                                         "max_rel_diff": float(rel.max())}
        curves.append((theory, f"{label}: ζ/η = {r:.3f}"))
        points.append((g_sim, sim.mean, sim.se, None))
        rows.append([label, f"{r:.4f}", f"{th_pts[0]:.5f}", f"{sim.mean[0]:.5f} ± {sim.se[0]:.1e}",
                     f"{100 * rel.max():.2f} %"])
    fig1 = os.path.join(args.out, "memorization_gamma.png")
    plot_memorization(grid, curves, path=fig1, points=[(g, m, s, "simulation" if i == 0 else None)
                                                       for i, (g, m, s, _l) in enumerate(points)],
                      title=f"E_train(γ), η = 1, φ = ψ = {PHI} (n1 = m); points: n0 = {n0}")
    # PW's observation: E_train decreases as η/ζ grows (ζ/η falls)
    ratios = np.linspace(0, 1, 11 if args.fast else 41)
    gammas_obs = [1e-2, 1e-1, 1.0]
    obs = {g: curve_over_zeta_ratio(ratios, PHI, PSI, g).tolist() for g in gammas_obs}
    monotone = all(np.all(np.diff(np.array(v)) >= -1e-12) for v in obs.values())
    fig2 = os.path.join(args.out, "memorization_ratio.png")
    plot_lines(ratios, [(np.array(obs[g]), f"γ = {g:g}") for g in gammas_obs], path=fig2,
               xlabel="ζ/η (0 = most nonlinear, 1 = linear)", ylabel="E_train",
               title="more nonlinearity memorizes better (η = 1, φ = ψ = 1/2)")
    # regression against the reference table (30 digits, independent high-precision path)
    ref_rows, ref_max = [], 0.0
    for r, v in REFERENCE.items():
        val = float(train_loss(1, r, PHI, PSI, "0.01", dps=30).value)
        ref_max = max(ref_max, abs(val - v))
        ref_rows.append([f"{r:g}", f"{v:.4f}", f"{val:.6f}"])
    results.update({"monotone_in_zeta_over_eta": monotone, "reference_max_abs_diff": ref_max,
                    "ratio_curves": {str(g): v for g, v in obs.items()}, "ratios": ratios.tolist()})
    note = ["# Memorization loss against γ for several ζ/η", "",
            "Ridge regression of random N(0,1) targets on features Y = f(WX) (Pennington & Worah 2017 §5; "
            "normalisation of docs/theory.md §1.7): E_train(γ) = 1 − φ/ψ − (φ/ψ)γ²G′(−γ), G′ from the quartic. "
            f"Activations normalised to η = 1; φ = ψ = {PHI} (n1 = m). Simulation: n0 = {n0}, "
            f"{seeds} feature draws per activation, exact target average (γ²/m) tr (YᵀY/m + γ)^(-2).", ""]
    note += _common.md_table(["activation", "ζ/η", f"theory at γ = {g_sim[0]:g}", "simulation (mean ± se)",
                              "max relative difference over γ"], rows)
    worst = max(v["max_rel_diff"] for v in results["activations"].values())
    note += ["", f"Largest relative difference theory vs simulation: {100 * worst:.2f} % (largest at the "
             "smallest γ, where E_train is small); the simulated points lie above the curves, a finite-size "
             "(O(1/n0)) bias, not noise — docs/theory.md §1.7 reports agreement within about 0.6 % at n0 ≈ 800.", "",
             "PW's observation — E_train decreases as η/ζ grows — holds on the whole ζ/η grid at "
             f"γ = 0.01, 0.1, 1: **{monotone}**.", "",
             "Regression against the reference values of docs/theory.md §1.7 (η = 1, φ = ψ = 0.5, γ = 0.01), "
             f"computed here at 30 digits: max abs difference {ref_max:.1e} (reference rounded to 4 digits).", ""]
    note += _common.md_table(["ζ", "reference", "rmtsym"], ref_rows)
    note += ["", "![E_train against γ](memorization_gamma.png)", "",
             "![E_train against ζ/η](memorization_ratio.png)"]
    return _common.write_outputs(args, NAME, note, results)


if __name__ == "__main__":
    main()
