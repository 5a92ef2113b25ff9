"""Helpers shared by the three moment routes (argument checks and expression building)."""
from __future__ import annotations

import numbers
from typing import Dict, Tuple

import sympy as sp

from ..errors import ParameterError
from ..symbols import eta, phi, psi, zeta

#: a monomial η^a ζ^b φ^c ψ^(−d) is keyed by (a, b, c, d)
Key = Tuple[int, int, int, int]


def check_order(k, maximum: int, method: str) -> int:
    """Validate a moment order 1 ≤ k ≤ maximum and return it as an int."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) and not (
            isinstance(k, float) and float(k).is_integer()):
        raise ParameterError(f"the moment order must be a whole number, got {k!r}")
    k = int(k)
    if k < 1:
        raise ParameterError(f"the moment order must be at least 1, got {k}")
    if k > maximum:
        raise ParameterError(
            f"the {method} route computes moments up to order {maximum}, got {k}")
    return k


def coefficients_to_expr(coeffs: Dict[Key, int]) -> sp.Expr:
    """Σ coeff · η^a ζ^b φ^c ψ^(−d) in the shared symbols of :mod:`rmtsym.symbols`."""
    return sp.Add(*[sp.Integer(v) * eta**a * zeta**b * phi**c / psi**d
                    for (a, b, c, d), v in sorted(coeffs.items()) if v != 0])
