"""The rows of a sweep as a table: columns, the output file (CSV or Parquet), numbers, xarray.

Columns, in order: ``point`` (index in the Cartesian product, last axis fastest), one column
per grid axis (the values as handed to the command), ``seed`` when the points got spawned
seeds, the flattened JSON fields of the command, then ``error`` (the one-sentence error of a
failed point, empty otherwise), ``elapsed_s`` (seconds the point took on its worker) and
``call`` (the single command line the row equals). A JSON field whose name is already a column
is prefixed with ``result.``.

The file keeps every field as the text the command printed (high-precision numbers keep all
their digits); :func:`to_numeric` turns the numeric columns into numbers for analysis.
"""
from __future__ import annotations

import os
import re
from typing import Iterable, List, Optional, Sequence

from ..errors import ParameterError, RmtsymError

__all__ = ["FORMATS", "output_format", "check_output", "text", "make_row", "build_frame",
           "write_table", "read_table", "to_numeric", "to_xarray", "META"]

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
META = ("point", "error", "elapsed_s", "call")
_INT = re.compile(r"^[+-]?\d+$")


def output_format(path: str) -> str:
    """'csv' or 'parquet' from the file name, or a one-sentence error."""
    ext = os.path.splitext(str(path))[1].lower()
    if ext not in FORMATS:
        raise ParameterError(f"--output must end in .csv or .parquet, got {os.path.basename(str(path))!r}")
    return FORMATS[ext]


def check_output(path: str) -> str:
    """Check the output file before anything runs: its extension, its folder, and pyarrow
    for Parquet; returns the format."""
    fmt = output_format(path)
    folder = os.path.dirname(os.path.abspath(str(path)))
    if not os.path.isdir(folder):
        raise ParameterError(f"the folder of --output does not exist: {folder}")
    if os.path.isdir(str(path)):
        raise ParameterError(f"--output is a folder, not a file: {path}")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise RmtsymError("a .parquet output needs pyarrow (pip install 'rmtsym[sweep]')") from None
    return fmt


def text(value) -> Optional[str]:
    """A JSON scalar as the text stored in the table (None stays None)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def make_row(index: int, point: dict, seed: Optional[int], result: dict, call: str,
             reserved: Sequence[str]) -> dict:
    """One table row from a point, its seed, the worker's result and the call line."""
    row = {"point": int(index)}
    row.update(point)
    if seed is not None:
        row["seed"] = str(seed)
    payload = result.get("payload") or {}
    for key, value in payload.items():
        name = f"result.{key}" if key in reserved else key
        row[name] = text(value)
    row["error"] = result.get("error")
    row["elapsed_s"] = float(result.get("elapsed_s", float("nan")))
    row["call"] = call
    return row


def build_frame(rows: Iterable[dict], front: Sequence[str]):
    """A pandas DataFrame of rows sorted by point: ``point``, the ``front`` columns (grid, seed),
    the payload columns in order of first appearance, then error, elapsed_s, call."""
    import pandas as pd
    rows = sorted(rows, key=lambda r: r["point"])
    payload_cols: List[str] = []
    seen = set(META) | set(front)
    for r in rows:
        for k in r:
            if k not in seen:
                seen.add(k)
                payload_cols.append(k)
    cols = ["point", *front, *payload_cols, "error", "elapsed_s", "call"]
    data = {c: [r.get(c) for r in rows] for c in cols}
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in data.items()}, columns=cols)
    frame["point"] = frame["point"].astype("int64")
    frame["elapsed_s"] = frame["elapsed_s"].astype("float64")
    return frame


def write_table(frame, path: str) -> None:
    """Write the table atomically (a temporary file in the same folder, then renamed)."""
    fmt = output_format(path)
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.partial")
    try:
        if fmt == "csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def read_table(path: str):
    """Read a sweep's output file back with every field as text (for resuming)."""
    import pandas as pd
    fmt = output_format(path)
    try:
        if fmt == "csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise RmtsymError(f"{path} exists but cannot be read as a sweep's output ({type(exc).__name__}); "
                          "choose another --output") from None
    missing = [c for c in META if c not in frame.columns]
    if missing:
        raise RmtsymError(f"{path} exists and is not the output of a sweep (no {missing[0]!r} column); "
                          "choose another --output")
    out = {}
    for c in frame.columns:
        col = frame[c].astype(object)
        out[c] = [None if (v is None or (isinstance(v, float) and v != v) or v == "") else str(v)
                  for v in col]
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in out.items()}, columns=list(frame.columns))
    frame["point"] = frame["point"].astype("int64")
    frame["elapsed_s"] = pd.to_numeric(frame["elapsed_s"]).astype("float64")
    return frame


def _convert(values: list):
    """The numbers of a text column, or None when some value is not a number."""
    import numpy as np
    import pandas as pd
    present = [v for v in values if v is not None]
    if not present:
        return None
    if all(isinstance(v, str) and v in ("true", "false") for v in present):
        return pd.array([None if v is None else v == "true" for v in values], dtype="boolean")
    if all(isinstance(v, str) and _INT.match(v) for v in present):
        try:
            arr = pd.array([None if v is None else int(v) for v in values], dtype="Int64")
        except (OverflowError, TypeError, ValueError):
            arr = None
        if arr is not None:
            return arr.astype("int64") if len(present) == len(values) else arr
    try:
        return np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    except (TypeError, ValueError):
        return None


def to_numeric(frame):
    """A copy of a sweep table with its numeric text columns as numbers.

    A column becomes int64 (Int64 with gaps) when every value is a whole number, boolean when
    every value is true/false, float64 when every value is a number (``inf`` included);
    other columns (phases, methods, formulas, error sentences, calls) stay text. Decimal
    strings of more than 17 digits are rounded to doubles here; the table itself keeps them.
    """
    out = frame.copy()
    for c in frame.columns:
        if c in ("error", "call", "point", "elapsed_s"):
            continue
        values = [None if v is None or (isinstance(v, float) and v != v) else v for v in frame[c].tolist()]
        conv = _convert(values)
        if conv is not None:
            out[c] = conv
    if "error" in out.columns:
        out["error"] = out["error"].astype(object).where(out["error"].notna(), None)
    return out


def to_xarray(frame, dims: Optional[Sequence[str]] = None):
    """The sweep as an :class:`xarray.Dataset` over its grid axes (needs xarray).

    ``dims`` default to the grid axes recorded in ``frame.attrs["grid"]``. Every grid point
    must appear once (true for a finished sweep: a Cartesian product is regular).
    """
    try:
        import xarray  # noqa: F401
    except ImportError:
        raise RmtsymError("to_xarray needs xarray (pip install xarray)") from None
    dims = list(dims if dims is not None else frame.attrs.get("grid", []))
    if not dims:
        raise ParameterError("to_xarray needs the grid axes (dims=...)")
    missing = [d for d in dims if d not in frame.columns]
    if missing:
        raise ParameterError(f"to_xarray: {missing[0]!r} is not a column of the sweep")
    if frame.duplicated(subset=dims).any():
        raise ParameterError("to_xarray: some grid point appears twice; the grid is not regular")
    import xarray as xr
    ds = xr.Dataset.from_dataframe(frame.set_index(dims))
    ds.attrs.update({k: str(v) for k, v in frame.attrs.items() if k != "grid"})
    return ds
