"""Parameter sweeps: any numeric subcommand over a grid of its options, on Dask.

``rmtsym sweep COMMAND [ARGS...] --grid NAME=START:STOP:NUM[:log] --grid NAME=V1,V2,...
--output FILE.csv|FILE.parquet`` runs the single call ``rmtsym COMMAND ARGS... --NAME=V ...
--json`` at every point of the Cartesian product of the grids and writes one row per point:
the grid values, the command's JSON fields flattened to columns, the error sentence of a
failed point, and the exact call the row equals. From Python::

    from rmtsym.sweep import sweep
    df = sweep("signal", ["tanh"], {"sigma-w": "0.5:3:20", "sigma-b": "0:1:20"})

The parts: :mod:`~rmtsym.sweep.grid` (axis syntax, Cartesian product),
:mod:`~rmtsym.sweep.command` (grid names → the command's arguments, per-point command lines,
seeds), :mod:`~rmtsym.sweep.point` (one point in-process, flattening),
:mod:`~rmtsym.sweep.executors` (this process, a local Dask cluster, an existing scheduler),
:mod:`~rmtsym.sweep.table` (columns, CSV/Parquet, numbers, xarray),
:mod:`~rmtsym.sweep.run` (checks, resume, checkpoints), :mod:`~rmtsym.sweep.progress`.

Dask (Rocklin, "Dask: parallel computation with blocked algorithms and task scheduling",
SciPy 2015) is an optional dependency: ``pip install 'rmtsym[sweep]'``.
"""
from .command import REFUSED, spawn_seeds
from .grid import MAX_POINTS, GridAxis, grid_points, grid_size, parse_axis, parse_grid
from .point import flatten, run_point
from .run import SERIAL, execute, make_executor, plan_sweep, sweep
from .table import read_table, to_numeric, to_xarray

__all__ = ["sweep", "plan_sweep", "execute", "make_executor", "parse_grid", "parse_axis", "GridAxis",
           "grid_points", "grid_size", "run_point", "flatten", "to_numeric", "to_xarray", "read_table",
           "spawn_seeds", "REFUSED", "MAX_POINTS", "SERIAL"]
