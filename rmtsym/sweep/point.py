"""One point of a sweep: the subcommand run in-process, its JSON payload flattened to columns.

This is the function the Dask workers execute. It builds the ``rmtsym`` parser once per
process, parses the point's command line with it and calls the subcommand's handler, exactly
as ``rmtsym COMMAND ... --json`` does; the payload goes through ``json.dumps``/``json.loads``
so that the row holds what the single call prints. Any error becomes the row's ``error``
sentence; nothing a point does can stop the sweep.
"""
from __future__ import annotations

import json
import threading
import time
from typing import List, Sequence

__all__ = ["run_point", "run_points", "flatten", "MAX_LIST_COLUMNS"]

#: a list longer than this is kept whole, as its JSON text, in one column
MAX_LIST_COLUMNS = 100

_PARSER = None
# mpmath keeps its working precision in one global context: two points computed by two
# threads of one process (a Dask worker with several threads) would change each other's
# precision, so the points of one process run one at a time
_LOCK = threading.Lock()


def _parser():
    global _PARSER
    if _PARSER is None:
        from ..cli import build_parser
        _PARSER = build_parser()
    return _PARSER


def flatten(payload, prefix: str = "") -> dict:
    """Flatten a JSON payload into ``{column: scalar}``.

    Nested objects give dotted names (``moments.m1``); a list of at most
    :data:`MAX_LIST_COLUMNS` items gives one column per item (``pdf.0``, ``pdf.1``, nested
    lists ``support.0.1``); a longer list (eigenvalues) is one column holding its JSON text.
    Keys starting with ``_`` (the human summary ``_text``) are dropped.
    """
    out = {}
    if isinstance(payload, dict):
        for key, value in payload.items():
            key = str(key)
            if key.startswith("_"):
                continue
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    name = prefix[:-1] or "value"
    if isinstance(payload, list):
        if len(payload) > MAX_LIST_COLUMNS:
            out[name] = json.dumps(payload)
        else:
            for i, value in enumerate(payload):
                out.update(flatten(value, f"{prefix}{i}."))
        return out
    out[name] = payload
    return out


def _one_sentence(exc: BaseException) -> str:
    from ..errors import RmtsymError
    text = " ".join(str(exc).split())
    if isinstance(exc, RmtsymError):
        return text or type(exc).__name__
    return f"internal error ({type(exc).__name__}: {text})"


def run_point(argv: Sequence[str]) -> dict:
    """Run ``rmtsym ARGV`` in this process and return ``{"payload", "error", "elapsed_s"}``.

    ``payload`` is the flattened JSON object the single call prints (``None`` on error) and
    ``error`` the one-sentence error (``None`` on success).
    """
    with _LOCK:
        return _run_point(argv)


def _run_point(argv) -> dict:
    t0 = time.perf_counter()
    payload, error = None, None
    try:
        args = _parser().parse_args(list(argv))
        result = args.handler(args)
        payload = flatten(json.loads(json.dumps(result)))
    except SystemExit as exc:  # argparse --help or a handler that exits
        error = f"the command exited (code {exc.code}) instead of computing"
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - a point never stops the sweep
        error = _one_sentence(exc)
    return {"payload": payload, "error": error, "elapsed_s": time.perf_counter() - t0}


def run_points(argvs: List[Sequence[str]]) -> list:
    """:func:`run_point` over a batch of points (one Dask task)."""
    return [run_point(a) for a in argvs]


def worker_info() -> dict:
    """What a worker runs (checked before a sweep is sent to an existing cluster)."""
    import os
    import rmtsym
    return {"version": getattr(rmtsym, "__version__", "unknown"), "pid": os.getpid()}
