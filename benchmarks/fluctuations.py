"""Benchmark: the finite-width prediction of q^l at depth 100 against simulating networks.

For each network (width 100, depth 100, Gaussian weights, input mean square 1) it times

- ``predict (cold)``: :func:`rmtsym.networks.fluctuations.fluctuations` in a fresh process
  (imports, the closed-form search of the Gaussian integrals, the chain): what one
  ``rmtsym fluctuations`` call costs;
- ``predict (warm)``: the same call again in that process (caches filled);
- ``simulate 1e4``: :func:`~rmtsym.networks.fluctuations.simulate.simulate_fluctuations` with
  10⁴ networks (exact-in-law draws: n numbers per layer and network), the cheapest simulation
  that estimates the covariance to about 1.4 %;
- ``real matrices 1e4``: the naive simulation with the actual 100 × 100 weight matrices
  (:func:`rmtsym.networks.simulate.sample_networks`, timed on 200 networks and scaled to 10⁴);
- ``mean field (mpmath)``: :func:`rmtsym.networks.mean_field.mean_field`, the certified
  infinite-width chain alone (no fluctuations), for scale.

Ratios are printed against the warm prediction. Run ``python benchmarks/fluctuations.py
[--quick]``; numbers depend on the machine and its load (set OPENBLAS_NUM_THREADS).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

CASES = [("linear", "1", "0"), ("relu", "1.4142135623730951", "0"), ("tanh", "1.5", "0.1"),
         ("erf", "2", "0.3"), ("gelu", "1.3", "0.5")]

_COLD = """
import json, sys, time
t = time.perf_counter()
from rmtsym.networks.model import Network
from rmtsym.networks.fluctuations import fluctuations
net = Network.build({act!r}, {depth}, sigma_w={sw!r}, sigma_b={sb!r}, width={width})
r = fluctuations(net, 1)
cold = time.perf_counter() - t
t = time.perf_counter()
r = fluctuations(net, 1)
warm = time.perf_counter() - t
print(json.dumps({{"cold": cold, "warm": warm, "method": r.method,
                  "rel_error": r.first_order_relative_error}}))
"""


def bench(act, sw, sb, depth, width, K, naive_networks):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
    env = dict(os.environ, PYTHONPATH=os.path.abspath(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    out = subprocess.run([sys.executable, "-c", _COLD.format(act=act, sw=sw, sb=sb, depth=depth, width=width)],
                         capture_output=True, text=True, env=env, check=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    from rmtsym.networks.model import Network
    from rmtsym.networks.fluctuations import simulate_fluctuations
    from rmtsym.networks.mean_field import mean_field
    from rmtsym.networks.simulate import sample_networks
    net = Network.build(act, depth, sigma_w=sw, sigma_b=sb, width=width)
    t = time.perf_counter()
    simulate_fluctuations(net, 1.0, K, seed=0)
    row["simulate"] = time.perf_counter() - t
    t = time.perf_counter()
    sample_networks(net, 1.0, seeds=naive_networks, jacobian=False, progress=False)
    row["naive"] = (time.perf_counter() - t) * K / naive_networks
    t = time.perf_counter()
    mean_field(net, 1, dps=15)
    row["mean_field"] = time.perf_counter() - t
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="depth 30 and fewer networks")
    args = ap.parse_args(argv)
    depth, width, K, naive = (30, 100, 2000, 50) if args.quick else (100, 100, 10_000, 200)
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"depth {depth}, width {width}; simulations of {K} networks (real matrices: {naive} timed, scaled)")
    head = (f"{'network':>8} {'method':>8} {'predict cold':>13} {'predict warm':>13} {'simulate':>10} "
            f"{'real matrices':>14} {'mean field':>11} {'sim/warm':>9} {'real/warm':>10} {'1st-order err':>13}")
    print(head)
    for act, sw, sb in CASES:
        r = bench(act, sw, sb, depth, width, K, naive)
        print(f"{act:>8} {r['method']:>8} {r['cold']:>12.3f}s {r['warm']:>12.4f}s {r['simulate']:>9.2f}s "
              f"{r['naive']:>13.1f}s {r['mean_field']:>10.2f}s {r['simulate'] / r['warm']:>9.0f} "
              f"{r['naive'] / r['warm']:>10.0f} {100 * r['rel_error']:>12.3g}%")


if __name__ == "__main__":
    main()
