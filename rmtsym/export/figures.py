"""Figures of the reports and derivations (memorization curves, spectra grids, layer spectra).

The single-spectrum histogram lives in :mod:`rmtsym.export.plots` (sampler engineer's);
this module adds the figures of issue 7, drawn like it with matplotlib's object-oriented API
on an Agg canvas (no pyplot state). Theory: Pennington & Worah, NeurIPS 2017
(memorization §5, propagation §6); docs/theory.md §1.7–1.8.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import numpy as np

from .plots import _format_of, _matplotlib


def _new(figsize=(7.0, 4.4), dpi=150, nrows=1, ncols=1):
    Figure, Canvas = _matplotlib()
    fig = Figure(figsize=figsize, dpi=dpi)
    Canvas(fig)
    axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(nrows * ncols)]
    return fig, axes


def _save(fig, path):
    if path is not None:
        _format_of(path)
        fig.tight_layout()
        fig.savefig(path)
    return fig


def plot_memorization(gammas, curves: Sequence[Tuple[np.ndarray, str]], path: Optional[str] = None,
                      points: Sequence[Tuple] = (), title: Optional[str] = None, dpi: int = 150):
    """E_train(γ) curves on a log γ axis, with simulated points (mean ± se).

    Parameters
    ----------
    gammas : array
        The γ grid of the curves.
    curves : sequence of (values, label)
        Theory curves E_train(γ) = 1 − φ/ψ − (φ/ψ)γ²G′(−γ) (PW 2017 §5; docs/theory.md §1.7).
    points : sequence of (gammas, mean, se, label)
        Simulated losses (error bars are ± 2 se).
    """
    fig, (ax,) = _new(dpi=dpi)
    colors = ["#c0392b", "#2471a3", "#229954", "#7d3c98", "#d68910", "#17a589", "#566573"]
    for i, (vals, label) in enumerate(curves):
        ax.plot(gammas, vals, color=colors[i % len(colors)], lw=1.6, label=label)
    for i, (g, mean, se, label) in enumerate(points):
        ax.errorbar(g, mean, yerr=2 * np.asarray(se, dtype=float), fmt="o", ms=4, capsize=2,
                    color=colors[i % len(colors)], mfc="white", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("ridge parameter γ")
    ax.set_ylabel("training loss E_train")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    if title:
        ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_spectra_grid(panels: Sequence[dict], path: Optional[str] = None, ncols: int = 2, dpi: int = 120):
    """Several histograms against densities, one panel each.

    Each panel is a dict with ``eigenvalues`` (1-d array, atoms excluded or not),
    ``x`` and ``pdf`` (the theory density on a grid), ``title``, optionally ``total``
    (count used for normalisation, default len(eigenvalues)), ``extra`` (list of (x, y,
    label) curves, e.g. a closed-form Marchenko–Pastur density) and ``range``.
    """
    n = len(panels)
    nrows = int(math.ceil(n / ncols))
    fig, axes = _new(figsize=(5.0 * ncols, 3.4 * nrows), dpi=dpi, nrows=nrows, ncols=ncols)
    for ax, p in zip(axes, panels):
        eig = np.asarray(p["eigenvalues"], dtype=float)
        total = p.get("total", eig.size)
        lo, hi = p.get("range", (float(np.min(p["x"])), float(np.max(p["x"]))))
        nb = int(np.clip(3 * eig.size ** (1 / 3), 30, 120))
        counts, edges = np.histogram(eig, bins=nb, range=(lo, hi))
        ax.bar(edges[:-1], counts / (total * np.diff(edges)), width=np.diff(edges), align="edge",
               color="#9ecae1", edgecolor="#4a90c2", lw=0.3, label="simulation")
        ax.plot(p["x"], p["pdf"], color="#c0392b", lw=1.5, label="PW density")
        for xs, ys, label in p.get("extra", []):
            ax.plot(xs, ys, "k--", lw=1.0, label=label)
        ax.set_title(p.get("title", ""), fontsize=9)
        ax.set_xlabel("eigenvalue")
        top = float(np.nanmax(np.asarray(p["pdf"], dtype=float)))
        ax.set_ylim(0, 1.25 * max(top, (counts / (total * np.diff(edges))).max()))
        ax.legend(fontsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    return _save(fig, path)


def plot_layer_spectra(rows: Sequence[dict], path: Optional[str] = None, dpi: int = 120):
    """Data-Gram spectra through layers: one row per activation, one panel per layer.

    Each row: ``title`` and ``layers``, a list of dicts with ``eigenvalues`` (simulated
    K_l eigenvalues), ``x``, ``pdf`` (the layer-map density) and ``label``.
    """
    nrows = len(rows)
    ncols = max(len(r["layers"]) for r in rows)
    fig, axes = _new(figsize=(3.2 * ncols, 2.8 * nrows), dpi=dpi, nrows=nrows, ncols=ncols)
    for i, row in enumerate(rows):
        for j in range(ncols):
            ax = axes[i * ncols + j]
            if j >= len(row["layers"]):
                ax.set_visible(False)
                continue
            lay = row["layers"][j]
            eig = np.asarray(lay["eigenvalues"], dtype=float)
            hi = max(float(np.max(lay["x"])), float(np.quantile(eig, 0.999)))
            counts, edges = np.histogram(eig, bins=60, range=(0, hi))
            h = counts / (eig.size * np.diff(edges))
            ax.bar(edges[:-1], h, width=np.diff(edges), align="edge", color="#9ecae1",
                   edgecolor="#4a90c2", lw=0.3)
            ax.plot(lay["x"], lay["pdf"], color="#c0392b", lw=1.3)
            ax.set_ylim(0, 1.2 * max(h.max(), float(np.nanmax(lay["pdf"]))))
            pdf = np.nan_to_num(np.asarray(lay["pdf"], dtype=float))
            on = np.asarray(lay["x"], dtype=float)[pdf > 1e-3 * pdf.max()] if pdf.max() > 0 else [hi]
            ax.set_xlim(0, 1.05 * max(float(np.max(on)), float(np.max(eig))))
            ax.set_title(f"{row['title']}: {lay['label']}", fontsize=8)
            ax.tick_params(labelsize=7)
    return _save(fig, path)


def plot_lines(x, curves: Sequence[Tuple[np.ndarray, str]], path: Optional[str] = None,
               xlabel: str = "", ylabel: str = "", title: Optional[str] = None, logx: bool = False,
               points: Sequence[Tuple] = (), dpi: int = 150):
    """Simple line plot (e.g. eigenvalue variance of K_l against depth), with optional
    points (x, y, yerr, label)."""
    fig, (ax,) = _new(dpi=dpi)
    for vals, label in curves:
        ax.plot(x, vals, lw=1.5, marker=".", label=label)
    for px, py, pe, label in points:
        ax.errorbar(px, py, yerr=pe, fmt="o", ms=4, mfc="white", capsize=2, label=label)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return _save(fig, path)


__all__ = ["plot_memorization", "plot_spectra_grid", "plot_layer_spectra", "plot_lines"]
