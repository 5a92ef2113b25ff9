r"""One call for a point or a curve of the generalization error (the CLI's front end).

:func:`generalization` takes an activation and lists of ψ1 = N/d, ψ2 = n/d and ridges λ,
forms their grid (λ outermost, then ψ2, ψ1 innermost: each (λ, ψ2) gives a curve in ψ1),
computes the Mei–Montanari test risk, bias, variance and training error at every point at
the requested precision (:func:`.mei_montanari.mm_risk`), the closed-form limits at a
single point (:mod:`rmtsym.applications.generalization.limits`), and optionally simulates the same points
(:func:`.simulate.simulate_points`).  :meth:`GeneralizationCurve.dense` gives a fine
double-precision curve for figures (:func:`.mei_montanari.risk_numpy`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import mpmath
import numpy as np

from ...errors import ParameterError
from ...numbers import check_dps, decimal_string
from .coefficients import ActivationCoefficients, activation_coefficients
from .mei_montanari import REGIME, mm_risk, risk_numpy

__all__ = ["GeneralizationCurve", "generalization", "grid", "CONVENTIONS"]

_COLORS = ["#c0392b", "#2471a3", "#229954", "#7d3c98", "#d68910", "#17a589", "#566573"]

#: the conventions, in one sentence each (printed by the CLI)
CONVENTIONS = {
    "model": "features sigma(<theta_a, x>/sqrt(d)), a = 1..N, with x and theta uniform on the sphere "
             "of radius sqrt(d); psi1 = N/d, psi2 = n/d",
    "ridge": "a = argmin (1/n) sum_i (y_i - sum_a a_a sigma(<theta_a, x_i>/sqrt(d)))^2 + (N lambda/d) |a|^2; "
             "lambda = 0 means the limit lambda -> 0+ (minimum-norm interpolator when psi1 > psi2)",
    "target": "y = <beta, x> + f_NL(x) + eps, |beta|^2 = F1^2 (--signal), E f_NL^2 = F*^2 "
              "(--nonlinear-target, orthogonal to polynomials of degree <= 1), Var eps = tau^2 (--noise)",
    "test_risk": "R = E_x (f(x) - yhat(x))^2 without label noise = F1^2 B + (tau^2 + F*^2) V + F*^2",
    "bias_variance": "bias = B and variance = V are Mei-Montanari's normalised functions of "
                     "(zeta, psi1, psi2, lambda_bar = lambda/mu_star^2); bias_term = F1^2 B, "
                     "variance_term = (tau^2 + F*^2) V",
    "train_error": "(1/n) sum_i (y_i - yhat(x_i))^2 (noisy labels, no penalty) = "
                   "(R + tau^2)(1 - w/psi2)^2, w = df/d",
    "zeta": "zeta = zeta_MM = mu1/mu_star (not Pennington-Worah's zeta): "
            "zeta_MM^2 = zeta_PW/(eta_PW - zeta_PW)",
}


def _number(v, name, positive=False):
    try:
        x = mpmath.mpf(str(v).strip()) if not isinstance(v, mpmath.mpf) else v
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {v!r}") from None
    if not mpmath.isfinite(x):
        raise ParameterError(f"{name} must be a finite number, got {v!r}")
    if positive and not x > 0:
        raise ParameterError(f"{name} must be positive, got {v}")
    if not positive and x < 0:
        raise ParameterError(f"{name} must be non-negative, got {v}")
    return x


def grid(psi1: Sequence, psi2: Sequence, ridge: Sequence):
    """The points of the grid ψ1 × ψ2 × λ in the order λ (outer), ψ2, ψ1 (inner)."""
    pts = []
    for lam in ridge:
        for b in psi2:
            for a in psi1:
                pts.append((a, b, lam))
    return pts


@dataclass
class GeneralizationCurve:
    """Theory (and optionally simulation) at a list of points (ψ1, ψ2, λ)."""

    coefficients: ActivationCoefficients
    psi1: list
    psi2: list
    ridge: list
    points: list
    results: list
    signal: object
    noise: object
    nonlinear: object
    dps: int
    limits: Optional[dict] = None
    simulation: object = None
    notes: list = field(default_factory=list)

    @property
    def is_point(self) -> bool:
        return len(self.points) == 1

    def values(self, key: str) -> np.ndarray:
        """One theory quantity at every point, as floats."""
        return np.array([float(mpmath.re(getattr(r, key).value)) for r in self.results])

    def dense(self, num: int = 400) -> dict:
        """Fine double-precision curves for figures: over ψ1 (log grid) for each (ψ2, λ) of the
        request when several ψ1 were asked for, else over whichever of ψ2 or λ varies."""
        z2 = float(self.coefficients.zeta2.value)
        ms2 = float(self.coefficients.mu_star2.value)
        f1, tau2, fs2 = float(self.signal), float(self.noise), float(self.nonlinear)
        axis = "psi1" if len(self.psi1) > 1 else ("psi2" if len(self.psi2) > 1 else "ridge")
        vals = [float(v) for v in getattr(self, axis)]
        lo, hi = min(vals), max(vals)
        if axis == "ridge" and lo == 0:
            lo = min([v for v in vals if v > 0] or [1e-4]) / 10
        xs = np.geomspace(lo, hi, num) if hi > lo else np.array([lo])
        curves = []
        others = {"psi1": (self.psi2, self.ridge), "psi2": (self.psi1, self.ridge),
                  "ridge": (self.psi1, self.psi2)}[axis]
        for b in others[1]:
            for a in others[0]:
                kw = {"psi1": None, "psi2": None, "ridge": None}
                kw[axis] = xs
                rest = [k for k in ("psi1", "psi2", "ridge") if k != axis]
                kw[rest[0]] = float(a)
                kw[rest[1]] = float(b)
                r = risk_numpy(z2, ms2, kw["psi1"], kw["psi2"], kw["ridge"], f1, tau2, fs2)
                curves.append({"fixed": {rest[0]: float(a), rest[1]: float(b)},
                               "test_risk": r["test_risk"], "train_error": r["train_error"]})
        return {"axis": axis, "x": xs, "curves": curves}

    def figure_data(self, num: int = 400) -> dict:
        """Arguments of :func:`rmtsym.export.generalization_figures.plot_double_descent`: dense
        theory curves (test risk solid, training error dashed), the simulated points of the
        same (fixed) parameters and the interpolation threshold ψ1 = ψ2."""
        dense = self.dense(num)
        axis, xs = dense["axis"], dense["x"]
        names = {"psi1": "ψ1", "psi2": "ψ2", "ridge": "λ"}
        curves, points, ys = [], [], []
        sim = self.simulation
        pts = np.array([[float(v) for v in p] for p in self.points])
        col = {"psi1": 0, "psi2": 1, "ridge": 2}
        for i, cv in enumerate(dense["curves"]):
            label = ", ".join(f"{names[k]} = {v:g}" for k, v in cv["fixed"].items())
            color = _COLORS[i % len(_COLORS)]
            curves.append({"y": cv["test_risk"], "label": f"test risk, {label}", "color": color})
            curves.append({"y": cv["train_error"], "label": "train error", "color": color, "ls": "--"})
            ys.extend(v for v in cv["test_risk"] if np.isfinite(v))
            if sim is not None:
                sel = np.ones(len(pts), dtype=bool)
                for k, v in cv["fixed"].items():
                    sel &= np.isclose(pts[:, col[k]], v)
                if sel.any():
                    points.append({"x": pts[sel, col[axis]], "y": sim.test_risk[sel],
                                   "se": sim.test_risk_se[sel], "color": color,
                                   "label": f"simulation d = {sim.d}"})
                    points.append({"x": pts[sel, col[axis]], "y": sim.train_error[sel],
                                   "se": sim.train_error_se[sel], "color": color, "fmt": "s"})
        thresholds = []
        if axis == "psi1":
            thresholds = sorted({float(v) for v in self.psi2})
        elif axis == "psi2":
            thresholds = sorted({float(v) for v in self.psi1})
        pos = [v for v in ys if v > 0]
        logy = bool(pos) and max(pos) / min(pos) > 30
        title = f"random-feature ridge regression, {self.coefficients.name} (Mei-Montanari theory)"
        return {"x": xs, "curves": curves, "points": points, "thresholds": thresholds,
                "axis": axis, "title": title, "logy": logy}

    def as_json(self, digits: Optional[int] = None) -> dict:
        digits = self.dps if digits is None else digits
        keys = ("test_risk", "bias", "variance", "train_error")
        per_point = [r.as_json(digits) for r in self.results]

        def num(v):
            return decimal_string(v, digits)

        out = {"activation": self.coefficients.name}
        if self.is_point:
            out.update({k: per_point[0][k] for k in keys})
            out["psi1"], out["psi2"], out["ridge"] = (num(v) for v in self.points[0])
        else:
            for k in keys:
                out[k] = [p[k] for p in per_point]
            out["psi1"] = [num(p[0]) for p in self.points]
            out["psi2"] = [num(p[1]) for p in self.points]
            out["ridge"] = [num(p[2]) for p in self.points]
            out["grid_order"] = "ridge outermost, then psi2, psi1 innermost"
        f1, tau2, fs2 = self.signal, self.noise, self.nonlinear

        def term(weight, r, key):
            with mpmath.workdps(self.dps + 10):
                v = getattr(r, key).value
                return num(0 if weight == 0 else weight * v)

        bt = [term(f1, r, "bias") for r in self.results]
        vt = [term(tau2 + fs2, r, "variance") for r in self.results]
        lb = [p["lambda_bar"] for p in per_point]
        dof = [p["dof_per_dimension"] for p in per_point]
        one = self.is_point
        out["bias_term"] = bt[0] if one else bt
        out["variance_term"] = vt[0] if one else vt
        out["lambda_bar"] = lb[0] if one else lb
        out["dof_per_dimension"] = dof[0] if one else dof
        if one:
            out["nu1_imag"] = per_point[0]["nu1_imag"]
            out["nu2_imag"] = per_point[0]["nu2_imag"]
        dg = min(p["digits"] for p in per_point)
        out["digits"] = dg
        out["method"] = ("Mei-Montanari (CPAM 2022) B = E1/E0, V = E2/E0 at chi = nu1 nu2, the fixed point "
                         "solved as the unique root of its reduced equation in the bracket of the "
                         "physical branch (certified by a sign change); training error by the GCV identity")
        out["signal"], out["noise"], out["nonlinear_target"] = num(f1), num(tau2), num(fs2)
        out["coefficients"] = self.coefficients.as_json(min(digits, 20))
        out["regime"] = REGIME
        out["conventions"] = dict(CONVENTIONS)
        if self.limits is not None:
            out["limits"] = self.limits
        if self.simulation is not None:
            out["simulated"] = _simulation_json(self.simulation, one)
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    def text(self, digits: int = 10) -> str:
        c = self.coefficients
        lines = [f"generalization of random-feature ridge regression, activation {c.name}"]

        def sh(cert, k=digits):
            return decimal_string(cert.value, max(1, min(k, cert.digits)))

        lines.append(f"  mu0 = {sh(c.mu0, 8)}   mu1 = {sh(c.mu1, 8)}   mu*^2 = {sh(c.mu_star2, 8)}   "
                     f"zeta_MM = mu1/mu* = {sh(c.zeta, 8)}   (zeta_MM^2 = {c.zeta2.method})")
        lines.append(f"  target: F1^2 = {decimal_string(self.signal, 6)}, tau^2 = "
                     f"{decimal_string(self.noise, 6)}, F*^2 = {decimal_string(self.nonlinear, 6)}")
        sim = self.simulation
        if self.is_point:
            r = self.results[0]
            a, b, lam = self.points[0]
            lines.append(f"  psi1 = N/d = {decimal_string(a, 8)}   psi2 = n/d = {decimal_string(b, 8)}   "
                         f"ridge lambda = {decimal_string(lam, 8)}   (lambda_bar = {sh(r.lam_bar, 8)})")
            rows = [("test risk R", r.test_risk, "test_risk"), ("bias B", r.bias, "bias"),
                    ("variance V", r.variance, "variance"), ("train error", r.train_error, "train_error")]
            width = max(len(t) for t, _, _ in rows)
            for label, cert, key in rows:
                line = f"  {label:<{width}} = {sh(cert)}"
                if sim is not None:
                    m, se = getattr(sim, key)[0], getattr(sim, key + "_se")[0]
                    line += f"   simulated {m:.5g} ± {se:.2g}"
                lines.append(line)
            lines.append(f"  method: Mei-Montanari fixed point, {r.test_risk.digits} digits; "
                         "train error by the GCV identity")
            if self.limits:
                lim = self.limits
                lines.append(f"  limits: psi1 -> inf (kernel ridge) R = {lim['psi1_to_infinity']['test_risk']}; "
                             f"psi2 -> inf R = {lim['psi2_to_infinity']['test_risk']}; "
                             f"lambda -> inf R = {lim['ridge_to_infinity']['test_risk']}")
        else:
            head = f"  {'psi1':>10} {'psi2':>10} {'ridge':>10} {'test_risk':>14} {'bias':>12} " \
                   f"{'variance':>12} {'train_error':>14}"
            if sim is not None:
                head += f" {'sim risk':>12} {'± se':>9}"
            lines.append(head)
            for i, ((a, b, lam), r) in enumerate(zip(self.points, self.results)):
                row = (f"  {float(a):>10.5g} {float(b):>10.5g} {float(lam):>10.4g} "
                       f"{sh(r.test_risk, 9):>14} {sh(r.bias, 7):>12} {sh(r.variance, 7):>12} "
                       f"{sh(r.train_error, 9):>14}")
                if sim is not None:
                    row += f" {sim.test_risk[i]:>12.5g} {sim.test_risk_se[i]:>9.2g}"
                lines.append(row)
        if sim is not None:
            lines.append(f"  simulation: d = {sim.d}, {sim.seeds} seeds, {sim.inputs} inputs "
                         f"({sim.seconds:.1f} s)")
        lines.append("  regime: " + REGIME)
        return "\n".join(lines)


def _simulation_json(sim, one: bool) -> dict:
    def arr(a):
        vals = [None if not np.isfinite(v) else float(v) for v in np.asarray(a, dtype=float)]
        return vals[0] if one else vals

    return {"test_risk": arr(sim.test_risk), "test_risk_se": arr(sim.test_risk_se),
            "train_error": arr(sim.train_error), "train_error_se": arr(sim.train_error_se),
            "bias": arr(sim.bias), "bias_se": arr(sim.bias_se),
            "variance": arr(sim.variance), "variance_se": arr(sim.variance_se),
            "d": sim.d, "seeds": sim.seeds, "inputs": sim.inputs, "sizes": sim.sizes,
            "seconds": sim.seconds, "method": sim.method}


def _limits(coeffs, a, b, lam, f1, tau2, fs2, dps) -> dict:
    from .limits import infinite_data_limit, kernel_limit

    with mpmath.workdps(dps + 10):
        lb = lam / coeffs.mu_star2.value
        bk, vk = kernel_limit(coeffs.zeta2.value, b, lb, dps)
        bd, vd = infinite_data_limit(coeffs.zeta2.value, a, lb, dps)

        def risk(bb, vv):
            return f1 * bb.value + (tau2 + fs2) * vv.value + fs2

        q = lambda v: decimal_string(v, min(dps, 15))  # noqa: E731
        return {
            "psi1_to_infinity": {"test_risk": q(risk(bk, vk)), "bias": q(bk.value), "variance": q(vk.value),
                                 "method": bk.method},
            "psi2_to_infinity": {"test_risk": q(risk(bd, vd)), "bias": q(bd.value), "variance": "0",
                                 "method": bd.method},
            "ridge_to_infinity": {"test_risk": q(f1 + fs2), "bias": "1", "variance": "0",
                                  "train_error": q(f1 + fs2 + tau2),
                                  "method": "closed form: B -> 1 - 2 zeta^2/lambda_bar, "
                                            "V -> (1 + 2 zeta^2 + (1 + psi1) zeta^4)/(psi1 psi2 lambda_bar^2)"},
        }


def generalization(activation, psi1, psi2, ridge, signal=1, noise=0, nonlinear=0, dps: int = 30,
                   simulate: Optional[dict] = None, coefficients: Optional[ActivationCoefficients] = None
                   ) -> GeneralizationCurve:
    r"""Test risk, bias, variance and training error of random-feature ridge regression.

    Mei & Montanari (CPAM 2022) at every point of the grid ψ1 × ψ2 × λ; conventions in
    :data:`CONVENTIONS`.

    Parameters
    ----------
    activation : str or Activation
        σ, without free parameters.
    psi1, psi2, ridge : number, str or sequence of them
        ψ1 = N/d > 0, ψ2 = n/d > 0, λ ≥ 0.
    signal, noise, nonlinear : number or str
        F1², τ², F*² ≥ 0.
    dps : int
        Decimal digits.
    simulate : dict, optional
        Keyword arguments of :func:`.simulate.simulate_points` (``d``, ``seeds``, ``seed``,
        ``inputs``, ``n_test``); the same points are then simulated.
    coefficients : ActivationCoefficients, optional
        Precomputed coefficients (skips the Gaussian integrals).

    Returns
    -------
    GeneralizationCurve
    """
    dps = check_dps(dps)
    lists = []
    for name, v in (("psi1", psi1), ("psi2", psi2), ("ridge", ridge)):
        seq = list(v) if isinstance(v, (list, tuple, np.ndarray)) else [v]
        if not seq:
            raise ParameterError(f"{name} needs at least one value")
        with mpmath.workdps(dps + 10):
            lists.append([_number(x, name, positive=(name != "ridge")) for x in seq])
    with mpmath.workdps(dps + 10):
        f1 = _number(signal, "signal F1^2")
        tau2 = _number(noise, "noise tau^2")
        fs2 = _number(nonlinear, "nonlinear target F*^2")
    p1s, p2s, lams = lists
    points = grid(p1s, p2s, lams)
    if len(points) > 100000:
        raise ParameterError(f"the grid has {len(points)} points; at most 100000 are allowed")
    if simulate is not None:  # size checks before any computation
        from .simulate import check_memory

        d = int(simulate.get("d", 0))
        seeds = int(simulate.get("seeds", 4))
        if d < 2:
            raise ParameterError("the simulation needs the input dimension d (at least 2)")
        for a in p1s:
            for b in p2s:
                N, n = int(round(float(a) * d)), int(round(float(b) * d))
                if N < 1 or n < 1:
                    raise ParameterError(f"psi1 = {float(a):g}, psi2 = {float(b):g} at d = {d} give "
                                         f"N = {N}, n = {n}; both must be at least 1 (increase d)")
                nt = simulate.get("n_test") or max(1000, 2 * n)
                check_memory(d, n, N, nt, len(lams), seeds, pairs=len(p1s) * len(p2s))
    coeffs = coefficients if coefficients is not None else activation_coefficients(activation, dps)
    if coeffs.is_linear:
        raise ParameterError("the activation is affine (mu_star = 0), so the random features span only "
                             "linear functions; the Mei-Montanari risk needs a nonlinear activation")
    cdig = coeffs.zeta2.digits
    results: list = []
    notes: list = []
    for a, b, lam in points:
        r = mm_risk(coeffs.zeta2.value, coeffs.mu_star2.value, a, b, lam, f1, tau2, fs2, dps=dps,
                    coefficient_digits=cdig)
        results.append(r)
        for note in r.notes:
            if note not in notes:
                notes.append(note)
    limits = None
    if len(points) == 1:
        limits = _limits(coeffs, *points[0], f1, tau2, fs2, dps)
    sim = None
    if simulate is not None:
        from .simulate import simulate_points

        arr = np.array([[float(v) for v in p] for p in points])
        sim = simulate_points(activation, arr[:, 0], arr[:, 1], arr[:, 2],
                              signal=float(f1), noise=float(tau2), nonlinear=float(fs2), **simulate)
    return GeneralizationCurve(coefficients=coeffs, psi1=p1s, psi2=p2s, ridge=lams, points=points,
                               results=results, signal=f1, noise=tau2, nonlinear=fs2, dps=dps,
                               limits=limits, simulation=sim, notes=notes)

