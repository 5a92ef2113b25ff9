"""Pages generated from the package at every documentation build (see ``conf.py``).

* ``api/``: one page per module of ``rmtsym`` (autodoc of its docstrings);
* ``cli.md``: every subcommand's ``--help``, read from the argument parsers;
* ``gallery/index.md``: the derivation scripts' notes and figures kept in ``gallery/NAME/``.
"""
import argparse
import os
import pkgutil

#: modules documented in the API reference (private ``_x`` modules and old aliases left out)
SKIP = {"rmtsym.__main__", "rmtsym.cli.__main__", "rmtsym.applications.jacobian",
        "rmtsym.applications.signal_propagation", "rmtsym.applications.nngp",
        "rmtsym.applications.hessian", "rmtsym.export.latex", "rmtsym.export.report"}


def _write(path, text):
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
    if old != text:  # unchanged files keep their timestamps (incremental builds)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)


def modules():
    import rmtsym

    names = ["rmtsym"]
    for info in pkgutil.walk_packages(rmtsym.__path__, "rmtsym."):
        leaf = info.name.rsplit(".", 1)[1]
        if leaf.startswith("_") or info.name in SKIP:
            continue
        names.append(info.name)
    return sorted(names)


def write_api(docs):
    folder = os.path.join(docs, "api")
    os.makedirs(folder, exist_ok=True)
    names = modules()
    lines = ["API reference", "=============", "",
             "Every public module of the package, in pipeline order of its name, generated from the",
             "docstrings (formulas and the papers they come from; numpydoc style).", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    lines += [f"   {n}" for n in names]
    _write(os.path.join(folder, "index.rst"), "\n".join(lines) + "\n")
    for n in names:
        title = f"``{n}``"
        body = [title, "=" * len(title), "", f".. automodule:: {n}", ""]
        _write(os.path.join(folder, f"{n}.rst"), "\n".join(body))
    for old in os.listdir(folder):
        if old.endswith(".rst") and old != "index.rst" and old[:-4] not in names:
            os.remove(os.path.join(folder, old))


def write_cli(docs):
    from rmtsym.cli import SECTIONS, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = ["# Command-line reference", "",
           "Generated from the argument parsers at every build. Every command takes `--json`",
           "(exactly one JSON object on stdout; high-precision numbers as decimal strings); without",
           "it a short, aligned summary is printed. Errors are one sentence on stderr, exit code 2.",
           "", "```text", parser.format_help().rstrip(), "```", ""]
    for section in SECTIONS:
        for name in parser.sections.get(section, []):
            p = sub.choices[name]
            p.formatter_class = argparse.RawDescriptionHelpFormatter if name == "sweep" else argparse.HelpFormatter
            os.environ["COLUMNS"] = "100"
            out += [f"## `rmtsym {name}`", "", f"*{section}*", "", "```text", p.format_help().rstrip(), "```", ""]
    _write(os.path.join(docs, "cli.md"), "\n".join(out))


def write_gallery(docs):
    folder = os.path.join(docs, "gallery")
    names = sorted(d for d in os.listdir(folder) if os.path.isfile(os.path.join(folder, d, "note.md")))
    out = ["# Gallery: the derivation scripts", "",
           "Each script in `derivations/` reproduces a published result with the library and",
           "compares it with a simulation; these are its note and figures from a `--fast` run",
           "(small sizes: illustrative, not the full-size numbers). `python docs/gallery.py`",
           "reruns them all and refreshes this gallery; `python derivations/NAME.py` gives the full run.",
           "", "```{toctree}", ":maxdepth: 1", ""]
    out += [f"{n}/note" for n in names]
    out += ["```", ""]
    _write(os.path.join(folder, "index.md"), "\n".join(out))


def write_all(docs):
    write_api(docs)
    write_cli(docs)
    write_gallery(docs)
