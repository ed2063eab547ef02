"""The ``rolindex`` commands: one module per command, each with ``HELP``, ``add_arguments`` and ``run``.

A command module exposes

- ``HELP``: a one-line bilingual summary (Chinese first) shown by ``rolindex --help``;
- ``add_arguments(parser)``: its options (shared ones from :mod:`evaluation.commands.options`);
- ``run(args) -> int``: the work, returning an exit code from :mod:`evaluation.commands.options`.

:data:`COMMANDS` lists them by name; :mod:`evaluation.cli` imports a module only when its command
runs, so ``rolindex --help`` stays instant.
"""

from __future__ import annotations
