"""Time limits of the engine: every risky SymPy call and every quadrature runs under one.

:func:`_time_limit` aborts its body with :class:`_TimedOut` after a number of seconds
(SIGALRM; nested limits honoured; outside the main thread the body runs unguarded and the
callers skip risky rules). The limits are settings of the package —
``rmtsym.gaussian.QUAD_TIME_LIMIT`` and the others may be changed there, and :func:`_setting`
reads them at call time.
"""
from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time


#: default overall time limit (seconds) for the closed-form search of one integral
DEFAULT_TIME_LIMIT = 8.0
#: time limit (seconds) of one plain ``sympy.integrate`` attempt
INTEGRATE_TIME_LIMIT = 2.0
#: time limit (seconds) of the certified quadrature of one activation at one σ
QUAD_TIME_LIMIT = 120.0
#: time limit (seconds) of one ``sympy.simplify`` call
SIMPLIFY_TIME_LIMIT = 3.0


def _setting(name: str) -> float:
    """A time limit as it is set now on the package: ``rmtsym.gaussian.QUAD_TIME_LIMIT = 30``
    (or a test's monkeypatch of it) changes every later call; the defaults above otherwise."""
    package = sys.modules.get(__name__.rpartition(".")[0])
    return getattr(package, name, globals()[name])


class _Timeout(BaseException):
    """Raised by the alarm handler; a BaseException so that SymPy's ``except Exception``
    clauses cannot swallow it."""

    def __init__(self, token):
        super().__init__("time limit")
        self.token = token


class _NoClosedForm(Exception):
    """The exact rules do not apply to this integrand."""


class _TimedOut(_NoClosedForm):
    """A time limit was reached (not cached: a later call on a quieter machine may succeed)."""


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _time_limit(seconds):
    """Abort the body with :class:`_NoClosedForm` after ``seconds`` (SIGALRM based).

    Nested limits are honoured: an inner limit longer than the time left on the outer one
    is ignored, and the outer timer is restored afterwards.  Outside the main thread no
    alarm can be used and the body runs unguarded (callers skip risky rules then).
    """
    if seconds is None or not _can_alarm():
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if 0 < outer_left <= seconds:
        yield
        return
    token = object()

    def handler(signum, frame):
        # Re-arm before raising: an exception raised while Python runs a callback it
        # cannot propagate from (a gc callback, a __del__, a weakref finaliser) is printed
        # as "unraisable" and lost, and the body would run on unguarded.  The re-armed
        # alarm fires again shortly until the exception reaches this context manager,
        # whose ``finally`` cancels it.
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        raise _Timeout(token)

    start = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 1e-3))
    try:
        yield
    except _Timeout as exc:
        if exc.token is not token:
            raise
        raise _TimedOut(f"time limit of {seconds:g} s reached") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if outer_left > 0:
            left = outer_left - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


def _check_deadline(deadline):
    if deadline is not None and time.monotonic() > deadline:
        raise _TimedOut("out of time")


def _time_left(deadline):
    return float("inf") if deadline is None else deadline - time.monotonic()
