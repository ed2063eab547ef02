"""The ``rolindex`` command (also ``python -m evaluation``): a table of commands, each in its own module.

The commands are listed in :data:`evaluation.commands.COMMANDS`; this module imports a command's
module only when that command runs, so ``rolindex --help`` loads neither pandas nor the library.

Exit codes (:mod:`evaluation.commands.options`): 0 success, 1 validation, scoring or a report failed
(an :class:`~indicators.IndicatorsError` or :class:`~evaluation.errors.EvaluationError`: the message
goes to stderr), 2 bad usage, 3 a reproduction or replay outside its tolerance.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Iterable, Sequence

from .commands import COMMANDS
from .commands.options import FAILED


def _command_of(argv: Sequence[str]) -> str | None:
    """The command named on the command line (its first word), or None (``--help``, nothing, a typo)."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def build_parser(load: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs).

    ``load``: the commands whose options are added (their modules imported); default every command.
    The others are listed with their summary only, which is all ``rolindex --help`` needs.
    """
    parser = argparse.ArgumentParser(
        prog="rolindex",
        description="区级法治建设评估指数 / District rule-of-law index: validate, score, report.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = set(COMMANDS if load is None else load)
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.help, description=command.help)
        if name in wanted:
            importlib.import_module(command.module).add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rolindex`` console script."""
    from_command_line = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    name = _command_of(argv)
    args = build_parser([] if name is None else [name]).parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command].module)
    if from_command_line:
        _freeze_startup_objects()
    from indicators.errors import IndicatorsError

    from .errors import EvaluationError

    try:
        return module.run(args)
    except (IndicatorsError, EvaluationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAILED
    except BrokenPipeError:  # ``rolindex score ... | head``: the reader left; no traceback
        _silence_stdout()
        return FAILED


def _freeze_startup_objects() -> None:
    """Exempt what the imports created from garbage collection (:func:`gc.freeze`), once per process.

    Module objects live until the interpreter exits, yet every full collection traverses them —
    including the ones the interpreter runs at exit, which for pandas' few hundred thousand objects
    took ~0.13 s of every command on the project machine (more than the rest of ``rolindex validate``).
    Frozen, they are skipped; objects the command itself creates are collected as usual. Only for
    a real command-line run: a test calling :func:`main` in-process keeps its collector untouched.
    """
    import gc

    gc.freeze()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush does not fail again (Python docs,
    "Note on SIGPIPE")."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
