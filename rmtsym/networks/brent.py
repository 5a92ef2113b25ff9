"""Brent's root finder in pure Python: the algorithm of ``scipy.optimize.brentq``, step for step.

``scipy.optimize`` takes about 0.2 s to import, more than the whole mean-field computation
of ``rmtsym signal`` once its integrals are fast; this is the same algorithm (scipy's
``brentq.c``: R. P. Brent, *Algorithms for Minimization without Derivatives*, Prentice-Hall
1973, ch. 4, with inverse quadratic extrapolation and bisection safeguards), so it evaluates
f at the same points and returns the same float.
"""
from __future__ import annotations

import math

__all__ = ["brentq"]

#: the smallest relative tolerance scipy accepts (4 ulp)
_RTOL = 4 * 2.220446049250313e-16


def brentq(f, a: float, b: float, xtol: float = 2e-12, rtol: float = _RTOL, maxiter: int = 100) -> float:
    """A root of f in [a, b], where f(a) and f(b) have opposite signs.

    Parameters
    ----------
    f : callable
        A float function of one float.
    a, b : float
        The bracket.
    xtol, rtol : float
        The root is returned once the bracket is narrower than xtol + rtol·|x|
        (``rtol`` ≥ 4 ulp, as in scipy).
    maxiter : int
        At most this many iterations.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        f(a) and f(b) have the same sign, f gives nan, or a tolerance is out of range.
    RuntimeError
        No convergence in ``maxiter`` iterations.
    """
    if xtol <= 0:
        raise ValueError(f"xtol too small ({xtol:g} <= 0)")
    if rtol < _RTOL:
        raise ValueError(f"rtol too small ({rtol:g} < {_RTOL:g})")

    def call(x):
        v = float(f(x))
        if math.isnan(v):
            raise ValueError("the function value is nan")
        return v

    xpre, xcur = float(a), float(b)
    xblk = fblk = spre = scur = 0.0
    fpre = call(xpre)
    fcur = call(xcur)
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if math.copysign(1.0, fpre) == math.copysign(1.0, fcur):
        raise ValueError("f(a) and f(b) must have different signs")
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and math.copysign(1.0, fpre) != math.copysign(1.0, fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # interpolate
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # extrapolate
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):  # good short step
                spre, scur = scur, stry
            else:  # bisect
                spre = scur = sbis
        else:  # bisect
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        if abs(scur) > delta:
            xcur += scur
        else:
            xcur += delta if sbis > 0 else -delta
        fcur = call(xcur)
    raise RuntimeError(f"Brent's method did not converge in {maxiter} iterations")
