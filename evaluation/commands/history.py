"""``rolindex history DISTRICT [--year Y]``: every version of every figure, who, when, which file, why."""

from __future__ import annotations

import argparse

from .options import OK, add_ledger

HELP = "历史：某区每项数据的每个版本 / history: every version of every figure of a district"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """District code, ``--year``, ``--ledger``."""
    p.add_argument("district")
    p.add_argument("--year", type=int)
    add_ledger(p)


def render(subs, events) -> str:
    """Submissions (rejected ones with their problems), then per year and figure every version and decision."""
    lines = ["报送 / submissions:"]
    for r in subs.itertuples(index=False):
        mark = " ← 当前 / current" if r.current else ""
        lines.append(f"  #{r.id} {r.year} {r.received_at:%Y-%m-%d %H:%M:%S} {r.status:<22} {r.file_name} "
                     f"(sha256 {r.file_sha256[:12]}…) by {r.submitted_by or '–'}{mark}")
        lines.extend(f"      {p}" for p in r.problems)
    for (year, figure), g in events.groupby(["year", "figure"], sort=True):
        lines.append(f"\n{year} {figure}:")
        for e in g.itertuples(index=False):
            when = f"{e.when:%Y-%m-%d %H:%M:%S}"
            if e.kind == "submitted":
                lines.append(f"  {when}  {e.value!s:<14} #{e.submission_id} {e.file} by {e.who or '–'} [{e.status}]"
                             f"{'  note: ' + e.reason if e.reason else ''}")
            else:
                val = f" → {e.value}" if e.kind == "adjust" else ""
                lines.append(f"  {when}  复核 review {e.kind}{val} by {e.who} (of #{e.submission_id}): {e.reason}")
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    from ..ledger import open_ledger
    from ..ledger.store import history

    with open_ledger(args.ledger, create=False) as ledger:
        subs, events = history(ledger, args.district, args.year)
    print(render(subs, events))
    return OK


def run(args: argparse.Namespace) -> int:
    """Print the history."""
    from .ledger_common import guarded

    return guarded(_run, args)
