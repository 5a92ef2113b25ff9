"""Figures of the generalization error of random-feature ridge regression (double descent).

Renders the arrays it is handed and derives nothing: the curves come from
:mod:`rmtsym.applications.generalization` (Mei & Montanari, CPAM 75 (2022),
arXiv:1908.05355), the points from its simulator.  matplotlib's object-oriented API on an
Agg canvas (no pyplot state), like :mod:`rmtsym.export.figures`.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .plots import _format_of, _matplotlib

__all__ = ["plot_double_descent", "plot_panels", "COLORS"]

COLORS = ["#c0392b", "#2471a3", "#229954", "#7d3c98", "#d68910", "#17a589", "#566573"]

_LABELS = {"psi1": "ψ1 = N/d (features per dimension)", "psi2": "ψ2 = n/d (samples per dimension)",
           "ridge": "ridge λ", "psi1/psi2": "ψ1/ψ2 = N/n"}


def _draw(ax, x, curves, points, thresholds, axis, ylabel, logy, ylim, logx=True):
    for i, cv in enumerate(curves):
        col = cv.get("color") or COLORS[i % len(COLORS)]
        ax.plot(x if cv.get("x") is None else cv["x"], cv["y"], color=col, lw=1.6,
                ls=cv.get("ls", "-"), label=cv.get("label"))
    for i, pt in enumerate(points):
        col = pt.get("color") or COLORS[i % len(COLORS)]
        se = pt.get("se")
        yerr = None if se is None else 2 * np.asarray(se, dtype=float)
        ax.errorbar(pt["x"], pt["y"], yerr=yerr, fmt=pt.get("fmt", "o"), ms=4, capsize=2, color=col,
                    mfc="white", label=pt.get("label"))
    for t in thresholds:
        ax.axvline(t, color="0.4", ls=":", lw=1.0)
    if logx:
        from matplotlib.ticker import FuncFormatter, NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(_LABELS.get(axis, axis))
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3, which="both")
    handles, labels = ax.get_legend_handles_labels()
    if labels:
        ax.legend(fontsize=7, loc="best")


def plot_double_descent(x, curves: Sequence[dict], path: Optional[str] = None, axis: str = "psi1",
                        points: Sequence[dict] = (), thresholds: Sequence[float] = (),
                        title: Optional[str] = None, ylabel: str = "test risk",
                        logy: bool = False, ylim=None, logx: bool = True, dpi: int = 150):
    """Curves of the test risk (or training error) against ψ1, ψ2 or λ on a log axis.

    Parameters
    ----------
    x : array
        The common abscissa of the curves.
    curves : sequence of dict
        ``y`` (values at ``x``), ``label``, optional ``ls`` (line style), ``color``, ``x``.
    points : sequence of dict
        Simulated points: ``x``, ``y``, ``se`` (error bars are ± 2 se), ``label``, ``color``.
    thresholds : sequence of float
        Abscissas of vertical dotted lines (the interpolation threshold ψ1 = ψ2).
    logx, logy : bool
        Logarithmic axes (x by default).
    path : str, optional
        PNG/PDF/SVG file to write (its folder must exist).
    """
    if path is not None:
        _format_of(path)
    Figure, Canvas = _matplotlib()
    fig = Figure(figsize=(7.0, 4.4), dpi=dpi)
    Canvas(fig)
    ax = fig.add_subplot(1, 1, 1)
    _draw(ax, x, curves, points, thresholds, axis, ylabel, logy, ylim, logx)
    if title:
        ax.set_title(title, fontsize=10)
    if path is not None:
        fig.tight_layout()
        fig.savefig(path)
    return fig


def plot_panels(panels: Sequence[dict], path: Optional[str] = None, ncols: int = 2, dpi: int = 120):
    """Several double-descent panels; each dict holds the arguments of
    :func:`plot_double_descent` (``x``, ``curves``, ``points``, ``thresholds``, ``axis``,
    ``title``, ``ylabel``, ``logy``, ``ylim``, ``logx``)."""
    if path is not None:
        _format_of(path)
    Figure, Canvas = _matplotlib()
    n = len(panels)
    nrows = (n + ncols - 1) // ncols
    fig = Figure(figsize=(5.4 * ncols, 3.8 * nrows), dpi=dpi)
    Canvas(fig)
    for i, p in enumerate(panels):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        _draw(ax, p["x"], p.get("curves", ()), p.get("points", ()), p.get("thresholds", ()),
              p.get("axis", "psi1"), p.get("ylabel", "test risk"), p.get("logy", False), p.get("ylim"),
              p.get("logx", True))
        if p.get("title"):
            ax.set_title(p["title"], fontsize=9)
    if path is not None:
        fig.tight_layout()
        fig.savefig(path)
    return fig
