"""``rolindex validate``: check submitted figures and list every problem with file, row and column."""

from __future__ import annotations

import argparse
from pathlib import Path

from indicators import load_framework

from . import rollup_options
from .options import add_encoding, add_framework

HELP = ("校验报送数据，逐条列出问题（文件/行/列） / "
        "check submitted figures; list every problem with file/row/column")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The submissions, ``--framework`` and ``--rollup`` (without its outputs)."""
    p.add_argument("files", nargs="+", help="CSV or XLSX submissions (long or wide format)")
    add_framework(p)
    add_encoding(p)
    rollup_options.add_arguments(p, outputs=False)


def run(args: argparse.Namespace) -> int:
    """Validate submissions; exit 1 if any error (warnings do not fail)."""
    from indicators.submission import read_figures, validate

    fw = load_framework(args.framework)
    sub = read_figures(*args.files, encoding=args.encoding)
    report = validate(sub, fw)
    print(report.summary())
    mapped = rollup_options.report_mapping(sub, Path(args.rollup)) if args.rollup else True
    return 0 if report.ok and mapped else 1
