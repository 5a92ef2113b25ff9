"""Figures of the loss-surface (Pennington–Bahri) calculations.

Renders arrays it is handed and derives nothing: the model values come from
:mod:`rmtsym.applications.loss_surface.model`, the network measurements from
:mod:`rmtsym.applications.loss_surface.experiment`. Drawn with matplotlib's object-oriented
API on an Agg canvas (no pyplot state), like :mod:`rmtsym.export.figures`.
Theory: Pennington & Bahri, "Geometry of neural network loss surfaces via random matrix
theory", ICML 2017.
"""
from __future__ import annotations

import math
from typing import Dict, Optional, Sequence

import numpy as np

from .plots import _matplotlib

__all__ = ["check_figure_path", "plot_model_sweep", "plot_index_energy", "plot_spectrum_panels",
           "plot_freeness", "plot_minimizer_energies", "plot_three_halves"]

_COLORS = ["#c0392b", "#2471a3", "#229954", "#7d3c98", "#d68910", "#17a589", "#566573", "#a04000"]


def check_figure_path(path: str) -> str:
    """Refuse, before any work, a figure path with an unknown extension or a missing folder
    (nothing is created), or a missing matplotlib (:func:`rmtsym.export.plots.check_figure_path`)."""
    from .plots import check_figure_path as check

    return check(path)


def _new(nrows=1, ncols=1, figsize=None, dpi=150):
    Figure, Canvas = _matplotlib()
    fig = Figure(figsize=figsize or (4.6 * ncols, 3.6 * nrows), dpi=dpi)
    Canvas(fig)
    axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(nrows * ncols)]
    return fig, axes


def _save(fig, path):
    if path is not None:
        check_figure_path(path)
        fig.tight_layout()
        fig.savefig(path)
    return fig


def _g(v):
    return f"{float(v):g}"


def plot_model_sweep(curves: Dict, densities: Dict, path: Optional[str] = None,
                     critical_energies: Optional[Dict] = None, points: Sequence = (), dpi: int = 150):
    """α against ε for each φ (first panel) and one density panel per φ.

    Parameters
    ----------
    curves : dict φ → (ε grid, α)
        α(ε, φ) = P(λ < 0) under MP_φ ⊞ SC(2ε) (Pennington & Bahri 2017).
    densities : dict φ → list of (ε, x, ρ(x))
    critical_energies : dict φ → ε_c or None (marked by a dotted line)
    points : sequence of (φ, ε, α)
        The table's pairs, marked on the curves.
    """
    phis = list(curves)
    npan = 1 + len(phis)
    ncols = min(3, npan)
    nrows = math.ceil(npan / ncols)
    fig, axes = _new(nrows, ncols, dpi=dpi)
    ax = axes[0]
    for i, p in enumerate(phis):
        c = _COLORS[i % len(_COLORS)]
        e, a = curves[p]
        ax.plot(e, a, color=c, lw=1.6, label=f"φ = {_g(p)}")
        ec = (critical_energies or {}).get(p)
        if ec:
            ax.axvline(ec, color=c, lw=0.8, ls=":")
        pts = [(pe, pa) for pp, pe, pa in points if pp == p]
        if pts:
            ax.plot(*zip(*pts), "o", color=c, ms=4)
    ax.set_xlabel("energy ε")
    ax.set_ylabel("index α(ε, φ)")
    ax.set_title("index of MP_φ ⊞ SC(2ε)  (dotted: ε_c)", fontsize=9)
    ax.legend(fontsize=7)
    ax.set_ylim(bottom=0)
    for j, p in enumerate(phis):
        ax = axes[1 + j]
        for i, (e, x, rho) in enumerate(densities[p]):
            ax.plot(x, rho, color=_COLORS[i % len(_COLORS)], lw=1.2, label=f"ε = {_g(e)}")
        ax.axvline(0, color="k", lw=0.6)
        atom = " (ε = 0: atom 1 − 1/φ at 0 not drawn)" if float(p) > 1 else ""
        ax.set_title(f"density of MP_φ ⊞ SC(2ε), φ = {_g(p)}{atom}", fontsize=8)
        ax.set_xlabel("eigenvalue λ")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    for ax in axes[npan:]:
        ax.set_visible(False)
    return _save(fig, path)


def plot_three_halves(curves: Dict, lines: Dict, path: Optional[str] = None, dpi: int = 150):
    """log–log α against r = (ε − ε_c)/ε_c, with the asymptote α0 r^{3/2} (dashed).

    curves, lines : dict φ → (r, α)
    """
    fig, (ax,) = _new(figsize=(5.4, 4.0), dpi=dpi)
    for i, p in enumerate(curves):
        c = _COLORS[i % len(_COLORS)]
        ax.loglog(*curves[p], color=c, lw=1.6, label=f"φ = {_g(p)}")
        if p in lines:
            ax.loglog(*lines[p], color=c, lw=1.0, ls="--")
    ax.set_xlabel("(ε − ε_c)/ε_c")
    ax.set_ylabel("index α")
    ax.set_title("3/2 law: α ≈ α0 ((ε − ε_c)/ε_c)^{3/2} (dashed)", fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, path)


def plot_index_energy(panels: Sequence[dict], path: Optional[str] = None, dpi: int = 150):
    """Empirical index against energy, one panel per φ, with model curves.

    Each panel is a dict with ``title``; ``critical`` (ε, α) arrays of converged critical
    points; optionally ``flat`` (ε, α) of points where the search stalled (drawn hollow,
    grey); ``measured`` (ε, α_model(ε_eff)) drawn as crosses; ``curves`` a list of
    (ε grid, α, label, linestyle).
    """
    n = len(panels)
    ncols = min(3, n)
    fig, axes = _new(math.ceil(n / ncols), ncols, dpi=dpi)
    for ax, pan in zip(axes, panels):
        for j, (e, a, label, ls) in enumerate(pan.get("curves", ())):
            ax.plot(e, a, color=_COLORS[j % len(_COLORS)], ls=ls, lw=1.4, label=label)
        if pan.get("flat") is not None and len(pan["flat"][0]):
            ax.plot(*pan["flat"], "o", mfc="none", mec="#999999", ms=4, label="stalled (not critical)")
        if pan.get("measured") is not None and len(pan["measured"][0]):
            ax.plot(*pan["measured"], "x", color="#7d3c98", ms=5, label="model at ε_eff")
        if len(pan["critical"][0]):
            ax.plot(*pan["critical"], "o", color="k", ms=4.5, label="critical points")
        ax.set_xlabel("energy ε = L")
        ax.set_ylabel("index α")
        ax.set_title(pan["title"], fontsize=8)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=6)
    for ax in axes[n:]:
        ax.set_visible(False)
    return _save(fig, path)


def plot_spectrum_panels(panels: Sequence[dict], path: Optional[str] = None, dpi: int = 150):
    """Histograms of eigenvalues against densities, one panel each.

    Each panel: ``title``, ``eigenvalues``, ``curves`` list of (x, ρ, label), optional
    ``bins`` and ``xlim``. The histogram is normalised to unit area.
    """
    n = len(panels)
    ncols = min(3, n)
    fig, axes = _new(math.ceil(n / ncols), ncols, dpi=dpi)
    for ax, pan in zip(axes, panels):
        w = np.asarray(pan["eigenvalues"], dtype=float)
        lo, hi = pan.get("xlim", (float(np.min(w)), float(np.max(w))))
        ax.hist(w[(w >= lo) & (w <= hi)], bins=pan.get("bins", 40), range=(lo, hi), density=True,
                color="#bbbbbb", edgecolor="white", label="network")
        for j, (x, rho, label) in enumerate(pan.get("curves", ())):
            ax.plot(x, rho, color=_COLORS[j % len(_COLORS)], lw=1.4, label=label)
        ax.axvline(0, color="k", lw=0.6)
        ax.set_xlim(lo, hi)
        ax.set_title(pan["title"], fontsize=8)
        ax.set_xlabel("eigenvalue (units of tr H0 / n)")
        ax.legend(fontsize=6)
    for ax in axes[n:]:
        ax.set_visible(False)
    return _save(fig, path)


def plot_freeness(panels: Sequence[dict], path: Optional[str] = None, dpi: int = 150):
    """Empirical CDFs of spec(H0 + H1) and spec(H0 + Q H1 Qᵀ) (Q Haar), one panel each.

    Each panel: ``title``, ``actual`` and ``rotated`` eigenvalue arrays.
    """
    n = len(panels)
    ncols = min(3, n)
    fig, axes = _new(math.ceil(n / ncols), ncols, dpi=dpi)
    for ax, pan in zip(axes, panels):
        for arr, label, c in ((pan["actual"], "H = H0 + H1", "k"),
                              (pan["rotated"], "H0 + Q H1 Qᵀ (Q Haar)", _COLORS[0])):
            x = np.sort(np.asarray(arr, dtype=float))
            ax.step(x, np.arange(1, x.size + 1) / x.size, where="post", color=c, lw=1.2, label=label)
        ax.axvline(0, color="#888888", lw=0.6)
        ax.set_title(pan["title"], fontsize=8)
        ax.set_xlabel("eigenvalue")
        ax.set_ylabel("fraction ≤ λ")
        ax.legend(fontsize=6)
    for ax in axes[n:]:
        ax.set_visible(False)
    return _save(fig, path)


def plot_minimizer_energies(phis, mean, se, curves: Sequence, path: Optional[str] = None,
                            runs: Sequence = (), title: Optional[str] = None, extra: Sequence = (),
                            dpi: int = 150):
    """Energies of minimizers (mean ± 2 se, and the single runs) against φ, with reference curves.

    Parameters
    ----------
    curves : sequence of (φ grid, values, label)
    runs : sequence of (φ, energies of the single runs)
    extra : sequence of (φ values, means, se, label)
        Further series (other network shapes), drawn as squares.
    """
    fig, (ax,) = _new(figsize=(5.6, 4.0), dpi=dpi)
    for j, (x, y, label) in enumerate(curves):
        ax.plot(x, y, color=_COLORS[j % len(_COLORS)], lw=1.5, label=label)
    for p, es in runs:
        ax.plot([p] * len(es), es, ".", color="#aaaaaa", ms=3)
    ax.errorbar(phis, mean, yerr=2 * np.asarray(se, dtype=float), fmt="o", color="k", ms=4,
                capsize=3, label="trained network (mean ± 2 se)")
    for j, (x, m, s, label) in enumerate(extra):
        ax.errorbar(x, m, yerr=2 * np.asarray(s, dtype=float), fmt="s", mfc="none",
                    color=_COLORS[(j + 3) % len(_COLORS)], ms=4, capsize=3, label=label)
    ax.set_xlabel("φ = parameters / (k m)")
    ax.set_ylabel("energy of minimizers")
    ax.set_ylim(bottom=0)
    ax.set_title(title or "energy of minimizers on the memorization task", fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, path)
