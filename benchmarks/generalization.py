"""Benchmark of the double-descent curve (issue 13), side by side in one run.

A 200-point curve of the Mei–Montanari test risk and training error against ψ1 (ReLU,
ψ2 = 1.5, λ = 10⁻³, F1² = 1, τ² = 0.3, F*² = 0.2), three ways:

* rmtsym's double-precision path :func:`risk_numpy` — the reduced scalar fixed point solved
  by vectorised safeguarded Newton over the whole curve at once (target: under 1 s);
* the naive per-point solve: for each ψ1, the complex 2-D fixed point continued from ξ = 50i
  down to ξ = i√(ψ1ψ2λ̄) by Newton steps (:func:`fixed_point_continuation`), then B, V;
* the arbitrary-precision path :func:`mm_risk` at 30 digits, point by point.

The three curves are compared (maximum relative difference) and the speed ratios printed.
Run: ``python benchmarks/generalization.py [--points 200] [--repeat 20]``.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

from rmtsym.applications.generalization.coefficients import activation_coefficients
from rmtsym.applications.generalization.mei_montanari import (e_polynomials, fixed_point_continuation,
                                                              mm_risk, risk_numpy)


def naive_curve(z2, ms2, psi1s, psi2, lam, f1, tau2, fs2):
    out = []
    for p1 in psi1s:
        lb = lam / ms2
        xi = 1j * math.sqrt(p1 * psi2 * lb)
        n1, n2 = fixed_point_continuation(z2, p1, psi2, xi)
        chi = (n1 * n2).real
        e0, e1, e2 = e_polynomials(chi, z2, p1, psi2)
        b, v = e1 / e0, e2 / e0
        out.append(f1 * b + (tau2 + fs2) * v + fs2)
    return np.array(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--mp-points", type=int, default=200, help="points of the 30-digit path")
    args = ap.parse_args(argv)

    co = activation_coefficients("relu", dps=30)
    z2, ms2 = float(co.zeta2.value), float(co.mu_star2.value)
    psi2, lam, f1, tau2, fs2 = 1.5, 1e-3, 1.0, 0.3, 0.2
    psi1s = np.geomspace(0.1, 10, args.points)

    risk_numpy(z2, ms2, psi1s, psi2, lam, f1, tau2, fs2)  # warm-up
    t = time.perf_counter()
    for _ in range(args.repeat):
        fast = risk_numpy(z2, ms2, psi1s, psi2, lam, f1, tau2, fs2)
    t_fast = (time.perf_counter() - t) / args.repeat

    t = time.perf_counter()
    naive = naive_curve(z2, ms2, psi1s, psi2, lam, f1, tau2, fs2)
    t_naive = time.perf_counter() - t

    mp_idx = np.linspace(0, args.points - 1, min(args.mp_points, args.points)).astype(int)
    t = time.perf_counter()
    mp_vals = np.array([float(mm_risk(co.zeta2.value, co.mu_star2.value, float(psi1s[i]), psi2, lam,
                                      f1, tau2, fs2, dps=30).test_risk.value) for i in mp_idx])
    t_mp = (time.perf_counter() - t) * args.points / len(mp_idx)

    rel_naive = float(np.max(np.abs(naive - fast["test_risk"]) / np.abs(fast["test_risk"])))
    rel_mp = float(np.max(np.abs(mp_vals - fast["test_risk"][mp_idx]) / np.abs(mp_vals)))
    print(f"{args.points}-point double-descent curve (ReLU, psi2 = {psi2}, lambda = {lam}), risk and "
          "train error")
    print(f"  rmtsym risk_numpy (vectorised)     : {t_fast * 1e3:9.2f} ms   (target < 1000 ms)")
    print(f"  naive per-point complex continuation: {t_naive * 1e3:9.2f} ms   ratio {t_naive / t_fast:8.1f}x"
          f"   max rel diff {rel_naive:.1e}")
    print(f"  mpmath mm_risk at 30 digits        : {t_mp * 1e3:9.2f} ms   ratio {t_mp / t_fast:8.1f}x"
          f"   max rel diff {rel_mp:.1e}"
          + ("" if len(mp_idx) == args.points else f"  (timed on {len(mp_idx)} points, scaled)"))
    peak = int(np.argmax(fast["test_risk"]))
    print(f"  peak of the curve: psi1 = {psi1s[peak]:.4g}, R = {fast['test_risk'][peak]:.6g}")
    return {"fast_s": t_fast, "naive_s": t_naive, "mp_s": t_mp, "rel_naive": rel_naive, "rel_mp": rel_mp}


if __name__ == "__main__":
    main()
