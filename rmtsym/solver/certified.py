"""The certified high-precision path of the branch solver: G, G′ and ρ at any precision."""
from __future__ import annotations

from typing import List, Optional

import mpmath
import numpy as np
import sympy as sp

from ..errors import ParameterError, RmtsymError
from ..numbers import Certified, check_dps
from .fixed_point import _fx_horner_complex, _fx_horner_real, _fx_newton
from .polynomial import GUARD, _root_radius


class _CertifiedPath:
    """The certified high-precision path of :class:`~rmtsym.solver.BranchSolver` (mpmath).

    The double path selects the branch and seeds Newton's method in fixed point at the
    working precision; the root-inclusion radius d·|p(g)/p′(g)| (with the rounding
    bounds) certifies the digits; near edges, where roots coalesce, ``mpmath.polyroots``.
    Mixed into :class:`~rmtsym.solver.BranchSolver`, whose state it uses.
    """

    # ------------------------------------------------------------------ coefficients
    def _mp_table(self, prec_dps):
        tab = self._mp_cache.get(prec_dps)
        if tab is None:
            with mpmath.workdps(prec_dps):
                tab = [[mpmath.mpf(sp.N(cf, prec_dps + 5)) if cf != 0 else mpmath.mpf(0) for cf in row]
                       for row in self._exact]
            self._mp_cache[prec_dps] = tab
        return tab

    def _fx_table(self, prec_dps, P):
        """The coefficient table as integers scaled by 2^P (normalised to max 1)."""
        key = ("fx", prec_dps, P)
        tab = self._mp_cache.get(key)
        if tab is None:
            mp = self._mp_table(prec_dps + 10)
            with mpmath.workdps(prec_dps + 20):
                big = max(abs(cf) for row in mp for cf in row)
                tab = [[int(mpmath.nint(mpmath.ldexp(cf / big, P))) for cf in row] for row in mp]
            self._mp_cache[key] = tab
        return tab

    def _mp_coeffs(self, zz, prec_dps):
        """a_k(zz) as mpmath numbers, lowest power of G first (call inside workdps)."""
        out = []
        for row in self._mp_table(prec_dps):
            acc = mpmath.mpf(0)
            for cf in reversed(row):
                acc = acc * zz + cf
            out.append(acc)
        return out

    # ------------------------------------------------------------------ high precision
    def _digits_cap(self, dps):
        cap = dps
        if self.input_digits is not None:
            cap = min(cap, self.input_digits)
        return cap

    def _mp_roots(self, zs, dps, need_lower_half=False):
        """Physical roots at the points ``zs`` (mpc, Im ≥ 0) to ``dps`` digits.

        The double path selects the branch and gives the separation from the other
        roots; Newton's method in mpmath polishes. Returns a list of
        ``(g, radius, method)`` where the disc |G − g| ≤ radius holds the root.
        """
        prec = dps + GUARD
        zc = np.array([complex(zz) for zz in zs])
        g0, roots0 = self._select_np(zc, return_roots=True)
        dist = np.abs(roots0 - g0[:, None])
        dist = np.sort(np.where(np.isfinite(dist), dist, np.inf), axis=1)
        sep = dist[:, 1] if self.degree > 1 else np.full(len(zc), np.inf)
        out = []
        P = int(prec * 3.33) + 40
        itab = self._fx_table(prec, P)
        with mpmath.workdps(prec):
            eps = mpmath.mpf(10) ** (-prec)
            for i, zz in enumerate(zs):
                zz = mpmath.mpc(zz)
                seed = complex(g0[i])
                res = None
                if np.isfinite(seed):
                    if zz.imag == 0:
                        X = int(mpmath.floor(mpmath.ldexp(zz.real, P)))
                        coeffs, cerr = [], []
                        for row in itab:
                            a, e = _fx_horner_real(row, X, P)
                            coeffs.append((a, 0))
                            cerr.append(e + 1.0)
                    else:
                        Xr = int(mpmath.floor(mpmath.ldexp(zz.real, P)))
                        Xi = int(mpmath.floor(mpmath.ldexp(zz.imag, P)))
                        coeffs, cerr = [], []
                        for row in itab:
                            ar, ai, e = _fx_horner_complex(row, Xr, Xi, P)
                            coeffs.append((ar, ai))
                            cerr.append(e + 2.0)
                    # z itself was rounded to the grid: at most 1 ulp; its effect on the
                    # coefficients is bounded by the Horner bound of the derivative in z,
                    # covered by the generous per-step constants above for |z| ≲ 2^(P/2)
                    while len(coeffs) > 1 and coeffs[-1] == (0, 0):
                        coeffs.pop()
                        cerr.pop()
                    res = _fx_newton(coeffs, cerr, seed, P)
                if res is not None:
                    gr, gi, rad = res
                    gf = complex(gr / 2.0 ** P, gi / 2.0 ** P)
                    # rounding the fixed-point result to the working precision
                    rad = rad + 2.0 ** (-P + 2) + float(eps) * abs(gf)
                    ok = abs(gf - seed) + rad < sep[i] / 3
                    if need_lower_half and not gi < 0:
                        ok = False
                    if ok:
                        g = mpmath.mpc(mpmath.mpf((gr, -P)), mpmath.mpf((gi, -P)))
                        out.append((g, mpmath.mpf(rad), "newton (seeded by double path)"))
                        continue
                coeffs = self._mp_coeffs(zz if zz.imag != 0 else zz.real, prec)
                while len(coeffs) > 1 and coeffs[-1] == 0:
                    coeffs = coeffs[:-1]
                # near an edge the roots coalesce: all roots at full precision, the one
                # nearest the double-precision selection
                try:
                    allr, err = mpmath.polyroots(coeffs[::-1], maxsteps=800, extraprec=2 * prec, error=True)
                except mpmath.libmp.NoConvergence:
                    allr = None
                if allr is None:
                    # last resort: Newton from the double-precision selection in mpmath, with
                    # the rigorous inclusion radius d·|p/p'| (the digits say what it is worth)
                    g = mpmath.mpc(seed)
                    radius = mpmath.inf
                    for _ in range(100):
                        step, radius = _root_radius(coeffs, g)
                        if step is None:
                            break
                        g -= step
                        if abs(step) <= eps * (1 + abs(g)):
                            break
                    step, radius = _root_radius(coeffs, g)
                    out.append((g, max(radius, eps), "newton in mpmath (roots close together)"))
                    continue
                allr = [mpmath.mpc(r) for r in allr]
                cands = ([r for r in allr if r.imag < 0] or allr) if need_lower_half else allr
                g = min(cands, key=lambda r: abs(r - seed))
                radius = max(mpmath.mpf(err) * (1 + abs(g)), eps)
                out.append((g, radius, "polyroots (roots close together)"))
        return out

    def _mp_root(self, zz, dps, need_lower_half=False):
        return self._mp_roots([zz], dps, need_lower_half)[0]

    def stieltjes(self, zz, dps: Optional[int] = None) -> Certified:
        """G(z) on the physical branch at the working precision.

        Parameters
        ----------
        zz : complex, mpmath number or string
            A point off the support. For real z inside the support the boundary value
            G(x + i0) is returned.
        dps : int, optional
            Decimal digits (default: the solver's).

        Returns
        -------
        Certified
            ``value`` an ``mpc``; ``digits`` the significant digits certified by the
            root-inclusion radius d·|Q/Q_G|; ``note`` gives that radius.
        """
        dps = self.dps if dps is None else check_dps(dps)
        with mpmath.workdps(dps + GUARD):
            zc = mpmath.mpmathify(zz) if not isinstance(zz, str) else mpmath.mpmathify(zz.replace("j", "j"))
            zc = mpmath.mpc(zc)
            if not (mpmath.isfinite(zc.real) and mpmath.isfinite(zc.imag)):
                raise ParameterError(f"z must be a finite number, got {zz!r}")
            lower = zc.imag < 0
            zu = mpmath.conj(zc) if lower else zc
            g, radius, method = self._mp_root(zu, dps)
            if lower:
                g = mpmath.conj(g)
            digits = self._certified_digits(radius, abs(g), dps)
            return Certified(g, digits, method, note=f"root-inclusion radius {mpmath.nstr(radius, 3)}")

    def _certified_digits(self, radius, size, dps):
        """Significant digits certified by an absolute error bound ``radius`` on ``size``."""
        cap = self._digits_cap(dps)
        if radius == 0:
            return cap
        if size == 0:
            return 0
        r, m = float(radius), float(size)
        if r > 0 and m > 0 and np.isfinite(r / m) and r / m > 0:
            rel = -np.log10(r / m)
        else:
            rel = float(-mpmath.log10(mpmath.mpf(radius) / size, prec=53))
        return int(max(0, min(cap, np.floor(rel))))

    def stieltjes_derivative(self, zz, dps: Optional[int] = None) -> Certified:
        """G′(z) = −Q_z/Q_G at (G(z), z), from the implicit equation Q(G(z), z) = 0."""
        dps = self.dps if dps is None else check_dps(dps)
        gc = self.stieltjes(zz, dps)
        with mpmath.workdps(dps + GUARD):
            zc = mpmath.mpc(mpmath.mpmathify(zz))
            g = gc.value
            tab = self._mp_table(dps + GUARD)
            qg = mpmath.mpc(0)
            qz = mpmath.mpc(0)
            for k, row in enumerate(tab):
                for j, cf in enumerate(row):
                    if cf == 0:
                        continue
                    if k:
                        qg += k * cf * g ** (k - 1) * zc ** j
                    if j:
                        qz += j * cf * g ** k * zc ** (j - 1)
            if qg == 0:
                raise RmtsymError("G'(z) is undefined at a branch point of the equation")
            dg = -qz / qg
            # error propagation: dG' ≈ |d(G')/dG|·δG, bounded crudely by relative error of G
            digits = max(0, gc.digits - 2)
            return Certified(dg, digits, "implicit derivative -Q_z/Q_G", note=gc.note)

    def density(self, xx, dps: Optional[int] = None) -> Certified:
        """ρ(x) = −Im G(x + i0)/π at the working precision (the limit, not a small ε).

        Outside the support the value is exactly 0 (atoms are not included). The
        certified digits are relative to ρ(x), from the root-inclusion radius.
        """
        return self.density_many([xx], dps)[0]

    def density_many(self, xs, dps: Optional[int] = None) -> List[Certified]:
        """:meth:`density` at many points, sharing one vectorised double-precision seed."""
        dps = self.dps if dps is None else check_dps(dps)
        out: List[Optional[Certified]] = []
        todo, where = [], []
        with mpmath.workdps(dps + GUARD):
            intervals = self.support()
            for xx in xs:
                x = mpmath.mpf(xx) if isinstance(xx, str) else mpmath.mpf(mpmath.mpmathify(xx).real)
                if not mpmath.isfinite(x):
                    raise ParameterError(f"x must be a finite number, got {xx!r}")
                if any(a < x < b for a, b in intervals):
                    where.append(len(out))
                    todo.append(mpmath.mpc(x))
                    out.append(None)
                else:
                    out.append(Certified(mpmath.mpf(0), self._digits_cap(dps), "outside the support",
                                         exact=sp.Integer(0)))
            if todo:
                for i, (g, radius, method) in zip(where, self._mp_roots(todo, dps, need_lower_half=True)):
                    rho = -g.imag / mpmath.pi
                    digits = self._certified_digits(radius, abs(g.imag), dps)
                    out[i] = Certified(+rho, digits, method,
                                       note=f"root-inclusion radius {mpmath.nstr(radius, 3)}")
        return out
