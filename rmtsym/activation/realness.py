"""Admissibility, part 1: f real and finite at sample points and on a dense scan.

f must be real and finite at x = 0, ±0.5, ±1.3, ±3, ±7 and on a float64 scan of
[−10, 10] with step 0.025 (suspicious points re-checked with the guarded evaluator).
"""
from __future__ import annotations

import mpmath
import numpy as np

from .compile import _np_values, _numpy_or_none
from .guarded_eval import _value_at


_SAMPLE_X = (0, mpmath.mpf("0.5"), mpmath.mpf("-0.5"), mpmath.mpf("1.3"), mpmath.mpf("-1.3"),
             3, -3, 7, -7)


#: dense float64 scan for realness/finiteness between the sample points (step 0.025)
_SCAN_X = np.linspace(-10.0, 10.0, 801) + 0.0031


def _scan_problem(expr):
    """Dense float64 scan; suspicious points (nan, inf) are re-checked with mpmath."""
    fn = _numpy_or_none(expr)
    if fn is None:
        return None
    vals = _np_values(fn, _SCAN_X)
    if vals is None:
        return None
    for i in np.nonzero(~np.isfinite(vals))[0][:25]:
        _, problem = _value_at(expr, mpmath.mpf(float(_SCAN_X[i])))
        if problem is not None:
            return problem
    return None
