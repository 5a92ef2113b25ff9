r"""A report for one activation: obtain everything from the pipeline, hand it to export.

:func:`build_report` asks the pipeline once for what the report shows — the law
(:meth:`rmtsym.law.PenningtonWorahLaw.from_activation`, with η, ζ from
:func:`rmtsym.gaussian.gaussian_moments`), its :class:`~rmtsym.pennington_worah.Derivation`
(quartic, special case, edge equation, atoms, moment polynomials), the memorization losses
(:mod:`rmtsym.applications.memorization`) and, for figures, a simulation of the actual matrix
(:mod:`rmtsym.sampler`, :mod:`rmtsym.validation`) — and collects it in a
:class:`~rmtsym.export.report_document.ReportData`. :func:`write_report` then has
:mod:`rmtsym.export` render it (:func:`~rmtsym.export.report_document.render_tex`,
:func:`~rmtsym.export.report_document.render_markdown`, the figures) and writes the files.
Pennington & Worah, "Nonlinear random matrix theory for deep learning", NeurIPS 2017.

Former path: ``rmtsym.export.report`` (an alias of this module).
"""
from __future__ import annotations

import math
import os
import re
from typing import Optional, Sequence

import mpmath
import numpy as np
import sympy as sp

from .. import symbols as S
from ..errors import ParameterError
from ..numbers import Certified, check_dps
from ..export.pdflatex import ascii_tex  # noqa: F401  (former name rmtsym.export.report.ascii_tex)
from ..export.report_document import ReportData, render_markdown, render_tex

#: ridge parameters of the memorization table
DEFAULT_GAMMAS = ("0.001", "0.01", "0.1", "1", "10")
#: number of exact moments shown
DEFAULT_MOMENTS = 4
#: simulation size for the figures (modest: the figure is a check, not a measurement)
DEFAULT_N0 = 400
DEFAULT_SEEDS = 2
FORMATS = ("tex", "md")


# ---------------------------------------------------------------------------------------
# computing
# ---------------------------------------------------------------------------------------

def _exact(value, name):
    from ..law import _exact_from
    return _exact_from(value, name)[0]


def _safe_name(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_", str(text)).strip("_")
    return (s or "f")[:40]


def build_report(activation, phi, psi, sigma_w=1, sigma_x=1, dps: int = 20,
                 gammas: Sequence = DEFAULT_GAMMAS, kmax: int = DEFAULT_MOMENTS,
                 figure_dir: Optional[str] = None, figure_prefix: Optional[str] = None,
                 n0: int = DEFAULT_N0, seeds: int = DEFAULT_SEEDS, seed: int = 0) -> ReportData:
    """Compute the content of a report.

    Parameters
    ----------
    activation : str or Activation
        The activation (parsed safely by :func:`rmtsym.activation.parse_activation`).
    phi, psi : number or str
        φ = n0/m and ψ = n0/n1.
    sigma_w, sigma_x : number or str
        Weight and data scales (σ = σ_w σ_x).
    dps : int
        Working precision of η, ζ, the moments and the memorization loss.
    gammas : sequence
        Ridge parameters of the memorization table.
    kmax : int
        Number of exact moments.
    figure_dir : str, optional
        When given, simulate the matrix (n0, seeds) and write the density and memorization
        figures (PNG) there.

    Returns
    -------
    ReportData
    """
    from ..activation import parse_activation
    from ..law import PenningtonWorahLaw
    from ..applications.memorization import train_loss, train_loss_limits

    dps = check_dps(dps)
    act = parse_activation(activation)
    if act.params:
        raise ParameterError("the report needs numeric parameters; the activation has free parameters "
                             + ", ".join(str(p) for p in act.params))
    ph, ps = _exact(phi, "phi"), _exact(psi, "psi")
    sw, sx = _exact(sigma_w, "sigma_w"), _exact(sigma_x, "sigma_x")
    if not (ph > 0 and ps > 0):
        raise ParameterError("phi and psi must be positive")
    law = PenningtonWorahLaw.from_activation(act, ph, ps, sigma_w=sw, sigma_x=sx, dps=dps)
    gm = law.gaussian_moments
    e, zt = law.eta, law.zeta
    derivation = law.derivation  # the one derivation of this law: quartic, case, edges, moments
    try:
        edge = derivation.edge_equation.value
    except Exception:  # the edge equation is shown when SymPy can factor it
        edge = None
    ms = derivation.moments(kmax).value
    digits = min([dps] + [c.digits for c, ex in ((gm.eta, gm.eta_expr), (gm.zeta, gm.zeta_expr))
                          if ex is None])
    values = []
    with mpmath.workdps(dps + 10):
        ev, zv, phv, psv = (mpmath.mpf(str(sp.N(v, dps + 15))) for v in (e, zt, ph, ps))
        for mk in ms:
            f = sp.lambdify((S.eta, S.zeta, S.phi, S.psi), mk, "mpmath")
            v = f(ev, zv, phv, psv)
            values.append(Certified(+v, digits, "exact moment polynomial (series of the P-equation)"))
    dens = [float(law.moment_numeric(k)) for k in range(1, kmax + 1)]
    losses = []
    with mpmath.workdps(dps + 10):
        for g in gammas:
            losses.append(train_loss(ev, zv, ph, ps, g, dps))
    limits = train_loss_limits(e, zt, ph, ps)
    data = ReportData(act, ph, ps, sw, sx, dps, gm, law, law.case, list(law.intervals()), list(law.atoms()),
                      edge, ms, values, dens, [str(g) for g in gammas], losses, limits,
                      derivation=derivation)
    if figure_dir is not None:
        _figures(data, figure_dir, figure_prefix or _safe_name(act.source or act.name), n0, seeds, seed)
    return data


def _figures(data: ReportData, directory: str, prefix: str, n0: int, seeds: int, seed: int) -> None:
    """Simulate M at size n0 and draw the density and memorization figures (PNG)."""
    from ..sampler import sample_eigenvalues
    from ..validation import kolmogorov_distance
    from ..applications.memorization import simulate_train_loss, curve_over_gamma
    from ..export.plots import plot_spectrum
    from ..export.figures import plot_memorization

    res = sample_eigenvalues(data.activation, float(data.phi), float(data.psi), n0, seeds=seeds, seed=seed,
                             sigma_w=float(data.sigma_w), sigma_x=float(data.sigma_x))
    ks = float(kolmogorov_distance(res, data.law))
    dens_path = os.path.join(directory, f"{prefix}_density.png")
    plot_spectrum(res, data.law, path=dens_path, activation=data.name, kolmogorov=ks)
    data.figures["density"] = dens_path
    data.simulation = {"ks": ks, "n0": res.n0, "n1": res.n1, "m": res.m, "seeds": res.seeds,
                       "ks_scale": 1.0 / math.sqrt(res.n1)}
    gam_sim = np.array([float(g) for g in data.gammas])
    sim = simulate_train_loss(data.activation, float(data.phi), float(data.psi), gam_sim, n0,
                              seeds=max(2, seeds), seed=seed, sigma_w=float(data.sigma_w),
                              sigma_x=float(data.sigma_x))
    grid = np.logspace(math.log10(min(gam_sim) / 2), math.log10(max(gam_sim) * 2), 120)
    curve = curve_over_gamma(float(data.law.eta), float(data.law.zeta), float(data.phi), float(data.psi), grid)
    mem_path = os.path.join(directory, f"{prefix}_memorization.png")
    plot_memorization(grid, [(curve, f"theory, {data.name}")], path=mem_path,
                      points=[(gam_sim, sim.mean, sim.se, f"simulation n0={n0}")],
                      title=f"memorization loss, φ={_fmt(data.phi)}, ψ={_fmt(data.psi)}")
    data.figures["memorization"] = mem_path
    data.memorization_simulation = {"mean": [float(v) for v in sim.mean], "se": [float(v) for v in sim.se],
                                    "sizes": sim.sizes}


def _fmt(v) -> str:
    v = sp.sympify(v)
    return str(v) if v.is_Rational else f"{float(v):g}"


# ---------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------

def write_report(activation, phi, psi, output: Optional[str] = None, fmt: Optional[str] = None,
                 figures: bool = False, sigma_w=1, sigma_x=1, dps: int = 20,
                 gammas: Sequence = DEFAULT_GAMMAS, n0: int = DEFAULT_N0, seeds: int = DEFAULT_SEEDS,
                 seed: int = 0, command: Optional[str] = None) -> dict:
    """Build a report and write it.

    Parameters
    ----------
    output : str, optional
        File to write; its extension chooses the format when ``fmt`` is None. Without it the
        document is returned under ``"document"`` and nothing is written (``figures`` then
        needs an output file, next to which the PNGs are saved).
    fmt : {"tex", "md"}, optional

    Returns
    -------
    dict
        ``paths`` (files written), ``format``, ``summary`` (numbers of the report) and,
        without ``output``, ``document``.
    """
    if fmt is None:
        ext = os.path.splitext(output)[1].lower().lstrip(".") if output else "tex"
        fmt = {"tex": "tex", "md": "md", "markdown": "md"}.get(ext)
        if fmt is None:
            raise ParameterError(f"cannot tell the format from {output!r}; use --format tex or md")
    if fmt not in FORMATS:
        raise ParameterError(f"the format must be tex or md, got {fmt!r}")
    if figures and not output:
        raise ParameterError("--figures needs --output FILE (the figures are saved next to it)")
    if output:
        folder = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(folder):  # nothing is created that was not asked for
            raise ParameterError(f"the folder of the output file does not exist: {folder}")
        if os.path.isdir(output):
            raise ParameterError(f"the output {output!r} is a folder; give a file name")
    if figures:
        from ..export.plots import _matplotlib

        _matplotlib()  # a missing matplotlib fails before any work
    fig_dir = os.path.dirname(os.path.abspath(output)) if (figures and output) else None
    prefix = os.path.splitext(os.path.basename(output))[0] if output else None
    data = build_report(activation, phi, psi, sigma_w, sigma_x, dps, gammas, figure_dir=fig_dir,
                        figure_prefix=prefix, n0=n0, seeds=seeds, seed=seed)
    text = render_tex(data, command) if fmt == "tex" else render_markdown(data, command)
    out = {"format": fmt, "paths": [], "summary": data.summary()}
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        out["paths"] = [os.path.abspath(output)] + [os.path.abspath(p) for p in data.figures.values()]
    else:
        out["document"] = text
    return out


__all__ = ["ReportData", "build_report", "render_tex", "render_markdown", "write_report",
           "DEFAULT_GAMMAS", "DEFAULT_MOMENTS", "DEFAULT_N0", "DEFAULT_SEEDS", "FORMATS"]
