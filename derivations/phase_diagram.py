#!/usr/bin/env python3
"""Phase diagrams with ``rmtsym sweep``: signal propagation over (σw², σb²) and the
memorization loss over (φ, γ).

Question 1. Deep random networks h^l = W^l φ(h^{l−1}) + b^l (W_ij ~ N(0, σw²/n), b_i ~ N(0, σb²))
have an ordered phase (χ1 < 1: inputs collapse, gradients vanish) and a chaotic phase
(χ1 > 1) separated by the order-to-chaos line χ1 = 1, where the correlation depth scale ξ_c
diverges (Poole, Lahiri, Raghu, Sohl-Dickstein & Ganguli, NeurIPS 2016, arXiv:1606.05340;
Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, "Deep information propagation", ICLR 2017,
arXiv:1611.01232). Where is the line for tanh and ReLU, and what are the depth scales
ξ_q (length) and ξ_c (correlation) around it?

Method. ``rmtsym signal ACT --sigma-w --sigma-b`` (the mean-field q*, χ1 = σw² E φ′(√q* Z)²,
ξ_q, ξ_c of :mod:`rmtsym.networks.signal_propagation`) swept over a regular grid in (σw², σb²)
with :func:`rmtsym.sweep.sweep` (σw, σb = square roots of the grid values). The χ1 = 1
contour of the swept table is compared with the critical line computed independently here
(double precision, Gauss–Hermite quadrature and Brent roots, no rmtsym code). For ReLU, E φ′² = 1/2 gives χ1 = σw²/2 exactly, and for
σw² > 2 the length map has no finite fixed point: those points are error rows of the sweep
(hatched), never a stopped run. In the ordered phase c* = 1 and ξ_c = −1/log χ1 (an identity
checked on every ordered point).

Question 2. Pennington & Worah (NeurIPS 2017, §5) give the training loss of random-feature
ridge regression on random targets, E_train(γ) = 1 − φ/ψ − (φ/ψ) γ² G′(−γ). Over (φ, γ) at
ψ = 1, the loss at small ridge should fall to max(0, 1 − φ/ψ): zero once there are more
features than samples (n1 ≥ m, i.e. φ ≥ ψ). Method: ``rmtsym memorization tanh --psi 1``
swept over φ and a logarithmic γ axis.

More surfaces. Any other subcommand can be added as a panel with ``--surface "COMMAND ARGS;
X=SPEC; Y=SPEC; COLUMN"`` (or an entry of ``SURFACES``); the test-risk surface of random-features
ridge regression over (ψ1, λ) is one of them (double descent at ψ1 = ψ2, tamed by the ridge).

Usage::

    python derivations/phase_diagram.py [--fast] [--out DIR] [--workers N | --scheduler ADDRESS]
"""
from __future__ import annotations

import math
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

import numpy as np  # noqa: E402

NAME = "phase_diagram"

#: extra heat maps: the sweep of COMMAND ARGS over two axes, one column shown
SURFACES = [
    {"key": "memorization", "command": "memorization", "args": ["tanh", "--psi", "1", "--dps", "15"],
     "x": ("phi", "0.1:2:{n}"), "y": ("gamma", "1e-3:1e2:{n}:log"), "value": "train_loss.0",
     "title": "tanh, ψ = 1: training loss E_train (PW 2017 §5)", "label": "E_train",
     "xlabel": "φ = n0/m", "ylabel": "ridge γ"},
    {"key": "generalization", "command": "generalization",
     "args": ["relu", "--psi2", "3", "--noise", "0.2", "--dps", "15"],
     "x": ("psi1", "0.1:30:{n}:log"), "y": ("ridge", "1e-4:10:{n}:log"), "value": "test_risk",
     "title": "ReLU random features, ψ2 = n/d = 3, τ² = 0.2: test risk (Mei & Montanari 2022)",
     "label": "test risk R", "xlabel": "ψ1 = N/d", "ylabel": "ridge λ", "fast_n": 12},
]


def _own_options(argv):
    import argparse
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--scheduler", default=None)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--surface", action="append", default=[])
    return ap.parse_known_args(argv)


def parse_surface(text: str) -> dict:
    """``"COMMAND ARGS; X=SPEC; Y=SPEC; COLUMN"`` → a SURFACES entry."""
    parts = [p.strip() for p in text.split(";")]
    if len(parts) != 4:
        raise SystemExit(f"--surface needs 'COMMAND ARGS; X=SPEC; Y=SPEC; COLUMN', got {text!r}")
    words = shlex.split(parts[0])
    x, y = (tuple(p.split("=", 1)) for p in parts[1:3])
    return {"key": words[0], "command": words[0], "args": words[1:], "x": x, "y": y, "value": parts[3],
            "title": f"{parts[0]}: {parts[3]}", "label": parts[3], "xlabel": x[0], "ylabel": y[0]}


def _run(sweep_kw, command, args, grid):
    from rmtsym.sweep import sweep
    return sweep(command, args, grid, progress=False, **sweep_kw)


def _crossings(frame, x, y, value, level=1.0):
    """For each y, the x where ``value`` crosses ``level`` (linear interpolation), or NaN."""
    out = {}
    for yv, g in frame.groupby(y):
        g = g.sort_values(x)
        xs, vs = g[x].to_numpy(float), g[value].to_numpy(float)
        hit = np.nan
        for i in range(len(xs) - 1):
            a, b = vs[i] - level, vs[i + 1] - level
            if np.isfinite(a) and np.isfinite(b) and a <= 0 < b:
                hit = xs[i] + (xs[i + 1] - xs[i]) * (-a) / (b - a)
                break
        out[float(yv)] = hit
    return out


def critical_sigma_w2(act: str, sb2: float) -> float:
    """σw² on the line χ1 = 1, computed here independently of the library: double precision,
    Gauss–Hermite quadrature (200 nodes) for q* (Brent root of σw² E φ(√q Z)² + σb² − q) and for
    χ1 = σw² E φ′(√q* Z)², then a Brent root in σw². ReLU: E φ′² = 1/2, so σw² = 2 at σb = 0."""
    from scipy.optimize import brentq

    if act == "relu":
        return 2.0 if sb2 == 0 else float("nan")  # σb > 0: q* = ∞ on the line, no finite point
    if sb2 == 0:
        return 1.0  # q* = 0 up to the line, where σw φ′(0) = 1
    z, w = np.polynomial.hermite_e.hermegauss(200)
    w = w / w.sum()

    def chi1(s2):
        qs = brentq(lambda q: s2 * np.dot(w, np.tanh(np.sqrt(q) * z) ** 2) + sb2 - q, sb2 / 2, s2 + sb2 + 1,
                    xtol=1e-15)
        return s2 * np.dot(w, (1 - np.tanh(np.sqrt(qs) * z) ** 2) ** 2) - 1

    return brentq(chi1, 0.5, 20.0, xtol=1e-14)


def signal_diagrams(args, sweep_kw, n_w, n_b):
    sw2 = np.linspace(0.5, 4.0, n_w)
    sb2 = np.linspace(0.0, 0.5, n_b)
    grid = {"sigma-w": [repr(math.sqrt(v)) for v in sw2], "sigma-b": [repr(math.sqrt(v)) for v in sb2]}
    panels, results = [], {}
    for act in ("tanh", "relu"):
        f = _run(sweep_kw, "signal", [act], grid)
        f["σw²"] = np.round(f["sigma-w"].to_numpy(float) ** 2, 12)
        f["σb²"] = np.round(f["sigma-b"].to_numpy(float) ** 2, 12)
        ok = f[f["error"].isna()]
        # the order-to-chaos line, independently: χ1(σw, σb) = 1 solved at each σb
        crit = [(critical_sigma_w2(act, b), b) for b in sb2 if not (act == "relu" and b > 0)]
        swept = _crossings(ok, "σw²", "σb²", "chi1")
        diffs = [abs(swept[b] - c) for c, b in crit if np.isfinite(swept.get(b, np.nan))]
        ordered = ok[ok["phase"] == "ordered"]
        xi_identity = float(np.max(np.abs(ordered["xi_c"] + 1 / np.log(ordered["chi1"])))) if len(ordered) else 0.0
        entry = {"points": len(f), "errors": int(f["error"].notna().sum()),
                 "phases": {k: int(v) for k, v in f["phase"].value_counts().items()},
                 "critical_line": [[c, b] for c, b in crit],
                 "max_abs_diff_contour_vs_independent_line": float(max(diffs)) if diffs else None,
                 "max_abs_xi_c_identity_ordered": xi_identity,
                 "seconds": f.attrs["sweep"]["seconds"], "executor": f.attrs["sweep"]["executor"]}
        if act == "relu":
            entry["max_abs_chi1_minus_sigma_w2_over_2"] = float(np.max(np.abs(ok["chi1"] - ok["sigma-w"] ** 2 / 2)))
            # no finite fixed point exactly where σw² > 2 (and at σw² = 2 with σb > 0)
            expected = (f["σw²"] > 2 + 1e-12) | ((np.abs(f["σw²"] - 2) < 1e-12) & (f["σb²"] > 0))
            entry["error_rows_where_sigma_w2_above_2"] = bool((f["error"].notna() == expected).all())
            entry["error_sentence"] = next(iter(f.loc[f["error"].notna(), "error"]), None)
        results[act] = entry
        cx = [c for c, _ in crit] if act == "tanh" else [2.0, 2.0]
        cy = [b for _, b in crit] if act == "tanh" else [sb2[0], sb2[-1]]
        line = [(cx, cy, "χ1 = 1, Gauss–Hermite check" if act == "tanh" else "σw² = 2 (exact)", "#e74c3c")]
        name = "tanh" if act == "tanh" else "ReLU"
        common = dict(frame=f, x="σw²", y="σb²", xlabel="σw²", ylabel="σb²")
        panels += [
            dict(common, value="chi1", title=f"{name}: χ1 = σw² E φ′(√q* Z)²", label="χ1",
                 contours=[(1.0, "χ1 = 1 (sweep)", "black")], lines=line, cmap="coolwarm", center=1.0),
            dict(common, value="xi_q", title=f"{name}: length depth scale ξ_q", label="ξ_q", log_color=True,
                 cmap="magma", vmax=100.0),
            dict(common, value="xi_c", title=f"{name}: correlation depth scale ξ_c", label="ξ_c",
                 log_color=True, cmap="magma", vmax=100.0, lines=line),
        ]
    return panels, results


def surface(args, sweep_kw, spec, n):
    x, xs = spec["x"]
    y, ys = spec["y"]
    n = spec.get("fast_n", n) if args.fast else n
    grid = {x: xs.format(n=n), y: ys.format(n=n)}
    f = _run(sweep_kw, spec["command"], spec["args"], grid)
    log_x = xs.endswith(":log")
    log_y = ys.endswith(":log")
    entry = {"points": len(f), "errors": int(f["error"].notna().sum()), "seconds": f.attrs["sweep"]["seconds"]}
    return f, entry, dict(frame=f, x=x, y=y, value=spec["value"], title=spec["title"], label=spec["label"],
                          xlabel=spec["xlabel"], ylabel=spec["ylabel"], log_x=log_x, log_y=log_y)


def memorization_checks(f):
    """E_train increases with γ, tends to max(0, 1 − φ/ψ) as γ → 0 (ψ = 1 here)."""
    out = {"monotone_in_gamma": True}
    gmin = f["gamma"].min()
    low = f[f["gamma"] == gmin]
    limit = np.maximum(0.0, 1 - low["phi"].to_numpy(float))
    far = np.abs(low["phi"].to_numpy(float) - 1) > 0.25  # γ → 0 is slow at the threshold φ = ψ
    out["gamma_min"] = float(gmin)
    out["max_abs_diff_to_small_gamma_limit_away_from_phi_eq_psi"] = float(
        np.max(np.abs(low["train_loss.0"].to_numpy(float) - limit)[far]))
    out["limit_column_matches"] = bool(np.allclose(low["limits.gamma_to_0"].to_numpy(float), limit, atol=1e-12))
    for _, g in f.groupby("phi"):
        v = g.sort_values("gamma")["train_loss.0"].to_numpy(float)
        out["monotone_in_gamma"] &= bool(np.all(np.diff(v) > -1e-12))
    return out


def generalization_checks(f, psi2=3.0):
    """Double descent on the surface: at the smallest ridge the risk peaks (in ψ1) at the
    interpolation threshold ψ1 = ψ2; at the largest ridge the curve decreases in ψ1 (no peak);
    towards the largest ψ1 the risk approaches the closed-form ψ1 → ∞ limit of the command."""
    out = {}
    lam = np.sort(f["ridge"].unique())
    curves = {float(v): f[f["ridge"] == v].sort_values("psi1") for v in lam}
    low = curves[float(lam[0])]
    xs = low["psi1"].to_numpy(float)
    k = int(np.nanargmax(low["test_risk"].to_numpy(float)))
    out["ridge_min"] = float(lam[0])
    out["peak_psi1_at_smallest_ridge"] = float(xs[k])
    # the grid is logarithmic: the peak must sit on one of the two points around ψ1 = ψ2
    out["peak_at_threshold"] = bool(abs(math.log(xs[k] / psi2)) <= math.log(xs[1] / xs[0]) + 1e-12)
    monotone = [v for v, g in curves.items() if np.all(np.diff(g["test_risk"].to_numpy(float)) <= 1e-12)]
    out["smallest_ridge_without_peak"] = min(monotone) if monotone else None
    out["largest_ridge_has_no_peak"] = bool(float(lam[-1]) in monotone)
    diffs = []
    for g in curves.values():
        r, lim = g["test_risk"].to_numpy(float), g["limits.psi1_to_infinity.test_risk"].to_numpy(float)
        diffs.append((abs(r[-1] - lim[-1]) / lim[-1], abs(r[-2] - lim[-2]) / lim[-2]))
    out["rel_diff_largest_psi1_to_psi1_inf_limit_by_ridge"] = [float(d[0]) for d in diffs]
    out["approaches_psi1_inf_limit"] = bool(all(d[0] <= d[1] for d in diffs))
    return out


def main(argv=None):
    own, rest = _own_options(list(sys.argv[1:] if argv is None else argv))
    args = _common.parse(NAME, "phase diagrams over parameter grids with rmtsym sweep", rest)
    from rmtsym.export.sweep_figures import plot_heatmaps

    if own.scheduler is not None:
        sweep_kw = {"scheduler": own.scheduler}
    elif args.fast and own.workers is None:
        sweep_kw = {"scheduler": "serial"}  # a tiny grid: the cluster's start would dominate
    else:
        sweep_kw = {"workers": own.workers}
    n_w, n_b, n_s = (3, 2, 3) if args.fast else (28, 21, 24)
    panels, sig = signal_diagrams(args, sweep_kw, n_w, n_b)
    fig1 = os.path.join(args.out, "phase_diagram_signal.png")
    plot_heatmaps(panels, fig1, ncols=3, suptitle="Signal propagation in deep random networks "
                  "(mean field; hatched: no finite fixed point q*)")
    results = {"grid": {"sigma_w2": [0.5, 4.0, n_w], "sigma_b2": [0.0, 0.5, n_b]}, "signal": sig, "surfaces": {}}
    specs = list(SURFACES) + [parse_surface(s) for s in own.surface]
    surf_rows = []
    for spec in specs:
        f, entry, panel = surface(args, sweep_kw, spec, n_s)
        if spec["key"] == "memorization":
            entry.update(memorization_checks(f))
            panel["lines"] = [([1.0, 1.0], [f["gamma"].min(), f["gamma"].max()], "φ = ψ (n1 = m)", "white")]
            panel["contours"] = [(0.05, "E_train = 0.05", "#e74c3c")]
        if spec["key"] == "generalization":
            entry.update(generalization_checks(f))
            panel["lines"] = [([3.0, 3.0], [f["ridge"].min(), f["ridge"].max()], "ψ1 = ψ2 (N = n)", "white")]
            panel["log_color"] = True
        path = os.path.join(args.out, f"phase_diagram_{spec['key']}.png")
        plot_heatmaps([panel], path, ncols=1, panel_size=(6.4, 4.6))
        results["surfaces"][spec["key"]] = entry
        surf_rows.append((spec, entry, os.path.basename(path)))

    t, r = sig["tanh"], sig["relu"]
    note = ["# Phase diagrams with `rmtsym sweep`", "",
            "Mean-field signal propagation (Poole et al. 2016; Schoenholz et al., ICLR 2017) over a "
            f"{n_w} × {n_b} grid of (σw², σb²) ∈ [0.5, 4] × [0, 0.5], one `rmtsym signal` call per point "
            f"({sig['tanh']['executor']}).", ""]
    note += _common.md_table(
        ["activation", "points", "error rows", "phases", "max |Δσw²| χ1 = 1 contour vs independent line",
         "max |ξ_c + 1/log χ1| (ordered)"],
        [[a, e["points"], e["errors"], ", ".join(f"{k} {v}" for k, v in e["phases"].items()),
          "–" if e["max_abs_diff_contour_vs_independent_line"] is None
          else f"{e['max_abs_diff_contour_vs_independent_line']:.2e}", f"{e['max_abs_xi_c_identity_ordered']:.1e}"]
         for a, e in sig.items()])
    note += ["",
             "tanh: the black χ1 = 1 contour of the swept table lies on the critical line computed "
             f"independently (Gauss–Hermite quadrature, dashed red) at each σb (max difference {t['max_abs_diff_contour_vs_independent_line']:.2e} in σw², the "
             "linear interpolation of a grid); it starts at σw² = 1 for σb = 0 (σw φ′(0) = 1) and bends to "
             "larger σw² as the bias grows. ξ_c diverges on the line (Schoenholz et al.); ξ_q stays finite "
             "except at the corner σw² = 1, σb = 0, where the fixed point q* = 0 itself turns marginal.",
             f"ReLU: χ1 = σw²/2 on every point (max deviation {r['max_abs_chi1_minus_sigma_w2_over_2']:.1e}); "
             f"for σw² > 2 the length map diverges, and these {r['errors']} points are error rows of the sweep "
             f"('{r['error_sentence']}'), exactly where expected: {r['error_rows_where_sigma_w2_above_2']}. "
             "The ordered phase of ReLU ends at σw² = 2 with no chaotic phase at finite q*.", "",
             "![signal propagation](phase_diagram_signal.png)", ""]
    for spec, entry, png in surf_rows:
        note += [f"## {spec['title']}", "", f"`rmtsym {spec['command']} {' '.join(spec['args'])}` over "
                 f"{spec['x'][0]} × {spec['y'][0]} ({entry['points']} points, {entry['errors']} error rows).", ""]
        if spec["key"] == "memorization":
            note += [f"E_train increases with γ at every φ: {entry['monotone_in_gamma']}. At γ = {entry['gamma_min']:g} "
                     "the loss is within "
                     f"{entry['max_abs_diff_to_small_gamma_limit_away_from_phi_eq_psi']:.1e} of the limit "
                     "max(0, 1 − φ/ψ) (away from the threshold φ = ψ, where the approach in γ is slow): "
                     "random features memorize random labels once there are at least as many features as "
                     "samples (n1 ≥ m), as Pennington & Worah observe.", ""]
        if spec["key"] == "generalization":
            note += [f"At the smallest ridge λ = {entry['ridge_min']:g} the test risk peaks at ψ1 = "
                     f"{entry['peak_psi1_at_smallest_ridge']:.3g} (a grid point next to the interpolation "
                     f"threshold ψ1 = ψ2 = 3: {entry['peak_at_threshold']}), the double descent of Mei & "
                     "Montanari. Regularization removes the peak: from λ = "
                     f"{entry['smallest_ridge_without_peak']:.3g} on the risk decreases in ψ1 (at the largest "
                     f"λ: {entry['largest_ridge_has_no_peak']}). Towards large ψ1 every curve approaches the "
                     "closed-form ψ1 → ∞ limit (linear ridge on x) the command reports "
                     f"({entry['approaches_psi1_inf_limit']}; relative distance at ψ1 = 30: "
                     f"{entry['rel_diff_largest_psi1_to_psi1_inf_limit_by_ridge'][0]:.1e} at the smallest λ, "
                     f"{entry['rel_diff_largest_psi1_to_psi1_inf_limit_by_ridge'][-1]:.1e} at the largest; "
                     "with little ridge the variance term still decays like a power of 1/ψ1 there).", ""]
        note += [f"![{spec['key']}]({png})", ""]
    note += ["Any other surface: `--surface \"COMMAND ARGS; X=SPEC; Y=SPEC; COLUMN\"`."]
    return _common.write_outputs(args, NAME, note, results)


if __name__ == "__main__":
    main()
