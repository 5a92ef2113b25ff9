"""``rmtsym sweep``: any numeric subcommand over a grid of its options, on Dask.

Argument parsing and printing only; the sweep lives in :mod:`rmtsym.sweep`, the heat map in
:mod:`rmtsym.export.sweep_figures`.
"""
from __future__ import annotations

import argparse

from ..errors import ParameterError, RmtsymError
from . import add_json_flag

SECTION = "tools"
ORDER = 1

_HELP = """\
The subcommand runs once per point of the Cartesian product of the grids, as the single call
`rmtsym COMMAND ARGS... --NAME=VALUE ... --json` (written in the row's `call` column).
NAME is a long option of COMMAND without its dashes (sigma-w for --sigma-w; sigma_w works
too), a flag with values true/false, or a positional argument by its name (activation).
Axes: NAME=START:STOP:NUM (evenly spaced, ends included), NAME=START:STOP:NUM:log
(geometric), NAME=V1,V2,... (as written). Simulation commands (those with --seed) get one
seed per point from numpy's SeedSequence(SEED).spawn, SEED being the --seed in ARGS
(default 0). A failing point gives a row with its error; an existing output file is resumed
(points done without error are skipped). Without --scheduler a local Dask cluster of
worker processes (one per core, or --workers N) starts and stops by itself; --scheduler
ADDRESS sends the points to an existing Dask scheduler (its workers need the same rmtsym;
start them with one thread each, `dask worker ADDRESS --nworkers N --nthreads 1`, since the
points of one process run one at a time); --scheduler serial runs them in this process.
Needs pip install 'rmtsym[sweep]'.
"""


def _options(p) -> None:
    p.add_argument("--grid", action="append", default=None, metavar="NAME=SPEC",
                   help="an axis: NAME=START:STOP:NUM[:log] or NAME=V1,V2,... (repeat for more axes)")
    p.add_argument("--output", "-o", default=None, metavar="FILE",
                   help="the table, FILE.csv or FILE.parquet (resumed when it exists)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of an existing Dask scheduler (tcp://host:8786), or 'serial'")
    p.add_argument("--workers", default=None, metavar="N",
                   help="worker processes of the local cluster (default: one per core)")
    p.add_argument("--max-points", default=None, metavar="N",
                   help="refuse grids with more points than this (default 100000)")
    p.add_argument("--plot", default=None, metavar="FILE",
                   help="also draw a heat map over the two grid axes (.png, .pdf or .svg)")
    p.add_argument("--plot-value", default=None, metavar="COLUMN",
                   help="the column the heat map shows (default: the first numeric result)")
    add_json_flag(p)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep", help="run a subcommand over a grid of its options on Dask (one row per point)",
        description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="rmtsym sweep COMMAND [ARGS...] --grid NAME=SPEC [--grid ...] --output FILE "
              "[--scheduler ADDRESS] [--workers N] [--plot FILE] [--json]")
    p.add_argument("command", metavar="COMMAND", help="the subcommand to sweep (signal, memorization, ...)")
    p.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                   help="its arguments common to every point")
    _options(p)
    p.set_defaults(handler=handle_sweep)


_VALUED = {"--grid", "--output", "-o", "--scheduler", "--workers", "--max-points", "--plot", "--plot-value"}


def _split(args, words):
    """Pull the sweep's own options out of the words after COMMAND; the rest is the command's."""
    rest, i = [], 0
    while i < len(words):
        w = words[i]
        name, eq, value = w.partition("=")
        if name in _VALUED and (eq or w in _VALUED):
            if not eq:
                if i + 1 >= len(words):
                    raise RmtsymError(f"sweep: {w} needs a value")
                value = words[i + 1]
                i += 1
            dest = "output" if name == "-o" else name[2:].replace("-", "_")
            if dest == "grid":
                args.grid = (args.grid or []) + [value]
            else:
                setattr(args, dest, value)
        elif w == "--json":
            args.json = True
        else:
            rest.append(w)
        i += 1
    return rest


def _int(text, name):
    if text is None:
        return None
    try:
        return int(str(text).strip())
    except ValueError:
        raise ParameterError(f"{name} must be a whole number, got {text!r}") from None


def _plot_checks(args, plan):
    from ..export.sweep_figures import check_heatmap
    varying = [ax for ax in plan.axes if len(ax.values) > 1]
    if len(varying) != 2:
        raise ParameterError(f"--plot draws a heat map over two grid axes with more than one value; "
                             f"this grid has {len(varying)}")
    check_heatmap(args.plot)
    return varying


def handle_sweep(args) -> dict:
    from ..sweep.grid import MAX_POINTS
    from ..sweep.run import execute, make_executor, plan_sweep
    from ..sweep.table import to_numeric

    words = _split(args, list(args.args))
    if not args.grid:
        raise ParameterError("sweep: give at least one --grid NAME=START:STOP:NUM[:log] or NAME=V1,V2,...")
    if args.output is None:
        raise ParameterError("sweep: --output FILE.csv or FILE.parquet is required")
    workers = _int(args.workers, "--workers")
    max_points = _int(args.max_points, "--max-points") or MAX_POINTS
    plan = plan_sweep(args.command, words, args.grid, output=args.output, max_points=max_points)
    varying = _plot_checks(args, plan) if args.plot else None
    executor = make_executor(args.scheduler, workers)
    frame, summary = execute(plan, executor)
    out = dict(summary)
    if args.plot:
        from ..export.sweep_figures import default_value_column, plot_heatmap
        numeric = to_numeric(frame)
        value = args.plot_value or default_value_column(numeric, [ax.name for ax in plan.axes])
        if value is None or value not in numeric.columns:
            raise RmtsymError(f"--plot-value: no column {value!r} in the results (the table is saved in "
                              f"{args.output})")
        plot_heatmap(numeric, varying[0].name, varying[1].name, value, args.plot,
                     log_x=varying[0].log, log_y=varying[1].log,
                     title=f"rmtsym {plan.command.name}: {value}")
        out["plot"] = args.plot
        out["plot_value"] = value
    firsts = frame.loc[frame["error"].notna(), "error"].tolist()
    out["first_errors"] = sorted(set(firsts), key=firsts.index)[:3]
    out["columns"] = list(frame.columns)
    if not args.json:
        out["_text"] = _text(out)
    return out


def _text(out) -> str:
    rows = [("output", f"{out['output']} ({out['points']} rows)"),
            ("points", f"{out['computed']} computed, {out['resumed']} resumed from the file, "
                       f"{out['errors']} with an error"),
            ("ran on", f"{out['executor']}, {out['seconds']:.1f} s"),
            ("grid", "; ".join(f"{k}: {len(v)} values ({v[0]} .. {v[-1]})" for k, v in out["grid"].items()))]
    if out["spawned_seeds"]:
        rows.append(("seeds", "one per point, SeedSequence(--seed).spawn"))
    if out.get("plot"):
        rows.append(("plot", f"{out['plot']} ({out['plot_value']})"))
    for e in out["first_errors"]:
        rows.append(("error", e))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)
