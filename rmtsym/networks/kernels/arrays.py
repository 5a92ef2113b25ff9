"""Reading input arrays for the kernel commands: ``.npy`` or ``.csv``, validated.

Every problem is one :class:`~rmtsym.errors.ParameterError` sentence naming the file: a
missing or unreadable file, a wrong number of dimensions, NaN or infinite entries, or a
shape that does not match. ``.npy`` files are read with ``allow_pickle=False``.
"""
from __future__ import annotations

import os

import numpy as np

from ...errors import ParameterError

__all__ = ["load_array", "looks_like_path", "check_output_path", "save_array"]

SUFFIXES = (".npy", ".csv")


def looks_like_path(text: str) -> bool:
    return str(text).strip().lower().endswith(SUFFIXES) or os.path.sep in str(text)


def load_array(path: str, what: str, ndim=(2,)) -> np.ndarray:
    """The array in ``path`` (float64), with 1 or 2 dimensions as ``ndim`` allows."""
    p = str(path).strip()
    low = p.lower()
    if not low.endswith(SUFFIXES):
        raise ParameterError(f"{what} must be a .npy or .csv file, got {p!r}")
    if not os.path.isfile(p):
        raise ParameterError(f"{what}: the file {p!r} does not exist")
    try:
        if low.endswith(".npy"):
            A = np.load(p, allow_pickle=False)
        else:
            A = np.loadtxt(p, delimiter=",", dtype=float, ndmin=1)
    except (ValueError, OSError, EOFError) as exc:
        kind = "a .npy array of numbers" if low.endswith(".npy") else "a CSV of numbers"
        raise ParameterError(f"{what}: cannot read {p!r} as {kind} ({type(exc).__name__})") from None
    if A.dtype.kind not in "biuf":
        raise ParameterError(f"{what}: {p!r} does not hold real numbers")
    A = np.asarray(A, dtype=float)
    if A.ndim == 2 and 1 in ndim and 2 not in ndim and A.shape[1] == 1:
        A = A[:, 0]
    if A.ndim not in ndim:
        want = " or ".join(f"{d}-D" for d in ndim)
        raise ParameterError(f"{what}: {p!r} holds a {A.ndim}-D array, expected {want}")
    if A.size == 0:
        raise ParameterError(f"{what}: {p!r} is empty")
    if not np.all(np.isfinite(A)):
        raise ParameterError(f"{what}: {p!r} holds NaN or infinite entries")
    return A


def check_output_path(path: str, what: str = "--output") -> str:
    """An output file name whose folder exists and whose suffix is .npy or .csv."""
    p = str(path).strip()
    if not p.lower().endswith(SUFFIXES):
        raise ParameterError(f"{what} must end in .npy or .csv, got {p!r}")
    folder = os.path.dirname(os.path.abspath(p))
    if not os.path.isdir(folder):
        raise ParameterError(f"{what}: the folder {folder!r} does not exist")
    if os.path.isdir(p):
        raise ParameterError(f"{what}: {p!r} is a folder")
    return p


def save_array(path: str, A) -> None:
    """Write ``A`` as .npy or .csv (full double precision)."""
    if path.lower().endswith(".npy"):
        np.save(path, np.asarray(A, dtype=float), allow_pickle=False)
    else:
        np.savetxt(path, np.atleast_2d(np.asarray(A, dtype=float)) if np.ndim(A) else [[A]],
                   delimiter=",", fmt="%.17g")
