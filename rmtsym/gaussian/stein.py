"""Stein's rule for ζ: E[Z f(σZ)] = σ E f′(σZ) for a smooth f.

(The integration-by-parts form with boundary terms used inside the Gaussian–erf class is in
:mod:`~rmtsym.gaussian.gaussian_erf`.)
"""
from __future__ import annotations

import sympy as sp

from ..symbols import sigma as SIGMA
from ..symbols import x as X
from .case_splitting import _KINKS
from .closed_form import _symbolic_expectation
from .timeouts import _NoClosedForm, _setting, _time_limit


def _stein_rule(f, time_limit):
    """E[X f(X)] = σ² E f′(X) (Stein's lemma) for smooth f."""
    if f.has(*_KINKS):
        return None, None
    try:
        with _time_limit(min(time_limit, _setting("SIMPLIFY_TIME_LIMIT"))):
            fp = sp.diff(f, X)
    except _NoClosedForm:
        return None, None
    res, cond = _symbolic_expectation(fp, time_limit, simplify=False)
    if res is None:
        return None, None
    return SIGMA ** 2 * res, "Stein's lemma E[Z f(sZ)] = s E f'(sZ)"
