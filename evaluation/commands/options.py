"""Options and exit codes shared by every ``rolindex`` command."""

from __future__ import annotations

import argparse

from .. import paths

#: Exit codes, the same for every command.
OK = 0  # success
FAILED = 1  # validation, scoring or a report failed (the message says which)
USAGE = 2  # bad usage: unknown option, file or year (argparse uses 2 as well)
TOLERANCE = 3  # a reproduction or replay outside its tolerance


def add_framework(p: argparse.ArgumentParser) -> None:
    """``--framework/-f``: a framework YAML path or a name in data/frameworks."""
    p.add_argument("--framework", "-f", default=str(paths.DEFAULT_FRAMEWORK),
                   help="框架 YAML 或 data/frameworks 中的名称 / framework YAML or a name in data/frameworks "
                        "(default: district_rol)")


def add_methodology(p: argparse.ArgumentParser) -> None:
    """``--methodology/-m``: a methodology YAML path or a name in data/methodologies."""
    p.add_argument("--methodology", "-m", default=str(paths.DEFAULT_METHODOLOGY),
                   help="方法 YAML 或 data/methodologies 中的名称 / methodology YAML or a name in "
                        "data/methodologies (default: baseline)")
