"""What the machine can hold: checks made before a large allocation.

A simulation asks :func:`check_memory` before it allocates its arrays, so that a size the
machine cannot hold is refused with one sentence (a :class:`~rmtsym.errors.ParameterError`)
instead of ending in a ``MemoryError`` halfway through.
"""
from __future__ import annotations

from .errors import ParameterError

__all__ = ["available_memory", "check_memory", "check_work", "MEMORY_FRACTION", "MAX_FLOPS", "LOOP_OVERHEAD"]

#: a computation may plan to use at most this fraction of the available memory
MEMORY_FRACTION = 0.5
#: at most this many floating-point operations in one call (minutes to an hour on one core)
MAX_FLOPS = 5e12
#: the cost of one pass of a Python loop (one seed, one network), counted in operations
LOOP_OVERHEAD = 1e5


def available_memory() -> int:
    """Bytes of memory available now (``MemAvailable`` of /proc/meminfo, or 4 GiB when unknown)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 << 30


def _size(nbytes: float) -> str:
    for unit, scale in (("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{nbytes / 1024:.3g} KiB"


def check_memory(nbytes: float, what: str) -> None:
    """Refuse ``what`` (e.g. "a 1000 x 1000 x 500 simulation") when it needs more than
    :data:`MEMORY_FRACTION` of the available memory."""
    avail = available_memory()
    if nbytes > MEMORY_FRACTION * avail:
        raise ParameterError(f"{what} needs about {_size(nbytes)} of memory, more than half of the "
                             f"{_size(avail)} available; use smaller sizes or fewer seeds")


def check_work(flops: float, what: str) -> None:
    """Refuse ``what`` when it needs more than :data:`MAX_FLOPS` floating-point operations."""
    if flops > MAX_FLOPS:
        raise ParameterError(f"{what} would take too long (about {flops:.1e} operations, more than "
                             f"the {MAX_FLOPS:.0e} allowed in one call); use smaller sizes or fewer seeds")
