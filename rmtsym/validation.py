"""Validation: sample the real matrix and compare its spectrum with the limit law.

- :func:`validate` — sample (:func:`rmtsym.sampler.sample_eigenvalues`), build the
  Pennington–Worah law (Pennington & Worah, NeurIPS 2017; :mod:`rmtsym.law`), compare
  (:func:`compare`) and return a :class:`ValidationReport` with a verdict and the tolerance
  (:func:`default_tolerance`, the finite-size scale of the Kolmogorov distance).
- :func:`moment_extrapolation` — finite-size extrapolation m_k(n) = a + b/n by weighted
  least squares over several sizes.

The statistics themselves — :func:`moments`, :func:`moments_se`,
:func:`kolmogorov_distance`, :func:`wasserstein1`, :func:`edges`, :func:`outliers`,
:func:`fit_inverse_n` — are pure functions of the eigenvalues and a handed law, in
:mod:`rmtsym.sample_statistics`; they are re-exported here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .errors import ParameterError
from .sample_statistics import (ATOM_SNAP, InverseNFit, OUTLIER_MARGIN_CONSTANT,  # noqa: F401
                                _as_matrix, _law_atoms, _law_intervals, _scale, edges, fit_inverse_n,
                                kolmogorov_distance, moments, moments_per_seed, moments_se,
                                outlier_margin, outliers, wasserstein1)

#: KS tolerance at n = 1000 (see :func:`default_tolerance`)
KS_TOLERANCE_AT_1000 = 0.02


def moment_extrapolation(activation, phi, psi, sizes: Sequence[int] = (250, 500, 1000),
                         seeds: int = 4, kmax: int = 3, law=None, seed: int = 0,
                         sigma_w=1, sigma_x=1, entries="gaussian", center=True,
                         method="auto") -> List[dict]:
    """Finite-size extrapolation of the moments: m_k(n0) = a + b/n0 over several n0.

    Samples ``seeds`` matrices at each n0 in ``sizes`` (:func:`rmtsym.sampler.sample_eigenvalues`),
    fits each moment by :func:`fit_inverse_n` with the across-seed standard errors as
    weights, and compares the intercept a (the n → ∞ value) with ``law.moment(k)``.
    ``method`` is the sampler's way of drawing WX (see :func:`rmtsym.sampler.sample_eigenvalues`).

    Returns
    -------
    list of dict, one per k = 1..kmax: ``k``, ``sizes``, ``values``, ``ses``, the fit
    (``a``, ``a_se``, ``b``, ``b_se``, ``chi2``, ``dof``), ``law`` (or None) and
    ``z_score`` = (a − law)/a_se.
    """
    from .sampler import sample_eigenvalues

    sizes = [int(s) for s in sizes]
    if len(set(sizes)) < 2:
        raise ParameterError("the extrapolation needs at least two different sizes")
    vals, errs, n_used = [], [], []
    for i, n0 in enumerate(sizes):
        res = sample_eigenvalues(activation, phi, psi, n0, seeds=seeds, seed=seed + 1000 * i,
                                 sigma_w=sigma_w, sigma_x=sigma_x, entries=entries, center=center,
                                 method=method)
        vals.append(moments(res, kmax))
        errs.append(moments_se(res, kmax))
        n_used.append(res.n0)
    vals = np.array(vals)
    errs = np.array(errs)
    out = []
    for k in range(1, kmax + 1):
        fit = fit_inverse_n(n_used, vals[:, k - 1], errs[:, k - 1])
        theory = float(law.moment(k)) if law is not None else None
        z = (fit.a - theory) / fit.a_se if theory is not None and fit.a_se > 0 else None
        entry = {"k": k, "sizes": n_used, "values": vals[:, k - 1].tolist(),
                 "ses": errs[:, k - 1].tolist(), "law": theory, "z_score": z}
        entry.update(fit.as_dict())
        out.append(entry)
    return out


# ---------------------------------------------------------------------------
# the validation report
# ---------------------------------------------------------------------------
def default_tolerance(n: int) -> float:
    """The KS tolerance used by :func:`validate`: 0.02 · (1000/n), n = min(n0, n1, m).

    Why not 1/√N: the eigenvalues of one matrix are not independent. Eigenvalue
    rigidity makes the empirical CDF of a single matrix deviate from its mean by only
    O(log n / n), and the deterministic finite-size bias of the spectrum is O(1/n)
    (docs/theory.md §1.4, §7.6: ≈ 0.5 % for smooth f at n0 ≈ 1000, 1–2 % for polynomial f such
    as x²); pooling seeds does not remove the bias. The smallest dimension sets the
    resolution (with ψ = 4 only n1 = n0/4 eigenvalues per matrix).

    Measured (``pytest -m slow tests/test_validation.py``, n0 = 1000, 2 seeds, 13
    activations × (φ, ψ) ∈ {(1,1), (4,1), (1,4), (1/4,1), (1,1/4), (2,1/2), (1/2,2)}):
    KS/tolerance ≤ 0.23 for every non-polynomial f (largest: |x| 0.226, GELU 0.162), and
    0.57 for centred x² (KS = 0.0115 at φ = 1/4, tolerance 0.02). With 2 seeds at both
    n0 = 250 and 1000, KS shrinks by 2.8–3.9 (tanh, relu, x²): the C/n behaviour, not the
    factor 2 of a 1/√N error.
    """
    return KS_TOLERANCE_AT_1000 * 1000.0 / float(n)


@dataclass
class ValidationReport:
    """The result of :func:`validate`."""

    activation: str
    eta: float
    zeta: float
    sizes: dict
    kolmogorov: float
    kolmogorov_at: float
    wasserstein1: float
    edges: dict
    outliers: dict
    moments: List[float]
    moments_se: List[float]
    law_moments: List[float]
    tolerance: float
    verdict: str
    atoms: List[Tuple[float, float]] = field(default_factory=list)
    empirical_atom_mass: List[float] = field(default_factory=list)
    note: str = ""
    result: object = field(default=None, repr=False, compare=False)
    law: object = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def as_dict(self) -> dict:
        return {"activation": self.activation, "eta": self.eta, "zeta": self.zeta,
                "sizes": self.sizes, "kolmogorov": self.kolmogorov,
                "kolmogorov_at": self.kolmogorov_at, "wasserstein1": self.wasserstein1,
                "edges": self.edges, "outliers": self.outliers,
                "moments": self.moments, "moments_se": self.moments_se,
                "law_moments": self.law_moments,
                "atoms": [[a, w] for a, w in self.atoms],
                "empirical_atom_mass": self.empirical_atom_mass,
                "tolerance": self.tolerance, "verdict": self.verdict, "note": self.note}


def _empirical_atom_mass(arr: np.ndarray, atoms, scale: float) -> List[float]:
    flat = arr.reshape(-1)
    return [float(np.mean(np.abs(flat - a) <= ATOM_SNAP * scale)) for a, _ in atoms]


def compare(result, law, tolerance: Optional[float] = None, kmax: int = 4, eta=None, zeta=None,
            activation: str = "") -> ValidationReport:
    """Compare a :class:`rmtsym.sampler.SampleResult` with a law (no sampling).

    The verdict is ``"pass"`` when the Kolmogorov distance is at most ``tolerance``
    (default :func:`default_tolerance` of min(n0, n1, m)).
    """
    arr = _as_matrix(result)
    n = min(result.n0, result.n1, result.m)
    tol = default_tolerance(n) if tolerance is None else float(tolerance)
    if not tol > 0:
        raise ParameterError(f"the tolerance must be positive, got {tolerance!r}")
    ks, where = kolmogorov_distance(arr, law, return_location=True)
    w1 = wasserstein1(arr, law)
    atoms = _law_atoms(law)
    intervals = _law_intervals(law)
    scale = _scale(arr.reshape(-1), intervals)
    law_m = []
    for k in range(1, kmax + 1):
        try:
            law_m.append(float(law.moment(k)))
        except Exception:  # a law without moments still gets distances
            law_m.append(float("nan"))
    verdict = "pass" if ks <= tol else "fail"
    note = (f"verdict: Kolmogorov distance {ks:.4g} {'<=' if ks <= tol else '>'} tolerance "
            f"{tol:.4g} = {KS_TOLERANCE_AT_1000}*1000/min(n0,n1,m) (finite-size error ~ 1/n)")
    return ValidationReport(
        activation=activation or getattr(result, "activation", ""),
        eta=float(eta) if eta is not None else float("nan"),
        zeta=float(zeta) if zeta is not None else float("nan"),
        sizes=result.sizes(), kolmogorov=ks, kolmogorov_at=where, wasserstein1=w1,
        edges=edges(arr, law), outliers=outliers(arr, law, n=min(result.n1, result.m)),
        moments=moments(arr, kmax).tolist(), moments_se=moments_se(arr, kmax).tolist(),
        law_moments=law_m, tolerance=tol, verdict=verdict, atoms=atoms,
        empirical_atom_mass=_empirical_atom_mass(arr, atoms, scale), note=note,
        result=result, law=law)


#: significant digits of η, ζ used to build the law in :func:`validate`
LAW_DIGITS = 20


def _pw_law(res, n0, n1, m, sigma_w, sigma_x, dps):
    """The PW law for a resolved activation at the realised ratios n0/m, n0/n1.

    η and ζ come from :func:`rmtsym.gaussian.gaussian_moments` and are passed to
    :class:`rmtsym.law.PenningtonWorahLaw` as decimal strings of ``LAW_DIGITS`` significant
    digits (exact rationals): the solver's algebra then stays rational, which is fast for
    every activation (closed forms with π, √3, arcsin made the exact law very slow to build,
    e.g. GELU), and 20 digits is far beyond what a Monte Carlo comparison resolves. The
    ratios are the exact rationals n0/m and n0/n1 of the rounded sizes, so rounding
    n1 = round(n0/ψ), m = round(n0/φ) adds no spurious bias.
    """
    import sympy as sp

    from .gaussian import gaussian_moments
    from .law import PenningtonWorahLaw

    if res.activation is None:
        raise ParameterError("validate needs an activation formula (or an explicit law) to "
                             "build the Pennington-Worah law")
    gm = gaussian_moments(res.activation, sigma_w=sigma_w, sigma_x=sigma_x, dps=max(int(dps), 25))

    def text(c):
        if float(c) == 0.0 and (c.is_exact or c.value == 0):
            return "0"
        return c.decimal(max(1, min(LAW_DIGITS, int(c.digits))))

    eta, zeta = text(gm.eta), text(gm.zeta)
    if gm.eta.is_exact and gm.zeta.is_exact and sp.simplify(gm.eta.exact - gm.zeta.exact) == 0:
        zeta = eta  # linear f: keep η = ζ exactly (product of Wisharts)
    return PenningtonWorahLaw(eta, zeta, sp.Rational(n0, m), sp.Rational(n0, n1), dps=dps)


def validate(activation, phi, psi, n0, seeds=4, seed=0, sigma_w=1, sigma_x=1, entries="gaussian",
             law=None, tolerance: Optional[float] = None, kmax: int = 4, dps: int = 30,
             progress=None, method="auto") -> ValidationReport:
    """Sample Pennington & Worah's M = YYᵀ/m and measure its distance to the PW law.

    The law is :class:`rmtsym.law.PenningtonWorahLaw` (Pennington & Worah, NeurIPS 2017:
    G(z) from the quartic Q, docs/theory.md §1.4) with η, ζ of the activation to 20 digits
    at the realised ratios n0/m, n0/n1 (see ``_pw_law``), unless a law is given. The
    report holds the exact Kolmogorov and the Wasserstein-1 distances of the pooled
    eigenvalues, the edges, the outliers beyond a Tracy–Widom margin, the moments with
    standard errors against ``law.moment(k)``, the atoms with their empirical mass, and
    the verdict: pass iff KS ≤ tolerance, default 0.02·1000/min(n0, n1, m)
    (:func:`default_tolerance` explains why). ``method`` is the sampler's way of drawing WX
    (see :func:`rmtsym.sampler.sample_eigenvalues`).
    """
    from .sampler import resolve_activation, sample_eigenvalues, sample_sizes

    res = resolve_activation(activation)
    n0_, n1, m = sample_sizes(phi, psi, n0)
    if law is None:
        law = _pw_law(res, n0_, n1, m, sigma_w, sigma_x, dps)
    eta = getattr(law, "eta", None)
    zeta = getattr(law, "zeta", None)
    result = sample_eigenvalues(res, phi, psi, n0, seeds=seeds, seed=seed, sigma_w=sigma_w,
                                sigma_x=sigma_x, entries=entries, center=True, progress=progress,
                                method=method)
    return compare(result, law, tolerance=tolerance, kmax=kmax,
                   eta=float(eta) if eta is not None else None,
                   zeta=float(zeta) if zeta is not None else None, activation=res.name)


__all__ = ["moments", "moments_se", "moments_per_seed", "kolmogorov_distance", "wasserstein1",
           "edges", "outliers", "outlier_margin", "fit_inverse_n", "InverseNFit",
           "moment_extrapolation", "default_tolerance", "ValidationReport", "compare", "validate", "LAW_DIGITS"]
