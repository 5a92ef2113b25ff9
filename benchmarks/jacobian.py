"""The Jacobian law of deep networks at L = 100: setup + 1000 density points, against simulation.

Target (issue "Deep networks as one model"): the law at L = 100 (setup + 1000 density points)
in under 10 s on the 2-core machine. The naive way to a spectrum is to simulate a network and
diagonalise J Jᵀ; it is timed side by side (width 500 and 1000, one network) and the ratio is
printed. Both wall and CPU time are shown: on a loaded shared machine CPU time is the fair one.

    OPENBLAS_NUM_THREADS=1 python benchmarks/jacobian.py [--transient]
"""
import argparse
import os
import sys
import time

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def law_job(L, Q):
    from rmtsym.networks.jacobian import JacobianLaw
    from rmtsym.networks.model import Network
    law = JacobianLaw(Network.build("tanh", L, sigma_w=1.1, sigma_b=0.05), Q)
    (_, b), = law.support()[-1:]
    x = np.linspace(1e-3 * b, 0.999 * b, 1000)
    rho = law.pdf(x)
    return law, rho


def sim_job(L, n, Q):
    from rmtsym.networks.model import Network
    from rmtsym.networks.simulate import sample_networks
    return sample_networks(Network.build("tanh", L, sigma_w=1.1, sigma_b=0.05, width=n), Q, seeds=1,
                           jacobian=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transient", action="store_true", help="also the transient regime (input Q = 1)")
    ap.add_argument("--depth", type=int, default=100)
    a = ap.parse_args()
    import rmtsym.networks.jacobian  # noqa: F401  (imports are not part of the timing)
    L = a.depth
    rows = []
    for label, Q in [("fixed point q*", None)] + ([("transient, Q = 1", 1.0)] if a.transient else []):
        (law, _), w, c = timed(lambda: law_job(L, Q))
        rows.append((f"law, {label}: setup + 1000 pdf points", w, c))
        (_, w2, c2) = timed(law.total_mass)
        rows.append((f"law, {label}: CDF table (mass − 1 = {law.total_mass() - 1:.1e})", w2, c2))
    from rmtsym.networks.model import Network
    from rmtsym.networks.mean_field import mean_field
    Q = float(mean_field(Network.build("tanh", L, sigma_w=1.1, sigma_b=0.05)).input_mean_square.value)
    for n in (500, 1000):
        (_, w, c) = timed(lambda: sim_job(L, n, Q))
        rows.append((f"simulate one network, width {n}", w, c))
    base = rows[0]
    print(f"tanh, σw = 1.1, σb = 0.05, L = {L} (OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')})")
    print(f"{'job':62s} {'wall s':>8s} {'cpu s':>8s} {'cpu / law':>10s}")
    for name, w, c in rows:
        print(f"{name:62s} {w:8.2f} {c:8.2f} {c / base[2]:10.2f}")


if __name__ == "__main__":
    main()
