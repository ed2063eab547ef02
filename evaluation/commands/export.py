"""``rolindex export --year Y [--as-of DATE]``: the ledger's current figures as the long CSV every command reads."""

from __future__ import annotations

import argparse

from .options import OK, add_ledger

HELP = "导出：台账当前数据为长表 CSV / export the ledger's current figures as long CSV"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``--year``, ``--as-of``, ``--out``, ``--ledger``."""
    add_ledger(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--as-of", help="as they stood on this date (YYYY-MM-DD, end of day UTC) or instant")
    p.add_argument("--out", "-o", help="CSV file (default: print to stdout)")


def _run(args: argparse.Namespace) -> int:
    import sys

    from ..ledger import open_ledger
    from ..ledger.export import export_csv

    with open_ledger(args.ledger, create=False) as ledger:
        text = export_csv(ledger, args.year, args.out, args.as_of)
    if args.out:
        print(f"wrote {args.out} ({text.count(chr(10)) - 1} values)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return OK


def run(args: argparse.Namespace) -> int:
    """Write the CSV."""
    from .ledger_common import guarded

    return guarded(_run, args)
