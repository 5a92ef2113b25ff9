"""The table of base integrals of erf products against the standard normal (Williams 1997)."""
from __future__ import annotations

import sympy as sp

from .timeouts import _NoClosedForm
from .truncated_moments import _SQRT2


def _erf_table(erfs: tuple, lo, hi):
    """E[Π_i erf(c_i Y + d_i) 1{lo < Y < hi}] for Y ~ N(0, 1) from a table (all c_i ≠ 0).

    E erf(cY + d) = erf(d/√(1 + 2c²)), E erf(aY) erf(bY) = (2/π) asin(2ab/√((1 + 2a²)(1 + 2b²)))
    (Williams, "Computing with infinite networks", NIPS 1997) and, on a half-line,
    E[erf(cY) 1{Y > 0}] = atan(√2 c)/π. Raises :class:`_NoClosedForm` otherwise.
    """
    if lo == -sp.oo and hi == sp.oo:
        if len(erfs) == 1:
            c, d = erfs[0]
            return sp.erf(d / sp.sqrt(1 + 2 * c ** 2))
        if len(erfs) == 2 and erfs[0][1] == 0 and erfs[1][1] == 0:
            a, b = erfs[0][0], erfs[1][0]
            return 2 / sp.pi * sp.asin(2 * a * b / sp.sqrt((1 + 2 * a ** 2) * (1 + 2 * b ** 2)))
        raise _NoClosedForm("erf product with offsets")
    if len(erfs) == 1 and erfs[0][1] == 0 and (lo, hi) in ((0, sp.oo), (-sp.oo, 0)):
        c = erfs[0][0]
        val = sp.atan(_SQRT2 * c) / sp.pi
        return val if lo == 0 else -val
    raise _NoClosedForm("erf on a finite interval")
