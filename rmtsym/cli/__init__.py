"""The ``rmtsym`` command line: argument parsing and output only, no mathematics.

Each subcommand group lives in its own module of this package and exposes
``register(subparsers)``, which adds one or more parsers and sets ``handler=`` to a function
``handler(args) -> dict``. The modules are discovered automatically. A module may also set

* ``SECTION`` — where ``rmtsym --help`` lists its commands: one of :data:`SECTIONS`
  ("single layer", "deep networks", "generalization", "loss surfaces", "export", "tools");
  a module without it is listed under "tools";
* ``ORDER`` — an int placing it within its section (pipeline order; default 100, then by
  module name); a module's commands keep the order in which it registers them.

``rmtsym --help`` prints the sections in that order, each command with its one-line help.
It imports every command module, so a module imports SymPy and numpy only inside its
handlers, never at module level (``python -X importtime -m rmtsym --help`` shows it).

With ``--json`` a subcommand prints exactly one JSON object on stdout and nothing
else; high-precision numbers are JSON strings of decimal digits. Without it the same
payload is printed as a short, aligned summary: the handler puts it under the payload's
``_text`` key (which ``--json`` never prints), else :func:`rmtsym.cli._format.generic`
renders the payload. Any user error is printed to
stderr as one sentence and the exit code is 2; no traceback ever leaks.
"""
from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import textwrap
from typing import Callable, Dict, List, Optional, Sequence

from ..errors import ParameterError, RmtsymError


#: the sections of ``rmtsym --help``, in pipeline order
SECTIONS = ("single layer", "deep networks", "generalization", "loss surfaces", "export", "tools")
#: the section of a command module that sets no ``SECTION``
DEFAULT_SECTION = "tools"
#: the place within its section of a command module that sets no ``ORDER``
DEFAULT_ORDER = 100


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one sentence on stderr and exit code 2."""

    def error(self, message):  # pragma: no cover - exercised through main()
        raise RmtsymError(f"{self.prog}: {message}")


class _TopParser(_Parser):
    """The ``rmtsym`` parser: its help lists the commands by section (see :data:`SECTIONS`)."""

    sections: Dict[str, List[str]] = {}

    def format_help(self) -> str:
        sub = next(a for a in self._actions if isinstance(a, argparse._SubParsersAction))
        helps = {a.dest: (a.help or "") for a in sub._choices_actions}
        width = max(40, shutil.get_terminal_size().columns - 2)
        names = [n for cmds in self.sections.values() for n in cmds]
        col = min(max((len(n) for n in names), default=8) + 4, 18)
        out = [self.format_usage().rstrip(), "", self.description or "", ""]
        for section in SECTIONS:
            cmds = self.sections.get(section)
            if not cmds:
                continue
            out.append(f"{section}:")
            for name in cmds:
                text = helps.get(name, "")
                head = f"  {name}"
                lines = textwrap.wrap(text, width - col, break_on_hyphens=False) or [""]
                if len(head) + 2 > col:
                    out.append(head)
                    out.extend(" " * col + ln for ln in lines)
                else:
                    out.append(head.ljust(col) + lines[0])
                    out.extend(" " * col + ln for ln in lines[1:])
            out.append("")
        out.append("options:")
        out.append("  -h, --help".ljust(col) + "show this help message and exit")
        out.append("")
        out.append("rmtsym COMMAND --help shows the options of a command.")
        return "\n".join(out) + "\n"


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Add the common ``--json`` flag."""
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object on stdout and nothing else")


def add_precision_flag(parser: argparse.ArgumentParser, default: int = 30) -> None:
    """Add the common ``--dps`` flag (decimal digits of working precision)."""
    parser.add_argument("--dps", type=int, default=default,
                        help=f"decimal digits of precision (default {default})")


def add_sigma_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--sigma-w`` and ``--sigma-x`` (weight and data scales, default 1)."""
    parser.add_argument("--sigma-w", default="1", help="weight scale σw (default 1)")
    parser.add_argument("--sigma-x", default="1", help="data scale σx (default 1)")


def parse_int(text, name: str, minimum: int) -> int:
    """A whole-number option (``--seeds 4``) of at least ``minimum``, or a one-sentence error."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ParameterError(f"{name} must be a whole number, got {text!r}") from None
    if value < minimum:
        raise ParameterError(f"{name} must be at least {minimum}, got {value}")
    return value


def parse_number_list(text: str, name: str) -> list:
    """Parse a comma-separated list of numbers (``--at 0.1,0.5,2``) into strings.

    The strings are returned unconverted so that high-precision callers can read them
    with ``mpmath.mpf``; each is checked to be a finite real number.
    """
    import mpmath

    items = [s.strip() for s in str(text).split(",")]
    if not any(items):
        raise RmtsymError(f"{name} needs at least one number")
    if not all(items):
        raise RmtsymError(f"{name} has an empty item in {text!r} (two commas in a row, or a comma at an end)")
    for s in items:
        try:
            v = mpmath.mpf(s)
        except (ValueError, TypeError):
            raise RmtsymError(f"{name} must be a comma-separated list of numbers; {s!r} is not a number")
        if not mpmath.isfinite(v):
            raise RmtsymError(f"{name} must hold finite numbers; got {s!r}")
    return items


def _section_of(module) -> str:
    section = getattr(module, "SECTION", DEFAULT_SECTION)
    if section not in SECTIONS:
        raise RmtsymError(f"internal: {module.__name__} has SECTION = {section!r}, not one of "
                          + ", ".join(SECTIONS))
    return section


def _submodule_names() -> list:
    """The modules and subpackages of this package, from its folder (what
    ``pkgutil.iter_modules`` lists, without importing :mod:`inspect`: 5 ms of ``--help``)."""
    names = set()
    for folder in __path__:
        for entry in os.listdir(folder):
            path = os.path.join(folder, entry)
            if entry.endswith(".py") and entry != "__init__.py" and os.path.isfile(path):
                names.add(entry[:-3])
            elif os.path.isfile(os.path.join(path, "__init__.py")) and entry.isidentifier():
                names.add(entry)
    return sorted(n for n in names if n.isidentifier())


def command_modules() -> list:
    """The command modules of this package, in the order of ``rmtsym --help``: by section
    (:data:`SECTIONS`), then ``ORDER``, then name."""
    modules = []
    for name in _submodule_names():
        if name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        if getattr(module, "register", None) is not None:
            modules.append(module)
    return sorted(modules, key=lambda m: (SECTIONS.index(_section_of(m)),
                                          getattr(m, "ORDER", DEFAULT_ORDER), m.__name__))


def _module_of(command: Optional[str]):
    """The command module named like ``command`` when it registers that command (``spectrum``
    → :mod:`rmtsym.cli.spectrum`), else None."""
    if not command or command.startswith("_") or not command.isidentifier():
        return None
    if command not in _submodule_names():
        return None
    module = importlib.import_module(f"{__name__}.{command}")
    return module if getattr(module, "register", None) is not None else None


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The ``rmtsym`` parser with every command; with ``command``, the parser of that
    command's module alone when the module carries its name (argparse builds some twenty
    subparsers in a few tens of milliseconds, a tenth of a short command's time). Parsing a
    command line that starts with ``command`` gives the same namespace either way."""
    parser = _TopParser(prog="rmtsym",
                        description="Symbolic-numeric theory of the random matrices of neural networks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    sections: Dict[str, List[str]] = {}
    own = _module_of(command)
    if own is not None:
        own.register(sub)
        if command in sub.choices:
            parser.sections = {_section_of(own): list(sub.choices)}
            return parser
        return build_parser()
    for module in command_modules():
        before = set(sub.choices)
        register: Callable = module.register
        register(sub)
        added = [name for name in sub.choices if name not in before]
        sections.setdefault(_section_of(module), []).extend(added)
    parser.sections = sections
    return parser


def _text(payload) -> str:
    from ._format import generic

    return generic(payload) if isinstance(payload, dict) else str(payload)


_NEGATIVE_VALUE = None


def _join_negative_values(argv: list) -> list:
    """``--at -1,0.5`` → ``--at=-1,0.5``: argparse takes a value that starts with '-' for an
    option unless it is one plain number; lists of numbers starting with a negative one are
    joined to their option here, so both spellings work."""
    import re

    global _NEGATIVE_VALUE
    if _NEGATIVE_VALUE is None:
        _NEGATIVE_VALUE = re.compile(r"^-(\d|\.\d)[\d.eE+\-]*(,[^,]*)*$")
    out = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if (tok.startswith("--") and "=" not in tok and i + 1 < len(argv)
                and _NEGATIVE_VALUE.match(argv[i + 1]) and "," in argv[i + 1]):
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``rmtsym`` console script; returns the exit code."""
    try:
        if argv is None:
            argv = sys.argv[1:]
        argv = list(argv)
        parser = build_parser(argv[0] if argv else None)
        if not argv or argv[0] in ("-h", "--help"):
            parser.print_help()
            return 0
        args = parser.parse_args(_join_negative_values(list(argv)))
        payload = args.handler(args)
    except SystemExit as exc:  # --help inside a subcommand
        return int(exc.code or 0)
    except RmtsymError as exc:
        print(f"rmtsym: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rmtsym: error: interrupted", file=sys.stderr)
        return 2
    except Exception as exc:  # never leak a traceback
        print(f"rmtsym: error: internal error ({type(exc).__name__}: {exc}); please report it",
              file=sys.stderr)
        return 2
    try:
        text = payload.pop("_text", None) if isinstance(payload, dict) else None
        if getattr(args, "json", False):
            import json

            print(json.dumps(payload))
        else:
            print(text if text is not None else _text(payload))
        sys.stdout.flush()
    except BrokenPipeError:  # output cut short (``rmtsym ... | head``): not an error
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:  # pragma: no cover
            pass
    return 0


__all__ = ["main", "build_parser", "command_modules", "SECTIONS", "add_json_flag", "add_precision_flag", "add_sigma_flags",
           "parse_int", "parse_number_list"]
