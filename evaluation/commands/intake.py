"""``rolindex intake FILES… | FOLDER``: read returned forms and submissions, validate, record them in the ledger."""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import FAILED, OK, add_framework, add_ledger

HELP = "收取报送：校验并记入台账，逐区反馈 / returns in: validate, record in the ledger, feedback per district"



def add_arguments(p: argparse.ArgumentParser) -> None:
    """Files or folders, ``--ledger``, ``--submitted-by``, ``--framework``, ``--year``, ``--out``, ``--workers``."""
    p.add_argument("files", nargs="+", help="returned forms, CSV/XLSX submissions, or folders of them")
    add_ledger(p)
    add_framework(p)
    p.add_argument("--year", type=int, help="本次收取的年度 / the year collected (returns of another year are "
                                            "rejected; registered districts without a return are listed)")
    p.add_argument("--submitted-by", default="", help="报送人/渠道 / who submitted (recorded with each file)")
    p.add_argument("--out", "-o", help="反馈表（仅有问题的文件）与 intake_summary.csv / feedback workbooks (files with "
                                       "problems only) and intake_summary.csv (default: feedback/ beside the ledger)")
    p.add_argument("--workers", "-j", type=int, help="processes reading files (default: the cores)")


def _run(args: argparse.Namespace) -> int:
    from indicators import load_framework
    from indicators.outputs import write_csv

    from ..ledger import open_ledger
    from ..ledger.intake import find_returns, intake, summary

    files = find_returns(args.files)
    fw = load_framework(args.framework)
    with open_ledger(args.ledger) as ledger:
        out = Path(args.out) if args.out else (
            Path(ledger.url.removeprefix("sqlite:///")).parent / "feedback" if ledger.dialect == "sqlite"
            else Path("feedback"))
        outcomes = intake(ledger, files, str(Path(args.framework)) if Path(args.framework).is_file()
                          else fw, year=args.year, submitted_by=args.submitted_by, feedback_dir=out,
                          workers=args.workers)
        table = summary(ledger, outcomes, fw, args.year)
    write_csv(table, out / "intake_summary.csv")
    show = table.drop(columns=["first_problem"]).fillna("")
    print(show.to_string(index=False) if len(show) else "(nothing to read)")
    new = sum(o.new for o in outcomes)
    rejected = [o for o in outcomes if o.status == "rejected"]
    fed = len({o.feedback for o in outcomes if o.feedback})
    print(f"\n{len(files)} 个文件，新记录 {new} 份，拒收 {len(rejected)} 份，反馈表 {fed} 份（仅有问题的文件）"
          f" / {len(files)} file(s), {new} new submission(s), {len(rejected)} rejected, {fed} feedback "
          f"workbook(s) for files with problems (none for files without) — {ledger.url}; "
          f"summary: {out / 'intake_summary.csv'}")
    for o in rejected:
        print(f"  拒收 / rejected: {o.file} ({o.district or '?'} {o.year or ''}): {o.first_problem}")
    return FAILED if rejected else OK


def run(args: argparse.Namespace) -> int:
    """Intake; exit 1 when any file was rejected."""
    from .ledger_common import guarded

    return guarded(_run, args)
