"""The CDF of an algebraic law from its logarithmic potential, along one vertical path.

For a probability law μ with Stieltjes transform G(z) = ∫ dμ(λ)/(z − λ), the logarithmic
potential Φ(z) = ∫ log(z − λ) dμ(λ) has Φ′ = G and, on the real axis, Im Φ(x + i0) =
π μ((x, ∞)). Integrating G down the vertical line x + is, s from ∞ to 0, gives the CDF at one
point without any table of the density:

    F(x) = Σ_{x_k ≤ x} m_k + M_c 1{x > a}
           + (1/π) ∫_0^∞ Re[G_c(x + is) − M_c/(x − a + is) − c/(x − a + is)²] ds,

where the atoms (x_k, m_k) are taken out of G exactly (G_c = G − Σ m_k/(z − x_k), the
transform of the continuous part, of mass M_c = 1 − Σ m_k) and a is any point left of the
support (the reference M_c/(z − a) removes the 1/z decay; c/(z − a)², c = ∫(λ − a) dμ_c,
whose integral over s vanishes, is taken out too, so the integrand falls like 1/s²).
In u = log s the integrand s·Re[...] decays exponentially at both ends and is analytic in the
strip |Im u| < π/2 (z stays in the upper half-plane), so the trapezoid rule in u converges
geometrically: 20 nodes a decade give an error far below double precision. The values of G
come from one continuation path per point, from x + i·10⁶·scale down (:func:`_batched_paths`);
within 1e-12 of the scale of an atom or a support edge F is continued as a power law
(:func:`_near_points`).

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
#: its size; the bottom also goes 1e-8 below the distance of x to the nearest atom or edge). Above
#: S_MAX the integrand, its first two terms at infinity taken out, is O(1/s²); the path does
#: not go higher (double-precision roots lose the branch far above the spectrum)
S_MAX, S_MIN = 1e6, 1e-14


def _atoms(law):
    return [(float(x0), float(m)) for x0, m in law.atoms()]


def _nodes(xs, scale: float, special):
    """The nodes u = log s (descending) of the paths above the points ``xs``, one grid for all:
    near an atom or a support edge (``special``) the integrand changes at s ~ the distance to
    it, so the grid goes 1e-8 below the smallest such distance (points nearer than
    NEAR_POINT·scale are continued by :func:`_near_points` and not followed)."""
    top = S_MAX * scale
    near = min([abs(x - p) for x in xs for p in special if p != x] + [scale])
    bottom = max(min(S_MIN * scale, 1e-8 * near), 1e-8 * NEAR_POINT * scale)
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

    The points inside the support share one batched continuation (:func:`_batched_paths`).
    """
    xs = np.atleast_1d(np.asarray(x, dtype=float)).ravel()
    out = np.full(xs.shape, np.nan)
    atoms = _atoms(law)
    mass_c = max(0.0, 1.0 - sum(m for _x0, m in atoms))
    ivs = [(float(a), float(b)) for a, b in law.intervals()]
    lo = min((a for a, _ in ivs), default=math.inf)
    hi = max((b for _, b in ivs), default=-math.inf)
    scale = law.solver._hull()[2]
    special = sorted({x0 for x0, _m in atoms} | {e for iv in ivs for e in iv})
    todo, near = [], []
    for i, v in enumerate(xs):
        if math.isnan(v):
            continue
        below = sum(m for x0, m in atoms if x0 <= v)
        if not ivs or mass_c == 0.0 or v <= lo:
            out[i] = below
        elif v >= hi:
            out[i] = below + mass_c
        elif _near_point(v, special, NEAR_POINT * scale, ivs) is not None:
            near.append(i)
        else:
            out[i] = below + mass_c
            todo.append(i)
    if todo:
        u = _nodes(xs[todo], scale, special)
        g_all, _ambiguous = _batched_paths(law.solver, xs[todo], np.exp(u), atoms)
        for j, i in enumerate(todo):
            out[i] += _integral(xs[i], u, g_all[:, j], atoms, mass_c, lo - scale)
    if near:
        _near_points(law, xs, near, out, atoms, ivs, special, NEAR_POINT * scale)
    out = np.clip(out, 0.0, 1.0)
    return out.reshape(np.shape(x)) if np.ndim(x) else float(out[0])


#: closer than NEAR_POINT·scale to an atom or a support edge (but not on it), the path would have
#: to go below 1e-20 of the scale (and near an atom the roots of double precision no longer
#: tell the physical branch from its neighbours, all growing like m/(z − x_k)); there the
#: continuous part's CDF is continued from δ and 10δ as the power law it follows
NEAR_POINT = 1e-12


def _inside(v: float, ivs) -> bool:
    return any(a < v < b for a, b in ivs)


def _near_point(v: float, special, delta: float, ivs):
    """The atom or edge p with 0 < |v − p| < δ/2 with the support going on from p towards v
    (the case :func:`_near_points` continues), else None. Half of δ: the points p ± δ that
    the continuation reads go by the path."""
    return next((p for p in special
                 if 0 < abs(v - p) < delta / 2 and _inside(p + math.copysign(delta, v - p), ivs)), None)


def _near_points(law, xs, which, out, atoms, ivs, special, delta):
    """The values at the points ``which`` within δ = NEAR_POINT·scale of an atom or a support
    edge p (in place): F(p ± t) = F(p±) ± g(δ)(t/δ)^β, with g(δ), g(10δ) computed by the path
    and β = log10 g(10δ)/g(δ) (the edge exponent of the continuous density there: 1/4 beside
    the atom of the depth-4 Jacobian law, 1/3 at the x^(−2/3) edge of Fuss–Catalan; 3/2 at a
    square-root edge; g linear when it does not grow). F(p±) is F on the far side of an edge
    (constant across a gap) with the atom at p added on the right, or F at an interior atom.
    Points on the same side of the same p share one continuation."""
    mass_at = {x0: m for x0, m in atoms}
    fits = {}
    for i in which:
        v = xs[i]
        p = _near_point(v, special, delta, ivs)
        side = 1.0 if v > p else -1.0
        if (p, side) not in fits:
            m = mass_at.get(p, 0.0)
            if _inside(p - side * delta, ivs):  # an atom inside an interval: F at the atom itself
                at = float(cdf_by_potential(law, p))
                base = at if side > 0 else at - m
            else:  # an edge: F on its far side, where F is constant, with the atom at p on the right
                k = special.index(p)
                nxt = special[k - 1] if side > 0 and k > 0 else special[k + 1] if side < 0 and k + 1 < len(special) else None
                far = p - side * law.solver._hull()[2] if nxt is None else (p + nxt) / 2
                base = float(cdf_by_potential(law, far)) + (m if side > 0 else -m)
            f1, f2 = cdf_by_potential(law, np.array([p + side * delta, p + side * 10 * delta]))
            g1, g2 = abs(f1 - base), abs(f2 - base)
            beta = math.log10(g2 / g1) if g1 > 0 and g2 > g1 else 1.0
            fits[(p, side)] = (base, g1, beta)
        base, g1, beta = fits[(p, side)]
        out[i] = base + side * g1 * (abs(v - p) / delta) ** beta


def _batched_paths(solver, xs, s, atoms, refine: int = 1):
    """G(x_j + i s_k) for all points on their vertical paths (``s`` descending from far above
    the spectrum, where the physical root is the one nearest 1/z): (values of shape
    (len(s), len(xs)), a flag per path whose root was ever ambiguous).

    All roots of every node come from one batched eigenvalue call per block of points; the
    root is followed from node to node by nearness, measured after the atoms' poles
    Σ m_k/(z − x_k) are taken out of every root. Near an atom every root grows like 1/(z −
    x_k) and moves by a tenth of itself between nodes, more than roots that differ only in
    the next order are apart; without the common pole the step is small against that
    difference. A path still ambiguous (nearest ≥ half the second nearest) is followed again
    with 10 times as many nodes.
    """
    n, N = len(s), len(xs)
    z = xs[None, :] + 1j * s[:, None]                                  # (n, N)
    with np.errstate(all="ignore"):
        shift = sum((m / (z - x0) for x0, m in atoms), np.zeros_like(z))
    g = np.empty((n, N), dtype=complex)
    worst = np.zeros(N)
    block = max(1, 200_000 // (n * max(1, solver.degree)))
    for b0 in range(0, N, block):
        cols = slice(b0, min(N, b0 + block))
        zb = z[:, cols]
        roots = solver._np_roots(zb.ravel()).reshape(zb.shape + (-1,))  # (n, B, d)
        moved = roots - shift[:, cols, None]
        B = zb.shape[1]
        idx = np.arange(B)
        cur = np.argmin(np.where(np.isfinite(roots[0]), np.abs(roots[0] - (1.0 / zb[0])[:, None]), np.inf), axis=1)
        g[0, cols] = roots[0, idx, cur]
        w = np.zeros(B)
        for k in range(1, n):
            dist = np.abs(moved[k] - moved[k - 1, idx, cur][:, None])
            dist = np.where(np.isfinite(dist), dist, np.inf)
            order = np.argsort(dist, axis=1)
            near = dist[idx, order[:, 0]]
            second = dist[idx, order[:, 1]] if dist.shape[1] > 1 else np.full(B, np.inf)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(second > 0, near / second, 1.0)
            w = np.maximum(w, np.nan_to_num(ratio, nan=1.0))
            cur = order[:, 0]
            g[k, cols] = roots[k, idx, cur]
        worst[cols] = w
    g = solver._polish_np(z.ravel(), g.ravel()).reshape(g.shape)
    bad = worst > 0.5
    if refine and np.any(bad):
        # 10 times as many nodes on the ambiguous paths; keep every tenth value
        u = np.log(s)
        fine = np.exp(np.interp(np.linspace(0, n - 1, 10 * (n - 1) + 1), np.arange(n), u))
        g_fine, bad_fine = _batched_paths(solver, xs[bad], fine, atoms, refine=0)
        g[:, bad] = g_fine[::10]
        bad[bad] = bad_fine
    return g, bad


def invert_cdf(cdf, atoms, lo: float, hi: float, q: float, xtol: float) -> float:
    """inf{x : F(x) ≥ q} on [lo, hi] for a CDF ``cdf`` with ``atoms`` [(x_k, m_k)]: an atom
    whose step covers q is the answer, else bisection. F is compared with q less 1e-12 (its
    values carry errors of ~1e-13), so that a level on a flat stretch of F gives the
    stretch's left end."""
    if q <= 0:
        return lo
    for x0, m in atoms:
        f = float(cdf(x0))
        if f - m < q - 1e-12 and q <= f + 1e-12:
            return x0
    a, b = lo, hi
    while b - a > xtol * max(1.0, abs(b)):
        mid = (a + b) / 2
        if cdf(mid) >= q - 1e-12:
            b = mid
        else:
            a = mid
    return b


def ppf_by_potential(law, q: float, xtol: float = 1e-11) -> float:
    """inf{x : F(x) ≥ q} by :func:`invert_cdf` on :func:`cdf_by_potential`."""
    from .errors import ParameterError

    q = float(q)
    if not 0.0 <= q <= 1.0:  # NaN fails too
        raise ParameterError(f"quantile levels q must lie in [0, 1], got {q}")
    atoms = sorted(_atoms(law))
    points = [x0 for x0, _ in atoms] + [v for a, b in law.intervals() for v in (float(a), float(b))]
    return invert_cdf(lambda v: cdf_by_potential(law, v), atoms, min(points), max(points), q, xtol)


__all__ = ["cdf_by_potential", "ppf_by_potential", "invert_cdf", "NODES_PER_DECADE"]
