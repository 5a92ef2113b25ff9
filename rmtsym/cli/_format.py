"""Human-readable summaries of command payloads: aligned rows, no ``None`` lines, no reprs.

Printing only. A command builds its summary from the payload it returns (the same numbers
``--json`` prints) and stores it under the payload's ``_text`` key; :func:`generic` is the
fallback for a payload without one.
"""
from __future__ import annotations

from typing import Iterable, List, Optional, Sequence, Tuple

__all__ = ["rows", "short", "join", "pairs", "generic", "table"]


def short(value, digits: int = 10) -> str:
    """A number (or numeric string) shortened to ``digits`` significant digits for display;
    anything else as ``str``. ``None`` gives ``"-"``."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int,)):
        return str(value)
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    if isinstance(value, str) and len(value.replace("-", "").replace(".", "").lstrip("0")) <= digits:
        return value
    if f != f:
        return "nan"
    if isinstance(value, str) and (f in (float("inf"), float("-inf")) or (f == 0 and value.strip("+-0.e") != "")):
        # a decimal string beyond the range of a double (an exact moment of a deep network)
        import mpmath
        try:
            x = mpmath.mpf(value)
        except (TypeError, ValueError):  # pragma: no cover - float() accepted it
            return value
        if mpmath.isfinite(x) and x != 0:
            return mpmath.nstr(x, digits)
    if f in (float("inf"), float("-inf")):
        return "inf" if f > 0 else "-inf"
    return f"{f:.{digits}g}"


def join(values: Iterable, digits: int = 10, limit: int = 12) -> str:
    """``a, b, c`` (numbers shortened); long lists show their ends and the count."""
    vals = list(values)
    if len(vals) > limit:
        head = ", ".join(short(v, digits) for v in vals[:limit // 2])
        return f"{head}, ..., {short(vals[-1], digits)} ({len(vals)} values)"
    return ", ".join(short(v, digits) for v in vals)


def pairs(values: Iterable[Sequence], digits: int = 10) -> str:
    """``[a, b], [c, d]``."""
    return ", ".join("[" + ", ".join(short(v, digits) for v in p) + "]" for p in values)


def rows(items: Iterable[Tuple], indent: int = 2) -> List[str]:
    """Aligned ``label  value  [note]`` lines; rows whose value is None or "" are left out.

    Each item is (label, value) or (label, value, note)."""
    kept = []
    for item in items:
        label, value = item[0], item[1]
        note = item[2] if len(item) > 2 else None
        if value is None or value == "" or value == []:
            continue
        kept.append((str(label), str(value), note))
    if not kept:
        return []
    w = max(len(k) for k, _, _ in kept)
    vw = max((len(v) for _, v, n in kept if n and len(v) <= 48), default=0)
    out = []
    for k, v, n in kept:
        line = " " * indent + k.ljust(w) + "  " + (v.ljust(vw) + "  " + str(n) if n else v)
        if n and len(v) > 48:
            line = " " * indent + k.ljust(w) + "  " + v + "  (" + str(n) + ")"
        out.append(line.rstrip())
    return out


def table(head: Sequence[str], body: Sequence[Sequence], indent: int = 2) -> List[str]:
    """A right-aligned table with a header row."""
    cells = [[str(c) for c in r] for r in body]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(head)]
    out = [" " * indent + "  ".join(h.rjust(w) for h, w in zip(head, widths))]
    out += [" " * indent + "  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    return out


def _scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def generic(payload: dict, indent: int = 0) -> str:
    """A readable rendering of any payload: aligned keys, lists joined, nested dicts
    indented, ``None`` and empty values left out, private keys (``_x``) skipped."""
    items: List[Tuple[str, Optional[str]]] = []
    nested = []
    for key, value in payload.items():
        if str(key).startswith("_") or value is None or value == [] or value == {}:
            continue
        label = str(key).replace("_", " ")
        if isinstance(value, dict):
            nested.append((label, value))
        elif isinstance(value, (list, tuple)):
            if all(_scalar(v) for v in value):
                items.append((label, join(value)))
            elif all(isinstance(v, (list, tuple)) and all(_scalar(u) for u in v) for v in value):
                items.append((label, pairs(value) if len(value) <= 12 else f"{len(value)} rows (see --json)"))
            else:
                items.append((label, f"{len(value)} entries (see --json)"))
        else:
            items.append((label, short(value, 30) if not isinstance(value, str) else value))
    lines = rows(items, indent)
    for label, value in nested:
        sub = generic(value, indent + 2)
        if sub:
            lines.append(" " * indent + label)
            lines.append(sub)
    return "\n".join(lines)
