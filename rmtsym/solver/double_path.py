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
        """All roots in G for each z (batched companion eigenvalues), shape (N, d)."""
        A = self._np_coeffs(zarr)
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
        roots = self._np_roots(z0)
        dist = np.abs(roots - (1.0 / z0)[:, None])
        dist = np.where(np.isfinite(dist), dist, np.inf)
        g = roots[np.arange(len(z0)), np.argmin(dist, axis=1)]
        worst = np.zeros(len(zarr))
        logR = np.log(np.maximum(R, zarr.imag))
        logT = np.log(target)
        for s in range(1, nsteps + 2):
            if s <= nsteps:
                im = np.exp(logR + (logT - logR) * s / nsteps)
                zs = zarr.real + 1j * im
            else:
                zs = zarr  # final step: the target itself (boundary value when real)
            roots = self._np_roots(zs)
            dist = np.abs(roots - g[:, None])
            dist = np.where(np.isfinite(dist), dist, np.inf)
            order = np.argsort(dist, axis=1)
            near = dist[np.arange(len(zs)), order[:, 0]]
            second = dist[np.arange(len(zs)), order[:, 1]] if self.degree > 1 else np.full(len(zs), np.inf)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(second > 0, near / second, 1.0)
            worst = np.maximum(worst, np.nan_to_num(ratio, nan=1.0))
            g = roots[np.arange(len(zs)), order[:, 0]]
        return g, worst

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
        if np.any(inside):
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
