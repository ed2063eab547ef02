"""``rolindex publish --year Y``: freeze the year's figures, scores, reports and index page as the next edition."""

from __future__ import annotations

import argparse

from .. import paths
from .options import FAILED, OK, add_framework, add_ledger, add_methodology

HELP = ("发布：冻结某年数据、得分、报告与索引页为新版次（附更正说明） / publish: freeze a year's figures, scores, "
        "reports and index page as the next edition (with a changelog)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``--year``, ``--as-of``, ``--ledger``, framework, methodology, ``--out``, note, by, lang, workers."""
    p.description = ("Write <out>/editions/<framework>/<year>/v<N>/ (figures.csv, scores.csv, every district report, "
                     "index.html, changelog from v2 on, edition.json, manifest.json with SHA-256 of every file) and "
                     "record the edition in the ledger. Reports of districts whose page would not change are "
                     "carried over from the previous edition; existing editions are never overwritten.")
    add_ledger(p)
    add_framework(p)
    add_methodology(p)
    p.add_argument("--year", "-y", type=int, required=True, help="assessment year")
    p.add_argument("--as-of", help="数据截至 / freeze the figures as they stood on this date (YYYY-MM-DD, end of day "
                                   "UTC) or instant, as `export --as-of` reads them (default: now)")
    p.add_argument("--out", "-o", default=str(paths.REPORTS),
                   help="base folder; editions go to <out>/editions/<framework>/<year>/v<N> (default: reports/)")
    p.add_argument("--note", default="", help="说明 / a note recorded with the edition (e.g. why it was re-issued)")
    p.add_argument("--by", default="", help="发布人 / who publishes (recorded in the ledger)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="zh: bilingual, Chinese first (default)")
    p.add_argument("--workers", "-j", type=int, help="report worker processes (default: the cores; 0 = in process)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _run(args: argparse.Namespace) -> int:
    import sys

    from ..editions import EditionError, publish

    try:
        done = publish(args.ledger, args.year, framework=args.framework, methodology=args.methodology, out=args.out,
                       note=args.note, created_by=args.by, workers=args.workers, lang=args.lang,
                       progress=not args.no_progress, as_of=args.as_of)
    except EditionError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return FAILED
    print(done.summary())
    return OK


def run(args: argparse.Namespace) -> int:
    """Publish the edition and print what was published."""
    from .ledger_common import guarded

    return guarded(_run, args)
