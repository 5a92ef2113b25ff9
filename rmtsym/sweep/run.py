"""Plan and run a sweep: check everything, resume from the output file, run the points on an
executor, write the table as rows come in.

:func:`plan_sweep` does every check that needs no computation (command, grid, sizes, output,
resume file) and raises one sentence when something is wrong, before any cluster starts;
:func:`execute` runs a plan; :func:`sweep` is both, returning the table.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from ..errors import ParameterError, RmtsymError
from .command import Command, resolve_command, spawn_seeds
from .grid import MAX_POINTS, grid_points, grid_size, parse_grid
from .progress import Progress, progress_enabled
from .table import META, build_frame, check_output, make_row, read_table, to_numeric, write_table

__all__ = ["SweepPlan", "plan_sweep", "execute", "sweep", "SERIAL"]

#: the ``scheduler`` value that runs the points in this process, without Dask
SERIAL = "serial"


@dataclass
class SweepPlan:
    """Everything a sweep will do, checked: the command, the axes, one command line per point,
    the rows already in the output file, and the points still to run."""
    command: Command
    axes: list
    points: List[dict]
    seeds: Optional[List[int]]
    argvs: List[List[str]]
    calls: List[str]
    output: Optional[str]
    done: Dict[int, dict] = field(default_factory=dict)
    todo: List[int] = field(default_factory=list)

    @property
    def front(self) -> List[str]:
        return [ax.name for ax in self.axes] + (["seed"] if self.seeds is not None else [])

    @property
    def reserved(self) -> set:
        return set(META) | set(self.front)


def _check_values(cmd: Command, axes) -> None:
    """Parse one command line per value of each axis (argparse only): a value the command's
    parser rejects stops the sweep before it starts."""
    first = {ax.name: ax.values[0] for ax in axes}
    cmd.check_point(first)
    for ax in axes:
        for v in ax.values[1:]:
            cmd.check_point(dict(first, **{ax.name: v}))


def plan_sweep(command: str, args: Sequence[str] = (), grid=None, output: Optional[str] = None,
               max_points: int = MAX_POINTS) -> SweepPlan:
    """Check a sweep and list its points; read the output file when it exists (resume).

    Raises
    ------
    RmtsymError
        One sentence: unknown or refused command, bad grid syntax, a grid name that is not an
        argument of the command, a value its parser rejects, too many points, a bad output
        name or folder, an output file that is not this sweep's.
    """
    axes = parse_grid(grid)
    if isinstance(max_points, bool) or int(max_points) < 1:
        raise ParameterError(f"--max-points must be at least 1, got {max_points}")
    n = grid_size(axes)
    if n > int(max_points):
        raise ParameterError(f"the grid has {n} points, more than --max-points {int(max_points)}")
    if isinstance(args, str):
        raise ParameterError("args must be a list of command-line words, e.g. ['tanh', '--sigma-b', '0.1']")
    cmd = resolve_command(command, args, axes)
    if output is not None:
        output = os.fspath(output)
        check_output(output)
    _check_values(cmd, axes)
    points = list(grid_points(axes))
    seeds = spawn_seeds(cmd.seed_root, n) if cmd.spawns_seeds else None
    argvs = [cmd.argv(p, None if seeds is None else seeds[i]) for i, p in enumerate(points)]
    calls = [cmd.call(a) for a in argvs]
    plan = SweepPlan(cmd, axes, points, seeds, argvs, calls, output)
    if output is not None and os.path.exists(output):
        old = read_table(output)
        where = {c: i for i, c in enumerate(calls)}
        stray = [c for c in old["call"].tolist() if c not in where]
        if stray:
            raise RmtsymError(f"{output} holds {len(stray)} rows that are not points of this sweep "
                              f"(e.g. {stray[0]}); choose another --output")
        for rec in old.to_dict("records"):
            if rec.get("error") is None:
                i = where[rec["call"]]
                rec = {k: v for k, v in rec.items() if v is not None or k in META}
                rec["point"] = i
                plan.done[i] = rec
    plan.todo = [i for i in range(n) if i not in plan.done]
    return plan


def _batches(todo: List[int], workers: int) -> List[List[int]]:
    """Split the points into tasks: about 32 per worker (load balance), at most 32 points each."""
    if not todo:
        return []
    size = max(1, min(32, math.ceil(len(todo) / (32 * max(1, workers)))))
    return [todo[i:i + size] for i in range(0, len(todo), size)]


def execute(plan: SweepPlan, executor, progress=None, checkpoint_s: float = 5.0):
    """Run the points of ``plan`` still to do on ``executor`` (entered here) and return
    ``(frame, summary)``. The output file is rewritten every ``checkpoint_s`` seconds and at
    the end, also when the run is interrupted, so that running the same sweep again resumes."""
    rows = dict(plan.done)
    t0 = time.perf_counter()
    errors = 0
    bar = Progress(len(plan.points), progress_enabled(progress))
    last = time.monotonic()
    changed = False

    def save():
        nonlocal changed
        if plan.output is not None and rows and changed:
            write_table(build_frame(rows.values(), plan.front), plan.output)
            changed = False

    description, workers = "nothing to run (every point is in the output file)", 0
    try:
        if plan.todo:
            with executor:
                batches = _batches(plan.todo, executor.workers)
                bar.update(len(rows), 0, force=True)
                for b, results in executor.run([[plan.argvs[i] for i in idx] for idx in batches]):
                    for i, res in zip(batches[b], results):
                        seed = None if plan.seeds is None else plan.seeds[i]
                        rows[i] = make_row(i, plan.points[i], seed, res, plan.calls[i], plan.reserved)
                        errors += res.get("error") is not None
                    changed = True
                    bar.update(len(rows), errors)
                    if time.monotonic() - last > checkpoint_s:
                        save()
                        last = time.monotonic()
                description, workers = executor.description, executor.workers
    finally:
        save()
    frame = build_frame(rows.values(), plan.front)
    summary = {
        "command": plan.command.name,
        "points": len(plan.points),
        "computed": len(plan.todo),
        "resumed": len(plan.done),
        "errors": int(frame["error"].notna().sum()),
        "grid": {ax.name: list(ax.values) for ax in plan.axes},
        "spawned_seeds": plan.seeds is not None,
        "executor": description,
        "workers": workers,
        "seconds": round(time.perf_counter() - t0, 3),
        "output": plan.output,
    }
    frame.attrs.update({"command": plan.command.name, "grid": [ax.name for ax in plan.axes],
                        "log_axes": [ax.name for ax in plan.axes if ax.log]})
    return frame, summary


def make_executor(scheduler=None, workers=None, client=None, processes: bool = True):
    """The executor for ``scheduler`` (None: local cluster; 'serial'; an address) or ``client``."""
    from .executors import DaskExecutor, SerialExecutor, need_distributed
    if scheduler == SERIAL:
        if workers is not None or client is not None:
            raise ParameterError("--scheduler serial runs in this process; it takes no --workers or client")
        return SerialExecutor()
    need_distributed()
    return DaskExecutor(scheduler=scheduler, workers=workers, client=client, processes=processes)


def sweep(command: str, args: Sequence[str] = (), grid=None, *, output: Optional[str] = None,
          scheduler: Optional[str] = None, workers: Optional[int] = None, client=None,
          processes: bool = True, max_points: int = MAX_POINTS, progress=None, exact: bool = False,
          xarray: bool = False, checkpoint_s: float = 5.0):
    """Run ``rmtsym COMMAND ARGS...`` over the Cartesian product of a grid, on Dask.

    Parameters
    ----------
    command : str
        A subcommand with ``--json`` (``signal``, ``memorization``, ``spectrum``, ...).
    args : list of str
        Its arguments common to every point, as on the command line (``["tanh"]``).
    grid : mapping or list
        ``{"sigma-w": "0.5:3:20", "sigma-b": [0, 0.1, 0.2]}`` or
        ``["sigma-w=0.5:3:20", "sigma-b=0,0.1,0.2"]``; names are the command's long options
        without dashes (or a positional such as ``activation``), specifications
        ``START:STOP:NUM[:log]`` or ``V1,V2,...`` (see :mod:`rmtsym.sweep.grid`).
    output : str, optional
        ``.csv`` or ``.parquet`` file written as the points finish; when it exists the sweep
        resumes from it (points done without error are not run again).
    scheduler : str, optional
        None: a local Dask cluster of ``workers`` processes (default one per core), started
        and stopped here; an address: the Dask scheduler there; ``"serial"``: this process,
        without Dask.
    client : distributed.Client, optional
        Use this client instead (it stays open).
    processes : bool
        Local cluster of processes (default) or one worker thread in this process.
    exact : bool
        Keep every field as the text the command printed; by default numeric columns are
        converted with :func:`rmtsym.sweep.to_numeric`.
    xarray : bool
        Return an :class:`xarray.Dataset` over the grid axes instead of a DataFrame.

    Returns
    -------
    pandas.DataFrame
        One row per point (columns: see :mod:`rmtsym.sweep.table`); ``frame.attrs["sweep"]``
        holds the summary (points, errors, executor, seconds).
    """
    plan = plan_sweep(command, args, grid, output=output, max_points=max_points)
    executor = make_executor(scheduler, workers, client, processes)
    frame, summary = execute(plan, executor, progress=progress, checkpoint_s=checkpoint_s)
    out = frame if exact else to_numeric(frame)
    out.attrs.update(frame.attrs)
    out.attrs["sweep"] = summary
    if xarray:
        from .table import to_xarray
        return to_xarray(out)
    return out
