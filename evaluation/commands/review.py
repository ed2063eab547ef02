"""``rolindex review``: record a 复核 decision (accept / adjust / reject) on one figure."""

from __future__ import annotations

import argparse

from .options import OK, add_ledger

HELP = "复核：接受、调整或否决某项数据 / review: accept, adjust or reject one figure (recorded, never overwritten)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """District, year, figure, one decision, reviewer and reason."""
    add_ledger(p)
    p.add_argument("--district", "-d", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--figure", required=True, help="figure id")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--accept", action="store_true", help="确认 / confirm the submitted value")
    g.add_argument("--adjust", metavar="VALUE", help="调整为 / replace it by VALUE (as written: 95%%, 2,162)")
    g.add_argument("--reject", action="store_true", help="否决 / treat the figure as not submitted")
    p.add_argument("--reviewer", required=True, help="复核人 / reviewer")
    p.add_argument("--reason", required=True, help="理由 / why")


def _run(args: argparse.Namespace) -> int:
    from indicators.submission import parse_value

    from ..ledger import open_ledger
    from ..ledger.store import add_review

    decision = "adjust" if args.adjust is not None else "accept" if args.accept else "reject"
    value = parse_value(args.adjust).value if args.adjust is not None else None
    with open_ledger(args.ledger, create=False) as ledger:
        rid = add_review(ledger, args.district, args.year, args.figure, decision, reviewer=args.reviewer,
                         reason=args.reason, text=args.adjust, value=value)
    what = f"{decision} {args.adjust}" if args.adjust is not None else decision
    print(f"已记录复核 #{rid} / review #{rid} recorded: {args.district} {args.year} {args.figure}: {what} "
          f"({args.reviewer}: {args.reason})")
    return OK


def run(args: argparse.Namespace) -> int:
    """Record the decision."""
    from .ledger_common import guarded

    return guarded(_run, args)
