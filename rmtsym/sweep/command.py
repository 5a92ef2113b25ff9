"""The subcommand a sweep runs: which one, which of its arguments a grid may name, and the
exact command line of each point.

How grid names map to the subcommand's arguments
-------------------------------------------------
- ``NAME`` is a long option of the subcommand without its two dashes: ``sigma-w`` is
  ``--sigma-w``; the Python spelling ``sigma_w`` is accepted for it too. The point gets
  ``--sigma-w=VALUE`` (the ``=`` form, so that negative values need no care).
- A flag (an option that takes no value, such as ``--orthogonal``) takes the values
  ``true``/``false`` (also ``yes``/``no``, ``1``/``0``, ``on``/``off``): present or absent.
- ``NAME`` may also be a positional argument, by the name its help shows
  (``activation=tanh,relu,erf``); the swept positionals must then be left out of ARGS and
  be the first positionals of the command (every command here has one).
- The sweep's own options (``--grid``, ``--output``, ``--scheduler``, ``--workers``,
  ``--max-points``, ``--plot``, ``--plot-value``, ``--json``) are never handed on; every point
  is run with ``--json``.
- For a command with a ``--seed`` option (a simulation: ``sample``, ``validate``,
  ``memorization --simulate``, ...) and no ``seed`` grid, point i gets its own seed from
  ``numpy.random.SeedSequence(ROOT).spawn(N)[i]`` (a 63-bit integer), ROOT being the
  ``--seed`` given in ARGS (default 0); a ``seed`` grid sets the seeds by hand instead.
"""
from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from ..errors import ParameterError, RmtsymError

__all__ = ["REFUSED", "SWEEP_OPTIONS", "Command", "resolve_command", "spawn_seeds"]

#: subcommands a sweep will not run, with the reason given to the user
REFUSED: Dict[str, str] = {
    "report": "it writes a document file rather than numbers",
    "sweep": "a sweep cannot run a sweep",
}

#: the sweep's own options and whether each takes a value (never handed to the subcommand)
SWEEP_OPTIONS: Dict[str, bool] = {
    "--grid": True, "--output": True, "-o": True, "--scheduler": True, "--workers": True,
    "--max-points": True, "--plot": True, "--plot-value": True, "--json": False,
}

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}
_VALUELESS = (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._StoreConstAction,
              argparse._CountAction)


def _parser():
    from ..cli import build_parser
    return build_parser()


def _subparsers(parser) -> dict:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    raise RmtsymError("the rmtsym parser has no subcommands")  # pragma: no cover


@dataclass
class _Target:
    """What a grid name refers to: an option (``option`` = '--sigma-w') or a positional."""
    action: argparse.Action
    option: Optional[str]
    flag: bool
    positional_index: Optional[int] = None


@dataclass
class Command:
    """A subcommand ready to be swept: ``name``, the ``base`` arguments common to every point,
    the grid ``targets``, and the root seed when the points get spawned seeds."""
    name: str
    base: List[str]
    axes: list
    targets: Dict[str, _Target]
    seed_root: Optional[int] = None
    parser: object = field(default=None, repr=False)

    @property
    def spawns_seeds(self) -> bool:
        return self.seed_root is not None

    def argv(self, point: dict, seed: Optional[int] = None) -> List[str]:
        """The command line (without the program name) of one point."""
        positionals = sorted((t.positional_index, point[name]) for name, t in self.targets.items()
                             if t.option is None)
        out = [self.name] + [v for _, v in positionals] + list(self.base)
        for ax in self.axes:
            t = self.targets[ax.name]
            if t.option is None:
                continue
            value = point[ax.name]
            if t.flag:
                if value.lower() in _TRUE:
                    out.append(t.option)
            else:
                out.append(f"{t.option}={value}")
        if seed is not None:
            out.append(f"--seed={seed}")
        out.append("--json")
        return out

    def call(self, argv: Sequence[str]) -> str:
        """The single call a point equals, as a shell command line."""
        return "rmtsym " + shlex.join(argv)

    def check_point(self, point: dict) -> None:
        """Parse the command line of one point (argparse only, nothing is computed)."""
        argv = self.argv(point, 0 if self.spawns_seeds else None)
        try:
            self.parser.parse_args(argv)
        except SystemExit:
            raise RmtsymError(f"{self.name}: its arguments asked for help or exited; "
                              "give the arguments of one computation") from None


def _options_of(sub) -> dict:
    """{'sigma-w': action, ...} for the long options; {'activation': (index, action)} positionals."""
    options, positionals = {}, []
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings:
            for s in action.option_strings:
                if s.startswith("--"):
                    options[s[2:]] = action
        else:
            positionals.append(action)
    return options, positionals


def _given(base: Sequence[str], action) -> bool:
    for tok in base:
        for s in action.option_strings:
            if tok == s or (s.startswith("--") and tok.startswith(s + "=")):
                return True
    return False


def _take_seed(base: List[str]) -> (List[str], Optional[str]):
    """Remove ``--seed N`` / ``--seed=N`` from the base arguments; return the rest and N."""
    rest, value, i = [], None, 0
    while i < len(base):
        tok = base[i]
        if tok == "--seed":
            if i + 1 >= len(base):
                raise ParameterError("--seed needs a value")
            value = base[i + 1]
            i += 2
            continue
        if tok.startswith("--seed="):
            value = tok.split("=", 1)[1]
            i += 1
            continue
        rest.append(tok)
        i += 1
    return rest, value


def spawn_seeds(root: int, n: int) -> List[int]:
    """Independent seeds of the n points: ``SeedSequence(root).spawn(n)``, each child reduced
    to one 63-bit integer (two 32-bit words of its state)."""
    import numpy as np
    children = np.random.SeedSequence(root).spawn(n)
    out = []
    for c in children:
        w = c.generate_state(2, dtype=np.uint32)
        out.append(((int(w[1]) << 32) | int(w[0])) & ((1 << 63) - 1))
    return out


def resolve_command(command: str, args: Sequence[str], axes: list) -> Command:
    """Check the subcommand, the base arguments and the grid names; one sentence when wrong.

    Raises
    ------
    RmtsymError
        Unknown or refused command, a command without ``--json``, a grid name that is not an
        argument of the command, a grid also given in ARGS, a swept positional after an
        unswept one, or a base argument list that the command's parser rejects.
    """
    parser = _parser()
    subs = _subparsers(parser)
    if not isinstance(command, str) or command not in subs:
        known = ", ".join(sorted(n for n in subs if n not in REFUSED))
        raise RmtsymError(f"unknown command {command!r} for a sweep (one of: {known})")
    if command in REFUSED:
        raise RmtsymError(f"'{command}' cannot be swept: {REFUSED[command]}")
    sub = subs[command]
    options, positionals = _options_of(sub)
    if "json" not in options:
        raise RmtsymError(f"'{command}' cannot be swept: it has no --json output")
    base = [str(a) for a in args]
    for tok in base:
        name = tok.split("=", 1)[0]
        if name in SWEEP_OPTIONS and name not in ("--json",):
            raise RmtsymError(f"{name} is an option of the sweep itself; give it outside the command's arguments")
    base = [t for t in base if t != "--json"]
    seed_root = None
    has_seed = "seed" in options
    swept = {ax.name.replace("_", "-") for ax in axes}
    if has_seed and "seed" not in swept:
        base, root_text = _take_seed(base)
        try:
            seed_root = int(root_text) if root_text is not None else 0
        except ValueError:
            raise ParameterError(f"--seed must be a whole number, got {root_text!r}") from None
        if seed_root < 0:
            raise ParameterError(f"--seed must be at least 0, got {seed_root}")
    targets: Dict[str, _Target] = {}
    pos_names = [p.metavar if isinstance(p.metavar, str) else p.dest for p in positionals]
    for ax in axes:
        key = ax.name
        action = options.get(key) or options.get(key.replace("_", "-"))
        if action is not None and key not in ("json", "help"):
            option = "--" + (key if key in options else key.replace("_", "-"))
            flag = isinstance(action, _VALUELESS)
            if flag:
                bad = [v for v in ax.values if v.lower() not in _TRUE | _FALSE]
                if bad:
                    raise ParameterError(f"grid {key}: {option} is a flag and takes true/false, got {bad[0]!r}")
            elif action.choices is not None:
                bad = [v for v in ax.values if v not in [str(c) for c in action.choices]]
                if bad:
                    raise ParameterError(f"grid {key}: {bad[0]!r} is not one of "
                                         + ", ".join(str(c) for c in action.choices))
            if _given(base, action):
                raise RmtsymError(f"{option} is given both in the arguments of '{command}' and as a grid")
            targets[key] = _Target(action, option, flag)
            continue
        hit = [i for i, p in enumerate(positionals)
               if key in (p.dest, pos_names[i], pos_names[i].lower())]
        if hit:
            targets[key] = _Target(positionals[hit[0]], None, False, hit[0])
            continue
        names = sorted(n for n in options if n not in ("json", "help"))
        names = [p for p in pos_names] + names
        raise RmtsymError(f"grid {key!r} is not an argument of '{command}' (its arguments: "
                          + ", ".join(names) + ")")
    swept_pos = sorted(t.positional_index for t in targets.values() if t.option is None)
    if swept_pos and swept_pos != list(range(len(swept_pos))):
        raise RmtsymError(f"only the first positional arguments of '{command}' can be swept")
    return Command(command, base, list(axes), targets, seed_root, parser)
