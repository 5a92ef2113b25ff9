"""Figures: the sampled spectrum of M = YYᵀ/m against the Pennington–Worah density.

matplotlib is an optional dependency (``pip install rmtsym[plot]``); it is imported
inside the functions, and figures are drawn with the object-oriented API on an Agg
canvas, so no global backend (pyplot state) is touched.

The histogram shows the eigenvalues that do not sit on an atom, normalised by the
*total* number of eigenvalues (atoms included): its area is then the empirical
continuous mass, directly comparable with the law's density ρ(x) = −Im G(x + i0)/π,
whose integral is 1 − (atom masses) (Pennington & Worah, NeurIPS 2017; docs/theory.md §1.4).
Atoms are marked by a vertical line with the theoretical and empirical masses in the
legend.
"""
from __future__ import annotations

import math
import os
from typing import Optional

import numpy as np

from ..errors import ParameterError, RmtsymError

#: the file formats written (chosen by the file's extension)
FORMATS = ("png", "pdf", "svg")


def _matplotlib():
    try:
        import matplotlib  # noqa: F401
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise RmtsymError("figures need matplotlib, which is not installed; install it with "
                          "pip install 'rmtsym[plot]'") from exc
    return Figure, FigureCanvasAgg


def _format_of(path: str) -> str:
    ext = os.path.splitext(str(path))[1].lower().lstrip(".")
    if ext not in FORMATS:
        raise ParameterError(f"the figure file must end in .{', .'.join(FORMATS)}; got {path!r}")
    return ext


def check_figure_path(path: str) -> str:
    """Refuse, before any work, a figure path with an unknown extension, a folder that does
    not exist (nothing is created) or that is itself a folder, or a missing matplotlib."""
    _format_of(path)
    folder = os.path.dirname(os.path.abspath(str(path)))
    if not os.path.isdir(folder):
        raise ParameterError(f"the folder of the figure file does not exist: {folder}")
    if os.path.isdir(str(path)):
        raise ParameterError(f"the figure path {str(path)!r} is a folder; give a file name")
    _matplotlib()
    return str(path)


def _fmt(v) -> str:
    v = float(v)
    if v > 0 and abs(v - round(v)) > 1e-12 and abs(1 / v - round(1 / v)) < 1e-9:
        return f"1/{int(round(1 / v))}"
    return f"{v:g}"


def plot_spectrum(eigenvalues, law=None, path: Optional[str] = None, bins: Optional[int] = None,
                  title: Optional[str] = None, activation: Optional[str] = None,
                  phi=None, psi=None, n0=None, kolmogorov: Optional[float] = None,
                  dpi: int = 150):
    """Histogram of sampled eigenvalues against the law's density, atoms marked.

    Parameters
    ----------
    eigenvalues : SampleResult or array
        The eigenvalues (all seeds pooled). A :class:`rmtsym.sampler.SampleResult` also
        supplies the activation name, φ, ψ and n0 of the title.
    law : object, optional
        A law with ``pdf``, ``atoms()`` and ``intervals()``/``support()`` (e.g.
        :class:`rmtsym.law.PenningtonWorahLaw`); without it only the histogram is drawn.
    path : str, optional
        Where to save; the format follows the extension (.png, .pdf, .svg).
    bins : int, optional
        Number of histogram bins over the non-atomic eigenvalues (default
        clip(2·N^{1/3}, 30, 120), N the number of non-atomic eigenvalues).
    title, activation, phi, psi, n0, kolmogorov :
        Title text, or its pieces (activation, φ, ψ, n0 and the Kolmogorov distance,
        computed exactly with :func:`rmtsym.sample_statistics.kolmogorov_distance` when a law is
        given and ``kolmogorov`` is None).

    Returns
    -------
    matplotlib.figure.Figure
    """
    Figure, FigureCanvasAgg = _matplotlib()
    from .. import sample_statistics as V

    fmt = _format_of(path) if path is not None else None
    result = eigenvalues if hasattr(eigenvalues, "eigenvalues") and hasattr(eigenvalues, "n1") else None
    arr = V._as_matrix(eigenvalues)
    flat = np.sort(arr.reshape(-1))
    if result is not None:
        activation = activation if activation is not None else result.activation
        phi = phi if phi is not None else result.phi
        psi = psi if psi is not None else result.psi
        n0 = n0 if n0 is not None else result.n0

    atoms = V._law_atoms(law) if law is not None else []
    intervals = V._law_intervals(law) if law is not None else []
    scale = V._scale(flat, intervals)
    _, at_atom = V._snap_to_atoms(flat, atoms, scale)
    bulk = flat[~at_atom]
    total = flat.size

    fig = Figure(figsize=(7.0, 4.4), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)

    # histogram of the non-atomic eigenvalues, normalised by the total count
    hist_top = 0.0
    centres = np.array([])
    if bulk.size:
        lo, hi = bulk.min(), bulk.max()
        if intervals:
            lo = min(lo, intervals[0][0])
            hi = max(hi, intervals[-1][1])
        if hi <= lo:
            hi = lo + 1.0
        nb = int(bins) if bins is not None else int(np.clip(2 * bulk.size ** (1 / 3), 30, 120))
        if nb < 1:
            raise ParameterError(f"bins must be at least 1, got {bins!r}")
        counts, edges = np.histogram(bulk, bins=nb, range=(lo, hi))
        heights = counts / (total * np.diff(edges))
        hist_top = float(heights.max()) if heights.size else 0.0
        centres = 0.5 * (edges[1:] + edges[:-1])
        ax.bar(edges[:-1], heights, width=np.diff(edges), align="edge", color="#9ecae1",
               edgecolor="#4a90c2", linewidth=0.4,
               label=f"sample: {total} eigenvalues ({arr.shape[0]} matrices)")

    # the law's density on a grid clustered at the edges
    pdf_top = 0.0
    if law is not None and intervals:
        for i, (a, b) in enumerate(intervals):
            theta = np.linspace(0.0, math.pi, 801)[1:-1]
            xs = a + (b - a) * (1 - np.cos(theta)) / 2
            ys = np.asarray(law.pdf(xs), dtype=float)
            ax.plot(xs, ys, color="#c0392b", linewidth=1.6,
                    label="Pennington–Worah density" if i == 0 else None)
            if not centres.size:
                finite = ys[np.isfinite(ys)]
                pdf_top = max(pdf_top, float(finite.max()) if finite.size else 0.0)
        if centres.size:
            # the y-range follows the density at the bin centres, so an integrable edge
            # singularity (hard edge at 0 when φ = ψ) does not flatten the figure
            at_centres = np.asarray(law.pdf(centres), dtype=float)
            at_centres = at_centres[np.isfinite(at_centres)]
            pdf_top = float(at_centres.max()) if at_centres.size else 0.0
    top = 1.2 * max(hist_top, pdf_top, 1e-12)
    ax.set_ylim(0.0, top)
    xs_all = [flat[0], flat[-1]] + [a for a, _ in intervals] + [b for _, b in intervals]
    x_lo, x_hi = min(xs_all), max(xs_all)
    pad = 0.04 * (x_hi - x_lo if x_hi > x_lo else 1.0)
    ax.set_xlim(x_lo - pad, x_hi + pad)

    # atoms: a vertical line with the masses in the legend
    for x0, mass in atoms:
        emp = float(np.mean(np.abs(flat - x0) <= V.ATOM_SNAP * scale))
        ax.vlines(x0, 0.0, 0.9 * top, color="#8e44ad", linewidth=2.0,
                  label=f"atom at {x0:g}: mass {mass:.4g} (sample {emp:.4g})")
        ax.plot([x0], [0.9 * top], marker="^", color="#8e44ad", markersize=8)
        ax.annotate(f"mass {mass:.3g}", xy=(x0, 0.9 * top), xytext=(8, -2),
                    textcoords="offset points", color="#8e44ad", fontsize=9, va="center")

    if kolmogorov is None and law is not None:
        kolmogorov = V.kolmogorov_distance(arr, law)
    if title is None:
        parts = []
        if activation:
            parts.append(f"f = {activation}")
        if phi is not None:
            parts.append(f"φ = {_fmt(phi)}")
        if psi is not None:
            parts.append(f"ψ = {_fmt(psi)}")
        if n0 is not None:
            parts.append(f"n0 = {int(n0)}")
        if kolmogorov is not None:
            parts.append(f"KS = {kolmogorov:.3g}")
        title = "Spectrum of M = YYᵀ/m" + (": " + ", ".join(parts) if parts else "")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("eigenvalue λ")
    ax.set_ylabel("density (continuous part)")
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, format=fmt, dpi=dpi)
    return fig


__all__ = ["plot_spectrum", "FORMATS"]
