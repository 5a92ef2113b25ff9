"""Sphinx configuration of the rmtsym documentation.

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` (needs the ``docs``
extra). Three pages are generated here from the package itself at every build, so they
cannot go stale: the API reference (one page per module, from the docstrings), the CLI
reference (from the argument parsers) and the gallery index (from ``docs/gallery/``,
the derivation scripts' figures and notes; ``python docs/gallery.py`` refreshes them).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import generate  # noqa: E402  (docs/generate.py)

project = "rmtsym"
author = "the rmtsym developers"
copyright = "rmtsym developers"
release = "0.1.0"

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax",
              "sphinx.ext.viewcode"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "README.md"]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
# members defined in each module only (a package's re-exports are documented where they live)
autodoc_default_options = {"members": True, "show-inheritance": False, "ignore-module-all": True}
autodoc_typehints = "none"
suppress_warnings = ["myst.header"]
html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "theory calculator for the random matrices of neural networks"}

generate.write_all(HERE)


def _escape_bars(app, what, name, obj, options, lines):
    """Docstrings write absolute values and norms as |x| and ‖x‖ in plain text; in
    reStructuredText |x| is a substitution. Escape the bars outside literal blocks and inline
    literals (tables are not used in docstrings)."""
    in_literal, indent = False, 0
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if in_literal:
            if stripped and len(line) - len(stripped) <= indent:
                in_literal = False
            else:
                continue
        if "|" in line and not stripped.startswith(">>>"):
            parts = line.split("``")
            for j in range(0, len(parts), 2):  # outside ``inline literals``
                parts[j] = parts[j].replace("|", "\\|")
            lines[i] = "``".join(parts)
        if stripped.endswith("::"):
            in_literal, indent = True, len(line) - len(stripped)


def setup(app):
    app.connect("autodoc-process-docstring", _escape_bars)
