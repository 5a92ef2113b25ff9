r"""Simulated networks against the limit law of J Jᵀ: distances, moments, edges.

The eigenvalues of J Jᵀ of simulated networks (:mod:`rmtsym.networks.simulate`) are compared
with a :class:`~rmtsym.networks.jacobian.law.JacobianLaw`:

* Kolmogorov distance sup_x |F_n(x) − F(x)| over the pooled eigenvalues of all networks, atoms
  included. Eigenvalues below ``floor``·b (b the law's upper edge, ``floor`` = 1e-11) are below
  the resolution of a double-precision product of L matrices (the smallest singular values of J
  are computed with an absolute error of ~1e-16 σ_max²), so they are compared as one lump:
  |F_n(floor·b) − F(floor·b)| enters the supremum, their order does not;
* Wasserstein-1 distance ∫|F_n − F| dx;
* moments (1/n) tr (J Jᵀ)^k: the mean over networks with its standard error, against the
  exact S-transform moments;
* the largest eigenvalue (mean and standard error over networks) against the upper edge, and
  the fraction of zero eigenvalues against the atom at 0.

Finite width: the law is the n → ∞ limit at fixed ratios; the deviations of a width-n network
shrink like 1/n, with a constant that grows with the depth L (each layer adds its own O(1/n)
correction; Pastur & Slavin 2023), so tolerances are stated as c·L/n.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

__all__ = ["JacobianValidation", "validate_jacobian", "expected_zero_fraction", "FLOOR"]

FLOOR = 1e-11


def expected_zero_fraction(d2_zero_mass, widths) -> float:
    """E[1 − rank J/n_L] for networks of the given widths: rank J = min over the factors of
    n_0, min(n_l, n_{l−1}) and N_l ~ Bin(n_l, 1 − a_l), the active units of layer l (a_l = P(D_l² = 0),
    layers independent). The limit law's atom is 1 − min(...)/n_L with N_l replaced by its mean;
    the minimum of L binomials lies below it by O(√n_l), so at finite width the fraction of zero
    eigenvalues exceeds the atom by O(1/√n) — a Kolmogorov distance of that size is expected."""
    from scipy.stats import binom

    nL = widths[-1]
    fixed = min([widths[0]] + [min(a, b) for a, b in zip(widths[:-1], widths[1:])])
    k = np.arange(1, fixed + 1)
    surv = np.ones(k.size)                       # P(min ≥ k) for k ≤ fixed
    for n_l, a in zip(widths[1:], d2_zero_mass):
        if a > 0:
            surv *= binom.sf(k - 1, n_l, 1 - a)
    return float(1 - np.sum(surv) / nL)


@dataclass
class JacobianValidation:
    kolmogorov: float
    wasserstein1: float
    moments: List[dict]
    edge: dict
    zero_fraction: dict
    networks: int
    eigenvalues: int
    below_floor: float
    q_met: List[dict] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"kolmogorov": self.kolmogorov, "wasserstein1": self.wasserstein1,
                "moments": self.moments, "edge": self.edge, "zero_fraction": self.zero_fraction,
                "networks": self.networks, "eigenvalues": self.eigenvalues,
                "below_floor": self.below_floor, "floor": FLOOR, "q_met": self.q_met,
                "notes": list(self.notes)}


def validate_jacobian(law, sample, order: int = 3, q_theory: Optional[list] = None) -> JacobianValidation:
    """Compare a :class:`~rmtsym.networks.simulate.NetworkSample` with ``law`` (module docstring)."""
    e = sample.pooled
    N = e.size
    atoms = law.atoms()
    top = max([hi for _, hi in law.support()] + [x for x, _ in atoms])
    for x0, _ in atoms:
        # an atom's eigenvalues are computed to rounding: put them on it
        e = np.where(np.abs(e - x0) <= 1e-9 * max(1.0, abs(x0)), x0, e)
    e = np.sort(e)
    floor = FLOOR * top
    # Kolmogorov: at each distinct sample value u the ECDF jumps from F_n(u−) to F_n(u), the
    # law from F(u−) = F(u) − (atom at u) to F(u)
    above = e[e > floor]
    k0 = N - above.size
    F_floor = float(law.cdf(floor))
    ks = abs(k0 / N - F_floor)
    if above.size:
        u, counts = np.unique(above, return_counts=True)
        after = (k0 + np.cumsum(counts)) / N
        before = after - counts / N
        F = np.asarray(law.cdf(u), dtype=float)
        jump = np.zeros_like(F)
        for x0, m in atoms:
            jump[u == x0] = m
        ks = max(ks, float(np.max(np.abs(after - F))), float(np.max(np.abs(before - (F - jump)))))
    # Wasserstein-1 on a grid that holds every quantile region
    hi = max(top, float(e[-1]) if N else top)
    grid = np.unique(np.concatenate([np.linspace(0.0, hi, 2001),
                                     np.quantile(e, np.linspace(0, 1, 501)) if N else []]))
    Fg = np.asarray(law.cdf(grid), dtype=float)
    Fn = np.searchsorted(e, grid, side="right") / max(N, 1)
    w1 = float(np.trapezoid(np.abs(Fn - Fg), grid)) if hasattr(np, "trapezoid") else float(
        np.trapz(np.abs(Fn - Fg), grid))
    # moments per network
    exact = law.exact_moments(order)
    per = np.array([[np.mean(ev ** k) for k in range(1, order + 1)] for ev in sample.eigenvalues])
    K = per.shape[0]
    mom = []
    for k in range(order):
        mean = float(per[:, k].mean())
        se = float(per[:, k].std(ddof=1) / math.sqrt(K)) if K > 1 else float("nan")
        theory = float(exact[k].value)
        mom.append({"k": k + 1, "simulated": mean, "se": se, "theory": theory,
                    "relative_error": mean / theory - 1})
    tops = np.array([ev.max() for ev in sample.eigenvalues])
    edge = {"simulated_max": float(tops.mean()),
            "se": float(tops.std(ddof=1) / math.sqrt(K)) if K > 1 else float("nan"),
            "theory": float(top)}
    zero_theory = sum(m for x, m in atoms if x == 0.0)
    zero = {"simulated_below_floor": float(np.mean(e <= floor)) if N else float("nan"),
            "theory_below_floor": F_floor, "theory_atom": float(zero_theory)}
    if getattr(law, "d2_zero_mass", None) is not None and any(a > 0 for a in law.d2_zero_mass):
        zero["finite_width_expected"] = expected_zero_fraction(law.d2_zero_mass, sample.widths)
    q_met = []
    if q_theory is not None:
        for l, qt in enumerate(q_theory):
            col = sample.q[:, l]
            q_met.append({"layer": l + 1, "simulated": float(col.mean()),
                          "se": float(col.std(ddof=1) / math.sqrt(len(col))) if len(col) > 1 else float("nan"),
                          "theory": float(qt)})
    return JacobianValidation(ks, w1, mom, edge, zero, K, N, float(np.mean(e <= floor)) if N else 0.0,
                              q_met)
