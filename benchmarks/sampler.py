"""Benchmark: the sampler against bare ``numpy.linalg.eigvalsh`` on the same matrix.

For each size, one matrix M = YYᵀ/m of Pennington & Worah (NeurIPS 2017) is timed as

- ``sampler``: :func:`rmtsym.sampler.sample_eigenvalues` per matrix with its default
  ``method="auto"``, i.e. Bartlett's reduction WX =_d L X' for Gaussian entries (RNG for L
  and X', the triangular product, f applied in place, the Gram product on the smaller
  side, eigvalsh, zero padding), median over repeats;
- ``direct``: the same with ``method="direct"`` (RNG for W and X, the product WX);
- ``eigvalsh(M)``: bare ``numpy.linalg.eigvalsh`` of the same n1×n1 matrix M;
- ``bare numpy``: the pipeline written naively with numpy (Generator.standard_normal,
  W @ X, np.tanh, Y @ Y.T / m, eigvalsh of the n1×n1 matrix): the reference for the
  sampler's overhead;
- ``floor``: the Gram product on the smaller side plus its eigvalsh, the least any exact
  sampler pays once Y exists (M has to be formed before it is diagonalised), as a
  ratio to eigvalsh(M);
- the stages of the direct way (RNG, WX, f) to show where the time goes.

Ratios are printed side by side. Run ``python benchmarks/sampler.py [--quick | --large]``;
the numbers depend on the machine's load and BLAS threads (set OPENBLAS_NUM_THREADS),
so report them with the machine.
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

from rmtsym.sampler import (sample_eigenvalues, sample_features,  # noqa: E402
                            sample_gram_eigenvalues)


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench(n0, phi, psi, repeats, activation=np.tanh):
    n1, m = int(round(n0 / psi)), int(round(n0 / phi))

    def bare(seed):
        r = np.random.default_rng(seed)
        Wb = r.standard_normal((n1, n0)) / math.sqrt(n0)
        Xb = r.standard_normal((n0, m))
        Yb = np.tanh(Wb @ Xb)
        return np.linalg.eigvalsh(Yb @ Yb.T / m)

    # the sampler (both ways), the bare pipeline and eigvalsh of the sampler's own M,
    # interleaved in one loop so that load changes of a shared machine hit all alike
    t_sampler, t_direct, t_bare, t_eig = [], [], [], []
    for i in range(repeats):
        t = time.perf_counter()
        sample_eigenvalues(activation, phi, psi, n0, seeds=1, seed=i, center=0.0)
        t_sampler.append(time.perf_counter() - t)
        t = time.perf_counter()
        sample_eigenvalues(activation, phi, psi, n0, seeds=1, seed=i, center=0.0, method="direct")
        t_direct.append(time.perf_counter() - t)
        t = time.perf_counter()
        bare(i)
        t_bare.append(time.perf_counter() - t)
        Y = sample_features(activation, phi, psi, n0, seed=i, center=0.0)
        M = Y @ Y.T
        M /= m
        del Y
        t = time.perf_counter()
        np.linalg.eigvalsh(M)
        t_eig.append(time.perf_counter() - t)
        del M

    rng = np.random.default_rng(0)
    # the stages of the direct way, by hand with the same operations
    W = np.empty((n1, n0))
    X = np.empty((n0, m))
    t_rng = _median_time(lambda: (rng.standard_normal(out=W), rng.standard_normal(out=X)), repeats)
    Y = np.empty((n1, m))
    t_wx = _median_time(lambda: np.matmul(W, X, out=Y), repeats)
    Y /= math.sqrt(n0)
    t_f = _median_time(lambda: np.tanh(Y, out=Y), repeats)
    t_stage = _median_time(lambda: sample_gram_eigenvalues(Y, normalization=m), repeats)
    med = statistics.median
    return dict(n0=n0, n1=n1, m=m, sampler=med(t_sampler), direct=med(t_direct), eig=med(t_eig),
                bare=med(t_bare), rng=t_rng, wx=t_wx, f=t_f, stage=t_stage)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    ap.add_argument("--large", action="store_true", help="also n0 = 3000 and 4000 (square)")
    ap.add_argument("--repeats", type=int, default=None)
    args = ap.parse_args(argv)
    if args.quick:
        cases = [(300, 1, 1), (300, 2, 0.5)]
        repeats = args.repeats or 3
    else:
        cases = [(1000, 1, 1), (1500, 1, 1), (2000, 1, 1), (1000, 2, 0.5), (1000, 0.5, 2),
                 (1000, 1, 4)]
        repeats = args.repeats or 7
    if args.large:
        cases += [(3000, 1, 1), (4000, 1, 1)]
    print(f"# rmtsym sampler benchmark — {platform.machine()}, {os.cpu_count()} CPUs, "
          f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"load average {os.getloadavg()[0]:.1f}, median of {repeats}")
    print("# times in seconds per matrix (tanh, float64); ratios are to eigvalsh(M) unless named")
    head = (f"{'n0':>5} {'n1':>5} {'m':>5} | {'sampler':>7} {'direct':>7} {'eigvalsh':>8} {'bare':>7} | "
            f"{'sampler/eig':>11} {'direct/eig':>10} {'floor/eig':>9} {'sampler/bare':>12} "
            f"{'direct/sampler':>14} | {'RNG':>6} {'WX':>6} {'f':>6} {'Gram+eig':>8}")
    print(head)
    for n0, phi, psi in cases:
        r = bench(n0, phi, psi, repeats)
        print(f"{r['n0']:>5} {r['n1']:>5} {r['m']:>5} | {r['sampler']:>7.3f} {r['direct']:>7.3f} "
              f"{r['eig']:>8.3f} {r['bare']:>7.3f} | {r['sampler'] / r['eig']:>11.2f} "
              f"{r['direct'] / r['eig']:>10.2f} {r['stage'] / r['eig']:>9.2f} "
              f"{r['sampler'] / r['bare']:>12.2f} {r['direct'] / r['sampler']:>14.2f} | "
              f"{r['rng']:>6.3f} {r['wx']:>6.3f} {r['f']:>6.3f} {r['stage']:>8.3f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
