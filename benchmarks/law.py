"""Benchmark of the Pennington–Worah law solver (issue 3), side by side in one run.

1. Density at 1 000 points at 30 digits:
   * rmtsym: ``BranchSolver.density_many`` — one vectorised double-precision branch
     selection, then fixed-point Newton polishing with a certified root-inclusion radius;
   * naive: per point, the quartic's coefficients in mpmath, ``mpmath.polyroots`` at 30
     digits, and root selection (the root with Im G < 0, unique inside the support).
   Both results are compared (they must agree to ~1e-28) and the speed ratio printed.
2. The double-precision path: ``density_numpy`` and ``stieltjes_numpy`` on 10⁵ points
   (target ≥ 10⁵ points/s).

Run: ``python benchmarks/law.py [--points 1000] [--dps 30]``.
"""
from __future__ import annotations

import argparse
import time

import mpmath
import numpy as np

from rmtsym.pennington_worah import quartic
from rmtsym.solver import BranchSolver


def naive_density(solver: BranchSolver, xs, dps: int):
    """Per-point mpmath.polyroots of Q(·, x) and selection of the root with Im G < 0."""
    out = []
    with mpmath.workdps(dps + 10):
        tab = solver._mp_table(dps + 10)
        for x in xs:
            xm = mpmath.mpf(x)
            coeffs = []
            for row in tab:
                acc = mpmath.mpf(0)
                for cf in reversed(row):
                    acc = acc * xm + cf
                coeffs.append(acc)
            roots = mpmath.polyroots(coeffs[::-1], maxsteps=200, extraprec=dps + 20)
            lower = [r for r in roots if mpmath.im(r) < 0]
            if len(lower) != 1:
                raise RuntimeError(f"naive selection ambiguous at x = {x}")
            out.append(-mpmath.im(lower[0]) / mpmath.pi)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--dps", type=int, default=30)
    ap.add_argument("--double-points", type=int, default=100_000)
    args = ap.parse_args(argv)

    params = dict(eta=0.34085, zeta=0.25, phi=2, psi=0.5)  # ReLU, the root-selection trap point
    t0 = time.perf_counter()
    solver = BranchSolver(quartic(**params), dps=args.dps)
    (a, b), = solver.support()
    atoms = solver.atoms()
    t_setup = time.perf_counter() - t0
    a, b = float(a), float(b)
    xs = list(np.linspace(a, b, args.points + 2)[1:-1])
    print(f"Pennington-Worah law {params}: support [{a:.6f}, {b:.6f}], atoms "
          f"{[(float(x0), float(m)) for x0, m in atoms]}, setup {t_setup:.2f} s")

    solver.density_many(xs[:5], args.dps)  # warm caches (coefficient tables)
    t0 = time.perf_counter()
    fast = solver.density_many(xs, args.dps)
    t_fast = time.perf_counter() - t0

    t0 = time.perf_counter()
    slow = naive_density(solver, xs, args.dps)
    t_slow = time.perf_counter() - t0

    with mpmath.workdps(args.dps + 5):
        worst = max(abs(f.value - s) / max(s, mpmath.mpf(10) ** -300) for f, s in zip(fast, slow))
    min_digits = min(f.digits for f in fast)
    print(f"\n[{args.points} points at {args.dps} digits]")
    print(f"  rmtsym (double seed + fixed-point Newton, certified): {t_fast:8.3f} s "
          f"({1e6 * t_fast / args.points:7.1f} us/point), min certified digits {min_digits}")
    print(f"  naive (per-point mpmath.polyroots + selection):       {t_slow:8.3f} s "
          f"({1e6 * t_slow / args.points:7.1f} us/point)")
    print(f"  largest relative difference: {mpmath.nstr(worst, 3)}")
    print(f"  speed-up: {t_slow / t_fast:.1f}x (target >= 20x)")

    n = args.double_points
    x = np.linspace(a - 0.5, b + 0.5, n)
    solver.density_numpy(x[:100])
    t0 = time.perf_counter()
    rho = solver.density_numpy(x)
    t_d = time.perf_counter() - t0
    zz = x + 0.05j
    t0 = time.perf_counter()
    g = solver.stieltjes_numpy(zz)
    t_g = time.perf_counter() - t0
    print(f"\n[double precision, {n} points]")
    print(f"  density_numpy:   {t_d:.3f} s = {n / t_d:,.0f} points/s (target >= 100,000); min {rho.min():.3g}")
    print(f"  stieltjes_numpy: {t_g:.3f} s = {n / t_g:,.0f} points/s (Im z = 0.05); max Im G {g.imag.max():.3g}")
    return dict(speedup=t_slow / t_fast, density_points_per_s=n / t_d, stieltjes_points_per_s=n / t_g,
                worst_relative_difference=float(worst))


if __name__ == "__main__":
    main()
