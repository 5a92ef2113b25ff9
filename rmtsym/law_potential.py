"""The CDF of an algebraic law from its logarithmic potential, along one vertical path.

For a probability law μ with Stieltjes transform G(z) = ∫ dμ(λ)/(z − λ), the logarithmic
potential Φ(z) = ∫ log(z − λ) dμ(λ) has Φ′ = G and, on the real axis, Im Φ(x + i0) =
π μ((x, ∞)). Integrating G down the vertical line x + is, s from ∞ to 0, gives the CDF at one
point without any table of the density:

    F(x) = Σ_{x_k ≤ x} m_k + M_c 1{x > a} + (1/π) ∫_0^∞ Re[G_c(x + is) − M_c/(x − a + is)] ds,

where the atoms (x_k, m_k) are taken out of G exactly (G_c = G − Σ m_k/(z − x_k), the
transform of the continuous part, of mass M_c = 1 − Σ m_k) and a is any point left of the
support (the reference M_c/(z − a) removes the 1/z decay; c/(z − a)², c = ∫(λ − a) dμ_c,
whose integral over s vanishes, is taken out too, so the integrand falls like 1/s³).
In u = log s the integrand s·Re[...] decays exponentially at both ends and is analytic in the
strip |Im u| < π/2 (z stays in the upper half-plane), so the trapezoid rule in u converges
geometrically: 20 nodes a decade give an error far below double precision. The values of G
come from one continuation path from x + iR down to x + i s_min
(:meth:`~rmtsym.solver.BranchSolver.stieltjes_vertical`).

This route needs no resolution of the density near a singular edge: where the continuous
density of a deep Jacobian law diverges like λ^(−L/(L+1)) at 0 next to an atom there, the
Chebyshev tables of :class:`~rmtsym.law.SpectralLaw` need points ever closer to 0 (minutes),
while the potential at x > 0 only needs G off the axis.
"""
from __future__ import annotations

import math

import numpy as np

#: trapezoid nodes per decade of s (the error decays like exp(−π²/h), h = ln 10 / NODES_PER_DECADE)
NODES_PER_DECADE = 20
#: the path runs from S_MAX·scale down to S_MIN·scale (below, the integrand is under 1e-13 of
#: its size; the bottom also goes 1e-8 below the distance of x to the nearest atom). Above
#: S_MAX the integrand, its first two terms at infinity taken out, is O(1/s²); the path does
#: not go higher (double-precision roots lose the branch far above the spectrum)
S_MAX, S_MIN = 1e6, 1e-14


def _atoms(law):
    return [(float(x0), float(m)) for x0, m in law.atoms()]


def _nodes(x: float, scale: float, atoms):
    """The nodes s (descending, geometric) of the path above x."""
    top = S_MAX * scale
    # near an atom the integrand changes at s ~ |x − x_k|: go well below that
    near = min([abs(x - x0) for x0, _m in atoms if x0 != x] + [scale])
    bottom = min(S_MIN * scale, 1e-8 * near)
    n = int(math.ceil(NODES_PER_DECADE * math.log10(top / bottom))) + 1
    return np.linspace(math.log(top), math.log(bottom), n)


def _integral(x, u, g, atoms, mass_c, a_ref):
    """(1/π)·∫ Re[G_c − M_c/(z − a) − c/(z − a)²] ds by the trapezoid rule in u = log s."""
    s = np.exp(u)
    w = x + 1j * s
    for x0, m in atoms:
        g = g - m / (w - x0)
    diff = g - mass_c / (w - a_ref)
    # the next term of the expansion at infinity, c/(z − a)² with c = ∫(λ − a) dμ_c (read off
    # the top node), integrates to Re[c/(i(x − a))] = 0 over s ∈ (0, ∞): taking it out too
    # leaves an integrand falling like 1/s² (so the cut at the top costs ~1/top²)
    c = float(np.real(diff[0] * (w[0] - a_ref) ** 2))
    f = np.real(diff - c / (w - a_ref) ** 2) * s
    h = (u[0] - u[-1]) / (len(u) - 1)
    return h * (np.sum(f) - (f[0] + f[-1]) / 2) / math.pi


def cdf_by_potential(law, x):
    """P(X ≤ x) of ``law`` (a :class:`~rmtsym.law.SpectralLaw`) by the formula of the module
    docstring, for a number or an array; atoms are included at their location
    (right-continuous), NaN gives NaN.

    The points inside the support share one batched continuation (all paths at once, the
    companion eigenvalues of every step in one call); a path on which the nearest root was
    ever ambiguous is followed again alone, more finely
    (:meth:`~rmtsym.solver.BranchSolver.stieltjes_vertical`).
    """
    xs = np.atleast_1d(np.asarray(x, dtype=float)).ravel()
    out = np.full(xs.shape, np.nan)
    atoms = _atoms(law)
    mass_c = max(0.0, 1.0 - sum(m for _x0, m in atoms))
    ivs = [(float(a), float(b)) for a, b in law.intervals()]
    lo = min((a for a, _ in ivs), default=math.inf)
    hi = max((b for _, b in ivs), default=-math.inf)
    todo = []
    for i, v in enumerate(xs):
        if math.isnan(v):
            continue
        below = sum(m for x0, m in atoms if x0 <= v)
        if not ivs or mass_c == 0.0 or v <= lo:
            out[i] = below
        elif v >= hi:
            out[i] = below + mass_c
        else:
            out[i] = below + mass_c
            todo.append(i)
    if todo:
        solver = law.solver
        scale = solver._hull()[2]
        a_ref = lo - scale
        # one grid of nodes for the batch (the finest bottom any point needs)
        grids = [_nodes(xs[i], scale, atoms) for i in todo]
        u = max(grids, key=len)
        pts = xs[todo]
        g_all, redo = _batched_paths(solver, pts, np.exp(u))
        for j, i in enumerate(todo):
            g = g_all[:, j]
            if redo[j]:
                g = np.asarray(solver.stieltjes_vertical(xs[i], np.exp(u)), dtype=complex)
            out[i] += _integral(xs[i], u, g, atoms, mass_c, a_ref)
    out = np.clip(out, 0.0, 1.0)
    return out.reshape(np.shape(x)) if np.ndim(x) else float(out[0])


def _batched_paths(solver, xs, s):
    """G(x_j + i s_k) for all points on their vertical paths, followed together from
    x_j + i s_0 (``s`` descending): (values of shape (len(s), len(xs)), a flag per path whose
    nearest root was ever ambiguous)."""
    n = len(s)
    z0 = xs + 1j * s[0]
    path = lambda steps: xs[None, :] + 1j * s[steps][:, None]  # noqa: E731 - steps 1..n-1
    _, worst, kept = solver._follow(z0, path, n - 1, record=set(range(1, n)))
    roots0 = solver._np_roots(z0)
    first = roots0[np.arange(len(xs)), np.argmin(np.abs(roots0 - (1.0 / z0)[:, None]), axis=1)]
    g = np.empty((n, len(xs)), dtype=complex)
    g[0] = first
    for k in range(1, n):
        g[k] = kept[k][0]
    z = xs[None, :] + 1j * s[:, None]
    g = solver._polish_np(z.ravel(), g.ravel()).reshape(g.shape)
    return g, worst > 0.5


def ppf_by_potential(law, q: float, xtol: float = 1e-11) -> float:
    """inf{x : F(x) ≥ q} by bisection on :func:`cdf_by_potential` (atoms taken as steps)."""
    q = float(q)
    atoms = sorted(_atoms(law))
    ivs = [(float(a), float(b)) for a, b in law.intervals()]
    points = [x0 for x0, _ in atoms] + [v for iv in ivs for v in iv]
    lo, hi = min(points), max(points)
    if q <= 0:
        return lo
    # an atom whose step covers q is the answer
    for x0, m in atoms:
        f = cdf_by_potential(law, x0)
        if f - m < q <= f + 1e-15:
            return x0
    a, b = lo, hi
    while b - a > xtol * max(1.0, abs(b)):
        mid = (a + b) / 2
        if cdf_by_potential(law, mid) >= q:
            b = mid
        else:
            a = mid
    return b


__all__ = ["cdf_by_potential", "ppf_by_potential", "NODES_PER_DECADE"]
