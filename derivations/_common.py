"""Shared plumbing of the derivation scripts: arguments, output folder, notes, timing.

Each script is run as ``python derivations/NAME.py [--fast] [--out DIR]`` or imported and
called as ``main(argv)``; it writes PNG figures, ``note.md`` (what it shows, how it
compares, with numbers) and ``results.json`` into ``DIR`` (default
``derivations/out/NAME/``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, ROOT)
# one BLAS thread: the eigenvalue problems are small and the machines are shared
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def parse(name: str, description: str, argv=None):
    """Parse ``--fast``, ``--out`` and ``--seed``; create the output folder."""
    ap = argparse.ArgumentParser(prog=f"derivations/{name}.py", description=description)
    ap.add_argument("--fast", action="store_true", help="small sizes, few points (the test run)")
    ap.add_argument("--out", default=os.path.join(HERE, "out", name), help="output folder")
    ap.add_argument("--seed", type=int, default=0, help="base seed of the simulations")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    args.t0 = time.time()
    return args


def write_outputs(args, name: str, note_lines, results: dict) -> dict:
    """Write ``note.md`` and ``results.json``; return the results with the run time."""
    results = dict(results)
    results["fast"] = bool(args.fast)
    results["seconds"] = round(time.time() - args.t0, 1)
    cmd = f"python derivations/{name}.py" + (" --fast" if args.fast else "")
    text = "\n".join(note_lines).rstrip() + "\n\n" + (
        f"_Run: `{cmd}` ({results['seconds']} s)" + (", FAST smoke run with small sizes: "
                                                     "the numbers are illustrative only" if args.fast else "")
        + "._\n")
    with open(os.path.join(args.out, "note.md"), "w", encoding="utf-8") as fh:
        fh.write(text)
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, default=float)
    return results


def md_table(header, rows) -> list:
    """A Markdown table as a list of lines."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out
