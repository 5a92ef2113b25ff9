"""Numbers that say how they were obtained.

Every numerical result of rmtsym is either exact (a SymPy closed form, evaluated to
any precision) or numeric with a stated number of certified significant digits. A
:class:`Certified` value carries the value, the method and the digits; precision is
handled as an mpmath context (``mpmath.workdps``), never as scattered flags.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # mpmath and SymPy are imported where numbers are made, not here
    import sympy as sp

#: the default working precision (decimal digits)
DEFAULT_DPS = 30
#: the largest precision accepted from users
MAX_DPS = 1000


def check_dps(dps) -> int:
    """Validate a requested precision in decimal digits and return it as an int."""
    from .errors import ParameterError

    if isinstance(dps, bool) or not isinstance(dps, (int,)) and not (
        isinstance(dps, float) and float(dps).is_integer()
    ):
        raise ParameterError(f"the precision dps must be a whole number of digits, got {dps!r}")
    dps = int(dps)
    if not 5 <= dps <= MAX_DPS:
        raise ParameterError(f"the precision dps must lie between 5 and {MAX_DPS} digits, got {dps}")
    return dps


def decimal_string(value, digits: int = DEFAULT_DPS) -> str:
    """Format a real number with ``digits`` significant decimal digits.

    Exponent notation (``1.234e-7``) is used for very small or very large numbers;
    the result is always parseable by ``float`` and ``decimal.Decimal``. Complex values
    are formatted as ``"a+bj"`` with each part to ``digits`` digits.
    """
    import mpmath

    with mpmath.workdps(digits + 5):
        sp = sys.modules.get("sympy")  # a SymPy number exists only once SymPy is loaded
        if sp is not None and isinstance(value, sp.Basic):
            re_part, im_part = sp.N(value, digits + 5).as_real_imag()
            value = mpmath.mpc(sp.Float(re_part, digits + 5)._mpf_, sp.Float(im_part, digits + 5)._mpf_)
        else:
            value = mpmath.mpmathify(value)
        if isinstance(value, mpmath.mpc):
            if value.imag == 0:
                value = value.real
            else:
                re = mpmath.nstr(value.real, digits, strip_zeros=False)
                im = mpmath.nstr(abs(value.imag), digits, strip_zeros=False)
                sign = "-" if value.imag < 0 else "+"
                return f"{re}{sign}{im}j"
        if value == 0:
            return "0"
        return mpmath.nstr(value, digits, strip_zeros=False, min_fixed=-4, max_fixed=digits)


@dataclass(frozen=True)
class Certified:
    """A number with its provenance.

    Attributes
    ----------
    value : mpmath.mpf or mpmath.mpc
        The value, at (at least) ``digits`` significant digits.
    digits : int
        Number of significant decimal digits certified (an a-posteriori error
        bound, or the working precision minus guard digits for closed forms).
    method : str
        How it was obtained: ``"closed form"``, ``"quadrature"``, ``"newton"``, ...
    exact : sympy.Expr or None
        The closed form when one is known.
    note : str
        Free text on the certificate (error estimate, residual, ...).
    """

    value: object
    digits: int
    method: str
    exact: Optional[sp.Expr] = None
    note: str = field(default="", compare=False)

    @property
    def is_exact(self) -> bool:
        return self.exact is not None

    def decimal(self, digits: Optional[int] = None) -> str:
        return decimal_string(self.value, digits or self.digits)

    def __float__(self) -> float:
        import mpmath

        return float(mpmath.re(self.value))

    def __complex__(self) -> complex:
        return complex(self.value)

    def __repr__(self) -> str:
        kind = "exact" if self.is_exact else f"{self.digits} digits"
        return f"Certified({self.decimal(min(self.digits, 20))}, {self.method}, {kind})"
