"""Options and exit codes shared by every ``rolindex`` command."""

from __future__ import annotations

import argparse
from pathlib import Path

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


def methodology_name(value: str) -> str:
    """``value`` unchanged if it is a file or a name in data/methodologies; else a usage error (exit 2)
    naming the nearest methodology file, so ``-m baselin`` says "did you mean 'baseline'?"."""
    p = Path(value)
    if p.exists() or p.suffix or paths.resolve(value, paths.METHODOLOGIES).is_file():
        return value
    from indicators.errors import did_you_mean

    names = sorted(f.stem for f in paths.METHODOLOGIES.glob("*.yaml"))
    raise argparse.ArgumentTypeError(
        f"没有名为 {value!r} 的方法文件 / no methodology {value!r} in data/methodologies"
        f"{did_you_mean(value, names)}; available: {', '.join(names)}")


def add_encoding(p: argparse.ArgumentParser) -> None:
    """``--encoding``: the encoding of CSV submissions, instead of detecting it per file."""
    p.add_argument("--encoding", metavar="NAME",
                   help="CSV 文件的编码（默认逐个文件检测） / encoding of the CSV files, e.g. utf-8 or gbk "
                        "(default: detected per file; a file mixing encodings is an error)")


def add_methodology(p: argparse.ArgumentParser) -> None:
    """``--methodology/-m``: a methodology YAML path or a name in data/methodologies."""
    p.add_argument("--methodology", "-m", default=str(paths.DEFAULT_METHODOLOGY), type=methodology_name,
                   help="方法 YAML 或 data/methodologies 中的名称 / methodology YAML or a name in "
                        "data/methodologies (default: baseline)")
