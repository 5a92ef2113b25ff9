"""Jacobian spectra of deep random networks: universality over weight laws, and dynamical isometry.

(1) Pastur & Slavin ("On random matrices arising in deep neural networks. General i.i.d. case",
    arXiv:2011.11439): for i.i.d. weights with zero mean, unit variance and a finite fourth
    moment, the limit spectrum of J Jᵀ is the Gaussian one. Simulated tanh networks with
    Gaussian, Rademacher, uniform, Student-t (ν = 5) and sparse (P = 0.3) weights are compared
    with the one limit law; Student-t with ν = 3 (finite variance, infinite fourth moment) is the
    negative control: its largest eigenvalues must leave the edge of the law.
(2) Pennington, Schoenholz & Ganguli ("Resurrecting the sigmoid in deep learning through
    dynamical isometry", NeurIPS 2017): tanh networks at criticality χ1 = 1 with the fixed point
    q* → 0. With orthogonal weights the spectrum of J Jᵀ concentrates at 1 (isometry); with
    Gaussian weights it does not (its normalised variance stays near L).
"""
from __future__ import annotations

import math

from _common import md_table, parse, write_outputs

NAME = "deep_jacobians"


def _critical_scales(q):
    """(σw, σb) with χ1 = 1 and fixed point q* = q for tanh: σw² = 1/E sech⁴(√q Z),
    σb² = q − σw² E tanh²(√q Z)."""
    import mpmath
    from rmtsym.networks.integrals import integrals_for
    I = integrals_for("tanh")
    with mpmath.workdps(30):
        sw2 = 1 / I.slope_sq(mpmath.mpf(q))
        sb2 = mpmath.mpf(q) - sw2 * I.second_moment(mpmath.mpf(q))
    return float(mpmath.sqrt(sw2)), float(mpmath.sqrt(max(sb2, 0)))


def universality(args, plt):
    import numpy as np
    from rmtsym.networks.jacobian import JacobianLaw
    from rmtsym.networks.model import Network
    from rmtsym.networks.simulate import sample_networks
    from rmtsym.networks.validation import validate_jacobian

    L, sw, sb = 3, 1.1, 0.05
    n, seeds = (150, 2) if args.fast else (600, 6)
    laws = ["gaussian", "rademacher", "uniform", "student-t:5", "sparse:0.3", "student-t:3"]
    base = Network.build("tanh", L, sigma_w=sw, sigma_b=sb)
    law = JacobianLaw(base, None)
    Q = float(law.mean_field.input_mean_square.value)
    (_, b), = law.support()
    rows, res = [], {}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    x = np.linspace(b * 1e-3, b, 400)
    axes[0].plot(x, law.pdf(x), "k", lw=2, label="limit law (any i.i.d. law with E w⁴ < ∞)")
    for k, name in enumerate(laws):
        net = Network.build("tanh", L, sigma_w=sw, sigma_b=sb, weights=name, width=n,
                            allow_infinite_fourth_moment=True)
        s = sample_networks(net, Q, seeds=seeds, seed=args.seed + 17 * k, jacobian=True)
        v = validate_jacobian(law, s)
        tops = [float(e.max()) for e in s.eigenvalues]
        beyond = float(np.mean(s.pooled > b * (1 + 2 / n ** (2 / 3))))
        res[name] = {"kolmogorov": v.kolmogorov, "top_over_edge_mean": float(np.mean(tops)) / b,
                     "top_over_edge_max": max(tops) / b, "fraction_beyond_edge": beyond,
                     "fourth_moment": net.layers[0].weights.fourth_moment}
        rows.append([name, f"{net.layers[0].weights.fourth_moment:.3g}", f"{v.kolmogorov:.4f}",
                     f"{np.mean(tops) / b:.3f}", f"{max(tops) / b:.3f}", f"{beyond:.4f}"])
        style = "--" if name == "student-t:3" else "-"
        axes[0].hist(s.pooled[s.pooled < 1.5 * b], bins=60, density=True, histtype="step", ls=style,
                     label=f"{name} (KS {v.kolmogorov:.3f})")
        axes[1].plot([k] * len(tops), np.array(tops) / b, "o", label=name)
    axes[0].set_xlim(0, 1.3 * b)
    axes[0].set_ylim(0, float(np.max(law.pdf(x[x > 0.02 * b]))) * 1.3)
    axes[0].set(xlabel="λ (eigenvalue of J Jᵀ)", ylabel="density",
                title=f"tanh, L = {L}, σw = {sw}, σb = {sb}, width {n}, at q*")
    axes[0].legend(fontsize=7)
    axes[1].axhline(1, color="k")
    axes[1].set_xticks(range(len(laws)), laws, rotation=30, fontsize=8)
    axes[1].set(ylabel="largest eigenvalue / edge of the law", title="the edge: ν = 3 fails")
    fig.tight_layout()
    fig.savefig(f"{args.out}/universality.png", dpi=110)
    plt.close(fig)
    return rows, res, b, n, seeds


def isometry(args, plt):
    import numpy as np
    from rmtsym.networks.jacobian import JacobianLaw
    from rmtsym.networks.model import Network
    from rmtsym.networks.simulate import sample_networks

    L = 4 if args.fast else 16
    n, seeds = (120, 2) if args.fast else (400, 3)
    qs = [0.5, 1 / 16] if args.fast else [1.0, 0.25, 1 / 16, 1 / 64]
    fig, axes = plt.subplots(2, len(qs), figsize=(3.4 * len(qs), 6.2), squeeze=False)
    rows, res = [], {}
    for j, q in enumerate(qs):
        sw, sb = _critical_scales(q)
        for i, weights in enumerate(["gaussian", "orthogonal"]):
            net = Network.build("tanh", L, sigma_w=sw, sigma_b=sb, weights=weights)
            law = JacobianLaw(net, None)
            Q = float(law.mean_field.input_mean_square.value)
            s = sample_networks(net.with_widths([n] * (L + 1)), Q, seeds=seeds, seed=args.seed + j, jacobian=True)
            nv = float(law.normalized_variance())
            e = s.pooled
            nv_sim = float(np.mean([np.mean(x ** 2) / np.mean(x) ** 2 - 1 for x in s.eigenvalues]))
            (_, b), = law.support()[-1:]
            ax = axes[i, j]
            # the law of log10 λ: density λ ρ(λ) ln 10; eigenvalues below 1e-6 b (the hard edge
            # of Gaussian layers) are counted in the text, not drawn
            lo = b * 1e-6
            shown = e[e > lo]
            edges = np.linspace(math.log10(lo), math.log10(b * 1.2), 51)
            ax.hist(np.log10(shown), bins=edges, weights=np.full(shown.size, 1 / (e.size * (edges[1] - edges[0]))),
                    alpha=0.4, label="simulation")
            x = np.logspace(math.log10(lo), math.log10(b), 400)
            ax.plot(np.log10(x), law.pdf(x) * x * math.log(10), "k", lw=1.5, label="theory")
            ax.set_title(f"{weights}, q* = {q:g}\nσ²_JJᵀ = {nv:.3g} (sim {nv_sim:.3g})", fontsize=9)
            if i == 1:
                ax.set_xlabel("log10 λ")
            if j == 0:
                ax.set_ylabel("density of log10 λ")
            res[f"{weights} q*={q:g}"] = {"sigma_w": sw, "sigma_b": sb, "normalized_variance": nv,
                                          "normalized_variance_simulated": nv_sim,
                                          "m1": float(law.exact_moments(1)[0].value),
                                          "upper_edge": b}
            rows.append([weights, f"{q:g}", f"{sw:.5f}", f"{sb:.5f}", f"{nv:.4g}", f"{nv_sim:.4g}",
                         f"{b:.4g}"])
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"tanh at χ1 = 1, L = {L}: dynamical isometry needs orthogonal weights and q* → 0")
    fig.tight_layout()
    fig.savefig(f"{args.out}/isometry.png", dpi=110)
    plt.close(fig)
    return rows, res, L, n, seeds


def main(argv=None):
    args = parse(NAME, __doc__.splitlines()[0], argv)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    urows, ures, b, n, seeds = universality(args, plt)
    irows, ires, L, n2, seeds2 = isometry(args, plt)
    good = [v["kolmogorov"] for k, v in ures.items() if k != "student-t:3"]
    note = [f"# {__doc__.splitlines()[0]}", "",
            f"## 1. Universality (tanh, L = 3, at q*, width {n}, {seeds} networks per law)", "",
            "Pastur & Slavin: any i.i.d. law with finite fourth moment gives the same limit. The "
            "Kolmogorov distances of the laws with E w⁴ < ∞ lie between "
            f"{min(good):.4f} and {max(good):.4f} (finite width: a few 1/n = {1 / n:.4f}); the "
            "negative control Student-t ν = 3 (E w⁴ = ∞) keeps a bulk close to the law but its "
            "largest eigenvalues leave the edge:", ""]
    note += md_table(["weights", "E w⁴", "Kolmogorov", "mean top/edge", "max top/edge",
                      "fraction beyond edge"], urows)
    note += ["", f"## 2. Dynamical isometry (tanh at χ1 = 1, L = {L}, width {n2}, {seeds2} networks)", "",
             "σw, σb are chosen so that χ1 = σw² E sech⁴(√q* Z) = 1 with fixed point q*. "
             "The normalised variance m2/m1² − 1 of J Jᵀ (PSG's σ²_JJᵀ; exact S-series) against "
             "simulation:", ""]
    note += md_table(["weights", "q*", "σw", "σb", "σ²_JJᵀ theory", "σ²_JJᵀ simulated", "upper edge"], irows)
    note += ["", "With orthogonal weights σ²_JJᵀ → 0 as q* → 0 (the spectrum concentrates at 1); "
             "with Gaussian weights it stays near L (≥ L − 1 + …): no dynamical isometry. "
             "Figures: universality.png, isometry.png."]
    return write_outputs(args, NAME, note, {"universality": ures, "isometry": ires})


if __name__ == "__main__":
    main()
