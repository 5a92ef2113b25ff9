"""Heat maps of sweep tables (the table of :func:`rmtsym.sweep.sweep`, numbers converted).

Renders what it is handed and derives nothing: one column over two grid columns, numeric
(a colour scale, optionally logarithmic, with contour lines at given levels) or categorical
(one colour per category, e.g. the phase of a deep network); points whose row carries an
error are hatched grey, infinite values are black. Drawn with matplotlib's object-oriented
API on an Agg canvas, like :mod:`rmtsym.export.figures`.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..errors import ParameterError
from .plots import _format_of, _matplotlib

__all__ = ["check_heatmap", "default_value_column", "draw_heatmap", "plot_heatmap", "plot_heatmaps"]

_CATEGORY_COLORS = ["#2471a3", "#c0392b", "#f1c40f", "#229954", "#7d3c98", "#d68910", "#17a589"]


def check_heatmap(path: str) -> None:
    """A figure file name matplotlib can write in an existing folder, and matplotlib
    installed (checked up front)."""
    from .plots import check_figure_path

    check_figure_path(path)


def default_value_column(frame, grid: Sequence[str]) -> Optional[str]:
    """The first numeric column of the command's results that varies over the grid and is
    not a grid value echoed back (``sigma_w`` for the grid ``sigma-w``)."""
    skip = {"point", "error", "elapsed_s", "call", "seed", "digits"} | set(grid)
    skip |= {g.replace("-", "_") for g in grid}
    for c in frame.columns:
        if c in skip or c.startswith("result."):
            continue
        col = frame[c]
        if col.dtype.kind in "fi" and col.nunique(dropna=True) > 1:
            return c
    return None


def _edges(values: np.ndarray, log: bool) -> np.ndarray:
    v = np.log(values) if log else values.astype(float)
    if len(v) == 1:
        e = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        mid = (v[1:] + v[:-1]) / 2
        e = np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])
    return np.exp(e) if log else e


def _grid(frame, x, y, value):
    xs = np.array(sorted(frame[x].dropna().unique()), dtype=float)
    ys = np.array(sorted(frame[y].dropna().unique()), dtype=float)
    ix = {v: i for i, v in enumerate(xs)}
    iy = {v: i for i, v in enumerate(ys)}
    Z = np.full((len(ys), len(xs)), None, dtype=object)
    err = np.zeros((len(ys), len(xs)), dtype=bool)
    has_err = "error" in frame.columns
    for xv, yv, zv, ev in zip(frame[x], frame[y], frame[value],
                              frame["error"] if has_err else [None] * len(frame)):
        if xv != xv or yv != yv:
            continue
        i, j = iy[float(yv)], ix[float(xv)]
        Z[i, j] = None if zv is None or (isinstance(zv, float) and zv != zv) else zv
        err[i, j] = isinstance(ev, str) and bool(ev)
    return xs, ys, Z, err


def draw_heatmap(ax, frame, x: str, y: str, value: str, log_x: bool = False, log_y: bool = False,
                 log_color: bool = False, contours: Sequence = (), lines: Sequence = (),
                 cmap: str = "viridis", vmin=None, vmax=None, center=None, xlabel=None, ylabel=None,
                 title=None, colorbar: bool = True, label: Optional[str] = None):
    """Draw ``value`` over (``x``, ``y``) into the matplotlib axes ``ax``.

    Parameters
    ----------
    contours : sequence of (level, label, color)
        Contour lines of the (numeric) value at these levels, e.g. ``(1, "χ1 = 1", "w")``.
    lines : sequence of (xs, ys, label, color)
        Curves drawn on top (computed elsewhere and handed in).
    log_color : bool
        Logarithmic colour scale (positive values).
    center : float, optional
        A value at the middle of a diverging colour map (``1`` for χ1: white on the line).

    Returns
    -------
    The mappable of the colour scale (None for a categorical value).
    """
    from matplotlib.colors import ListedColormap, LogNorm, Normalize, TwoSlopeNorm
    from matplotlib.patches import Patch

    for c in (x, y, value):
        if c not in frame.columns:
            raise ParameterError(f"heat map: no column {c!r} in the table")
    xs, ys, Z, err = _grid(frame, x, y, value)
    X, Y = _edges(xs, log_x), _edges(ys, log_y)
    present = [v for v in Z.ravel() if v is not None]
    numeric = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                  for v in present)
    handles = []
    mappable = None
    if numeric:
        F = np.array([[np.nan if v is None else float(v) for v in row] for row in Z])
        inf = np.isinf(F)
        M = np.ma.masked_invalid(F)
        finite = F[np.isfinite(F)]
        if log_color:
            pos = finite[finite > 0]
            norm = LogNorm(vmin=vmin or (pos.min() if pos.size else 1e-3),
                           vmax=vmax or (pos.max() if pos.size else 1))
            M = np.ma.masked_where(~np.isfinite(F) | (F <= 0), F)
        else:
            lo = vmin if vmin is not None else (finite.min() if finite.size else 0)
            hi = vmax if vmax is not None else (finite.max() if finite.size else 1)
            if center is not None:
                span = max(abs(hi - center), abs(center - lo), 1e-12)
                norm = TwoSlopeNorm(vcenter=center, vmin=center - span, vmax=center + span)
            else:
                norm = Normalize(vmin=lo, vmax=hi)
        mappable = ax.pcolormesh(X, Y, M, cmap=cmap, norm=norm, shading="flat")
        if inf.any():
            ax.pcolormesh(X, Y, np.ma.masked_where(~inf, np.ones_like(F)),
                          cmap=ListedColormap(["black"]), shading="flat")
            handles.append(Patch(color="black", label="∞"))
        if colorbar:
            ax.figure.colorbar(mappable, ax=ax, label=label or value)
        if contours and finite.size:
            Xc, Yc = np.meshgrid(xs, ys)
            for level, text, color in contours:
                if np.nanmin(F[np.isfinite(F)]) < level < np.nanmax(F[np.isfinite(F)]):
                    ax.contour(Xc, Yc, np.ma.masked_invalid(F), levels=[level], colors=[color],
                               linewidths=1.6)
                    handles.append(Patch(facecolor="none", edgecolor=color, label=text))
    else:
        cats = sorted({str(v) for v in present})
        code = {c: i for i, c in enumerate(cats)}
        C = np.ma.masked_invalid(np.array([[np.nan if v is None else code[str(v)] for v in row]
                                           for row in Z], dtype=float))
        colors = [_CATEGORY_COLORS[i % len(_CATEGORY_COLORS)] for i in range(len(cats))]
        if cats:
            ax.pcolormesh(X, Y, C, cmap=ListedColormap(colors), vmin=-0.5, vmax=len(cats) - 0.5,
                          shading="flat")
        handles += [Patch(color=col, label=c) for c, col in zip(cats, colors)]
    if err.any():
        E = np.ma.masked_where(~err, np.ones(err.shape))
        ax.pcolor(X, Y, E, cmap=ListedColormap(["#bbbbbb"]), hatch="///", edgecolor="#888888",
                  linewidth=0.0)
        handles.append(Patch(facecolor="#bbbbbb", hatch="///", edgecolor="#888888",
                             label=f"error ({int(err.sum())} points)"))
    for lx, ly, text, color in lines:
        ax.plot(lx, ly, color=color, lw=1.6, ls="--", label=text)
    if log_x:
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlim(X[0], X[-1])
    ax.set_ylim(Y[0], Y[-1])
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    if title:
        ax.set_title(title, fontsize=10)
    line_handles = [h for h in ax.get_lines() if not h.get_label().startswith("_")]
    if handles or line_handles:
        ax.legend(handles=handles + line_handles, fontsize=7, loc="best", framealpha=0.8)
    return mappable


def plot_heatmap(frame, x: str, y: str, value: str, path: Optional[str] = None, title: Optional[str] = None,
                 dpi: int = 150, **kw):
    """One heat map (see :func:`draw_heatmap` for the options), saved to ``path`` if given."""
    return plot_heatmaps([dict(frame=frame, x=x, y=y, value=value, title=title, **kw)], path,
                         ncols=1, dpi=dpi)


def plot_heatmaps(panels: Sequence[dict], path: Optional[str] = None, ncols: int = 2,
                  dpi: int = 150, suptitle: Optional[str] = None, panel_size=(5.2, 4.0)):
    """Several heat maps side by side; each panel is the keyword arguments of
    :func:`draw_heatmap` (``frame``, ``x``, ``y``, ``value``, ...)."""
    Figure, Canvas = _matplotlib()
    if path is not None:
        _format_of(path)
    n = len(panels)
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows), dpi=dpi)
    Canvas(fig)
    for i, panel in enumerate(panels):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        panel = dict(panel)
        draw_heatmap(ax, panel.pop("frame"), panel.pop("x"), panel.pop("y"), panel.pop("value"), **panel)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig
