"""A one-line text progress bar of a sweep on stderr (no dependency)."""
from __future__ import annotations

import sys
import time

__all__ = ["Progress", "progress_enabled"]


def progress_enabled(progress) -> bool:
    """``None`` shows the bar only when stderr is a terminal."""
    if progress is None:
        isatty = getattr(sys.stderr, "isatty", None)
        return bool(isatty and isatty())
    return bool(progress)


class Progress:
    """``sweep: [#####.....] 120/400 points, 3 errors, 12.1 s elapsed, ~28 s left``."""

    def __init__(self, total: int, enabled: bool, stream=None, label: str = "sweep"):
        self.total = total
        self.enabled = enabled and total > 0
        self.stream = stream or sys.stderr
        self.label = label
        self.start = time.perf_counter()
        self._last = 0.0

    def update(self, done: int, errors: int = 0, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and done < self.total and now - self._last < 0.2:
            return
        self._last = now
        width = 30
        frac = done / self.total
        filled = int(round(width * frac))
        elapsed = now - self.start
        left = f", ~{elapsed / frac - elapsed:.0f} s left" if 0 < frac < 1 else ""
        err = f", {errors} error{'s' if errors != 1 else ''}" if errors else ""
        self.stream.write(f"\r{self.label}: [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
                          f"points{err}, {elapsed:.1f} s elapsed{left} ")
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()
