"""The double-precision path of the branch solver: root selection and continuation."""
from __future__ import annotations

import numpy as np


class _DoublePrecisionPath:
    """The double-precision path of :class:`~rmtsym.solver.BranchSolver` (numpy, vectorised).

    All roots in G at many z at once (batched companion eigenvalues); the physical one
    chosen by the convex-hull (Herglotz) test when it is unique, else by continuation in
    Im z from Re z + iR; a couple of Newton steps; G, ρ on arrays. It also seeds the
    certified path. Mixed into :class:`~rmtsym.solver.BranchSolver`, whose state it uses.
    """

    def _np_coeffs(self, zarr):
        """a_k(z) for an array of z, shape (N, d+1), lowest power of G first."""
        zarr = np.asarray(zarr)
        powers = zarr[:, None] ** np.arange(self.zdegree + 1)[None, :]
        return powers @ self._float.T

    def _np_roots(self, zarr):
        """All roots in G for each z (batched companion eigenvalues; the closed form for
        degree 2), shape (N, d)."""
        A = self._np_coeffs(zarr)
        if self._quadratic():
            return self._quadratic_roots(A)
        d = self.degree
        lead = A[:, d]
        scale = np.max(np.abs(A), axis=1)
        bad = ~(np.abs(lead) > 1e-300 * scale)
        roots = np.full((len(A), d), np.nan + 0j)
        good = ~bad
        if np.any(good):
            Ag = A[good]
            M = np.zeros((Ag.shape[0], d, d), dtype=Ag.dtype)
            if d > 1:
                M[:, np.arange(1, d), np.arange(d - 1)] = 1.0
            M[:, :, -1] = -Ag[:, :d] / Ag[:, d:d + 1]
            roots[good] = np.linalg.eigvals(M)
        for i in np.nonzero(bad)[0]:  # leading coefficient vanishes: fewer finite roots
            c = A[i][::-1]
            c = np.trim_zeros(np.where(np.abs(c) <= 1e-300 * scale[i], 0, c), "f")
            r = np.roots(c) if len(c) > 1 else np.array([])
            roots[i, :len(r)] = r
        return roots

    def _polish_np(self, zarr, g, steps=2):
        """A few Newton steps in double precision on the selected roots."""
        A = self._np_coeffs(zarr)
        for _ in range(steps):
            p = np.zeros_like(g)
            dp = np.zeros_like(g)
            for k in range(self.degree, -1, -1):
                dp = dp * g + p
                p = p * g + A[:, k]
            with np.errstate(all="ignore"):
                step = np.where(dp != 0, p / dp, 0)
            step = np.where(np.isfinite(step) & (np.abs(step) < 1e-6 * (1 + np.abs(g))), step, 0)
            g = g - step
        return g


    # ------------------------------------------------------------------ selection (double)
    def _select_unique(self, zarr, roots):
        """Index of the root passing the convex-hull (Herglotz) test, -1 when not unique.

        ``zarr`` must have Im z ≥ 0.
        """
        lo, hi, scale = self._hull()
        N, d = roots.shape
        choice = np.full(N, -1)
        v = zarr.imag
        tol = 1e-9
        finite = np.isfinite(roots)
        if self._atoms is not None and self._support:
            # sharper test once the atoms and the intervals are known: the continuous
            # part (G − Σ m_i/(z − x_i))/(1 − Σ m_i) is an average of 1/(z − t) over
            # t ∈ [a_min, b_max]
            masses = [(float(x0), float(m)) for x0, m in self._atoms]
            rest = 1.0 - sum(m for _, m in masses)
            if rest > 1e-6:
                lo = float(min(a for a, _ in self._support))
                hi = float(max(b for _, b in self._support))
                with np.errstate(all="ignore"):
                    shift = sum(m / (zarr - x0) for x0, m in masses) if masses else 0.0
                    roots = (roots - np.asarray(shift)[..., None] if masses else roots) / rest
                finite = np.isfinite(roots)
        # --- Im z > 0: circular segment of the circle |w + i/(2v)| = 1/(2v)
        cpx = v > 1e-12 * scale
        if np.any(cpx):
            zc = zarr[cpx][:, None]
            r = roots[cpx]
            vv = v[cpx][:, None]
            centre = -0.5j / vv
            inside = np.abs(r - centre) <= (0.5 / vv) * (1 + tol)
            herglotz = r.imag < 0
            w_lo = 1.0 / (zc - lo)
            w_hi = 1.0 / (zc - hi)
            chord = w_hi - w_lo
            side_g = (np.conj(chord) * (r - w_lo)).imag
            side_0 = (np.conj(chord) * (0 - w_lo)).imag
            opposite = side_g * side_0 <= tol * np.abs(chord) * (np.abs(r - w_lo) + np.abs(w_lo))
            ok = inside & herglotz & opposite & finite[cpx]
            cnt = ok.sum(axis=1)
            idx = np.argmax(ok, axis=1)
            choice[np.nonzero(cpx)[0][cnt == 1]] = idx[cnt == 1]
        # --- real z outside [lo, hi]: real interval [1/(x - lo), 1/(x - hi)]
        real = ~cpx
        xr = zarr.real
        outside = real & ((xr < lo - 1e-9 * scale) | (xr > hi + 1e-9 * scale))
        if np.any(outside):
            x = xr[outside][:, None]
            r = roots[outside]
            a, b = 1.0 / (x - lo), 1.0 / (x - hi)
            low, up = np.minimum(a, b), np.maximum(a, b)
            width = (up - low) + 1e-12 * np.abs(up)
            ok = (np.abs(r.imag) <= 1e-7 * (1 + np.abs(r))) & (r.real >= low - 1e-9 * width) \
                & (r.real <= up + 1e-9 * width) & finite[outside]
            cnt = ok.sum(axis=1)
            idx = np.argmax(ok, axis=1)
            choice[np.nonzero(outside)[0][cnt == 1]] = idx[cnt == 1]
        return choice

    def _continue_np(self, zarr, steps_per_decade=40):
        """Continuation in Im z from Re z + iR down to z (Im z ≥ 0), vectorised.

        Returns the selected roots and the worst ratio nearest/second-nearest distance
        met along each path (≤ 0.5 means every step was unambiguous).
        """
        lo, hi, scale = self._hull()
        zarr = np.asarray(zarr, dtype=complex)
        R = 1e3 * scale
        target = np.maximum(zarr.imag, 1e-10 * scale)
        decades = np.log10(R / target)
        nsteps = int(np.ceil(steps_per_decade * max(1.0, float(np.max(decades))))) + 1
        z0 = zarr.real + 1j * np.maximum(R, zarr.imag)
        logR = np.log(np.maximum(R, zarr.imag))
        logT = np.log(target)

        def path(steps):
            s_col = np.minimum(steps, nsteps)[:, None]
            zs = zarr.real[None, :] + 1j * np.exp(logR[None, :] + (logT - logR)[None, :] * s_col / nsteps)
            last = steps == nsteps + 1
            if np.any(last):  # final step: the target itself (boundary value when real)
                zs[last] = zarr
            return zs

        g, worst, _ = self._follow(z0, path, nsteps + 1)
        return g, worst

    def _follow(self, z0, path, total, record=()):
        """Follow the root nearest 1/z0 at z0 (the physical one for large |z0|) along a path.

        ``path(steps)`` gives z at the 1-based step numbers ``steps`` (shape (len(steps), N));
        at each step the root nearest the previous one is taken. Returns the root at the
        last step, the worst ratio nearest/second-nearest distance along each path, and
        {step: (roots, worst so far)} for the steps in ``record``.
        """
        roots = self._np_roots(z0)
        dist = np.abs(roots - (1.0 / z0)[:, None])
        dist = np.where(np.isfinite(dist), dist, np.inf)
        N = len(z0)
        idx = np.arange(N)
        cur = np.argmin(dist, axis=1)  # the selected root is roots[idx, cur] of the last step
        worst = np.zeros(N)
        kept = {}
        # The roots of every step come from one batched eigvals call per block of steps.
        # For a few paths (support midpoints, atom checks: numpy's per-call cost dominates),
        # the distances from each root of a step to every root of the next are computed for
        # all steps of the block at once, with each step's nearest root and the ratio
        # nearest/second-nearest; only following the chosen root from step to step is
        # sequential (index look-ups). The numbers are those of matching step by step
        # (same differences, same sort).
        block = max(1, min(total, 50_000 // max(1, N * self.degree)))
        for start in range(1, total + 1, block):
            steps = np.arange(start, min(total, start + block - 1) + 1)
            new = self._np_roots(path(steps).ravel()).reshape(len(steps), N, -1)
            marks = [b for b, st in enumerate(steps.tolist()) if st in record]
            if N > 16:
                # many paths: match step by step (numpy's per-call cost is shared by many)
                for b, step_roots in enumerate(new):
                    dist = np.abs(step_roots - roots[idx, cur][:, None])
                    dist = np.where(np.isfinite(dist), dist, np.inf)
                    order = np.argsort(dist, axis=1)
                    near = dist[idx, order[:, 0]]
                    second = dist[idx, order[:, 1]] if self.degree > 1 else np.full(N, np.inf)
                    with np.errstate(invalid="ignore", divide="ignore"):
                        ratio = np.where(second > 0, near / second, 1.0)
                    worst = np.maximum(worst, np.nan_to_num(ratio, nan=1.0))
                    roots, cur = step_roots, order[:, 0]
                    if b in marks:
                        kept[int(steps[b])] = (roots[idx, cur], worst.copy())
                continue
            chain = np.concatenate([roots[None], new])            # (B + 1, N, d)
            dist = np.abs(chain[1:, :, None, :] - chain[:-1, :, :, None])  # (B, N, from, to)
            dist = np.where(np.isfinite(dist), dist, np.inf)
            order = np.argsort(dist, axis=-1)
            near = np.take_along_axis(dist, order[..., :1], axis=-1)[..., 0]
            if self.degree > 1:
                second = np.take_along_axis(dist, order[..., 1:2], axis=-1)[..., 0]
            else:
                second = np.full(near.shape, np.inf)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.nan_to_num(np.where(second > 0, near / second, 1.0), nan=1.0)
            nearest = order[..., 0]
            if N <= 8:  # the walk in Python lists
                c = cur.tolist()
                w = worst.tolist()
                nl, rl = nearest.tolist(), ratio.tolist()
                for b in range(len(steps)):
                    nb, rb = nl[b], rl[b]
                    for i in range(N):
                        r = rb[i][c[i]]
                        if r > w[i]:
                            w[i] = r
                        c[i] = nb[i][c[i]]
                    if b in marks:
                        kept[int(steps[b])] = (new[b][idx, np.array(c, dtype=int)], np.array(w))
                cur = np.array(c, dtype=int)
                worst = np.array(w)
            else:
                for b in range(len(steps)):
                    worst = np.maximum(worst, ratio[b, idx, cur])
                    cur = nearest[b, idx, cur]
                    if b in marks:
                        kept[int(steps[b])] = (new[b][idx, cur], worst.copy())
            roots = new[-1]
        return roots[idx, cur], worst, kept

    def _vertical_np(self, x0: float, eps, steps_per_decade=40):
        """G(x0 + iε) for decreasing ε > 0 along ONE continuation path from x0 + iR.

        The path is geometric in Im z from R down through every ε of ``eps`` (each one a
        step of the path) with ``steps_per_decade`` steps a decade. Returns the selected
        roots at each ε and the worst ratio nearest/second-nearest met down to it.
        """
        lo, hi, scale = self._hull()
        eps = [float(e) for e in eps]
        R = 1e3 * scale
        ims, ends = [], []
        top = R
        for e in eps:
            n = max(1, int(np.ceil(steps_per_decade * np.log10(top / e))))
            ims.append(np.exp(np.log(top) + (np.log(e) - np.log(top)) * np.arange(1, n + 1) / n))
            ims[-1][-1] = e
            ends.append(sum(len(a) for a in ims))
            top = e
        ims = np.concatenate(ims)
        z0 = np.array([x0 + 1j * R])
        _, _, kept = self._follow(z0, lambda steps: (x0 + 1j * ims[steps - 1])[:, None], len(ims), set(ends))
        g = np.array([kept[k][0][0] for k in ends])
        worst = np.array([kept[k][1][0] for k in ends])
        return g, worst

    def stieltjes_vertical(self, x0: float, eps) -> np.ndarray:
        """G(x0 + iε) on the physical branch for several ε > 0 (double precision).

        The same selection as :meth:`stieltjes_numpy` (convex-hull test, else continuation
        from x0 + iR, refined where ambiguous, then Newton), with one continuation path
        down through all the ε instead of one path each: the atom check of
        :meth:`~rmtsym.solver.BranchSolver.atoms` asks for G at ε = 10^-4, 10^-7, 10^-10
        (× scale) above each candidate atom.
        """
        eps = np.asarray(eps, dtype=float)
        zu = x0 + 1j * eps
        roots = self._np_roots(zu)
        choice = self._select_unique(zu, roots)
        g = np.full(len(zu), np.nan + 0j)
        have = choice >= 0
        g[have] = roots[np.nonzero(have)[0], choice[have]]
        if np.any(~have):
            order = np.argsort(-eps)
            todo = [i for i in order if not have[i]]
            gv, worst = self._vertical_np(x0, eps[todo])
            if np.any(worst > 0.5):
                gv, worst = self._vertical_np(x0, eps[todo], steps_per_decade=400)
            g[todo] = gv
        return self._polish_np(zu, g)

    def _continue_checked(self, zarr):
        g, worst = self._continue_np(zarr)
        redo = worst > 0.5
        if np.any(redo):
            g2, w2 = self._continue_np(zarr[redo], steps_per_decade=400)
            g[redo] = g2
            worst[redo] = w2
        return g, worst

    # ------------------------------------------------------------------ public double path
    def stieltjes_numpy(self, z_array) -> np.ndarray:
        """G(z) on the physical branch, vectorised in double precision.

        Parameters
        ----------
        z_array : array_like of complex
            Points off the support (real points inside the support give the boundary
            value G(x + i0)).

        Returns
        -------
        numpy.ndarray of complex128, same shape as ``z_array``.
        """
        zin = np.asarray(z_array, dtype=complex)
        shape = zin.shape
        zf = zin.ravel()
        lower = zf.imag < 0
        zu = np.where(lower, np.conj(zf), zf)
        g = self._select_np(zu)
        g = np.where(lower, np.conj(g), g)
        return g.reshape(shape)

    def _select_np(self, zu, return_roots=False):
        realz = zu.imag == 0
        if np.all(realz):
            roots = self._np_roots(zu.real)
        elif not np.any(realz):
            roots = self._np_roots(zu)
        else:
            roots = np.empty((len(zu), self.degree), dtype=complex)
            roots[realz] = self._np_roots(zu.real[realz])
            roots[~realz] = self._np_roots(zu[~realz])
        choice = self._select_unique(zu, roots)
        real = zu.imag <= 1e-12 * self._hull()[2]
        if np.any(real):
            # inside a support interval: the member of a conjugate pair with Im G < 0
            inside = self._in_support_np(zu.real) & real & (choice < 0)
            if np.any(inside):
                r = roots[inside]
                # real coefficients: conjugate pairs are exact in the real eigen-solver
                ok = (r.imag < 0) & np.isfinite(r)
                cnt = ok.sum(axis=1)
                idx = np.argmax(ok, axis=1)
                sel = np.nonzero(inside)[0][cnt == 1]
                choice[sel] = idx[cnt == 1]
        g = np.full(len(zu), np.nan + 0j)
        have = choice >= 0
        g[have] = roots[np.nonzero(have)[0], choice[have]]
        if np.any(~have):
            g[~have], _ = self._continue_checked(zu[~have])
        g = self._polish_np(zu, g)
        if return_roots:
            return g, roots
        return g

    def _in_support_np(self, x):
        """Interior of the support intervals (edges excluded by a relative 1e-10 margin)."""
        x = np.asarray(x, dtype=float)
        out = np.zeros(x.shape, dtype=bool)
        for a, b in self.support():
            a, b = float(a), float(b)
            out |= (x > a) & (x < b)
        return out

    def density_numpy(self, x_array) -> np.ndarray:
        """ρ(x) = −Im G(x + i0)/π, vectorised in double precision (0 off the support).

        Atoms are not included (see :meth:`atoms`).
        """
        x = np.asarray(x_array, dtype=float)
        shape = x.shape
        xf = x.ravel()
        rho = np.zeros(len(xf))
        inside = self._in_support_np(xf)
        if np.any(inside) and self._quadratic():  # the closed form (degree 2 in G)
            rho[inside] = self._quadratic_density(xf[inside])
        elif np.any(inside):
            xi = xf[inside]
            # real coefficients: real companion matrices (twice as fast as complex ones)
            roots = self._np_roots(xi)
            # real companion matrices: complex roots come in exact conjugate pairs
            ok = (roots.imag < 0) & np.isfinite(roots)
            cnt = ok.sum(axis=1)
            g = np.full(len(xi), np.nan + 0j)
            uniq = cnt == 1
            g[uniq] = roots[np.nonzero(uniq)[0], np.argmax(ok, axis=1)[uniq]]
            if np.any(~uniq):  # not certified unique: continuation from large Im z
                g[~uniq], _ = self._continue_checked(xi[~uniq].astype(complex))
            g = self._polish_np(xi.astype(complex), g, steps=1)
            rho[inside] = np.maximum(-g.imag / np.pi, 0.0)
        return rho.reshape(shape)
