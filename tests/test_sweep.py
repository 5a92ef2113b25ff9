"""Tests of ``rmtsym sweep`` and :mod:`rmtsym.sweep`: grid syntax, name mapping, equality with
single calls, error rows, resume, seeds, the local (process) and remote (scheduler address)
Dask paths, exit codes, heat maps.

Dask, pandas and pyarrow come with the ``test`` extra; without them the module is skipped
locally and fails in CI (where the README's install command provides them).
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest


def _require(name):
    try:
        return __import__(name)
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"{name} not installed (pip install 'rmtsym[sweep]')", allow_module_level=True)


_require("pandas")
_require("distributed")
_require("pyarrow")

import pandas as pd  # noqa: E402

from rmtsym.cli import main  # noqa: E402
from rmtsym.errors import ParameterError, RmtsymError  # noqa: E402
from rmtsym.sweep import (flatten, parse_axis, parse_grid, plan_sweep, read_table, run_point,  # noqa: E402
                          spawn_seeds, sweep, to_numeric, to_xarray)
from rmtsym.sweep.grid import grid_points  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def single(capsys, argv):
    """The JSON object a single ``rmtsym ARGV`` call prints (in this process)."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return flatten(json.loads(out))


def payload_of(row, frame_columns, grid):
    skip = {"point", "error", "elapsed_s", "call", "seed", *grid}
    return {c.removeprefix("result."): row[c] for c in frame_columns if c not in skip and row[c] is not None}


def argv_of(call):
    import shlex
    words = shlex.split(call)
    assert words[0] == "rmtsym"
    return words[1:]


# ----------------------------------------------------------------------------- grid syntax

def test_ranges_are_exact_decimals_and_log_axes_hit_their_ends():
    assert parse_axis("sigma-w=0:1:11").values == tuple(f"{k / 10:g}" for k in range(11))
    assert parse_axis("a=0:1:4").values == ("0", "0.33333333333333333", "0.66666666666666667", "1")
    ax = parse_axis("gamma=1e-3:1e3:7:log")
    assert ax.log and ax.values == ("0.001", "0.01", "0.1", "1", "10", "100", "1000")
    ax = parse_axis("g=1:100:5:log")
    assert ax.values[0] == "1" and ax.values[-1] == "100"
    assert float(ax.values[1]) == pytest.approx(100 ** 0.25, rel=1e-16)
    assert parse_axis("layers=1:4:4").values == ("1", "2", "3", "4")
    assert parse_axis("sigma-b=-1:1:3").values == ("-1", "0", "1")
    assert parse_axis("activation=tanh, relu ,erf").values == ("tanh", "relu", "erf")
    assert parse_axis("x=5:5:1").values == ("5",)
    assert parse_axis("gamma", [0.1, 2, True]).values == ("0.1", "2", "true")


@pytest.mark.parametrize("spec, words", [
    ("sigma-w", "NAME="), ("a=", "no values"), ("a=1:2", "START:STOP:NUM"), ("a=1:2:x", "whole number"),
    ("a=1:2:3:lin", "'log'"), ("a=0:1:3:log", "START > 0"), ("a=1,,2", "empty value"),
    ("1a=2", "option name"), ("a=1:2:1", "START = STOP"), ("a=x:2:3", "START must be"),
    ("a=1:inf:3", "STOP must be"), ("a=1:2:0", "at least 1"),
])
def test_bad_grid_specifications_are_one_sentence(spec, words):
    with pytest.raises(ParameterError, match=words):
        parse_axis(spec)


def test_grid_product_order_and_duplicates():
    axes = parse_grid({"sigma-w": "1,2", "sigma-b": [0, 0.5, 1]})
    pts = list(grid_points(axes))
    assert len(pts) == 6 and pts[0] == {"sigma-w": "1", "sigma-b": "0"} and pts[1]["sigma-b"] == "0.5"
    with pytest.raises(ParameterError, match="twice"):
        parse_grid(["sigma-w=1,2", "sigma_w=3"])


def test_flatten_nested_dicts_lists_and_long_lists():
    d = {"a": 1, "m": {"m1": "0.5", "m2": None}, "support": [["0.1", "2"]], "_text": "x",
         "eig": list(range(150)), "notes": []}
    f = flatten(d)
    assert f == {"a": 1, "m.m1": "0.5", "m.m2": None, "support.0.0": "0.1", "support.0.1": "2",
                 "eig": json.dumps(list(range(150)))}


# ----------------------------------------------------------------------------- names and calls

def test_grid_names_map_to_options_positionals_and_flags():
    plan = plan_sweep("jacobian", ["--layers", "2"], ["activation=tanh,relu", "sigma_w=1,2",
                                                       "orthogonal=true,false"])
    assert len(plan.points) == 8
    # jacobian takes --seed (for --simulate): every point gets its own spawned seed
    seed0 = f"--seed={plan.seeds[0]}"
    assert plan.argvs[0] == ["jacobian", "tanh", "--layers", "2", "--sigma-w=1", "--orthogonal", seed0, "--json"]
    assert plan.argvs[1][:5] == ["jacobian", "tanh", "--layers", "2", "--sigma-w=1"]
    assert plan.argvs[1][5].startswith("--seed=") and plan.argvs[1][6] == "--json"
    assert plan.calls[0] == f"rmtsym jacobian tanh --layers 2 --sigma-w=1 --orthogonal {seed0} --json"
    assert len(set(plan.seeds)) == 8 and plan.front == ["activation", "sigma_w", "orthogonal", "seed"]


@pytest.mark.parametrize("command, args, grid, words", [
    ("nosuch", [], ["a=1"], "unknown command 'nosuch'"),
    ("report", ["tanh", "--phi", "1", "--psi", "1"], ["gamma=1"], "cannot be swept"),
    ("sweep", [], ["a=1"], "cannot be swept"),
    ("signal", ["tanh"], ["sigma=1,2"], "not an argument of 'signal'.*sigma-w"),
    ("signal", ["tanh", "--sigma-w", "2"], ["sigma-w=1,2"], "given both"),
    ("signal", ["tanh"], ["json=true"], "not an argument"),
    ("jacobian", ["tanh"], ["layers=1,2.5"], "invalid int value: '2.5'"),
    ("jacobian", ["tanh", "--layers", "2"], ["orthogonal=maybe"], "true/false"),
    ("sample", ["tanh", "--phi", "1", "--psi", "1", "--n0", "10"], ["entries=gaussian,foo"], "not one of"),
    ("signal", [], ["sigma-w=1,2"], "required: activation"),
    ("signal", ["tanh", "--output", "x.csv"], ["sigma-w=1"], "option of the sweep itself"),
    ("signal", ["tanh"], ["sigma-w=1:2:400", "sigma-b=0:1:300"], "more than --max-points"),
])
def test_bad_sweeps_are_refused_before_running(command, args, grid, words):
    with pytest.raises(RmtsymError, match=words):
        plan_sweep(command, args, grid)


# ----------------------------------------------------------------------------- equal to single calls

def test_signal_sweep_equals_single_calls_point_by_point(capsys):
    grid = {"sigma-w": "0.8:2:3", "sigma-b": "0.1,0.5"}
    exact = sweep("signal", ["erf"], grid, scheduler="serial", exact=True)
    assert len(exact) == 6 and exact["error"].isna().all()
    assert list(exact["point"]) == list(range(6))
    for _, row in exact.iterrows():
        one = single(capsys, argv_of(row["call"]))
        got = payload_of(row, exact.columns, ["sigma-w", "sigma-b"])
        assert got == {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in one.items()}
        # the call is the plain single call with these grid values
        assert row["call"] == (f"rmtsym signal erf --sigma-w={row['sigma-w']} "
                               f"--sigma-b={row['sigma-b']} --json")
    # the numeric table holds the same numbers as doubles
    num = to_numeric(exact)
    assert num["chi1"].dtype == np.float64 and num["digits"].dtype == np.int64
    assert list(num["chi1"]) == [float(v) for v in exact["chi1"]]
    assert set(num["phase"]) <= {"ordered", "chaotic", "critical"}


def test_memorization_sweep_over_gamma_equals_single_calls(capsys):
    frame = sweep("memorization", ["relu", "--phi", "0.5", "--dps", "15"],
                  ["psi=0.5,2", "gamma=0.01:100:3:log"], scheduler="serial", exact=True)
    assert len(frame) == 6 and frame["error"].isna().all()
    for _, row in frame.iterrows():
        one = single(capsys, ["memorization", "relu", "--phi", "0.5", "--dps", "15", f"--psi={row['psi']}",
                              f"--gamma={row['gamma']}", "--json"])
        assert payload_of(row, frame.columns, ["psi", "gamma"]) == one
    num = to_numeric(frame)
    # E_train increases with the ridge γ at fixed ψ and tends to 1 as γ → ∞ (PW 2017 §5)
    for psi in (0.5, 2):
        loss = num.loc[num["psi"] == psi, "train_loss.0"].to_numpy()
        assert np.all(np.diff(loss) > 0) and 0 < loss[0] < loss[-1] < 1


# ----------------------------------------------------------------------------- failures are rows

def test_failing_points_give_error_rows_and_the_sweep_completes(monkeypatch):
    import rmtsym.networks.signal_propagation as sp_mod

    real = sp_mod.signal_propagation

    def flaky(activation, sigma_w, sigma_b, **kw):
        if str(sigma_w) == "1.2" and str(sigma_b) == "0":
            raise ZeroDivisionError("boom")
        return real(activation, sigma_w, sigma_b, **kw)

    monkeypatch.setattr(sp_mod, "signal_propagation", flaky)
    # ReLU: χ1 = σw²/2; for σw² > 2 the length map has no finite fixed point (q grows): a
    # user-level error (RmtsymError); the patched point raises a bare exception
    frame = sweep("signal", ["relu"], {"sigma-w": "1,1.2,1.5", "sigma-b": "0,0.5"}, scheduler="serial")
    assert len(frame) == 6 and frame.attrs["sweep"]["errors"] == 3
    err = dict(zip(zip(frame["sigma-w"], frame["sigma-b"]), frame["error"]))
    assert err[(1.2, 0.0)] == "internal error (ZeroDivisionError: boom)"
    assert "no finite fixed point" in err[(1.5, 0.5)] and "no finite fixed point" in err[(1.5, 0.0)]
    assert err[(1.0, 0.0)] is None and err[(1.0, 0.5)] is None and err[(1.2, 0.5)] is None
    ok = frame[frame["error"].isna()]
    assert len(ok) == 3 and np.allclose(ok["chi1"], ok["sigma-w"] ** 2 / 2, rtol=1e-14)
    assert frame.loc[frame["error"].notna(), "chi1"].isna().all()


def test_run_point_never_raises():
    r = run_point(["signal", "tanh", "--sigma-w=-1", "--json"])
    assert r["payload"] is None and "sigma_w" in r["error"] and "\n" not in r["error"]
    r = run_point(["signal", "--help"])
    assert r["payload"] is None and "exited" in r["error"]


# ----------------------------------------------------------------------------- resume

def test_resume_skips_done_points_and_retries_errors(tmp_path, monkeypatch):
    import rmtsym.sweep.point as point_mod

    out = tmp_path / "s.csv"
    grid = {"sigma-w": "1,1.5", "sigma-b": "0,0.3,2"}
    full = sweep("signal", ["erf"], grid, output=str(out), scheduler="serial", exact=True)
    table = read_table(str(out))
    assert list(table.columns) == list(full.columns)
    assert table.drop(columns="elapsed_s").equals(full.drop(columns="elapsed_s"))
    # an interrupted run: two rows missing, one row with an error
    partial = table.drop(index=[1, 4]).copy()
    partial.loc[2, "error"] = "interrupted"
    partial.loc[2, "chi1"] = None
    partial.to_csv(out, index=False)
    calls = []
    real = point_mod._run_point
    monkeypatch.setattr(point_mod, "_run_point", lambda argv: calls.append(list(argv)) or real(argv))
    again = sweep("signal", ["erf"], grid, output=str(out), scheduler="serial", exact=True)
    assert sorted(calls) == sorted(argv_of(full["call"][i]) for i in (1, 2, 4))
    s = again.attrs["sweep"]
    assert (s["computed"], s["resumed"], s["errors"]) == (3, 3, 0)
    assert again.drop(columns="elapsed_s").equals(full.drop(columns="elapsed_s"))
    # nothing left to do: nothing runs
    calls.clear()
    third = sweep("signal", ["erf"], grid, output=str(out), workers=2)  # no cluster is started
    assert calls == [] and third.attrs["sweep"]["computed"] == 0
    assert third.attrs["sweep"]["executor"].startswith("nothing to run")
    # a file of another sweep is not mixed in
    with pytest.raises(RmtsymError, match="not points of this sweep"):
        plan_sweep("signal", ["tanh"], grid, output=str(out))
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(RmtsymError, match="not the output of a sweep"):
        plan_sweep("signal", ["erf"], grid, output=str(tmp_path / "other.csv"))


# ----------------------------------------------------------------------------- seeds

def test_simulation_points_get_independent_reproducible_seeds(capsys):
    args = ["relu", "--psi", "1", "--n0", "120", "--seed", "7"]
    a = sweep("sample", args, {"phi": "1,2", "entries": "gaussian,rademacher"}, scheduler="serial",
              exact=True)
    seeds = [int(s) for s in a["seed"]]
    assert seeds == spawn_seeds(7, 4) and len(set(seeds)) == 4
    assert all(0 <= s < 2 ** 63 for s in seeds)
    # SeedSequence(7).spawn: the children's states are those of SeedSequence(7, spawn_key=(i,))
    child = np.random.SeedSequence(7, spawn_key=(2,)).generate_state(2, dtype=np.uint32)
    assert seeds[2] == ((int(child[1]) << 32) | int(child[0])) & (2 ** 63 - 1)
    b = sweep("sample", args, {"phi": "1,2", "entries": "gaussian,rademacher"}, scheduler="serial",
              exact=True)
    assert a.drop(columns=["elapsed_s", "seconds"]).equals(b.drop(columns=["elapsed_s", "seconds"]))
    # each row is the single call with its seed
    row = a.iloc[3]
    assert f"--seed={seeds[3]}" in row["call"]
    one = single(capsys, argv_of(row["call"]))
    assert row["eigenvalues"] == one["eigenvalues"] and int(row["result.seed"]) == seeds[3]
    # different points draw different matrices; another root gives other seeds
    assert a["eigenvalues"].nunique() == 4
    c = sweep("sample", ["relu", "--psi", "1", "--n0", "24"], {"phi": "1,2"}, scheduler="serial")
    assert list(c["seed"]) == spawn_seeds(0, 2)
    # a seed grid sets the seeds by hand (no spawning)
    d = sweep("sample", ["relu", "--psi", "1", "--n0", "24", "--phi", "1"], {"seed": "3,4"},
              scheduler="serial", exact=True)
    assert list(d["seed"]) == ["3", "4"] and "--seed=3" in d["call"][0]


# ----------------------------------------------------------------------------- Dask paths

def test_remote_path_through_a_scheduler_address():
    from distributed import LocalCluster

    grid = {"sigma-w": "0.8,1.6", "sigma-b": "0.2,0.6"}
    serial = sweep("signal", ["erf"], grid, scheduler="serial", exact=True)
    # an in-process cluster listening on TCP: the sweep reaches it only through its address
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                      dashboard_address=":0") as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        remote = sweep("signal", ["erf"], grid, scheduler=cluster.scheduler_address, exact=True)
    s = remote.attrs["sweep"]
    assert s["executor"].startswith(f"Dask scheduler at {cluster.scheduler_address}") and s["workers"] == 2
    assert remote.drop(columns="elapsed_s").equals(serial.drop(columns="elapsed_s"))


def test_default_local_cluster_of_processes_cli(tmp_path, capsys):
    out = tmp_path / "sig.parquet"
    fig = tmp_path / "chi1.png"
    code = main(["sweep", "signal", "erf", "--grid", "sigma-w=0.8:2:3", "--sigma-b", "0.3",
                 "--grid", "sigma-b=0.1,0.5", "--output", str(out), "--workers", "2", "--json",
                 "--plot", str(fig), "--plot-value", "chi1"])
    captured = capsys.readouterr()
    assert code == 2 and "given both" in captured.err and not out.exists() and not fig.exists()
    code = main(["sweep", "signal", "erf", "--grid", "sigma-w=0.8:2:3", "--grid", "sigma-b=0.1,0.5",
                 "--output", str(out), "--workers", "2", "--json", "--plot", str(fig),
                 "--plot-value", "chi1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    d = json.loads(captured.out)
    assert d["executor"] == "local Dask cluster (2 worker processes)" and d["points"] == 6
    assert d["errors"] == 0 and d["plot"] == str(fig) and fig.stat().st_size > 10_000
    table = pd.read_parquet(out)
    serial = sweep("signal", ["erf"], {"sigma-w": "0.8:2:3", "sigma-b": "0.1,0.5"}, scheduler="serial",
                   exact=True)
    assert read_table(str(out)).drop(columns="elapsed_s").equals(serial.drop(columns="elapsed_s"))
    # one point against a fresh `rmtsym` process (no state shared with the workers)
    row = table.iloc[5]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run([sys.executable, "-m", "rmtsym", *argv_of(row["call"])], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120)
    assert res.returncode == 0 and flatten(json.loads(res.stdout))["chi1"] == row["chi1"]


# ----------------------------------------------------------------------------- CLI input errors

@pytest.mark.parametrize("words, message", [
    (["nosuch", "--grid", "a=1"], "unknown command"),
    (["signal", "tanh", "--grid", "sigma-w=1:2"], "START:STOP:NUM"),
    (["signal", "tanh", "--grid", "sigma=1,2"], "not an argument"),
    (["signal", "tanh", "--grid", "sigma-w=1:2:1000", "--grid", "sigma-b=0:1:1000"], "max-points"),
    (["signal", "tanh", "--grid", "sigma-w=1,2", "--output", "/no/such/folder/x.csv"], "does not exist"),
    (["signal", "tanh", "--grid", "sigma-w=1,2", "--output", "{tmp}/x.txt"], ".csv or .parquet"),
    (["signal", "tanh", "--grid", "sigma-w=1,2"], "--output"),
    (["signal", "tanh"], "--grid"),
    (["signal", "tanh", "--grid", "sigma-w=1,2", "--workers", "0"], "at least 1"),
    (["signal", "tanh", "--grid", "sigma-w=1,2", "--plot", "{tmp}/x.png"], "two grid axes"),
    (["signal", "tanh", "--grid", "sigma-w=1,2", "--grid", "sigma-b=0,1", "--plot", "{tmp}/x.gif"], "figure file"),
    (["signal", "tanh", "--grid", "sigma-w=1,2", "--scheduler", "tcp://10.0.0.1:8786", "--workers", "2"],
     "own workers"),
])
def test_cli_bad_input_exits_2_before_any_cluster(words, message, tmp_path, capsys, monkeypatch):
    import rmtsym.sweep.executors as ex

    def no_cluster(self):
        raise AssertionError("a cluster was started")

    monkeypatch.setattr(ex.DaskExecutor, "__enter__", no_cluster)
    words = [w.replace("{tmp}", str(tmp_path)) for w in words]
    if "--output" not in words and message != "--output":
        words += ["--output", str(tmp_path / "x.csv")]
    code = main(["sweep", *words])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert os.listdir(tmp_path) == []


def test_cli_text_summary_and_xarray(tmp_path, capsys):
    out = tmp_path / "m.csv"
    code = main(["sweep", "memorization", "relu", "--psi", "1", "--dps", "15", "--grid", "phi=0.5,2",
                 "--grid", "gamma=0.1,1,10", "-o", str(out), "--scheduler", "serial"])
    text = capsys.readouterr().out
    assert code == 0
    assert "6 computed, 0 resumed from the file, 0 with an error" in text and "serial" in text
    frame = to_numeric(read_table(str(out)))
    frame.attrs["grid"] = ["phi", "gamma"]
    ds = to_xarray(frame)
    assert dict(ds.sizes) == {"phi": 2, "gamma": 3}
    assert float(ds["train_loss.0"].sel(phi=2.0, gamma=10.0)) == pytest.approx(
        float(frame.loc[(frame.phi == 2) & (frame.gamma == 10), "train_loss.0"].iloc[0]))


def test_heat_map_of_a_categorical_column_with_error_cells(tmp_path):
    from rmtsym.export.sweep_figures import default_value_column, plot_heatmap

    # ReLU: ordered for σw² < 2, critical at σw² = 2 and σb = 0, no fixed point beyond
    frame = sweep("signal", ["relu"], {"sigma-w": "1,1.4142135623730951,1.6", "sigma-b": "0,0.4"},
                  scheduler="serial")
    assert default_value_column(frame, ["sigma-w", "sigma-b"]) == "q_star"
    assert list(frame["phase"].fillna("-")) == ["ordered", "ordered", "critical", "-", "-", "-"]
    fig = plot_heatmap(frame, "sigma-w", "sigma-b", "phase", path=str(tmp_path / "phase.png"))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["critical", "ordered", "error (3 points)"]
    assert (tmp_path / "phase.png").stat().st_size > 5_000
