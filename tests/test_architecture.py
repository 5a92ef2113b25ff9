"""The house rules that the file tree itself must keep (ARCHITECTURE.md, "Stages").

* Data flows one way: the package's import graph has no cycle, and a module never imports a
  module of a later stage of the pipeline.
* ``export/`` renders what it is handed: it imports no module that derives mathematics.
* No module is longer than about 800 lines.

The import graph is read from the source, not from ``sys.modules``: every ``.py`` file of
``rmtsym/`` is parsed with :mod:`ast` and every ``import``/``from … import`` statement is
collected — at module level and inside functions and methods alike, since a deferred import
still ties the two modules together. Relative imports are resolved against the importing
module's package. ``from package import name`` is an edge to ``package.name`` when that is a
module, else to the package (its ``__init__``). Importing ``a.b.c`` is an edge to ``a.b.c``
only: Python also runs the ``__init__`` of ``a.b`` on the way, but a package's ``__init__`` that
re-exports its own submodules would otherwise count as a cycle with each of them.

A module whose body replaces itself in ``sys.modules`` (``sys.modules[__name__] = other``) is an
old path kept for callers: it *is* the other module, and edges to it are edges to its target.
"""
from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "rmtsym"

#: the stages of the pipeline, first to last; a module may import modules of its own stage or
#: of an earlier one, never of a later one (the first match of a module's dotted name, or of
#: its longest listed prefix, decides)
STAGES = [
    ("foundation", ["rmtsym", "rmtsym.symbols", "rmtsym.errors", "rmtsym.numbers", "rmtsym.typeset",
                    "rmtsym.resources"]),
    ("activation", ["rmtsym.activation"]),
    ("gaussian moments", ["rmtsym.gaussian"]),
    ("spectral equation", ["rmtsym.algebraic", "rmtsym.pennington_worah", "rmtsym.moments"]),
    ("solver", ["rmtsym.solver"]),
    ("law", ["rmtsym.law"]),
    ("simulation", ["rmtsym.sampler", "rmtsym.sample_statistics", "rmtsym.validation"]),
    ("applications and networks", ["rmtsym.applications", "rmtsym.networks"]),
    ("export", ["rmtsym.export"]),
    ("documents", ["rmtsym.documents"]),
    # sweeps drive the command line (each point is one subcommand run in-process) and the
    # command line offers sweeps: one stage, the last
    ("cli", ["rmtsym.cli", "rmtsym.__main__", "rmtsym.sweep"]),
]

RANK = {prefix: rank for rank, (_name, prefixes) in enumerate(STAGES) for prefix in prefixes}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources():
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        out[_module_name(path)] = path
    return out


SOURCES = _sources()


def _is_package(name: str) -> bool:
    return SOURCES[name].name == "__init__.py"


def _resolve(importer: str, node) -> list:
    """Dotted names of the rmtsym modules one import statement refers to."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
        out = []
        for n in names:
            # ``import a.b.c`` binds ``a`` but loads a.b.c: the edge is to the deepest module
            while n and n not in SOURCES:
                n = n.rpartition(".")[0]
            if n:
                out.append(n)
        return out
    if node.level:
        package = importer if _is_package(importer) else importer.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    if not base.startswith("rmtsym"):
        return []
    out = []
    for alias in node.names:
        full = f"{base}.{alias.name}"
        if full in SOURCES:
            out.append(full)
        elif base in SOURCES:
            out.append(base)
    return out


def _alias_target(name: str, tree) -> str | None:
    """The module an old-path alias stands for (``sys.modules[__name__] = target``), or None."""
    replaces = any(isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Subscript) and "sys.modules" in ast.unparse(t.value)
        and "__name__" in ast.unparse(t.slice) for t in n.targets) for n in tree.body)
    if not replaces:
        return None
    targets = [m for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
               for m in _resolve(name, n)]
    assert len(targets) == 1, f"{name}: an alias module must import exactly one rmtsym module"
    return targets[0]


def _graph():
    trees = {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, path in SOURCES.items()}
    aliases = {name: t for name, tree in trees.items() if (t := _alias_target(name, tree))}

    def real(n):
        seen = set()
        while n in aliases and n not in seen:
            seen.add(n)
            n = aliases[n]
        return n

    edges = {}
    for name, tree in trees.items():
        if name in aliases:
            continue
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets.update(real(t) for t in _resolve(name, node))
        targets.discard(name)
        edges[name] = targets
    return edges, aliases


EDGES, ALIASES = _graph()


def _rank(name: str) -> int:
    probe = name
    while probe:
        if probe in RANK:
            return RANK[probe]
        probe = probe.rpartition(".")[0]
    raise AssertionError(f"{name} is in no stage: add it to STAGES (and to ARCHITECTURE.md)")


def _cycles(edges) -> list:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_graph_is_read():
    # the reader resolves what it should: relative, deferred, package and alias imports
    assert "rmtsym.algebraic" in EDGES["rmtsym.pennington_worah"]
    assert "rmtsym.sampler" in EDGES["rmtsym.validation"]                 # deferred, inside a function
    assert "rmtsym.cli" in EDGES["rmtsym.cli.spectrum"]                   # ``from . import add_json_flag``
    assert "rmtsym.moments.series" in EDGES["rmtsym.moments"]             # a package re-exporting
    assert ALIASES["rmtsym.applications.jacobian"] == "rmtsym.networks.jacobian"
    assert len(SOURCES) > 40


def test_no_import_cycle():
    assert _cycles(EDGES) == []


def test_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_module_has_a_stage():
    for name in SOURCES:
        _rank(name)


@pytest.mark.parametrize("stage", [name for name, _ in STAGES])
def test_no_import_of_a_later_stage(stage):
    bad = []
    for name, targets in EDGES.items():
        if STAGES[_rank(name)][0] != stage:
            continue
        for t in sorted(targets):
            if _rank(t) > _rank(name):
                bad.append(f"{name} ({STAGES[_rank(name)][0]}) imports {t} ({STAGES[_rank(t)][0]})")
    assert not bad, "\n".join(bad)


#: what export may import: the foundation, typesetting, the statistics of a handed sample, and
#: itself. Nothing that derives mathematics (activation, gaussian, algebraic, pennington_worah,
#: moments, solver, law, applications, networks) and nothing that samples: the caller
#: (rmtsym.documents, rmtsym.cli) obtains those results and hands them over.
EXPORT_MAY_IMPORT = {"rmtsym.symbols", "rmtsym.numbers", "rmtsym.errors", "rmtsym.typeset",
                     "rmtsym.sample_statistics"}


def test_export_derives_nothing():
    bad = []
    for name, targets in EDGES.items():
        if name != "rmtsym.export" and not name.startswith("rmtsym.export."):
            continue
        for t in sorted(targets):
            if t in EXPORT_MAY_IMPORT or t == "rmtsym.export" or t.startswith("rmtsym.export."):
                continue
            bad.append(f"{name} imports {t}")
    assert not bad, "\n".join(bad)


def test_sample_statistics_and_typeset_stay_pure():
    # what export may import must not reach back into the pipeline either
    for name in ("rmtsym.typeset", "rmtsym.sample_statistics"):
        assert EDGES[name] <= {"rmtsym.symbols", "rmtsym.numbers", "rmtsym.errors"}, (name, EDGES[name])


#: the longest a module may be (a file is a room with one purpose; split a longer one into a
#: package whose file names say what each part does)
MAX_LINES = 800

#: temporary exceptions, each with the reason (none today)
LONG_MODULES_ALLOWED: set = set()


def test_no_module_over_800_lines():
    long = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).as_posix()
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and rel not in LONG_MODULES_ALLOWED:
            long.append(f"{rel}: {n} lines")
    assert not long, "\n".join(long)
