"""Benchmark: Gaussian moments of the named activation zoo, rmtsym vs plain SymPy.

For each activation f it times

* rmtsym: ``gaussian_moments(f)`` at σ = 1, dps = 30, from a cold cache (closed forms in
  symbolic σ, simplification, self-check and any quadrature included);
* plain SymPy: ``sympy.integrate`` of the same three integrals at σ = 1 (the easiest case
  for SymPy): ∫ f(z) φ(z) dz, ∫ f(z)² φ(z) dz, ∫ z f(z) φ(z) dz over the real line, each in a
  subprocess killed after the cap (60 s; 5 s with ``--quick``). A result that still holds
  an unevaluated ``Integral`` counts as a failure.

and prints them side by side with the ratio, then the median and total for rmtsym.
Targets (issue 2): median under 0.5 s per activation, whole zoo under 20 s cold.

Run:  python benchmarks/gaussian_moments.py [--quick] [--cap SECONDS] [--only NAME,...]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time


def zoo():
    """The named zoo: the shortcuts of issue 2 and its list of required closed forms."""
    import sympy as sp

    from rmtsym.symbols import x

    half = sp.Rational(1, 2)
    return {
        "linear": x,
        "relu": sp.Max(x, 0),
        "leaky_relu(0.1)": sp.Max(x, x / 10),
        "leaky_relu(a)": sp.Max(x, sp.Symbol("a", real=True) * x),
        "abs": sp.Abs(x),
        "heaviside": sp.Heaviside(x),
        "sign": sp.sign(x),
        "hard_tanh": sp.Max(-1, sp.Min(1, x)),
        "erf": sp.erf(x),
        "gelu": x * (1 + sp.erf(x / sp.sqrt(2))) / 2,
        "elu": sp.Piecewise((x, x > 0), (sp.exp(x) - 1, True)),
        "sin": sp.sin(x),
        "cos": sp.cos(x),
        "exp(x/2)": sp.exp(half * x),
        "gauss_bump exp(-x^2)": sp.exp(-x ** 2),
        "x*exp(-x^2/2)": x * sp.exp(-x ** 2 / 2),
        "x^3": x ** 3,
        "hermite(4)": sp.hermite_prob(4, x),
        "relu + sin/2": sp.Max(x, 0) + sp.sin(x) / 2,
        "x*erf(x)": x * sp.erf(x),
        "tanh": sp.tanh(x),
        "sigmoid": 1 / (1 + sp.exp(-x)),
        "softplus": sp.log(1 + sp.exp(x)),
        "silu/swish": x / (1 + sp.exp(-x)),
    }


def _rmtsym_time(f):
    from rmtsym.gaussian import clear_cache, gaussian_moments

    clear_cache()
    t0, c0 = time.perf_counter(), time.process_time()
    gm = gaussian_moments(f, dps=30)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    kind = "".join("C" if flag else "N" for flag in (gm.mean_closed_form, gm.eta_closed_form,
                                                     gm.zeta_closed_form))
    return dt, cpu, kind


def _sympy_worker(f, which, queue):
    import sympy as sp

    from rmtsym.symbols import x

    z = sp.Symbol("z", real=True)
    g = {"mean": f, "sq": f ** 2, "zf": x * f}[which].subs(x, z)
    t0 = time.perf_counter()
    try:
        res = sp.integrate(g * sp.exp(-z ** 2 / 2) / sp.sqrt(2 * sp.pi), (z, -sp.oo, sp.oo))
        ok = not res.has(sp.Integral) and not res.has(sp.nan, sp.zoo)
        queue.put((time.perf_counter() - t0, "ok" if ok else "unevaluated"))
    except Exception as exc:  # report, do not crash the benchmark
        queue.put((time.perf_counter() - t0, f"error {type(exc).__name__}"))


def _sympy_time(f, cap):
    """Total time of the three plain integrals; status 'ok' only if all three succeed."""
    ctx = mp.get_context("fork")
    total, statuses = 0.0, []
    for which in ("mean", "sq", "zf"):
        q = ctx.Queue()
        p = ctx.Process(target=_sympy_worker, args=(f, which, q))
        t0 = time.perf_counter()
        p.start()
        p.join(cap)
        if p.is_alive():
            p.kill()
            p.join()
            total += cap
            statuses.append("timeout")
            continue
        try:
            dt, status = q.get(timeout=5)
        except Exception:
            dt, status = time.perf_counter() - t0, "crashed"
        total += dt
        statuses.append(status)
    if all(s == "ok" for s in statuses):
        status = "ok"
    else:
        kinds = sorted(set(s for s in statuses if s != "ok"))
        status = ", ".join(f"{statuses.count(k)}/3 {k}" for k in kinds)
    return total, status


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="cap plain SymPy at 5 s per integral")
    ap.add_argument("--cap", type=float, default=None, help="cap per plain SymPy integral (s)")
    ap.add_argument("--only", default=None, help="comma-separated names of the zoo to run")
    ap.add_argument("--no-sympy", action="store_true", help="time rmtsym only")
    args = ap.parse_args(argv)
    cap = args.cap if args.cap is not None else (5.0 if args.quick else 60.0)

    t_import = time.perf_counter()
    import rmtsym.gaussian  # noqa: F401  (import cost reported separately)
    t_import = time.perf_counter() - t_import
    activations = zoo()
    if args.only:
        wanted = [s.strip() for s in args.only.split(",")]
        activations = {k: v for k, v in activations.items() if k in wanted}

    print(f"rmtsym Gaussian-moments benchmark: sigma = 1, dps = 30; plain sympy.integrate capped at "
          f"{cap:g} s per integral (3 integrals per activation, subprocesses)")
    print(f"import rmtsym.gaussian: {t_import:.2f} s (not counted below)")
    head = (f"{'activation':22s} {'rmtsym s':>9s} {'cpu s':>7s} {'kind':>5s} {'sympy s':>8s} "
            f"{'sympy status':>28s} {'ratio':>8s}")
    print(head)
    print("-" * len(head))
    times, cpus = [], []
    for name, f in activations.items():
        dt, cpu, kind = _rmtsym_time(f)
        times.append(dt)
        cpus.append(cpu)
        if args.no_sympy:
            print(f"{name:22s} {dt:9.3f} {cpu:7.3f} {kind:>5s}", flush=True)
            continue
        st, status = _sympy_time(f, cap)
        ratio = st / dt
        ratio_s = (">" if status != "ok" else " ") + f"{ratio:6.0f}x"
        print(f"{name:22s} {dt:9.3f} {cpu:7.3f} {kind:>5s} {st:8.2f} {status:>28s} {ratio_s:>8s}",
              flush=True)
    print("-" * len(head))
    print("kind: mean/eta/zeta, C = closed form, N = certified numeric quadrature; cpu = process "
          "time (insensitive to other load); '>' = SymPy did not finish all three integrals, so "
          "the ratio is a lower bound")
    print(f"rmtsym wall: median {statistics.median(times):.3f} s per activation, total "
          f"{sum(times):.2f} s for {len(times)} activations (targets: median < 0.5 s, total < 20 s)")
    print(f"rmtsym cpu:  median {statistics.median(cpus):.3f} s, total {sum(cpus):.2f} s")
    try:
        import os
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
