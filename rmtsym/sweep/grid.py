"""Grid axes of a sweep and their Cartesian product.

An axis is written ``NAME=START:STOP:NUM`` (NUM points evenly spaced from START to STOP,
both included), ``NAME=START:STOP:NUM:log`` (geometrically spaced, START and STOP > 0) or
``NAME=V1,V2,...`` (the values as written, numbers or not: ``activation=tanh,relu``).

Every value is kept as the *text* handed to the subcommand, so that a point of a sweep is
exactly the single call ``rmtsym COMMAND ... --NAME=VALUE`` written in its ``call`` column.
Evenly spaced values are computed in exact rational arithmetic from the decimal START and
STOP and printed exactly when they have at most 17 significant digits (``0:1:11`` gives
``0.3``, not ``0.30000000000000004``); other values (thirds, logarithmic spacing) are
printed with 17 significant digits, which round-trip through a double.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Context, Decimal, ROUND_HALF_EVEN
from fractions import Fraction
from typing import Iterable, Iterator, Mapping, Sequence

from ..errors import ParameterError

__all__ = ["GridAxis", "parse_axis", "parse_grid", "grid_size", "grid_points", "format_number",
           "MAX_POINTS"]

#: default upper bound on the number of points of one sweep (``--max-points`` raises it)
MAX_POINTS = 100_000

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_SIGNIFICANT = 17


@dataclass(frozen=True)
class GridAxis:
    """One axis of a grid: its ``name`` (an option of the subcommand, without dashes), its
    ``values`` (the texts handed to the subcommand), whether it was spaced ``log``arithmically,
    and the ``spec`` it was read from."""
    name: str
    values: tuple
    log: bool = False
    spec: str = ""

    def __len__(self) -> int:
        return len(self.values)


def _fraction(text: str, name: str, what: str) -> Fraction:
    s = text.strip()
    try:
        value = Fraction(Decimal(s)) if s.lower() not in ("inf", "-inf", "nan", "infinity", "-infinity") \
            else None
    except Exception:
        value = None
    if value is None:
        raise ParameterError(f"grid {name}: {what} must be a finite decimal number, got {text!r}")
    return value


def format_number(value) -> str:
    """A rational (or mpmath number) as decimal text: exact when at most 17 significant
    digits suffice, else rounded to 17 significant digits (which round-trip a double)."""
    if isinstance(value, Fraction):
        if value == 0:
            return "0"
        ctx = Context(prec=_SIGNIFICANT, rounding=ROUND_HALF_EVEN)
        d = ctx.divide(Decimal(value.numerator), Decimal(value.denominator))
    else:
        import mpmath
        d = Context(prec=_SIGNIFICANT, rounding=ROUND_HALF_EVEN).create_decimal(
            mpmath.nstr(value, _SIGNIFICANT + 3, strip_zeros=False, min_fixed=-1000, max_fixed=1000))
    d = d.normalize()
    text = format(d, "f")
    return "0" if text in ("-0", "0") else text


def _range_values(name: str, parts: Sequence[str]) -> tuple:
    start = _fraction(parts[0], name, "START")
    stop = _fraction(parts[1], name, "STOP")
    num_text = parts[2].strip()
    if not num_text.isdigit():
        raise ParameterError(f"grid {name}: NUM must be a whole number of points, got {parts[2]!r}")
    num = int(num_text)
    if num < 1:
        raise ParameterError(f"grid {name}: NUM must be at least 1, got {num}")
    if num > MAX_POINTS:
        raise ParameterError(f"grid {name}: {num} points on one axis are too many (at most {MAX_POINTS})")
    log = False
    if len(parts) == 4:
        if parts[3].strip().lower() != "log":
            raise ParameterError(f"grid {name}: the fourth field may only be 'log', got {parts[3]!r}")
        log = True
    if num == 1 and start != stop:
        raise ParameterError(f"grid {name}: one point needs START = STOP (or write {name}=V)")
    if num == 1:
        return (format_number(start),), log
    if not log:
        step = (stop - start) / (num - 1)
        return tuple(format_number(start + k * step) for k in range(num)), log
    if start <= 0 or stop <= 0:
        raise ParameterError(f"grid {name}: a log axis needs START > 0 and STOP > 0")
    import mpmath
    with mpmath.workdps(40):
        a = mpmath.mpf(start.numerator) / start.denominator
        b = mpmath.mpf(stop.numerator) / stop.denominator
        vals = [format_number(start)]
        vals += [format_number(a * (b / a) ** (mpmath.mpf(k) / (num - 1))) for k in range(1, num - 1)]
        vals.append(format_number(stop))
    return tuple(vals), log


def parse_axis(spec: str, values=None) -> GridAxis:
    """Read one axis from ``NAME=START:STOP:NUM[:log]`` or ``NAME=V1,V2,...``.

    With ``values`` given, ``spec`` is only the NAME and ``values`` is either such a
    specification (``"0.5:3:20"``) or a sequence of values (numbers are written as
    :func:`repr` of a float or ``str`` of an int).

    Raises
    ------
    ParameterError
        A malformed specification, in one sentence.
    """
    if values is None:
        if not isinstance(spec, str) or "=" not in spec:
            raise ParameterError(f"--grid must be NAME=START:STOP:NUM[:log] or NAME=V1,V2,..., got {spec!r}")
        name, _, body = spec.partition("=")
    else:
        name, body = spec, values
    name = str(name).strip()
    if not _NAME.match(name):
        raise ParameterError(f"grid name {name!r} must be an option name such as sigma-w")
    if not isinstance(body, str):
        items = []
        for v in body:
            if isinstance(v, bool):
                items.append("true" if v else "false")
            elif isinstance(v, float):
                items.append(repr(v))
            else:
                items.append(str(v).strip())
        if not items:
            raise ParameterError(f"grid {name}: no values")
        if any(not s for s in items):
            raise ParameterError(f"grid {name}: empty value")
        return GridAxis(name, tuple(items), False, f"{name}=" + ",".join(items))
    body = body.strip()
    if not body:
        raise ParameterError(f"grid {name}: no values after '='")
    if "," not in body and ":" in body:
        parts = body.split(":")
        if len(parts) not in (3, 4):
            raise ParameterError(f"grid {name}: a range is START:STOP:NUM or START:STOP:NUM:log, got {body!r}")
        vals, log = _range_values(name, parts)
        return GridAxis(name, vals, log, f"{name}={body}")
    items = [s.strip() for s in body.split(",")]
    if any(not s for s in items):
        raise ParameterError(f"grid {name}: empty value in {body!r}")
    return GridAxis(name, tuple(items), False, f"{name}={body}")


def parse_grid(grid) -> list:
    """A list of :class:`GridAxis` from a mapping ``{name: spec or values}`` or from a sequence
    of ``"NAME=SPEC"`` strings (or ready :class:`GridAxis`); names must be distinct."""
    if grid is None:
        raise ParameterError("a sweep needs at least one --grid NAME=...")
    axes = []
    if isinstance(grid, Mapping):
        for name, spec in grid.items():
            axes.append(parse_axis(name, spec))
    elif isinstance(grid, (str, GridAxis)):
        axes.append(grid if isinstance(grid, GridAxis) else parse_axis(grid))
    else:
        for item in grid:
            axes.append(item if isinstance(item, GridAxis) else parse_axis(item))
    if not axes:
        raise ParameterError("a sweep needs at least one --grid NAME=...")
    seen = set()
    for ax in axes:
        key = ax.name.replace("_", "-")
        if key in seen:
            raise ParameterError(f"grid {ax.name} is given twice")
        seen.add(key)
    return axes


def grid_size(axes: Iterable[GridAxis]) -> int:
    """Number of points of the Cartesian product."""
    n = 1
    for ax in axes:
        n *= len(ax.values)
    return n


def grid_points(axes: Sequence[GridAxis]) -> Iterator[dict]:
    """The points of the Cartesian product as ``{name: value}``, the last axis fastest."""
    names = [ax.name for ax in axes]
    for combo in itertools.product(*(ax.values for ax in axes)):
        yield dict(zip(names, combo))
