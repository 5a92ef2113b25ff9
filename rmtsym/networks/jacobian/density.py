r"""The limit spectral law of J Jᵀ for any activations, widths and weight laws (double precision).

Free multiplicative convolution along the network (Pennington, Schoenholz & Ganguli 2017;
Pastur & Slavin 2023). With ψ_ν(y) = ∫ yt/(1 − yt) dν(t), χ_ν = ψ_ν^{-1} and
S_ν(w) = χ_ν(w)(1 + w)/w, one layer maps M_{l−1} = J_{l−1}J_{l−1}ᵀ (n_{l−1} × n_{l−1}) to
M_l = D_l W̃_l M_{l−1} W̃_lᵀ D_l (n_l × n_l). The nonzero spectrum of W̃ M W̃ᵀ is that of
M^{1/2} W̃ᵀW̃ M^{1/2}; passing from n_{l−1} to n_l dimensions multiplies ψ by c_l = n_{l−1}/n_l,
so the free argument of layer l is w_l = w_{l−1} c_l. With W the argument of M_L and
C_l = n_l/n_L (w_l = W/C_l), the S-transforms multiply to::

    1/z = χ_{M_L}(W) = [w_0/(1 + w_0)] Π_l S_{D_l²}(w_l) S_{W̃_lᵀW̃_l}(w_{l−1}),

    S_{D²}(w) = u (1 + w)/w with ψ_{D²}(u) = w,
    S_{W̃ᵀW̃}(w_{l−1}) = (c_l/σ_l²)/(1 + w_l)                       (i.i.d., Marchenko–Pastur)
                      = c_l/σ_l²                                  (orthogonal, c_l ≤ 1)
                      = (c_l/σ_l²)(1 + w_{l−1})/(1 + w_l)          (orthogonal, c_l > 1),

and G(z) = (1 + W)/z. Equal widths and one D² law give the formulas of PSG:
z = (1 + w) σ^{2L} w^{L−1}/u^L (Gaussian), z = ((1 + w)/w)(σ² w/(u(1 + w)))^L (orthogonal).

The solver works in logarithms, so that products of a hundred layers neither overflow nor
lose the hard edge at 0 (where 1 + W → 0 and the density of L Gaussian layers behaves like
λ^{−L/(L+1)}: at L = 100 half of the mass lies below 10^{-30} of the upper edge). The unknown
is t = log u_L of the last layer; W = ψ_L(u_L) and 1 + W = E[1/(1 − u_L D_L²)] are computed
directly (never as 1 + W), the other layers' u_l solve ψ_l(u_l) = W/C_l by Newton's method
(layers with the same D² law and argument share one solve), and log z(t) is followed by a
predictor–corrector continuation from z = iY (Y above the spectrum, u ≈ W/μ_1) along the
imaginary direction to |z| = |z_target|, then in the angle down to the target, so the branch
is the one with zG(z) → 1 at infinity.
"""
from __future__ import annotations

import math
from typing import List

import numpy as np

from ...errors import ParameterError
from .layers import D2Law, LayerFactor

__all__ = ["SubordinationSolver"]

#: the points of one vectorised evaluation (points × nodes complex numbers per array)
_CHUNK_ENTRIES = 2_000_000


class _Group:
    """Layers sharing one D² law and one free argument w = W/C (one solve of u)."""

    def __init__(self, law: D2Law, C: float):
        self.d = law.values.astype(float)
        self.a = law.weights.astype(float)
        self.C = float(C)
        self.mu1 = float(np.dot(self.a, self.d))
        self.d_max = float(self.d.max())
        self.single = self.d.size == 1
        self.min_nonzero = float(self.d[self.d > 0].min()) if np.any(self.d > 0) else 0.0
        self.zero_mass = float(np.sum(self.a[self.d == 0]))

    def eval(self, u):
        """(w, v, ψ′) at u: w = E[uD²/(1 − uD²)], v = E[1/(1 − uD²)], ψ′ = E[D²/(1 − uD²)²]."""
        u = np.asarray(u)
        out_w = np.empty(u.shape, dtype=complex)
        out_v = np.empty(u.shape, dtype=complex)
        out_dp = np.empty(u.shape, dtype=complex)
        step = max(1, _CHUNK_ENTRIES // max(self.d.size, 1))
        flat_u = u.reshape(-1)
        fw, fv, fdp = out_w.reshape(-1), out_v.reshape(-1), out_dp.reshape(-1)
        with np.errstate(all="ignore"):
            for s in range(0, flat_u.size, step):
                uu = flat_u[s:s + step, None]
                inv = 1.0 / (1.0 - uu * self.d)
                ad = self.a * self.d
                fv[s:s + step] = inv @ self.a
                fw[s:s + step] = flat_u[s:s + step] * (inv @ ad)
                fdp[s:s + step] = (inv * inv) @ ad
        return out_w, out_v, out_dp


class SubordinationSolver:
    """G(z) of J Jᵀ from the S-transform product (module docstring), vectorised over z.

    Parameters
    ----------
    factors : list of LayerFactor
        The layers (ratios, scales, weight kinds); :func:`rmtsym.networks.jacobian.layers.layer_factors`.
    laws : list of D2Law
        The law of D_l² of each layer.
    C0 : float
        n_0/n_L.
    """

    #: continuation steps along |z| (at least) and in the angle, Newton corrections per step
    RADIAL_STEPS = 8
    RADIAL_STEP = 4.0
    ANGLE_STEPS = 30
    NEWTON = 4
    NEWTON_RADIAL = 2
    INNER_NEWTON = 3
    #: relative residual |log z(u) − log z| a converged point must reach
    TOL = 1e-9

    def __init__(self, factors: List[LayerFactor], laws: List[D2Law], C0: float):
        if len(factors) != len(laws) or not factors:
            raise ParameterError("the Jacobian law needs one D² law per layer")
        self.factors = factors
        self.C0 = float(C0)
        keys = {}
        self.groups: List[_Group] = []
        self.layer_group = []
        for f, law in zip(factors, laws):
            if f.key not in keys:
                keys[f.key] = len(self.groups)
                self.groups.append(_Group(law, f.C))
            self.layer_group.append(keys[f.key])
        # the pivot: the factor of least rank, C (1 − P(D² = 0)) with C = n/n_L (the input:
        # C_0). Its free argument w* is the one that reaches its kernel (v* = E[1/(1 − u D²)]
        # → P(D² = 0), u* → ∞) where the spectrum of J Jᵀ meets its own kernel, so it must
        # be the unknown of the continuation; every other factor has rank_g > rank*, its
        # v_C = (C − C* + C* v*)/C stays above P(D_g² = 0) and its u_g stays finite (no
        # cancellation). Taking the narrowest C alone as the pivot failed for a ReLU layer
        # (rank 1/2) followed by a tanh layer (rank 1) of the same width: the ReLU layer's
        # u = w/(p + w) had p + w → 0 computed from the tanh pivot, so below the support's
        # lower edge the continuation lost the branch or did not converge (λ < 1e-8 b).
        ranks = [g.C * (1.0 - g.zero_mass) for g in self.groups]
        rmin = min(ranks)
        tie = 1e-12 * max(rmin, 1e-300)
        cand = [g for g in range(len(self.groups)) if ranks[g] <= rmin + tie]
        if rmin <= self.C0 + tie:
            last = self.layer_group[-1]
            self.pivot = last if last in cand else cand[-1]
        else:  # the input is the narrowest: a factor D² = 1 (ψ(u) = u/(1 − u)) at C_0
            from .layers import D2Law as _L
            self.groups.append(_Group(_L(np.array([1.0]), np.array([1.0]), True), self.C0))
            self.pivot = len(self.groups) - 1
        self.Cs = self.groups[self.pivot].C
        # m1 = Π σ_l² μ1_l (the mean of J Jᵀ), the scale the continuation starts from
        self.m1 = math.exp(sum(math.log(f.sw2) + math.log(self.groups[g].mu1)
                               for f, g in zip(factors, self.layer_group)))
        self.L = len(factors)
        self._top = math.log(10.0 * self.m1 + 1.0) + 2.0  # log |z| where the paths start
        self.n_iid = sum(1 for f in factors if f.iid)
        self._C_prev = [self.C0] + [f.C for f in factors[:-1]]
        classes = {}
        for f, g, Cp in zip(factors, self.layer_group, self._C_prev):
            key = (g, f.C, Cp, f.iid, f.c, f.sw2)
            classes[key] = classes.get(key, 0) + 1
        self._classes = list(classes.items())

    # ------------------------------------------------------------------ log z(t)
    def _wv(self, ws, vs, C):
        """(w_C, v_C) = (w* C*/C, (C − C* + C* v*)/C) from the pivot's (w*, v*)."""
        if C == self.Cs:
            return ws, vs
        return ws * (self.Cs / C), (C - self.Cs + self.Cs * vs) / C

    def _inner(self, g: int, ws, vs, u0, real: bool = False):
        """u of group g with ψ_g(u) = w_{C_g}, by Newton's method in log u from u0.

        ``real``: follow the real branch u ∈ (0, 1/max D²) (steps are kept below the pole)."""
        grp = self.groups[g]
        Wg, Vg = self._wv(ws, vs, grp.C)
        if grp.single:  # ψ(u) = du/(1 − du): u = w/(d v) exactly
            return Wg / (grp.d[0] * Vg)
        t = np.log(u0)
        use_w = np.abs(Wg) <= np.abs(Vg)
        with np.errstate(all="ignore"):
            for _ in range(self.INNER_NEWTON):
                u = np.exp(t)
                w, v, dp = grp.eval(u)
                r = np.where(use_w, np.log(w / Wg), np.log(v / Vg))
                dr = u * dp / np.where(use_w, w, v)
                step = r / dr
                size = np.abs(step)
                step = np.where(size > 1.0, step / size, step)
                t = t - np.where(np.isfinite(step), step, 0)
                if real:
                    t = np.minimum(t.real, math.log((1 - 1e-14) / grp.d_max)) + 0j
        return np.exp(t)

    def evaluate(self, t, inner, real: bool = False):
        """log z, d log z/dt, W, 1 + W (at n_L) and the updated inner u's at t = log u* (arrays)."""
        P = self.groups[self.pivot]
        Cs = self.Cs
        u = np.exp(t)
        ws, vs, dp = P.eval(u)
        new_inner = {}
        with np.errstate(all="ignore"):
            logws = np.log(ws)
            logu = {self.pivot: t}
            dlogu = {self.pivot: 1.0 / (u * dp)}
            for g, grp in enumerate(self.groups):
                if g == self.pivot:
                    continue
                ug = self._inner(g, ws, vs, inner.get(g, ws * Cs / grp.C / max(grp.mu1, 1e-300)), real)
                new_inner[g] = ug
                logu[g] = np.log(ug)
                if grp.single:
                    dlogu[g] = None
                else:
                    _, _, dpg = grp.eval(ug)
                    dlogu[g] = (Cs / grp.C) / (ug * dpg)
            cacheV = {}

            def lv(C):
                """(log v_C, d log v_C/dw*)."""
                if C not in cacheV:
                    _, vC = self._wv(ws, vs, C)
                    cacheV[C] = (np.log(vC), (Cs / C) / vC)
                return cacheV[C]

            lv0, dv0 = lv(self.C0)
            # −log χ: the input factor w_0/(1 + w_0), then each layer
            logz = -(logws + math.log(Cs / self.C0) - lv0)
            dlogz = -(1.0 / ws - dv0)
            # layers that repeat (same D² group, ratios, scale, weight kind) enter once,
            # times their number
            for (g, C, Cp, iid, c, sw2), count in self._classes:
                grp = self.groups[g]
                lvl, dvl = lv(C)
                if grp.single:
                    logz = logz + count * math.log(grp.d[0])  # S_{D²} = 1/d
                else:  # log S_{D²}(w_C) = log u + log v_C − log w_C
                    logz = logz - count * (logu[g] + lvl - (logws + math.log(Cs / C)))
                    dlogz = dlogz - count * (dlogu[g] + dvl - 1.0 / ws)
                base = math.log(c / sw2)
                if iid:
                    logz = logz - count * (base - lvl)
                    dlogz = dlogz + count * dvl
                elif c > 1.0:
                    lvp, dvp = lv(Cp)
                    logz = logz - count * (base + lvp - lvl)
                    dlogz = dlogz - count * (dvp - dvl)
                else:
                    logz = logz - count * base
            dlogz_dt = dlogz * (u * dp)
            W, V = self._wv(ws, vs, 1.0)
        return logz, dlogz_dt, W, V, new_inner

    # ------------------------------------------------------------------ continuation
    def _start(self, logz0):
        W = self.m1 / np.exp(logz0)          # w at n_L; the argument at C is W/C
        t = np.log(W / self.Cs / self.groups[self.pivot].mu1)
        inner = {g: (W / grp.C) / max(grp.mu1, 1e-300) for g, grp in enumerate(self.groups)
                 if g != self.pivot}
        return t, inner

    @staticmethod
    def _wrap(r):
        return r.real + 1j * (np.mod(r.imag + np.pi, 2 * np.pi) - np.pi)

    def _follow(self, path, newton, t, inner):
        """Predictor–corrector along ``path`` (steps × points of log z), with ``newton[k]``
        corrections at step k; returns (t, inner, W, V, residual) at the last row."""
        logz, dz, W, V, inner = self.evaluate(t, inner)
        prev = path[0]
        for target, corrections in zip(path[1:], newton[1:]):
            with np.errstate(all="ignore"):
                pred = (target - prev) / dz
                size = np.abs(pred)
                pred = np.where(size > 2.0, 2.0 * pred / size, pred)
                t = t + np.where(np.isfinite(pred), pred, 0)
            for _ in range(corrections):
                logz, dz, W, V, inner = self.evaluate(t, inner)
                with np.errstate(all="ignore"):
                    step = self._wrap(logz - target) / dz
                    size = np.abs(step)
                    step = np.where(size > 1.0, step / size, step)
                    t = t - np.where(np.isfinite(step), step, 0)
            prev = target
        logz, dz, W, V, inner = self.evaluate(t, inner)
        res = np.abs(self._wrap(logz - path[-1]))
        return t, inner, W, V, res

    def _radial_steps(self, logz):
        """Steps of the radial leg for each point: ~one per RADIAL_STEP log-units of |z|,
        rounded up to a power of two times RADIAL_STEPS (points are solved in such buckets)."""
        ell0 = np.maximum(self._top, logz.real + 1.0)
        need = np.maximum(1.0, np.ceil((ell0 - logz.real) / self.RADIAL_STEP / self.RADIAL_STEPS))
        return self.RADIAL_STEPS * 2 ** np.ceil(np.log2(need)).astype(int)

    def _path(self, logz, radial, factor):
        ell_t, th_t = logz.real, logz.imag
        ell0 = np.maximum(self._top, ell_t + 1.0)
        radial = radial * factor
        angle = self.ANGLE_STEPS * factor
        s = np.linspace(0.0, 1.0, radial + 1)[:, None]
        leg1 = (ell0 + s * (ell_t - ell0)) + 1j * (np.pi / 2)
        s2 = np.linspace(0.0, 1.0, angle + 1)[1:, None]
        low = th_t < np.pi / 2
        with np.errstate(all="ignore"):
            geo = np.exp(np.log(np.pi / 2) + s2 * (np.log(np.where(low, th_t, 1.0)) - np.log(np.pi / 2)))
        lin = np.pi / 2 + s2 * (th_t - np.pi / 2)
        leg2 = ell_t + 1j * np.where(low, geo, lin)
        newton = [self.NEWTON_RADIAL] * (radial + 1) + [self.NEWTON] * angle
        return np.concatenate([leg1, leg2], axis=0), newton

    def solve_log(self, logz):
        """(1 + W, W, ok) at the points log z (Im log z ∈ (0, π): the upper half-plane)."""
        logz = np.asarray(logz, dtype=complex).ravel()
        V = np.full(logz.shape, np.nan + 0j)
        W = np.full(logz.shape, np.nan + 0j)
        ok = np.zeros(logz.shape, dtype=bool)
        steps = self._radial_steps(logz)
        for factor in (1, 8):
            for radial in np.unique(steps[~ok]):
                todo = np.where((~ok) & (steps == radial))[0]
                path, newton = self._path(logz[todo], int(radial), factor)
                t, inner = self._start(path[0])
                t, inner, Wt, Vt, res = self._follow(path, newton, t, inner)
                good = (res < self.TOL) & np.isfinite(Vt)
                # the physical branch: Im G = Im((1 + W)/z) ≤ 0 in the upper half-plane
                with np.errstate(all="ignore"):
                    g = Vt * np.exp(-logz[todo])
                good &= ~(g.imag > 1e-12 * np.abs(g))
                V[todo[good]], W[todo[good]] = Vt[good], Wt[good]
                ok[todo[good]] = True
            if ok.all():
                break
        return V, W, ok

    # ------------------------------------------------------------------ real branches
    def _real_branch(self, ts):
        """log z and d log z/dt along real t = log u (u > 0), inner groups followed in order."""
        inner = {g: None for g in range(len(self.groups)) if g != self.pivot}
        logzs, ders = [], []
        for t in ts:
            tt = np.array([t + 0j])
            start = {}
            if any(v is None for v in inner.values()):
                ws, _, _ = self.groups[self.pivot].eval(np.exp(tt))
                start = {g: ws * self.Cs / grp.C / max(grp.mu1, 1e-300)
                         for g, grp in enumerate(self.groups) if g != self.pivot}
            cur = {g: (inner[g] if inner[g] is not None else start[g]) for g in inner}
            for _ in range(3):
                logz, dz, W, V, cur = self.evaluate(tt, cur, real=True)
            inner = cur
            logzs.append(complex(logz[0]))
            ders.append(complex(dz[0]))
        return np.array(logzs), np.array(ders)

    def upper_edge(self) -> float:
        """The right end of the support: the minimum of z(u) on the real branch u ∈ (0, 1/max D²)."""
        P = self.groups[self.pivot]
        t_hi = math.log((1 - 1e-13) / P.d_max)
        t_lo = math.log(1e-8 / P.d_max)
        ts = np.linspace(t_lo, t_hi, 400)
        logz, der = self._real_branch(ts)
        ok = np.isfinite(der.real) & (np.abs(logz.imag) < 1e-6)
        sign = np.where(ok, np.sign(der.real), np.nan)
        idx = np.where((sign[:-1] < 0) & (sign[1:] > 0))[0]
        if idx.size == 0:
            good = np.where(ok)[0]
            return float(np.exp(logz[good[-1]].real))
        i = int(idx[0])
        lo, hi = ts[i], ts[i + 1]
        for _ in range(60):  # bisection on the sign of d log z/dt (real branch, smooth)
            mid = 0.5 * (lo + hi)
            _, d = self._real_branch(np.linspace(ts[max(i - 3, 0)], mid, 8))
            if d[-1].real < 0:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-13 * max(1.0, abs(mid)):
                break
        lz, _ = self._real_branch(np.linspace(ts[max(i - 3, 0)], 0.5 * (lo + hi), 8))
        return float(np.exp(lz[-1].real))
