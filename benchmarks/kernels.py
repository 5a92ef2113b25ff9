"""Benchmark: NNGP and NTK Grams of deep networks at infinite width.

1. **Any activation (tanh)**: the NNGP and NTK Grams of 1000 inputs in R^50 (i.i.d. N(0, 1)
   entries, seed 0) through Dense → (tanh → Dense) × 5, σw = 1.5, σb = 0.2, computed together
   by :func:`rmtsym.networks.kernels.recursion.kernel_matrices` (separable quadrature).
   Target: under 5 s on the 2-core machine. Wall and CPU time (``time.process_time``) are
   both printed, since the machine is shared. Accuracy: sampled entries (the most and least
   correlated pairs, random pairs, a diagonal entry) recomputed by the whole recursion for
   that pair in mpmath (20 digits, 2-D Gauss–Legendre on [−11, 11]² split at 0, ±3, ±6 —
   no table, no series), max relative error; target ≤ 1e-8. The naive way (one 2-D
   panel quadrature per pair in Python, the former ``nngp_kernel``) is timed per pair and
   extrapolated to the same Gram.
2. **Closed forms** (ReLU, erf, GELU): the same Gram against neural-tangents' ``stax`` on
   CPU (float64, jitted, warm; the first call with compilation is printed too) when it is
   installed, as ratios.

Run ``OPENBLAS_NUM_THREADS=1 python benchmarks/kernels.py [--quick]``.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from rmtsym.networks.kernels.recursion import kernel_matrices  # noqa: E402
from rmtsym.networks.model import Network  # noqa: E402

N, D, DEPTH, SW, SB = 1000, 50, 5, 1.5, 0.2


def timed(fn, repeats):
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


def mp_pair_recursion(x, y, depth, sw, sb, dps=20):
    """K and Θ of the pair (x, y) through the whole network, in mpmath."""
    import mpmath
    mpmath.mp.dps = dps
    f = mpmath.tanh
    df = lambda t: mpmath.sech(t) ** 2  # noqa: E731
    pts = [-11, -6, -3, 0, 3, 6, 11]

    def one(g, q):
        s = mpmath.sqrt(q)
        return mpmath.quad(lambda z: g(s * z) ** 2 * mpmath.npdf(z), pts, method="gauss-legendre")

    def two(g, a, b, c):
        rho = c / mpmath.sqrt(a * b)
        s = mpmath.sqrt(1 - rho ** 2)
        sa, sb_ = mpmath.sqrt(a), mpmath.sqrt(b)
        h = lambda z1, z2: g(sa * z1) * g(sb_ * (rho * z1 + s * z2)) * mpmath.exp(-(z1 * z1 + z2 * z2) / 2)  # noqa: E731
        return mpmath.quad(h, pts, pts, method="gauss-legendre") / (2 * mpmath.pi)

    sw2, sb2 = mpmath.mpf(sw) ** 2, mpmath.mpf(sb) ** 2
    xs = [mpmath.mpf(float(v)) for v in x]
    ys = [mpmath.mpf(float(v)) for v in y]
    d = len(xs)
    a = sw2 * mpmath.fsum(v * v for v in xs) / d + sb2
    b = sw2 * mpmath.fsum(v * v for v in ys) / d + sb2
    c = sw2 * mpmath.fsum(u * v for u, v in zip(xs, ys)) / d + sb2
    t = c
    same = list(x) == list(y)
    for _ in range(depth):
        Fc = one(f, a) if same else two(f, a, b, c)
        dFc = one(df, a) if same else two(df, a, b, c)
        Fa, Fb = one(f, a), (one(f, a) if same else one(f, b))
        c, t = sw2 * Fc + sb2, None if t is None else (sw2 * Fc + sb2) + sw2 * t * dFc
        a, b = sw2 * Fa + sb2, sw2 * Fb + sb2
    return c, t


def bench_tanh(quick):
    X = np.random.default_rng(0).standard_normal((N, D))
    net = Network.build("tanh", DEPTH, sigma_w=SW, sigma_b=SB, readout=True)
    kernel_matrices(net, X[:20])                     # imports, caches of quadrature nodes
    wall, cpu, r = timed(lambda: kernel_matrices(net, X), 1 if quick else 3)
    print(f"tanh, {N} inputs in R^{D}, depth {DEPTH}, σw = {SW}, σb = {SB}: NNGP + NTK together")
    print(f"  wall {wall:.2f} s, CPU {cpu:.2f} s   (target < 5 s)   error bound {r.error:.1e}")
    for i, det in enumerate(r.details):
        print(f"  layer {i + 1}: {det['cells']} cells × {det['nodes_per_cell']} σ-nodes, {det['pieces']} θ-pieces "
              f"of degree {det['degree']}, series of {det['series_terms']} terms")
    # naive: one panel quadrature per pair (the former engine), timed per pair
    from rmtsym.networks.integrals import integrals_for
    I = integrals_for("tanh")
    q = np.diag(r.layers[0]) if r.layers else None
    K0 = SW ** 2 * X[:4] @ X[:4].T / D + SB ** 2
    t = time.perf_counter()
    npairs = 0
    for i in range(4):
        for j in range(i + 1, 4):
            I.pair_numeric(K0[i, i], K0[j, j], K0[i, j])
            I.pair_numeric(K0[i, i], K0[j, j], K0[i, j], derivative=True)
            npairs += 1
    per_pair = (time.perf_counter() - t) / npairs
    naive = per_pair * N * (N - 1) / 2 * DEPTH
    print(f"  naive per-pair quadrature: {per_pair * 1e3:.1f} ms per pair and layer -> about {naive / 3600:.1f} h "
          f"for this Gram ({naive / wall:.0f}× slower)")
    # accuracy on sampled entries against mpmath
    Kn, Tn = r.nngp, r.ntk
    d = np.sqrt(np.diag(Kn))
    C = Kn / np.outer(d, d)
    np.fill_diagonal(C, np.nan)
    rng = np.random.default_rng(1)
    pairs = [np.unravel_index(np.nanargmax(C), C.shape), np.unravel_index(np.nanargmin(C), C.shape),
             (7, 7)] + [tuple(rng.choice(N, 2, replace=False)) for _ in range(0 if quick else 2)]
    worst_k = worst_t = 0.0
    t0 = time.perf_counter()
    for i, j in pairs[:2 if quick else len(pairs)]:
        kc, tc = mp_pair_recursion(X[i], X[j], DEPTH, SW, SB)
        ek, et = abs(Kn[i, j] - float(kc)) / abs(float(kc)), abs(Tn[i, j] - float(tc)) / abs(float(tc))
        worst_k, worst_t = max(worst_k, ek), max(worst_t, et)
        print(f"  entry ({i}, {j}): K = {float(kc):.15f} (rel. err {ek:.1e}), Θ = {float(tc):.15f} (rel. err {et:.1e})")
    print(f"  max relative error vs mpmath: NNGP {worst_k:.1e}, NTK {worst_t:.1e}   (target ≤ 1e-8; "
          f"mpmath took {time.perf_counter() - t0:.0f} s)")
    return wall, cpu, max(worst_k, worst_t)


def bench_closed(quick):
    X = np.random.default_rng(0).standard_normal((N, D))
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        from neural_tangents import stax
    except Exception as exc:  # noqa: BLE001
        stax = None
        print(f"neural-tangents not available ({type(exc).__name__}: {exc}); rmtsym timings only")
    rows = []
    for name, ours, nt_act in [("ReLU", "relu", "Relu"), ("erf", "erf", "Erf"), ("GELU", "gelu", "Gelu")]:
        net = Network.build(ours, DEPTH, sigma_w=SW, sigma_b=SB, readout=True)
        kernel_matrices(net, X[:20])
        w, c, r = timed(lambda: kernel_matrices(net, X), 3 if quick else 7)
        line = f"{name:5s} rmtsym wall {w * 1e3:6.1f} ms, CPU {c * 1e3:6.1f} ms"
        if stax is not None:
            layers = [stax.Dense(1, W_std=SW, b_std=SB)]
            for _ in range(DEPTH):
                layers += [getattr(stax, nt_act)(), stax.Dense(1, W_std=SW, b_std=SB)]
            kfn = jax.jit(stax.serial(*layers)[2], static_argnames="get")
            t = time.perf_counter()
            k = kfn(X, None, get=("nngp", "ntk"))
            k.ntk.block_until_ready()
            first = time.perf_counter() - t

            def run():
                kk = kfn(X, None, get=("nngp", "ntk"))
                kk.ntk.block_until_ready()
                return kk
            nw, ncpu, k = timed(run, 3 if quick else 7)
            diff = max(float(np.max(np.abs(np.asarray(k.nngp) - r.nngp)) / np.max(r.nngp)),
                       float(np.max(np.abs(np.asarray(k.ntk) - r.ntk)) / np.max(r.ntk)))
            line += (f" | neural-tangents wall {nw * 1e3:6.1f} ms, CPU {ncpu * 1e3:6.1f} ms (first call with "
                     f"compilation {first * 1e3:.0f} ms) | ratio NT/rmtsym: wall {nw / w:.2f}, CPU {ncpu / c:.2f}"
                     f" | max rel. difference {diff:.1e}")
        rows.append(line)
        print(line)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and mpmath entries")
    args = ap.parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, load average {os.getloadavg()[0]:.2f}")
    bench_tanh(args.quick)
    print()
    bench_closed(args.quick)


if __name__ == "__main__":
    main()
