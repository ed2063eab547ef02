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
    p.add_argument("--problems-out", metavar="FILE.csv", type=Path,
                   help="把全部问题写入 CSV 文件 / write every problem (file, row, column, kind, message) to CSV")
    p.add_argument("--show", metavar="N", type=_positive, default=SHOW_PER_KIND,
                   help=f"每类问题最多列出 N 条，其余按列和类型计数（默认 {SHOW_PER_KIND}） / list at most N "
                        f"problems of each kind, count the rest by column and kind (default {SHOW_PER_KIND})")
    rollup_options.add_arguments(p, outputs=False)


#: Problems of one kind printed before the rest are only counted.
SHOW_PER_KIND = 20


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"应为正整数 / expected a positive whole number, got {text!r}")
    return n


def run(args: argparse.Namespace) -> int:
    """Validate submissions; exit 1 if any error (warnings do not fail)."""
    from indicators.submission import read_figures, validate

    fw = load_framework(args.framework)
    sub = read_figures(*args.files, encoding=args.encoding)
    report = validate(sub, fw)
    print(report.summary(limit=args.show))
    if args.problems_out is not None:
        path = report.write_problems(args.problems_out)
        n = len(report.errors) + len(report.warnings)
        print(f"全部 {n} 条问题已写入 {path} / all {n} problems written to {path}")
    mapped = rollup_options.report_mapping(sub, Path(args.rollup)) if args.rollup else True
    return 0 if report.ok and mapped else 1
