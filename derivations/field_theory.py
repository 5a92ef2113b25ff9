#!/usr/bin/env python3
"""Finite-width fluctuations along depth as a field theory (Schoenholz, Pennington & Sohl-Dickstein 2017).

Question. "A correspondence between random neural networks and statistical field theory"
(arXiv:1710.06570) maps the pre-activation statistics of a random network onto a lattice model
along depth: at large width a Gaussian with covariance between layers, diagonalised by Fourier
modes when all layers are alike, and an effective field theory at large scale. Does the theory
in :mod:`rmtsym.networks.fluctuations` predict the covariance of q^l = ‖h^l‖²/n along depth of
simulated linear, ReLU and tanh networks, do the Fourier modes decorrelate the simulated
fluctuations, and where does the Gaussian picture stop working as depth/width grows?

Method. Width 100, depth 12, Gaussian weights: linear (σw = 1), ReLU (σw² = 2), both at the
exact level (products of layer factors), and tanh (σw = 1.5, σb = 0.1) at the Gaussian level
(first order in 1/width, with its second-order error estimate); 10⁵ simulated networks each
(:func:`~rmtsym.networks.fluctuations.simulate.simulate_fluctuations`). Fourier modes: the
state field φ_l = σw² p^l + σb² − mean (p^l = ‖φ(h^l)‖²/n) of simulated networks at the fixed
point, projected on the lattice modes sin(k j), sin((L+1)k) = a sin(Lk). Breakdown: first order
against the exact level (linear, ReLU) or second order and simulation (tanh at σw = 1.5, σb = 0.1,
which relaxes to its fixed point, and the critical tanh at σw = 1, σb = 0, whose q^l → 0 like
1/l) for depth/width from 0.01 to 2, with the exact skewness of q^L.

Usage::

    python derivations/field_theory.py [--fast] [--out DIR] [--seed S]
"""
from __future__ import annotations

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

import numpy as np  # noqa: E402

NAME = "field_theory"
SQRT2 = "1.4142135623730951"
CASES = (("linear", "linear", "1", "0"), ("ReLU", "relu", SQRT2, "0"), ("tanh", "tanh", "1.5", "0.1"))
Z = 4.5


def _figure(nrows, ncols, size):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=size, dpi=120)
    FigureCanvasAgg(fig)
    return fig, [fig.add_subplot(nrows, ncols, i + 1) for i in range(nrows * ncols)]


def covariance_along_depth(args, width, depth, K):
    from rmtsym.networks.model import Network
    from rmtsym.networks.fluctuations import fluctuations, simulate_fluctuations

    out, panels = {}, []
    for label, act, sw, sb in CASES:
        net = Network.build(act, depth, sigma_w=sw, sigma_b=sb, width=width)
        res = fluctuations(net, 1.0)
        sim = simulate_fluctuations(net, 1.0, K, seed=args.seed)
        st = sim.stats()
        err = np.zeros_like(res.covariance) if res.method == "exact" else res.error_covariance
        ok = st["covariance_se"] > 0
        z = np.abs(st["covariance"] - res.covariance)[ok] / st["covariance_se"][ok]
        z1 = np.abs(st["covariance"] - res.first_order_covariance)[ok] / st["covariance_se"][ok]
        excess = np.max(np.abs(st["covariance"] - res.covariance) - (Z * st["covariance_se"] + err))
        out[label] = {"method": res.method, "networks": K, "max_abs_z_covariance": float(z.max()),
                      "max_abs_z_first_order": float(z1.max()),
                      "within_se_plus_error": bool(excess <= 1e-12),
                      "max_abs_z_mean": float(np.max(np.abs(st["mean"] - res.mean) / st["mean_se"])),
                      "first_order_relative_error": res.first_order_relative_error,
                      "n_var_last": [width * float(res.covariance[-1, -1]), width * float(st["covariance"][-1, -1]),
                                     width * float(st["covariance_se"][-1, -1])]}
        panels.append((label, res, st))
    fig, axes = _figure(1, 3, (13, 4))
    for ax, (label, res, st) in zip(axes, panels):
        L = res.depth
        ls = np.arange(1, L + 1)
        ax.plot(ls, width * np.diag(res.covariance), "-", color="C0", label=f"Var q^l ({res.method})")
        ax.plot(ls, width * res.covariance[:, -1], "-", color="C1", label=f"Cov(q^l, q^L) ({res.method})")
        if res.method == "exact":
            ax.plot(ls, width * np.diag(res.first_order_covariance), "--", color="C0", lw=1,
                    label="Var q^l (first order)")
        else:
            ax.fill_between(ls, width * (np.diag(res.covariance) - np.diag(res.error_covariance)),
                            width * (np.diag(res.covariance) + np.diag(res.error_covariance)), color="C0", alpha=0.2)
        ax.errorbar(ls, width * np.diag(st["covariance"]), yerr=width * np.diag(st["covariance_se"]), fmt="o",
                    ms=3, color="C0", label="simulated")
        ax.errorbar(ls, width * st["covariance"][:, -1], yerr=width * st["covariance_se"][:, -1], fmt="s", ms=3,
                    color="C1")
        ax.set_title(f"{label}, width {width}")
        ax.set_xlabel("layer l")
        ax.set_ylabel("width × covariance")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "covariance_along_depth.png"))
    return out


def fourier_modes(args, width, depth, K):
    from rmtsym.networks.model import Network
    from rmtsym.networks.fluctuations import exact_fluctuations, simulate_fluctuations
    from rmtsym.networks.fluctuations.field_theory import field_theory

    out, rows = {}, []
    for label, act, sw, sb in CASES:
        net = Network.build(act, depth, sigma_w=sw, sigma_b=sb, width=width)
        ft = field_theory(net)
        sim = simulate_fluctuations(net, ft.input_mean_square, K, seed=args.seed + 1)
        a2 = float(sw) ** 2
        phi = a2 * (sim.p - sim.p.mean(axis=0))
        k, lam, U = ft.modes()
        C = np.cov((phi @ U).T)
        diag = np.diag(C)
        off = C - np.diag(diag)
        norm = np.sqrt(np.outer(diag, diag))
        exact_proj, exact_corr = None, None
        if act in ("linear", "relu"):
            # the exact covariance of the state field φ_l = δv^{l+1}, l = 1..L
            deeper = Network.build(act, depth + 1, sigma_w=sw, sigma_b=sb, width=width)
            e = exact_fluctuations(deeper, ft.input_mean_square, dps=20)
            ce = np.array(e.variance_covariance)[1:, 1:]
            P = U.T @ ce @ U
            exact_proj = np.diag(P)
            exact_corr = float(np.max(np.abs(P - np.diag(exact_proj)) / np.sqrt(np.outer(exact_proj, exact_proj))))
        out[label] = {"slope": ft.slope, "noise": ft.noise, "correlation_length": ft.correlation_length,
                      "mass": ft.mass, "diffusion": ft.diffusion,
                      "wavenumbers": None if k is None else [float(v) for v in k],
                      "mode_variance_theory": [float(v) for v in lam],
                      "mode_variance_simulated": [float(v) for v in diag],
                      "mode_variance_exact": None if exact_proj is None else [float(v) for v in exact_proj],
                      "max_abs_mode_correlation": float(np.max(np.abs(off) / norm)),
                      "max_abs_mode_correlation_exact": exact_corr, "networks": K}
        rows.append((label, ft, k, lam, diag, exact_proj, C))
    fig, axes = _figure(1, 3, (13, 4))
    for ax, (label, ft, k, lam, diag, ex, C) in zip(axes, rows):
        kk = np.linspace(0.02, math.pi, 400)
        ax.semilogy(kk, ft.bulk_spectrum(kk), "-", color="0.6", lw=1, label="bulk s²/(1 + a² − 2a cos k)")
        ax.semilogy(k, lam, "-", color="C0", label="lattice modes (first order)")
        if ex is not None:
            ax.semilogy(k, ex, "x", color="C3", label="exact covariance on the modes")
        se = diag * math.sqrt(2 / K)
        ax.errorbar(k, diag, yerr=se, fmt="o", ms=3, color="C1", label="simulated")
        ax.set_title(f"{label}: a = {ft.slope:.3g}, ξ = {ft.correlation_length:.3g}")
        ax.set_xlabel("wavenumber k along depth")
        ax.set_ylabel("variance of the mode")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "fourier_spectrum.png"))
    return out


def breakdown_study(args, width, depths, K):
    from rmtsym.networks.model import Network
    from rmtsym.networks.fluctuations import exact_fluctuations, gaussian_fluctuations, simulate_fluctuations
    from rmtsym.networks.fluctuations.field_theory import breakdown

    out = {}
    for label, act, sw, sb in (("linear", "linear", "1", "0"), ("ReLU", "relu", SQRT2, "0"),
                               ("tanh σw=1.5", "tanh", "1.5", "0.1"), ("tanh σw=1 (critical)", "tanh", "1", "0")):
        out[label] = breakdown(act, width, depths, sigma_w=sw, sigma_b=sb)
    # tanh: simulation at a few depths (first order against simulation)
    sims = []
    for L in depths[1:: max(1, len(depths) // 4)]:
        net = Network.build("tanh", L, sigma_w="1.5", sigma_b="0.1", width=width)
        g = gaussian_fluctuations(net, 1.0)
        st = simulate_fluctuations(net, 1.0, K, seed=args.seed + 2).stats()
        v, se = float(st["covariance"][-1, -1]), float(st["covariance_se"][-1, -1])
        sims.append({"depth": L, "simulated": v, "se": se, "first_order": float(g.covariance[-1, -1]),
                     "relative_error_simulated": abs(float(g.covariance[-1, -1]) - v) / v})
    out["tanh σw=1.5 simulated"] = sims
    # histograms of ReLU q^L at small and large depth/width
    hist = []
    for L in (max(1, width // 10), width):
        net = Network.build("relu", L, sigma_w=SQRT2, width=width)
        st = simulate_fluctuations(net, 1.0, K, seed=args.seed + 3)
        e = exact_fluctuations(net, 1.0, dps=20)
        hist.append((L, st.q[:, -1], float(e.mean[-1].value), float(gaussian_fluctuations(net, 1.0).covariance[-1, -1]),
                     float(e.skewness(L))))
    fig, axes = _figure(1, 3, (13, 4))
    ax = axes[0]
    for label, color in (("linear", "C0"), ("ReLU", "C1"), ("tanh σw=1.5", "C2"), ("tanh σw=1 (critical)", "C4")):
        rows = out[label]
        rows = [r for r in rows if r["depth"] > 1]  # depth 1: both levels are exact
        ax.loglog([r["depth_over_width"] for r in rows], [max(r["relative_error"], 1e-5) for r in rows], "o-",
                  color=color, ms=3, label=f"{label} ({rows[0]['reference_method']})")
    sims_ = [s for s in sims if s["depth"] > 1]
    ax.errorbar([s["depth"] / width for s in sims_], [max(s["relative_error_simulated"], 1e-5) for s in sims_],
                yerr=[s["se"] / s["simulated"] for s in sims_], fmt="s", color="C2", mfc="none", ms=4,
                label="tanh σw=1.5: |first order − simulated| (bar: se)")
    ax.axhline(0.1, color="0.7", lw=1)
    ax.set_xlabel("depth / width")
    ax.set_ylabel("relative error of first-order Var q^L")
    ax.set_ylim(1e-5, 3)
    ax.legend(fontsize=7)
    ax = axes[1]
    for label, color in (("linear", "C0"), ("ReLU", "C1")):
        rows = out[label]
        ax.loglog([r["depth_over_width"] for r in rows], [r["skewness"] for r in rows], "o-", ms=3, color=color,
                  label=label)
    ax.set_xlabel("depth / width")
    ax.set_ylabel("skewness of q^L (exact; 0 if Gaussian)")
    ax.legend(fontsize=7)
    ax = axes[2]
    for (L, q, m, var1, skew), color in zip(hist, ("C0", "C3")):
        hi = np.quantile(q, 0.995)
        ax.hist(q, bins=80, range=(0, hi), density=True, histtype="step", color=color,
                label=f"ReLU L/n = {L / width:g} (skewness {skew:.2g})")
        xs = np.linspace(0, hi, 300)
        ax.plot(xs, np.exp(-(xs - m) ** 2 / (2 * var1)) / math.sqrt(2 * math.pi * var1), "--", color=color, lw=1)
    ax.set_xlabel("q^L (dashed: first-order Gaussian)")
    ax.set_ylabel("density")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "breakdown.png"))
    return out


def main(argv=None):
    args = _common.parse(NAME, "finite-width fluctuations along depth: field theory vs simulation", argv)
    if args.fast:
        width, depth, K, Kf, depths, Kb = 100, 8, 4000, 4000, [1, 4, 10, 30, 100], 2000
    else:
        width, depth, K, Kf, depths, Kb = 100, 12, 100_000, 50_000, [1, 2, 4, 6, 10, 15, 20, 30, 50, 70, 100, 150, 200], 20_000
    results = {"width": width, "depth": depth}
    results["covariance"] = covariance_along_depth(args, width, depth, K)
    results["fourier"] = fourier_modes(args, width, 16 if not args.fast else 8, Kf)
    results["breakdown"] = breakdown_study(args, width, depths, Kb)
    md = _common.md_table
    cov = results["covariance"]
    four = results["fourier"]
    bd = results["breakdown"]
    lines = [f"# Fluctuations of q^l along depth as a field theory (width {width})", "",
             "Schoenholz, Pennington & Sohl-Dickstein (arXiv:1710.06570): the statistics of "
             "q^l = ‖h^l‖²/n along depth are a lattice field; at large width Gaussian, Fourier-diagonal "
             "for homogeneous layers, and an Ornstein–Uhlenbeck effective field theory at large scale.", "",
             f"## Covariance along depth (depth {depth}, `covariance_along_depth.png`)", ""]
    lines += md(["network", "method", "networks", "max |z| cov", "max |z| first order", "within Z·se + error",
                 "n Var q^L theory", "n Var q^L simulated"],
                [[k, v["method"], v["networks"], f"{v['max_abs_z_covariance']:.2f}", f"{v['max_abs_z_first_order']:.1f}",
                  v["within_se_plus_error"], f"{v['n_var_last'][0]:.4g}",
                  f"{v['n_var_last'][1]:.4g} ± {v['n_var_last'][2]:.2g}"] for k, v in cov.items()])
    lines += ["", "z = (simulated − predicted)/se over all L(L+1)/2 entries (linear and ReLU: Var q^l and "
              "Cov(q^l, q^L) coincide in the figure, the length map being marginal). Linear and ReLU use the exact "
              "level; first order misses their compounding relative variance (the 'first order' column), "
              f"by {100 * cov['ReLU']['first_order_relative_error']:.0f} % for ReLU. tanh uses the "
              "Gaussian level; the band in the figure is its stated error estimate (second order).", "",
              "## Fourier modes (`fourier_spectrum.png`)", ""]
    lines += md(["network", "slope a", "ξ", "continuum mass", "diffusion D", "max |corr| between modes (simulated)",
                 "same, exact covariance"],
                [[k, f"{v['slope']:.4g}", f"{v['correlation_length']:.4g}", f"{v['mass']:.4g}", f"{v['diffusion']:.4g}",
                  f"{v['max_abs_mode_correlation']:.3f}",
                  "-" if v["max_abs_mode_correlation_exact"] is None else f"{v['max_abs_mode_correlation_exact']:.3f}"]
                 for k, v in four.items()])
    lines += ["", "The state field (the variance σw² p^l + σb² handed to the next layer, depth "
              f"{16 if not args.fast else 8}, at the fixed point) is projected on the lattice modes sin(k j), "
              "sin((L+1)k) = a sin(Lk). At first order they are exactly uncorrelated with variances "
              "s²/(1 + a² − 2a cos k) (the lines). tanh relaxes (a < 1): the simulated modes are uncorrelated up "
              f"to sampling noise (1/√K = {1 / math.sqrt(four['tanh']['networks']):.3f}) and follow the lattice "
              "spectrum. Linear and ReLU are massless (a = 1, the random walk): there the relative variance "
              "compounds: the per-layer noise grows with depth, so the exact mode variances (crosses) exceed "
              "first order, relatively most at short wavelengths, and the exact covariance couples the modes at "
              "O(depth/width) (last column); and the simulated correlations between modes match "
              "that coupling, not zero: the Fourier picture is a first-order statement.", "",
              "## Where the Gaussian approximation breaks (`breakdown.png`)", ""]
    rows = []
    shown = {2, 4, 10, 30, 100, 200}
    for k in ("linear", "ReLU", "tanh σw=1.5", "tanh σw=1 (critical)"):
        for r in (r for r in bd[k] if r["depth"] in shown):
            rows.append([k, r["depth"], f"{r['depth_over_width']:g}", f"{r['relative_error']:.3g}",
                         f"{r['skewness']:.3g}" if "skewness" in r else "-", r["reference_method"]])
    lines += md(["network", "depth", "depth/width", "first-order relative error", "skewness of q^L", "against"], rows)
    lines += ["", "For marginal length maps (linear, ReLU at σw² = 2) the relative variance of q^l grows "
              "like depth/width and first order is off by (depth/width)-relative terms: 10 % near "
              "depth/width ≈ 0.1 for linear, sooner for ReLU, and the law of q^L becomes a skewed product "
              "(right panel: the first-order Gaussian fails at depth/width = 1). tanh at σw = 1.5, σb = 0.1 "
              "relaxes to its fixed point (a < 1, ξ ≈ 1.4 layers), so its first-order error stays O(1/width) at "
              "any depth, confirmed by simulation (squares); the critical tanh (σw = 1, σb = 0: q^l → 0, slope "
              "→ 1) compounds like the marginal networks (its reference, second order, is itself unreliable "
              "beyond depth/width ≈ 0.3). All depths are in results.json."]
    _common.write_outputs(args, NAME, lines, results)
    return results


if __name__ == "__main__":
    main()
