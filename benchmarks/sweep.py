"""Benchmark: a 20 × 20 grid of ``rmtsym signal`` on a local Dask cluster of 2 worker
processes against the same grid run serially in one process.

Both ways are timed as a user meets them: a fresh ``rmtsym sweep`` process each, from start to
exit (Python start, imports, the local cluster's start and stop for Dask), plus the sweep's own
``seconds`` (points and, for Dask, the cluster). The two tables are compared field by field
(they must be identical: same calls, same digits). The grid is σw ∈ [0.6, 3], σb ∈ [0.05, 1]
(every point has a finite fixed point for tanh and erf). Target (issue 18): Dask/serial ≈ 1/2.

Run ``python benchmarks/sweep.py [--activation tanh|erf] [--n 20] [--workers 2]``; the numbers
depend on the machine's load (two workers need two idle cores), so report them with the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)


def _run(words, env):
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "rmtsym", *words], capture_output=True, text=True,
                         env=env, cwd=ROOT)
    wall = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"rmtsym {' '.join(words)} failed: {res.stderr.strip()}")
    return wall, json.loads(res.stdout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--activation", default="tanh")
    ap.add_argument("--n", type=int, default=20, help="points per axis (default 20)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)

    env = dict(os.environ, PYTHONPATH=os.path.abspath(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    grid = ["--grid", f"sigma-w=0.6:3:{args.n}", "--grid", f"sigma-b=0.05:1:{args.n}"]
    with tempfile.TemporaryDirectory() as tmp:
        serial_csv, dask_csv = os.path.join(tmp, "serial.csv"), os.path.join(tmp, "dask.csv")
        wall_s, out_s = _run(["sweep", "signal", args.activation, *grid, "-o", serial_csv,
                              "--scheduler", "serial", "--json"], env)
        wall_d, out_d = _run(["sweep", "signal", args.activation, *grid, "-o", dask_csv,
                              "--workers", str(args.workers), "--json"], env)
        import pandas as pd
        a = pd.read_csv(serial_csv, dtype=str, keep_default_na=False).drop(columns="elapsed_s")
        b = pd.read_csv(dask_csv, dtype=str, keep_default_na=False).drop(columns="elapsed_s")
        identical = a.equals(b)
        point_s = pd.read_csv(serial_csv)["elapsed_s"]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} (1 min) after the runs; Python {platform.python_version()}")
    print(f"grid: {args.n} × {args.n} = {args.n ** 2} points of `rmtsym signal {args.activation}`; "
          f"serial time per point: median {point_s.median():.3f} s, max {point_s.max():.3f} s; "
          f"{out_s['errors']} error rows")
    print(f"{'':34}{'serial':>10}{'dask':>10}{'dask/serial':>13}")
    print(f"{'process wall time (s)':34}{wall_s:10.1f}{wall_d:10.1f}{wall_d / wall_s:13.2f}")
    print(f"{'sweep seconds (points + cluster)':34}{out_s['seconds']:10.1f}{out_d['seconds']:10.1f}"
          f"{out_d['seconds'] / out_s['seconds']:13.2f}")
    print(f"dask: {out_d['executor']}; tables identical (every field but elapsed_s): {identical}")
    return {"serial_wall": wall_s, "dask_wall": wall_d, "ratio": wall_d / wall_s, "identical": identical}


if __name__ == "__main__":
    main()
