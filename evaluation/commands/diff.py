"""``rolindex diff --year Y [--from EDITION|DATE] [--to …]``: what changed, from figures to every rank."""

from __future__ import annotations

import argparse

from .options import OK, add_framework, add_ledger, add_methodology

HELP = "变化：两个时点之间的数据、得分与排名变化 / diff: figures, scores and every rank between two points"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``--year``, ``--from``, ``--to``, ledger, framework, methodology, ``--out``."""
    add_ledger(p)
    add_framework(p)
    add_methodology(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--from", dest="start", help="起点：版次 (v1) 或日期 / edition (v1) or date (default: the first "
                                              "edition, else the beginning)")
    p.add_argument("--to", dest="end", help="终点：版次或日期 / edition or date (default: now)")
    p.add_argument("--out", "-o", help="also write the rank table (CSV)")


def _run(args: argparse.Namespace) -> int:
    import datetime as dt

    from indicators import load_framework, load_methodology
    from indicators.outputs import write_csv

    from .. import paths
    from ..ledger import open_ledger
    from ..ledger.diff import diff, render
    from ..ledger.store import editions, resolve_point

    fw = load_framework(args.framework)
    meth = load_methodology(paths.resolve(args.methodology, paths.METHODOLOGIES))
    with open_ledger(args.ledger, create=False) as ledger:
        start, label = args.start, args.start
        if start is None:
            eds = editions(ledger, args.year)
            start, label = ("v1", "v1") if len(eds) else (None, "开始 / start")
        before = resolve_point(ledger, args.year, start) if start else dt.datetime.min
        after = resolve_point(ledger, args.year, args.end)
        d = diff(ledger, args.year, fw, meth, before, after, (label, args.end or "现在 / now"))
    print(render(d))
    if args.out:
        write_csv(d.index, args.out)
    return OK


def run(args: argparse.Namespace) -> int:
    """Print the diff."""
    from .ledger_common import guarded

    return guarded(_run, args)
