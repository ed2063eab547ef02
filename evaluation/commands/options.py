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


#: Environment variable naming the default ledger (a SQLite path or a database URL).
LEDGER_ENV = "ROLINDEX_LEDGER"


def add_ledger(p: argparse.ArgumentParser) -> None:
    """``--ledger``: the submission ledger, a SQLite file/folder or ``postgresql://…`` URL."""
    import os

    p.add_argument("--ledger", "-l", default=os.environ.get(LEDGER_ENV, "ledger.sqlite"),
                   help="报送台账：SQLite 文件或 postgresql://… / the submission ledger: a SQLite file (or folder) "
                        f"or a postgresql://… URL (default: ${LEDGER_ENV} or ./ledger.sqlite)")
